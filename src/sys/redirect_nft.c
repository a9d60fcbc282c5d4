/* The nft backend, in-process through libnftables so an unprivileged
 * daemon holding only CAP_NET_ADMIN can restore its rules without an
 * exec. Everything lives in `table inet imdsgate`: one table for IPv4 and
 * IPv6, replaced atomically in one transaction, never touching others. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "sys/redirect_int.h"

/* A context that collects output and errors instead of printing them.
 * Protocols are listed as numbers: by name they depend on /etc/protocols
 * (absent without netbase), and the status compares text. */
static struct nft_ctx *
redirect_nft_ctx(void)
{
	struct nft_ctx *ctx;

	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL)
		return NULL;
	nft_ctx_output_set_flags(ctx, nft_ctx_output_get_flags(ctx) |
	                                  NFT_CTX_OUTPUT_NUMERIC_PROTO);
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	return ctx;
}

/* Run nft commands; out gets the listing when wanted. 0 or -1 (err). */
static int
redirect_nft_run(const char *cmds, struct buf *out, char *err, size_t errlen)
{
	struct nft_ctx *ctx;
	const char *e;
	int rv;

	if ((ctx = redirect_nft_ctx()) == NULL) {
		snprintf(err, errlen, "nft: cannot create a context");
		return -1;
	}
	rv = nft_run_cmd_from_buffer(ctx, cmds) == 0 ? 0 : -1;
	if (rv == -1) {
		e = nft_ctx_get_error_buffer(ctx);
		snprintf(err, errlen, "nft: %.*s", (int)strcspn(e, "\n"), e);
	} else if (out != NULL)
		buf_addstr(out, nft_ctx_get_output_buffer(ctx));
	nft_ctx_free(ctx);
	return rv;
}

/* Listing any table works when nf_tables is there and we may use it. */
int
redirect_nft_usable(void)
{
	char err[256];

	return redirect_nft_run("list tables", NULL, err, sizeof err) == 0;
}

/* The exemption: the daemon's own uid, and its mark when one is set
 * (both must hold: setting SO_MARK needs CAP_NET_ADMIN). */
static void
redirect_nft_exempt(const struct redirect_conf *rc, const char *fam,
                    const char *ip, struct buf *b)
{
	if (rc->exempt_uid == (uid_t)-1 && rc->mark == 0)
		return;
	buf_addstr(b, "\t\t");
	if (rc->exempt_uid != (uid_t)-1)
		buf_addf(b, "meta skuid %u ", (unsigned)rc->exempt_uid);
	if (rc->mark != 0)
		buf_addf(b, "meta mark 0x%08x ", (unsigned)rc->mark);
	buf_addf(b, "%s daddr %s tcp dport 80 accept\n", fam, ip);
}

/* Rules of the nat output chain for one family. */
static void
redirect_nft_out(const struct redirect_conf *rc, const char *fam,
                 const char *ip, struct buf *b)
{
	redirect_nft_exempt(rc, fam, ip, b);
	buf_addf(b, "\t\t%s daddr %s tcp dport 80 redirect to :%d\n", fam, ip,
	         rc->port);
}

/* Forwarded traffic (containers behind a bridge) has no local uid to
 * decide on: refuse it. */
static void
redirect_nft_fwd(const char *fam, const char *ip, const char *icmp,
                 struct buf *b)
{
	buf_addf(b, "\t\t%s daddr %s meta l4proto 6 reject with tcp reset\n",
	         fam, ip);
	buf_addf(b, "\t\t%s daddr %s reject with %s port-unreachable\n", fam,
	         ip, icmp);
}

/* The table, in the form `nft list` prints it (status compares lines). */
void
redirect_nft_ruleset(const struct redirect_conf *rc, struct buf *b)
{
	buf_addstr(b,
	           "table inet " REDIRECT_TABLE " {\n\tchain output {\n"
	           "\t\ttype nat hook output priority -100; policy accept;\n");
	redirect_nft_out(rc, "ip", REDIRECT_IMDS4, b);
	if (rc->ipv6)
		redirect_nft_out(rc, "ip6", REDIRECT_IMDS6, b);
	buf_addstr(
	    b,
	    "\t}\n\n\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter; policy accept;\n");
	redirect_nft_fwd("ip", REDIRECT_IMDS4, "icmp", b);
	if (rc->ipv6)
		redirect_nft_fwd("ip6", REDIRECT_IMDS6, "icmpv6", b);
	buf_addstr(b, "\t}\n}\n");
}

/* add + delete + define in one transaction: atomic, never two copies,
 * and no moment without the redirect when one was there before. */
int
redirect_nft_install(const struct redirect_conf *rc, char *err, size_t errlen)
{
	struct buf b;
	int rv;

	buf_init(&b);
	buf_addstr(&b, "add table inet " REDIRECT_TABLE "\n"
	               "delete table inet " REDIRECT_TABLE "\n");
	redirect_nft_ruleset(rc, &b);
	rv = redirect_nft_run(b.data, NULL, err, errlen);
	buf_free(&b);
	return rv;
}

/* Remove our table only; absent already is success. */
int
redirect_nft_remove(const struct redirect_conf *rc, char *err, size_t errlen)
{
	return redirect_nft_run("add table inet " REDIRECT_TABLE "\n"
	                        "delete table inet " REDIRECT_TABLE "\n",
	                        NULL, err, errlen);
}

/* Is line (of want) among the lines of have? Compared trimmed. */
static int
redirect_nft_hasline(const char *have, const char *line, size_t len)
{
	const char *p = have, *e;

	while (*p != '\0') {
		p += strspn(p, "\t ");
		e = p + strcspn(p, "\n");
		if ((size_t)(e - p) == len && strncmp(p, line, len) == 0)
			return 1;
		p = *e == '\n' ? e + 1 : e;
	}
	return 0;
}

/* Count the lines of want missing from have; name the first in err. */
static int
redirect_nft_missing(const char *have, const char *want, char *err,
                     size_t errlen)
{
	const char *p = want, *e;
	int missing = 0;
	size_t len;

	while (*p != '\0') {
		p += strspn(p, "\t ");
		e = p + strcspn(p, "\n");
		len = (size_t)(e - p);
		if (len > 0 && !redirect_nft_hasline(have, p, len) &&
		    missing++ == 0)
			snprintf(err, errlen, "partial: missing \"%.*s\"",
			         (int)len, p);
		p = *e == '\n' ? e + 1 : e;
	}
	return missing;
}

/* Exactly our rules, no fewer and none added (an `accept` slipped in
 * before the redirect would open a hole): 0 same, 1 different. */
static int
redirect_nft_diff(const char *have, const char *want, char *err, size_t errlen)
{
	char e2[256];

	if (redirect_nft_missing(have, want, err, errlen) > 0)
		return 1;
	if (redirect_nft_missing(want, have, e2, sizeof e2) > 0) {
		snprintf(err, errlen, "partial: unexpected%s", e2 + 16);
		return 1;
	}
	return 0;
}

/* 0 complete; 1 missing (no table) or partial (what in err); -1 error. */
int
redirect_nft_status(const struct redirect_conf *rc, char *err, size_t errlen)
{
	struct buf have, want;
	char e2[256];
	int rv;

	buf_init(&have);
	buf_init(&want);
	if (redirect_nft_run("list table inet " REDIRECT_TABLE, &have, e2,
	                     sizeof e2) == -1) {
		rv = redirect_nft_usable() ? 1 : -1;
		snprintf(err, errlen, "%s",
		         rv == 1 ? "missing: no table inet " REDIRECT_TABLE
		                 : e2);
	} else {
		redirect_nft_ruleset(rc, &want);
		rv = redirect_nft_diff(have.data ? have.data : "", want.data,
		                       err, errlen);
	}
	buf_free(&have);
	buf_free(&want);
	return rv;
}
