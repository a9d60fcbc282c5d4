/* The lock-IP decision (see detect.h). A session is locked per address
 * class (public or private, IPv4 or IPv6). Its first use locks it: that
 * one address is taken on trust, and named as such in later findings.
 * After that, an address of a class already locked must be one held; an
 * address of a new class is accepted only with evidence that it is the
 * workload's (an EC2 call, the VPC's known NAT egress, a pod's node), and
 * an address outside AWS's published ranges never is (except the user's
 * own ranges, --own-ranges). A session imdsgated describes is locked on
 * what it says from the start. */
#include "config.h"
#include <string.h>

#include "detect/detect.h"

static int
detect_lock_pub4(const struct ip16 *ip)
{
	return session_class(ip) == SC_PUB4;
}

/* An Elastic IP was associated by allocation id: the next public IPv4
 * address is the instance's new one. */
static int
detect_lock_relearn(struct session *s, const struct ip16 *ip)
{
	if (!(s->flags & SESS_RELEARN) || !detect_lock_pub4(ip))
		return 0;
	s->flags &= ~SESS_RELEARN;
	return 1;
}

/* Evidence that a new address is the workload's own. */
static int
detect_lock_evidence(struct detect *d, struct session *s,
                     const struct session *node, const struct ip16 *ip)
{
	if (detect_lock_relearn(s, ip))
		return 1;
	if (s->vpc != NULL &&
	    detect_vpc_egress_known(detect_vpc_get(&d->vpcs, s->vpc), ip))
		return 1;
	if (node == NULL)
		return 0;
	if (session_has(node, ip))
		return 1;
	return node->vpc != NULL &&
	       detect_vpc_egress_known(detect_vpc_get(&d->vpcs, node->vpc), ip);
}

/* imdsgated listed every address the instance has: any other public one
 * is its VPC's NAT egress or not the instance. */
static enum lock_why
detect_lock_seeded(struct detect *d, struct session *s, const struct ip16 *ip)
{
	struct vpc_scope *v;
	int known;

	if (session_class_has(s, ip, 0xff)) {
		if (!detect_lock_relearn(s, ip))
			return LOCK_OTHER;
		detect_session_add(d, s, ip, SIP_KNOWN | SIP_USED);
		return LOCK_OK;
	}
	if (ip16_is_private(ip) || s->vpc == NULL)
		return LOCK_NEWCLASS;
	v = detect_vpc_get(&d->vpcs, s->vpc);
	known = detect_vpc_egress_known(v, ip);
	if (detect_vpc_egress(v, ip) != 0)
		return LOCK_EGRESS;
	detect_session_add(d, s, ip,
	                   (known ? SIP_KNOWN : SIP_LEARNED) | SIP_USED);
	return LOCK_OK;
}

/* A class the session is locked on: only its addresses. */
static enum lock_why
detect_lock_class(struct detect *d, struct session *s, const struct ip16 *ip)
{
	if (!detect_lock_relearn(s, ip))
		return LOCK_OTHER;
	detect_session_add(d, s, ip, SIP_KNOWN | SIP_USED);
	return LOCK_OK;
}

enum lock_why
detect_lock(struct detect *d, struct session *s, const struct session *node,
            const struct ct_event *ev, int64_t t, const struct ip16 *ip)
{
	const struct sip *v;

	session_expire(s, t);
	if (s->expires == 0)
		s->expires = t + SESSION_TTL_MS;
	if ((v = session_find(s, ip)) != NULL) {
		if (!(v->flags & SIP_USED))
			detect_session_add(d, s, ip, SIP_USED);
		return LOCK_OK;
	}
	if (ip16_is_private(ip) && ev->f[CT_VPCE].n > 0) {
		detect_session_add(d, s, ip, SIP_KNOWN | SIP_USED);
		return LOCK_OK;
	}
	if (detect_outside(d, ip))
		return LOCK_NOTAWS;
	if (s->flags & SESS_SEEDED)
		return detect_lock_seeded(d, s, ip);
	if (session_class_has(s, ip, SIP_KNOWN | SIP_USED))
		return detect_lock_class(d, s, ip);
	if (!session_any(s, SIP_USED)) {
		detect_session_add(d, s, ip, SIP_LEARNED | SIP_USED);
		return LOCK_OK;
	}
	if (!detect_lock_evidence(d, s, node, ip))
		return LOCK_NEWCLASS;
	detect_session_add(d, s, ip, SIP_KNOWN | SIP_USED);
	return LOCK_OK;
}
