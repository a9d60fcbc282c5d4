/* The token table: an open hash of 128-bit keyed hashes. The key is
 * random per process so nobody can precompute colliding tokens, and a
 * memory dump never shows a usable token. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "proxy/token.h"
#include "common/xmalloc.h"

#define TOKEN_BUCKETS 4096

struct token_entry {
	uint64_t h[2];
	uid_t uid;
	int64_t expires_ms;
	struct token_entry *next;
};

struct token_table {
	struct token_entry *bucket[TOKEN_BUCKETS];
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

void
token_free(struct token_table *t)
{
	struct token_entry *e, *n;

	if (t == NULL)
		return;
	for (size_t i = 0; i < TOKEN_BUCKETS; i++)
		for (e = t->bucket[i]; e != NULL; e = n) {
			n = e->next;
			free(e);
		}
	explicit_bzero(t, sizeof *t);
	free(t);
}

/* Unlink the entry that expires first (the table is full). */
static void
token_evict(struct token_table *t)
{
	struct token_entry **best = NULL, **pp;

	for (size_t i = 0; i < TOKEN_BUCKETS; i++)
		for (pp = &t->bucket[i]; *pp != NULL; pp = &(*pp)->next)
			if (best == NULL ||
			    (*pp)->expires_ms < (*best)->expires_ms)
				best = pp;
	if (best != NULL) {
		struct token_entry *e = *best;
		*best = e->next;
		free(e);
		t->count--;
	}
}

static struct token_entry *
token_find(struct token_table *t, const uint64_t h[2])
{
	struct token_entry *e;

	for (e = t->bucket[h[0] % TOKEN_BUCKETS]; e != NULL; e = e->next)
		if (e->h[0] == h[0] && e->h[1] == h[1])
			return e;
	return NULL;
}

void
token_add(struct token_table *t, const char *tok, size_t len, uid_t uid,
          int64_t expires_ms)
{
	struct token_entry *e;
	uint64_t h[2];

	token_hash(t, tok, len, h);
	if ((e = token_find(t, h)) == NULL) {
		if (t->count >= TOKEN_MAX_ENTRIES &&
		    token_expire(t, token_now_ms()) >= TOKEN_MAX_ENTRIES)
			token_evict(t);
		e = xcalloc(1, sizeof *e);
		e->h[0] = h[0];
		e->h[1] = h[1];
		e->next = t->bucket[h[0] % TOKEN_BUCKETS];
		t->bucket[h[0] % TOKEN_BUCKETS] = e;
		t->count++;
	}
	e->uid = uid;
	e->expires_ms = expires_ms;
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
	if (e->uid != uid)
		return TOKEN_OTHER_UID;
	return TOKEN_OK;
}

size_t
token_expire(struct token_table *t, int64_t now_ms)
{
	struct token_entry **pp, *e;

	for (size_t i = 0; i < TOKEN_BUCKETS; i++)
		for (pp = &t->bucket[i]; (e = *pp) != NULL;) {
			if (now_ms >= e->expires_ms) {
				*pp = e->next;
				free(e);
				t->count--;
			} else
				pp = &e->next;
		}
	return t->count;
}

size_t
token_count(const struct token_table *t)
{
	return t->count;
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
