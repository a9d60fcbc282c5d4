/* The upstream side of one request: send the request to the IMDS for the
 * client's address family, parse the answer's head strictly, and hand
 * the head and the body to the request that started it (which decides
 * whether the body is held or streamed, and may pause it). Connect
 * failure or reset is a 502, silence a 504, never a hang. Both limits are
 * deadlines, not idle timeouts: an upstream that trickles a byte now and
 * then must not hold the client (upstream_timeout for the whole head,
 * upstream_body_timeout for the whole body). This side knows nothing of
 * the client connection. */
#include "config.h"

#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proxy/proxy_int.h"

struct pupstream {
	struct proxy *px;
	const struct pupstream_cb *cb;
	void *arg;
	struct pupstream_req req; /* kept by the request while we live */
	struct proxy_upconn *uc;  /* the connection (proxy_pool.c) */
	struct sockaddr_storage addr;
	int reused;
	int got; /* any response byte */
	int head_done;
	int paused; /* the request asked us to wait */
	struct http_resp resp;
	int64_t left;           /* body bytes to go, -1: EOF */
	struct event *deadline; /* head, then body */
};

static void proxy_upstream_event(struct bufferevent *, short, void *);
static void proxy_upstream_expire(evutil_socket_t, short, void *);

/* (Re)start the deadline: ms from now, whatever arrives meanwhile. */
static void
proxy_upstream_arm(struct pupstream *up, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	if (up->deadline == NULL)
		up->deadline =
		    evtimer_new(up->px->base, proxy_upstream_expire, up);
	evtimer_add(up->deadline, &tv);
}

static void
proxy_upstream_release(struct pupstream *up, int reusable)
{
	if (up->deadline != NULL)
		event_free(up->deadline);
	if (up->uc != NULL) {
		if (reusable)
			proxy_pool_put(up->px, up->uc);
		else
			proxy_upconn_free(up->uc);
	}
	free(up);
}

void
proxy_upstream_abort(struct pupstream *up)
{
	proxy_upstream_release(up, 0);
}

void
proxy_upstream_resume(struct pupstream *up)
{
	if (up->paused && up->uc != NULL) {
		up->paused = 0;
		event_add(up->uc->rev, NULL);
	}
}

/* Give up on the upstream and tell the request (which may answer the
 * client at once: nothing of us is touched after). */
static void
proxy_upstream_fail(struct pupstream *up, int status, const char *why)
{
	const struct pupstream_cb *cb = up->cb;
	void *arg = up->arg;
	char a[ADDR_STRLEN];

	log_warnx("upstream %s: %s", addr_fmt(&up->addr, a, sizeof a), why);
	proxy_upstream_release(up, 0);
	cb->fail(arg, status, why);
}

/* "Host: ADDRESS\r\n" for an upstream, formatted once per address. */
static const char *
proxy_upstream_host(const struct sockaddr_storage *ss, size_t *len)
{
	static struct {
		struct sockaddr_storage addr;
		char line[ADDR_STRLEN + 16];
		size_t len;
	} cache[2];
	static int next;
	char host[ADDR_STRLEN];
	int i;

	for (i = 0; i < 2; i++)
		if (cache[i].len > 0 && addr_eq(&cache[i].addr, ss))
			break;
	if (i == 2) {
		i = next, next = !next;
		cache[i].addr = *ss;
		cache[i].len = (size_t)snprintf(
		    cache[i].line, sizeof cache[i].line, "Host: %s\r\n",
		    addr_ipfmt(ss, host, sizeof host));
	}
	*len = cache[i].len;
	return cache[i].line;
}

/* name: value\r\n, without printf. */
static void
proxy_upstream_header(struct buf *b, const char *name, const char *value)
{
	buf_addstr(b, name);
	buf_addstr(b, value);
	buf_add(b, "\r\n", 2);
}

/* The request line and the few headers the IMDS needs; nothing else of
 * the client's headers (no Host from the client, no X-Forwarded-For). */
static void
proxy_upstream_request(struct pupstream *up, struct buf *b)
{
	const struct http_req *h = up->req.http;
	const char *host;
	size_t hlen;

	buf_addstr(b, h->method_str);
	buf_addc(b, ' ');
	buf_addstr(b, up->req.path);
	buf_add(b, " HTTP/1.1\r\n", 11);
	host = proxy_upstream_host(&up->addr, &hlen);
	buf_add(b, host, hlen);
	if (h->has_token)
		proxy_upstream_header(b,
		                      "X-aws-ec2-metadata-token: ", h->token);
	if (h->has_ttl)
		proxy_upstream_header(
		    b, "X-aws-ec2-metadata-token-ttl-seconds: ", h->ttl);
	if (h->user_agent[0] != '\0')
		proxy_upstream_header(b, "User-Agent: ", h->user_agent);
	if (h->accept[0] != '\0')
		proxy_upstream_header(b, "Accept: ", h->accept);
	if (h->method == HTTP_PUT)
		buf_add(b, "Content-Length: 0\r\n", 19);
	buf_add(b, "\r\n", 2);
}

/* On a kept-alive connection the request goes straight to the socket:
 * libevent is asked to write only what it does not take at once (no
 * epoll_ctl per request). */
static void
proxy_upstream_send(struct pupstream *up, const char *p, size_t len)
{
	struct bufferevent *bev = up->uc->bev;
	ssize_t n = send(bufferevent_getfd(bev), p, len, MSG_NOSIGNAL);

	if (n < 0)
		n = 0; /* an error shows on the read side */
	if ((size_t)n < len) {
		evbuffer_add(bufferevent_get_output(bev), p + n,
		             len - (size_t)n);
		bufferevent_enable(bev, EV_WRITE);
	}
}

static int
proxy_upstream_connect(struct pupstream *up)
{
	static struct buf b; /* reused: one request at a time */
	const struct conf *conf = &up->px->conf;
	struct timeval wt;

	up->uc = proxy_pool_get(up->px, &up->addr, &up->reused);
	if (up->uc == NULL)
		return -1;
	up->uc->up = up;
	wt.tv_sec = conf->connect_timeout_ms / 1000;
	wt.tv_usec = (conf->connect_timeout_ms % 1000) * 1000;
	/* no read timeout: every byte would re-arm it; the deadline rules */
	bufferevent_set_timeouts(up->uc->bev, NULL, &wt);
	/* a fresh connection re-arms it once connected (the backstop here
	 * leaves the connect to connect_timeout) */
	proxy_upstream_arm(up, conf->upstream_timeout_ms +
	                           (up->reused ? 0 : conf->connect_timeout_ms));
	bufferevent_setcb(up->uc->bev, NULL, NULL, proxy_upstream_event, up);
	buf_reset(&b);
	proxy_upstream_request(up, &b);
	if (up->reused)
		proxy_upstream_send(up, b.data, b.len);
	else {
		bufferevent_write(up->uc->bev, b.data, b.len);
		bufferevent_enable(up->uc->bev, EV_WRITE);
		event_add(up->uc->rev, NULL);
	}
	explicit_bzero(b.data, b.len); /* it held the client's token */
	return 0;
}

/* NULL when no connection could be started (logged). */
struct pupstream *
proxy_upstream_start(struct proxy *px, const struct sockaddr_storage *ss,
                     const struct pupstream_req *req,
                     const struct pupstream_cb *cb, void *arg)
{
	struct pupstream *up = xcalloc(1, sizeof *up);
	char a[ADDR_STRLEN];

	up->px = px;
	up->cb = cb;
	up->arg = arg;
	up->req = *req;
	up->addr = *ss;
	if (proxy_upstream_connect(up) == -1) {
		log_warnx("upstream %s: cannot connect upstream",
		          addr_fmt(&up->addr, a, sizeof a));
		proxy_upstream_release(up, 0);
		return NULL;
	}
	return up;
}

/* The body is complete: back to the pool when the connection can carry
 * another request, then tell the request. */
static void
proxy_upstream_complete(struct pupstream *up)
{
	const struct pupstream_cb *cb = up->cb;
	void *arg = up->arg;
	struct evbuffer *in = up->uc->in;
	int reusable;

	reusable = !up->resp.close && up->left == 0 &&
	           evbuffer_get_length(in) == 0 && !up->px->stopping;
	proxy_upstream_release(up, reusable);
	cb->done(arg);
}

/* The head is known: how long the body is, then the request's say. */
static int
proxy_upstream_head(struct pupstream *up, const char *head, size_t n)
{
	const struct http_resp *s = &up->resp;
	int bodyless = up->req.http->method == HTTP_HEAD || s->status == 204 ||
	               s->status == 304;

	if (bodyless)
		up->left = 0;
	else if (s->chunked)
		return -1;
	else
		up->left = s->content_length;
	return up->cb->head(up->arg, s, head, n, up->left);
}

/* Body bytes to the request, at most what the head announced. Returns -1
 * when the request finds them too many. */
static int
proxy_upstream_body(struct pupstream *up, struct evbuffer *in)
{
	size_t n = evbuffer_get_length(in);
	int r;

	if (up->left >= 0 && (int64_t)n > up->left)
		n = (size_t)up->left;
	if (n == 0)
		return 0;
	if ((r = up->cb->body(up->arg, in, n)) < 0)
		return -1;
	if (r > 0) {
		up->paused = 1;
		event_del(up->uc->rev);
	}
	if (up->left > 0)
		up->left -= (int64_t)n;
	return 0;
}

/* Parse the head once enough of it is here. 1: parsed, 0: more, -1. */
static int
proxy_upstream_parse(struct pupstream *up, struct evbuffer *in)
{
	size_t len = evbuffer_get_length(in);
	size_t want = len < HTTP_MAX_HEAD + 2 ? len : HTTP_MAX_HEAD + 2;
	const char *p = (const char *)evbuffer_pullup(in, (ssize_t)want);
	int n;

	n = http_resp_parse(p, want, &up->resp);
	if (n == 0)
		return len > HTTP_MAX_HEAD ? -1 : 0;
	if (n < 0 || proxy_upstream_head(up, p, (size_t)n) == -1)
		return -1;
	up->head_done = 1;
	proxy_upstream_arm(up, up->px->conf.upstream_body_timeout_ms);
	evbuffer_drain(in, (size_t)n);
	return 1;
}

/* The connection is readable: its bytes, then what they mean. A read
 * error or EOF goes where libevent would have reported it. */
void
proxy_upstream_readable(struct pupstream *up, short what)
{
	struct evbuffer *in = up->uc->in;
	int r;

	(void)what;
	if ((r = proxy_upconn_fill(up->uc)) == 2)
		return;
	if (r <= 0) {
		proxy_upstream_event(
		    up->uc->bev,
		    BEV_EVENT_READING |
		        (r == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR),
		    up);
		return;
	}

	if (evbuffer_get_length(in) > 0)
		up->got = 1;
	if (!up->head_done) {
		if ((r = proxy_upstream_parse(up, in)) == 0)
			return;
		if (r == -1) {
			proxy_upstream_fail(
			    up, 502,
			    up->resp.why ? up->resp.why
			                 : "bad or oversized upstream answer");
			return;
		}
	}
	if (proxy_upstream_body(up, in) == -1) {
		proxy_upstream_fail(up, 502, "upstream body too large");
		return;
	}
	if (up->left == 0)
		proxy_upstream_complete(up);
}

/* The deadline passed: a 504 if the client has no head yet, else the
 * client connection is cut (audited with the reason). */
static void
proxy_upstream_expire(evutil_socket_t fd, short ev, void *arg)
{
	struct pupstream *up = arg;

	(void)fd;
	(void)ev;
	proxy_upstream_fail(up, 504,
	                    up->head_done ? "upstream body timeout"
	                                  : "upstream answer timeout");
}

/* A pooled connection the IMDS had closed: try again on a new one (each
 * pooled connection is tried at most once, so this is bounded). */
static void
proxy_upstream_retry(struct pupstream *up)
{
	proxy_upconn_free(up->uc);
	up->uc = NULL;
	if (proxy_upstream_connect(up) == -1)
		proxy_upstream_fail(up, 502, "cannot connect upstream");
}

static void
proxy_upstream_event(struct bufferevent *bev, short what, void *arg)
{
	struct pupstream *up = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) { /* the request goes out now */
		proxy_upstream_arm(up, up->px->conf.upstream_timeout_ms);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		proxy_upstream_fail(up, 504,
		                    (what & BEV_EVENT_WRITING)
		                        ? "upstream connect timeout"
		                        : "upstream answer timeout");
		return;
	}
	if ((what & BEV_EVENT_EOF) && up->head_done && up->left < 0) {
		up->left = 0;
		up->resp.close = 1;
		proxy_upstream_complete(up);
		return;
	}
	if (!up->got && up->reused) {
		proxy_upstream_retry(up);
		return;
	}
	proxy_upstream_fail(up, 502,
	                    (what & BEV_EVENT_EOF)
	                        ? "upstream closed early"
	                        : "upstream connection failed");
}
