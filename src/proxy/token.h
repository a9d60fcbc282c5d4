/* The IMDSv2 session tokens the proxy has seen handed out, so it can
 * enforce tokens itself: the IMDS's hop-limit protection does not survive
 * a proxy on loopback, and the IMDS cannot tell one local user from
 * another. Only a keyed hash of each token is kept, never the token. */
#ifndef IMDSGATE_TOKEN_H
#define IMDSGATE_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TOKEN_MAX_ENTRIES 65536
#define TOKEN_MAX_PER_UID 4096 /* a uid's quota */

enum token_verdict {
	TOKEN_OK,
	TOKEN_UNKNOWN, /* never handed out through us */
	TOKEN_EXPIRED,
	TOKEN_OTHER_UID /* handed out to another uid */
};

struct token_table;

struct token_table *token_new(void);
void token_free(struct token_table *);
/* Remember tok, issued to uid, valid until expires_ms (CLOCK_MONOTONIC
 * milliseconds), in O(1). A uid at its quota forgets its own oldest
 * token; a full table forgets the oldest token of the uid that holds the
 * most (never one of a uid holding fewer than the one adding). */
void token_add(struct token_table *, const char *tok, size_t len, uid_t uid,
               int64_t expires_ms);
enum token_verdict token_check(struct token_table *, const char *tok,
                               size_t len, uid_t uid, int64_t now_ms);
/* Forget every expired entry; returns how many remain. */
size_t token_expire(struct token_table *, int64_t now_ms);
size_t token_count(const struct token_table *);
size_t token_count_uid(struct token_table *, uid_t);
const char *token_verdict_str(enum token_verdict);
/* The monotonic clock in milliseconds (what expiries are measured in). */
int64_t token_now_ms(void);

#endif
