/* The replay proper: each account's calls counted under its compiled
 * policies, per role and service, with examples; the VPC endpoints that
 * would let it drop every exemption; and every finding's calls, stopped
 * or not. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "detect/perimeter_replay.h"

/* Whether a public call's service is exempted in the policies. */
static int
pm_exempted(const struct pm_account *a, const char *service)
{
	size_t i;

	for (i = 0; i < a->nex; i++)
		if (a->ex[i].kept && a->ex[i].service == service)
			return 1;
	return 0;
}

/* The final verdict: denied (1), not denied (0) or unknown (-1). */
static int
pm_denied(const struct pm_group *g)
{
	switch (g->verdict) {
	case PV_PUBLIC:
		return !g->exempt;
	case PV_OTHER_VPC:
	case PV_OTHER_IP:
		return 1;
	case PV_UNKNOWN:
		return -1;
	default:
		return 0;
	}
}

static void
pm_count_unknown(struct pm_count *c, const struct pm_group *g)
{
	c->unknown += g->count;
	if (g->why == PW_INST_VPC)
		c->u_inst += g->count;
	else if (g->why == PW_EP_VPC)
		c->u_ep += g->count;
	else if (g->why == PW_NO_ENDPOINT)
		c->u_noep += g->count;
	else if (g->why == PW_IDENTITY)
		c->u_identity += g->count;
}

static void
pm_count(struct pm_count *c, const struct pm_group *g)
{
	uint64_t n = g->count;

	c->calls += n;
	if (g->verdict == PV_ALLOWED) {
		c->allowed += n;
		c->unchecked += g->why == PW_IP_UNCHECKED ? n : 0;
	} else if (g->verdict == PV_VIA)
		c->via += n;
	else if (g->verdict == PV_INFRA)
		c->infra += n;
	else if (g->verdict == PV_UNKNOWN)
		pm_count_unknown(c, g);
	c->r_public += g->verdict == PV_PUBLIC ? n : 0;
	c->r_vpc += g->verdict == PV_OTHER_VPC ? n : 0;
	c->r_ip += g->verdict == PV_OTHER_IP ? n : 0;
	c->exempted += g->exempt ? n : 0;
	if (pm_denied(g) == 1) {
		c->denied += n;
		*(g->theft ? &c->stopped : &c->breaks) += n;
	}
}

static void
pm_count_add(struct pm_count *t, const struct pm_count *c)
{
	const uint64_t *s = (const uint64_t *)c;
	uint64_t *d = (uint64_t *)t;
	size_t i;

	for (i = 0; i < sizeof *c / sizeof *s; i++)
		d[i] += s[i];
}

/* Examples: what would break first, then unknowns, stolen uses, and
 * exempted calls. */
static int
pm_rank(const struct pm_group *g)
{
	int d = pm_denied(g);

	if (d == 1 && !g->theft)
		return 0;
	if (d == -1)
		return 1;
	if (d == 1)
		return 2;
	return g->exempt ? 3 : 4;
}

static void
pm_examples(struct pm_row *r, struct pm_group **g, size_t n)
{
	int rank;
	size_t i;

	for (rank = 0; rank < 4; rank++)
		for (i = 0; i < n && r->nex < PM_EXAMPLES; i++)
			if (pm_rank(g[i]) == rank)
				r->ex[r->nex++] = g[i];
}

/* Rows per role and service: the groups are sorted that way. */
static void
pm_rows(struct pm_account *a)
{
	size_t i, start = 0;
	struct pm_row *r = NULL;
	int exempt = 0;

	a->rows = xcalloc(a->ng + 1, sizeof *a->rows);
	for (i = 0; i < a->ng; i++) {
		struct pm_group *g = a->g[i];
		if (r == NULL || r->role != g->role ||
		    r->service != g->service) {
			if (r != NULL)
				pm_examples(r, a->g + start, i - start);
			r = &a->rows[a->nrows++];
			r->role = g->role;
			r->service = g->service;
			exempt = pm_exempted(a, g->service);
			start = i;
		}
		g->exempt = g->verdict == PV_PUBLIC && exempt;
		pm_count(&r->c, g);
	}
	if (r != NULL)
		pm_examples(r, a->g + start, a->ng - start);
	for (i = 0; i < a->nrows; i++)
		pm_count_add(&a->total, &a->rows[i].c);
}

static void
pm_need_add(struct pm_need *nd, const char *inst)
{
	size_t i;

	for (i = 0; i < nd->ninsts; i++)
		if (strcmp(nd->insts[i], inst) == 0)
			return;
	if (nd->ninsts < PM_NEED_INSTS)
		nd->insts[nd->ninsts++] = inst;
	else
		nd->more++; /* may count an instance twice: "about" */
}

/* Endpoints to create: every VPC whose instances reached a service
 * publicly or through another VPC's endpoint. */
static void
pm_needs(const struct perimeter *p, struct pm_account *a)
{
	struct dmap m;
	struct dmap_slot *sl;
	char key[320];
	size_t i;
	int n;

	memset(&m, 0, sizeof m);
	a->needs = xcalloc(a->ng + 1, sizeof *a->needs);
	for (i = 0; i < a->ng; i++) {
		const struct pm_group *g = a->g[i];
		const char *vpc;
		struct pm_need *nd;
		if (g->kind != PM_ROLE || g->theft ||
		    (g->verdict != PV_PUBLIC && g->verdict != PV_OTHER_VPC))
			continue;
		vpc = perimeter_inst_vpc(p, g->inst);
		n = snprintf(key, sizeof key, "%s|%s|%s", vpc ? vpc : "",
		             g->region ? g->region : "", g->service);
		if (n < 0 || (size_t)n >= sizeof key)
			continue;
		sl = dmap_put(&m, key, (size_t)n);
		if ((nd = sl->val) == NULL) {
			nd = sl->val = &a->needs[a->nneeds++];
			nd->vpc = vpc;
			nd->region = g->region;
			nd->service = g->service;
		}
		nd->calls += g->count;
		pm_need_add(nd, g->inst);
	}
	dmap_free(&m, NULL);
}

/* Once each, in the order first seen. */
static void
pm_unknown_add(struct dmap *seen, const char ***v, size_t *n, const char *s)
{
	struct dmap_slot *sl = dmap_put(seen, s, strlen(s));

	if (sl->val != NULL)
		return;
	sl->val = (void *)s;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

/* The instances and endpoints whose VPC the input never named. */
static void
pm_unknowns(const struct perimeter *p, struct pm_account *a)
{
	struct dmap seen;
	size_t i;

	memset(&seen, 0, sizeof seen);
	for (i = 0; i < a->ng; i++) {
		const struct pm_group *g = a->g[i];
		if (g->kind != PM_ROLE)
			continue;
		if (perimeter_inst_vpc(p, g->inst) == NULL)
			pm_unknown_add(&seen, &a->unk_insts, &a->nunk_insts,
			               g->inst);
		if (g->vpce != NULL && perimeter_ep_vpc(p, g->vpce) == NULL)
			pm_unknown_add(&seen, &a->unk_eps, &a->nunk_eps,
			               g->vpce);
	}
	dmap_free(&seen, NULL);
}

/* Findings in the order the detector writes them: first sighting. */
static int
pm_theft_cmp(const void *x, const void *y)
{
	const struct finding *a = ((const struct pm_theft *)x)->f;
	const struct finding *b = ((const struct pm_theft *)y)->f;
	int c;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if ((c = strcmp(a->instance, b->instance)) != 0)
		return c;
	return strcmp(a->ip, b->ip);
}

/* "instance|address" of a group, as findings write them. */
static int
pm_addr_key(const struct pm_group *g, char *key, size_t len)
{
	char ip[64];
	int n = snprintf(key, len, "%s|%s", g->inst,
	                 ip16_fmt(&g->ip, ip, sizeof ip));

	return n > 0 && (size_t)n < len ? n : -1;
}

/* Every finding on an instance of the account, its calls (those of its
 * instance from its address) under the policies. */
static void
pm_thefts(struct pm_account *a, const struct findings *fs)
{
	struct dmap m;
	struct pm_theft *acc;
	struct dmap_slot *sl;
	char key[128];
	size_t i;
	int n, d;

	memset(&m, 0, sizeof m);
	for (i = 0; i < a->ng; i++) {
		const struct pm_group *g = a->g[i];
		if (!g->ipok || (n = pm_addr_key(g, key, sizeof key)) < 0)
			continue;
		sl = dmap_put(&m, key, (size_t)n);
		if ((acc = sl->val) == NULL)
			acc = sl->val = xcalloc(1, sizeof *acc);
		d = pm_denied(g);
		acc->calls += g->count;
		*(d == 1   ? &acc->denied
		  : d == 0 ? &acc->allowed
		           : &acc->unknown) += g->count;
	}
	a->thefts = xcalloc(fs->n + 1, sizeof *a->thefts);
	for (i = 0; i < fs->n && m.n > 0; i++) {
		const struct finding *f = fs->v[i];
		if (f->instance == NULL || f->ip == NULL ||
		    (n = snprintf(key, sizeof key, "%s|%s", f->instance,
		                  f->ip)) <= 0 ||
		    (size_t)n >= sizeof key ||
		    (acc = dmap_get(&m, key, (size_t)n)) == NULL)
			continue;
		a->thefts[a->nthefts] = *acc;
		a->thefts[a->nthefts++].f = f;
	}
	dmap_free(&m, free);
	qsort(a->thefts, a->nthefts, sizeof *a->thefts, pm_theft_cmp);
}

void
perimeter_tally(const struct perimeter *p, struct pm_account *a,
                const struct findings *fs)
{
	pm_rows(a);
	pm_needs(p, a);
	pm_unknowns(p, a);
	pm_thefts(a, fs);
}

static void
pm_doc_free(struct pm_doc *d, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(d[i].text);
}

void
perimeter_replay_free(struct pm_replay *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct pm_account *a = &r->v[i];
		free(a->rows);
		free(a->ex);
		free(a->needs);
		free(a->thefts);
		free(a->unk_insts);
		free(a->unk_eps);
		free(a->roles);
		pm_doc_free(a->scp, a->nscp);
		pm_doc_free(a->role, a->nrole);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
