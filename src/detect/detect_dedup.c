/* Bounded duplicate-eventID set (see detect_dedup.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "detect/detect_dedup.h"
#include "detect/detect_map.h"
#include "common/xmalloc.h"

/* The tables are allocated on first use: --help and --v1-report never
 * pay for them. */
void
dedup_init(struct dedup *d)
{
	d->gen[0] = d->gen[1] = NULL;
	d->n = 0;
}

/* FNV-1a leaves ids that differ only in their last characters (as
 * CloudTrail's often do) close together in the middle bits: mix before
 * taking the slot, or linear probing walks long clusters. */
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

int
dedup_seen(struct dedup *d, const char *id, size_t len)
{
	uint64_t h = dmap_hash(id, len) | 1, *s, *tmp;
	size_t i = dedup_index(h);

	if (d->gen[0] == NULL) {
		d->gen[0] = xcalloc(DEDUP_SLOTS, sizeof *d->gen[0]);
		d->gen[1] = xcalloc(DEDUP_SLOTS, sizeof *d->gen[1]);
	}
	/* Both generations miss the cache alike: overlap the two misses. */
	__builtin_prefetch(&d->gen[0][i]);
	__builtin_prefetch(&d->gen[1][i]);
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

void
dedup_free(struct dedup *d)
{
	free(d->gen[0]);
	free(d->gen[1]);
}
