/* Range tables of IP addresses (see iprange.h). */
#include "config.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "detect/iprange.h"
#include "common/xmalloc.h"

/* A dotted quad read exactly as inet_pton(AF_INET) reads one (four
 * parts, each at most 255 without a leading zero, the text ending at a
 * NUL), without the copy and the call: every event's source address is
 * parsed, and inet_pton4 was 3% of the detector's profile. */
static int
ip16_parse4(const char *s, size_t n, uint8_t *dst)
{
	uint8_t tmp[4];
	unsigned v = 0;
	int parts = 0, digits = 0;
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (digits > 0 && v == 0)
				return -1;
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255 || (digits++ == 0 && ++parts > 4))
				return -1;
		} else if (s[i] == '.' && digits > 0 && parts < 4) {
			tmp[parts - 1] = (uint8_t)v;
			v = 0;
			digits = 0;
		} else
			return -1;
	}
	if (parts < 4)
		return -1;
	tmp[3] = (uint8_t)v;
	memcpy(dst, tmp, 4);
	return 0;
}

int
ip16_parse(const char *s, size_t n, struct ip16 *ip)
{
	char tmp[64];

	if (n == 0 || n >= sizeof tmp)
		return -1;
	if (memchr(s, ':', n) == NULL) {
		memset(ip->b, 0, 10);
		ip->b[10] = ip->b[11] = 0xff;
		return ip16_parse4(s, n, ip->b + 12);
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, ip->b) == 1 ? 0 : -1;
}

static int
ip16_is_v4(const struct ip16 *ip)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0,    0,
	                                0, 0, 0, 0, 0xff, 0xff};

	return memcmp(ip->b, pfx, 12) == 0;
}

int
ip16_is_private(const struct ip16 *ip)
{
	const uint8_t *a = ip->b + 12;

	if (ip16_is_v4(ip))
		return a[0] == 10 || a[0] == 127 ||
		       (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) ||
		       (a[0] == 169 && a[1] == 254) ||
		       (a[0] == 100 && (a[1] & 0xc0) == 64);
	return (ip->b[0] & 0xfe) == 0xfc ||
	       (ip->b[0] == 0xfe && (ip->b[1] & 0xc0) == 0x80);
}

char *
ip16_fmt(const struct ip16 *ip, char *out, size_t outlen)
{
	if (ip16_is_v4(ip))
		inet_ntop(AF_INET, ip->b + 12, out, outlen);
	else
		inet_ntop(AF_INET6, ip->b, out, outlen);
	return out;
}

int
ip16_cmp(const struct ip16 *a, const struct ip16 *b)
{
	return memcmp(a->b, b->b, 16);
}

int
iprange_add(struct iprange_set *set, const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	struct iprange r;
	long len;
	char *end, num[8];
	int i, bits;

	if (ip16_parse(s, slash ? (size_t)(slash - s) : n, &r.lo) != 0)
		return -1;
	bits = 128;
	if (slash != NULL) {
		if ((size_t)(s + n - slash - 1) >= sizeof num ||
		    s + n == slash + 1)
			return -1;
		memcpy(num, slash + 1, s + n - slash - 1);
		num[s + n - slash - 1] = '\0';
		len = strtol(num, &end, 10);
		if (*end != '\0' || len < 0 ||
		    len > (memchr(s, ':', slash - s) ? 128 : 32))
			return -1;
		bits = memchr(s, ':', slash - s) ? (int)len : (int)len + 96;
	}
	r.hi = r.lo;
	for (i = bits; i < 128; i++) {
		r.lo.b[i / 8] &= ~(0x80 >> (i % 8));
		r.hi.b[i / 8] |= 0x80 >> (i % 8);
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 64;
		set->r = xreallocarray(set->r, set->cap, sizeof *set->r);
	}
	set->r[set->n++] = r;
	return 0;
}

static int
iprange_cmp(const void *a, const void *b)
{
	return ip16_cmp(&((const struct iprange *)a)->lo,
	                &((const struct iprange *)b)->lo);
}

/* Merge overlapping ranges so that bisection finds at most one. */
void
iprange_finish(struct iprange_set *set)
{
	size_t i, o = 0;

	if (set->n == 0)
		return;
	qsort(set->r, set->n, sizeof *set->r, iprange_cmp);
	for (i = 1; i < set->n; i++) {
		if (ip16_cmp(&set->r[i].lo, &set->r[o].hi) <= 0) {
			if (ip16_cmp(&set->r[i].hi, &set->r[o].hi) > 0)
				set->r[o].hi = set->r[i].hi;
		} else
			set->r[++o] = set->r[i];
	}
	set->n = o + 1;
}

int
iprange_contains(const struct iprange_set *set, const struct ip16 *ip)
{
	size_t lo = 0, hi = set->n, mid;

	while (lo < hi) { /* first range with lo > ip */
		mid = lo + (hi - lo) / 2;
		if (ip16_cmp(&set->r[mid].lo, ip) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && ip16_cmp(ip, &set->r[lo - 1].hi) <= 0;
}

void
iprange_free(struct iprange_set *set)
{
	free(set->r);
	memset(set, 0, sizeof *set);
}
