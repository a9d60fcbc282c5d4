/* The session table (see session.h). */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/session.h"
#include "common/xmalloc.h"

struct session *
session_get(struct session_table *t, const char *id, size_t len, int create)
{
	char key[24];
	struct dmap_slot *d;
	struct session *s;
	size_t i;

	if (len == 0 || len >= sizeof key)
		return NULL;
	for (i = 0; i < len; i++)
		key[i] = (char)tolower((unsigned char)id[i]);
	key[len] = '\0';
	if (!create)
		return dmap_get(&t->map, key, len);
	d = dmap_put(&t->map, key, len);
	if (d->val == NULL) {
		s = xcalloc(1, sizeof *s);
		memcpy(s->id, key, len + 1);
		s->cap = SESSION_INLINE;
		d->val = s;
		t->count++;
	}
	return d->val;
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
session_has_class(const struct session *s, const struct ip16 *ip)
{
	return session_class_has(s, ip, 0xff);
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
	if (s->nips < s->cap)
		return s->cap > SESSION_INLINE ? s->more : s->ips;
	if (s->cap >= SESSION_MAXIPS)
		return NULL;
	if (s->cap == SESSION_INLINE) {
		s->more = xreallocarray(NULL, s->cap * 2, sizeof *s->more);
		memcpy(s->more, s->ips, sizeof s->ips);
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

static void
session_free(void *p)
{
	struct session *s = p;

	if (s->cap > SESSION_INLINE)
		free(s->more);
	free(s);
}

void
session_table_free(struct session_table *t)
{
	dmap_free(&t->map, session_free);
	t->count = 0;
}
