/* The client side: one connection from a local process. Its owner is
 * looked up once, at accept, from the kernel; requests are parsed one at a
 * time and answered in order (pipelined requests wait in the input
 * buffer, unread, until the previous answer is out). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/addr.h"
#include "audit/audit.h"
#include "common/log.h"
#include "sys/origdst.h"
#include "proxy/proxy.h"
#include "common/xmalloc.h"

static void proxy_client_read(struct bufferevent *, void *);

void
proxy_client_free(struct pconn *c)
{
	struct proxy *px = c->px;

	if (c->req != NULL)
		proxy_request_free(c->req);
	peer_lookup_cancel(c->ident);
	proxy_limits_release(px, c);
	if (c->head_ev != NULL)
		event_free(c->head_ev);
	TAILQ_REMOVE(&px->conns, c, entry);
	bufferevent_free(c->bev);
	px->nconns--;
	free(c);
	if (px->stopping && px->nconns == 0)
		event_base_loopexit(px->base, NULL);
}

/* While lingering: whatever the client still sends is thrown away. */
static void
proxy_client_discard(struct bufferevent *bev, void *arg)
{
	struct pconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	c->discarded += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->discarded > PROXY_LINGER_MAX)
		proxy_client_free(c);
}

static void
proxy_client_linger_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	proxy_client_free(arg);
}

/* The answer is out and the connection must close. Closing with unread
 * input would make the kernel send a RST that can destroy the answer
 * before the client reads it (a refused request with trailing bytes);
 * so half-close, drain what still comes for a moment, then close. */
static void
proxy_client_finish(struct pconn *c)
{
	struct timeval tv = {PROXY_LINGER_MS / 1000,
	                     (PROXY_LINGER_MS % 1000) * 1000};

	if (c->eof || c->lingering) {
		proxy_client_free(c);
		return;
	}
	c->lingering = 1;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	evbuffer_drain(bufferevent_get_input(c->bev),
	               evbuffer_get_length(bufferevent_get_input(c->bev)));
	bufferevent_setcb(c->bev, proxy_client_discard, NULL,
	                  proxy_client_linger_event, c);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
}

/* Output flushed: close if we said we would; resume a paused upstream. */
static void
proxy_client_write(struct bufferevent *bev, void *arg)
{
	struct pconn *c = arg;

	(void)bev;
	if (c->req != NULL && c->req->up != NULL) {
		proxy_upstream_resume(c->req->up);
		return;
	}
	if (c->closing && c->req == NULL)
		proxy_client_finish(c);
}

/* EOF, error or idle timeout. After a FIN the requests already sent
 * (pipelined or in progress) are still answered, then the connection
 * closes. */
static void
proxy_client_event(struct bufferevent *bev, short what, void *arg)
{
	struct pconn *c = arg;

	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		c->eof = 1;
		if (c->req != NULL)
			return;
		proxy_client_read(bev, c); /* closes when nothing is left */
		return;
	}
	if (c->req != NULL && c->req->status == 0)
		c->req->reason = (what & BEV_EVENT_TIMEOUT)
		                     ? "client timeout"
		                     : "client went away";
	proxy_client_free(c);
}

void
proxy_client_send(struct pconn *c, const void *data, size_t len)
{
	bufferevent_write(c->bev, data, len);
}

/* Nothing more will come: close once the output is out. */
static void
proxy_client_close(struct pconn *c)
{
	c->closing = 1;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		proxy_client_finish(c);
}

/* A head dribbled in byte by byte resets the idle timeout forever; the
 * whole head must arrive within client_timeout of its first byte. */
static void
proxy_client_head_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct pconn *c = arg;

	(void)fd;
	(void)ev;
	log_warnx("%s: request head not complete in time, closing",
	          c->client_str);
	proxy_client_free(c);
}

static void
proxy_client_head_arm(struct pconn *c)
{
	struct timeval tv = {c->px->conf.client_timeout_ms / 1000,
	                     (c->px->conf.client_timeout_ms % 1000) * 1000};

	if (c->head_ev == NULL)
		c->head_ev =
		    evtimer_new(c->px->base, proxy_client_head_timeout, c);
	if (!evtimer_pending(c->head_ev, NULL))
		evtimer_add(c->head_ev, &tv);
}

/* Parse the next buffered request, if any, and start it. */
static void
proxy_client_read(struct bufferevent *bev, void *arg)
{
	struct pconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in), want;
	struct preq *r;
	int n;

	if (c->req != NULL || c->closing || c->ident != NULL)
		return;
	if (len == 0) {
		if (c->eof)
			proxy_client_close(c);
		return;
	}
	want = len < HTTP_MAX_LINE + HTTP_MAX_HEAD + 4
	           ? len
	           : HTTP_MAX_LINE + HTTP_MAX_HEAD + 4;
	r = xcalloc(1, sizeof *r);
	r->c = c;
	n = http_req_parse((const char *)evbuffer_pullup(in, (ssize_t)want),
	                   want, &r->http);
	if (n == 0) {
		free(r);
		if (c->eof)
			proxy_client_close(c);
		else
			proxy_client_head_arm(c);
		return;
	}
	if (c->head_ev != NULL)
		evtimer_del(c->head_ev);
	c->req = r;
	bufferevent_disable(bev, EV_READ);
	if (n < 0) {
		evbuffer_drain(in, len);
		proxy_request_reply(r, r->http.status, r->http.why, 1);
		return;
	}
	evbuffer_drain(in, (size_t)n);
	proxy_request_start(c, r);
}

/* The request is answered (its bytes are queued): next one, or close. */
void
proxy_client_req_done(struct pconn *c)
{
	struct preq *r = c->req;

	if (!r->keepalive || c->px->stopping)
		c->closing = 1;

	proxy_request_free(r);
	c->req = NULL;
	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			proxy_client_finish(c);
		return;
	}
	if (!c->eof)
		bufferevent_enable(c->bev, EV_READ);
	/* the next buffered request, from the loop (no recursion) */
	bufferevent_trigger(c->bev, EV_READ,
	                    BEV_TRIG_IGNORE_WATERMARKS |
	                        BEV_TRIG_DEFER_CALLBACKS);
}

/* Over a limit: answer 503 and close without reading. */
static void
proxy_client_refuse(struct pconn *c)
{
	struct buf b;

	buf_init(&b);
	http_reply_error(&b, 503, 0, 1);
	bufferevent_write(c->bev, b.data, b.len);
	buf_free(&b);
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
}

/* Who is calling: the uid from the kernel now (cheap: the connection
 * limits need it), the process and groups only once the limits let the
 * connection in, so a flood over the per-uid limit costs no lookup. */
static void
proxy_client_identify(struct pconn *c, int fd, struct peer_pending *pp)
{
	int r = origdst_get(fd, &c->dst);

	c->redirected = r == 1;
	if (r == -1) {
		log_warnx("%s: original destination unknown", c->client_str);
		return;
	}
	if (peer_lookup_uid(&c->client, &c->dst, &c->peer, pp) == 0)
		c->peer_ok = 1;
	else
		log_warnx("%s: socket owner unknown: refusing", c->client_str);
}

/* Step two answered: requests may now be read (a failed lookup is
 * refused at the first request, fail closed). */
static void
proxy_client_identified(void *arg, int ok)
{
	struct pconn *c = arg;

	c->ident = NULL;
	if (!ok) {
		c->peer_ok = 0;
		log_warnx("%s: caller lookup failed: refusing", c->client_str);
	}
	if (c->head_ev != NULL)
		evtimer_del(c->head_ev);
	bufferevent_enable(c->bev, EV_READ);
}

void
proxy_client_new(struct proxy *px, int fd, const struct sockaddr *sa,
                 int socklen)
{
	struct pconn *c = xcalloc(1, sizeof *c);
	struct peer_pending pp;
	struct timeval tv;
	int r = 1;

	c->px = px;
	memcpy(&c->client, sa,
	       (size_t)socklen < sizeof c->client ? (size_t)socklen
	                                          : sizeof c->client);
	addr_fmt(&c->client, c->client_str, sizeof c->client_str);
	c->bev = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	TAILQ_INSERT_TAIL(&px->conns, c, entry);
	px->nconns++;
	tv.tv_sec = px->conf.client_timeout_ms / 1000;
	tv.tv_usec = (px->conf.client_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_setcb(c->bev, proxy_client_read, proxy_client_write,
	                  proxy_client_event, c);
	proxy_client_identify(c, fd, &pp);
	if (proxy_limits_take(px, c) == -1) {
		proxy_client_refuse(c);
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	if (c->peer_ok)
		r = peer_lookup_start(&c->peer, &pp, proxy_client_identified, c,
		                      &c->ident);
	if (r == -1)
		c->peer_ok = 0;
	if (r == 0) { /* reading waits for the answer, within the deadline */
		proxy_client_head_arm(c);
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}
