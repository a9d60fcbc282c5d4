/* The detector's entry (see detect.h): each event, in event-time order,
 * to the part that knows its kind of session. Every session is locked to
 * the addresses its workload really has, learnt from imdsgated's log,
 * EC2 calls and VPC egress, or else to the first one it is used from. */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "detect/detect.h"
#include "detect/detect_workload.h"

#define STREQ(s, lit)                                                          \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

void
detect_init(struct detect *d)
{
	memset(d, 0, sizeof *d);
	dedup_init(&d->dedup);
	hold_init(&d->hold);
}

int
detect_is_service(const struct ct_event *ev)
{
	const struct ct_str *ip = &ev->f[CT_SRCIP];

	if (ev->f[CT_UI_INVOKEDBY].n > 0)
		return 1;
	if (STREQ(*ip, "AWS Internal"))
		return 1;
	return ip->n > 14 &&
	       memcmp(ip->p + ip->n - 14, ".amazonaws.com", 14) == 0;
}

/* Endpoints bind per VPC when the proxy log names it, else per session. */
struct vpc_scope *
detect_scope(struct detect *d, const struct session *s)
{
	return detect_vpc_get(&d->vpcs, s->vpc != NULL ? s->vpc : s->id);
}

int
detect_outside(const struct detect *d, const struct ip16 *ip)
{
	return d->have_aws && !ip16_is_private(ip) &&
	       !iprange_contains(&d->aws, ip) &&
	       !(d->have_own && iprange_contains(&d->own, ip));
}

/* Outside or inside AWS, by ip-ranges.json (IPv4 and IPv6 prefixes);
 * without it every foreign address counts as outside. */
enum ftype
detect_where_type(const struct detect *d, enum lock_why why,
                  const struct ip16 *ip, enum ftype out)
{
	if (why == LOCK_NOTAWS || !d->have_aws)
		return out;
	return iprange_contains(&d->aws, ip) ||
	               (d->have_own && iprange_contains(&d->own, ip))
	           ? (enum ftype)(out + 1)
	           : out;
}

void
detect_session_add(struct detect *d, struct session *s, const struct ip16 *ip,
                   uint8_t flags)
{
	session_add(s, ip, flags);
	if (s->id[0] == 'i' && (flags & (SIP_KNOWN | SIP_USED)))
		owners_set(&d->owners, ip, s, flags & SIP_KNOWN);
}

void
detect_owners_index(struct detect *d)
{
	const struct sip *v;
	struct session *s;
	size_t i;
	int j;

	for (i = 0; i < d->sessions.map.cap; i++) {
		if (d->sessions.map.s[i].key == NULL ||
		    (s = d->sessions.map.s[i].val)->id[0] != 'i')
			continue;
		for (j = 0; j < s->nips; j++) {
			v = session_ip(s, j);
			if (v->flags & (SIP_KNOWN | SIP_USED))
				owners_set(&d->owners, &v->ip, s,
				           v->flags & SIP_KNOWN);
		}
	}
}

/* EC2 handing out an instance's credentials refreshes its session. */
static void
detect_assume(struct detect *d, const struct ct_event *ev, int64_t t)
{
	const struct ct_str *sn = &ev->f[CT_SESSNAME];
	struct session *s;

	if (!detect_is_instance_id(sn->p, sn->n))
		return;
	s = session_get(&d->sessions, sn->p, sn->n, 1);
	session_expire(s, t);
	if (s->expires < t + SESSION_TTL_MS)
		s->expires = t + SESSION_TTL_MS;
}

/* Services handing out credentials, and EC2 changing addresses. */
static void
detect_issue(struct detect *d, const struct ct_event *ev, int64_t t)
{
	if (ev->f[CT_ERRCODE].n != 0)
		return;
	if (STREQ(ev->f[CT_NAME], "AssumeRole") &&
	    STREQ(ev->f[CT_SRCIP], "ec2.amazonaws.com"))
		detect_assume(d, ev, t);
	else if (STREQ(ev->f[CT_SOURCE], "ec2.amazonaws.com"))
		detect_ec2(d, ev);
	else
		detect_workload_issue(d, ev, t);
}

static void
detect_threat(struct detect *d, const struct ct_event *ev, int64_t t,
              const struct ip16 *ip)
{
	struct detect_hit h = {.type = F_MALICIOUS, .ev = ev, .t = t, .ip = ip};
	struct detect_arn a;

	if (detect_parse_arn(&d->intern, &ev->f[CT_UI_ARN], &a) == 0)
		h.arn = &a;
	detect_raise(d, &h);
}

void
detect_event(struct detect *d, const struct ct_event *ev, int64_t t)
{
	const struct ct_str *src = &ev->f[CT_SRCIP];
	struct detect_arn a;
	struct ip16 ip;
	int ipok = src->n > 0 && ip16_parse(src->p, src->n, &ip) == 0;

	d->events++;
	if (d->observe != NULL)
		d->observe(d->observe_arg, ev, t);
	detect_issue(d, ev, t);
	if (ipok && d->have_threats && iprange_contains(&d->threats, &ip))
		detect_threat(d, ev, t, &ip);
	if (detect_parse_arn(&d->intern, &ev->f[CT_UI_ARN], &a) != 0)
		return;
	if (detect_is_service(ev))
		d->services++;
	if (a.inst[0] != '\0')
		detect_instance_call(d, ev, t, &a, &ip, ipok);
	else
		detect_workload_call(d, ev, t, &a, &ip, ipok);
}

void
detect_apply(const struct ct_event *ev, int64_t t, void *d)
{
	detect_event(d, ev, t);
}

static void
detect_key_free(void *p)
{
	struct detect_key *k = p;

	free(k->instance);
	free(k->process);
	free(k);
}

void
detect_free(struct detect *d)
{
	size_t i;

	hold_free(&d->hold);
	free(d->rbuf);
	session_table_free(&d->sessions);
	dmap_free(&d->intern, NULL);
	dmap_free(&d->keys, detect_key_free);
	dmap_free(&d->workloads, detect_workload_free);
	detect_vpc_free(&d->vpcs);
	owners_free(&d->owners);
	iprange_free(&d->threats);
	iprange_free(&d->aws);
	iprange_free(&d->own);
	for (i = 0; i < d->nagents; i++)
		free(d->agents[i]);
	free(d->agents);
	findings_free(&d->findings);
	dedup_free(&d->dedup);
}
