/* `imdsgated -t` and `imdsgated --explain`: the operator's view of the
 * rules, computed by the very same normaliser and matcher the proxy uses,
 * so what explain says is what the proxy does. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "rules/normpath.h"
#include "rules/rules_int.h"
#include "common/xmalloc.h"

#define RULES_EXPLAIN_MAXGROUPS 1024

/* The caller as the kernel would see it: uid, primary gid and every
 * supplementary group from the user database. */
static int
rules_explain_who(const char *user, struct rules_caller *c, gid_t *gids,
                  int *ngids)
{
	struct passwd *pw;
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(user, &end, 10);
	if (user[0] >= '0' && user[0] <= '9' && *end == '\0' && errno == 0 &&
	    n < (unsigned long)(uid_t)-1)
		pw = getpwuid((uid_t)n);
	else if ((pw = getpwnam(user)) == NULL) {
		log_warnx("unknown user \"%s\"", user);
		return -1;
	}
	memset(c, 0, sizeof *c);
	c->gids = gids;
	if (pw == NULL) { /* a uid without an account: no groups */
		c->uid = (uid_t)n;
		c->gid = (gid_t)-1;
		return 0;
	}
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, ngids) == -1) {
		log_warnx("%s is in more than %d groups: explaining with its "
		          "primary group only",
		          pw->pw_name, RULES_EXPLAIN_MAXGROUPS);
		*ngids = 0;
	}
	c->ngids = (size_t)*ngids;
	return 0;
}

/* The one line explain prints for a decision. */
static void
rules_explain_print(const struct rules_decision *d)
{
	if (d->rule == NULL) {
		printf("deny: no rule matches\n");
		return;
	}
	printf("%s: rule \"%s\" at %s:%u%s\n", d->allow ? "allow" : "deny",
	       d->rule, d->file, d->line,
	       d->imdsv1 ? " (imdsv1 = allow: also without a token)" : "");
}

int
rules_explain(const struct ruleset *rs, const char *user, const char *method,
              const char *path)
{
	gid_t gids[RULES_EXPLAIN_MAXGROUPS];
	int ngids = RULES_EXPLAIN_MAXGROUPS;
	struct rules_caller c;
	struct rules_decision d;
	struct normpath np;
	const char *why;

	if (method[0] == '\0') {
		log_warnx("empty method");
		return 2;
	}
	if (rules_explain_who(user, &c, gids, &ngids) != 0)
		return 2;
	if (normpath_request(path, strlen(path), &np, &why) != 0) {
		printf("deny: path refused with 400 (%s)\n", why);
		return 0;
	}
	rules_match(rs, &c, method, np.path, &d);
	rules_explain_print(&d);
	return 0;
}

int
rules_check_dir(const char *dir)
{
	struct ruleset *rs;
	char err[1024];

	if ((rs = rules_load_dir(dir, err, sizeof err)) == NULL) {
		log_warnx("%s", err);
		return 2;
	}
	rules_unref(rs);
	return 0;
}

int
rules_explain_dir(const char *dir, const char *user, const char *method,
                  const char *path)
{
	struct ruleset *rs;
	char err[1024];
	int rc;

	if ((rs = rules_load_dir(dir, err, sizeof err)) == NULL) {
		log_warnx("%s", err);
		return 2;
	}
	rc = rules_explain(rs, user, method, path);
	rules_unref(rs);
	return rc;
}
