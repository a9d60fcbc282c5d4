/* The end of an event-loop turn. Everything a turn produced leaves here,
 * together and in this order: the audit records in one write; then the
 * credential bodies that were waiting for their credential_fetch record,
 * queued in the same batch as their request's record (sent if the batch
 * was written, refused with 503 if not); then every client's
 * answers, each written straight to its socket. So a record is always
 * attempted before its answer leaves, an audit write and a client write
 * cost one system call each however many requests the turn answered, and
 * no write needs the event loop to be told about it (no epoll_ctl)
 * unless the socket is full. */
#include "config.h"

#include <event2/event.h>

#include "audit/audit.h"
#include "proxy/proxy_int.h"

static void
proxy_turn_run(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy *px = arg;
	struct pconn *c;

	(void)fd;
	(void)ev;
	px->turn_wanted = 0;
	audit_dest_flush(); /* tells the credentials waiting for it */
	proxy_request_commit_all(px);
	audit_dest_flush(); /* the records of credentials refused */
	while ((c = TAILQ_FIRST(&px->dirty)) != NULL) {
		TAILQ_REMOVE(&px->dirty, c, dentry);
		c->dirty = 0;
		proxy_client_flush(c);
	}
}

/* Something waits for the end of this turn. */
void
proxy_turn_want(struct proxy *px)
{
	if (px->turn_wanted)
		return;
	px->turn_wanted = 1;
	event_active(px->turn_ev, EV_TIMEOUT, 0);
}

/* A batch of records left (written or dropped). */
static void
proxy_turn_written(void *arg, int ok)
{
	proxy_request_written(arg, ok);
}

/* The audit log has a first record queued. */
static void
proxy_turn_kick(void *arg)
{
	proxy_turn_want(arg);
}

void
proxy_turn_init(struct proxy *px)
{
	TAILQ_INIT(&px->dirty);
	px->turn_ev = event_new(px->base, -1, 0, proxy_turn_run, px);
	audit_dest_batch(proxy_turn_kick, px);
	audit_dest_on_written(proxy_turn_written, px);
}

/* Whatever is still queued goes now (at exit nothing may be lost). */
void
proxy_turn_free(struct proxy *px)
{
	proxy_turn_run(-1, 0, px);
	audit_dest_batch(NULL, NULL);
	audit_dest_on_written(NULL, NULL);
	event_free(px->turn_ev);
}
