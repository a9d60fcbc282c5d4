/* A string-keyed hash map (open addressing, power-of-two sizes) used to
 * intern strings and to index access keys, findings and sessions. */
#ifndef IMDSGATE_DETECT_MAP_H
#define IMDSGATE_DETECT_MAP_H
#include <stddef.h>
#include <stdint.h>

struct dmap_slot {
	const char *key; /* owned copy, NUL-terminated */
	void *val;
};

struct dmap {
	struct dmap_slot *s;
	size_t n, cap;
};

uint64_t dmap_hash(const char *, size_t);
void *dmap_get(const struct dmap *, const char *key, size_t len);
/* The slot for key, created with val NULL if absent. */
struct dmap_slot *dmap_put(struct dmap *, const char *key, size_t len);
/* One shared copy of s[0..len). */
const char *dmap_intern(struct dmap *, const char *s, size_t len);
void dmap_free(struct dmap *, void (*freeval)(void *));
#endif
