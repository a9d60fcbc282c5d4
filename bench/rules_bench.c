/* Rule matching cost: builds sets of 10 and 1,000 rules and prints the
 * median nanoseconds per decision (normalise + match), for the worst case
 * where every rule has to be looked at. Run: bench/rules_bench */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "rules/normpath.h"
#include "rules/rules.h"

#define BENCH_ROUNDS 31
#define BENCH_ITERS 2000

/* n rules for any user, all GET, whose paths share the request's first
 * segments, so every rule's patterns are compared with the request and
 * only the first, catch-all rule matches. */
static struct ruleset *
bench_set(int n)
{
	struct ruleset *rs;
	struct buf b;
	char err[512];
	int i;

	buf_init(&b);
	buf_addstr(&b, "[metadata]\naction = allow\nmethod = GET, HEAD\n"
	               "path = /meta-data/**\n");
	for (i = 1; i < n; i++)
		buf_addf(&b,
		         "[rule %d]\naction = %s\nmethod = GET\n"
		         "path = /meta-data/iam/security-credentials/role-%d\n"
		         "path = /meta-data/iam/*/x%d/**\n",
		         i, i % 2 ? "allow" : "deny", i, i);
	rs = rules_load_buf("bench", b.data, b.len, err, sizeof err);
	buf_free(&b);
	if (rs == NULL) {
		fprintf(stderr, "rules_bench: %s\n", err);
		exit(1);
	}
	return rs;
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median over rounds of the mean per decision within a round. */
static double
bench_run(const struct ruleset *rs, const char *target)
{
	struct rules_caller c = {1000, 1000, NULL, 0};
	struct rules_decision d;
	struct normpath np;
	double t[BENCH_ROUNDS], t0;
	int r, i;

	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = bench_now();
		for (i = 0; i < BENCH_ITERS; i++) {
			if (normpath_request(target, strlen(target), &np,
			                     NULL) != 0)
				abort();
			rules_match(rs, &c, "GET", np.path, &d);
		}
		t[r] = (bench_now() - t0) / BENCH_ITERS;
		if (!d.allow)
			abort(); /* the catch-all must decide */
	}
	qsort(t, BENCH_ROUNDS, sizeof t[0], bench_cmp);
	return t[BENCH_ROUNDS / 2];
}

int
main(void)
{
	static const int sizes[] = {10, 1000};
	const char *target =
	    "/latest/meta-data/iam/security-credentials/role-7/../role-x";
	struct ruleset *rs;
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		rs = bench_set(sizes[i]);
		printf("rules_bench: %4zu rules: median %.0f ns/match "
		       "(normalise + match, every rule examined)\n",
		       rules_count(rs), bench_run(rs, target));
		rules_unref(rs);
	}
	return 0;
}
