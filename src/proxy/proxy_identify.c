/* Who is calling, for one client connection: the original destination,
 * then the uid that owns the client socket (from the kernel, cheap: the
 * connection limits need it at once; asked for every connection accepted
 * in one go together, one sock_diag round trip for the burst), then the
 * rest of the identity (the process and the groups), which may take
 * longer. The rest is the one place the asynchronous lookup plugs in: it
 * completes through proxy_identify_done (holding a reference on the
 * connection while it runs) and proxy_identify_cancel stops it when the
 * connection is lost first. */
#include "config.h"

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/log.h"
#include "proxy/proxy_int.h"
#include "sys/origdst.h"

/* A new connection: identified with the others accepted in this go. */
void
proxy_identify_arrive(struct pconn *c)
{
	struct proxy *px = c->px;

	if (TAILQ_EMPTY(&px->arriving))
		event_active(px->arrive_ev, EV_TIMEOUT, 0);
	TAILQ_INSERT_TAIL(&px->arriving, c, aentry);
	c->arriving = 1;
	proxy_client_ref(c);
}

/* The original destination (a NAT redirect's), else the local address;
 * -1 (logged): the connection's requests will be refused. */
static int
proxy_identify_dst(struct pconn *c)
{
	if (origdst_get_at(bufferevent_getfd(c->bev),
	                   c->local.ss_family != 0 ? &c->local : NULL,
	                   &c->dst) == -1) {
		log_warnx("%s: original destination unknown", c->client_str);
		return -1;
	}
	return 0;
}

/* Up to a burst of arrived connections, taken off the list (referenced). */
static int
proxy_identify_take(struct proxy *px, struct pconn **cs, int max)
{
	struct pconn *c;
	int n = 0;

	while (n < max && (c = TAILQ_FIRST(&px->arriving)) != NULL) {
		TAILQ_REMOVE(&px->arriving, c, aentry);
		c->arriving = 0;
		cs[n++] = c;
	}
	return n;
}

/* Step one for the connections accepted since the loop last turned: their
 * destinations, then all their owners in one sock_diag round trip (fail
 * closed: an unknown owner's requests are refused), then each goes on to
 * the limits and step two. */
void
proxy_identify_arrivals(evutil_socket_t fd, short ev, void *arg)
{
	struct proxy *px = arg;
	struct pconn *cs[PEER_BURST];
	struct peer_pending pp[PEER_BURST];
	struct peer_step st[PEER_BURST];
	int i, n;

	(void)fd;
	(void)ev;
	n = proxy_identify_take(px, cs, PEER_BURST);
	for (i = 0; i < n; i++) {
		st[i].client = &cs[i]->client;
		st[i].dst = &cs[i]->dst;
		st[i].pi = &cs[i]->peer;
		st[i].pp = &pp[i];
		cs[i]->peer_ok = !cs[i]->dead && proxy_identify_dst(cs[i]) == 0;
	}
	peer_lookup_uids(st, n);
	for (i = 0; i < n; i++) {
		if (cs[i]->peer_ok && st[i].rv != 0) {
			log_warnx("%s: socket owner unknown: refusing",
			          cs[i]->client_str);
			cs[i]->peer_ok = 0;
		}
		if (!cs[i]->dead)
			proxy_client_admit(cs[i], &pp[i]);
		proxy_client_unref(cs[i]);
	}
	if (!TAILQ_EMPTY(&px->arriving)) /* more than a burst */
		event_active(px->arrive_ev, EV_TIMEOUT, 0);
}

/* Step two answered: requests may now be read (a failed lookup is
 * refused at the first request, fail closed). */
static void
proxy_identify_done(void *arg, int ok)
{
	struct pconn *c = arg;

	c->ident = NULL;
	if (!ok) {
		c->peer_ok = 0;
		log_warnx("%s: caller lookup failed: refusing", c->client_str);
	}
	proxy_client_identified(c);
	proxy_client_unref(c);
}

/* The process, the groups, the cgroup of a known uid: at once, or later
 * through proxy_identify_done (the connection referenced meanwhile). */
void
proxy_identify_rest(struct pconn *c, const struct peer_pending *pp)
{
	int r;

	proxy_client_ref(c);
	r = peer_lookup_start(&c->peer, pp, proxy_identify_done, c, &c->ident);
	if (r == 0)
		return;
	proxy_client_unref(c);
	if (r == -1)
		c->peer_ok = 0;
	proxy_client_identified(c);
}

/* The connection is lost first: the answer must not come. */
void
proxy_identify_cancel(struct pconn *c)
{
	if (c->ident == NULL)
		return;
	peer_lookup_cancel(c->ident);
	c->ident = NULL;
	proxy_client_unref(c);
}
