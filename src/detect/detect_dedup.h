/* Duplicate CloudTrail eventIDs, remembered in bounded memory: two
 * generations of 64-bit hashes, 2^20 slots each (16 MiB in all); the
 * older is dropped when the newer is half full, so at least the last
 * 524,288 distinct ids are always remembered. */
#ifndef IMDSGATE_DETECT_DEDUP_H
#define IMDSGATE_DETECT_DEDUP_H
#include <stddef.h>
#include <stdint.h>

#define DEDUP_SLOTS ((size_t)1 << 20)

struct dedup {
	uint64_t *gen[2]; /* gen[0] is the newer */
	size_t n;         /* entries in gen[0] */
};

void dedup_init(struct dedup *);
/* 1 when id was seen before; otherwise remember it and return 0. */
int dedup_seen(struct dedup *, const char *id, size_t len);
/* dedup_seen in two steps, so that the table's cache misses overlap
 * other work: the id's key (never 0) and its slots fetched, then, later,
 * the verdict. */
uint64_t dedup_key(struct dedup *, const char *id, size_t len);
int dedup_check(struct dedup *, uint64_t key);
void dedup_free(struct dedup *);
#endif
