/* The token table: owner, expiry, unknown tokens, eviction when full. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "proxy/token.h"

/* n tokens "PREFIX-i" of uid, valid for a minute. */
static void
mint(struct token_table *t, const char *prefix, int n, uid_t uid)
{
	char tok[64];

	for (int i = 0; i < n; i++) {
		snprintf(tok, sizeof tok, "%s-%d", prefix, i);
		token_add(t, tok, strlen(tok), uid, token_now_ms() + 60000);
	}
}

static enum token_verdict
check(struct token_table *t, const char *tok, uid_t uid)
{
	return token_check(t, tok, strlen(tok), uid, token_now_ms());
}

/* One uid minting far past its quota loses only its own oldest tokens:
 * the table never fills, another uid's token stays. */
static void
test_quota(void)
{
	struct token_table *t = token_new();

	token_add(t, "bob", 3, 1002, token_now_ms() + 60000);
	mint(t, "alice", TOKEN_MAX_ENTRIES + 1000, 1001);
	is_int(token_count_uid(t, 1001), TOKEN_MAX_PER_UID,
	       "quota: alice holds her quota (%d), no more", TOKEN_MAX_PER_UID);
	is_int(check(t, "bob", 1002), TOKEN_OK,
	       "quota: bob's token survives alice's mass minting");
	is_int(check(t, "alice-0", 1001), TOKEN_UNKNOWN,
	       "quota: alice's oldest token went");
	is_int(check(t, "alice-66535", 1001), TOKEN_OK,
	       "quota: alice's newest token kept");
	token_free(t);
}

/* A full table (16 uids at their quota) takes room from whoever holds
 * the most, never from a uid holding fewer than the one adding. */
static void
test_full(void)
{
	struct token_table *t = token_new();
	char prefix[16];
	size_t lo = TOKEN_MAX_PER_UID, hi = 0, n;

	token_add(t, "small", 5, 500, token_now_ms() + 60000);
	for (uid_t u = 0; u < TOKEN_MAX_ENTRIES / TOKEN_MAX_PER_UID; u++) {
		snprintf(prefix, sizeof prefix, "u%u", (unsigned)u);
		mint(t, prefix, TOKEN_MAX_PER_UID, 1000 + u);
	}
	ok(token_count(t) == TOKEN_MAX_ENTRIES, "full: table full (%zu)",
	   token_count(t));
	is_int(check(t, "small", 500), TOKEN_OK,
	       "full: a uid with one token kept it while 16 others filled "
	       "the table");
	mint(t, "new", 100, 600);
	is_int(token_count_uid(t, 600), 100,
	       "full: a newcomer gets room (taken from the heaviest)");
	is_int(check(t, "small", 500), TOKEN_OK, "full: still kept");
	for (uid_t u = 0; u < TOKEN_MAX_ENTRIES / TOKEN_MAX_PER_UID; u++) {
		n = token_count_uid(t, 1000 + u);
		lo = n < lo ? n : lo;
		hi = n > hi ? n : hi;
	}
	ok(hi - lo <= 1, "full: taken evenly from the heaviest (%zu..%zu)", lo,
	   hi);
	ok(token_count(t) <= TOKEN_MAX_ENTRIES, "full: still bounded (%zu)",
	   token_count(t));
	token_free(t);
}

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The quickest of five rounds of 2000 inserts of uid 7 (rounds, so a
 * preempted one does not count). */
static double
insert_time(struct token_table *t)
{
	char prefix[16];
	double best = 1e9, t0;

	for (int round = 0; round < 5; round++) {
		snprintf(prefix, sizeof prefix, "r%d", round);
		t0 = seconds();
		mint(t, prefix, 2000, 7);
		t0 = seconds() - t0;
		best = t0 < best ? t0 : best;
	}
	return best;
}

/* An insert into a full table costs what one into an empty table does
 * (it once scanned the whole table twice). */
static void
test_insert_cost(void)
{
	struct token_table *e = token_new(), *f = token_new();
	char prefix[16];
	double empty, full;

	for (uid_t u = 0; u < TOKEN_MAX_ENTRIES / TOKEN_MAX_PER_UID; u++) {
		snprintf(prefix, sizeof prefix, "u%u", (unsigned)u);
		mint(f, prefix, TOKEN_MAX_PER_UID, 1000 + u);
	}
	empty = insert_time(e);
	full = insert_time(f);
	ok(full < 20 * empty + 0.005,
	   "2000 inserts: %.2f ms into a full table, %.2f ms into an empty "
	   "one",
	   full * 1000, empty * 1000);
	token_free(e);
	token_free(f);
}

int
main(void)
{
	struct token_table *t = token_new();
	const char *a = "AQAEAKtokenforalice==", *b = "AQAEAKtokenforbob===";
	char tok[32];

	token_add(t, a, strlen(a), 1001, 10000);
	token_add(t, b, strlen(b), 1002, 20000);
	is_int(token_check(t, a, strlen(a), 1001, 5000), TOKEN_OK, "owner ok");
	is_int(token_check(t, a, strlen(a), 1002, 5000), TOKEN_OTHER_UID,
	       "another uid refused");
	is_int(token_check(t, a, strlen(a), 1001, 10000), TOKEN_EXPIRED,
	       "expired at its expiry");
	is_int(token_check(t, a, strlen(a) - 1, 1001, 5000), TOKEN_UNKNOWN,
	       "a prefix is unknown");
	is_int(token_check(t, "nope", 4, 1001, 5000), TOKEN_UNKNOWN,
	       "unknown token");
	is_int(token_expire(t, 15000), 1, "expire removes one");
	is_int(token_check(t, a, strlen(a), 1001, 5000), TOKEN_UNKNOWN,
	       "expired entry forgotten");
	token_add(t, b, strlen(b), 1003, 30000);
	is_int(token_check(t, b, strlen(b), 1003, 25000), TOKEN_OK,
	       "re-added token takes the new owner and expiry");
	for (int i = 0; i < TOKEN_MAX_ENTRIES + 10; i++) {
		snprintf(tok, sizeof tok, "tok-%d", i);
		token_add(t, tok, strlen(tok), 1, token_now_ms() + 100000 + i);
	}
	ok(token_count(t) <= TOKEN_MAX_ENTRIES, "table stays bounded (%zu)",
	   token_count(t));
	is_int(token_check(t, "tok-65545", 9, 1, token_now_ms()), TOKEN_OK,
	       "newest entries kept");
	token_free(t);
	test_quota();
	test_full();
	test_insert_cost();
	return tap_done();
}
