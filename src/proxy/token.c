/* The token table: an open hash of 128-bit keyed hashes. The key is
 * random per process so nobody can precompute colliding tokens, and a
 * memory dump never shows a usable token. Each uid owns its entries,
 * oldest first, within a quota; a full table takes room from the uid that
 * holds the most, so one user minting tokens by the thousand cannot push
 * out another user's token. Every insert is O(1). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <time.h>

#include "common/xmalloc.h"
#include "proxy/token.h"

#define TOKEN_BUCKETS 8192
#define TOKEN_OWNER_BUCKETS 256

struct token_owner;

struct token_entry {
	uint64_t h[2];
	int64_t expires_ms;
	struct token_owner *owner;
	LIST_ENTRY(token_entry) chain; /* hash bucket */
	TAILQ_ENTRY(token_entry) age;  /* the owner's, oldest first */
};

struct token_owner {
	uid_t uid;
	size_t count;
	TAILQ_HEAD(, token_entry) tokens;
	LIST_ENTRY(token_owner) chain; /* uid hash bucket */
	LIST_ENTRY(token_owner) level; /* owners holding as many */
};

LIST_HEAD(token_chain, token_entry);
LIST_HEAD(token_owners, token_owner);

struct token_table {
	/* bucket and level are allocated with the first token: an idle
	 * daemon does not carry their 100 kB */
	struct token_chain *bucket; /* [TOKEN_BUCKETS] */
	struct token_owners owners[TOKEN_OWNER_BUCKETS];
	/* level[n]: the owners holding n tokens; top: the highest level
	 * that has one (what a full table takes from) */
	struct token_owners *level; /* [TOKEN_MAX_PER_UID + 1] */
	size_t top;
	uint64_t key[2];
	size_t count;
};

int64_t
token_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a seeded with a secret key, finished with a strong mixer: keyed so
 * that equal hashes mean equal tokens for every practical purpose. */
static uint64_t
token_hash1(uint64_t key, const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ key;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	h ^= len;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static void
token_hash(const struct token_table *t, const char *s, size_t len,
           uint64_t h[2])
{
	h[0] = token_hash1(t->key[0], s, len);
	h[1] = token_hash1(t->key[1], s, len);
}

struct token_table *
token_new(void)
{
	struct token_table *t = xcalloc(1, sizeof *t);

	if (getrandom(t->key, sizeof t->key, 0) != sizeof t->key) {
		t->key[0] = (uint64_t)token_now_ms() * 0x9e3779b97f4a7c15ULL;
		t->key[1] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)t;
	}
	return t;
}

/* The uid's owner record, made on first use when make is set. */
static struct token_owner *
token_owner(struct token_table *t, uid_t uid, int make)
{
	struct token_owners *b = &t->owners[uid % TOKEN_OWNER_BUCKETS];
	struct token_owner *o;

	LIST_FOREACH(o, b, chain)
	if (o->uid == uid)
		return o;
	if (!make)
		return NULL;
	o = xcalloc(1, sizeof *o);
	o->uid = uid;
	TAILQ_INIT(&o->tokens);
	LIST_INSERT_HEAD(b, o, chain);
	LIST_INSERT_HEAD(&t->level[0], o, level);
	return o;
}

/* Move an owner to the level of its new count, keeping top right. */
static void
token_level(struct token_table *t, struct token_owner *o, size_t count)
{
	LIST_REMOVE(o, level);
	o->count = count;
	LIST_INSERT_HEAD(&t->level[count], o, level);
	if (count > t->top)
		t->top = count;
	while (t->top > 0 && LIST_EMPTY(&t->level[t->top]))
		t->top--;
}

/* Unlink and free one entry; an owner left with none goes too. */
static void
token_drop(struct token_table *t, struct token_entry *e)
{
	struct token_owner *o = e->owner;

	LIST_REMOVE(e, chain);
	TAILQ_REMOVE(&o->tokens, e, age);
	token_level(t, o, o->count - 1);
	t->count--;
	free(e);
	if (o->count == 0) {
		LIST_REMOVE(o, chain);
		LIST_REMOVE(o, level);
		free(o);
	}
}

void
token_free(struct token_table *t)
{
	struct token_entry *e;

	if (t == NULL)
		return;
	for (size_t i = 0; t->bucket != NULL && i < TOKEN_BUCKETS; i++)
		while ((e = LIST_FIRST(&t->bucket[i])) != NULL)
			token_drop(t, e);
	free(t->bucket);
	free(t->level);
	explicit_bzero(t, sizeof *t);
	free(t);
}

static struct token_entry *
token_find(struct token_table *t, const uint64_t h[2])
{
	struct token_entry *e;

	if (t->bucket == NULL)
		return NULL;
	LIST_FOREACH(e, &t->bucket[h[0] % TOKEN_BUCKETS], chain)
	if (e->h[0] == h[0] && e->h[1] == h[1])
		return e;
	return NULL;
}

/* Make room for one more token of uid: its own oldest goes when it is at
 * its quota; when the table is full, the oldest of whoever holds the
 * most (uid itself when nobody holds more), so a uid only loses a token
 * to another uid that holds fewer than it does. */
static void
token_room(struct token_table *t, uid_t uid)
{
	struct token_owner *o = token_owner(t, uid, 0), *heavy;

	if (o != NULL && o->count >= TOKEN_MAX_PER_UID) {
		token_drop(t, TAILQ_FIRST(&o->tokens));
		return;
	}
	if (t->count < TOKEN_MAX_ENTRIES)
		return;
	heavy = LIST_FIRST(&t->level[t->top]);
	if (o != NULL && (heavy == NULL || heavy->count <= o->count))
		heavy = o;
	if (heavy != NULL)
		token_drop(t, TAILQ_FIRST(&heavy->tokens));
}

void
token_add(struct token_table *t, const char *tok, size_t len, uid_t uid,
          int64_t expires_ms)
{
	struct token_entry *e;
	struct token_owner *o;
	uint64_t h[2];

	if (t->bucket == NULL) {
		t->bucket = xcalloc(TOKEN_BUCKETS, sizeof *t->bucket);
		t->level = xcalloc(TOKEN_MAX_PER_UID + 1, sizeof *t->level);
	}
	token_hash(t, tok, len, h);
	if ((e = token_find(t, h)) != NULL) /* re-issued: owner and expiry */
		token_drop(t, e);
	token_room(t, uid);
	o = token_owner(t, uid, 1);
	e = xcalloc(1, sizeof *e);
	e->h[0] = h[0];
	e->h[1] = h[1];
	e->expires_ms = expires_ms;
	e->owner = o;
	LIST_INSERT_HEAD(&t->bucket[h[0] % TOKEN_BUCKETS], e, chain);
	TAILQ_INSERT_TAIL(&o->tokens, e, age);
	token_level(t, o, o->count + 1);
	t->count++;
}

enum token_verdict
token_check(struct token_table *t, const char *tok, size_t len, uid_t uid,
            int64_t now_ms)
{
	struct token_entry *e;
	uint64_t h[2];

	token_hash(t, tok, len, h);
	if ((e = token_find(t, h)) == NULL)
		return TOKEN_UNKNOWN;
	if (now_ms >= e->expires_ms)
		return TOKEN_EXPIRED;
	if (e->owner->uid != uid)
		return TOKEN_OTHER_UID;
	return TOKEN_OK;
}

size_t
token_expire(struct token_table *t, int64_t now_ms)
{
	struct token_entry *e, *n;

	for (size_t i = 0; t->bucket != NULL && i < TOKEN_BUCKETS; i++)
		for (e = LIST_FIRST(&t->bucket[i]); e != NULL; e = n) {
			n = LIST_NEXT(e, chain);
			if (now_ms >= e->expires_ms)
				token_drop(t, e);
		}
	return t->count;
}

size_t
token_count(const struct token_table *t)
{
	return t->count;
}

/* How many live entries uid holds (for tests and diagnostics). */
size_t
token_count_uid(struct token_table *t, uid_t uid)
{
	struct token_owner *o = token_owner(t, uid, 0);

	return o != NULL ? o->count : 0;
}

const char *
token_verdict_str(enum token_verdict v)
{
	switch (v) {
	case TOKEN_OK:
		return "token ok";
	case TOKEN_UNKNOWN:
		return "unknown token";
	case TOKEN_EXPIRED:
		return "expired token";
	case TOKEN_OTHER_UID:
		return "token issued to another uid";
	}
	return "token";
}
