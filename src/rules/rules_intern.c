/* Segment interning: every literal segment of every pattern gets a small
 * number at load, and a request's segments are looked up once per
 * request, so comparing a request with a thousand patterns is integer
 * compares, not string compares. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"
#include "common/xmalloc.h"

static uint32_t
rules_intern_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t
rules_intern_slot(const struct rules_intern *ri, const char *s, size_t len)
{
	size_t mask = ri->nslots - 1;
	size_t i = rules_intern_hash(s, len) & mask;
	uint32_t id;

	while ((id = ri->slots[i]) != 0) {
		if (ri->lens[id - 1] == len &&
		    memcmp(ri->strs[id - 1], s, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* Double the table (kept at most half full) and re-place every id. */
static void
rules_intern_grow(struct rules_intern *ri)
{
	size_t i, n = ri->nslots ? ri->nslots * 2 : 64;
	uint32_t id;

	free(ri->slots);
	ri->nslots = n;
	ri->slots = xcalloc(n, sizeof *ri->slots);
	for (id = 1; id <= ri->n; id++) {
		i = rules_intern_slot(ri, ri->strs[id - 1], ri->lens[id - 1]);
		ri->slots[i] = id;
	}
}

uint32_t
rules_intern_add(struct rules_intern *ri, const char *s, size_t len)
{
	size_t i;

	if ((ri->n + 1) * 2 > ri->nslots)
		rules_intern_grow(ri);
	i = rules_intern_slot(ri, s, len);
	if (ri->slots[i] != 0)
		return ri->slots[i];
	ri->strs = xreallocarray(ri->strs, ri->n + 1, sizeof *ri->strs);
	ri->lens = xreallocarray(ri->lens, ri->n + 1, sizeof *ri->lens);
	ri->strs[ri->n] = xstrndup(s, len);
	ri->lens[ri->n] = len;
	ri->slots[i] = (uint32_t)++ri->n;
	return ri->slots[i];
}

/* 0 for a segment no pattern names: it can only match "*" or "**". */
uint32_t
rules_intern_find(const struct rules_intern *ri, const char *s, size_t len)
{
	if (ri->nslots == 0)
		return 0;
	return ri->slots[rules_intern_slot(ri, s, len)];
}

void
rules_intern_free(struct rules_intern *ri)
{
	size_t i;

	for (i = 0; i < ri->n; i++)
		free(ri->strs[i]);
	free(ri->strs);
	free(ri->lens);
	free(ri->slots);
}
