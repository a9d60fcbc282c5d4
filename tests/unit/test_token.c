/* The token table: owner, expiry, unknown tokens, eviction when full. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "proxy/token.h"

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
	return tap_done();
}
