/* Connection limits: max_connections in all, max_connections_per_uid for
 * each uid (counted once the uid is known, so a flood of one user cannot
 * starve the others). A refusal is answered 503 and logged. When all
 * max_connections are taken, a uid holding fewer than the busiest one is
 * still let in: the busiest uid's oldest idle connection is closed for
 * it, so several users together cannot lock an allowed user out either
 * (issue 14.8). */
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
	TAILQ_INIT(&u->conns);
	LIST_INSERT_HEAD(&px->uids, u, entry);
	return u;
}

/* Count the connection against its uid, oldest first. */
static void
proxy_limits_join(struct proxy *px, struct pconn *c)
{
	c->uidc = proxy_limits_uid(px, c->peer.uid);
	c->uidc->count++;
	TAILQ_INSERT_TAIL(&c->uidc->conns, c, uentry);
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

/* All connections are taken: close the oldest idle connection of the uid
 * holding the most, if it holds more than c's uid (c counted). */
static int
proxy_limits_room(struct proxy *px, struct pconn *c)
{
	struct proxy_uid *u, *heavy = NULL;
	struct pconn *v;
	int64_t now;

	if (c->uidc == NULL)
		return -1;
	LIST_FOREACH(u, &px->uids, entry)
	if (heavy == NULL || u->count > heavy->count)
		heavy = u;
	if (heavy == c->uidc || heavy->count <= c->uidc->count)
		return -1;
	TAILQ_FOREACH(v, &heavy->conns, uentry)
	if (v != c && proxy_client_idle(v))
		break;
	if (v == NULL)
		return -1;
	if ((now = token_now_ms()) - px->last_evict_log >= 1000) {
		px->last_evict_log = now;
		log_warnx("max_connections reached: closing an idle connection "
		          "of uid %u (%d open) for uid %u (%d)",
		          (unsigned)heavy->uid, heavy->count,
		          (unsigned)c->uidc->uid, c->uidc->count);
		audit_error("connection limit",
		            "max_connections: closed an idle connection of the "
		            "uid holding the most");
	}
	proxy_client_lost(v, NULL);
	return 0;
}

int
proxy_limits_take(struct proxy *px, struct pconn *c)
{
	if (c->peer_ok)
		proxy_limits_join(px, c);
	if (px->nconns > px->conf.max_connections &&
	    proxy_limits_room(px, c) == -1) {
		proxy_limits_log(px, "max_connections", c);
		return -1;
	}
	if (c->uidc != NULL &&
	    c->uidc->count > px->conf.max_connections_per_uid) {
		proxy_limits_log(px, "max_connections_per_uid", c);
		return -1;
	}
	return 0;
}

void
proxy_limits_release(struct proxy *px, struct pconn *c)
{
	(void)px;
	if (c->uidc == NULL)
		return;
	TAILQ_REMOVE(&c->uidc->conns, c, uentry);
	if (--c->uidc->count == 0) {
		LIST_REMOVE(c->uidc, entry);
		free(c->uidc);
	}
	c->uidc = NULL;
}
