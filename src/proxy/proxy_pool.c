/* Connections toward the IMDS, kept alive per upstream address: the IMDS
 * throttles and limits simultaneous connections, so the proxy must not
 * open one per request. A connection is read with our own read event (no
 * FIONREAD before every read, as libevent's bufferevent does), written
 * straight to the socket, the bufferevent kept for connecting and for what
 * a full socket does not take. An idle connection that hears anything
 * (EOF, a stray byte) or stays idle too long is simply dropped. */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/addr.h"
#include "common/xmalloc.h"
#include "proxy/proxy_int.h"

#define PROXY_POOL_IDLE_MS 10000
#define PROXY_UPCONN_READ (16 * 1024) /* a recv() at most */

struct proxy_pool {
	struct sockaddr_storage addr;
	struct proxy_upconn *idle;
	int nidle;
	struct proxy_pool *next;
};

static struct proxy_pool *
proxy_pool_find(struct proxy *px, const struct sockaddr_storage *addr)
{
	struct proxy_pool *p;

	for (p = px->pools; p != NULL; p = p->next)
		if (addr_eq(&p->addr, addr))
			return p;
	p = xcalloc(1, sizeof *p);
	p->addr = *addr;
	p->next = px->pools;
	px->pools = p;
	return p;
}

void
proxy_upconn_free(struct proxy_upconn *uc)
{
	event_free(uc->rev);
	evbuffer_free(uc->in);
	bufferevent_free(uc->bev); /* closes the socket */
	free(uc);
}

static void
proxy_pool_unlink(struct proxy_upconn *uc)
{
	struct proxy_upconn **pp;

	for (pp = &uc->pool->idle; *pp != NULL; pp = &(*pp)->next)
		if (*pp == uc) {
			*pp = uc->next;
			uc->pool->nidle--;
			return;
		}
}

/* One recv() into the connection's input: 1 bytes came, 0 EOF, -1 an
 * error (errno), 2 nothing yet. Read through one buffer of the daemon's
 * and added at their size: a reservation of the read size in the input
 * would allocate 16 kB per answer, and freeing those together makes
 * malloc give the heap top back to the kernel and take it again (brk and
 * its TLB flush, a tenth of the daemon's CPU under keep-alive load). The
 * buffer may have held credentials: wiped after each read. */
int
proxy_upconn_fill(struct proxy_upconn *uc)
{
	static char b[PROXY_UPCONN_READ];
	ssize_t n;

	n = recv(event_get_fd(uc->rev), b, sizeof b, 0);
	if (n <= 0) {
		if (n == 0)
			return 0;
		return errno == EAGAIN || errno == EINTR ? 2 : -1;
	}
	if (evbuffer_add(uc->in, b, (size_t)n) == -1) {
		explicit_bzero(b, (size_t)n);
		return -1;
	}
	explicit_bzero(b, (size_t)n);
	return 1;
}

/* The connection's read event: its request's, or, idle, the end of it
 * (anything on an idle connection, or the idle time up, drops it). */
static void
proxy_upconn_readable(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_upconn *uc = arg;

	(void)fd;
	if (uc->up != NULL) {
		proxy_upstream_readable(uc->up, what);
		return;
	}
	proxy_pool_unlink(uc);
	proxy_upconn_free(uc);
}

static struct proxy_upconn *
proxy_upconn_new(struct proxy *px, const struct sockaddr_storage *addr)
{
	struct proxy_upconn *uc = xcalloc(1, sizeof *uc);
	int fd;

	uc->bev = bufferevent_socket_new(px->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (uc->bev == NULL ||
	    bufferevent_socket_connect(uc->bev, (const struct sockaddr *)addr,
	                               (int)addr_len(addr)) == -1) {
		if (uc->bev != NULL)
			bufferevent_free(uc->bev);
		free(uc);
		return NULL;
	}
	fd = bufferevent_getfd(uc->bev);
	uc->in = evbuffer_new();
	uc->rev = event_new(px->base, fd, EV_READ | EV_PERSIST,
	                    proxy_upconn_readable, uc);
	uc->pool = proxy_pool_find(px, addr);
	return uc;
}

/* An idle connection to addr (*reused set), or a new one being made. */
struct proxy_upconn *
proxy_pool_get(struct proxy *px, const struct sockaddr_storage *addr,
               int *reused)
{
	struct proxy_pool *p = proxy_pool_find(px, addr);
	struct proxy_upconn *uc;

	if ((uc = p->idle) != NULL) {
		p->idle = uc->next;
		p->nidle--;
		uc->next = NULL;
		event_remove_timer(uc->rev); /* still read: no epoll_ctl */
		*reused = 1;
		return uc;
	}
	*reused = 0;
	return proxy_upconn_new(px, addr);
}

/* Back to the pool, watched for EOF and the idle time, or closed. */
void
proxy_pool_put(struct proxy *px, struct proxy_upconn *uc)
{
	struct proxy_pool *p = uc->pool;
	struct timeval tv = {PROXY_POOL_IDLE_MS / 1000, 0};

	uc->up = NULL;
	if (p->nidle >= PROXY_POOL_IDLE || px->stopping ||
	    evbuffer_get_length(uc->in) > 0) {
		proxy_upconn_free(uc);
		return;
	}
	bufferevent_setcb(uc->bev, NULL, NULL, NULL, NULL);
	/* writes go straight to the socket when it is reused */
	bufferevent_disable(uc->bev, EV_READ | EV_WRITE);
	uc->next = p->idle;
	p->idle = uc;
	p->nidle++;
	event_add(uc->rev, &tv);
}

void
proxy_pool_free(struct proxy *px)
{
	struct proxy_pool *p, *pn;
	struct proxy_upconn *uc, *un;

	for (p = px->pools; p != NULL; p = pn) {
		pn = p->next;
		for (uc = p->idle; uc != NULL; uc = un) {
			un = uc->next;
			proxy_upconn_free(uc);
		}
		free(p);
	}
	px->pools = NULL;
}
