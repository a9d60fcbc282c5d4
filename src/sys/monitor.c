/* The privileged half of imdsgated (monitor.h): it forks the worker, lists
 * it as exempt in the eBPF layer (its own upstream connections go to
 * IMDS), answers who is behind each socket, keeps the interception layers
 * whole, and relays the signals systemd sends to the main process. It
 * reads nothing the callers send but the worker's fixed-size requests. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "common/log.h"
#include "sys/monitor.h"
#include "sys/monitor_proto.h"
#include "sys/peer_int.h"
#include "sys/redirect.h"

struct monitor {
	const struct monitor_conf *conf;
	struct event_base *base;
	pid_t worker;
	int status; /* the worker's, for main */
	int fd;
	struct event *ev;
	struct event *sig[4];
	struct peer_resolver *resolver;
	struct redirect_watch *watch;
};

/* The socketpair first, so each side has its end when fork returns. */
pid_t
monitor_fork(int *fd)
{
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	close(pid == 0 ? sp[0] : sp[1]);
	*fd = pid == 0 ? sp[1] : sp[0];
	return pid;
}

/* One fixed-size message to the worker; a worker that reads nothing for
 * a second is broken (it is then ended). */
static void
monitor_send(struct monitor *m, const void *msg, size_t len)
{
	if (send(m->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
		log_warn("monitor: send to the worker");
		kill(m->worker, SIGTERM);
	}
}

/* The resolver's answer, back to the worker. */
static void
monitor_identified(void *arg, uint32_t id, const struct peer_info *pi)
{
	struct monitor_identified r;

	memset(&r, 0, sizeof r);
	r.h.type = MONITOR_IDENTIFIED;
	r.h.id = id;
	r.ok = 1;
	r.pi = *pi;
	monitor_send(arg, &r, sizeof r);
}

/* A layer was gone: the worker writes the audit record. */
static void
monitor_gap(void *arg, const char *layer, const char *what, int restored)
{
	struct monitor_gap g;

	memset(&g, 0, sizeof g);
	g.h.type = MONITOR_GAP;
	g.restored = restored;
	snprintf(g.layer, sizeof g.layer, "%s", layer);
	snprintf(g.what, sizeof g.what, "%s", what);
	log_warnx("redirect (%s): %s%s", layer, what,
	          restored ? " (restored)" : "");
	monitor_send(arg, &g, sizeof g);
}

/* One request from the worker; anything malformed is dropped. */
static void
monitor_request(struct monitor *m, const union monitor_msg *msg, ssize_t n)
{
	switch (msg->h.type) {
	case MONITOR_IDENT:
		if (n == sizeof msg->ident)
			peer_resolver_start(m->resolver, msg->h.id,
			                    &msg->ident.pp, monitor_identified,
			                    m);
		break;
	case MONITOR_IDENT_CANCEL:
		if (n == sizeof msg->h)
			peer_resolver_cancel(m->resolver, msg->h.id);
		break;
	case MONITOR_READY:
		if (n == sizeof msg->h && m->conf->ready != NULL)
			m->conf->ready();
		break;
	default:
		log_warnx("monitor: unknown request %u", msg->h.type);
	}
}

/* Every request queued; EOF is the worker ending. */
static void
monitor_read(evutil_socket_t fd, short ev, void *arg)
{
	struct monitor *m = arg;
	union monitor_msg msg;
	ssize_t n;

	while ((n = recv(fd, &msg, sizeof msg, MSG_DONTWAIT)) > 0)
		if (n >= (ssize_t)sizeof msg.h)
			monitor_request(m, &msg, n);
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		event_del(m->ev); /* the worker is ending: wait for SIGCHLD */
}

/* Reap the worker; its end is ours. */
static void
monitor_child(struct monitor *m)
{
	int st;

	if (waitpid(m->worker, &st, WNOHANG) != m->worker)
		return;
	if (WIFEXITED(st))
		m->status = WEXITSTATUS(st);
	else {
		log_warnx("worker %d killed by signal %d", (int)m->worker,
		          WTERMSIG(st));
		m->status = 1;
	}
	event_base_loopexit(m->base, NULL);
}

/* SIGHUP reloads and SIGTERM stops the worker; SIGCHLD is its end. */
static void
monitor_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct monitor *m = arg;

	if (sig == SIGCHLD)
		monitor_child(m);
	else
		kill(m->worker, sig == SIGINT ? SIGTERM : (int)sig);
}

/* What systemd sends the main process, for the worker. */
static void
monitor_signals(struct monitor *m)
{
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGCHLD};
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		m->sig[i] = evsignal_new(m->base, sigs[i], monitor_signal, m);
		evsignal_add(m->sig[i], NULL);
	}
}

/* The worker may reach IMDS itself, then it may start. */
static void
monitor_go(struct monitor *m)
{
	struct monitor_hdr go = {MONITOR_GO, 0};
	struct timeval tv = {1, 0};

	setsockopt(m->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (m->conf->bpf != NULL) {
		redirect_bpf_exempt_clear(m->conf->bpf);
		if (redirect_bpf_exempt(m->conf->bpf, m->worker, m->conf->uid))
			log_warn("eBPF layer: exempting the worker");
	}
	monitor_send(m, &go, sizeof go);
}

/* The worker is gone: so is its exemption. */
static void
monitor_free(struct monitor *m)
{
	size_t i;

	if (m->conf->bpf != NULL)
		redirect_bpf_unexempt(m->conf->bpf, m->worker);
	redirect_watch_stop(m->watch);
	peer_resolver_free(m->resolver);
	for (i = 0; i < sizeof m->sig / sizeof m->sig[0]; i++)
		if (m->sig[i] != NULL)
			event_free(m->sig[i]);
	event_free(m->ev);
	event_base_free(m->base);
	close(m->fd);
}

/* Until the worker ends; its status is ours. */
int
monitor_run(const struct monitor_conf *conf, pid_t worker, int fd)
{
	struct monitor m;

	memset(&m, 0, sizeof m);
	m.conf = conf;
	m.worker = worker;
	m.fd = fd;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((m.base = event_base_new()) == NULL)
		fatalx("monitor: event_base_new");
	m.resolver = peer_resolver_new(m.base, redirect_bpf_ident_fd(conf->bpf),
	                               conf->proc);
	m.ev = event_new(m.base, fd, EV_READ | EV_PERSIST, monitor_read, &m);
	event_add(m.ev, NULL);
	monitor_signals(&m);
	monitor_go(&m);
	if (conf->manage)
		m.watch = redirect_watch_start(m.base, conf->rc, conf->bpf,
		                               conf->check_ms, monitor_gap, &m);
	monitor_child(&m); /* it may be gone already */
	event_base_dispatch(m.base);
	monitor_free(&m);
	return m.status;
}
