/* The instance poller's conversation with the IMDS. One short
 * conversation per poll, on one keep-alive connection, one request at a
 * time (IMDS throttles; the proxy's clients come first): token, identity
 * document, interface list, then four leaves per interface. Nothing here
 * blocks: every step is an evhttp callback with a bounded timeout, and a
 * failed poll is retried with back-off up to the poll interval. What the
 * answers say goes to instinfo_record.c. */
#include "config.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proxy/instinfo.h"
#include "proxy/instinfo_int.h"

#define INSTINFO_MAXBODY 65536
#define INSTINFO_TOKEN_TTL 21600 /* seconds, the IMDS maximum */
#define INSTINFO_TOKEN_REUSE (INSTINFO_TOKEN_TTL - 300)

enum instinfo_step { II_TOKEN, II_IDENT, II_MACS, II_LEAF };

struct instinfo {
	struct event_base *base;
	struct instinfo_conf conf;
	struct evhttp_connection *conn;
	struct event *timer;
	struct sockaddr_storage up; /* what conn is connected to */
	char host[ADDR_STRLEN];
	char *token;
	time_t token_at;
	int busy, want_force, cycle_force;
	int reconnect;
	int fails;
	enum instinfo_step step;
	int mac_i, leaf_i;
	struct instinfo_snap snap;
	char *last; /* content of the last record */
};

static void instinfo_poll_next(struct instinfo *);
static void instinfo_poll_end(struct instinfo *, int ok);

static time_t
instinfo_poll_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The connection is remade from the configuration each time it changes. */
static void
instinfo_poll_connect(struct instinfo *ii)
{
	char ip[INET6_ADDRSTRLEN];
	struct timeval tv = {ii->conf.timeout_ms / 1000,
	                     (ii->conf.timeout_ms % 1000) * 1000};

	if (ii->conn != NULL)
		evhttp_connection_free(ii->conn);
	addr_ipfmt(&ii->up, ip, sizeof ip);
	ii->conn = evhttp_connection_base_new(
	    ii->base, NULL, ip, (unsigned short)addr_port(&ii->up));
	if (ii->conn == NULL)
		fatalx("instinfo: cannot create an HTTP connection");
	evhttp_connection_set_timeout_tv(ii->conn, &tv);
	evhttp_connection_set_retries(ii->conn, 0);
	evhttp_connection_set_max_body_size(ii->conn, INSTINFO_MAXBODY);
	if (ii->up.ss_family == AF_INET6)
		snprintf(ii->host, sizeof ii->host, "[%s]", ip);
	else
		snprintf(ii->host, sizeof ii->host, "%s", ip);
}

void
instinfo_set_conf(struct instinfo *ii, const struct instinfo_conf *c)
{
	ii->conf = *c;
	if (c->has_upstream &&
	    (ii->conn == NULL || !addr_eq(&c->upstream, &ii->up))) {
		ii->up = c->upstream;
		ii->reconnect = 1; /* at the start of the next poll */
		free(ii->token);
		ii->token = NULL;
	}
}

/* The body as a string. */
static char *
instinfo_poll_body(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *s = xmalloc(len + 1);

	evbuffer_remove(in, s, len);
	s[len] = '\0';
	return s;
}

/* One answer of the conversation: keep what it says; 0 to go on. A
 * timeout on the token means no IMDS; a refusal means carry on with v1. */
static int
instinfo_poll_take(struct instinfo *ii, int code, char **body)
{
	struct instinfo_snap *s = &ii->snap;

	switch (ii->step) {
	case II_TOKEN:
		if (code == 200 && (*body)[0] != '\0') {
			free(ii->token);
			ii->token = *body, *body = NULL;
			ii->token_at = instinfo_poll_now();
		}
		ii->step = II_IDENT;
		return code == 0 ? -1 : 0;
	case II_IDENT:
		ii->step = II_MACS;
		return code == 200 ? instinfo_record_ident(s, *body) : -1;
	case II_MACS:
		ii->step = II_LEAF;
		if (code == 200)
			instinfo_record_macs(s, *body);
		return code == 200 || code == 404 ? 0 : -1;
	case II_LEAF:
		/* An interface without public or IPv6 addresses: 404. */
		if (code != 200 && code != 404)
			return -1;
		s->macs[ii->mac_i].leaf[ii->leaf_i] =
		    code == 200 ? *body : xstrdup("");
		if (code == 200)
			*body = NULL;
		if (++ii->leaf_i == INSTINFO_NLEAVES)
			ii->leaf_i = 0, ii->mac_i++;
		return 0;
	}
	return -1;
}

static void
instinfo_poll_done(struct evhttp_request *req, void *arg)
{
	struct instinfo *ii = arg;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	char *body = req != NULL ? instinfo_poll_body(req) : NULL;
	int r = instinfo_poll_take(ii, code, &body);

	free(body);
	if (r == 0) {
		instinfo_poll_next(ii);
		return;
	}
	if (code == 401) { /* our token expired: a new one next time */
		free(ii->token);
		ii->token = NULL;
	}
	instinfo_poll_end(ii, 0);
}

static int
instinfo_poll_request(struct instinfo *ii, enum evhttp_cmd_type type,
                      const char *path)
{
	struct evhttp_request *req = evhttp_request_new(instinfo_poll_done, ii);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Host", ii->host);
	evhttp_add_header(h, "User-Agent", "imdsgated/" PACKAGE_VERSION);
	if (type == EVHTTP_REQ_PUT)
		evhttp_add_header(h, "X-aws-ec2-metadata-token-ttl-seconds",
		                  "21600");
	else if (ii->token != NULL)
		evhttp_add_header(h, "X-aws-ec2-metadata-token", ii->token);
	return evhttp_make_request(ii->conn, req, type, path);
}

/* The next request of the conversation, or the end of it. */
static void
instinfo_poll_next(struct instinfo *ii)
{
	char *path = NULL;
	int r;

	if (ii->step == II_TOKEN && ii->token != NULL &&
	    instinfo_poll_now() - ii->token_at < INSTINFO_TOKEN_REUSE)
		ii->step = II_IDENT;
	if (ii->step == II_LEAF && ii->mac_i >= ii->snap.nmacs) {
		instinfo_poll_end(ii, 1);
		return;
	}
	if (ii->step == II_TOKEN)
		r = instinfo_poll_request(ii, EVHTTP_REQ_PUT,
		                          "/latest/api/token");
	else if (ii->step == II_IDENT)
		r = instinfo_poll_request(
		    ii, EVHTTP_REQ_GET,
		    "/latest/dynamic/instance-identity/document");
	else if (ii->step == II_MACS)
		r = instinfo_poll_request(
		    ii, EVHTTP_REQ_GET,
		    "/latest/meta-data/network/interfaces/macs/");
	else {
		xasprintf(&path,
		          "/latest/meta-data/network/interfaces/macs/%s/%s",
		          ii->snap.macs[ii->mac_i].mac,
		          instinfo_record_leaf(ii->leaf_i));
		r = instinfo_poll_request(ii, EVHTTP_REQ_GET, path);
		free(path);
	}
	if (r != 0)
		instinfo_poll_end(ii, 0);
}

static void
instinfo_poll_start(struct instinfo *ii)
{
	if (ii->reconnect)
		instinfo_poll_connect(ii);
	ii->reconnect = 0;
	ii->busy = 1;
	ii->cycle_force = ii->want_force;
	ii->want_force = 0;
	instinfo_record_free(&ii->snap);
	ii->step = II_TOKEN;
	ii->mac_i = ii->leaf_i = 0;
	instinfo_poll_next(ii);
}

static void
instinfo_poll_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	instinfo_poll_start(arg);
}

/* A complete poll: write the record when asked to or when anything
 * changed. */
static void
instinfo_poll_ok(struct instinfo *ii)
{
	char *content;

	if (ii->fails > 0)
		log_info("instance metadata: reachable again");
	ii->fails = 0;
	content = instinfo_record_content(&ii->snap, ii->conf.require_token);
	if (ii->cycle_force || ii->last == NULL ||
	    strcmp(content, ii->last) != 0) {
		instinfo_record_write(&ii->snap, ii->conf.require_token);
		free(ii->last);
		ii->last = content;
	} else
		free(content);
}

/* Schedule the next poll (sooner after a failure, doubling up to the
 * interval; at once when a record is owed). */
static void
instinfo_poll_end(struct instinfo *ii, int ok)
{
	struct timeval tv;
	long ms = ii->conf.poll_ms;

	ii->busy = 0;
	if (ok)
		instinfo_poll_ok(ii);
	else {
		if (ii->fails++ == 0)
			log_warnx("instance metadata: cannot read it from the "
			          "upstream IMDS (step %d); retrying",
			          (int)ii->step);
		ii->want_force |= ii->cycle_force;
		if (ii->fails < 16 && (1000L << (ii->fails - 1)) < ms)
			ms = 1000L << (ii->fails - 1);
	}
	if (ii->want_force)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ii->timer, &tv);
}

struct instinfo *
instinfo_start(struct event_base *base, const struct instinfo_conf *c)
{
	struct instinfo *ii = xcalloc(1, sizeof *ii);
	struct timeval now = {0, 0};

	ii->base = base;
	ii->want_force = 1;
	ii->timer = evtimer_new(base, instinfo_poll_timer, ii);
	if (ii->timer == NULL)
		fatalx("instinfo: cannot create a timer");
	instinfo_set_conf(ii, c);
	evtimer_add(ii->timer, &now);
	return ii;
}

void
instinfo_refresh(struct instinfo *ii)
{
	struct timeval now = {0, 0};

	ii->want_force = 1;
	if (!ii->busy)
		evtimer_add(ii->timer, &now);
}

void
instinfo_stop(struct instinfo *ii)
{
	if (ii == NULL)
		return;
	if (ii->conn != NULL)
		evhttp_connection_free(ii->conn);
	event_free(ii->timer);
	instinfo_record_free(&ii->snap);
	free(ii->token);
	free(ii->last);
	free(ii);
}
