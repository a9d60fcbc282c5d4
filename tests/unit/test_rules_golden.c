/* Golden table for the normaliser and the matcher together, exactly as
 * the proxy chains them: tests/rules/match.golden, one case per line:
 *   RULES UID GIDS METHOD TARGET -> DECISION [RULE NAME]
 * RULES is "default" (rules/00-default.rules) or a file in
 * tests/rules/match/ without ".rules"; GIDS is "primary,supp,..." or "-";
 * DECISION is allow, allow+v1 (imdsv1 = allow), deny or 400 (refused by
 * the normaliser); RULE NAME is the deciding rule, "-" for none. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/normpath.h"
#include "rules/rules.h"
#include "tap.h"

#define GOLDEN_MAXSETS 16

static const char *srcdir;
static struct {
	char name[64];
	struct ruleset *rs;
} sets[GOLDEN_MAXSETS];

/* Load a rule file once; a load failure is fatal to the run. */
static struct ruleset *
golden_set(const char *name)
{
	char path[4096], err[1024];
	int i;

	for (i = 0; i < GOLDEN_MAXSETS && sets[i].rs != NULL; i++)
		if (strcmp(sets[i].name, name) == 0)
			return sets[i].rs;
	if (i == GOLDEN_MAXSETS)
		return NULL;
	if (strcmp(name, "default") == 0)
		snprintf(path, sizeof path, "%s/rules/00-default.rules",
		         srcdir);
	else
		snprintf(path, sizeof path, "%s/tests/rules/match/%s.rules",
		         srcdir, name);
	if ((sets[i].rs = rules_load_file(path, err, sizeof err)) == NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	snprintf(sets[i].name, sizeof sets[i].name, "%s", name);
	return sets[i].rs;
}

/* "1000,2000,3000": the first is the primary group. */
static void
golden_caller(const char *uid, char *gids, struct rules_caller *c, gid_t *supp,
              size_t max)
{
	char *g, *save = NULL;
	int first = 1;

	memset(c, 0, sizeof *c);
	c->uid = (uid_t)strtoul(uid, NULL, 10);
	c->gid = (gid_t)-1;
	c->gids = supp;
	if (strcmp(gids, "-") == 0)
		return;
	for (g = strtok_r(gids, ",", &save); g;
	     g = strtok_r(NULL, ",", &save)) {
		if (first)
			c->gid = (gid_t)strtoul(g, NULL, 10);
		else if (c->ngids < max)
			supp[c->ngids++] = (gid_t)strtoul(g, NULL, 10);
		first = 0;
	}
}

/* Run one case; got gets "DECISION RULE". */
static void
golden_decide(struct ruleset *rs, const struct rules_caller *c,
              const char *method, const char *target, char *got, size_t len)
{
	struct rules_decision d;
	struct normpath np;
	const char *why;

	if (normpath_request(target, strlen(target), &np, &why) != 0) {
		snprintf(got, len, "400");
		return;
	}
	rules_match(rs, c, method, np.path, &d);
	snprintf(got, len, "%s %s",
	         d.allow ? (d.imdsv1 ? "allow+v1" : "allow") : "deny",
	         d.rule ? d.rule : "-");
}

static void
golden_line(char *line, unsigned lineno)
{
	char *f[6], *want, *save = NULL, got[512];
	struct rules_caller c;
	struct ruleset *rs;
	gid_t supp[16];
	int i;

	for (i = 0; i < 6; i++)
		if ((f[i] = strtok_r(i ? NULL : line, " \t", &save)) == NULL)
			break;
	if (i < 6 || strcmp(f[5], "->") != 0 ||
	    (want = strtok_r(NULL, "", &save)) == NULL) {
		ok(0, "match.golden:%u: malformed case", lineno);
		return;
	}
	want += strspn(want, " \t");
	if ((rs = golden_set(f[0])) == NULL) {
		ok(0, "match.golden:%u: too many rule files", lineno);
		return;
	}
	golden_caller(f[1], f[2], &c, supp, 16);
	golden_decide(rs, &c, f[3], f[4], got, sizeof got);
	is_str(got, want, "match.golden:%u: %s uid %s %s %s", lineno, f[0],
	       f[1], f[3], f[4]);
}

int
main(void)
{
	char path[4096], line[1024];
	unsigned lineno = 0;
	FILE *fp;
	int i;

	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	snprintf(path, sizeof path, "%s/tests/rules/match.golden", srcdir);
	if ((fp = fopen(path, "r")) == NULL) {
		printf("Bail out! %s: cannot open\n", path);
		return 1;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0' && line[0] != '#')
			golden_line(line, lineno);
	}
	fclose(fp);
	for (i = 0; i < GOLDEN_MAXSETS && sets[i].rs != NULL; i++)
		rules_unref(sets[i].rs);
	return tap_done();
}
