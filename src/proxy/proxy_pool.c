/* Keep-alive connections toward the IMDS, per upstream address: the IMDS
 * throttles and limits simultaneous connections, so the proxy must not
 * open one per request. An idle connection that hears anything (EOF, a
 * stray byte) is simply dropped. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/addr.h"
#include "proxy/proxy_int.h"
#include "common/xmalloc.h"

#define PROXY_POOL_IDLE_MS 10000

struct proxy_idle {
	struct bufferevent *bev;
	struct proxy_pool *pool;
	struct proxy_idle *next;
};

struct proxy_pool {
	struct sockaddr_storage addr;
	struct proxy_idle *idle;
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

static void
proxy_pool_unlink(struct proxy_idle *i)
{
	struct proxy_idle **pp;

	for (pp = &i->pool->idle; *pp != NULL; pp = &(*pp)->next)
		if (*pp == i) {
			*pp = i->next;
			i->pool->nidle--;
			return;
		}
}

/* Anything on an idle connection ends it: the IMDS closed it, or sent
 * something no request asked for. */
static void
proxy_pool_idle_event(struct bufferevent *bev, short what, void *arg)
{
	struct proxy_idle *i = arg;

	(void)what;
	proxy_pool_unlink(i);
	bufferevent_free(bev);
	free(i);
}

static void
proxy_pool_idle_read(struct bufferevent *bev, void *arg)
{
	proxy_pool_idle_event(bev, BEV_EVENT_ERROR, arg);
}

struct bufferevent *
proxy_pool_get(struct proxy *px, const struct sockaddr_storage *addr,
               int *reused)
{
	struct proxy_pool *p = proxy_pool_find(px, addr);
	struct proxy_idle *i;
	struct bufferevent *bev;

	if ((i = p->idle) != NULL) {
		p->idle = i->next;
		p->nidle--;
		bev = i->bev;
		free(i);
		*reused = 1;
		return bev;
	}
	*reused = 0;
	bev = bufferevent_socket_new(px->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL;
	if (bufferevent_socket_connect(bev, (const struct sockaddr *)addr,
	                               (int)addr_len(addr)) == -1) {
		bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

void
proxy_pool_put(struct proxy *px, const struct sockaddr_storage *addr,
               struct bufferevent *bev)
{
	struct proxy_pool *p = proxy_pool_find(px, addr);
	struct proxy_idle *i;
	struct timeval tv = {PROXY_POOL_IDLE_MS / 1000, 0};

	if (p->nidle >= PROXY_POOL_IDLE || px->stopping) {
		bufferevent_free(bev);
		return;
	}
	i = xcalloc(1, sizeof *i);
	i->bev = bev;
	i->pool = p;
	i->next = p->idle;
	p->idle = i;
	p->nidle++;
	bufferevent_set_timeouts(bev, &tv, NULL);
	bufferevent_setcb(bev, proxy_pool_idle_read, NULL,
	                  proxy_pool_idle_event, i);
	/* writes go straight to the socket when it is reused */
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_enable(bev, EV_READ);
}

void
proxy_pool_free(struct proxy *px)
{
	struct proxy_pool *p, *pn;
	struct proxy_idle *i, *in;

	for (p = px->pools; p != NULL; p = pn) {
		pn = p->next;
		for (i = p->idle; i != NULL; i = in) {
			in = i->next;
			bufferevent_free(i->bev);
			free(i);
		}
		free(p);
	}
	px->pools = NULL;
}
