/* Calls made with an EC2 instance's role credentials: checks that need no
 * address (agent, IMDSv1, console federation, keys imdsgated never handed
 * out), the VPC endpoint they came through, then the lock. */
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "detect/detect.h"

#define STREQ(s, lit)                                                          \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

static int
detect_agent_ok(const struct detect *d, const struct ct_str *ua)
{
	size_t i, n;
	struct ct_str u = *ua;

	if (u.n > 0 && u.p[0] == '[') { /* S3 data events bracket it */
		u.p++;
		u.n--;
	}
	for (i = 0; i < d->nagents; i++) {
		n = strlen(d->agents[i]);
		if (u.n >= n && memcmp(u.p, d->agents[i], n) == 0)
			return 1;
	}
	return 0;
}

static void
detect_instance_raise(struct detect *d, enum ftype type,
                      const struct ct_event *ev, int64_t t,
                      const struct detect_arn *a, struct session *s,
                      const struct ip16 *ip)
{
	struct detect_hit h = {
	    .type = type, .ev = ev, .t = t, .arn = a, .s = s, .ip = ip};

	detect_raise(d, &h);
}

/* Checks on instance credentials that need no source address. */
static void
detect_session_checks(struct detect *d, const struct ct_event *ev, int64_t t,
                      const struct detect_arn *a, struct session *s,
                      const struct ip16 *ip)
{
	const struct ct_str *key = &ev->f[CT_UI_KEY];

	if (d->nagents > 0 && !detect_agent_ok(d, &ev->f[CT_UA]))
		detect_instance_raise(d, F_UA, ev, t, a, s, ip);
	if ((s->flags & SESS_TOKEN) && STREQ(ev->f[CT_DELIVERY], "1.0"))
		detect_instance_raise(d, F_V1, ev, t, a, s, ip);
	if (STREQ(ev->f[CT_SOURCE], "signin.amazonaws.com") &&
	    (STREQ(ev->f[CT_NAME], "GetSigninToken") ||
	     STREQ(ev->f[CT_NAME], "ConsoleLogin")))
		detect_instance_raise(d, F_CONSOLE, ev, t, a, s, ip);
	if ((s->flags & SESS_PROXY) && !a->identity && key->n > 0 &&
	    dmap_get(&d->keys, key->p, key->n) == NULL)
		detect_instance_raise(d, F_NOTISSUED, ev, t, a, s, ip);
}

/* A call through a VPC endpoint: the endpoint must be the account's own
 * and one its VPC (or the session) uses for that service; an attacker's
 * endpoint shows a private address too ("SneakyEndpoints"). */
static int
detect_endpoint_ok(struct detect *d, const struct ct_event *ev,
                   const struct detect_arn *a, struct session *s)
{
	const struct ct_str *owner = &ev->f[CT_VPCE_ACCT];
	const char *svc;

	if (owner->n > 0 && (owner->n != (size_t)a->alen ||
	                     memcmp(owner->p, a->acct, owner->n)))
		return 0;
	svc = dmap_intern(&d->intern,
	                  ev->f[CT_SOURCE].p ? ev->f[CT_SOURCE].p : "",
	                  ev->f[CT_SOURCE].n);
	return detect_vpc_endpoint(detect_scope(d, s), svc, &ev->f[CT_VPCE]) ==
	       0;
}

void
detect_instance_call(struct detect *d, const struct ct_event *ev, int64_t t,
                     const struct detect_arn *a, const struct ip16 *ip,
                     int ipok)
{
	struct session *s =
	    session_get(&d->sessions, a->inst, strlen(a->inst), 1);
	struct detect_hit h = {
	    .ev = ev, .t = t, .arn = a, .s = s, .ip = ipok ? ip : NULL};

	if (s->role == NULL && !a->identity)
		s->role = a->role;
	if (s->account == NULL)
		s->account = dmap_intern(&d->intern, a->acct, (size_t)a->alen);
	detect_session_checks(d, ev, t, a, s, h.ip);
	if (ev->f[CT_VPCE].n > 0 && !detect_endpoint_ok(d, ev, a, s)) {
		h.type = F_INSIDE;
		h.why = LOCK_OTHER;
		detect_raise(d, &h);
		return;
	}
	if (!ipok || detect_is_service(ev))
		return;
	if ((h.why = detect_lock(d, s, NULL, ev, t, ip)) == LOCK_OK)
		return;
	h.type = detect_where_type(d, h.why, ip, F_OUTSIDE);
	detect_raise(d, &h);
}
