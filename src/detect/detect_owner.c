/* Address owners (see detect_owner.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "detect/detect_map.h"
#include "detect/detect_owner.h"

static struct owner_slot *
owners_find(const struct owners *o, const struct ip16 *ip)
{
	size_t i = dmap_hash((const char *)ip->b, sizeof ip->b) & (o->cap - 1);

	while (o->v[i].s != NULL && ip16_cmp(&o->v[i].ip, ip) != 0)
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
		if (old.v[i].s != NULL)
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
	if ((o->n + 1) * 2 > o->cap)
		owners_grow(o);
	sl = owners_find(o, ip);
	if (sl->s == NULL)
		o->n++;
	else if (sl->evidence && !evidence && session_has(sl->s, ip))
		return;
	sl->ip = *ip;
	sl->s = s;
	sl->evidence = (uint8_t)(evidence != 0);
}

struct session *
owners_get(const struct owners *o, const struct ip16 *ip)
{
	struct owner_slot *sl;

	if (o->cap == 0)
		return NULL;
	sl = owners_find(o, ip);
	return sl->s != NULL && session_has(sl->s, ip) ? sl->s : NULL;
}

void
owners_free(struct owners *o)
{
	free(o->v);
	memset(o, 0, sizeof *o);
}
