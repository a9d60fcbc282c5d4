/* The client side: one connection from a local process, its life. Its
 * owner is looked up first (the connection is "identifying" until that
 * completes, and nothing is read meanwhile); then requests are parsed one
 * at a time (proxy_client_io.c) and each is handed to a request that owns
 * it until it is answered and recorded (pipelined requests wait in the
 * input buffer until the previous answer is out). A connection that ends
 * is closed at once but freed only from the event loop, once nothing
 * refers to it. */
#include "config.h"

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
	if (c->arriving) {
		TAILQ_REMOVE(&px->arriving, c, aentry);
		c->arriving = 0;
		proxy_client_unref(c);
	}
	if (c->state == PCONN_IDENTIFYING)
		proxy_identify_cancel(c);
	if (c->dirty)
		TAILQ_REMOVE(&px->dirty, c, dentry);
	c->dirty = 0;
	proxy_limits_release(px, c);
	if (c->timer != NULL)
		event_free(c->timer);
	c->timer = NULL;
	proxy_client_io_free(c);
	TAILQ_REMOVE(&px->conns, c, entry);
	px->nconns--;
	if (px->stopping && px->nconns == 0)
		event_base_loopexit(px->base, NULL);
	proxy_client_unref(c);
}

/* The answer is out and the connection must close. Closing with unread
 * input would make the kernel send a RST that can destroy the answer
 * before the client reads it (a refused request with trailing bytes);
 * so half-close, drain what still comes for a moment, then close. Not
 * when the client asked to close after a whole request and sent nothing
 * more (as nginx's lingering_close heuristic): it has no more to send,
 * and a client that sends anyway only loses its own answer; lingering
 * there cost a shutdown, a wake-up and a read per connection. */
void
proxy_client_finish(struct pconn *c)
{
	if (c->eof || c->state == PCONN_LINGERING ||
	    (c->client_closes && evbuffer_get_length(c->in) == 0)) {
		proxy_client_lost(c, NULL);
		return;
	}
	c->state = PCONN_LINGERING;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	evbuffer_drain(c->in, evbuffer_get_length(c->in));
	c->in_full = 0;
	proxy_client_watch(c);
}

/* Nothing more will be answered: close once the output is out. */
void
proxy_client_close(struct pconn *c)
{
	if (c->out_wait)
		proxy_client_unhold(c);
	c->state = PCONN_CLOSING;
	proxy_client_watch(c);
	if (proxy_client_pending(c) == 0)
		proxy_client_finish(c);
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
void
proxy_client_arm(struct pconn *c)
{
	if (c->timer == NULL)
		c->timer = evtimer_new(c->px->base, proxy_client_deadline, c);
	if (!evtimer_pending(c->timer, NULL))
		evtimer_add(c->timer, &c->px->client_tv);
}

void
proxy_client_disarm(struct pconn *c)
{
	if (c->timer != NULL)
		evtimer_del(c->timer);
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
	proxy_client_watch(c);
	proxy_client_parse_later(c); /* a pipelined one */
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

/* The uid is known (step one, proxy_identify.c): the process and groups
 * only once the limits let the connection in, so a flood over the
 * per-uid limit costs no /proc scan. */
void
proxy_client_admit(struct pconn *c, const struct peer_pending *pp)
{
	if (proxy_limits_take(c->px, c) == -1) {
		proxy_client_refuse(c);
		return;
	}
	if (!c->peer_ok) {
		proxy_client_identified(c);
		return;
	}
	proxy_identify_rest(c, pp);
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
	proxy_client_first(c);
}

void
proxy_client_new(struct proxy *px, int fd, const struct sockaddr *sa,
                 int socklen, const struct sockaddr_storage *local)
{
	struct pconn *c = xcalloc(1, sizeof *c);

	if (local != NULL) /* else asked of the socket (proxy_identify.c) */
		c->local = *local;
	c->px = px;
	c->references = 1;
	c->state = PCONN_IDENTIFYING;
	memcpy(&c->client, sa,
	       (size_t)socklen < sizeof c->client ? (size_t)socklen
	                                          : sizeof c->client);
	addr_fmt(&c->client, c->client_str, sizeof c->client_str);
	proxy_client_io_init(c, fd);
	TAILQ_INSERT_TAIL(&px->conns, c, entry);
	px->nconns++;
	proxy_identify_arrive(c);
}
