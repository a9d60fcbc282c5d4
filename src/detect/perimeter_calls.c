/* Calls made with instance credentials, grouped by everything the
 * policy's verdict depends on (account, role, instance, service, region,
 * endpoint, source address): a trail of millions of calls makes a few
 * thousand groups, each decided once the whole input is known. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "detect/perimeter.h"

#define STREQ(s, lit)                                                          \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

/* The parts of arn:PART:sts::ACCT:assumed-role/ROLE/i-… */
struct pm_arn {
	struct ct_str part, acct, role, inst;
};

static int
pm_is_instance_id(const char *s, size_t n)
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

/* Cut s at the next c: the part before it, s moved past it. */
static int
pm_cut(struct ct_str *s, char c, struct ct_str *out)
{
	const char *e = s->n > 0 ? memchr(s->p, c, s->n) : NULL;

	if (e == NULL)
		return -1;
	out->p = s->p;
	out->n = (size_t)(e - s->p);
	s->n -= out->n + 1;
	s->p = e + 1;
	return 0;
}

static int
pm_parse_arn(const struct ct_str *arn, struct pm_arn *a)
{
	struct ct_str s = *arn, x;

	if (s.p == NULL || pm_cut(&s, ':', &x) != 0 || !STREQ(x, "arn") ||
	    pm_cut(&s, ':', &a->part) != 0 || pm_cut(&s, ':', &x) != 0 ||
	    (!STREQ(x, "sts") && !STREQ(x, "iam")) ||
	    pm_cut(&s, ':', &x) != 0 || x.n != 0 ||
	    pm_cut(&s, ':', &a->acct) != 0 || pm_cut(&s, '/', &x) != 0 ||
	    !STREQ(x, "assumed-role") || pm_cut(&s, '/', &a->role) != 0)
		return -1;
	a->inst = s;
	return a->role.n > 0 && a->acct.n > 0 &&
	               pm_is_instance_id(a->inst.p, a->inst.n)
	           ? 0
	           : -1;
}

/* AWS acting for the caller: aws:ViaAWSService is true there. */
static int
pm_is_via(const struct ct_event *ev)
{
	const struct ct_str *ip = &ev->f[CT_SRCIP];

	if (ev->f[CT_UI_INVOKEDBY].n > 0 || STREQ(*ip, "AWS Internal"))
		return 1;
	return ip->n > 14 &&
	       memcmp(ip->p + ip->n - 14, ".amazonaws.com", 14) == 0;
}

static enum pm_kind
pm_kind(const struct ct_event *ev, const struct pm_arn *a)
{
	if (STREQ(a->role, "aws:ec2-infrastructure"))
		return PM_INFRA;
	if (pm_is_via(ev))
		return PM_VIA;
	if (STREQ(a->role, "aws:ec2-instance"))
		return PM_IDENTITY;
	return PM_ROLE;
}

static const char *
pm_in(struct perimeter *p, const struct ct_str *s)
{
	return s->n > 0 ? perimeter_intern(p, s->p, s->n) : NULL;
}

/* A new group: its fields interned, the first call kept as example. */
static struct pm_group *
pm_group_new(struct perimeter *p, const struct ct_event *ev,
             const struct pm_arn *a, enum pm_kind kind)
{
	struct pm_group *g = xcalloc(1, sizeof *g);
	size_t i;

	g->account = pm_in(p, &a->acct);
	g->partition = pm_in(p, &a->part);
	g->role = pm_in(p, &a->role);
	g->service = pm_in(p, &ev->f[CT_SOURCE]);
	g->region = pm_in(p, &ev->f[CT_REGION]);
	g->vpce = pm_in(p, &ev->f[CT_VPCE]);
	g->vpce_acct = pm_in(p, &ev->f[CT_VPCE_ACCT]);
	for (i = 0; i < a->inst.n; i++)
		g->inst[i] = (char)tolower((unsigned char)a->inst.p[i]);
	g->ipok = ev->f[CT_SRCIP].n > 0 &&
	          ip16_parse(ev->f[CT_SRCIP].p, ev->f[CT_SRCIP].n, &g->ip) == 0;
	g->kind = kind;
	if (p->ng == p->gcap) {
		p->gcap = p->gcap ? p->gcap * 2 : 64;
		p->gv = xreallocarray(p->gv, p->gcap, sizeof *p->gv);
	}
	p->gv[p->ng++] = g;
	return g;
}

/* The earliest call of a group (ties: the smaller event id) is its
 * example, so every delivery order gives the same report. */
static void
pm_example(struct pm_group *g, const struct ct_event *ev, int64_t t)
{
	const struct ct_str *id = &ev->f[CT_EVENTID], *nm = &ev->f[CT_NAME];

	if (g->event_id != NULL &&
	    (t > g->t || (t == g->t && id->p != NULL &&
	                  strncmp(id->p, g->event_id, id->n) >= 0)))
		return;
	free(g->event_id);
	free(g->event_name);
	g->t = t;
	g->event_id = id->p ? xstrndup(id->p, id->n) : xstrdup("");
	g->event_name = nm->p ? xstrndup(nm->p, nm->n) : xstrdup("");
}

/* Append s and a separator to key at *off; -1 when it would not fit. */
static int
pm_key_add(char *key, size_t len, size_t *off, const struct ct_str *s)
{
	if (*off + s->n + 1 >= len)
		return -1;
	if (s->n > 0)
		memcpy(key + *off, s->p, s->n);
	*off += s->n;
	key[(*off)++] = '|';
	return 0;
}

/* The group key: every field the verdict depends on, the instance id in
 * lower case (ARNs spell it in any case). Built per call: no printf. */
static int
pm_key(char *key, size_t len, const struct ct_event *ev, const struct pm_arn *a,
       enum pm_kind kind)
{
	static const enum ct_field fs[] = {CT_SOURCE, CT_REGION, CT_VPCE,
	                                   CT_SRCIP};
	size_t i, off = 0, inst;

	if (pm_key_add(key, len, &off, &a->acct) != 0 ||
	    pm_key_add(key, len, &off, &a->role) != 0)
		return -1;
	inst = off;
	if (pm_key_add(key, len, &off, &a->inst) != 0)
		return -1;
	for (i = inst; i < off; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	for (i = 0; i < sizeof fs / sizeof fs[0]; i++)
		if (pm_key_add(key, len, &off, &ev->f[fs[i]]) != 0)
			return -1;
	key[off++] = (char)('0' + kind);
	return (int)off;
}

void
perimeter_calls_add(struct perimeter *p, const struct ct_event *ev, int64_t t)
{
	struct dmap_slot *sl;
	struct pm_arn a;
	enum pm_kind kind;
	char key[768];
	int n;

	if (pm_parse_arn(&ev->f[CT_UI_ARN], &a) != 0 || ev->f[CT_SOURCE].n == 0)
		return;
	kind = pm_kind(ev, &a);
	if ((n = pm_key(key, sizeof key, ev, &a, kind)) < 0)
		return; /* fields longer than CloudTrail writes them */
	sl = dmap_put(&p->groups, key, (size_t)n);
	if (sl->val == NULL)
		sl->val = pm_group_new(p, ev, &a, kind);
	((struct pm_group *)sl->val)->count++;
	pm_example(sl->val, ev, t);
	p->calls++;
}
