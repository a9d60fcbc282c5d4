/* Backends of the interception rules (redirect.c picks one). */
#ifndef IMDSGATE_REDIRECT_INT_H
#define IMDSGATE_REDIRECT_INT_H

#include <stddef.h>

#include "common/buf.h"
#include "sys/redirect.h"

#define REDIRECT_IMDS4 "169.254.169.254"
#define REDIRECT_IMDS6 "fd00:ec2::254"
#define REDIRECT_TABLE "imdsgate"      /* nft: table inet imdsgate */
#define REDIRECT_CHAIN "IMDSGATE"      /* iptables: nat chain */
#define REDIRECT_FCHAIN "IMDSGATE-FWD" /* iptables: filter chain */

/* Is the nft backend usable here (netlink nf_tables answers)? */
int redirect_nft_usable(void);
int redirect_nft_install(const struct redirect_conf *, char *, size_t);
int redirect_nft_remove(const struct redirect_conf *, char *, size_t);
int redirect_nft_status(const struct redirect_conf *, char *, size_t);
/* The ruleset text install loads (also used by the unit test). */
void redirect_nft_ruleset(const struct redirect_conf *, struct buf *);

int redirect_ipt_install(const struct redirect_conf *, char *, size_t);
int redirect_ipt_remove(const struct redirect_conf *, char *, size_t);
int redirect_ipt_status(const struct redirect_conf *, char *, size_t);
/* The rule lines of our chains as iptables-save prints them. */
void redirect_ipt_rules(const struct redirect_conf *, int v6, int nat,
                        struct buf *);

/* Run argv with input on stdin, stdout into out (may be NULL), with
 * CAP_NET_ADMIN raised into the child's ambient set when we are not root.
 * Returns the exit status, or -1. */
int redirect_exec(char *const argv[], const char *input, struct buf *out);

#endif
