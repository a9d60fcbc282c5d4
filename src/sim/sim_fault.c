/* Broken IMDS servers for the proxy's tests: each fault mode misbehaves
 * in one way a real network or a wedged service can, once the client has
 * sent its request. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/log.h"
#include "sim/sim.h"
#include "common/xmalloc.h"

#define SIM_HUGE_LEN (100L * 1024 * 1024)
#define SIM_CHUNK 65536
#define SIM_SLOW_MS 200

static const char sim_fault_head[] =
    "HTTP/1.1 200 OK\r\nServer: EC2ws\r\n"
    "Content-Type: text/plain\r\nConnection: close\r\nContent-Length: ";

struct sim_fconn {
	struct sim *sim;
	struct bufferevent *bev;
	struct event *timer;
	char *slow; /* the reply dribbled out */
	size_t slowlen, slowoff;
	long left; /* huge-body bytes to go */
	int started;
};

int
sim_fault_parse(const char *s, enum sim_fault *f)
{
	static const char *names[] = {"none",    "never-answer", "reset",
	                              "garbage", "huge-body",    "slow"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum sim_fault)i;
			return 0;
		}
	return -1;
}

static void
sim_fault_close(struct sim_fconn *c)
{
	if (c->timer != NULL)
		event_free(c->timer);
	bufferevent_free(c->bev);
	free(c->slow);
	free(c);
}

/* Output drained: refill the huge body, or close when done. */
static void
sim_fault_write(struct bufferevent *bev, void *arg)
{
	struct sim_fconn *c = arg;
	static char chunk[SIM_CHUNK];
	size_t n;

	if (c->left > 0) {
		memset(chunk, 'A', sizeof chunk);
		n = c->left < SIM_CHUNK ? (size_t)c->left : SIM_CHUNK;
		bufferevent_write(bev, chunk, n);
		c->left -= (long)n;
		return;
	}
	if (c->sim->conf->fault != SIM_FAULT_SLOW || c->slowoff == c->slowlen)
		sim_fault_close(c);
}

/* One byte of the slow reply per tick. */
static void
sim_fault_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct sim_fconn *c = arg;
	struct timeval tv = {0, SIM_SLOW_MS * 1000};

	(void)fd;
	(void)ev;
	bufferevent_write(c->bev, c->slow + c->slowoff++, 1);
	if (c->slowoff < c->slowlen)
		evtimer_add(c->timer, &tv);
}

static void
sim_fault_slow(struct sim_fconn *c)
{
	const char *id = c->sim->conf->instance_id;

	c->slowlen = (size_t)xasprintf(&c->slow, "%s%zu\r\n\r\n%s",
	                               sim_fault_head, strlen(id), id);
	c->timer = evtimer_new(c->sim->base, sim_fault_tick, c);
	if (c->timer == NULL)
		fatalx("evtimer_new");
	sim_fault_tick(-1, 0, c);
}

/* The request arrived (or part of it): misbehave. */
static void
sim_fault_start(struct sim_fconn *c)
{
	static const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc"
	                              "SSH-2.0-not-http \xff\xfe\r\n\r\n";
	struct linger lg = {1, 0};
	char n[32];

	switch (c->sim->conf->fault) {
	case SIM_FAULT_RESET:
		setsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_LINGER,
		           &lg, sizeof lg);
		sim_fault_close(c);
		return;
	case SIM_FAULT_GARBAGE:
		bufferevent_write(c->bev, garbage, sizeof garbage - 1);
		break;
	case SIM_FAULT_HUGE_BODY:
		snprintf(n, sizeof n, "%ld\r\n\r\n", SIM_HUGE_LEN);
		bufferevent_write(c->bev, sim_fault_head,
		                  sizeof sim_fault_head - 1);
		bufferevent_write(c->bev, n, strlen(n));
		c->left = SIM_HUGE_LEN;
		break;
	case SIM_FAULT_SLOW:
		sim_fault_slow(c);
		break;
	default: /* never-answer: keep reading, say nothing */
		return;
	}
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
sim_fault_read(struct bufferevent *bev, void *arg)
{
	struct sim_fconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
	if (!c->started) {
		c->started = 1;
		sim_fault_start(c);
	}
}

static void
sim_fault_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		sim_fault_close(arg);
}

static void
sim_fault_accept(struct evconnlistener *l, evutil_socket_t fd,
                 struct sockaddr *sa, int salen, void *arg)
{
	struct sim_fconn *c = xcalloc(1, sizeof *c);

	(void)l;
	(void)sa;
	(void)salen;
	c->sim = arg;
	c->bev =
	    bufferevent_socket_new(c->sim->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, sim_fault_read, sim_fault_write,
	                  sim_fault_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

int
sim_fault_serve(struct sim *sim)
{
	struct evconnlistener *l;
	int i, fd;

	for (i = 0; i < sim->conf->nlisten; i++) {
		if ((fd = sim_serve_socket(&sim->conf->listen[i])) == -1)
			return -1;
		l = evconnlistener_new(sim->base, sim_fault_accept, sim,
		                       LEV_OPT_CLOSE_ON_FREE, -1, fd);
		if (l == NULL) {
			close(fd);
			return -1;
		}
		sim->listeners[sim->nlisteners++] = l;
	}
	return 0;
}
