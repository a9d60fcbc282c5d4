/* Address owners (see detect_owner.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "detect/detect_map.h"
#include "detect/detect_owner.h"

_Static_assert(_Alignof(struct session) >= 2, "the evidence bit needs it");

/* The slot's session, without the evidence bit. */
static struct session *
owners_session(const struct owner_slot *sl)
{
	return (struct session *)(sl->s & ~(uintptr_t)1);
}

static struct owner_slot *
owners_find(const struct owners *o, const struct ip16 *ip)
{
	size_t i = dmap_hash((const char *)ip->b, sizeof ip->b) & (o->cap - 1);

	while (o->v[i].s != 0 && ip16_cmp(&o->v[i].ip, ip) != 0)
		i = (i + 1) & (o->cap - 1);
	return &o->v[i];
}

static void
owners_grow(struct owners *o)
{
	struct owners old = *o;
	size_t i;

	o->cap = old.cap ? old.cap * 2 : 256;
	o->v = xcalloc(o->cap, sizeof *o->v);
	for (i = 0; i < old.cap; i++)
		if (old.v[i].s != 0)
			*owners_find(o, &old.v[i].ip) = old.v[i];
	free(old.v);
}

void
owners_set(struct owners *o, const struct ip16 *ip, struct session *s,
           int evidence)
{
	struct owner_slot *sl;

	if (ip16_is_private(ip))
		return; /* the same private range is in every VPC */
	if ((o->n + 1) * 4 > o->cap * 3) /* linear probing copes at 3/4 */
		owners_grow(o);
	sl = owners_find(o, ip);
	if (sl->s == 0)
		o->n++;
	else if ((sl->s & 1) && !evidence &&
	         session_has(owners_session(sl), ip))
		return;
	sl->ip = *ip;
	sl->s = (uintptr_t)s | (evidence != 0);
}

struct session *
owners_get(const struct owners *o, const struct ip16 *ip)
{
	struct owner_slot *sl;

	if (o->cap == 0)
		return NULL;
	sl = owners_find(o, ip);
	return sl->s != 0 && session_has(owners_session(sl), ip)
	           ? owners_session(sl)
	           : NULL;
}

void
owners_free(struct owners *o)
{
	free(o->v);
	memset(o, 0, sizeof *o);
}
