/* Who is calling, for one client connection: the original destination,
 * then the uid that owns the client socket (from the kernel, cheap: the
 * connection limits need it at once), then the rest of the identity (the
 * process and the groups), which may take longer. The rest is the one
 * place the asynchronous lookup plugs in: it completes through
 * proxy_identify_done (holding a reference on the connection while it
 * runs) and proxy_identify_cancel stops it when the connection is lost
 * first. */
#include "config.h"

#include <event2/bufferevent.h>

#include "common/log.h"
#include "proxy/proxy_int.h"
#include "sys/origdst.h"

/* 0 with c->peer.uid set, or -1 (logged): the connection's requests
 * will then be refused (fail closed). */
int
proxy_identify_uid(struct pconn *c, struct peer_pending *pp)
{
	if (origdst_get_at(bufferevent_getfd(c->bev),
	                   c->local.ss_family != 0 ? &c->local : NULL,
	                   &c->dst) == -1) {
		log_warnx("%s: original destination unknown", c->client_str);
		return -1;
	}
	if (peer_lookup_uid(&c->client, &c->dst, &c->peer, pp) != 0) {
		log_warnx("%s: socket owner unknown: refusing", c->client_str);
		return -1;
	}
	return 0;
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
