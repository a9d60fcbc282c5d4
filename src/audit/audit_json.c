/* A strict JSON reader for credential bodies, in one pass and without an
 * allocation per value: jansson's json_loadb took more instructions per
 * credential fetch than the rest of the proxy together. It accepts and
 * refuses exactly what jansson does with JSON_REJECT_DUPLICATES (RFC 8259;
 * an object or an array at the top, valid UTF-8, no \u0000, no lone
 * surrogate, no integer outside 64 bits or real that overflows, at most
 * 2048 levels of values, no duplicate key in any object, reported as soon
 * as the key is read), which tests/unit/test_audit_json checks against
 * jansson itself, and keeps only the top-level strings it is asked for. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

#define AJ_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

struct aj {
	const unsigned char *p, *end;
	int depth;
	struct buf keys; /* the keys of the objects open: length, bytes */
	struct buf tmp;  /* the string being read */
	struct audit_json_field *f;
	int nf;
	int dup;
};

static int aj_value(struct aj *, struct audit_json_field *);

static void
aj_ws(struct aj *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	                         *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* The length of the UTF-8 sequence at p, or 0 when it is not one
 * (overlong, a surrogate, above U+10FFFF, cut short). */
static size_t
aj_utf8(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	uint32_t cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int
aj_hex4(struct aj *j, uint32_t *v)
{
	int i, d;

	if (j->end - j->p < 4)
		return -1;
	for (*v = 0, i = 0; i < 4; i++) {
		unsigned char c = j->p[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	j->p += 4;
	return 0;
}

static void
aj_put(struct buf *b, uint32_t cp)
{
	if (b == NULL)
		return;
	if (cp < 0x80)
		buf_addc(b, (char)cp);
	else if (cp < 0x800) {
		buf_addc(b, (char)(0xc0 | cp >> 6));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (char)(0xe0 | cp >> 12));
		buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | cp >> 18));
		buf_addc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* \uXXXX (p after the u): a code point, surrogate pairs joined; never
 * U+0000 or a lone surrogate. */
static int
aj_unicode(struct aj *j, struct buf *out)
{
	uint32_t v, w;

	if (aj_hex4(j, &v) == -1 || v == 0 || (v >= 0xdc00 && v <= 0xdfff))
		return -1;
	if (v >= 0xd800 && v <= 0xdbff) {
		if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
			return -1;
		j->p += 2;
		if (aj_hex4(j, &w) == -1 || w < 0xdc00 || w > 0xdfff)
			return -1;
		v = 0x10000 + ((v - 0xd800) << 10) + (w - 0xdc00);
	}
	aj_put(out, v);
	return 0;
}

/* One escape (p at the backslash). */
static int
aj_escape(struct aj *j, struct buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;

	if (++j->p >= j->end)
		return -1;
	if (*j->p == 'u') {
		j->p++;
		return aj_unicode(j, out);
	}
	if ((e = memchr(from, *j->p, sizeof from - 1)) == NULL)
		return -1;
	aj_put(out, (unsigned char)to[e - from]);
	j->p++;
	return 0;
}

/* The bytes a string takes as they are: printable ASCII but for the
 * quote and the backslash (a table: every byte of a body is asked). */
static const unsigned char aj_plain[256] = {
    [0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1};

/* A string (p at its quote), decoded into out unless out is NULL. */
static int
aj_string(struct aj *j, struct buf *out)
{
	const unsigned char *run;
	size_t n;

	j->p++;
	for (;;) {
		for (run = j->p; j->p < j->end && aj_plain[*j->p]; j->p++)
			;
		if (out != NULL)
			buf_add(out, run, (size_t)(j->p - run));
		if (j->p >= j->end || *j->p < 0x20)
			return -1;
		if (*j->p == '"') {
			j->p++;
			return 0;
		}
		if (*j->p == '\\') {
			if (aj_escape(j, out) == -1)
				return -1;
			continue;
		}
		if ((n = aj_utf8(j->p, j->end)) == 0)
			return -1;
		if (out != NULL)
			buf_add(out, j->p, n);
		j->p += n;
	}
}

/* An integer must fit 64 bits, a real must not overflow (as jansson). */
static int
aj_number_range(const unsigned char *s, size_t len, int real)
{
	char small[64], *copy = len < sizeof small ? small : malloc(len + 1);
	double d;
	int r = 0;

	if (copy == NULL)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	errno = 0;
	if (!real)
		(void)strtoll(copy, NULL, 10);
	else if (d = strtod(copy, NULL), isinf(d))
		r = -1;
	if (errno == ERANGE && !real)
		r = -1;
	if (copy != small)
		free(copy);
	return r;
}

static int
aj_digits(struct aj *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : -1;
}

static int
aj_number(struct aj *j)
{
	const unsigned char *s = j->p;
	int real = 0;

	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p >= j->end || *j->p < '1' || *j->p > '9' ||
	         aj_digits(j) == -1)
		return -1;
	if (j->p < j->end && *j->p == '.') {
		real = 1, j->p++;
		if (aj_digits(j) == -1)
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		real = 1, j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (aj_digits(j) == -1)
			return -1;
	}
	return aj_number_range(s, (size_t)(j->p - s), real);
}

static int
aj_literal(struct aj *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return -1;
	j->p += n;
	return 0;
}

/* Was the key in tmp read before in this object (keys from start on)? */
static int
aj_seen(struct aj *j, size_t start)
{
	size_t at = start, klen;
	uint32_t l;

	while (at < j->keys.len) {
		memcpy(&l, j->keys.data + at, sizeof l);
		klen = l;
		if (klen == j->tmp.len && memcmp(j->keys.data + at + sizeof l,
		                                 j->tmp.data, klen) == 0)
			return 1;
		at += sizeof l + klen;
	}
	l = (uint32_t)j->tmp.len;
	buf_add(&j->keys, &l, sizeof l);
	buf_add(&j->keys, j->tmp.data, j->tmp.len);
	return 0;
}

/* The field this top-level key asks to keep, if any. */
static struct audit_json_field *
aj_wanted(struct aj *j)
{
	if (j->depth != 1)
		return NULL;
	for (int i = 0; i < j->nf; i++)
		if (strlen(j->f[i].key) == j->tmp.len &&
		    memcmp(j->f[i].key, j->tmp.data, j->tmp.len) == 0)
			return &j->f[i];
	return NULL;
}

/* "key": value (p at the key's quote). */
static int
aj_member(struct aj *j, size_t start)
{
	struct audit_json_field *f;

	buf_reset(&j->tmp);
	if (aj_string(j, &j->tmp) == -1)
		return -1;
	if (aj_seen(j, start)) {
		j->dup = 1;
		return -1;
	}
	f = aj_wanted(j);
	aj_ws(j);
	if (j->p >= j->end || *j->p != ':')
		return -1;
	j->p++;
	return aj_value(j, f);
}

static int
aj_object(struct aj *j)
{
	size_t start = j->keys.len;
	int r = -1;

	j->p++;
	aj_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		aj_ws(j);
		if (j->p >= j->end || *j->p != '"' || aj_member(j, start) == -1)
			break;
		aj_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			r = 0;
		}
		break;
	}
	j->keys.len = start;
	return r;
}

static int
aj_array(struct aj *j)
{
	j->p++;
	aj_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		if (aj_value(j, NULL) == -1)
			return -1;
		aj_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p >= j->end || *j->p != ']')
			return -1;
		j->p++;
		return 0;
	}
}

/* A string value is kept in the field it was asked for, when it fits. */
static int
aj_keep(struct aj *j, struct audit_json_field *f)
{
	buf_reset(&j->tmp);
	if (aj_string(j, &j->tmp) == -1)
		return -1;
	f->is_string = 1;
	f->len = j->tmp.len;
	if (j->tmp.len < f->outlen) {
		memcpy(f->out, j->tmp.data, j->tmp.len);
		f->out[j->tmp.len] = '\0';
	}
	return 0;
}

static int
aj_scalar(struct aj *j, struct audit_json_field *f)
{
	switch (*j->p) {
	case '"':
		return f != NULL ? aj_keep(j, f) : aj_string(j, NULL);
	case 't':
		return aj_literal(j, "true");
	case 'f':
		return aj_literal(j, "false");
	case 'n':
		return aj_literal(j, "null");
	default:
		return aj_number(j);
	}
}

/* Any value; f: the field it is kept in (a top-level member asked for). */
static int
aj_value(struct aj *j, struct audit_json_field *f)
{
	int r;

	aj_ws(j);
	if (j->p >= j->end || ++j->depth > AJ_MAX_DEPTH)
		return -1;
	if (f != NULL)
		f->found = 1;
	if (*j->p == '{')
		r = aj_object(j);
	else if (*j->p == '[')
		r = aj_array(j);
	else
		r = aj_scalar(j, f);
	j->depth--;
	return r;
}

enum audit_json_result
audit_json_read(const char *body, size_t len, struct audit_json_field *f,
                int nf)
{
	struct aj j;
	int r, object;

	memset(&j, 0, sizeof j);
	j.p = (const unsigned char *)body;
	j.end = j.p + len;
	j.f = f;
	j.nf = nf;
	buf_init(&j.keys);
	buf_init(&j.tmp);
	for (int i = 0; i < nf; i++)
		f[i].found = f[i].is_string = 0, f[i].len = 0;
	aj_ws(&j);
	object = j.p < j.end && *j.p == '{';
	if (j.p >= j.end || (*j.p != '{' && *j.p != '['))
		r = -1;
	else if ((r = aj_value(&j, NULL)) == 0) {
		aj_ws(&j);
		r = j.p == j.end ? 0 : -1;
	}
	if (j.tmp.data != NULL)
		explicit_bzero(j.tmp.data, j.tmp.cap);
	buf_free(&j.tmp);
	buf_free(&j.keys);
	if (j.dup)
		return AUDIT_JSON_DUPLICATE;
	if (r == -1)
		return AUDIT_JSON_INVALID;
	return object ? AUDIT_JSON_OBJECT : AUDIT_JSON_OTHER;
}
