/* Feeding inputs to the detector (see detect_run.h): which inputs, in
 * which order, read how. */
#include "config.h"
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "detect/ct_input.h"
#include "detect/detect_ahead.h"
#include "detect/detect_batch.h"
#include "detect/detect_run.h"

/* One input of a run: a file, or stdin read ahead to learn its start. */
struct input {
	char *path;
	int64_t key; /* ct_order_key */
	struct ct_blob blob;
	int have_blob;
};

struct inputs {
	struct input *v;
	size_t n, cap;
};

static int
detect_run_content(struct detect *d, const char *name, const char *buf,
                   size_t len)
{
	struct batch b;

	batch_open(&b, d, name, 0);
	batch_parse(&b, buf, len);
	batch_close(&b);
	return 0;
}

int
detect_run_buffer(struct detect *d, const char *name, const char *buf,
                  size_t len)
{
	detect_run_content(d, name, buf, len);
	if (!d->live)
		detect_run_flush(d);
	return 0;
}

void
detect_run_flush(struct detect *d)
{
	hold_flush(&d->hold, detect_apply, d);
}

void
detect_run_tick(struct detect *d, int64_t now_ms)
{
	hold_release(&d->hold, now_ms - DETECT_WINDOW_MS, detect_apply, d);
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

/* The read window: one buffer for every file, small enough to stay in
 * the cache between read() filling it and the parser reading it. */
static char *
detect_run_window(struct detect *d, size_t cap)
{
	if (d->rcap < cap) {
		d->rbuf = xreallocarray(d->rbuf, 1, cap + CT_PADDING);
		d->rcap = cap;
	}
	return d->rbuf;
}

/* A JSON lines file a window at a time: holding a whole trail costs
 * more in page faults and cache misses than parsing it. */
static void
detect_run_lines(struct detect *d, const char *path, int fd)
{
	size_t cap = DETECT_READ, have = 0, cut;
	char *buf = detect_run_window(d, cap), *nl;
	struct batch b;
	ssize_t n;

	batch_open(&b, d, path, 1);
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
			buf = detect_run_window(d, cap);
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
}

/* Whether path is an uncompressed JSON lines file, read a window at a
 * time (any other content is read whole). */
static int
detect_run_chunked(const char *path, int *fdp)
{
	char head[65536];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (n = pread(fd, head, sizeof head, 0)) > 2 &&
	    (unsigned char)head[0] != 0x1f && ct_is_lines(head, (size_t)n)) {
		*fdp = fd;
		return 1;
	}
	close(fd);
	return 0;
}

/* One input, read (or opened, for JSON lines) by detect_ahead. */
static void
detect_run_file(struct detect *d, struct input *in, struct ahead_item *it)
{
	if (in->have_blob)
		detect_run_content(d, in->path, in->blob.data, in->blob.len);
	else if (it->fd >= 0) {
		detect_run_lines(d, in->path, it->fd);
		close(it->fd);
		it->fd = -1;
	} else if (it->rc != 0) {
		log_warnx("%s: %s; skipped", in->path, it->err);
		d->malformed++;
	} else
		detect_run_content(d, in->path, it->blob.data, it->blob.len);
}

/* The inputs in order, read ahead of their parse (detect_ahead.h). */
static void
detect_run_all(struct detect *d, struct inputs *l)
{
	struct ahead a;
	char **paths = xcalloc(l->n > 0 ? l->n : 1, sizeof *paths);
	size_t i;

	for (i = 0; i < l->n; i++)
		paths[i] = l->v[i].have_blob ? NULL : l->v[i].path;
	ahead_start(&a, paths, l->n, detect_run_chunked);
	for (i = 0; i < l->n; i++) {
		detect_run_file(d, &l->v[i], ahead_take(&a, i));
		ahead_done(&a, i);
	}
	ahead_end(&a);
	free(paths);
}

static struct input *
detect_run_add(struct inputs *l, char *path)
{
	struct input *in;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	in = &l->v[l->n++];
	memset(in, 0, sizeof *in);
	in->path = path;
	return in;
}

/* Stdin is read ahead: its start is only known from its content. */
static int
detect_run_stdin(struct detect *d, struct inputs *l)
{
	struct input *in = detect_run_add(l, xstrdup("-"));
	char err[256];

	if (ct_input_read("-", &in->blob, err, sizeof err) != 0) {
		log_warnx("-: %s; skipped", err);
		d->malformed++;
		l->n--;
		free(in->path);
		return 0;
	}
	in->have_blob = 1;
	in->key = ct_order_scan(in->blob.data, in->blob.len < CT_ORDER_HEAD
	                                           ? in->blob.len
	                                           : CT_ORDER_HEAD);
	return 0;
}

/* A path's inputs into the list; -1 when it cannot be read. */
static int
detect_run_list(struct detect *d, struct inputs *l, const char *path)
{
	struct stat st;
	char **v;
	size_t n, i;

	if (strcmp(path, "-") == 0)
		return detect_run_stdin(d, l);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		n = ct_input_walk(path, &v);
		for (i = 0; i < n; i++)
			detect_run_add(l, v[i]);
		free(v);
		return 0;
	}
	if (access(path, R_OK) != 0) {
		log_warn("%s", path);
		return -1;
	}
	detect_run_add(l, xstrdup(path));
	return 0;
}

static int
detect_run_cmp(const void *a, const void *b)
{
	const struct input *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->path, y->path);
}

int
detect_run_paths(struct detect *d, char *const *paths, int n)
{
	struct inputs l = {NULL, 0, 0};
	size_t i;
	int bad = 0, k;

	for (k = 0; k < n; k++)
		if (detect_run_list(d, &l, paths[k]) != 0)
			bad = 1;
	for (i = 0; i < l.n; i++)
		if (!l.v[i].have_blob)
			l.v[i].key = ct_order_key(l.v[i].path);
	if (l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, detect_run_cmp);
	detect_run_all(d, &l);
	for (i = 0; i < l.n; i++) {
		ct_input_free(&l.v[i].blob);
		free(l.v[i].path);
	}
	free(l.v);
	if (!d->live)
		detect_run_flush(d);
	return bad ? -1 : 0;
}

int
detect_run_path(struct detect *d, const char *path)
{
	char *p = (char *)path;

	return detect_run_paths(d, &p, 1);
}
