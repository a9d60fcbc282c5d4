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
	d->gen[0] = d->gen[1] = NULL;
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

/* Linear probing; 0 marks an empty slot, so no hash is 0. */
static uint64_t *
dedup_slot(uint64_t *t, uint64_t h)
{
	size_t i = dedup_index(h);

	while (t[i] != 0 && t[i] != h)
		i = (i + 1) & (DEDUP_SLOTS - 1);
	return &t[i];
}

/* The tables are allocated here, on first use: --help and --v1-report
 * never pay for them. */
uint64_t
dedup_key(struct dedup *d, const char *id, size_t len)
{
	uint64_t h = dedup_hash(id, len) | 1;
	size_t i = dedup_index(h);

	if (d->gen[0] == NULL) {
		d->gen[0] = xcalloc(DEDUP_SLOTS, sizeof *d->gen[0]);
		d->gen[1] = xcalloc(DEDUP_SLOTS, sizeof *d->gen[1]);
	}
	__builtin_prefetch(&d->gen[0][i]);
	__builtin_prefetch(&d->gen[1][i]);
	return h;
}

int
dedup_check(struct dedup *d, uint64_t h)
{
	uint64_t *s, *tmp;

	if (*dedup_slot(d->gen[1], h) == h)
		return 1;
	s = dedup_slot(d->gen[0], h);
	if (*s == h)
		return 1;
	*s = h;
	if (++d->n >= DEDUP_SLOTS / 2) {
		tmp = d->gen[1];
		memset(tmp, 0, DEDUP_SLOTS * sizeof *tmp);
		d->gen[1] = d->gen[0];
		d->gen[0] = tmp;
		d->n = 0;
	}
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
	free(d->gen[0]);
	free(d->gen[1]);
}
