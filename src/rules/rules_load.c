/* Rule sets: built from a directory in lexical order, all or nothing, and
 * reference counted so a reload can swap sets while requests in flight
 * still hold the old one. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "rules/rules_int.h"
#include "common/xmalloc.h"

struct ruleset *
rules_new(void)
{
	struct ruleset *rs = xcalloc(1, sizeof *rs);

	atomic_init(&rs->refs, 1);
	return rs;
}

/* Keep a file name for the rules' lifetime; returns the kept copy. */
const char *
rules_addfile(struct ruleset *rs, const char *file)
{
	rs->files = xreallocarray(rs->files, rs->nfiles + 1, sizeof *rs->files);
	rs->files[rs->nfiles] = xstrdup(file);
	return rs->files[rs->nfiles++];
}

static void
rules_free_rule(struct rule *r)
{
	size_t i;

	for (i = 0; i < r->npats; i++)
		rules_pattern_free(&r->pats[i]);
	free(r->pats);
	free(r->uids);
	free(r->gids);
	free(r->name);
}

static void
rules_free(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->nrules; i++)
		rules_free_rule(&rs->rules[i]);
	for (i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->rules);
	free(rs->files);
	rules_intern_free(&rs->intern);
	free(rs);
}

struct ruleset *
rules_ref(struct ruleset *rs)
{
	atomic_fetch_add(&rs->refs, 1);
	return rs;
}

void
rules_unref(struct ruleset *rs)
{
	if (rs != NULL && atomic_fetch_sub(&rs->refs, 1) == 1)
		rules_free(rs);
}

size_t
rules_count(const struct ruleset *rs)
{
	return rs->nrules;
}

struct ruleset *
rules_load_buf(const char *name, const char *data, size_t len, char *err,
               size_t errlen)
{
	struct ruleset *rs = rules_new();

	if (rules_parse_buf(rs, name, data == NULL ? "" : data, len, err,
	                    errlen) != 0) {
		rules_unref(rs);
		return NULL;
	}
	return rs;
}

struct ruleset *
rules_load_file(const char *path, char *err, size_t errlen)
{
	struct ruleset *rs = rules_new();

	if (rules_parse_buf(rs, path, NULL, 0, err, errlen) != 0) {
		rules_unref(rs);
		return NULL;
	}
	return rs;
}

/* "*.rules", not hidden: editor backups, .rpmnew/.dpkg-old and
 * "foo.rules~" are ignored on purpose. */
static int
rules_load_wanted(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 6 &&
	       strcmp(de->d_name + n - 6, ".rules") == 0;
}

/* Byte order, whatever the locale, so the order never depends on LANG. */
static int
rules_load_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Whoever can write a rule file can grant themselves the credentials:
 * say so loudly (a warning, not an error, so a packaging slip does not
 * take the metadata service away from the whole instance). */
static void
rules_load_modecheck(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return; /* the parser reports it */
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		log_warnx("%s: writable by group or others: whoever can write "
		          "it can grant themselves the instance's credentials",
		          path);
	else if (sb.st_uid != 0 && sb.st_uid != geteuid())
		log_warnx("%s: owned by uid %u, not root: that user can grant "
		          "themselves the instance's credentials",
		          path, (unsigned)sb.st_uid);
}

/* Parse the listed files in order into rs; 0 or -1 with err. */
static int
rules_load_each(struct ruleset *rs, const char *dir, struct dirent **de, int n,
                char *err, size_t errlen)
{
	char *path;
	int i, rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		xasprintf(&path, "%s/%s", dir, de[i]->d_name);
		rules_load_modecheck(path);
		rc = rules_parse_buf(rs, path, NULL, 0, err, errlen);
		free(path);
	}
	return rc;
}

struct ruleset *
rules_load_dir(const char *dir, char *err, size_t errlen)
{
	struct ruleset *rs;
	struct dirent **de;
	int n, i, rc;

	if ((n = scandir(dir, &de, rules_load_wanted, rules_load_cmp)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	rs = rules_new();
	rc = rules_load_each(rs, dir, de, n, err, errlen);
	for (i = 0; i < n; i++)
		free(de[i]);
	free(de);
	if (rc != 0) {
		rules_unref(rs);
		return NULL;
	}
	return rs;
}
