/* Connection limits: max_connections in all, max_connections_per_uid for
 * each uid (counted once the uid is known, so a flood of one user cannot
 * starve the others). A refusal is answered 503 and logged. */
#include "config.h"

#include <stdlib.h>

#include "audit/audit.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proxy/proxy_int.h"
#include "proxy/token.h"

static struct proxy_uid *
proxy_limits_uid(struct proxy *px, uid_t uid)
{
	struct proxy_uid *u;

	LIST_FOREACH(u, &px->uids, entry)
	if (u->uid == uid)
		return u;
	u = xcalloc(1, sizeof *u);
	u->uid = uid;
	LIST_INSERT_HEAD(&px->uids, u, entry);
	return u;
}

/* Log a refusal at most once a second: a flood must not flood the log. */
static void
proxy_limits_log(struct proxy *px, const char *what, struct pconn *c)
{
	int64_t now = token_now_ms();

	if (now - px->last_limit_log < 1000)
		return;
	px->last_limit_log = now;
	log_warnx("%s: %s reached, refusing with 503", c->client_str, what);
	audit_error("connection limit", what);
}

int
proxy_limits_take(struct proxy *px, struct pconn *c)
{
	if (px->nconns > px->conf.max_connections) {
		proxy_limits_log(px, "max_connections", c);
		return -1;
	}
	if (!c->peer_ok)
		return 0;
	c->uidc = proxy_limits_uid(px, c->peer.uid);
	if (c->uidc->count >= px->conf.max_connections_per_uid) {
		proxy_limits_log(px, "max_connections_per_uid", c);
		c->uidc->count++;
		return -1;
	}
	c->uidc->count++;
	return 0;
}

void
proxy_limits_release(struct proxy *px, struct pconn *c)
{
	(void)px;
	if (c->uidc == NULL)
		return;
	if (--c->uidc->count == 0) {
		LIST_REMOVE(c->uidc, entry);
		free(c->uidc);
	}
	c->uidc = NULL;
}
