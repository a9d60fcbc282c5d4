/* A client connection's bytes. Input is read with recv() into the
 * connection's own buffer, bounded (libevent's bufferevent asks the kernel
 * for the readable size, FIONREAD, before every read: a tenth of the
 * daemon's CPU under keep-alive load). The socket is watched for reading
 * from the first wait for a head on (a first head that is there when the
 * caller is known is read without it: proxy_client_first), in every state
 * but identifying, with the idle timeout only while a head is awaited.
 * Output goes through the bufferevent's output buffer, written straight
 * to the socket at the end of the event-loop turn (proxy_turn.c), libevent
 * asked to write only what the socket does not take at once. */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "proxy/proxy_int.h"

#define PROXY_CLIENT_READ 4096 /* a recv() at most: heads are small */
#define PROXY_CLIENT_IOV 8     /* pieces a flush sends at once */

static void proxy_client_readable(evutil_socket_t, short, void *);
static void proxy_client_write(struct bufferevent *, void *);
static void proxy_client_event(struct bufferevent *, short, void *);

void
proxy_client_io_init(struct pconn *c, int fd)
{
	struct proxy *px = c->px;

	c->in = evbuffer_new();
	c->rev = event_new(px->base, fd, EV_READ | EV_PERSIST,
	                   proxy_client_readable, c);
	c->bev = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_set_timeouts(c->bev, NULL, &px->client_tv);
	bufferevent_setcb(c->bev, NULL, proxy_client_write, proxy_client_event,
	                  c);
	/* the bufferevent neither reads nor, until the socket is full,
	 * writes */
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
}

void
proxy_client_io_free(struct pconn *c)
{
	event_free(c->rev);
	c->rev = NULL;
	evbuffer_free(c->in);
	c->in = NULL;
	bufferevent_free(c->bev); /* closes the socket */
	c->bev = NULL;
}

/* Read as the state wants: with the idle timeout while a head is
 * awaited, without while a request runs (its client may well be quiet)
 * or its last answer goes out, with the linger bound while draining; not
 * while identifying, nor when the input is full, the output held, or
 * after FIN. Closing still reads (into the bounded input, which lingering
 * throws away: nothing more is parsed): removing the event there and
 * adding it again to linger cost two epoll_ctl per closed connection. */
void
proxy_client_watch(struct pconn *c)
{
	static const struct timeval linger = {PROXY_LINGER_MS / 1000,
	                                      (PROXY_LINGER_MS % 1000) * 1000};

	if (c->eof || c->in_full || c->out_wait) {
		event_del(c->rev);
		return;
	}
	switch (c->state) {
	case PCONN_READING:
		event_add(c->rev, &c->px->client_tv);
		c->watched = 1;
		break;
	case PCONN_BUSY:
	case PCONN_CLOSING:
		if (!c->watched) /* see proxy_client_first */
			break;
		event_add(c->rev, NULL);
		event_remove_timer(c->rev);
		break;
	case PCONN_LINGERING:
		event_add(c->rev, &linger);
		c->watched = 1;
		break;
	default:
		event_del(c->rev);
	}
}

/* One recv() into the input, within its bound: 1 bytes came, 0 FIN,
 * -1 an error, 2 nothing yet. */
static int
proxy_client_fill(struct pconn *c)
{
	char b[PROXY_CLIENT_READ];
	size_t len = evbuffer_get_length(c->in);
	size_t room = len < PROXY_CLIENT_IN_MAX ? PROXY_CLIENT_IN_MAX - len : 0;
	ssize_t n;

	if (room == 0) {
		c->in_full = 1;
		return 2;
	}
	n = recv(event_get_fd(c->rev), b, room < sizeof b ? room : sizeof b, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 2 : -1;
	if (n == 0)
		return 0;
	evbuffer_add(c->in, b, (size_t)n);
	if (len + (size_t)n >= PROXY_CLIENT_IN_MAX)
		c->in_full = 1;
	return 1;
}

/* The caller is known: its first head has usually come with the
 * connection already (a client writes it right after connect()). Read
 * it now, parsed from the loop as any other; the socket is watched only
 * if nothing came yet, or once that request is answered and the client
 * stays. A connection answered and closed, as a client that sends
 * "Connection: close" asks, then never enters epoll: two epoll_ctl fewer
 * per connection. While its request runs nothing is read from it (what
 * it sends meanwhile waits in the kernel, within the socket's buffer). */
void
proxy_client_first(struct pconn *c)
{
	int r = proxy_client_fill(c);

	if (r == -1) {
		proxy_client_lost(c, "client went away");
		return;
	}
	if (r == 2) { /* nothing yet */
		proxy_client_watch(c);
		return;
	}
	if (r == 0)
		c->eof = 1;
	c->parse_now = 1;
	event_active(c->rev, EV_READ, 0);
}

/* While lingering: whatever the client still sends is thrown away. */
static void
proxy_client_discard(struct pconn *c, int r)
{
	c->discarded += evbuffer_get_length(c->in);
	evbuffer_drain(c->in, evbuffer_get_length(c->in));
	c->in_full = 0;
	if (r <= 0 || c->discarded > PROXY_LINGER_MAX)
		proxy_client_lost(c, NULL);
}

/* The socket is readable (or the idle time is up, or we asked to parse
 * what is buffered). After a FIN the requests already sent (pipelined or
 * in progress) are still answered, then the connection closes. */
static void
proxy_client_readable(evutil_socket_t fd, short what, void *arg)
{
	struct pconn *c = arg;
	int r;

	(void)fd;
	if (what & EV_TIMEOUT) {
		proxy_client_lost(
		    c, c->state == PCONN_LINGERING ? NULL : "client timeout");
		return;
	}
	if (c->parse_now) { /* epoll repeats a readiness we skip now */
		c->parse_now = 0;
		proxy_client_parse(c);
		return;
	}
	if ((r = proxy_client_fill(c)) == -1 && c->state != PCONN_LINGERING) {
		proxy_client_lost(c, "client went away");
		return;
	}
	if (c->state == PCONN_LINGERING) {
		proxy_client_discard(c, r);
		return;
	}
	if (r == 0)
		c->eof = 1;
	if (r == 0 || c->in_full)
		proxy_client_watch(c);
	if (c->state == PCONN_READING)
		proxy_client_parse(c);
}

/* Parse what is buffered from the loop, not from the caller (no
 * recursion, and the record of what it answers is written first). */
void
proxy_client_parse_later(struct pconn *c)
{
	if (evbuffer_get_length(c->in) == 0 && !c->eof)
		return; /* the next bytes wake the read event */
	c->parse_now = 1;
	event_active(c->rev, EV_READ, 0);
}

/* Parse the next buffered request, if any, and hand it over. */
void
proxy_client_parse(struct pconn *c)
{
	size_t len = evbuffer_get_length(c->in), want;
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
	    c, (const char *)evbuffer_pullup(c->in, (ssize_t)want), want,
	    &used);
	if (r == NULL) {
		if (c->eof)
			proxy_client_close(c);
		else {
			proxy_client_arm(c);
			if (!c->watched) /* a first head in parts */
				proxy_client_watch(c);
		}
		return;
	}
	proxy_client_disarm(c);
	evbuffer_drain(c->in, used < 0 ? len : (size_t)used);
	c->in_full = 0;
	c->req = r;
	c->state = PCONN_BUSY;
	proxy_client_watch(c);
	proxy_request_start(r, ++c->nreq >= PROXY_CONN_REQUESTS);
}

/* Answers pile up unsent: read no more until they are mostly out. */
void
proxy_client_hold(struct pconn *c)
{
	c->out_wait = 1;
	proxy_client_watch(c);
	bufferevent_setwatermark(c->bev, EV_WRITE, PROXY_CLIENT_OUT_MAX, 0);
}

void
proxy_client_unhold(struct pconn *c)
{
	c->out_wait = 0;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	proxy_client_watch(c);
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
		proxy_client_parse_later(c);
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

/* The output side failed or made no progress for client_timeout (a
 * client that stopped reading). */
static void
proxy_client_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	proxy_client_lost(arg, (what & BEV_EVENT_TIMEOUT) ? "client timeout"
	                                                  : "client went away");
}

/* As much of out as the socket takes, in one sendmsg(): evbuffer_write's
 * writev() goes through the file layer (and its position lock) where a
 * socket call does not, a tenth of a microsecond a call. */
static ssize_t
proxy_client_sendout(struct evbuffer *out, int fd)
{
	struct iovec iov[PROXY_CLIENT_IOV];
	struct evbuffer_iovec v[PROXY_CLIENT_IOV];
	struct msghdr m = {.msg_iov = iov};
	ssize_t n;
	int i, nv;

	nv = evbuffer_peek(out, -1, NULL, v, PROXY_CLIENT_IOV);
	if (nv > PROXY_CLIENT_IOV)
		nv = PROXY_CLIENT_IOV; /* the rest on the next write */
	for (i = 0; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	m.msg_iovlen = (size_t)nv;
	n = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0)
		evbuffer_drain(out, (size_t)n);
	return n;
}

/* The end of the turn: straight to the socket. Only what it does not take
 * is left to libevent (EV_WRITE, with the write timeout). */
void
proxy_client_flush(struct pconn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	ssize_t n;

	if (c->dead || c->wait_write || evbuffer_get_length(out) == 0)
		return;
	/* a bufferevent's output is frozen at its start for all but
	 * libevent's own writes: do as libevent does */
	evbuffer_unfreeze(out, 1);
	n = proxy_client_sendout(out, bufferevent_getfd(c->bev));
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
