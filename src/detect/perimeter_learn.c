/* What the perimeter compiler learns from the trail (see perimeter.h):
 * the VPC and addresses of each instance from RunInstances, the VPC of
 * each endpoint from CreateVpcEndpoint. Calls themselves go to
 * perimeter_calls.c. */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "detect/perimeter.h"

#define STREQ(s, lit)                                                          \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

void
perimeter_init(struct perimeter *p)
{
	memset(p, 0, sizeof *p);
}

static void
pm_group_free(void *v)
{
	struct pm_group *g = v;

	free(g->event_id);
	free(g->event_name);
	free(g);
}

void
perimeter_free(struct perimeter *p)
{
	dmap_free(&p->intern, NULL);
	dmap_free(&p->insts, free);
	dmap_free(&p->eps, free);
	dmap_free(&p->groups, pm_group_free);
	free(p->gv);
}

const char *
perimeter_intern(struct perimeter *p, const char *s, size_t n)
{
	return dmap_intern(&p->intern, s, n);
}

/* Instance ids are case-insensitive in ARNs: keep them lower case. */
struct pm_inst *
perimeter_inst(struct perimeter *p, const char *id, size_t n)
{
	struct dmap_slot *sl;
	char key[24];
	size_t i;

	if (n == 0 || n >= sizeof key)
		return NULL;
	for (i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)id[i]);
	sl = dmap_put(&p->insts, key, n);
	if (sl->val == NULL)
		sl->val = xcalloc(1, sizeof(struct pm_inst));
	return sl->val;
}

struct pm_ep *
perimeter_ep(struct perimeter *p, const char *id, size_t n)
{
	struct dmap_slot *sl;

	if (n == 0 || n >= 32)
		return NULL;
	sl = dmap_put(&p->eps, id, n);
	if (sl->val == NULL)
		sl->val = xcalloc(1, sizeof(struct pm_ep));
	return sl->val;
}

const struct pm_inst *
perimeter_inst_find(const struct perimeter *p, const char *id)
{
	return id != NULL ? dmap_get(&p->insts, id, strlen(id)) : NULL;
}

const struct pm_ep *
perimeter_ep_find(const struct perimeter *p, const char *id)
{
	return id != NULL ? dmap_get(&p->eps, id, strlen(id)) : NULL;
}

const char *
perimeter_inst_vpc(const struct perimeter *p, const char *id)
{
	const struct pm_inst *in = perimeter_inst_find(p, id);

	return in != NULL ? in->vpc : NULL;
}

const char *
perimeter_ep_vpc(const struct perimeter *p, const char *id)
{
	const struct pm_ep *e = perimeter_ep_find(p, id);

	return e != NULL ? e->vpc : NULL;
}

static int
pm_is_v4(const struct ip16 *ip)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0,    0,
	                               0, 0, 0, 0, 0xff, 0xff};

	return memcmp(ip->b, v4, sizeof v4) == 0;
}

/* A launch names every private IPv4 the instance then had, the primary
 * among them; a truncated list (CT_MAXIPS) does not. */
static void
pm_learn_ips(struct pm_inst *in, const struct ct_event *ev)
{
	struct ip16 ip;
	int i, k;

	in->nips = 0;
	for (i = 0; i < ev->nips && in->nips < PM_MAXIPS; i++) {
		if (ip16_parse(ev->ips[i].p, ev->ips[i].n, &ip) != 0 ||
		    !pm_is_v4(&ip) || !ip16_is_private(&ip))
			continue;
		for (k = 0; k < in->nips && ip16_cmp(&in->ips[k], &ip); k++)
			;
		if (k == in->nips) /* the response names each several times */
			in->ips[in->nips++] = ip;
	}
	in->complete = in->nips > 0 && ev->nips < CT_MAXIPS;
}

/* RunInstances: every instance it started is in the response's VPC.
 * Addresses only when one instance was started: several share the list. */
static void
pm_learn_run(struct perimeter *p, const struct ct_event *ev)
{
	const struct ct_str *vpc = &ev->f[CT_VPCID];
	struct pm_inst *in;
	int i;

	if (vpc->n < 5 || memcmp(vpc->p, "vpc-", 4) != 0)
		return;
	for (i = 0; i < ev->ninstances; i++) {
		in = perimeter_inst(p, ev->instances[i].p, ev->instances[i].n);
		if (in == NULL)
			continue;
		in->vpc = perimeter_intern(p, vpc->p, vpc->n);
		in->source = "RunInstances";
		if (ev->ninstances == 1)
			pm_learn_ips(in, ev);
		p->learnt_insts++;
	}
}

/* CreateVpcEndpoint: the endpoint, its VPC, service and owner account. */
static void
pm_learn_endpoint(struct perimeter *p, const struct ct_event *ev)
{
	const struct ct_str *id = &ev->f[CT_EP_ID], *vpc = &ev->f[CT_VPCID];
	const struct ct_str *svc = &ev->f[CT_EP_SVC];
	const struct ct_str *acct = ev->f[CT_RECIPIENT].n > 0
	                                ? &ev->f[CT_RECIPIENT]
	                                : &ev->f[CT_UI_ACCOUNT];
	struct pm_ep *e;

	if (id->n < 6 || memcmp(id->p, "vpce-", 5) != 0 || vpc->n < 5 ||
	    memcmp(vpc->p, "vpc-", 4) != 0 ||
	    (e = perimeter_ep(p, id->p, id->n)) == NULL)
		return;
	e->vpc = perimeter_intern(p, vpc->p, vpc->n);
	e->service = svc->n > 0 ? perimeter_intern(p, svc->p, svc->n) : NULL;
	e->account = acct->n > 0 ? perimeter_intern(p, acct->p, acct->n) : NULL;
	p->learnt_eps++;
}

void
perimeter_observe(void *arg, const struct ct_event *ev, int64_t t)
{
	struct perimeter *p = arg;

	if (ev->f[CT_ERRCODE].n == 0 &&
	    STREQ(ev->f[CT_SOURCE], "ec2.amazonaws.com")) {
		if (STREQ(ev->f[CT_NAME], "RunInstances"))
			pm_learn_run(p, ev);
		else if (STREQ(ev->f[CT_NAME], "CreateVpcEndpoint"))
			pm_learn_endpoint(p, ev);
	}
	perimeter_calls_add(p, ev, t);
}
