/* The path normaliser. Rules and the IMDS must see the same path, so every
 * form that two parsers could read differently is refused rather than
 * guessed at: percent escapes may only stand for unreserved characters,
 * and the proxy sends upstream the normalised path, never the raw one.
 * See imdsgate.rules(5), "NORMALISATION". */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rules/normpath.h"

#define NORMPATH_MAXSEGS (NORMPATH_MAX / 2)

struct normpath_seg {
	const char *s;
	size_t len;
};

struct normpath_work {
	char dec[NORMPATH_MAX]; /* decoded target */
	size_t declen;
	struct normpath_seg segs[NORMPATH_MAXSEGS];
	size_t nsegs;
	int dir; /* ended with "/", "." or ".." */
};

/* Byte classes: NP_UNRESERVED (RFC 3986 unreserved) are the only bytes
 * an escape may stand for, so an escape can never hide a separator, a
 * control byte or another escape. NP_RAW may also appear unescaped: pchar
 * and '/', without ';' (a parameter to some servers, part of the segment
 * to others) and '%' (escapes are handled apart). ':' and '=' occur in
 * real paths (MACs, public-keys). A table, as this runs per byte. */
#define NP_UNRESERVED 1
#define NP_RAW 2
static const unsigned char normpath_class[256] = {
    ['a' ... 'z'] = NP_UNRESERVED | NP_RAW,
    ['A' ... 'Z'] = NP_UNRESERVED | NP_RAW,
    ['0' ... '9'] = NP_UNRESERVED | NP_RAW,
    ['-'] = NP_UNRESERVED | NP_RAW,
    ['.'] = NP_UNRESERVED | NP_RAW,
    ['_'] = NP_UNRESERVED | NP_RAW,
    ['~'] = NP_UNRESERVED | NP_RAW,
    ['/'] = NP_RAW,
    [':'] = NP_RAW,
    ['@'] = NP_RAW,
    ['!'] = NP_RAW,
    ['$'] = NP_RAW,
    ['&'] = NP_RAW,
    ['\''] = NP_RAW,
    ['('] = NP_RAW,
    [')'] = NP_RAW,
    ['*'] = NP_RAW,
    ['+'] = NP_RAW,
    [','] = NP_RAW,
    ['='] = NP_RAW,
};

static int
normpath_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Why a byte is refused, in words an operator can act on. */
static const char *
normpath_badbyte(unsigned char c)
{
	if (c == '?')
		return "query string";
	if (c == '#')
		return "fragment";
	if (c == ';')
		return "';' parameter";
	if (c == '\\')
		return "backslash";
	if (c == '\0')
		return "NUL byte";
	if (c == '\r' || c == '\n')
		return "CR or LF";
	return "character not allowed in a path";
}

/* Decode escapes into w->dec; one pass only, so "%252e" is "%2e" and is
 * then refused because '%' is not unreserved. */
static const char *
normpath_decode(const char *t, size_t len, struct normpath_work *w)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '%') {
			if (i + 2 >= len)
				return "truncated percent escape";
			hi = normpath_hex((unsigned char)t[i + 1]);
			lo = normpath_hex((unsigned char)t[i + 2]);
			if (hi < 0 || lo < 0)
				return "malformed percent escape";
			c = (unsigned char)(hi * 16 + lo);
			if (!(normpath_class[c] & NP_UNRESERVED))
				return c == '/' ? "encoded slash"
				                : "escape of a reserved or "
				                  "control character";
			i += 2;
		} else if (!(normpath_class[c] & NP_RAW))
			return normpath_badbyte(c);
		if (o + 1 >= sizeof w->dec)
			return "path too long";
		w->dec[o++] = (char)c;
	}
	w->dec[o] = '\0';
	w->declen = o;
	return NULL;
}

/* Apply one segment: fold empty ones, resolve "." and "..". */
static const char *
normpath_push(struct normpath_work *w, const char *s, size_t len)
{
	w->dir = 0;
	if (len == 0 || (len == 1 && s[0] == '.')) {
		w->dir = 1;
		return NULL;
	}
	if (len == 2 && s[0] == '.' && s[1] == '.') {
		if (w->nsegs == 0)
			return "'..' above the root";
		w->nsegs--;
		w->dir = 1;
		return NULL;
	}
	if (w->nsegs == NORMPATH_MAXSEGS)
		return "too many segments";
	w->segs[w->nsegs].s = s;
	w->segs[w->nsegs].len = len;
	w->nsegs++;
	return NULL;
}

/* Split the decoded path into resolved segments. */
static const char *
normpath_split(struct normpath_work *w)
{
	const char *p = w->dec + 1, *end = w->dec + w->declen, *q;
	const char *why;

	w->nsegs = 0;
	w->dir = 1;
	while (p <= end) {
		q = memchr(p, '/', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if ((why = normpath_push(w, p, (size_t)(q - p))) != NULL)
			return why;
		p = q + 1;
	}
	return NULL;
}

/* "latest", "1.0" or a date "YYYY-MM-DD": the API version segment. */
static int
normpath_isversion(const char *s, size_t len)
{
	size_t i;

	if ((len == 6 && memcmp(s, "latest", 6) == 0) ||
	    (len == 3 && memcmp(s, "1.0", 3) == 0))
		return 1;
	if (len != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < len; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/* Join the segments after the version into out->path. */
static const char *
normpath_join(const struct normpath_work *w, size_t first, struct normpath *out)
{
	size_t i, o = 0;

	out->path[0] = '/';
	out->path[1] = '\0';
	for (i = first; i < w->nsegs; i++) {
		if (o + 1 + w->segs[i].len + 1 > sizeof out->path)
			return "path too long";
		out->path[o++] = '/';
		memcpy(out->path + o, w->segs[i].s, w->segs[i].len);
		o += w->segs[i].len;
		out->path[o] = '\0';
	}
	return NULL;
}

/* Split off the version, then build the result. */
static const char *
normpath_finish(const struct normpath_work *w, struct normpath *out)
{
	size_t first = 0;

	out->version[0] = '\0';
	if (w->nsegs > 0 && normpath_isversion(w->segs[0].s, w->segs[0].len)) {
		memcpy(out->version, w->segs[0].s, w->segs[0].len);
		out->version[w->segs[0].len] = '\0';
		first = 1;
	}
	/* "/" is always a listing; "/latest" and "/latest/" differ. */
	out->trailing_slash = w->dir || w->nsegs == 0;
	return normpath_join(w, first, out);
}

int
normpath_request(const char *target, size_t len, struct normpath *out,
                 const char **why)
{
	struct normpath_work w;
	const char *r;

	out->path[0] = out->version[0] = '\0';
	out->trailing_slash = 0;
	if (len == 0 || target[0] != '/')
		r = "not an origin-form target";
	else if (len >= NORMPATH_MAX * 3)
		r = "path too long";
	else if ((r = normpath_decode(target, len, &w)) == NULL &&
	         (r = normpath_split(&w)) == NULL)
		r = normpath_finish(&w, out);
	if (why != NULL)
		*why = r;
	return r == NULL ? 0 : -1;
}

int
normpath_upstream(const struct normpath *np, char *out, size_t outlen)
{
	int n;
	int root = strcmp(np->path, "/") == 0;

	if (np->version[0] == '\0')
		n = snprintf(out, outlen, "%s%s", np->path,
		             np->trailing_slash && !root ? "/" : "");
	else
		n = snprintf(out, outlen, "/%s%s%s", np->version,
		             root ? "" : np->path,
		             np->trailing_slash ? "/" : "");
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
