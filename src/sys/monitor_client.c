/* The worker's end of the socketpair (monitor.h): step two of every caller
 * lookup goes to the monitor as a fixed-size request and comes back as an
 * answer matched by its id; the monitor's reports of interception gaps
 * become audit records here, where the audit log is written. Without its
 * monitor the worker cannot name callers: it exits (systemd restarts
 * both). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "sys/monitor.h"
#include "sys/monitor_proto.h"

struct monitor_client {
	int fd;
	struct event *ev;
	monitor_gap_fn gap;
};

/* Blocking, before the loop: nothing may reach IMDS before the exemption. */
int
monitor_client_wait(int fd)
{
	struct monitor_hdr go;
	ssize_t n;

	while ((n = recv(fd, &go, sizeof go, 0)) == -1 && errno == EINTR)
		;
	return n == (ssize_t)sizeof go && go.type == MONITOR_GO ? 0 : -1;
}

/* Never block the event loop: a full socket refuses the request (the
 * connection is then refused, fail closed). */
static int
monitor_client_send(void *ctx, uint32_t id, const struct peer_pending *pp)
{
	struct monitor_client *mc = ctx;
	struct monitor_ident req;

	memset(&req, 0, sizeof req);
	req.h.type = MONITOR_IDENT;
	req.h.id = id;
	req.pp = *pp;
	if (send(mc->fd, &req, sizeof req, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof req) {
		log_warn("monitor: request");
		return -1;
	}
	return 0;
}

/* Best effort: a lost cancel only costs the monitor a search. */
static void
monitor_client_cancel(void *ctx, uint32_t id)
{
	struct monitor_client *mc = ctx;
	struct monitor_hdr h = {MONITOR_IDENT_CANCEL, id};

	send(mc->fd, &h, sizeof h, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* One message from the monitor; anything malformed is dropped. */
static void
monitor_client_msg(struct monitor_client *mc, const union monitor_msg *m,
                   ssize_t n)
{
	if (m->h.type == MONITOR_IDENTIFIED && n == sizeof m->identified)
		peer_remote_done(m->h.id, m->identified.ok, &m->identified.pi);
	else if (m->h.type == MONITOR_GAP && n == sizeof m->gap)
		mc->gap(m->gap.layer, m->gap.what, m->gap.restored);
	else
		log_warnx("monitor: unexpected message %u", m->h.type);
}

/* Every answer queued; EOF is the monitor gone. */
static void
monitor_client_read(evutil_socket_t fd, short ev, void *arg)
{
	struct monitor_client *mc = arg;
	union monitor_msg *m = xmalloc(sizeof *m);
	ssize_t n;

	while ((n = recv(fd, m, sizeof *m, MSG_DONTWAIT)) > 0)
		if (n >= (ssize_t)sizeof m->h)
			monitor_client_msg(mc, m, n);
	free(m);
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		fatalx("the monitor is gone");
}

/* The monitor answers step two of every lookup from now on. */
struct monitor_client *
monitor_client_start(struct event_base *base, int fd, monitor_gap_fn gap)
{
	struct monitor_client *mc = xcalloc(1, sizeof *mc);
	struct peer_remote r;

	mc->fd = fd;
	mc->gap = gap;
	mc->ev =
	    event_new(base, fd, EV_READ | EV_PERSIST, monitor_client_read, mc);
	event_add(mc->ev, NULL);
	r.send = monitor_client_send;
	r.cancel = monitor_client_cancel;
	r.ctx = mc;
	peer_set_remote(&r);
	return mc;
}

/* Readiness is the main process's to report. */
void
monitor_client_ready(struct monitor_client *mc)
{
	struct monitor_hdr h = {MONITOR_READY, 0};

	send(mc->fd, &h, sizeof h, MSG_NOSIGNAL);
}

/* Lookups are answered here again (or not at all). */
void
monitor_client_free(struct monitor_client *mc)
{
	if (mc == NULL)
		return;
	peer_set_remote(NULL);
	event_free(mc->ev);
	close(mc->fd);
	free(mc);
}
