/* IMDSv2 session tokens: random opaque strings kept in a hash table with
 * their expiry, so an expired or made-up token gets 401 as on EC2. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "common/xmalloc.h"

#define SIM_TOKEN_LEN 56
#define SIM_TOKEN_BUCKETS 1024

struct sim_token {
	char s[SIM_TOKEN_LEN + 1];
	int64_t expires_ms;
	struct sim_token *next;
};

struct sim_tokens {
	struct sim_token *b[SIM_TOKEN_BUCKETS];
	size_t count;
};

struct sim_tokens *
sim_tokens_new(void)
{
	return xcalloc(1, sizeof(struct sim_tokens));
}

void
sim_tokens_free(struct sim_tokens *t)
{
	struct sim_token *k, *n;
	size_t i;

	for (i = 0; i < SIM_TOKEN_BUCKETS; i++)
		for (k = t->b[i]; k != NULL; k = n) {
			n = k->next;
			free(k);
		}
	free(t);
}

size_t
sim_tokens_count(const struct sim_tokens *t)
{
	return t->count;
}

/* FNV-1a; the tokens are random, so any spread will do. */
static size_t
sim_tokens_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % SIM_TOKEN_BUCKETS;
}

/* Drop the expired tokens of one bucket, so the table stays bounded by
 * the tokens alive at once. */
static void
sim_tokens_prune(struct sim_tokens *t, size_t h, int64_t now_ms)
{
	struct sim_token **pp = &t->b[h], *k;

	while ((k = *pp) != NULL) {
		if (k->expires_ms <= now_ms) {
			*pp = k->next;
			free(k);
			t->count--;
		} else
			pp = &k->next;
	}
}

const char *
sim_tokens_issue(struct sim_tokens *t, int ttl, int64_t now_ms)
{
	struct sim_token *k = xcalloc(1, sizeof *k);
	size_t h;

	/* Base64 without padding, as long as EC2's tokens. */
	sim_rand_str(k->s, SIM_TOKEN_LEN, SIM_B64);
	k->expires_ms = now_ms + (int64_t)ttl * 1000;
	h = sim_tokens_hash(k->s);
	sim_tokens_prune(t, h, now_ms);
	k->next = t->b[h];
	t->b[h] = k;
	t->count++;
	return k->s;
}

int
sim_tokens_valid(struct sim_tokens *t, const char *tok, int64_t now_ms)
{
	struct sim_token *k;
	size_t h;

	if (strlen(tok) != SIM_TOKEN_LEN)
		return 0;
	h = sim_tokens_hash(tok);
	sim_tokens_prune(t, h, now_ms);
	for (k = t->b[h]; k != NULL; k = k->next)
		if (strcmp(k->s, tok) == 0)
			return 1;
	return 0;
}
