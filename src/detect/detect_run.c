/* Feeding inputs to the detector (see detect_run.h). */
#include "config.h"
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "detect/ct_input.h"
#include "detect/detect_run.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/xmalloc.h"

struct bev {
	int64_t t;
	struct ct_event ev;
};

struct batch {
	struct detect *d;
	struct buf arena; /* the strings of the batch */
	struct bev *v;
	struct bev **order; /* sorted by pointer: events are big */
	size_t n, cap;
	int64_t last_t;      /* for records without a time */
	uint64_t idx0, off0; /* record and byte numbers before this piece */
	int lines;           /* pieces of a JSON lines file */
};

/* Copy a view into the arena; the pointer holds an offset until fixup. */
static void
batch_keep(struct batch *b, struct ct_str *s)
{
	if (s->p == NULL)
		return;
	buf_add(&b->arena, s->p, s->n);
	s->p = (const char *)(uintptr_t)(b->arena.len - s->n + 1);
}

static void
batch_fix(struct batch *b, struct ct_str *s)
{
	if (s->p != NULL)
		s->p = b->arena.data + ((uintptr_t)s->p - 1);
}

static int
batch_cmp(const void *x, const void *y)
{
	const struct bev *a = *(struct bev *const *)x;
	const struct bev *b = *(struct bev *const *)y;
	const struct ct_str *ia = &a->ev.f[CT_EVENTID],
	                    *ib = &b->ev.f[CT_EVENTID];
	int c;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	/* Ties in eventID order, so every delivery form reads alike. */
	c = memcmp(ia->p ? ia->p : "", ib->p ? ib->p : "",
	           ia->n < ib->n ? ia->n : ib->n);
	if (c != 0 || ia->n != ib->n)
		return c != 0 ? c : (ia->n < ib->n ? -1 : 1);
	return a->ev.index < b->ev.index ? -1 : a->ev.index > b->ev.index;
}

static void
batch_fixall(struct batch *b, struct ct_event *ev)
{
	int i;

	for (i = 0; i < CT_NFIELDS; i++)
		batch_fix(b, &ev->f[i]);
	for (i = 0; i < ev->nips; i++)
		batch_fix(b, &ev->ips[i]);
	for (i = 0; i < ev->ninstances; i++)
		batch_fix(b, &ev->instances[i]);
	for (i = 0; i < ev->nenis; i++)
		batch_fix(b, &ev->enis[i]);
}

/* Time order inside the batch, then the detector. */
static void
batch_flush(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		batch_fixall(b, &b->v[i].ev);
		b->order[i] = &b->v[i];
	}
	if (b->n > 1)
		qsort(b->order, b->n, sizeof *b->order, batch_cmp);
	for (i = 0; i < b->n; i++)
		detect_event(b->d, &b->order[i]->ev, b->order[i]->t);
	b->n = 0;
	buf_reset(&b->arena);
}

static int64_t
batch_time(struct batch *b, const struct ct_event *ev)
{
	const struct ct_str *t = &ev->f[CT_TIME];
	int64_t ms;

	if (t->p != NULL && timefmt_parse(t->p, t->n, &ms) == 0)
		return b->last_t = ms;
	b->d->notime++;
	log_warnx("%s: record %llu: no usable eventTime or @timestamp; "
	          "using the previous record's time",
	          b->d->input, (unsigned long long)ev->index);
	return b->last_t;
}

static void
batch_event(const struct ct_event *ev, void *arg)
{
	struct batch *b = arg;
	struct bev *e;
	int i;

	if (ev->f[CT_EVENTID].p != NULL &&
	    dedup_seen(&b->d->dedup, ev->f[CT_EVENTID].p,
	               ev->f[CT_EVENTID].n)) {
		b->d->dups++;
		return;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = xreallocarray(b->v, b->cap, sizeof *b->v);
		b->order = xreallocarray(b->order, b->cap, sizeof *b->order);
	}
	e = &b->v[b->n++];
	e->ev = *ev;
	e->ev.index += b->idx0;
	e->t = batch_time(b, ev);
	for (i = 0; i < CT_NFIELDS; i++)
		batch_keep(b, &e->ev.f[i]);
	for (i = 0; i < ev->nips; i++)
		batch_keep(b, &e->ev.ips[i]);
	for (i = 0; i < ev->ninstances; i++)
		batch_keep(b, &e->ev.instances[i]);
	for (i = 0; i < ev->nenis; i++)
		batch_keep(b, &e->ev.enis[i]);
	if (b->n >= DETECT_BATCH)
		batch_flush(b);
}

static void
batch_error(const char *what, uint64_t index, uint64_t offset, void *arg)
{
	struct batch *b = arg;

	b->d->malformed++;
	index += b->idx0;
	if (offset != 0) {
		offset += b->off0;
		log_warnx("%s: record %llu (byte %llu): %s; skipped",
		          b->d->input, (unsigned long long)index,
		          (unsigned long long)offset, what);
	} else
		log_warnx("%s: record %llu: %s; skipped", b->d->input,
		          (unsigned long long)index, what);
}

static void
batch_open(struct batch *b, struct detect *d, const char *name)
{
	memset(b, 0, sizeof *b);
	b->d = d;
	buf_init(&b->arena);
	d->input = name;
}

/* One piece of an input; record numbers continue from the last piece. */
static int
batch_parse(struct batch *b, const char *buf, size_t len)
{
	struct ct_counts c = {0, 0, 0};
	int r;

	if (b->lines)
		r = ct_parse_lines(buf, len, batch_event, batch_error, b, &c);
	else
		r = ct_parse(buf, len, batch_event, batch_error, b, &c);
	if (r != 0) {
		b->d->malformed++;
		log_warnx("%s: not valid JSON after %llu records; rest of the "
		          "file skipped",
		          b->d->input, (unsigned long long)c.records);
	}
	b->idx0 += c.records + c.malformed;
	b->off0 += len;
	return r;
}

static void
batch_close(struct batch *b)
{
	batch_flush(b);
	buf_free(&b->arena);
	free(b->v);
	free(b->order);
}

int
detect_run_buffer(struct detect *d, const char *name, const char *buf,
                  size_t len)
{
	struct batch b;

	batch_open(&b, d, name);
	batch_parse(&b, buf, len);
	batch_close(&b);
	return 0;
}

/* Fill buf from fd up to want bytes; the count read, or -1. */
static ssize_t
detect_run_fill(int fd, char *buf, size_t want)
{
	size_t got = 0;
	ssize_t n;

	while (got < want) {
		n = read(fd, buf + got, want - got);
		if (n == 0)
			break;
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	return (ssize_t)got;
}

/* A large JSON lines file a window at a time: holding a whole trail
 * costs more in page clearing and copying than parsing it. */
static int
detect_run_lines(struct detect *d, const char *path, int fd)
{
	size_t cap = DETECT_CHUNK, have = 0, cut;
	char *buf = xmalloc(cap + CT_PADDING), *nl;
	struct batch b;
	ssize_t n;

	batch_open(&b, d, path);
	b.lines = 1;
	for (;;) {
		if ((n = detect_run_fill(fd, buf + have, cap - have)) < 0)
			break;
		have += (size_t)n;
		memset(buf + have, 0, CT_PADDING);
		if (have < cap) { /* end of file */
			batch_parse(&b, buf, have);
			break;
		}
		if ((nl = memrchr(buf, '\n', have)) == NULL) {
			cap *= 2; /* one line longer than the window */
			buf = xreallocarray(buf, 1, cap + CT_PADDING);
			continue;
		}
		cut = (size_t)(nl - buf) + 1;
		batch_parse(&b, buf, cut);
		memmove(buf, buf + cut, have - cut);
		have -= cut;
	}
	if (n < 0)
		log_warn("%s", path);
	batch_close(&b);
	free(buf);
	return 0;
}

/* Whether path is a large, uncompressed JSON lines file. */
static int
detect_run_chunked(const char *path, int *fdp)
{
	char head[65536];
	struct stat st;
	ssize_t n;
	int fd;

	if (strcmp(path, "-") == 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size > DETECT_CHUNK &&
	    (n = pread(fd, head, sizeof head, 0)) > 2 &&
	    (unsigned char)head[0] != 0x1f && ct_is_lines(head, (size_t)n)) {
		*fdp = fd;
		return 1;
	}
	close(fd);
	return 0;
}

static int
detect_run_file(struct detect *d, const char *path)
{
	struct ct_blob blob;
	char err[256];
	int fd;

	if (access(path, R_OK) != 0 && strcmp(path, "-") != 0) {
		log_warn("%s", path);
		return -1;
	}
	if (detect_run_chunked(path, &fd)) {
		detect_run_lines(d, path, fd);
		close(fd);
		return 0;
	}
	if (ct_input_read(path, &blob, err, sizeof err) != 0) {
		log_warnx("%s: %s; skipped", path, err);
		d->malformed++;
		return 0;
	}
	detect_run_buffer(d, path, blob.data, blob.len);
	ct_input_free(&blob);
	return 0;
}

int
detect_run_path(struct detect *d, const char *path)
{
	struct stat st;
	char **v;
	size_t n, i;

	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		n = ct_input_walk(path, &v);
		for (i = 0; i < n; i++)
			detect_run_file(d, v[i]);
		ct_input_freelist(v, n);
		return 0;
	}
	return detect_run_file(d, path);
}
