/* Listening sockets: taken from systemd (socket activation) or bound
 * while still root (before the privilege drop and before daemonising, so a
 * bind error reaches the terminal), then handed to libevent. On EMFILE the
 * listener pauses instead of spinning.
 *
 * The redirect sends every IMDS connection, root's included, to these
 * ports, and it stays in place while the daemon is down (fail closed). So
 * whoever can bind them while the daemon restarts answers everyone's IMDS
 * requests: a privileged daemon refuses any port an unprivileged user may
 * bind (net.ipv4.ip_unprivileged_port_start), and under systemd the
 * sockets are held across restarts by imdsgated.socket. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <systemd/sd-daemon.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy_int.h"
#include "sys/privs.h"

#define PROXY_UNPRIV_PORT_START "/proc/sys/net/ipv4/ip_unprivileged_port_start"

/* The first port an unprivileged process may bind in our network
 * namespace (1024 unless lowered; unreadable: assume the default). */
static int
proxy_listen_unpriv_start(void)
{
	FILE *f = fopen(PROXY_UNPRIV_PORT_START, "re");
	int port = 1024;

	if (f != NULL) {
		if (fscanf(f, "%d", &port) != 1)
			port = 1024;
		fclose(f);
	}
	return port;
}

int
proxy_listen_check(const struct conf *conf, char *err, size_t errlen)
{
	char a[ADDR_STRLEN];
	int start, i;

	/* a developer running it as himself, without capabilities, has no
	 * redirect and may use any port */
	if (!privs_privileged())
		return 0;
	start = proxy_listen_unpriv_start();
	for (i = 0; i < conf->nlisten; i++) {
		if (addr_port(&conf->listen[i]) < start)
			continue;
		snprintf(err, errlen,
		         "%s: listen %s: port %d can be bound by any user "
		         "(net.ipv4.ip_unprivileged_port_start = %d), who "
		         "would then answer everyone's IMDS requests while "
		         "imdsgated restarts: use a port below %d (default "
		         "%d)",
		         conf->path != NULL ? conf->path : "configuration",
		         addr_fmt(&conf->listen[i], a, sizeof a),
		         addr_port(&conf->listen[i]), start, start,
		         CONF_DEFAULT_PORT);
		return -1;
	}
	return 0;
}

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

/* Which listen address a socket systemd passed is bound to; -1 none. */
static int
proxy_listen_match(const struct conf *conf, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int i;

	memset(&ss, 0, sizeof ss);
	if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	for (i = 0; i < conf->nlisten; i++)
		if (addr_eq(&ss, &conf->listen[i]))
			return i;
	return -1;
}

/* Take over the sockets systemd holds for us (imdsgated.socket); each
 * must be one of the configured listen addresses, or the redirect (which
 * follows the configuration) would point elsewhere. */
static int
proxy_listen_inherit(const struct conf *conf, int *fds, char *err,
                     size_t errlen)
{
	int n = sd_listen_fds(1), fd, i;

	for (fd = SD_LISTEN_FDS_START; n > 0 && fd < SD_LISTEN_FDS_START + n;
	     fd++) {
		if ((i = proxy_listen_match(conf, fd)) == -1 || fds[i] != -1) {
			snprintf(err, errlen,
			         "socket %d passed by systemd is not a listen "
			         "address of %s (or is passed twice)",
			         fd, conf->path);
			return -1;
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
			snprintf(err, errlen, "socket %d: %s", fd,
			         strerror(errno));
			return -1;
		}
		fds[i] = fd;
	}
	if (n > 0)
		log_info("%d listening socket(s) from systemd", n);
	return 0;
}

int
proxy_listen_open(const struct conf *conf, int *fds, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < conf->nlisten; i++)
		fds[i] = -1;
	if (proxy_listen_inherit(conf, fds, err, errlen) == -1)
		goto fail;
	for (i = 0; i < conf->nlisten; i++) {
		if (fds[i] == -1 && (fds[i] = proxy_listen_one(
		                         &conf->listen[i], err, errlen)) == -1)
			goto fail;
	}
	return conf->nlisten;
fail:
	for (i = 0; i < conf->nlisten; i++)
		if (fds[i] != -1)
			close(fds[i]);
	return -1;
}

/* A new client, with the local address its listener is bound to. */
static void
proxy_listen_accept(struct evconnlistener *l, evutil_socket_t fd,
                    struct sockaddr *sa, int socklen, void *arg)
{
	struct proxy *px = arg;
	int i;

	for (i = 0; i < px->nlis && px->lis[i] != l; i++)
		;
	proxy_client_new(px, fd, sa, socklen,
	                 i < px->nlis && px->lis_addr[i].ss_family != 0
	                     ? &px->lis_addr[i]
	                     : NULL);
}

/* The listener's address when every socket it accepts has it as its
 * local address (bound to one address, not a wildcard): the identity
 * lookup then skips a getsockname per connection. */
static void
proxy_listen_local(const struct sockaddr_storage *ss,
                   struct sockaddr_storage *out)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	memset(out, 0, sizeof *out);
	if (addr_port(ss) <= 0 ||
	    (ss->ss_family == AF_INET && s4->sin_addr.s_addr == INADDR_ANY) ||
	    (ss->ss_family == AF_INET6 &&
	     IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr)))
		return;
	*out = *ss;
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
		proxy_listen_local(&px->conf.listen[i], &px->lis_addr[i]);
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
