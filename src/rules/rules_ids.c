/* The comma lists of a rule: users, groups and methods. Names are turned
 * into ids at load, so a typo is an error now rather than a rule that
 * silently never matches, and a request costs no user-database lookup. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/rules_int.h"
#include "common/xmalloc.h"

#define RULES_IDS_MAXITEM 64

static const struct {
	const char *name;
	unsigned bit;
} rules_ids_methodtab[] = {
    {"GET", RULES_M_GET},         {"HEAD", RULES_M_HEAD},
    {"PUT", RULES_M_PUT},         {"POST", RULES_M_POST},
    {"DELETE", RULES_M_DELETE},   {"PATCH", RULES_M_PATCH},
    {"OPTIONS", RULES_M_OPTIONS},
};

/* Next trimmed item of a comma list into item; returns the rest, or NULL
 * at the end. An empty or over-long item gives item = "". */
static const char *
rules_ids_next(const char *p, char *item, size_t itemlen)
{
	const char *end;
	size_t n;

	if (*p == '\0')
		return NULL;
	end = strchr(p, ',');
	if (end == NULL)
		end = p + strlen(p);
	while (p < end && isspace((unsigned char)*p))
		p++;
	n = (size_t)(end - p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n >= itemlen)
		n = 0;
	memcpy(item, p, n);
	item[n] = '\0';
	return *end == ',' ? end + 1 : end;
}

/* "a, b," : a trailing comma is a typo, not an empty list item to skip. */
static int
rules_ids_trailing(const char *value, const char *what, char *err,
                   size_t errlen)
{
	size_t n = strlen(value);

	if (n == 0 || value[n - 1] != ',')
		return 0;
	snprintf(err, errlen, "empty %s in list", what);
	return -1;
}

/* A decimal id; (uid_t)-1 is "no id" to the kernel, so it is refused. */
static int
rules_ids_numeric(const char *s, unsigned long *id)
{
	char *end;

	if (s[strspn(s, "0123456789")] != '\0')
		return 0; /* a name, even if it starts with a digit */
	errno = 0;
	*id = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || *id >= UINT32_MAX)
		return -1;
	return 1;
}

/* What getpwnam_r(3) lists as other ways of saying "no such entry". */
static int
rules_ids_notfound(int rc)
{
	return rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	       rc == EPERM;
}

/* One name lookup into a growing buffer: a big group's member list must
 * not make it "unknown". Fills *id; returns the lookup's result code. */
typedef int (*rules_ids_lookup_fn)(const char *name, char *buf, size_t len,
                                   unsigned long *id, int *found);

/* Grow the buffer on ERANGE up to 16 MiB. 0 and *id, or -1 with errno (0:
 * no such entry). */
static int
rules_ids_get(rules_ids_lookup_fn fn, const char *name, unsigned long *id)
{
	size_t len = 16384;
	char *buf;
	int rc, found = 0;

	for (;;) {
		buf = xmalloc(len);
		rc = fn(name, buf, len, id, &found);
		free(buf);
		if (rc != ERANGE || len >= 16 * 1024 * 1024)
			break;
		len *= 4;
	}
	errno = rules_ids_notfound(rc) ? 0 : rc;
	return found ? 0 : -1;
}

/* getgrnam_r, as a rules_ids_lookup_fn. */
static int
rules_ids_group_fn(const char *name, char *buf, size_t len, unsigned long *id,
                   int *found)
{
	struct group gr, *res = NULL;
	int rc = getgrnam_r(name, &gr, buf, len, &res);

	if ((*found = res != NULL))
		*id = res->gr_gid;
	return rc;
}

/* getpwnam_r, as a rules_ids_lookup_fn. */
static int
rules_ids_user_fn(const char *name, char *buf, size_t len, unsigned long *id,
                  int *found)
{
	struct passwd pw, *res = NULL;
	int rc = getpwnam_r(name, &pw, buf, len, &res);

	if ((*found = res != NULL))
		*id = res->pw_uid;
	return rc;
}

static int
rules_ids_getgr(const char *name, gid_t *gid)
{
	unsigned long id;

	if (rules_ids_get(rules_ids_group_fn, name, &id) == -1)
		return -1;
	*gid = (gid_t)id;
	return 0;
}

static int
rules_ids_getpw(const char *name, uid_t *uid)
{
	unsigned long id;

	if (rules_ids_get(rules_ids_user_fn, name, &id) == -1)
		return -1;
	*uid = (uid_t)id;
	return 0;
}

/* Resolve one user name or number. */
static int
rules_ids_user(const char *s, uid_t *id, char *err, size_t errlen)
{
	unsigned long n;
	int r;

	if ((r = rules_ids_numeric(s, &n)) == 1) {
		*id = (uid_t)n;
		return 0;
	}
	if (r == 0 && rules_ids_getpw(s, id) == 0)
		return 0;
	if (r == 0 && errno != 0)
		snprintf(err, errlen, "cannot look up user \"%s\": %s", s,
		         strerror(errno));
	else
		snprintf(err, errlen,
		         r ? "bad uid \"%s\"" : "unknown user \"%s\"", s);
	return -1;
}

/* Resolve one group name or number. */
static int
rules_ids_group(const char *s, gid_t *id, char *err, size_t errlen)
{
	unsigned long n;
	int r;

	if ((r = rules_ids_numeric(s, &n)) == 1) {
		*id = (gid_t)n;
		return 0;
	}
	if (r == 0 && rules_ids_getgr(s, id) == 0)
		return 0;
	if (r == 0 && errno != 0)
		snprintf(err, errlen, "cannot look up group \"%s\": %s", s,
		         strerror(errno));
	else
		snprintf(err, errlen,
		         r ? "bad gid \"%s\"" : "unknown group \"%s\"", s);
	return -1;
}

/* The shared loop: each item resolved by one, appended to *ids. */
static int
rules_ids_list(const char *value, const char *what, void **ids, size_t *n,
               size_t size, int (*one)(const char *, void *, char *, size_t),
               char *err, size_t errlen)
{
	char item[RULES_IDS_MAXITEM];
	const char *p = value;

	if (rules_ids_trailing(value, what, err, errlen) != 0)
		return -1;
	while ((p = rules_ids_next(p, item, sizeof item)) != NULL) {
		if (item[0] == '\0') {
			snprintf(err, errlen, "empty or over-long %s in list",
			         what);
			return -1;
		}
		*ids = xreallocarray(*ids, *n + 1, size);
		if (one(item, (char *)*ids + *n * size, err, errlen) != 0)
			return -1;
		(*n)++;
	}
	if (*n == 0) {
		snprintf(err, errlen, "empty %s list", what);
		return -1;
	}
	return 0;
}

static int
rules_ids_user1(const char *s, void *id, char *err, size_t errlen)
{
	return rules_ids_user(s, id, err, errlen);
}

static int
rules_ids_group1(const char *s, void *id, char *err, size_t errlen)
{
	return rules_ids_group(s, id, err, errlen);
}

int
rules_ids_users(const char *value, uid_t **ids, size_t *n, char *err,
                size_t errlen)
{
	void *p = *ids;
	int r;

	r = rules_ids_list(value, "user", &p, n, sizeof **ids, rules_ids_user1,
	                   err, errlen);
	*ids = p;
	return r;
}

int
rules_ids_groups(const char *value, gid_t **ids, size_t *n, char *err,
                 size_t errlen)
{
	void *p = *ids;
	int r;

	r = rules_ids_list(value, "group", &p, n, sizeof **ids,
	                   rules_ids_group1, err, errlen);
	*ids = p;
	return r;
}

/* A request's method as a bit; 0 for one no rule can name. Exact and
 * case-sensitive, as HTTP methods are. */
unsigned
rules_ids_method(const char *method)
{
	size_t i;

	for (i = 0;
	     i < sizeof rules_ids_methodtab / sizeof rules_ids_methodtab[0];
	     i++)
		if (strcmp(method, rules_ids_methodtab[i].name) == 0)
			return rules_ids_methodtab[i].bit;
	return 0;
}

/* In rule files, methods are accepted in any case and stored as bits. */
int
rules_ids_methods(const char *value, unsigned *mask, char *err, size_t errlen)
{
	char item[RULES_IDS_MAXITEM];
	const char *p = value;
	size_t i;
	unsigned bit;

	if (rules_ids_trailing(value, "method", err, errlen) != 0)
		return -1;
	while ((p = rules_ids_next(p, item, sizeof item)) != NULL) {
		for (i = 0; item[i] != '\0'; i++)
			item[i] = (char)toupper((unsigned char)item[i]);
		if (item[0] == '\0' || (bit = rules_ids_method(item)) == 0) {
			snprintf(err, errlen,
			         "bad method \"%s\" (GET, HEAD, "
			         "PUT, POST, DELETE, PATCH or OPTIONS)",
			         item);
			return -1;
		}
		*mask |= bit;
	}
	if (*mask == 0) {
		snprintf(err, errlen, "empty method list");
		return -1;
	}
	return 0;
}
