/* The iptables backend, for hosts where nft cannot be used: chain
 * IMDSGATE in the nat table (jumped to first from OUTPUT) and chain
 * IMDSGATE-FWD in the filter table (first from FORWARD), for iptables
 * and ip6tables, each table changed in one atomic iptables-restore. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sys/redirect_int.h"

/* "iptables-legacy" -> "ip6tables-legacy" for v6; "iptables" default. */
static void
redirect_ipt_cmd(const struct redirect_conf *rc, int v6, const char *suffix,
                 char *out, size_t len)
{
	const char *base = rc->iptables ? rc->iptables : "iptables";

	if (strncmp(base, "iptables", 8) == 0)
		base += 8;
	snprintf(out, len, "%s%s%s", v6 ? "ip6tables" : "iptables", base,
	         suffix);
}

/* The exemption match: the daemon's uid, and its mark when set. */
static void
redirect_ipt_exempt(const struct redirect_conf *rc, struct buf *b)
{
	if (rc->exempt_uid != (uid_t)-1)
		buf_addf(b, " -m owner --uid-owner %u",
		         (unsigned)rc->exempt_uid);
	if (rc->mark != 0)
		buf_addf(b, " -m mark --mark 0x%x", (unsigned)rc->mark);
}

/* Our chain's rules in the form iptables-save prints them. */
void
redirect_ipt_rules(const struct redirect_conf *rc, int v6, int nat,
                   struct buf *b)
{
	const char *d = v6 ? REDIRECT_IMDS6 "/128" : REDIRECT_IMDS4 "/32";

	if (nat && (rc->exempt_uid != (uid_t)-1 || rc->mark != 0)) {
		buf_addf(b,
		         "-A " REDIRECT_CHAIN " -d %s -p tcp -m tcp --dport 80",
		         d);
		redirect_ipt_exempt(rc, b);
		buf_addstr(b, " -j RETURN\n");
	}
	if (nat)
		buf_addf(b,
		         "-A " REDIRECT_CHAIN " -d %s -p tcp -m tcp --dport 80"
		         " -j REDIRECT --to-ports %d\n",
		         d, rc->port);
	else
		buf_addf(b,
		         "-A " REDIRECT_FCHAIN " -d %s -p tcp -j REJECT"
		         " --reject-with tcp-reset\n-A " REDIRECT_FCHAIN
		         " -d %s -j REJECT"
		         " --reject-with %s-port-unreachable\n",
		         d, d, v6 ? "icmp6" : "icmp");
}

/* iptables-save of one table into out; 0 or -1 with err. */
static int
redirect_ipt_save(const struct redirect_conf *rc, int v6, const char *table,
                  struct buf *out, char *err, size_t errlen)
{
	char cmd[64];
	char *argv[] = {cmd, "-t", (char *)table, NULL};

	redirect_ipt_cmd(rc, v6, "-save", cmd, sizeof cmd);
	if (redirect_exec(argv, NULL, out) != 0) {
		snprintf(err, errlen, "%s -t %s failed: %.*s", cmd, table,
		         out->data ? (int)strcspn(out->data, "\n") : 0,
		         out->data ? out->data : "");
		return -1;
	}
	if (out->data == NULL)
		buf_addstr(out, "");
	return 0;
}

/* iptables-restore --noflush of input; 0 or -1 with err. */
static int
redirect_ipt_restore(const struct redirect_conf *rc, int v6, const char *input,
                     char *err, size_t errlen)
{
	char cmd[64];
	char *argv[] = {cmd, "-w", "5", "--noflush", NULL};
	struct buf out;
	int rv;

	redirect_ipt_cmd(rc, v6, "-restore", cmd, sizeof cmd);
	buf_init(&out);
	rv = redirect_exec(argv, input, &out);
	if (rv != 0)
		snprintf(err, errlen, "%s failed: %.*s", cmd,
		         out.data ? (int)strcspn(out.data, "\n") : 0,
		         out.data ? out.data : "");
	buf_free(&out);
	return rv == 0 ? 0 : -1;
}

/* How many times does save hold this exact line? */
static int
redirect_ipt_count(const char *save, const char *line)
{
	size_t len = strlen(line);
	const char *p = save;
	int n = 0;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == save || p[-1] == '\n') &&
		    (p[len] == '\n' || p[len] == '\0'))
			n++;
		p += len;
	}
	return n;
}

/* Restore text for one table: declare (flush) our chain, replace every
 * jump by one jump at position 1, add our rules: one atomic commit. */
static void
redirect_ipt_table(const struct redirect_conf *rc, int v6, int nat,
                   const char *save, int install, struct buf *b)
{
	const char *chain = nat ? REDIRECT_CHAIN : REDIRECT_FCHAIN;
	const char *hook = nat ? "OUTPUT" : "FORWARD";
	char jump[64];
	int i, n;

	snprintf(jump, sizeof jump, "-A %s -j %s", hook, chain);
	n = redirect_ipt_count(save, jump);
	buf_addf(b, "*%s\n:%s - [0:0]\n", nat ? "nat" : "filter", chain);
	for (i = 0; i < n; i++)
		buf_addf(b, "-D %s -j %s\n", hook, chain);
	if (install) {
		buf_addf(b, "-I %s 1 -j %s\n", hook, chain);
		redirect_ipt_rules(rc, v6, nat, b);
	} else
		buf_addf(b, "-X %s\n", chain);
	buf_addstr(b, "COMMIT\n");
}

/* Install or remove for one family and one table. */
static int
redirect_ipt_apply(const struct redirect_conf *rc, int v6, int nat, int install,
                   char *err, size_t errlen)
{
	struct buf save, in;
	char decl[64];
	int rv = 0;

	buf_init(&save);
	buf_init(&in);
	if (redirect_ipt_save(rc, v6, nat ? "nat" : "filter", &save, err,
	                      errlen) == -1)
		rv = -1;
	snprintf(decl, sizeof decl, ":%s ",
	         nat ? REDIRECT_CHAIN : REDIRECT_FCHAIN);
	if (rv == 0 && (install || strstr(save.data, decl) != NULL)) {
		redirect_ipt_table(rc, v6, nat, save.data, install, &in);
		rv = redirect_ipt_restore(rc, v6, in.data, err, errlen);
	}
	buf_free(&save);
	buf_free(&in);
	return rv;
}

/* Both tables of each family; stop at the first failure. */
static int
redirect_ipt_all(const struct redirect_conf *rc, int install, char *err,
                 size_t errlen)
{
	int v6, nat;

	for (v6 = 0; v6 <= (rc->ipv6 || !install); v6++)
		for (nat = 1; nat >= 0; nat--)
			if (redirect_ipt_apply(rc, v6, nat, install, err,
			                       errlen) == -1)
				return -1;
	return 0;
}

/* Every table of every family we manage. */
int
redirect_ipt_install(const struct redirect_conf *rc, char *err, size_t errlen)
{
	return redirect_ipt_all(rc, 1, err, errlen);
}

/* Remove also the IPv6 chains, whatever ipv6 says now. */
int
redirect_ipt_remove(const struct redirect_conf *rc, char *err, size_t errlen)
{
	return redirect_ipt_all(rc, 0, err, errlen);
}

/* How many rules does text hold for chain? */
static int
redirect_ipt_nrules(const char *text, const char *chain)
{
	char pre[64];
	const char *p = text;
	int n = 0;

	snprintf(pre, sizeof pre, "-A %s ", chain);
	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		n += strncmp(p, pre, strlen(pre)) == 0;
	return n;
}

/* Check one table: exactly our rules, one jump, and it comes first. */
static int
redirect_ipt_check(const struct redirect_conf *rc, int v6, int nat,
                   const char *save, char *err, size_t errlen)
{
	const char *chain = nat ? REDIRECT_CHAIN : REDIRECT_FCHAIN;
	const char *hook = nat ? "OUTPUT" : "FORWARD";
	char jump[64], first[64], *p;
	struct buf want;
	int bad = 0;

	snprintf(jump, sizeof jump, ":%s ", chain);
	if (strstr(save, jump) == NULL) {
		snprintf(err, errlen, "missing: no chain %s (%s)", chain,
		         v6 ? "ip6tables" : "iptables");
		return 1;
	}
	snprintf(jump, sizeof jump, "-A %s -j %s", hook, chain);
	snprintf(first, sizeof first, "\n-A %s ", hook);
	p = strstr(save, first);
	if (redirect_ipt_count(save, jump) != 1 || p == NULL ||
	    strncmp(p + 1, jump, strlen(jump)) != 0)
		bad = snprintf(err, errlen,
		               "%s: partial: jump to %s is not the one first "
		               "rule of %s",
		               v6 ? "ip6tables" : "iptables", chain, hook);
	buf_init(&want);
	redirect_ipt_rules(rc, v6, nat, &want);
	if (!bad && redirect_ipt_nrules(save, chain) !=
	                redirect_ipt_nrules(want.data, chain))
		bad = snprintf(err, errlen,
		               "%s: partial: chain %s holds rules "
		               "not ours",
		               v6 ? "ip6tables" : "iptables", chain);
	for (p = strtok(want.data, "\n"); !bad && p != NULL;
	     p = strtok(NULL, "\n"))
		if (redirect_ipt_count(save, p) != 1)
			bad = snprintf(err, errlen, "%s: missing \"%s\"",
			               v6 ? "ip6tables" : "iptables", p);
	buf_free(&want);
	return bad != 0;
}

/* 0 complete, 1 missing or partial, -1 when iptables cannot be asked. */
int
redirect_ipt_status(const struct redirect_conf *rc, char *err, size_t errlen)
{
	struct buf save;
	int v6, nat, rv = 0;

	for (v6 = 0; rv == 0 && v6 <= rc->ipv6; v6++)
		for (nat = 1; rv == 0 && nat >= 0; nat--) {
			buf_init(&save);
			if (redirect_ipt_save(rc, v6, nat ? "nat" : "filter",
			                      &save, err, errlen) == -1)
				rv = -1;
			else
				rv = redirect_ipt_check(rc, v6, nat, save.data,
				                        err, errlen);
			buf_free(&save);
		}
	return rv;
}
