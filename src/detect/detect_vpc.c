/* Per-VPC egress addresses and endpoints (see detect_vpc.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "detect/detect_vpc.h"
#include "common/xmalloc.h"

struct vpc_scope *
detect_vpc_get(struct dmap *m, const char *id)
{
	struct dmap_slot *sl = dmap_put(m, id, strlen(id));

	if (sl->val == NULL)
		sl->val = xcalloc(1, sizeof(struct vpc_scope));
	return sl->val;
}

/* IPv4 (mapped) or IPv6: a VPC has one NAT egress of each. */
static int
detect_vpc_family(const struct ip16 *ip)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0,    0,
	                               0, 0, 0, 0, 0xff, 0xff};

	return memcmp(ip->b, v4, sizeof v4) != 0;
}

void
detect_vpc_add_egress(struct vpc_scope *v, const struct ip16 *ip, uint8_t flags)
{
	int i;

	for (i = 0; i < v->negress; i++)
		if (ip16_cmp(&v->egress[i].ip, ip) == 0) {
			v->egress[i].flags |= flags;
			return;
		}
	if (v->negress < VPC_MAXEGRESS) {
		v->egress =
		    xreallocarray(v->egress, v->negress + 1, sizeof *v->egress);
		v->egress[v->negress].ip = *ip;
		v->egress[v->negress++].flags = flags;
	}
}

int
detect_vpc_egress_known(const struct vpc_scope *v, const struct ip16 *ip)
{
	int i;

	for (i = 0; i < v->negress; i++)
		if (ip16_cmp(&v->egress[i].ip, ip) == 0)
			return 1;
	return 0;
}

/* Lock a private instance to its VPC's egress, learnt from its peers.
 * Gateway addresses are always good but do not lock alone: a gateway
 * made before the trail began would be missing from the set. */
int
detect_vpc_egress(struct vpc_scope *v, const struct ip16 *ip)
{
	int i, locked = 0;

	for (i = 0; i < v->negress; i++) {
		if (ip16_cmp(&v->egress[i].ip, ip) == 0) {
			v->egress[i].flags |= VPC_SEEN;
			return 0;
		}
		locked |= (v->egress[i].flags & VPC_SEEN) &&
		          detect_vpc_family(&v->egress[i].ip) ==
		              detect_vpc_family(ip);
	}
	if (locked)
		return -1;
	detect_vpc_add_egress(v, ip, VPC_SEEN);
	return 0;
}

void
detect_vpc_add_endpoint(struct vpc_scope *v, const char *service,
                        const char *id, size_t idlen)
{
	struct vpc_endpoint *e;

	if (v->nep >= VPC_MAXENDPOINTS || idlen >= sizeof e->id)
		return;
	v->ep = xreallocarray(v->ep, v->nep + 1, sizeof *v->ep);
	e = &v->ep[v->nep++];
	e->service = service;
	memcpy(e->id, id, idlen);
	e->id[idlen] = '\0';
}

/* Bind a service's calls to the endpoints first seen carrying them. */
int
detect_vpc_endpoint(struct vpc_scope *v, const char *service,
                    const struct ct_str *id)
{
	int i, known = 0;

	for (i = 0; i < v->nep; i++) {
		if (v->ep[i].service != service)
			continue;
		if (strlen(v->ep[i].id) == id->n &&
		    memcmp(v->ep[i].id, id->p, id->n) == 0)
			return 0;
		known = 1;
	}
	if (known)
		return -1;
	detect_vpc_add_endpoint(v, service, id->p, id->n);
	return 0;
}

void
detect_vpc_scope_free(struct vpc_scope *v)
{
	free(v->egress);
	free(v->ep);
	free(v);
}

static void
detect_vpc_free_one(void *p)
{
	detect_vpc_scope_free(p);
}

void
detect_vpc_free(struct dmap *m)
{
	dmap_free(m, detect_vpc_free_one);
}
