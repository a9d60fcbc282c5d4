/* Who is calling, for one client connection: the original destination,
 * then the uid that owns the client socket (from the kernel, cheap: the
 * connection limits need it at once), then the rest of the identity (the
 * process and the groups), which may take longer. The rest is the one
 * place an asynchronous lookup plugs in: it completes through
 * proxy_client_identified (holding a reference on the connection while
 * it runs) and proxy_identify_cancel stops it when the connection is
 * lost first. Today's lookup is synchronous and completes at once. */
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
	if (origdst_get(bufferevent_getfd(c->bev), &c->dst) == -1) {
		log_warnx("%s: original destination unknown", c->client_str);
		return -1;
	}
	if (peer_lookup_uid(&c->client, &c->dst, &c->peer, pp) != 0) {
		log_warnx("%s: socket owner unknown: refusing", c->client_str);
		return -1;
	}
	return 0;
}

/* The process and the groups of a known uid. */
void
proxy_identify_rest(struct pconn *c, const struct peer_pending *pp)
{
	peer_lookup_rest(&c->peer, pp);
	proxy_client_identified(c);
}

/* Nothing is ever in flight with the synchronous lookup. */
void
proxy_identify_cancel(struct pconn *c)
{
	(void)c;
}
