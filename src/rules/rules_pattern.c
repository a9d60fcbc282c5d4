/* Path patterns: normalised by the same code as requests, then split into
 * interned segments once, so matching is a few integer compares and
 * "/role" can never match "/role2" (a segment matches whole or not). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules/normpath.h"
#include "rules/rules_int.h"
#include "common/xmalloc.h"

/* Split a normalised path ("/a/b") in place-free form: pointers into it. */
int
rules_path_split(const char *path, struct rules_path *rp)
{
	const char *p = path, *q;

	rp->n = 0;
	while (*p == '/')
		p++;
	while (*p != '\0') {
		if (rp->n == RULES_MAXSEGS)
			return -1;
		q = strchr(p, '/');
		if (q == NULL)
			q = p + strlen(p);
		rp->segs[rp->n] = p;
		rp->lens[rp->n++] = (size_t)(q - p);
		p = *q == '/' ? q + 1 : q;
	}
	return 0;
}

/* Wildcards are whole segments; "**" only at the end. */
static const char *
rules_pattern_check(const struct rules_path *rp)
{
	size_t i;

	for (i = 0; i < rp->n; i++) {
		if (memchr(rp->segs[i], '*', rp->lens[i]) == NULL)
			continue;
		if (rp->lens[i] == 1)
			continue;
		if (rp->lens[i] != 2 || rp->segs[i][1] != '*')
			return "'*' must be a whole segment";
		if (i + 1 != rp->n)
			return "'**' must be the last segment";
	}
	return NULL;
}

/* Intern the checked segments into the pattern. */
static void
rules_pattern_fill(struct ruleset *rs, struct rules_pattern *pat,
                   const struct rules_path *rp)
{
	size_t i, n = rp->n;

	pat->subtree = n > 0 && rp->lens[n - 1] == 2 &&
	               memcmp(rp->segs[n - 1], "**", 2) == 0;
	if (pat->subtree)
		n--;
	pat->nsegs = n;
	pat->ids = xcalloc(n + 1, sizeof *pat->ids);
	for (i = 0; i < n; i++)
		pat->ids[i] = rp->lens[i] == 1 && rp->segs[i][0] == '*'
		                  ? RULES_WILD
		                  : rules_intern_add(&rs->intern, rp->segs[i],
		                                     rp->lens[i]);
}

int
rules_pattern_compile(struct ruleset *rs, const char *text,
                      struct rules_pattern *pat, const char **why)
{
	struct normpath np;
	struct rules_path rp;

	memset(pat, 0, sizeof *pat);
	if (text[0] == '\0') {
		*why = "empty pattern";
		return -1;
	}
	if (text[0] != '/') {
		*why = "pattern does not start with '/'";
		return -1;
	}
	if (normpath_request(text, strlen(text), &np, why) != 0)
		return -1;
	if (rules_path_split(np.path, &rp) != 0) {
		*why = "too many segments";
		return -1;
	}
	if ((*why = rules_pattern_check(&rp)) != NULL)
		return -1;
	rules_pattern_fill(rs, pat, &rp);
	return 0;
}

void
rules_pattern_free(struct rules_pattern *pat)
{
	free(pat->ids);
}
