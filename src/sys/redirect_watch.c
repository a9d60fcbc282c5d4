/* The self-check: someone running `nft flush ruleset`, `bpftool cgroup
 * detach`, a firewalld reload or a Docker restart must not silently reopen
 * IMDS. Every interval, soon after any nf_tables change we are told of,
 * and every few hundred milliseconds for the eBPF layer (a detach sends no
 * notification), verify each layer and put back what is gone, reporting
 * each gap once. */
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
#include "common/xmalloc.h"
#include "sys/redirect_int.h"

#define WATCH_SETTLE_MS 50 /* check again once a burst of changes is over */
#define WATCH_BPF_MS 250   /* the eBPF layer: a cheap query per hook */

struct redirect_watch {
	struct redirect_conf rc;
	struct redirect_bpf *bpf; /* the monitor's handle, or NULL */
	int layers;
	int broken; /* layers whose restore failed (reported once) */
	struct event *timer;
	struct event *soon;
	struct event *bpftimer;
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

/* Status of one layer: through the handle for the eBPF layer (the
 * monitor may not be able to reopen the pins), else from scratch. */
static int
watch_status(struct redirect_watch *w, int layer, char *err, size_t len)
{
	if (layer == REDIRECT_LAYER_BPF && w->bpf != NULL)
		return redirect_bpf_check(w->bpf, err, len);
	return redirect_layer_status(&w->rc, layer, err, len);
}

/* Restore one layer the way its status was taken. */
static int
watch_restore(struct redirect_watch *w, int layer, char *err, size_t len)
{
	if (layer == REDIRECT_LAYER_BPF && w->bpf != NULL)
		return redirect_bpf_restore(w->bpf, err, len);
	return redirect_layer_install(&w->rc, layer, err, len);
}

/* Verify one layer; on a gap restore it, then tell the caller what was
 * wrong and whether it is fixed: once per gap (a layer that cannot be
 * restored is reported again only after it was whole once more). */
static void
watch_check(struct redirect_watch *w, int layer)
{
	char what[512], err[512];
	int st, restored, was = w->broken & layer;

	st = watch_status(w, layer, what, sizeof what);
	if (st == 0) {
		w->broken &= ~layer;
		return;
	}
	restored = watch_restore(w, layer, err, sizeof err) == 0 &&
	           watch_status(w, layer, err, sizeof err) == 0;
	w->broken = restored ? w->broken & ~layer : w->broken | layer;
	if (was && !restored)
		return;
	if (st == -1)
		log_warnx("redirect check (%s): %s",
		          redirect_layer_name(&w->rc, layer), what);
	if (!restored)
		log_warnx("redirect restore (%s) failed: %s",
		          redirect_layer_name(&w->rc, layer), err);
	w->cb(w->arg, redirect_layer_name(&w->rc, layer), what, restored);
}

/* Every layer: the periodic check, and after a change event. */
static void
watch_all(evutil_socket_t fd, short ev, void *arg)
{
	struct redirect_watch *w = arg;

	if (w->layers & REDIRECT_LAYER_BPF)
		watch_check(w, REDIRECT_LAYER_BPF);
	if (w->layers & REDIRECT_LAYER_NET)
		watch_check(w, REDIRECT_LAYER_NET);
}

/* The eBPF layer alone, on its fast timer. */
static void
watch_bpf(evutil_socket_t fd, short ev, void *arg)
{
	watch_check(arg, REDIRECT_LAYER_BPF);
}

/* A netfilter change was announced: drain, check at once (the other
 * layer may be gone too), and again once things settle. */
static void
watch_netlink(evutil_socket_t fd, short ev, void *arg)
{
	struct redirect_watch *w = arg;
	char buf[8192];
	struct timeval tv;

	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
	watch_all(-1, 0, w);
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

/* The fast timer for the eBPF layer, never slower than the interval. */
static void
watch_bpf_start(struct event_base *base, struct redirect_watch *w)
{
	struct timeval tv;

	w->bpftimer = event_new(base, -1, EV_PERSIST, watch_bpf, w);
	watch_tv(w->interval_ms < WATCH_BPF_MS ? w->interval_ms : WATCH_BPF_MS,
	         &tv);
	evtimer_add(w->bpftimer, &tv);
}

/* The layers the monitor keeps: eBPF when it holds it, netfilter unless bpf
 * alone. */
struct redirect_watch *
redirect_watch_start(struct event_base *base, const struct redirect_conf *rc,
                     struct redirect_bpf *bpf, int interval_ms,
                     redirect_gap_cb cb, void *arg)
{
	struct redirect_watch *w = xcalloc(1, sizeof *w);
	struct timeval tv;

	w->rc = *rc;
	w->bpf = bpf;
	w->layers = (bpf != NULL ? REDIRECT_LAYER_BPF : 0) |
	            (rc->backend != REDIRECT_BPF ? REDIRECT_LAYER_NET : 0);
	w->interval_ms = interval_ms > 0 ? interval_ms : 5000;
	w->cb = cb;
	w->arg = arg;
	w->timer = event_new(base, -1, EV_PERSIST, watch_all, w);
	w->soon = evtimer_new(base, watch_all, w);
	watch_tv(w->interval_ms, &tv);
	evtimer_add(w->timer, &tv);
	if (w->layers & REDIRECT_LAYER_BPF)
		watch_bpf_start(base, w);
	if ((w->nlfd = watch_nlsock()) != -1) {
		w->nlev = event_new(base, w->nlfd, EV_READ | EV_PERSIST,
		                    watch_netlink, w);
		event_add(w->nlev, NULL);
	} else
		log_debug("redirect watch: no nf_tables events, timer only");
	return w;
}

/* Stop checking; the layers stay (fail closed). */
void
redirect_watch_stop(struct redirect_watch *w)
{
	if (w == NULL)
		return;
	event_free(w->timer);
	event_free(w->soon);
	if (w->bpftimer != NULL)
		event_free(w->bpftimer);
	if (w->nlev != NULL)
		event_free(w->nlev);
	if (w->nlfd != -1)
		close(w->nlfd);
	free(w);
}
