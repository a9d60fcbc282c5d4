/* The instance poller. One short conversation with the IMDS per poll, on
 * one keep-alive connection, one request at a time (IMDS throttles; the
 * proxy's clients come first): token, identity document, interface list,
 * then four leaves per interface. Nothing here blocks: every step is an
 * evhttp callback with a bounded timeout, and a failed poll is retried
 * with back-off up to the poll interval. */
#include "config.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "audit/audit.h"
#include "common/buf.h"
#include "proxy/conf.h"
#include "proxy/instinfo.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define II_MAXMACS 16
#define II_MAXBODY 65536
#define II_TOKEN_TTL 21600 /* seconds, the IMDS maximum */
#define II_TOKEN_REUSE (II_TOKEN_TTL - 300)

/* The leaves read per interface, in this order. */
static const char *ii_leaves[] = {"local-ipv4s", "public-ipv4s", "ipv6s",
                                  "vpc-id"};
#define II_NLEAVES (sizeof ii_leaves / sizeof ii_leaves[0])

struct ii_mac {
	char *mac;
	char *leaf[II_NLEAVES]; /* body text, "" when 404 */
};

struct ii_snap {
	char *instance_id, *account_id, *region;
	struct ii_mac macs[II_MAXMACS];
	int nmacs;
};

enum ii_step { II_TOKEN, II_IDENT, II_MACS, II_LEAF };

struct instinfo {
	struct event_base *base;
	struct evhttp_connection *conn;
	struct event *timer;
	struct sockaddr_storage up;
	char host[ADDR_STRLEN];
	int timeout_ms, poll_ms, require_token;
	char *token;
	time_t token_at;
	int busy, want_force, cycle_force;
	int reconnect;
	int fails;
	enum ii_step step;
	int mac_i, leaf_i;
	struct ii_snap snap;
	char *last; /* content of the last record */
};

static void ii_next(struct instinfo *);
static void ii_cycle_end(struct instinfo *, int ok);

static time_t
ii_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
ii_snap_free(struct ii_snap *s)
{
	int i;
	size_t j;

	free(s->instance_id);
	free(s->account_id);
	free(s->region);
	for (i = 0; i < s->nmacs; i++) {
		free(s->macs[i].mac);
		for (j = 0; j < II_NLEAVES; j++)
			free(s->macs[i].leaf[j]);
	}
	memset(s, 0, sizeof *s);
}

/* The connection is remade from the configuration each time it changes. */
static void
ii_connect(struct instinfo *ii)
{
	char ip[INET6_ADDRSTRLEN];
	struct timeval tv = {ii->timeout_ms / 1000,
	                     (ii->timeout_ms % 1000) * 1000};

	if (ii->conn != NULL)
		evhttp_connection_free(ii->conn);
	addr_ipfmt(&ii->up, ip, sizeof ip);
	ii->conn = evhttp_connection_base_new(
	    ii->base, NULL, ip, (unsigned short)addr_port(&ii->up));
	if (ii->conn == NULL)
		fatalx("instinfo: cannot create an HTTP connection");
	evhttp_connection_set_timeout_tv(ii->conn, &tv);
	evhttp_connection_set_retries(ii->conn, 0);
	evhttp_connection_set_max_body_size(ii->conn, II_MAXBODY);
	if (ii->up.ss_family == AF_INET6)
		snprintf(ii->host, sizeof ii->host, "[%s]", ip);
	else
		snprintf(ii->host, sizeof ii->host, "%s", ip);
}

void
instinfo_set_conf(struct instinfo *ii, const struct conf *c)
{
	const struct sockaddr_storage *up = conf_upstream_for(c, AF_INET);

	if (up == NULL)
		up = conf_upstream_for(c, AF_INET6);
	ii->poll_ms = c->instance_poll_ms;
	ii->timeout_ms = c->upstream_timeout_ms + c->connect_timeout_ms;
	ii->require_token = c->require_token;
	if (up != NULL && (ii->conn == NULL || !addr_eq(up, &ii->up))) {
		ii->up = *up;
		ii->reconnect = 1; /* at the start of the next poll */
		free(ii->token);
		ii->token = NULL;
	}
}

/* The body as a string, or NULL when the request failed outright. */
static char *
ii_body(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *s = xmalloc(len + 1);

	evbuffer_remove(in, s, len);
	s[len] = '\0';
	return s;
}

/* Pull instanceId, accountId and region out of the identity document. */
static int
ii_ident(struct instinfo *ii, const char *body)
{
	static const char *keys[] = {"instanceId", "accountId", "region"};
	char **dst[] = {&ii->snap.instance_id, &ii->snap.account_id,
	                &ii->snap.region};
	json_t *root, *v;
	size_t i;

	if ((root = json_loads(body, 0, NULL)) == NULL ||
	    !json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		if ((v = json_object_get(root, keys[i])) != NULL &&
		    json_is_string(v))
			*dst[i] = xstrdup(json_string_value(v));
	}
	json_decref(root);
	return ii->snap.instance_id != NULL ? 0 : -1;
}

/* "0a:...:01/\n0a:...:02/" to the MAC list. */
static void
ii_macs(struct instinfo *ii, char *body)
{
	char *line, *save = NULL;
	size_t n;

	for (line = strtok_r(body, "\n", &save);
	     line != NULL && ii->snap.nmacs < II_MAXMACS;
	     line = strtok_r(NULL, "\n", &save)) {
		n = strcspn(line, "/\r");
		if (n == 0)
			continue;
		ii->snap.macs[ii->snap.nmacs++].mac = xstrndup(line, n);
	}
}

/* One answer of the conversation: keep what it says; 0 to go on. A
 * timeout on the token means no IMDS; a refusal means carry on with v1. */
static int
ii_take(struct instinfo *ii, int code, char **body)
{
	switch (ii->step) {
	case II_TOKEN:
		if (code == 200 && (*body)[0] != '\0') {
			free(ii->token);
			ii->token = *body, *body = NULL;
			ii->token_at = ii_now();
		}
		ii->step = II_IDENT;
		return code == 0 ? -1 : 0;
	case II_IDENT:
		ii->step = II_MACS;
		return code == 200 ? ii_ident(ii, *body) : -1;
	case II_MACS:
		ii->step = II_LEAF;
		if (code == 200)
			ii_macs(ii, *body);
		return code == 200 || code == 404 ? 0 : -1;
	case II_LEAF:
		/* An interface without public or IPv6 addresses: 404. */
		if (code != 200 && code != 404)
			return -1;
		ii->snap.macs[ii->mac_i].leaf[ii->leaf_i] =
		    code == 200 ? *body : xstrdup("");
		if (code == 200)
			*body = NULL;
		if ((size_t)++ii->leaf_i == II_NLEAVES)
			ii->leaf_i = 0, ii->mac_i++;
		return 0;
	}
	return -1;
}

static void
ii_done(struct evhttp_request *req, void *arg)
{
	struct instinfo *ii = arg;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	char *body = req != NULL ? ii_body(req) : NULL;
	int r = ii_take(ii, code, &body);

	free(body);
	if (r == 0) {
		ii_next(ii);
		return;
	}
	if (code == 401) { /* our token expired: a new one next time */
		free(ii->token);
		ii->token = NULL;
	}
	ii_cycle_end(ii, 0);
}

static int
ii_request(struct instinfo *ii, enum evhttp_cmd_type type, const char *path)
{
	struct evhttp_request *req = evhttp_request_new(ii_done, ii);
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
ii_next(struct instinfo *ii)
{
	char *path = NULL;
	int r;

	if (ii->step == II_TOKEN && ii->token != NULL &&
	    ii_now() - ii->token_at < II_TOKEN_REUSE)
		ii->step = II_IDENT;
	if (ii->step == II_LEAF && ii->mac_i >= ii->snap.nmacs) {
		ii_cycle_end(ii, 1);
		return;
	}
	if (ii->step == II_TOKEN)
		r = ii_request(ii, EVHTTP_REQ_PUT, "/latest/api/token");
	else if (ii->step == II_IDENT)
		r = ii_request(ii, EVHTTP_REQ_GET,
		               "/latest/dynamic/instance-identity/document");
	else if (ii->step == II_MACS)
		r = ii_request(ii, EVHTTP_REQ_GET,
		               "/latest/meta-data/network/interfaces/macs/");
	else {
		xasprintf(&path,
		          "/latest/meta-data/network/interfaces/macs/%s/%s",
		          ii->snap.macs[ii->mac_i].mac, ii_leaves[ii->leaf_i]);
		r = ii_request(ii, EVHTTP_REQ_GET, path);
		free(path);
	}
	if (r != 0)
		ii_cycle_end(ii, 0);
}

static void
ii_cycle_start(struct instinfo *ii)
{
	if (ii->reconnect)
		ii_connect(ii);
	ii->reconnect = 0;
	ii->busy = 1;
	ii->cycle_force = ii->want_force;
	ii->want_force = 0;
	ii_snap_free(&ii->snap);
	ii->step = II_TOKEN;
	ii->mac_i = ii->leaf_i = 0;
	ii_next(ii);
}

static void
ii_timer(evutil_socket_t fd, short what, void *arg)
{
	ii_cycle_start(arg);
}

/* Split a listing body into the strv, skipping empty lines. */
static void
ii_lines(const char *body, const char **v, int *n, int max)
{
	const char *p = body, *e;

	while (*p != '\0' && *n < max) {
		e = p + strcspn(p, "\n");
		if (e > p)
			v[(*n)++] = xstrndup(p, (size_t)(e - p));
		p = *e != '\0' ? e + 1 : e;
	}
}

#define II_MAXIPS (II_MAXMACS * 64)

struct ii_rec {
	const char *priv[II_MAXIPS + 1], *pub[II_MAXIPS + 1];
	const char *macs[II_MAXMACS + 1];
	const char *l4[II_MAXMACS][65], *p4[II_MAXMACS][65],
	    *v6[II_MAXMACS][65];
	struct audit_iface ifaces[II_MAXMACS];
	int npriv, npub;
};

/* Per interface: private = local IPv4s, public = public IPv4s and IPv6s. */
static void
ii_rec_iface(struct ii_rec *r, const struct ii_mac *m, int i)
{
	int n4 = 0, np = 0, n6 = 0, k;

	ii_lines(m->leaf[0], r->l4[i], &n4, 64);
	ii_lines(m->leaf[1], r->p4[i], &np, 64);
	ii_lines(m->leaf[2], r->v6[i], &n6, 64);
	for (k = 0; k < n4 && r->npriv < II_MAXIPS; k++)
		r->priv[r->npriv++] = r->l4[i][k];
	for (k = 0; k < np && r->npub < II_MAXIPS; k++)
		r->pub[r->npub++] = r->p4[i][k];
	for (k = 0; k < n6 && r->npub < II_MAXIPS; k++)
		r->pub[r->npub++] = r->v6[i][k];
	r->macs[i] = m->mac;
	r->ifaces[i].mac = m->mac;
	r->ifaces[i].vpc_id = m->leaf[3];
	r->ifaces[i].local_ipv4s = r->l4[i];
	r->ifaces[i].public_ipv4s = r->p4[i];
	r->ifaces[i].ipv6s = r->v6[i];
}

static void
ii_rec_free(struct ii_rec *r, int nmacs)
{
	const char **v[] = {NULL, NULL, NULL};
	int i, k, j;

	for (i = 0; i < nmacs; i++) {
		v[0] = r->l4[i], v[1] = r->p4[i], v[2] = r->v6[i];
		for (j = 0; j < 3; j++)
			for (k = 0; v[j][k] != NULL; k++)
				free((char *)v[j][k]);
	}
}

/* A canonical text of what the record says, to notice changes. */
static char *
ii_content(const struct instinfo *ii)
{
	const struct ii_snap *s = &ii->snap;
	struct buf b;
	int i;
	size_t j;

	buf_init(&b);
	buf_addf(&b, "%s\n%s\n%s\n%d\n", s->instance_id,
	         s->account_id ? s->account_id : "", s->region ? s->region : "",
	         ii->require_token);
	for (i = 0; i < s->nmacs; i++) {
		buf_addf(&b, "%s\n", s->macs[i].mac);
		for (j = 0; j < II_NLEAVES; j++)
			buf_addf(&b, "%s\n", s->macs[i].leaf[j]);
	}
	return b.data;
}

static void
ii_record(struct instinfo *ii)
{
	struct ii_rec *r = xcalloc(1, sizeof *r);
	struct audit_instance in;
	int i;

	for (i = 0; i < ii->snap.nmacs; i++)
		ii_rec_iface(r, &ii->snap.macs[i], i);
	memset(&in, 0, sizeof in);
	in.instance_id = ii->snap.instance_id;
	in.account_id = ii->snap.account_id;
	in.region = ii->snap.region;
	in.vpc_id = ii->snap.nmacs > 0 ? ii->snap.macs[0].leaf[3] : NULL;
	in.private_ips = r->priv;
	in.public_ips = r->pub;
	in.macs = r->macs;
	in.require_token = ii->require_token;
	in.ifaces = r->ifaces;
	in.nifaces = ii->snap.nmacs;
	audit_instance(&in);
	ii_rec_free(r, ii->snap.nmacs);
	free(r);
}

/* Write the record when asked to or when anything changed; schedule the
 * next poll (sooner after a failure, doubling up to the interval). */
static void
ii_cycle_end(struct instinfo *ii, int ok)
{
	struct timeval tv;
	char *content;
	long ms = ii->poll_ms;

	ii->busy = 0;
	if (ok) {
		if (ii->fails > 0)
			log_info("instance metadata: reachable again");
		ii->fails = 0;
		content = ii_content(ii);
		if (ii->cycle_force || ii->last == NULL ||
		    strcmp(content, ii->last) != 0) {
			ii_record(ii);
			free(ii->last);
			ii->last = content;
		} else
			free(content);
	} else {
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
instinfo_start(struct event_base *base, const struct conf *c)
{
	struct instinfo *ii = xcalloc(1, sizeof *ii);
	struct timeval now = {0, 0};

	ii->base = base;
	ii->want_force = 1;
	ii->timer = evtimer_new(base, ii_timer, ii);
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
	ii_snap_free(&ii->snap);
	free(ii->token);
	free(ii->last);
	free(ii);
}
