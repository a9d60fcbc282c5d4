/* The string-keyed hash map (see detect_map.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "detect/detect_map.h"
#include "common/xmalloc.h"

/* FNV-1a: short keys, and no attacker gains from collisions here
 * beyond slower lookups in a bounded table. */
uint64_t
dmap_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static struct dmap_slot *
dmap_find(const struct dmap *m, const char *key, size_t len)
{
	size_t i = dmap_hash(key, len) & (m->cap - 1);

	while (m->s[i].key != NULL) {
		if (strncmp(m->s[i].key, key, len) == 0 &&
		    m->s[i].key[len] == '\0')
			return &m->s[i];
		i = (i + 1) & (m->cap - 1);
	}
	return &m->s[i];
}

void *
dmap_get(const struct dmap *m, const char *key, size_t len)
{
	return m->cap == 0 ? NULL : dmap_find(m, key, len)->val;
}

static void
dmap_grow(struct dmap *m)
{
	struct dmap old = *m;
	struct dmap_slot *d;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->s = xcalloc(m->cap, sizeof *m->s);
	for (i = 0; i < old.cap; i++)
		if (old.s[i].key != NULL) {
			d = dmap_find(m, old.s[i].key, strlen(old.s[i].key));
			*d = old.s[i];
		}
	free(old.s);
}

struct dmap_slot *
dmap_put(struct dmap *m, const char *key, size_t len)
{
	struct dmap_slot *d;

	if ((m->n + 1) * 2 > m->cap)
		dmap_grow(m);
	d = dmap_find(m, key, len);
	if (d->key == NULL) {
		d->key = xstrndup(key, len);
		d->val = NULL;
		m->n++;
	}
	return d;
}

const char *
dmap_intern(struct dmap *m, const char *s, size_t len)
{
	struct dmap_slot *d = dmap_put(m, s, len);

	return d->key;
}

void
dmap_free(struct dmap *m, void (*freeval)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->s[i].key != NULL) {
			if (freeval != NULL)
				freeval(m->s[i].val);
			free((char *)m->s[i].key);
		}
	free(m->s);
	memset(m, 0, sizeof *m);
}
