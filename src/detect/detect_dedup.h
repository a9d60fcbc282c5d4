/* Duplicate CloudTrail eventIDs, remembered in bounded memory: two
 * generations of 64-bit hashes, 2^20 slots each (16 MiB in all); the
 * older is dropped when the newer is half full, so at least the last
 * 524,288 distinct ids are always remembered. */
#ifndef IMDSGATE_DETECT_DEDUP_H
#define IMDSGATE_DETECT_DEDUP_H
#include <stddef.h>
#include <stdint.h>

#define DEDUP_SLOTS ((size_t)1 << 20)

/* Slot i of both generations side by side: a lookup reads one cache
 * line and one page, not two of each. */
struct dedup_pair {
	uint64_t g[2];
};

struct dedup {
	struct dedup_pair *t; /* DEDUP_SLOTS pairs */
	int cur;              /* g[cur] is the newer generation */
	size_t n;             /* entries in the newer */
};

void dedup_init(struct dedup *);
/* 1 when id was seen before; otherwise remember it and return 0. */
int dedup_seen(struct dedup *, const char *id, size_t len);
/* dedup_seen in steps, so that the table's cache misses overlap each
 * other: the id's key (never 0); its slots fetched; then, later, in the
 * order the ids came, the verdict. */
uint64_t dedup_key(struct dedup *, const char *id, size_t len);
void dedup_prefetch(const struct dedup *, uint64_t key);
int dedup_check(struct dedup *, uint64_t key);
void dedup_free(struct dedup *);
#endif
