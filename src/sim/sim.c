/* imdsgate-sim's request handling: which answer a request gets, in the
 * order EC2 decides it (version, token PUT, method, token, resource). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "sim/sim.h"

static int64_t
sim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
sim_header(struct evhttp_request *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req), name);
}

/* The token response leaves with the configured IP TTL / hop limit, as
 * on EC2, so a token does not reach a container behind a bridge. */
static void
sim_hop_limit(struct evhttp_request *req, int hops)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	evutil_socket_t fd;

	if (c == NULL)
		return;
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(c));
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
		           sizeof hops);
	else
		setsockopt(fd, IPPROTO_IP, IP_TTL, &hops, sizeof hops);
}

/* TTL header: decimal digits only, 1..21600. */
static int
sim_ttl(const char *v)
{
	long n = 0;

	if (v == NULL || *v == '\0' || strlen(v) > 6)
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n >= 1 && n <= SIM_TTL_MAX ? (int)n : -1;
}

/* PUT /latest/api/token. */
static int
sim_token_put(struct sim *sim, struct evhttp_request *req)
{
	const char *tok;
	char n[16];
	int ttl;

	if (sim_header(req, "X-Forwarded-For") != NULL) {
		sim_reply_error(req, 403);
		return 403;
	}
	ttl = sim_ttl(sim_header(req, "X-aws-ec2-metadata-token-ttl-seconds"));
	if (ttl < 0) {
		sim_reply_error(req, 400);
		return 400;
	}
	tok = sim_tokens_issue(sim->tokens, ttl, sim_now_ms());
	snprintf(n, sizeof n, "%d", ttl);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "X-aws-ec2-metadata-token-ttl-seconds", n);
	sim_hop_limit(req, sim->conf->hop_limit);
	sim_reply_text(req, tok, strlen(tok));
	return 200;
}

/* 0 when the request may go on, else the status to answer. */
static int
sim_token_check(struct sim *sim, struct evhttp_request *req)
{
	const char *tok = sim_header(req, "X-aws-ec2-metadata-token");

	if (tok != NULL)
		return sim_tokens_valid(sim->tokens, tok, sim_now_ms()) ? 0
		                                                        : 401;
	return sim->conf->tokens_required ? 401 : 0;
}

/* Render one resource of the tree. */
static void
sim_render(struct sim *sim, const struct sim_node *n, struct buf *b)
{
	switch (n->kind) {
	case SIM_DIR:
		sim_tree_listing(n, b);
		break;
	case SIM_TEXT:
		buf_addstr(b, n->text);
		break;
	case SIM_ROLE_CREDS:
		sim_rotate_check(sim);
		sim_creds_json(&sim->role.cur, b);
		break;
	case SIM_EC2_CREDS:
		sim_rotate_check(sim);
		sim_creds_json(&sim->ec2.cur, b);
		break;
	case SIM_IAM_INFO:
		sim_instance_iam_info(sim->conf, sim->role.cur.issued, b);
		break;
	case SIM_IDENTITY_DOC:
		sim_instance_document(sim->conf, b);
		break;
	}
}

/* GET/HEAD of "/", "/VERSION" or "/VERSION/...". */
static int
sim_get(struct sim *sim, struct evhttp_request *req, const char *rest,
        size_t vlen)
{
	const struct sim_node *n;
	struct buf b;

	buf_init(&b);
	if (*rest == '\0')
		sim_version_listing(&b);
	else {
		rest += vlen;
		if (*rest == '/')
			rest++;
		if ((n = sim_tree_lookup(sim->tree, rest)) == NULL) {
			buf_free(&b);
			sim_reply_error(req, 404);
			return 404;
		}
		sim_render(sim, n, &b);
	}
	sim_reply_text(req, b.data ? b.data : "", b.len);
	buf_free(&b);
	return 200;
}

static int
sim_dispatch(struct sim *sim, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *rest = path + 1;
	size_t vlen;
	int code;

	if (*path != '/') {
		sim_reply_error(req, 400);
		return 400;
	}
	vlen = sim_version_match(rest);
	if (vlen == 0 && *rest != '\0') {
		sim_reply_error(req, 404);
		return 404;
	}
	/* The token path takes PUT only, and only under latest. */
	if (vlen > 0 && strcmp(rest + vlen, "/api/token") == 0) {
		if (m == EVHTTP_REQ_PUT && strncmp(rest, "latest/", 7) == 0)
			return sim_token_put(sim, req);
		code = m == EVHTTP_REQ_PUT ? 403 : 405;
	} else if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)
		code = 405;
	else
		code = sim_token_check(sim, req);
	if (code != 0) {
		sim_reply_error(req, code);
		return code;
	}
	return sim_get(sim, req, rest, vlen);
}

static const char *
sim_method(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	default:
		return "OTHER";
	}
}

/* The request's path, a copy to free. From the target as sent when it
 * starts with "/": evhttp would read "//latest/..." as a host
 * ("latest") and a path. */
static char *
sim_path(struct evhttp_request *req)
{
	const char *t = evhttp_request_get_uri(req);
	const struct evhttp_uri *u;
	const char *p;

	if (t != NULL && *t == '/')
		return xstrndup(t, strcspn(t, "?#"));
	u = evhttp_request_get_evhttp_uri(req);
	p = u ? evhttp_uri_get_path(u) : NULL;
	return xstrdup(p == NULL || *p == '\0' ? "/" : p);
}

/* evhttp's callback for every request. The path is read as IMDS reads
 * it (repeated slashes are one); the log shows it as it came. */
void
sim_handle(struct evhttp_request *req, void *arg)
{
	struct sim *sim = arg;
	char *path = sim_path(req), *clean = xstrdup(path);
	int code;

	sim_path_squeeze(clean);
	code = sim_dispatch(sim, req, clean);
	if (sim->conf->verbose)
		log_info("%s %s %d",
		         sim_method(evhttp_request_get_command(req)), path,
		         code);
	free(clean);
	free(path);
}
