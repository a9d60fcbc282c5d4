/* Bounded duplicate-eventID set (see detect_dedup.h). */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_dedup.h"
#include "common/xmalloc.h"

/* An eventID (a UUID: 36 bytes) 8 bytes at a time; FNV-1a took a
 * multiply per byte. Deterministic: the same trail keeps the same
 * verdicts. */
static uint64_t
dedup_hash(const char *id, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL), w;

	for (; len >= 8; id += 8, len -= 8) {
		memcpy(&w, id, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	w = 0;
	memcpy(&w, id, len);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

void
dedup_init(struct dedup *d)
{
	d->t = NULL;
	d->cur = 0;
	d->n = 0;
}

/* Ids that differ only in their last characters (as CloudTrail's often
 * do) must not land close together: mix again before taking the slot, or
 * linear probing walks long clusters. */
static size_t
dedup_index(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & (DEDUP_SLOTS - 1);
}

/* Linear probing in generation g; 0 marks an empty slot, so no hash is
 * 0. */
static uint64_t *
dedup_slot(struct dedup_pair *t, int g, uint64_t h)
{
	size_t i = dedup_index(h);

	while (t[i].g[g] != 0 && t[i].g[g] != h)
		i = (i + 1) & (DEDUP_SLOTS - 1);
	return &t[i].g[g];
}

#define DEDUP_BYTES (DEDUP_SLOTS * sizeof(struct dedup_pair))

/* Ids land on random slots, so a run soon touches every page of the
 * 16 MiB table: 4,096 page faults of 4 KiB, and under this hypervisor a
 * fault costs tens of microseconds (0.1 s of sys time a run). In huge
 * pages (xcalloc_big): 8 faults. */
static struct dedup_pair *
dedup_alloc(void)
{
	return xcalloc_big(DEDUP_BYTES);
}

/* The table is allocated here, on first use: --help and --v1-report
 * never pay for it. */
uint64_t
dedup_key(struct dedup *d, const char *id, size_t len)
{
	if (d->t == NULL)
		d->t = dedup_alloc();
	return dedup_hash(id, len) | 1;
}

void
dedup_prefetch(const struct dedup *d, uint64_t h)
{
	__builtin_prefetch(&d->t[dedup_index(h)]);
}

/* The older generation is forgotten by clearing its half of each pair. */
static void
dedup_switch(struct dedup *d)
{
	size_t i;

	d->cur ^= 1;
	for (i = 0; i < DEDUP_SLOTS; i++)
		d->t[i].g[d->cur] = 0;
	d->n = 0;
}

int
dedup_check(struct dedup *d, uint64_t h)
{
	uint64_t *s;

	if (*dedup_slot(d->t, d->cur ^ 1, h) == h)
		return 1;
	s = dedup_slot(d->t, d->cur, h);
	if (*s == h)
		return 1;
	*s = h;
	if (++d->n >= DEDUP_SLOTS / 2)
		dedup_switch(d);
	return 0;
}

int
dedup_seen(struct dedup *d, const char *id, size_t len)
{
	return dedup_check(d, dedup_key(d, id, len));
}

void
dedup_free(struct dedup *d)
{
	if (d->t != NULL)
		xfree_big(d->t, DEDUP_BYTES);
	dedup_init(d);
}
