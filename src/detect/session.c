/* The session table (see session.h). */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_vpc.h"
#include "detect/session.h"
#include "common/xmalloc.h"

/* The slot for key (of hash h): its session's, or the empty one it would
 * take. The same hash, probing and growth as the map it replaced, so
 * sessions are visited (--state saved, owners indexed) in the same order
 * as before. */
static struct session_slot *
session_slot(const struct session_table *t, uint64_t h, const char *key,
             size_t len)
{
	size_t i = h & (t->cap - 1);
	struct session_slot *sl;

	while ((sl = &t->slot[i])->s != NULL) {
		if (sl->hash == h && memcmp(sl->s->id, key, len) == 0 &&
		    sl->s->id[len] == '\0')
			return sl;
		i = (i + 1) & (t->cap - 1);
	}
	return sl;
}

/* Twice the slots, each moved by its kept hash (no session is read). */
static void
session_grow(struct session_table *t)
{
	struct session_slot *old = t->slot;
	size_t i, j, ocap = t->cap;

	t->cap = ocap ? ocap * 2 : 64;
	t->slot = xcalloc_big(t->cap * sizeof *t->slot);
	for (i = 0; i < ocap; i++) {
		if (old[i].s == NULL)
			continue;
		j = old[i].hash & (t->cap - 1);
		while (t->slot[j].s != NULL)
			j = (j + 1) & (t->cap - 1);
		t->slot[j] = old[i];
	}
	xfree_big(old, ocap * sizeof *old);
}

/* A zeroed session from the current block (a new block when full). */
static struct session *
session_alloc(struct session_table *t)
{
	struct session_block *b = t->blocks;
	size_t cap;

	if (b == NULL || b->used == b->cap) {
		cap = b == NULL ? SESSION_BLOCK : b->cap * 2;
		if (cap > SESSION_BLOCK_MAX)
			cap = SESSION_BLOCK_MAX;
		b = xcalloc_big(sizeof *b + cap * sizeof b->s[0]);
		b->cap = cap;
		b->next = t->blocks;
		t->blocks = b;
	}
	return &b->s[b->used++];
}

struct session *
session_get(struct session_table *t, const char *id, size_t len, int create)
{
	char key[24];
	struct session_slot *sl;
	struct session *s;
	uint64_t h;
	size_t i;

	if (len == 0 || len >= sizeof key)
		return NULL;
	for (i = 0; i < len; i++)
		key[i] = (char)tolower((unsigned char)id[i]);
	key[len] = '\0';
	h = dmap_hash(key, len);
	if (!create)
		return t->cap == 0 ? NULL : session_slot(t, h, key, len)->s;
	if ((t->count + 1) * 2 > t->cap)
		session_grow(t);
	sl = session_slot(t, h, key, len);
	if (sl->s == NULL) {
		s = sl->s = session_alloc(t);
		sl->hash = h;
		memcpy(s->id, key, len + 1);
		s->cap = SESSION_INLINE;
		t->count++;
	}
	return sl->s;
}

struct session *
session_next(const struct session_table *t, size_t *i)
{
	while (*i < t->cap)
		if (t->slot[(*i)++].s != NULL)
			return t->slot[*i - 1].s;
	return NULL;
}

const struct sip *
session_ip(const struct session *s, int i)
{
	return s->cap > SESSION_INLINE ? &s->more[i] : &s->ips[i];
}

const struct sip *
session_find(const struct session *s, const struct ip16 *ip)
{
	int i;

	for (i = 0; i < s->nips; i++)
		if (ip16_cmp(&session_ip(s, i)->ip, ip) == 0)
			return session_ip(s, i);
	return NULL;
}

int
session_has(const struct session *s, const struct ip16 *ip)
{
	return session_find(s, ip) != NULL;
}

enum sclass
session_class(const struct ip16 *ip)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0,    0,
	                               0, 0, 0, 0, 0xff, 0xff};

	return (enum sclass)(ip16_is_private(ip) * 2 +
	                     (memcmp(ip->b, v4, 12) != 0));
}

const char *
session_class_name(enum sclass c)
{
	static const char *names[] = {"public IPv4", "public IPv6",
	                              "private IPv4", "private IPv6"};

	return names[c];
}

int
session_class_has(const struct session *s, const struct ip16 *ip, uint8_t flags)
{
	enum sclass c = session_class(ip);
	const struct sip *v;
	int i;

	for (i = 0; i < s->nips; i++) {
		v = session_ip(s, i);
		if ((v->flags & flags) && session_class(&v->ip) == c)
			return 1;
	}
	return 0;
}

int
session_any(const struct session *s, uint8_t flags)
{
	int i;

	for (i = 0; i < s->nips; i++)
		if ((session_ip(s, i)->flags & flags) == flags)
			return 1;
	return 0;
}

int
session_unproven(const struct session *s)
{
	const struct sip *v;
	int i;

	for (i = 0; i < s->nips; i++) {
		v = session_ip(s, i);
		if ((v->flags & (SIP_LEARNED | SIP_KNOWN)) == SIP_LEARNED)
			return 1;
	}
	return 0;
}

/* Spill the inline IPs to the heap once an entry holds more. */
static struct sip *
session_room(struct session *s)
{
	struct sip *more;

	if (s->nips < s->cap)
		return s->cap > SESSION_INLINE ? s->more : s->ips;
	if (s->cap >= SESSION_MAXIPS)
		return NULL;
	if (s->cap == SESSION_INLINE) {
		more = xreallocarray(NULL, s->cap * 2, sizeof *more);
		memcpy(more, s->ips, sizeof s->ips); /* before more overlays */
		s->more = more;
	} else
		s->more = xreallocarray(s->more, s->cap * 2, sizeof *s->more);
	s->cap *= 2;
	return s->more;
}

void
session_add(struct session *s, const struct ip16 *ip, uint8_t flags)
{
	struct sip *v;
	int i;

	for (i = 0; i < s->nips; i++) {
		v = (struct sip *)session_ip(s, i);
		if (ip16_cmp(&v->ip, ip) == 0) {
			v->flags |= flags;
			return;
		}
	}
	if ((v = session_room(s)) == NULL)
		return;
	v[s->nips].ip = *ip;
	v[s->nips].flags = flags;
	s->nips++;
}

void
session_expire(struct session *s, int64_t now)
{
	struct sip *v;
	int i, o = 0;

	if (s->expires == 0 || now <= s->expires)
		return;
	v = s->cap > SESSION_INLINE ? s->more : s->ips;
	for (i = 0; i < s->nips; i++)
		if (v[i].flags & SIP_KNOWN)
			v[o++] = v[i];
	s->nips = (uint8_t)o;
	s->expires = 0;
}

char *
session_ips_fmt(const struct session *s, char *out, size_t len)
{
	char ip[64];
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < s->nips && o + sizeof ip + 2 < len; i++) {
		ip16_fmt(&session_ip(s, i)->ip, ip, sizeof ip);
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "",
		                      ip);
	}
	return out;
}

void
session_table_free(struct session_table *t)
{
	struct session_block *b;
	struct session *s;
	size_t i = 0;

	while ((s = session_next(t, &i)) != NULL) {
		if (s->cap > SESSION_INLINE)
			free(s->more);
		if (s->scope != NULL)
			detect_vpc_scope_free(s->scope);
	}
	while ((b = t->blocks) != NULL) {
		t->blocks = b->next;
		xfree_big(b, sizeof *b + b->cap * sizeof b->s[0]);
	}
	xfree_big(t->slot, t->cap * sizeof *t->slot);
	memset(t, 0, sizeof *t);
}
