/* What the detector learns per VPC (or, without one, per session): the
 * public addresses its private instances reach AWS from (NAT egress) and
 * the VPC endpoints they use, one set per service. */
#ifndef IMDSGATE_DETECT_VPC_H
#define IMDSGATE_DETECT_VPC_H
#include <stddef.h>
#include <stdint.h>

#include "detect/ct_json.h"
#include "detect/detect_map.h"
#include "detect/iprange.h"

#define VPC_MAXEGRESS 32    /* egress addresses kept per VPC */
#define VPC_MAXENDPOINTS 64 /* endpoint ids kept per VPC */

struct vpc_endpoint {
	const char *service; /* interned eventSource */
	char id[32];         /* "vpce-…" */
};

/* Egress flags. */
#define VPC_SEEN 0x01    /* used by an instance of the VPC: locks it */
#define VPC_GATEWAY 0x02 /* a NAT gateway's address from CreateNatGateway */

struct vpc_egress {
	struct ip16 ip;
	uint8_t flags; /* VPC_SEEN, VPC_GATEWAY */
};

/* Small until used: most scopes are a session's own (no VPC known),
 * which hold an endpoint or two and never an egress address; a fixed
 * egress array made each of those 568 bytes (issue 18). 24 bytes. */
struct vpc_scope {
	struct vpc_egress *egress; /* negress of them, grown on demand */
	struct vpc_endpoint *ep;
	uint8_t negress, nep; /* at most VPC_MAXEGRESS, VPC_MAXENDPOINTS */
};

/* Find or create the scope named id ("vpc-…", or a session id). */
struct vpc_scope *detect_vpc_get(struct dmap *, const char *id);
/* NAT egress: 0 when ip may be used (known, or the first of its family
 * seen in use, which is then learnt), -1 when instances of the VPC were
 * seen using other addresses of that family and ip is not a known one. */
int detect_vpc_egress(struct vpc_scope *, const struct ip16 *);
void detect_vpc_add_egress(struct vpc_scope *, const struct ip16 *,
                           uint8_t flags);
/* Whether ip is a known egress of the VPC (seen in use by one of its
 * instances, or a NAT gateway's): evidence, learning nothing. */
int detect_vpc_egress_known(const struct vpc_scope *, const struct ip16 *);
/* An endpoint used for a service: 0 known or learnt (first for that
 * service), -1 when the service's endpoints are known and id is new. */
int detect_vpc_endpoint(struct vpc_scope *, const char *service,
                        const struct ct_str *id);
/* Add without checking (state loading, EC2 calls). */
void detect_vpc_add_endpoint(struct vpc_scope *, const char *service,
                             const char *id, size_t idlen);
void detect_vpc_scope_free(struct vpc_scope *);
void detect_vpc_free(struct dmap *);
#endif
