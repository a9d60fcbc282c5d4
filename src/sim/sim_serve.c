/* Listening sockets for the simulator: one per -l address, IPv6 ones
 * IPv6-only so [fd00:ec2::254]:80 and 169.254.169.254:80 coexist. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "common/addr.h"
#include "common/log.h"
#include "sim/sim.h"

/* A bound, listening, non-blocking socket, or -1 (logged). */
int
sim_serve_socket(const struct sockaddr_storage *ss)
{
	char a[ADDR_STRLEN];
	int fd, on = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            0);
	if (fd == -1) {
		log_warn("socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, (const struct sockaddr *)ss, addr_len(ss)) != 0 ||
	    listen(fd, 128) != 0) {
		log_warn("listen on %s", addr_fmt(ss, a, sizeof a));
		close(fd);
		return -1;
	}
	return fd;
}

/* The HTTP service on every configured address. */
int
sim_serve(struct sim *sim)
{
	struct evhttp *http = evhttp_new(sim->base);
	int i, fd;

	if (http == NULL)
		return -1;
	sim->http = http;
	evhttp_set_allowed_methods(
	    http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	              EVHTTP_REQ_POST | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	              EVHTTP_REQ_TRACE | EVHTTP_REQ_PATCH | EVHTTP_REQ_CONNECT);
	evhttp_set_max_headers_size(http, 16384);
	evhttp_set_max_body_size(http, 65536);
	evhttp_set_timeout(http, 60);
	evhttp_set_gencb(http, sim_handle, sim);
	for (i = 0; i < sim->conf->nlisten; i++) {
		if ((fd = sim_serve_socket(&sim->conf->listen[i])) == -1)
			return -1;
		if (evhttp_accept_socket_with_handle(http, fd) == NULL) {
			close(fd);
			return -1;
		}
	}
	return 0;
}
