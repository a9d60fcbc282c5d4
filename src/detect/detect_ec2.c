/* EC2 calls that give an instance new addresses: they widen its lock
 * instead of letting the new address look like theft. */
#include "config.h"
#include <string.h>

#include "detect/detect.h"

#define STREQ(s, lit)                                                          \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

static void
detect_ec2_addips(struct session *s, const struct ct_event *ev)
{
	struct ip16 ip;
	int i;

	for (i = 0; i < ev->nips; i++)
		if (ip16_parse(ev->ips[i].p, ev->ips[i].n, &ip) == 0)
			session_add(s, &ip, SIP_KNOWN);
}

/* Copy an interface's addresses to the instance it is attached to. */
static void
detect_ec2_copy(struct detect *d, struct session *eni)
{
	struct session *s;
	int i;

	if (eni->peer[0] == '\0' ||
	    (s = session_get(&d->sessions, eni->peer, strlen(eni->peer), 1)) ==
	        NULL)
		return;
	for (i = 0; i < eni->nips; i++)
		session_add(s, &session_ip(eni, i)->ip, SIP_KNOWN);
}

static struct session *
detect_ec2_get(struct detect *d, const struct ct_str *id)
{
	return session_get(&d->sessions, id->p, id->n, 1);
}

/* A NAT gateway's public address is its VPC's egress from the start:
 * instances behind a second gateway are not mistaken for theft. */
static void
detect_ec2_nat(struct detect *d, const struct ct_event *ev)
{
	const struct ct_str *vpc = &ev->f[CT_VPCID];
	struct vpc_scope *v;
	struct ip16 ip;
	char id[32];
	int i;

	if (vpc->n == 0 || vpc->n >= sizeof id)
		return;
	memcpy(id, vpc->p, vpc->n);
	id[vpc->n] = '\0';
	v = detect_vpc_get(&d->vpcs, dmap_intern(&d->intern, id, vpc->n));
	for (i = 0; i < ev->nips; i++)
		if (ip16_parse(ev->ips[i].p, ev->ips[i].n, &ip) == 0 &&
		    !ip16_is_private(&ip))
			detect_vpc_add_egress(v, &ip, VPC_GATEWAY);
}

void
detect_ec2(struct detect *d, const struct ct_event *ev)
{
	const struct ct_str *name = &ev->f[CT_NAME];
	struct session *s, *eni = NULL;
	size_t n;

	if (STREQ(*name, "CreateNatGateway")) {
		detect_ec2_nat(d, ev);
		return;
	}
	if (ev->nenis > 0 && (eni = detect_ec2_get(d, &ev->enis[0])) != NULL)
		eni->flags |= SESS_ENI;
	s = ev->ninstances == 1 ? detect_ec2_get(d, &ev->instances[0]) : NULL;
	if (STREQ(*name, "RunInstances") ||
	    (STREQ(*name, "AssociateAddress") && s != NULL)) {
		if (s == NULL)
			return;
		detect_ec2_addips(s, ev);
		if (ev->nips == 0)
			s->flags |= SESS_RELEARN;
	} else if (STREQ(*name, "AttachNetworkInterface") && eni && s) {
		n = ev->instances[0].n < sizeof eni->peer
		        ? ev->instances[0].n
		        : sizeof eni->peer - 1;
		memcpy(eni->peer, s->id, n);
		eni->peer[n] = '\0';
		detect_ec2_copy(d, eni);
	} else if ((STREQ(*name, "CreateNetworkInterface") ||
	            STREQ(*name, "AssignPrivateIpAddresses") ||
	            STREQ(*name, "AssignIpv6Addresses") ||
	            STREQ(*name, "AssociateAddress")) &&
	           eni != NULL) {
		detect_ec2_addips(eni, ev);
		detect_ec2_copy(d, eni);
	}
}
