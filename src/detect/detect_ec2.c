/* EC2 calls that give an instance new addresses: they widen its lock
 * instead of letting the new address look like theft. */
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "detect/detect.h"

#define STREQ(s, lit)                                                          \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

static struct session *
detect_ec2_get(struct detect *d, const struct ct_str *id)
{
	return session_get(&d->sessions, id->p, id->n, 1);
}

static void
detect_ec2_addips(struct detect *d, struct session *s,
                  const struct ct_event *ev)
{
	struct ip16 ip;
	int i;

	for (i = 0; i < ev->nips; i++)
		if (ip16_parse(ev->ips[i].p, ev->ips[i].n, &ip) == 0)
			detect_session_add(d, s, &ip, SIP_KNOWN);
}

/* Copy an interface's addresses to the instance it is attached to. */
static void
detect_ec2_copy(struct detect *d, struct session *eni)
{
	struct session *s;
	int i;

	if (eni->peer == NULL ||
	    (s = session_get(&d->sessions, eni->peer, strlen(eni->peer), 1)) ==
	        NULL)
		return;
	for (i = 0; i < eni->nips; i++)
		detect_session_add(d, s, &session_ip(eni, i)->ip, SIP_KNOWN);
}

static void
detect_ec2_attach(struct detect *d, struct session *eni,
                  const struct session *s)
{
	eni->peer = dmap_intern(&d->intern, s->id, strlen(s->id));
}

/* A launch names the instance's VPC, account and interfaces: later
 * calls on those interfaces are the instance's. */
static void
detect_ec2_launch(struct detect *d, const struct ct_event *ev,
                  struct session *s)
{
	const struct ct_str *vpc = &ev->f[CT_VPCID],
	                    *acct = &ev->f[CT_RECIPIENT];
	struct session *eni;
	int i;

	detect_ec2_addips(d, s, ev);
	if (vpc->n > 0 && s->vpc == NULL)
		s->vpc = dmap_intern(&d->intern, vpc->p, vpc->n);
	if (acct->n > 0 && s->account == NULL)
		s->account = dmap_intern(&d->intern, acct->p, acct->n);
	for (i = 0; i < ev->nenis; i++)
		if ((eni = detect_ec2_get(d, &ev->enis[i])) != NULL) {
			eni->flags |= SESS_ENI;
			detect_ec2_attach(d, eni, s);
		}
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

	if (STREQ(*name, "CreateNatGateway")) {
		detect_ec2_nat(d, ev);
		return;
	}
	if (ev->nenis > 0 && (eni = detect_ec2_get(d, &ev->enis[0])) != NULL)
		eni->flags |= SESS_ENI;
	s = ev->ninstances == 1 ? detect_ec2_get(d, &ev->instances[0]) : NULL;
	if (STREQ(*name, "RunInstances") && s != NULL)
		detect_ec2_launch(d, ev, s);
	else if (STREQ(*name, "AssociateAddress") && s != NULL) {
		detect_ec2_addips(d, s, ev);
		if (ev->nips == 0)
			s->flags |= SESS_RELEARN;
	} else if (STREQ(*name, "AttachNetworkInterface") && eni && s) {
		detect_ec2_attach(d, eni, s);
		detect_ec2_copy(d, eni);
	} else if ((STREQ(*name, "CreateNetworkInterface") ||
	            STREQ(*name, "AssignPrivateIpAddresses") ||
	            STREQ(*name, "AssignIpv6Addresses") ||
	            STREQ(*name, "AssociateAddress")) &&
	           eni != NULL) {
		detect_ec2_addips(d, eni, ev);
		detect_ec2_copy(d, eni);
	}
}
