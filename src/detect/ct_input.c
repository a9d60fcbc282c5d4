/* Reading CloudTrail inputs (see ct_input.h). */
#include "config.h"
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/ct_input.h"
#include "detect/ct_json.h"
#include "common/xmalloc.h"

void
ct_input_free(struct ct_blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Room for cap bytes and the padding; a buffer already large enough is
 * kept, so that a reused one costs no new pages. */
static void
ct_input_room(struct ct_blob *b, size_t cap)
{
	if (b->data != NULL && b->cap >= cap)
		return;
	b->data = xreallocarray(b->data, 1, cap + CT_PADDING);
	b->cap = cap;
	xadvise_huge(b->data, cap); /* a 1 GiB trail: 250k faults else */
}

/* Read all of fd; the buffer always keeps CT_PADDING spare zero bytes. */
static int
ct_input_slurp(int fd, struct ct_blob *b)
{
	size_t cap = 1 << 16;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	ct_input_room(b, cap);
	cap = b->cap;
	b->len = 0;
	for (;;) {
		if (b->len == cap)
			ct_input_room(b, cap *= 2);
		n = read(fd, b->data + b->len, cap - b->len);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b->len += (size_t)n;
	}
	memset(b->data + b->len, 0, CT_PADDING);
	return 0;
}

/* One gzip member into out at out->len, growing the buffer as needed. */
static int
ct_input_member(struct libdeflate_decompressor *d, const char *src, size_t len,
                size_t *used, struct ct_blob *out)
{
	uint32_t isize;
	size_t want, got;
	enum libdeflate_result r;

	memcpy(&isize, src + len - 4, 4); /* a hint only: untrusted */
	want = isize; /* deflate cannot expand beyond 1032:1 */
	if (want / 1032 > len)
		want = len * 1032;
	if (want > CT_INPUT_MAXOUT)
		want = CT_INPUT_MAXOUT;
	if (want < 4096)
		want = 4096;
	for (;;) {
		if (out->len + want > out->cap) {
			out->cap = out->len + want;
			out->data =
			    xreallocarray(out->data, 1, out->cap + CT_PADDING);
		}
		r = libdeflate_gzip_decompress_ex(
		    d, src, len, out->data + out->len, out->cap - out->len,
		    used, &got);
		if (r == LIBDEFLATE_SUCCESS) {
			out->len += got;
			return 0;
		}
		if (r != LIBDEFLATE_INSUFFICIENT_SPACE)
			return -1;
		if (out->len + want * 2 > CT_INPUT_MAXOUT)
			return -2;
		want *= 2;
	}
}

/* Gunzip into out's buffer as it is (a reused one keeps its pages). */
static int
ct_input_inflate(const char *src, size_t len, struct ct_blob *out, char *err,
                 size_t errlen)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t off = 0, used;
	int r = 0, any = 0;

	out->len = 0;
	while (r == 0 && off + 18 <= len && (unsigned char)src[off] == 0x1f &&
	       (unsigned char)src[off + 1] == 0x8b) {
		r = ct_input_member(d, src + off, len - off, &used, out);
		if (r == 0) /* libdeflate sets used only on success */
			off += used;
		any = 1;
	}
	libdeflate_free_decompressor(d);
	if (r == -2)
		snprintf(err, errlen, "decompressed size over %zu bytes",
		         (size_t)CT_INPUT_MAXOUT);
	else if (r != 0 || !any)
		snprintf(err, errlen, "corrupt gzip data at byte %zu", off);
	if (r != 0 || !any) {
		ct_input_free(out);
		return -1;
	}
	memset(out->data + out->len, 0, CT_PADDING);
	return 0;
}

int
ct_input_gunzip(const char *src, size_t len, struct ct_blob *out, char *err,
                size_t errlen)
{
	out->data = NULL;
	out->len = out->cap = 0;
	return ct_input_inflate(src, len, out, err, errlen);
}

int
ct_input_sniff(struct ct_blob *b, char *err, size_t errlen)
{
	struct ct_blob z;

	if (b->len < 2 || (unsigned char)b->data[0] != 0x1f ||
	    (unsigned char)b->data[1] != 0x8b)
		return 0;
	if (ct_input_gunzip(b->data, b->len, &z, err, errlen) != 0) {
		ct_input_free(b);
		return -1;
	}
	ct_input_free(b);
	*b = z;
	return 0;
}

/* The content of what was read into raw, into b: gunzipped, or raw's
 * buffer itself (the two swap, so that both stay allocated for reuse). */
static int
ct_input_unpack(struct ct_blob *raw, struct ct_blob *b, char *err,
                size_t errlen)
{
	struct ct_blob t;

	if (raw->len >= 2 && (unsigned char)raw->data[0] == 0x1f &&
	    (unsigned char)raw->data[1] == 0x8b)
		return ct_input_inflate(raw->data, raw->len, b, err, errlen);
	t = *b;
	*b = *raw;
	*raw = t;
	return 0;
}

/* read(), not mmap(): a file truncated while mapped (log rotation, a
 * copy in progress) would kill the process with SIGBUS. */
int
ct_input_load(const char *path, struct ct_blob *b, struct ct_blob *raw,
              char *err, size_t errlen)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	int r, saved;

	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	r = ct_input_slurp(fd, raw);
	saved = errno;
	if (fd > 0)
		close(fd);
	if (r != 0) {
		snprintf(err, errlen, "%s", strerror(saved));
		return -1;
	}
	return ct_input_unpack(raw, b, err, errlen);
}

int
ct_input_read(const char *path, struct ct_blob *b, char *err, size_t errlen)
{
	struct ct_blob raw = {NULL, 0, 0};
	int r;

	memset(b, 0, sizeof *b);
	r = ct_input_load(path, b, &raw, err, errlen);
	ct_input_free(&raw);
	if (r != 0)
		ct_input_free(b);
	return r;
}
