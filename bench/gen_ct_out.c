/* Where generated events go: gzip S3 objects in CloudTrail's layout, one
 * stream per account and region, and JSON lines files of a fixed number
 * of lines, both in event time order. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libdeflate.h>

#include "gen_ct.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define GEN_OBJ_PREFIX "{\"Records\":["

struct gen_stream {
	struct buf	 obj;
	uint32_t	 n;
	int64_t		 first;		/* time of the object's first event */
};

struct gen_out {
	const struct gen_opts		*o;
	struct gen_stream		 st[GEN_NSTREAMS];
	struct libdeflate_compressor	*z;
	char				*zbuf;
	size_t				 zcap;
	struct gen_rng			 r;
	FILE				*jf;
	uint64_t			 jlines, jfiles;
	uint64_t			 objects, bytes_json, bytes_gz;
};

/* mkdir -p: every missing component of path, up to the last slash. */
static void
gen_out_mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			fatal("mkdir %s", p);
		*s = '/';
	}
	free(p);
}

static void
gen_out_write(const char *path, const void *data, size_t len)
{
	FILE *f;

	gen_out_mkdirs(path);
	if ((f = fopen(path, "wb")) == NULL)
		fatal("%s", path);
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		fatal("write %s", path);
}

/* ACCT_CloudTrail_REGION_YYYYMMDDTHHMMZ_xxxxxxxxxxxxxxxx.json.gz */
static void
gen_out_objname(struct gen_out *w, int stream, int64_t t, char *out, size_t n)
{
	const char *acct = gen_account(stream), *reg = gen_region(stream);
	char sfx[17];
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	gen_alnum(&w->r, sfx, 16, 0);
	snprintf(out, n, "%s/s3/AWSLogs/%s/CloudTrail/%s/%04d/%02d/%02d/"
	    "%s_CloudTrail_%s_%04d%02d%02dT%02d%02dZ_%s.json.gz",
	    w->o->outdir, acct, reg, tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, acct, reg, tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, sfx);
}

/* Close the stream's object, compress it, write it out. */
static void
gen_out_flush(struct gen_out *w, int stream)
{
	struct gen_stream *st = &w->st[stream];
	size_t bound, zlen;
	char path[1024];

	if (st->n == 0)
		return;
	buf_add(&st->obj, "]}", 2);
	bound = libdeflate_gzip_compress_bound(w->z, st->obj.len);
	if (bound > w->zcap) {
		w->zcap = bound;
		w->zbuf = xreallocarray(w->zbuf, w->zcap, 1);
	}
	zlen = libdeflate_gzip_compress(w->z, st->obj.data, st->obj.len,
	    w->zbuf, w->zcap);
	if (zlen == 0)
		fatalx("gzip failed");
	gen_out_objname(w, stream, st->first, path, sizeof path);
	gen_out_write(path, w->zbuf, zlen);
	w->objects++;
	w->bytes_gz += zlen;
	if (!w->o->jsonl)
		w->bytes_json += st->obj.len;
	buf_reset(&st->obj);
	buf_addstr(&st->obj, GEN_OBJ_PREFIX);
	st->n = 0;
}

/* The next JSON lines file, ct-000001.jsonl and on. */
static void
gen_out_nextfile(struct gen_out *w)
{
	char path[1024];

	if (w->jf != NULL && fclose(w->jf) != 0)
		fatal("close JSON lines file");
	snprintf(path, sizeof path, "%s/jsonl/ct-%06llu.jsonl", w->o->outdir,
	    (unsigned long long)++w->jfiles);
	gen_out_mkdirs(path);
	if ((w->jf = fopen(path, "w")) == NULL)
		fatal("%s", path);
	setvbuf(w->jf, NULL, _IOFBF, 1 << 20);
	w->jlines = 0;
}

struct gen_out *
gen_out_open(const struct gen_opts *o)
{
	struct gen_out *w = xcalloc(1, sizeof *w);
	int i;

	w->o = o;
	w->r.s = gen_mix(o->seed ^ 0x5eed);
	if ((w->z = libdeflate_alloc_compressor(6)) == NULL)
		fatalx("libdeflate_alloc_compressor failed");
	for (i = 0; i < GEN_NSTREAMS; i++) {
		buf_init(&w->st[i].obj);
		buf_addstr(&w->st[i].obj, GEN_OBJ_PREFIX);
	}
	return w;
}

void
gen_out_event(struct gen_out *w, int stream, int64_t t, const struct buf *ev)
{
	struct gen_stream *st = &w->st[stream];

	if (w->o->gz) {
		if (st->n++ == 0)
			st->first = t;
		else
			buf_addc(&st->obj, ',');
		buf_add(&st->obj, ev->data, ev->len);
		if (st->n >= w->o->per_object)
			gen_out_flush(w, stream);
	}
	if (w->o->jsonl) {
		if (w->jf == NULL || w->jlines >= w->o->per_file)
			gen_out_nextfile(w);
		if (fwrite(ev->data, 1, ev->len, w->jf) != ev->len ||
		    putc('\n', w->jf) == EOF)
			fatal("write JSON lines");
		w->jlines++;
		w->bytes_json += ev->len + 1;
	}
}

void
gen_out_close(struct gen_out *w, uint64_t *objects, uint64_t *files,
    uint64_t *bytes_json, uint64_t *bytes_gz)
{
	int i;

	for (i = 0; i < GEN_NSTREAMS; i++) {
		gen_out_flush(w, i);
		buf_free(&w->st[i].obj);
	}
	if (w->jf != NULL && fclose(w->jf) != 0)
		fatal("close JSON lines file");
	*objects = w->objects;
	*files = w->jfiles;
	*bytes_json = w->bytes_json;
	*bytes_gz = w->bytes_gz;
	libdeflate_free_compressor(w->z);
	free(w->zbuf);
	free(w);
}
