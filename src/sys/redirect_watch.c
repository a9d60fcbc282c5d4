/* The self-check: someone running `nft flush ruleset`, a firewalld reload
 * or a Docker restart must not silently reopen IMDS. Every interval, and
 * soon after any nf_tables change we are told of, verify our rules and
 * put them back, reporting the gap. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "common/log.h"
#include "sys/redirect_int.h"
#include "common/xmalloc.h"

#define WATCH_SETTLE_MS 50 /* let a burst of changes finish */

struct redirect_watch {
	struct redirect_conf rc;
	struct event *timer;
	struct event *soon;
	struct event *nlev;
	int nlfd;
	int interval_ms;
	redirect_gap_cb cb;
	void *arg;
};

/* Milliseconds as a timeval for libevent. */
static void
watch_tv(int ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* Verify; on a gap reinstall, then tell the caller what was wrong and
 * whether it is fixed. */
static void
watch_check(struct redirect_watch *w)
{
	char what[512], err[512];
	int st, restored;

	st = redirect_status(&w->rc, what, sizeof what);
	if (st == 0)
		return;
	if (st == -1)
		log_warnx("redirect check: %s", what);
	restored = redirect_install(&w->rc, err, sizeof err) == 0 &&
	           redirect_status(&w->rc, err, sizeof err) == 0;
	if (!restored)
		log_warnx("redirect restore failed: %s", err);
	w->cb(w->arg, what, restored);
}

/* The periodic check, and the one scheduled after a change event. */
static void
watch_timer(evutil_socket_t fd, short ev, void *arg)
{
	watch_check(arg);
}

/* A netfilter change was announced: drain, check once things settle. */
static void
watch_netlink(evutil_socket_t fd, short ev, void *arg)
{
	struct redirect_watch *w = arg;
	char buf[8192];
	struct timeval tv;

	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
	if (!evtimer_pending(w->soon, NULL)) {
		watch_tv(WATCH_SETTLE_MS, &tv);
		evtimer_add(w->soon, &tv);
	}
}

/* Subscribe to nf_tables change notifications; -1 when not allowed
 * (then the timer alone does the job). */
static int
watch_nlsock(void)
{
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            NETLINK_NETFILTER);
	if (fd == -1)
		return -1;
	nl.nl_groups = 1U << (NFNLGRP_NFTABLES - 1);
	if (bind(fd, (struct sockaddr *)&nl, sizeof nl) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Timer always; change events where the kernel lets us listen. */
struct redirect_watch *
redirect_watch_start(struct event_base *base, const struct redirect_conf *rc,
                     int interval_ms, redirect_gap_cb cb, void *arg)
{
	struct redirect_watch *w = xcalloc(1, sizeof *w);
	struct timeval tv;

	w->rc = *rc;
	w->interval_ms = interval_ms > 0 ? interval_ms : 5000;
	w->cb = cb;
	w->arg = arg;
	w->timer = event_new(base, -1, EV_PERSIST, watch_timer, w);
	w->soon = evtimer_new(base, watch_timer, w);
	watch_tv(w->interval_ms, &tv);
	evtimer_add(w->timer, &tv);
	if ((w->nlfd = watch_nlsock()) != -1) {
		w->nlev = event_new(base, w->nlfd, EV_READ | EV_PERSIST,
		                    watch_netlink, w);
		event_add(w->nlev, NULL);
	} else
		log_debug("redirect watch: no nf_tables events, timer only");
	return w;
}

/* Stop checking; the rules stay (fail closed). */
void
redirect_watch_stop(struct redirect_watch *w)
{
	if (w == NULL)
		return;
	event_free(w->timer);
	event_free(w->soon);
	if (w->nlev != NULL)
		event_free(w->nlev);
	if (w->nlfd != -1)
		close(w->nlfd);
	free(w);
}
