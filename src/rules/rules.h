/* Per-user and per-group path rules (the *.rules files in rules.d,
 * docs/interfaces.md): loaded and compiled once, matched per request, last
 * match wins, default deny. A ruleset is immutable once loaded and reference
 * counted, so a reload can swap it while requests still hold the old. */
#ifndef IMDSGATE_RULES_H
#define IMDSGATE_RULES_H

#include <stddef.h>
#include <sys/types.h>

struct ruleset;

struct rules_caller {
	uid_t uid;
	gid_t gid;         /* primary */
	const gid_t *gids; /* supplementary */
	size_t ngids;
};

struct rules_decision {
	int allow;        /* 1 allow, 0 deny */
	int imdsv1;       /* the deciding rule lets v1 through */
	const char *rule; /* section name, NULL when none matched */
	const char *file; /* file and line of the deciding rule */
	unsigned line;
};

/* Load every *.rules file in dir, lexical order. NULL on any error, with
 * err = "FILE:LINE: message"; nothing is half-applied. */
struct ruleset *rules_load_dir(const char *dir, char *err, size_t errlen);
/* One file or buffer (tests, fuzzing). */
struct ruleset *rules_load_file(const char *path, char *err, size_t errlen);
struct ruleset *rules_load_buf(const char *name, const char *data, size_t len,
                               char *err, size_t errlen);
struct ruleset *rules_ref(struct ruleset *);
void rules_unref(struct ruleset *);
size_t rules_count(const struct ruleset *);

/* Decide for a normalised path (normpath.path, without version). The
 * strings in the decision live as long as the ruleset. */
void rules_match(const struct ruleset *, const struct rules_caller *,
                 const char *method, const char *normpath,
                 struct rules_decision *);

/* `imdsgated --explain`: resolve user (name or uid) and its groups,
 * normalise path, print one line to stdout:
 *   allow: rule "NAME" at FILE:LINE      (or deny: rule ...)
 *   deny: no rule matches
 *   deny: path refused with 400 (REASON)
 * Returns the exit status (0, or 2 on an unknown user or empty method). */
int rules_explain(const struct ruleset *, const char *user, const char *method,
                  const char *path);

/* One call each for imdsgated's main: `-t` (load every rule file in dir,
 * print the first error as "FILE:LINE: message" on stderr; returns 0 or
 * 2) and `--explain` (load, then rules_explain; returns 0 or 2). */
int rules_check_dir(const char *dir);
int rules_explain_dir(const char *dir, const char *user, const char *method,
                      const char *path);

#endif
