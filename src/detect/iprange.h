/* IP addresses as fixed 16-byte keys (IPv4 mapped into ::ffff:0:0/96)
 * and compact sorted range tables searched by bisection: AWS's
 * ip-ranges.json and custom threat lists. */
#ifndef IMDSGATE_IPRANGE_H
#define IMDSGATE_IPRANGE_H
#include <stddef.h>
#include <stdint.h>

struct ip16 {
	uint8_t b[16];
};

struct iprange {
	struct ip16 lo, hi;
};

struct iprange_set {
	struct iprange *r;
	size_t n, cap;
};

/* Parse a textual IPv4 or IPv6 address (not NUL-terminated). 0 or -1. */
int ip16_parse(const char *s, size_t n, struct ip16 *);
/* Private, shared, loopback or link-local: reachable only inside a VPC. */
int ip16_is_private(const struct ip16 *);
char *ip16_fmt(const struct ip16 *, char *out, size_t outlen);
int ip16_cmp(const struct ip16 *, const struct ip16 *);

/* "IP" or "IP/LEN". Returns 0 or -1. */
int iprange_add(struct iprange_set *, const char *s, size_t n);
/* Sort and merge; call once after the last add. */
void iprange_finish(struct iprange_set *);
int iprange_contains(const struct iprange_set *, const struct ip16 *);
void iprange_free(struct iprange_set *);
/* A threat list: one IP or CIDR per line, '#' comments. Errors name
 * FILE:LINE. Returns 0 or -1. */
int iprange_load_list(struct iprange_set *, const char *path, char *err,
                      size_t errlen);
/* AWS's ip-ranges.json: prefixes[].ip_prefix and ipv6_prefixes[]. */
int iprange_load_aws(struct iprange_set *, const char *path, char *err,
                     size_t errlen);
#endif
