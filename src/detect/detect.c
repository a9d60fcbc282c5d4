/* The lock-IP detector (see detect.h): every instance session is locked
 * to the IPs its instance really has, learnt from imdsgated's log or EC2
 * calls, or else to those it is first used from. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define STREQ(s, lit)                                                          \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

/* The parts of an instance session ARN. */
struct detect_arn {
	const char *role;        /* interned */
	char inst[24];           /* lower case */
	const char *part, *acct; /* in the event */
	int plen, alen;
	int identity; /* the aws:ec2-instance identity role */
};

/* The normalised ARNs, built only when a finding needs them. */
static void
detect_arn_fmt(const struct detect_arn *a, char *session, size_t slen,
               char *role, size_t rlen)
{
	snprintf(session, slen, "arn:%.*s:sts::%.*s:assumed-role/%s/%s",
	         a->plen, a->part, a->alen, a->acct, a->role, a->inst);
	snprintf(role, rlen, "arn:%.*s:iam::%.*s:role/%s", a->plen, a->part,
	         a->alen, a->acct, a->role);
}

void
detect_init(struct detect *d)
{
	memset(d, 0, sizeof *d);
	dedup_init(&d->dedup);
}

static int
detect_is_instance_id(const char *s, size_t n)
{
	size_t i;

	if (n < 10 || n > 19 || tolower((unsigned char)s[0]) != 'i' ||
	    s[1] != '-')
		return 0;
	for (i = 2; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* arn:PART:sts::ACCT:assumed-role/ROLE/i-… (or :iam::) → parts. */
static int
detect_parse_arn(struct detect *d, const struct ct_str *a,
                 struct detect_arn *out)
{
	const char *p = a->p, *e = a->p + a->n, *ar, *slash, *part, *acct;
	size_t i, plen, alen;

	if (p == NULL || a->n < 20 || memcmp(p, "arn:", 4) != 0)
		return -1;
	part = p + 4;
	if ((ar = memchr(part, ':', e - part)) == NULL)
		return -1;
	plen = ar - part;
	acct = ar + 6; /* ":sts::" or ":iam::" */
	if (e - ar < 7 || (memcmp(ar, ":sts::", 6) && memcmp(ar, ":iam::", 6)))
		return -1;
	if ((ar = memchr(acct, ':', e - acct)) == NULL || e - ar < 14 ||
	    memcmp(ar, ":assumed-role/", 14) != 0)
		return -1;
	alen = ar - acct;
	ar += 14;
	if ((slash = memchr(ar, '/', e - ar)) == NULL ||
	    !detect_is_instance_id(slash + 1, e - slash - 1))
		return -1;
	for (i = 0; i < (size_t)(e - slash - 1); i++)
		out->inst[i] = (char)tolower((unsigned char)slash[1 + i]);
	out->inst[i] = '\0';
	out->role = dmap_intern(&d->intern, ar, slash - ar);
	out->identity = strcmp(out->role, "aws:ec2-instance") == 0;
	out->part = part;
	out->plen = (int)plen;
	out->acct = acct;
	out->alen = (int)alen;
	return 0;
}

/* AWS acting for the caller: not the credentials' holder's address. */
static int
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

static void
detect_raise(struct detect *d, enum ftype t, const struct ct_event *ev,
             int64_t tm, const struct detect_arn *a, const struct session *s,
             const char *ip)
{
	struct finding_in in = {ev, tm, NULL, NULL, NULL, ip, NULL, NULL};
	struct detect_key *k = NULL;
	char exp[1024], sess[320], role[300];

	if (a != NULL) {
		detect_arn_fmt(a, sess, sizeof sess, role, sizeof role);
		in.instance = a->inst;
		in.session_arn = sess;
		in.role_arn = role;
	} else if (ev->f[CT_UI_ARN].p != NULL) {
		snprintf(exp, sizeof exp, "%.*s", (int)ev->f[CT_UI_ARN].n,
		         ev->f[CT_UI_ARN].p);
		in.session_arn = exp;
	}
	if (ev->f[CT_UI_KEY].p != NULL)
		k = dmap_get(&d->keys, ev->f[CT_UI_KEY].p, ev->f[CT_UI_KEY].n);
	if (k != NULL)
		in.process = k->process;
	if (s != NULL && s->nips > 0 && a != NULL)
		in.expected = session_ips_fmt(s, exp, sizeof exp);
	findings_add(&d->findings, t, &in);
}

/* Outside or inside AWS, by ip-ranges.json (IPv4 and IPv6 prefixes). */
static enum ftype
detect_where(const struct detect *d, const struct ip16 *ip)
{
	return d->have_aws && iprange_contains(&d->aws, ip) ? F_INSIDE
	                                                    : F_OUTSIDE;
}

/* Endpoints bind per VPC when the proxy log names it, else per session. */
struct vpc_scope *
detect_scope(struct detect *d, const struct session *s)
{
	return detect_vpc_get(&d->vpcs, s->vpc != NULL ? s->vpc : s->id);
}

/* A private instance's first public address must be its VPC's NAT
 * egress once that is known: first use alone would let an attacker who
 * calls first define the lock. */
static int
detect_nat_ok(struct detect *d, const struct session *s, const struct ip16 *ip)
{
	if (s->vpc == NULL || ip16_is_private(ip))
		return 1;
	return detect_vpc_egress(detect_vpc_get(&d->vpcs, s->vpc), ip) == 0;
}

/* A call through a VPC endpoint: the endpoint must be the account's own
 * and one its VPC (or the session) uses for that service; an attacker's
 * endpoint shows a private address too ("SneakyEndpoints"). */
static int
detect_endpoint_ok(struct detect *d, const struct ct_event *ev,
                   const struct detect_arn *a, const struct session *s)
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

/* The lock itself: is this address one the session may use? */
static void
detect_lock(struct detect *d, const struct ct_event *ev, int64_t t,
            const struct detect_arn *a, struct session *s,
            const struct ip16 *ip, const char *ipstr)
{
	int priv = ip16_is_private(ip);

	session_expire(s, t);
	if (s->expires == 0)
		s->expires = t + SESSION_TTL_MS;
	if (session_has(s, ip))
		return;
	if (priv && ev->f[CT_VPCE].n > 0) {
		session_add(s, ip, SIP_KNOWN);
		return;
	}
	if (!session_has_class(s, ip)) {
		if (!detect_nat_ok(d, s, ip)) {
			detect_raise(d, detect_where(d, ip), ev, t, a, s,
			             ipstr);
			return;
		}
		session_add(s, ip, SIP_LEARNED);
		return;
	}
	if (!priv && (s->flags & SESS_RELEARN)) {
		s->flags &= ~SESS_RELEARN;
		session_add(s, ip, SIP_KNOWN);
		return;
	}
	detect_raise(d, detect_where(d, ip), ev, t, a, s, ipstr);
}

static int
detect_agent_ok(const struct detect *d, const struct ct_str *ua)
{
	size_t i, n;
	struct ct_str u = *ua;

	if (u.n > 0 && u.p[0] == '[') { /* S3 data events bracket it */
		u.p++;
		u.n--;
	}
	ua = &u;
	for (i = 0; i < d->nagents; i++) {
		n = strlen(d->agents[i]);
		if (ua->n >= n && memcmp(ua->p, d->agents[i], n) == 0)
			return 1;
	}
	return 0;
}

/* Checks on instance credentials that need no source address. */
static void
detect_session_checks(struct detect *d, const struct ct_event *ev, int64_t t,
                      const struct detect_arn *a, struct session *s,
                      const char *ip)
{
	const struct ct_str *key = &ev->f[CT_UI_KEY];

	if (d->nagents > 0 && !detect_agent_ok(d, &ev->f[CT_UA]))
		detect_raise(d, F_UA, ev, t, a, s, ip);
	if ((s->flags & SESS_TOKEN) && STREQ(ev->f[CT_DELIVERY], "1.0"))
		detect_raise(d, F_V1, ev, t, a, s, ip);
	if (STREQ(ev->f[CT_SOURCE], "signin.amazonaws.com") &&
	    (STREQ(ev->f[CT_NAME], "GetSigninToken") ||
	     STREQ(ev->f[CT_NAME], "ConsoleLogin")))
		detect_raise(d, F_CONSOLE, ev, t, a, s, ip);
	if ((s->flags & SESS_PROXY) && !a->identity && key->n > 0 &&
	    dmap_get(&d->keys, key->p, key->n) == NULL)
		detect_raise(d, F_NOTISSUED, ev, t, a, s, ip);
}

/* A call made with an instance's role credentials. */
static void
detect_instance_call(struct detect *d, const struct ct_event *ev, int64_t t,
                     const struct detect_arn *a, const struct ip16 *ip,
                     int ipok)
{
	struct session *s =
	    session_get(&d->sessions, a->inst, strlen(a->inst), 1);
	char ipstr[64];

	if (s->role == NULL && !a->identity)
		s->role = a->role;
	if (ipok)
		ip16_fmt(ip, ipstr, sizeof ipstr);
	detect_session_checks(d, ev, t, a, s, ipok ? ipstr : NULL);
	if (ev->f[CT_VPCE].n > 0 && !detect_endpoint_ok(d, ev, a, s)) {
		detect_raise(d, F_INSIDE, ev, t, a, s, ipok ? ipstr : NULL);
		return;
	}
	if (ipok && !detect_is_service(ev))
		detect_lock(d, ev, t, a, s, ip, ipstr);
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

void
detect_event(struct detect *d, const struct ct_event *ev, int64_t t)
{
	struct detect_arn a;
	struct ip16 ip;
	const struct ct_str *src = &ev->f[CT_SRCIP];
	int ipok = src->n > 0 && ip16_parse(src->p, src->n, &ip) == 0;
	char ipstr[64];

	d->events++;
	if (d->observe != NULL)
		d->observe(d->observe_arg, ev, t);
	if (!ipok && src->n > 0 && !detect_is_service(ev)) {
		d->badip++;
		log_warnx(
		    "%s: record %llu: unparseable sourceIPAddress \"%.*s\"",
		    d->input, (unsigned long long)ev->index,
		    (int)(src->n > 64 ? 64 : src->n), src->p);
	}
	if (ev->f[CT_ERRCODE].n == 0) {
		if (STREQ(ev->f[CT_NAME], "AssumeRole") &&
		    STREQ(*src, "ec2.amazonaws.com"))
			detect_assume(d, ev, t);
		else if (STREQ(ev->f[CT_SOURCE], "ec2.amazonaws.com"))
			detect_ec2(d, ev);
	}
	if (ipok && d->have_threats && iprange_contains(&d->threats, &ip)) {
		ip16_fmt(&ip, ipstr, sizeof ipstr);
		detect_raise(
		    d, F_MALICIOUS, ev, t,
		    detect_parse_arn(d, &ev->f[CT_UI_ARN], &a) == 0 ? &a : NULL,
		    NULL, ipstr);
	}
	if (detect_parse_arn(d, &ev->f[CT_UI_ARN], &a) != 0)
		return;
	if (detect_is_service(ev))
		d->services++;
	detect_instance_call(d, ev, t, &a, &ip, ipok);
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

	session_table_free(&d->sessions);
	dmap_free(&d->intern, NULL);
	dmap_free(&d->keys, detect_key_free);
	detect_vpc_free(&d->vpcs);
	iprange_free(&d->threats);
	iprange_free(&d->aws);
	for (i = 0; i < d->nagents; i++)
		free(d->agents[i]);
	free(d->agents);
	findings_free(&d->findings);
	dedup_free(&d->dedup);
}
