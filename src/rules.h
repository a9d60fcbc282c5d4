/* Per-user and per-group path rules (rules.d/*.rules, INTERFACES.md):
 * loaded and compiled once, matched per request, last match wins,
 * default deny. A ruleset is immutable once loaded and reference
 * counted, so a reload can swap it while requests still hold the old. */
#ifndef IMDSGATE_RULES_H
#define IMDSGATE_RULES_H

#include <stddef.h>
#include <sys/types.h>

struct ruleset;

struct rules_caller {
	uid_t		 uid;
	gid_t		 gid;		/* primary */
	const gid_t	*gids;		/* supplementary */
	size_t		 ngids;
};

struct rules_decision {
	int		 allow;		/* 1 allow, 0 deny */
	int		 imdsv1;	/* the deciding rule lets v1 through */
	const char	*rule;		/* section name, NULL when none matched */
	const char	*file;		/* file and line of the deciding rule */
	unsigned	 line;
};

/* Load every *.rules file in dir, lexical order. NULL on any error, with
 * err = "FILE:LINE: message"; nothing is half-applied. */
struct ruleset *rules_load_dir(const char *dir, char *err, size_t errlen);
/* One file or buffer (tests, fuzzing). */
struct ruleset *rules_load_file(const char *path, char *err, size_t errlen);
struct ruleset *rules_load_buf(const char *name, const char *data,
    size_t len, char *err, size_t errlen);
struct ruleset *rules_ref(struct ruleset *);
void rules_unref(struct ruleset *);
size_t rules_count(const struct ruleset *);

/* Decide for a normalised path (normpath.path, without version). The
 * strings in the decision live as long as the ruleset. */
void rules_match(const struct ruleset *, const struct rules_caller *,
    const char *method, const char *normpath, struct rules_decision *);

/* `imdsgated --explain`: resolve user (name or uid) and its groups,
 * normalise path, print the deciding rule (file:line [name]) and the
 * decision to stdout. Returns the exit status (0, or 2 on bad input). */
int rules_explain(const struct ruleset *, const char *user,
    const char *method, const char *path);

#endif
