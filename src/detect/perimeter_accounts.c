/* The decided groups split per account, and each account's exemptions:
 * the services its instances called only over public endpoints (never
 * through an endpoint of their own VPC). Calls from an address a finding
 * calls stolen are the thief's, not the instances': they exempt nothing. */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "detect/perimeter_replay.h"

static int
pm_strcmp(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

/* Account, role, service, then the rest: a stable, readable order. */
static int
pm_group_cmp(const void *x, const void *y)
{
	const struct pm_group *a = *(struct pm_group *const *)x;
	const struct pm_group *b = *(struct pm_group *const *)y;
	int c;

	if ((c = pm_strcmp(a->account, b->account)) != 0 ||
	    (c = pm_strcmp(a->role, b->role)) != 0 ||
	    (c = pm_strcmp(a->service, b->service)) != 0 ||
	    (c = strcmp(a->inst, b->inst)) != 0 ||
	    (c = pm_strcmp(a->region, b->region)) != 0 ||
	    (c = pm_strcmp(a->vpce, b->vpce)) != 0)
		return c;
	if (a->ipok != b->ipok)
		return a->ipok - b->ipok;
	if ((c = memcmp(a->ip.b, b->ip.b, sizeof a->ip.b)) != 0)
		return c;
	return (int)a->kind - (int)b->kind;
}

static int
pm_exempt_cmp(const void *x, const void *y)
{
	const struct pm_exempt *a = x, *b = y;

	if (a->calls != b->calls)
		return a->calls > b->calls ? -1 : 1;
	return strcmp(a->service, b->service);
}

/* Per service: public calls, and calls through the VPC's own endpoints. */
struct pm_svcuse {
	const char *service; /* interned */
	uint64_t public, own;
};

static void
pm_exemptions(struct pm_account *a)
{
	struct dmap m;
	struct pm_svcuse *u;
	struct dmap_slot *sl;
	size_t i;

	memset(&m, 0, sizeof m);
	for (i = 0; i < a->ng; i++) {
		const struct pm_group *g = a->g[i];
		if (g->kind != PM_ROLE || g->theft)
			continue;
		sl = dmap_put(&m, g->service, strlen(g->service));
		if ((u = sl->val) == NULL) {
			u = sl->val = xcalloc(1, sizeof *u);
			u->service = g->service;
		}
		if (g->verdict == PV_PUBLIC)
			u->public += g->count;
		else if (g->verdict == PV_ALLOWED || g->verdict == PV_OTHER_IP)
			u->own += g->count;
	}
	a->ex = xcalloc(m.n + 1, sizeof *a->ex);
	for (i = 0; i < m.cap; i++) {
		struct pm_exempt *e = &a->ex[a->nex];
		if (m.s[i].key == NULL || (u = m.s[i].val)->public == 0 ||
		    u->own > 0 ||
		    perimeter_svc_action(m.s[i].key, e->action,
		                         sizeof e->action) != 0)
			continue;
		e->service = u->service;
		e->calls = u->public;
		e->kept = 1;
		a->nex++;
	}
	dmap_free(&m, free);
	qsort(a->ex, a->nex, sizeof *a->ex, pm_exempt_cmp);
}

/* The roles of the account's instances: role-policy.json is for them. */
static void
pm_roles(struct pm_account *a)
{
	size_t i;

	a->roles = xcalloc(a->ng + 1, sizeof *a->roles);
	for (i = 0; i < a->ng; i++)
		if (a->g[i]->kind == PM_ROLE &&
		    (a->nroles == 0 ||
		     a->roles[a->nroles - 1] != a->g[i]->role))
			a->roles[a->nroles++] = a->g[i]->role;
}

void
perimeter_accounts(struct perimeter *p, struct pm_replay *r)
{
	size_t i, start;

	memset(r, 0, sizeof *r);
	if (p->ng > 1)
		qsort(p->gv, p->ng, sizeof *p->gv, pm_group_cmp);
	r->v = xcalloc(p->ng + 1, sizeof *r->v);
	for (start = 0, i = 1; i <= p->ng; i++) {
		struct pm_account *a;
		if (i < p->ng && p->gv[i]->account == p->gv[start]->account)
			continue;
		a = &r->v[r->n++];
		a->id = p->gv[start]->account;
		a->partition = p->gv[start]->partition;
		a->g = &p->gv[start];
		a->ng = i - start;
		pm_exemptions(a);
		pm_roles(a);
		start = i;
	}
}
