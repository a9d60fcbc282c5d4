/* No bypass, by brute force: random request targets built from the
 * pieces attackers use (encoded and dotted traversal, double encoding,
 * case variants, versions, empty segments) go through the normaliser and
 * the shipped default rules as an unprivileged user. Whenever the answer
 * is allow, the path the proxy would send upstream must be canonical and
 * must not be a secret, as judged by a separate, plain string oracle. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/normpath.h"
#include "rules/rules.h"
#include "tap.h"

#define BYPASS_ROUNDS 200000

static const char *pieces[] = {"latest",
                               "1.0",
                               "2021-07-15",
                               "meta-data",
                               "Meta-Data",
                               "iam",
                               "IAM",
                               "security-credentials",
                               "security%2dcredentials",
                               "R",
                               "R2",
                               "user-data",
                               "%75ser-data",
                               "identity-credentials",
                               "public-keys",
                               "0",
                               ".",
                               "..",
                               "%2e",
                               "%2e%2e",
                               ".%2e",
                               "%2E%2e",
                               "",
                               "%2F",
                               "%252e",
                               "x",
                               ";",
                               "?a",
                               "%00",
                               "api",
                               "token",
                               "dynamic",
                               "%2fuser-data",
                               "..%2f",
                               "%5c",
                               "0=key",
                               "ec2",
                               "*",
                               "**"};

static uint64_t rng = 0x9e3779b97f4a7c15ull; /* fixed: deterministic */

static unsigned
bypass_rand(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A random target of 1 to 8 pieces, sometimes with a trailing slash. */
static void
bypass_target(char *t, size_t len)
{
	unsigned k = 1 + bypass_rand(8), i;
	size_t o = 0;
	int n;

	for (i = 0; i < k; i++) {
		n = snprintf(
		    t + o, len - o, "/%s",
		    pieces[bypass_rand(sizeof pieces / sizeof pieces[0])]);
		o += (size_t)n;
	}
	if (bypass_rand(4) == 0)
		snprintf(t + o, len - o, "/");
}

static int
bypass_isversion(const char *s)
{
	return strcmp(s, "latest") == 0 || strcmp(s, "1.0") == 0 ||
	       (strlen(s) == 10 && s[4] == '-' && s[7] == '-');
}

/* Below meta-data/identity-credentials and meta-data/public-keys (seg[0]
 * is "meta-data") only the listings on the way, and ec2/info (the
 * account), are not secret: everything else there is. */
static int
bypass_listing(char **seg, int n)
{
	if (strcmp(seg[1], "public-keys") == 0)
		return n <= 3; /* public-keys/, public-keys/0/ */
	if (n == 2)
		return 1; /* identity-credentials/ */
	if (strcmp(seg[2], "ec2") != 0)
		return 0;
	return n == 3 || (n == 4 && (strcmp(seg[3], "info") == 0 ||
	                             strcmp(seg[3], "security-credentials") == 0));
}

/* The oracle: split the upstream path on '/', skip a version, and call
 * it secret by the documented list. Also fails non-canonical paths. */
static int
bypass_secret(const char *up, int *canonical)
{
	char buf[NORMPATH_MAX + 64], *seg[64], *p, *save = NULL;
	int n = 0, i = 0;

	*canonical = strchr(up, '%') == NULL && strstr(up, "//") == NULL &&
	             strstr(up, "/./") == NULL && strstr(up, "/../") == NULL;
	snprintf(buf, sizeof buf, "%s", up);
	for (p = strtok_r(buf, "/", &save); p && n < 64;
	     p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
			*canonical = 0;
		seg[n++] = p;
	}
	if (n > 0 && bypass_isversion(seg[0]))
		i = 1;
	if (n > i && strcmp(seg[i], "user-data") == 0)
		return 1;
	if (n > i + 1 && strcmp(seg[i], "meta-data") == 0 &&
	    (strcmp(seg[i + 1], "identity-credentials") == 0 ||
	     strcmp(seg[i + 1], "public-keys") == 0))
		return !bypass_listing(seg + i, n - i);
	return n > i + 3 && strcmp(seg[i], "meta-data") == 0 &&
	       strcmp(seg[i + 1], "iam") == 0 &&
	       strcmp(seg[i + 2], "security-credentials") == 0;
}

int
main(void)
{
	struct rules_caller c = {1000, 1000, NULL, 0};
	char path[1024], t[512], up[NORMPATH_MAX + 64], err[512];
	unsigned long accepted = 0, allowed = 0, bad = 0, i;
	const char *srcdir = getenv("top_srcdir"), *why;
	struct rules_decision d;
	struct ruleset *rs;
	struct normpath np;
	int canonical;

	snprintf(path, sizeof path, "%s/rules/00-default.rules",
	         srcdir ? srcdir : ".");
	if ((rs = rules_load_file(path, err, sizeof err)) == NULL) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	for (i = 0; i < BYPASS_ROUNDS; i++) {
		bypass_target(t, sizeof t);
		if (normpath_request(t, strlen(t), &np, &why) != 0)
			continue;
		accepted++;
		rules_match(rs, &c, "GET", np.path, &d);
		if (!d.allow)
			continue;
		allowed++;
		if (normpath_upstream(&np, up, sizeof up) != 0 ||
		    bypass_secret(up, &canonical) || !canonical) {
			if (bad++ < 5)
				printf("# bypass: %s -> %s\n", t, up);
		}
	}
	ok(accepted > 1000 && allowed > 1000,
	   "enough cases reached the rules (%lu) and were allowed (%lu)",
	   accepted, allowed);
	is_int(bad, 0,
	       "no allowed request reaches a secret or a "
	       "non-canonical upstream path (%d targets)",
	       BYPASS_ROUNDS);
	rules_unref(rs);
	return tap_done();
}
