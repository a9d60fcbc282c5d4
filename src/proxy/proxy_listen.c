/* Listening sockets: bound while still root (before the privilege drop
 * and before daemonising, so a bind error reaches the terminal), then
 * handed to libevent. On EMFILE the listener pauses instead of spinning. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy_int.h"

/* One socket: IPv6 ones are v6-only so [::1] and 127.0.0.1 can share a
 * port. */
static int
proxy_listen_one(const struct sockaddr_storage *ss, char *err, size_t errlen)
{
	char a[ADDR_STRLEN];
	int fd, on = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            0);
	if (fd == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, (const struct sockaddr *)ss, addr_len(ss)) == -1 ||
	    listen(fd, 128) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "listen on %s: %s", addr_fmt(ss, a, sizeof a),
	         strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
proxy_listen_open(const struct conf *conf, int *fds, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < conf->nlisten; i++) {
		if ((fds[i] = proxy_listen_one(&conf->listen[i], err,
		                               errlen)) == -1) {
			while (i-- > 0)
				close(fds[i]);
			return -1;
		}
	}
	return conf->nlisten;
}

static void
proxy_listen_accept(struct evconnlistener *l, evutil_socket_t fd,
                    struct sockaddr *sa, int socklen, void *arg)
{
	(void)l;
	proxy_client_new(arg, fd, sa, socklen);
}

/* The pause is over: accept again. */
static void
proxy_listen_resume(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy *px = arg;

	(void)fd;
	(void)ev;
	if (px->stopping)
		return;
	for (int i = 0; i < px->nlis; i++)
		evconnlistener_enable(px->lis[i]);
}

/* Out of descriptors: stop accepting for a moment, or we would spin on a
 * connection we cannot take. */
static void
proxy_listen_error(struct evconnlistener *l, void *arg)
{
	struct proxy *px = arg;
	struct timeval tv = {0, PROXY_ACCEPT_PAUSE_MS * 1000};
	int e = EVUTIL_SOCKET_ERROR();

	(void)l;
	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
		log_warnx("accept: %s", strerror(e));
		return;
	}
	log_warnx("accept: %s: pausing for %d ms", strerror(e),
	          PROXY_ACCEPT_PAUSE_MS);
	for (int i = 0; i < px->nlis; i++)
		evconnlistener_disable(px->lis[i]);
	evtimer_add(px->pause_ev, &tv);
}

/* Small socket buffers for every accepted connection (they inherit the
 * listener's): IMDS requests and answers are a few kB, and the kernel
 * memory a client can make us hold (answers it does not read, requests
 * we do not read yet) is charged to the daemon, so it must stay small
 * whatever autotuning would do. */
static void
proxy_listen_bufs(int fd)
{
	int n = PROXY_CLIENT_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &n, sizeof n) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &n, sizeof n) == -1)
		log_warn("listener: socket buffer sizes");
}

int
proxy_listen_start(struct proxy *px, const int *fds, int nfds)
{
	px->pause_ev = evtimer_new(px->base, proxy_listen_resume, px);
	for (int i = 0; i < nfds; i++) {
		proxy_listen_bufs(fds[i]);
		px->lis[i] = evconnlistener_new(
		    px->base, proxy_listen_accept, px,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fds[i]);
		if (px->lis[i] == NULL)
			return -1;
		evconnlistener_set_error_cb(px->lis[i], proxy_listen_error);
		px->nlis++;
	}
	return 0;
}

void
proxy_listen_stop(struct proxy *px)
{
	for (int i = 0; i < px->nlis; i++)
		evconnlistener_free(px->lis[i]);
	px->nlis = 0;
	if (px->pause_ev != NULL)
		evtimer_del(px->pause_ev);
}
