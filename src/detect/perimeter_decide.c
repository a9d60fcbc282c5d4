/* What the compiled policy would do to each group of calls, decided once
 * the whole input (and so everything it names) has been read. Only what
 * the input names is used: an unknown VPC makes an unknown verdict. */
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "detect/perimeter_replay.h"

static const char *pm_verdicts[PV_NVERDICTS] = {
    "allowed",         "public_endpoint",    "other_vpc", "other_address",
    "via_aws_service", "ec2_infrastructure", "unknown"};
static const char *pm_whys[] = {"",
                                "instance_vpc_unknown",
                                "endpoint_vpc_unknown",
                                "private_source_without_endpoint",
                                "identity_credentials",
                                "primary_address_unknown"};

const char *
perimeter_verdict_name(enum pm_verdict v)
{
	return pm_verdicts[v];
}

const char *
perimeter_why_name(enum pm_why w)
{
	return pm_whys[w];
}

/* Exfiltration and threat-list findings name a stolen credential's use;
 * the other types fire at the instance's own address too. */
int
perimeter_is_theft(const struct finding *f)
{
	const char *t = findings_type(f->type);

	return strstr(t, "Exfiltration") != NULL ||
	       strstr(t, "MaliciousIPCaller") != NULL;
}

static int
pm_is_v4(const struct ip16 *ip)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0,    0,
	                               0, 0, 0, 0, 0xff, 0xff};

	return memcmp(ip->b, v4, sizeof v4) == 0;
}

static void
pm_set(struct pm_group *g, enum pm_verdict v, enum pm_why w)
{
	g->verdict = v;
	g->why = w;
}

/* aws:VpcSourceIp against the instance's primary private IPv4: an IPv6
 * source never equals it; an address outside a complete set cannot be
 * it; one inside a set of one is it. */
static void
pm_decide_ip(const struct pm_inst *in, struct pm_group *g)
{
	int i, found = 0;

	if (!g->ipok) {
		pm_set(g, PV_ALLOWED, PW_IP_UNCHECKED);
		return;
	}
	if (!pm_is_v4(&g->ip)) {
		pm_set(g, PV_OTHER_IP, PW_NONE);
		return;
	}
	for (i = 0; i < in->nips; i++)
		found |= ip16_cmp(&in->ips[i], &g->ip) == 0;
	if (in->complete && !found)
		pm_set(g, PV_OTHER_IP, PW_NONE);
	else if (in->complete && in->nips == 1)
		pm_set(g, PV_ALLOWED, PW_NONE);
	else
		pm_set(g, PV_ALLOWED, PW_IP_UNCHECKED);
}

/* aws:SourceVpc is the endpoint's VPC: it must be the instance's. */
static void
pm_decide_endpoint(const struct perimeter *p, struct pm_group *g)
{
	const struct pm_inst *in = perimeter_inst_find(p, g->inst);
	const struct pm_ep *e = perimeter_ep_find(p, g->vpce);

	if (in == NULL || in->vpc == NULL)
		pm_set(g, PV_UNKNOWN, PW_INST_VPC);
	else if (e == NULL || e->vpc == NULL)
		pm_set(g, PV_UNKNOWN, PW_EP_VPC);
	else if (strcmp(e->vpc, in->vpc) != 0)
		pm_set(g, PV_OTHER_VPC, PW_NONE);
	else
		pm_decide_ip(in, g);
}

static void
pm_decide_one(const struct perimeter *p, struct pm_group *g)
{
	if (g->kind == PM_INFRA)
		pm_set(g, PV_INFRA, PW_NONE);
	else if (g->kind == PM_VIA)
		pm_set(g, PV_VIA, PW_NONE);
	else if (g->kind == PM_IDENTITY)
		pm_set(g, PV_UNKNOWN, PW_IDENTITY);
	else if (g->vpce != NULL)
		pm_decide_endpoint(p, g);
	else if (g->ipok && ip16_is_private(&g->ip))
		pm_set(g, PV_UNKNOWN, PW_NO_ENDPOINT);
	else
		pm_set(g, PV_PUBLIC, PW_NONE); /* no aws:SourceVpc at all */
}

/* "instance|address" of every finding that names a stolen use. */
static void
pm_theft_keys(struct dmap *m, const struct findings *fs)
{
	char key[128];
	size_t i;
	int n;

	for (i = 0; i < fs->n; i++) {
		const struct finding *f = fs->v[i];
		if (f->instance == NULL || f->ip == NULL ||
		    !perimeter_is_theft(f))
			continue;
		n = snprintf(key, sizeof key, "%s|%s", f->instance, f->ip);
		if (n > 0 && (size_t)n < sizeof key)
			dmap_put(m, key, (size_t)n)->val = (void *)f;
	}
}

void
perimeter_decide(struct perimeter *p, const struct findings *fs)
{
	struct dmap thefts;
	char key[128], ip[64];
	size_t i;
	int n;

	memset(&thefts, 0, sizeof thefts);
	pm_theft_keys(&thefts, fs);
	for (i = 0; i < p->ng; i++) {
		struct pm_group *g = p->gv[i];
		pm_decide_one(p, g);
		if (!g->ipok || thefts.n == 0)
			continue;
		ip16_fmt(&g->ip, ip, sizeof ip);
		n = snprintf(key, sizeof key, "%s|%s", g->inst, ip);
		g->theft = n > 0 && (size_t)n < sizeof key &&
		           dmap_get(&thefts, key, (size_t)n) != NULL;
	}
	dmap_free(&thefts, NULL);
}
