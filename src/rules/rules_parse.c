/* One rule file through the checked INI reader: each [section] starts a
 * rule, each key goes through a table of handlers, and every mistake is
 * an error with its line, because a rule that loads with a different
 * meaning than its author intended is a silent hole. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/inifile.h"
#include "rules/rules_int.h"
#include "common/xmalloc.h"

struct rules_parse {
	struct ruleset *rs;
	const char *file; /* owned by rs */
	size_t first;     /* first rule of this file */
};

typedef int (*rules_key_fn)(struct ruleset *, struct rule *, const char *,
                            char *, size_t);

/* "allow" or "deny" into *v, once. */
static int
rules_parse_choice(const char *key, const char *value, int *v, char *err,
                   size_t errlen)
{
	if (*v != -1) {
		snprintf(err, errlen, "%s given twice", key);
		return -1;
	}
	if (strcasecmp(value, "allow") == 0)
		*v = 1;
	else if (strcasecmp(value, "deny") == 0)
		*v = 0;
	else {
		snprintf(err, errlen, "%s must be allow or deny, not \"%s\"",
		         key, value);
		return -1;
	}
	return 0;
}

static int
rules_key_action(struct ruleset *rs, struct rule *r, const char *value,
                 char *err, size_t errlen)
{
	return rules_parse_choice("action", value, &r->action, err, errlen);
}

static int
rules_key_imdsv1(struct ruleset *rs, struct rule *r, const char *value,
                 char *err, size_t errlen)
{
	return rules_parse_choice("imdsv1", value, &r->imdsv1, err, errlen);
}

static int
rules_key_user(struct ruleset *rs, struct rule *r, const char *value, char *err,
               size_t errlen)
{
	return rules_ids_users(value, &r->uids, &r->nuids, err, errlen);
}

static int
rules_key_group(struct ruleset *rs, struct rule *r, const char *value,
                char *err, size_t errlen)
{
	return rules_ids_groups(value, &r->gids, &r->ngids, err, errlen);
}

static int
rules_key_method(struct ruleset *rs, struct rule *r, const char *value,
                 char *err, size_t errlen)
{
	return rules_ids_methods(value, &r->methods, err, errlen);
}

/* One pattern per path line (repeatable), compiled now. */
static int
rules_key_path(struct ruleset *rs, struct rule *r, const char *value, char *err,
               size_t errlen)
{
	struct rules_pattern pat;
	const char *why;

	if (rules_pattern_compile(rs, value, &pat, &why) != 0) {
		snprintf(err, errlen, "bad path pattern \"%s\": %s", value,
		         why);
		return -1;
	}
	r->pats = xreallocarray(r->pats, r->npats + 1, sizeof *r->pats);
	r->pats[r->npats++] = pat;
	return 0;
}

static const struct {
	const char *key;
	rules_key_fn fn;
} rules_keys[] = {
    {"action", rules_key_action}, {"user", rules_key_user},
    {"group", rules_key_group},   {"path", rules_key_path},
    {"method", rules_key_method}, {"imdsv1", rules_key_imdsv1},
};

/* A rule name: printable (it goes to logs and explain) and new in the
 * set (the audit log must name one rule). */
static int
rules_parse_name(const struct rules_parse *p, const char *name, char *err,
                 size_t errlen)
{
	const struct rule *r;
	size_t i;

	if (name[0] == '\0') {
		snprintf(err, errlen, "empty rule name");
		return -1;
	}
	for (i = 0; name[i] != '\0'; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			snprintf(err, errlen, "control character in rule name");
			return -1;
		}
	}
	for (i = 0; i < p->rs->nrules; i++) {
		r = &p->rs->rules[i];
		if (strcmp(r->name, name) != 0)
			continue;
		if (r->file == p->file)
			snprintf(
			    err, errlen,
			    "duplicate rule name \"%s\" (first at line %u)",
			    name, r->line);
		else
			snprintf(err, errlen,
			         "duplicate rule name \"%s\" (first at %s:%u)",
			         name, r->file, r->line);
		return -1;
	}
	return 0;
}

/* A [section] header starts a new rule. */
static int
rules_parse_header(struct rules_parse *p, const struct inifile_pos *pos,
                   const char *name, char *err, size_t errlen)
{
	struct ruleset *rs = p->rs;
	struct rule *r;

	if (rules_parse_name(p, name, err, errlen) != 0)
		return -1;
	rs->rules = xreallocarray(rs->rules, rs->nrules + 1, sizeof *r);
	r = &rs->rules[rs->nrules++];
	memset(r, 0, sizeof *r);
	r->name = xstrdup(name);
	r->file = p->file;
	r->line = pos->line;
	r->action = r->imdsv1 = -1;
	return 0;
}

/* The inifile callback: headers and keys. */
static int
rules_parse_cb(void *arg, const struct inifile_pos *pos, const char *section,
               const char *name, const char *value, char *err, size_t errlen)
{
	struct rules_parse *p = arg;
	size_t i;

	if (name == NULL)
		return rules_parse_header(p, pos, section, err, errlen);
	if (pos->section_line == 0 || p->rs->nrules == p->first) {
		snprintf(err, errlen, "key \"%s\" outside a [rule] section",
		         name);
		return -1;
	}
	for (i = 0; i < sizeof rules_keys / sizeof rules_keys[0]; i++)
		if (strcmp(name, rules_keys[i].key) == 0)
			return rules_keys[i].fn(
			    p->rs, &p->rs->rules[p->rs->nrules - 1], value, err,
			    errlen);
	snprintf(err, errlen, "unknown key \"%s\"", name);
	return -1;
}

/* After the file: every rule needs an action and a path. */
static int
rules_parse_complete(struct rules_parse *p, char *err, size_t errlen)
{
	struct rule *r;
	size_t i;

	for (i = p->first; i < p->rs->nrules; i++) {
		r = &p->rs->rules[i];
		if (r->action == -1 || r->npats == 0) {
			snprintf(err, errlen, "%s:%u: rule \"%s\" has no %s",
			         r->file, r->line, r->name,
			         r->action == -1 ? "action" : "path");
			return -1;
		}
		if (r->imdsv1 == -1)
			r->imdsv1 = 0;
	}
	return 0;
}

int
rules_parse_buf(struct ruleset *rs, const char *file, const char *data,
                size_t len, char *err, size_t errlen)
{
	struct rules_parse p;

	p.rs = rs;
	p.file = rules_addfile(rs, file);
	p.first = rs->nrules;
	if (data == NULL &&
	    inifile_parse(p.file, rules_parse_cb, &p, err, errlen) != 0)
		return -1;
	if (data != NULL && inifile_parse_buf(p.file, data, len, rules_parse_cb,
	                                      &p, err, errlen) != 0)
		return -1;
	return rules_parse_complete(&p, err, errlen);
}
