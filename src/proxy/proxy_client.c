/* The client side: one connection from a local process. Its owner is
 * looked up first (the connection is "identifying" until that completes,
 * and nothing is read meanwhile); then requests are parsed one at a time
 * and each is handed to a request that owns it until it is answered and
 * recorded (pipelined requests wait in the input buffer, unread, until
 * the previous answer is out). A connection that ends is closed at once
 * but freed only from the event loop, once nothing refers to it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proxy/proxy_int.h"

static void proxy_client_read(struct bufferevent *, void *);

void
proxy_client_ref(struct pconn *c)
{
	c->references++;
}

/* The last reference: free it from the loop, never under the feet of a
 * callback that still holds the pointer. */
void
proxy_client_unref(struct pconn *c)
{
	struct proxy *px = c->px;

	if (--c->references > 0)
		return;
	TAILQ_INSERT_TAIL(&px->reap, c, entry);
	event_active(px->reap_ev, EV_TIMEOUT, 0);
}

/* Free every dead, unreferenced connection. */
void
proxy_client_reap(struct proxy *px)
{
	struct pconn *c;

	while ((c = TAILQ_FIRST(&px->reap)) != NULL) {
		TAILQ_REMOVE(&px->reap, c, entry);
		audit_caller_free(&c->caller);
		free(c);
	}
}

void
proxy_client_lost(struct pconn *c, const char *why)
{
	struct proxy *px = c->px;
	struct preq *r = c->req;

	if (c->dead)
		return;
	c->dead = 1;
	c->req = NULL;
	if (r != NULL)
		proxy_request_abort(r, why);
	if (c->state == PCONN_IDENTIFYING)
		proxy_identify_cancel(c);
	if (c->dirty)
		TAILQ_REMOVE(&px->dirty, c, dentry);
	c->dirty = 0;
	proxy_limits_release(px, c);
	if (c->timer != NULL)
		event_free(c->timer);
	c->timer = NULL;
	bufferevent_free(c->bev);
	c->bev = NULL;
	TAILQ_REMOVE(&px->conns, c, entry);
	px->nconns--;
	if (px->stopping && px->nconns == 0)
		event_base_loopexit(px->base, NULL);
	proxy_client_unref(c);
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
		proxy_client_lost(c, NULL);
}

static void
proxy_client_linger_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	proxy_client_lost(arg, NULL);
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
	struct evbuffer *in = bufferevent_get_input(c->bev);

	if (c->eof || c->state == PCONN_LINGERING) {
		proxy_client_lost(c, NULL);
		return;
	}
	c->state = PCONN_LINGERING;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_setcb(c->bev, proxy_client_discard, NULL,
	                  proxy_client_linger_event, c);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
}

/* Answers pile up unsent: read no more until they are mostly out. */
static void
proxy_client_hold(struct pconn *c)
{
	c->out_wait = 1;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, PROXY_CLIENT_OUT_MAX, 0);
}

static void
proxy_client_unhold(struct pconn *c)
{
	c->out_wait = 0;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	if (!c->eof)
		bufferevent_enable(c->bev, EV_READ);
}

/* Nothing more will be answered: close once the output is out. */
static void
proxy_client_close(struct pconn *c)
{
	if (c->out_wait)
		proxy_client_unhold(c);
	c->state = PCONN_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	if (proxy_client_pending(c) == 0)
		proxy_client_finish(c);
}

/* Output went out (all of it, or below the bound we wait for): the
 * request may go on streaming, the next head may be read (from the loop:
 * its record must be written before its answer), or we close. */
static void
proxy_client_drained(struct pconn *c)
{
	if (c->state == PCONN_BUSY)
		proxy_request_drained(c->req);
	else if (c->state == PCONN_CLOSING && proxy_client_pending(c) == 0)
		proxy_client_finish(c);
	else if (c->state == PCONN_READING && c->out_wait) {
		proxy_client_unhold(c);
		bufferevent_trigger(c->bev, EV_READ,
		                    BEV_TRIG_IGNORE_WATERMARKS |
		                        BEV_TRIG_DEFER_CALLBACKS);
	}
}

/* libevent wrote what the socket would not take at once. */
static void
proxy_client_write(struct bufferevent *bev, void *arg)
{
	struct pconn *c = arg;

	if (proxy_client_pending(c) == 0) {
		c->wait_write = 0;
		bufferevent_disable(bev, EV_WRITE);
	}
	proxy_client_drained(c);
}

/* The end of the turn: straight to the socket. Only what it does not take
 * is left to libevent (EV_WRITE, with the write timeout). */
void
proxy_client_flush(struct pconn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int n;

	if (c->dead || c->wait_write || evbuffer_get_length(out) == 0)
		return;
	/* a bufferevent's output is frozen at its start for all but
	 * libevent's own writes: do as libevent does */
	evbuffer_unfreeze(out, 1);
	n = evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	if (n == -1 && errno != EAGAIN && errno != EINTR) {
		proxy_client_lost(c, "client went away");
		return;
	}
	if (evbuffer_get_length(out) > 0) {
		c->wait_write = 1;
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	proxy_client_drained(c);
}

/* Output was queued: write it at the end of the turn. */
static void
proxy_client_dirty(struct pconn *c)
{
	if (c->dirty)
		return;
	c->dirty = 1;
	TAILQ_INSERT_TAIL(&c->px->dirty, c, dentry);
	proxy_turn_want(c->px);
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
		if (c->state == PCONN_READING)
			proxy_client_read(bev,
			                  c); /* closes when nothing is left */
		return;
	}
	proxy_client_lost(c, (what & BEV_EVENT_TIMEOUT) ? "client timeout"
	                                                : "client went away");
}

void
proxy_client_send(struct pconn *c, const void *data, size_t len)
{
	evbuffer_add(bufferevent_get_output(c->bev), data, len);
	proxy_client_dirty(c);
}

void
proxy_client_send_from(struct pconn *c, struct evbuffer *from, size_t len)
{
	evbuffer_remove_buffer(from, bufferevent_get_output(c->bev), len);
	proxy_client_dirty(c);
}

size_t
proxy_client_pending(struct pconn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* No request in progress and none being looked up: waiting for a head
 * (or for its reader, or closing anyway). Closing it loses nothing the
 * client was promised. */
int
proxy_client_idle(struct pconn *c)
{
	return !c->dead && c->state != PCONN_BUSY &&
	       c->state != PCONN_IDENTIFYING;
}

/* The caller lookup and, later, a head dribbled in byte by byte (it would
 * reset the idle timeout forever) must complete within client_timeout. */
static void
proxy_client_deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct pconn *c = arg;

	(void)fd;
	(void)ev;
	log_warnx("%s: %s not complete in time, closing", c->client_str,
	          c->state == PCONN_IDENTIFYING ? "caller lookup"
	                                        : "request head");
	proxy_client_lost(c, NULL);
}

/* Start the deadline unless it runs already. */
static void
proxy_client_arm(struct pconn *c)
{
	struct timeval tv = {c->px->conf.client_timeout_ms / 1000,
	                     (c->px->conf.client_timeout_ms % 1000) * 1000};

	if (c->timer == NULL)
		c->timer = evtimer_new(c->px->base, proxy_client_deadline, c);
	if (!evtimer_pending(c->timer, NULL))
		evtimer_add(c->timer, &tv);
}

static void
proxy_client_disarm(struct pconn *c)
{
	if (c->timer != NULL)
		evtimer_del(c->timer);
}

/* Parse the next buffered request, if any, and hand it over. */
static void
proxy_client_read(struct bufferevent *bev, void *arg)
{
	struct pconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in), want;
	struct preq *r;
	int used;

	if (c->state != PCONN_READING || c->out_wait)
		return;
	if (proxy_client_pending(c) > PROXY_CLIENT_OUT_MAX) {
		proxy_client_hold(c);
		return;
	}
	if (len == 0) {
		if (c->eof)
			proxy_client_close(c);
		return;
	}
	want = len < HTTP_MAX_LINE + HTTP_MAX_HEAD + 4
	           ? len
	           : HTTP_MAX_LINE + HTTP_MAX_HEAD + 4;
	r = proxy_request_parse(
	    c, (const char *)evbuffer_pullup(in, (ssize_t)want), want, &used);
	if (r == NULL) {
		if (c->eof)
			proxy_client_close(c);
		else
			proxy_client_arm(c);
		return;
	}
	proxy_client_disarm(c);
	evbuffer_drain(in, used < 0 ? len : (size_t)used);
	c->req = r;
	c->state = PCONN_BUSY;
	/* reading goes on (bounded by the input's high-water mark, no
	 * epoll_ctl per request), but the idle timeout does not run while
	 * the request does */
	bufferevent_set_timeouts(bev, NULL, &c->px->client_tv);
	proxy_request_start(r, ++c->nreq >= PROXY_CONN_REQUESTS);
}

/* The request is answered (its bytes are queued) and recorded: the next
 * one, or close. */
void
proxy_client_done(struct pconn *c, int keepalive)
{
	c->req = NULL;
	if (!keepalive || c->px->stopping) {
		proxy_client_close(c);
		return;
	}
	c->state = PCONN_READING;
	bufferevent_set_timeouts(c->bev, &c->px->client_tv, &c->px->client_tv);
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
	proxy_client_send(c, b.data, b.len);
	buf_free(&b);
	c->state = PCONN_CLOSING;
}

/* Who is calling: the uid at once (cheap: the connection limits need
 * it), the process and groups only once the limits let the connection
 * in, so a flood over the per-uid limit costs no /proc scan. */
static void
proxy_client_identify(struct pconn *c)
{
	struct peer_pending pp;

	c->peer_ok = proxy_identify_uid(c, &pp) == 0;
	if (proxy_limits_take(c->px, c) == -1) {
		proxy_client_refuse(c);
		return;
	}
	if (!c->peer_ok) {
		proxy_client_identified(c);
		return;
	}
	proxy_identify_rest(c, &pp);
	if (c->state == PCONN_IDENTIFYING) /* still running: bound it */
		proxy_client_arm(c);
}

/* The caller is known (or known to be unknown): start reading. */
void
proxy_client_identified(struct pconn *c)
{
	if (c->dead || c->state != PCONN_IDENTIFYING)
		return;
	if (c->peer_ok)
		audit_caller_render(&c->caller, &c->peer);
	proxy_client_disarm(c);
	c->state = PCONN_READING;
	bufferevent_enable(c->bev, EV_READ);
}

void
proxy_client_new(struct proxy *px, int fd, const struct sockaddr *sa,
                 int socklen)
{
	struct pconn *c = xcalloc(1, sizeof *c);

	c->px = px;
	c->references = 1;
	c->state = PCONN_IDENTIFYING;
	memcpy(&c->client, sa,
	       (size_t)socklen < sizeof c->client ? (size_t)socklen
	                                          : sizeof c->client);
	addr_fmt(&c->client, c->client_str, sizeof c->client_str);
	c->bev = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	TAILQ_INSERT_TAIL(&px->conns, c, entry);
	px->nconns++;
	bufferevent_set_timeouts(c->bev, &px->client_tv, &px->client_tv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, PROXY_CLIENT_IN_MAX);
	bufferevent_setcb(c->bev, proxy_client_read, proxy_client_write,
	                  proxy_client_event, c);
	/* answers are written at the end of the turn, libevent is asked
	 * only when the socket is full (proxy_client_flush) */
	bufferevent_disable(c->bev, EV_WRITE);
	proxy_client_identify(c);
}
