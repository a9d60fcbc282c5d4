/* The IMDSv1 report: group the audit log's token-less requests by caller
 * so an operator knows what to upgrade before setting HttpTokens=required.
 * The log is data from attackers too: every field is length-checked, and
 * the text table shows control bytes escaped. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/jsonw.h"
#include "common/timefmt.h"
#include "detect/v1report.h"
#include "common/xmalloc.h"

#define V1_MAXLINE (1024 * 1024) /* longer is not one of our records */
#define V1_MAXPATHS 32           /* distinct paths kept per caller */
#define V1_MAXWARN 20            /* malformed lines reported by number */

struct v1_path {
	char *path;
	unsigned long count;
};

struct v1_caller {
	char *exe, *comm, *user;
	int64_t uid; /* -1 when absent */
	unsigned long count, denied, other_paths;
	int64_t first_ms, last_ms;
	char first[TIMEFMT_LEN], last[TIMEFMT_LEN];
	struct v1_path paths[V1_MAXPATHS];
	int npaths;
};

struct v1_report {
	struct v1_caller *c;
	size_t n, cap;
	unsigned long requests, malformed, total;
};

static const char *
v1_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

static struct v1_caller *
v1_find(struct v1_report *r, const char *exe, const char *comm, int64_t uid,
        const char *user)
{
	struct v1_caller *c;
	size_t i;

	for (i = 0; i < r->n; i++) {
		c = &r->c[i];
		if (c->uid == uid && !strcmp(c->exe, exe) &&
		    !strcmp(c->comm, comm) && !strcmp(c->user, user))
			return c;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->c = xreallocarray(r->c, r->cap, sizeof *r->c);
	}
	c = &r->c[r->n++];
	memset(c, 0, sizeof *c);
	c->exe = xstrdup(exe), c->comm = xstrdup(comm), c->user = xstrdup(user);
	c->uid = uid;
	return c;
}

static void
v1_add_path(struct v1_caller *c, const char *path)
{
	int i;

	for (i = 0; i < c->npaths; i++) {
		if (!strcmp(c->paths[i].path, path)) {
			c->paths[i].count++;
			return;
		}
	}
	if (c->npaths == V1_MAXPATHS) {
		c->other_paths++;
		return;
	}
	c->paths[c->npaths].path = xstrdup(path);
	c->paths[c->npaths++].count = 1;
}

/* First and last sighting by the record's own timestamp. */
static void
v1_seen(struct v1_caller *c, const char *ts)
{
	int64_t ms;

	if (timefmt_parse(ts, strlen(ts), &ms) != 0 ||
	    strlen(ts) >= TIMEFMT_LEN)
		return;
	if (c->first[0] == '\0' || ms < c->first_ms)
		c->first_ms = ms, snprintf(c->first, sizeof c->first, "%s", ts);
	if (c->last[0] == '\0' || ms > c->last_ms)
		c->last_ms = ms, snprintf(c->last, sizeof c->last, "%s", ts);
}

/* One record; -1 when the line is not one of our records. */
static int
v1_record(struct v1_report *r, json_t *o)
{
	json_t *ver, *uid;
	struct v1_caller *c;

	if (!json_is_object(o) ||
	    !json_is_string(json_object_get(o, "event")) ||
	    !json_is_string(json_object_get(o, "ts")))
		return -1;
	r->total++;
	if (strcmp(v1_str(o, "event"), "request") != 0)
		return 0;
	ver = json_object_get(o, "imds_version");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1)
		return 0;
	uid = json_object_get(o, "uid");
	c = v1_find(r, v1_str(o, "exe"), v1_str(o, "comm"),
	            json_is_integer(uid) ? json_integer_value(uid) : -1,
	            v1_str(o, "user"));
	c->count++;
	r->requests++;
	if (!strcmp(v1_str(o, "decision"), "deny"))
		c->denied++;
	v1_add_path(c, v1_str(o, "path"));
	v1_seen(c, v1_str(o, "ts"));
	return 0;
}

static void
v1_malformed(struct v1_report *r, const char *name, unsigned long lineno)
{
	if (r->malformed++ < V1_MAXWARN)
		fprintf(stderr, "%s:%lu: not an audit record, skipped\n", name,
		        lineno);
}

static int
v1_read(struct v1_report *r, FILE *f, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	json_t *o;

	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		o = len > V1_MAXLINE ? NULL
		                     : json_loadb(line, (size_t)len,
		                                  JSON_REJECT_DUPLICATES, NULL);
		if (o == NULL || v1_record(r, o) != 0)
			v1_malformed(r, name, lineno);
		json_decref(o);
	}
	free(line);
	return ferror(f) ? -1 : 0;
}

static int
v1_cmp(const void *a, const void *b)
{
	const struct v1_caller *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->exe, y->exe);
}

/* Plain words as they are; anything else (spaces, control bytes, quotes,
 * non-ASCII) as a JSON string: the table goes to a terminal. */
static void
v1_text_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;

	if (*s == '\0') {
		fputs("-", out);
		return;
	}
	for (; *p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\'; p++)
		;
	if (*p == '\0') {
		fputs(s, out);
		return;
	}
	buf_init(&b);
	jw_escape(&b, s, strlen(s));
	fwrite(b.data, 1, b.len, out);
	buf_free(&b);
}

static void
v1_text(const struct v1_report *r, FILE *out, const char *name)
{
	const struct v1_caller *c;
	size_t i;
	int k;

	fprintf(out,
	        "%s: %lu IMDSv1 request(s) (no token) from %zu caller(s), "
	        "%lu record(s) read\n",
	        name, r->requests, r->n, r->total);
	for (i = 0; i < r->n; i++) {
		c = &r->c[i];
		fprintf(out,
		        "\n%lu request(s), %lu denied, first %s, last %s\n",
		        c->count, c->denied, c->first[0] ? c->first : "-",
		        c->last[0] ? c->last : "-");
		fprintf(out, "  exe ");
		v1_text_str(out, c->exe);
		fprintf(out, "\n  comm ");
		v1_text_str(out, c->comm);
		fprintf(out, "\n  uid %lld user ", (long long)c->uid);
		v1_text_str(out, c->user);
		fprintf(out, "\n");
		for (k = 0; k < c->npaths; k++) {
			fprintf(out, "  %8lu  ", c->paths[k].count);
			v1_text_str(out, c->paths[k].path);
			fprintf(out, "\n");
		}
		if (c->other_paths)
			fprintf(out, "  %8lu  (other paths)\n", c->other_paths);
	}
}

static void
v1_json_caller(const struct v1_caller *c, FILE *out)
{
	struct jsonw jw;
	struct buf b;
	int k;

	buf_init(&b);
	jw_begin(&jw, &b);
	jw_str(&jw, "type", "imdsgate:IMDSv1Caller");
	jw_str(&jw, "exe", c->exe);
	jw_str(&jw, "comm", c->comm);
	if (c->uid >= 0)
		jw_int(&jw, "uid", c->uid);
	jw_str(&jw, "user", c->user);
	jw_uint(&jw, "count", c->count);
	jw_uint(&jw, "denied", c->denied);
	jw_str(&jw, "first_seen", c->first[0] ? c->first : NULL);
	jw_str(&jw, "last_seen", c->last[0] ? c->last : NULL);
	jw_arr_begin(&jw, "paths");
	for (k = 0; k < c->npaths; k++) {
		jw_obj_begin(&jw, NULL);
		jw_str(&jw, "path", c->paths[k].path);
		jw_uint(&jw, "count", c->paths[k].count);
		jw_obj_end(&jw);
	}
	jw_arr_end(&jw);
	jw_uint(&jw, "other_paths", c->other_paths);
	jw_end(&jw);
	buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, out);
	buf_free(&b);
}

static void
v1_free(struct v1_report *r)
{
	size_t i;
	int k;

	for (i = 0; i < r->n; i++) {
		free(r->c[i].exe), free(r->c[i].comm), free(r->c[i].user);
		for (k = 0; k < r->c[i].npaths; k++)
			free(r->c[i].paths[k].path);
	}
	free(r->c);
}

int
v1report_run(const char *path, FILE *out, int json)
{
	struct v1_report r;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t i;
	int rc;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	memset(&r, 0, sizeof r);
	rc = v1_read(&r, f, strcmp(path, "-") == 0 ? "(stdin)" : path);
	if (f != stdin)
		fclose(f);
	if (rc != 0) {
		fprintf(stderr, "%s: read error\n", path);
		v1_free(&r);
		return 1;
	}
	if (r.malformed > V1_MAXWARN)
		fprintf(stderr, "%s: %lu malformed line(s) skipped in all\n",
		        path, r.malformed);
	if (r.n > 1)
		qsort(r.c, r.n, sizeof *r.c, v1_cmp);
	for (i = 0; json && i < r.n; i++)
		v1_json_caller(&r.c[i], out);
	if (!json)
		v1_text(&r, out, path);
	rc = r.requests > 0 ? 3 : 0;
	v1_free(&r);
	return rc;
}
