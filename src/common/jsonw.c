/* Streaming JSON writer with strict escaping. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonw.h"
#include "common/log.h"

static const char hexdigits[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when
 * it is invalid: overlong forms, surrogates and values past U+10FFFF are
 * all refused, as RFC 3629 requires. */
static size_t
utf8_seqlen(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void
jw_escape_ctl(struct buf *b, unsigned char c)
{
	char esc[7] = {'\\', 'u', '0', '0', 0, 0, 0};

	switch (c) {
	case '\n':
		buf_add(b, "\\n", 2);
		return;
	case '\r':
		buf_add(b, "\\r", 2);
		return;
	case '\t':
		buf_add(b, "\\t", 2);
		return;
	case '\b':
		buf_add(b, "\\b", 2);
		return;
	case '\f':
		buf_add(b, "\\f", 2);
		return;
	}
	esc[4] = hexdigits[c >> 4];
	esc[5] = hexdigits[c & 0xf];
	buf_add(b, esc, 6);
}

void
jw_escape(struct buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, n;

	buf_addc(b, '"');
	while (i < len) {
		/* Copy the longest run of bytes that need no escaping. */
		for (run = i; run < len && s[run] >= 0x20 && s[run] < 0x7f &&
		              s[run] != '"' && s[run] != '\\';
		     run++)
			;
		buf_add(b, s + i, run - i);
		if ((i = run) >= len)
			break;
		if (s[i] == '"' || s[i] == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)s[i++]);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			jw_escape_ctl(b, s[i++]);
		} else if ((n = utf8_seqlen(s + i, len - i)) != 0) {
			buf_add(b, s + i, n);
			i += n;
		} else {
			buf_add(b, "\\ufffd", 6);
			i++;
		}
	}
	buf_addc(b, '"');
}

/* Comma and key before each member. */
static void
jw_member(struct jsonw *jw, const char *key)
{
	if (!jw->first[jw->depth])
		buf_addc(jw->b, ',');
	jw->first[jw->depth] = 0;
	if (key != NULL) {
		jw_escape(jw->b, key, strlen(key));
		buf_addc(jw->b, ':');
	}
}

static void
jw_open(struct jsonw *jw, char c)
{
	if (jw->depth + 1 >= JW_MAXDEPTH)
		fatalx("jsonw: nesting deeper than %d", JW_MAXDEPTH);
	buf_addc(jw->b, c);
	jw->first[++jw->depth] = 1;
}

void
jw_begin(struct jsonw *jw, struct buf *b)
{
	jw->b = b;
	jw->depth = 0;
	jw->first[0] = 1;
	jw_open(jw, '{');
}

void
jw_end(struct jsonw *jw)
{
	jw_obj_end(jw);
}

void
jw_obj_begin(struct jsonw *jw, const char *key)
{
	jw_member(jw, key);
	jw_open(jw, '{');
}

void
jw_obj_end(struct jsonw *jw)
{
	buf_addc(jw->b, '}');
	jw->depth--;
}

void
jw_arr_begin(struct jsonw *jw, const char *key)
{
	jw_member(jw, key);
	jw_open(jw, '[');
}

void
jw_arr_end(struct jsonw *jw)
{
	buf_addc(jw->b, ']');
	jw->depth--;
}

void
jw_str(struct jsonw *jw, const char *key, const char *val)
{
	if (val == NULL) {
		jw_null(jw, key);
		return;
	}
	jw_strn(jw, key, val, strlen(val));
}

void
jw_strn(struct jsonw *jw, const char *key, const char *val, size_t len)
{
	jw_member(jw, key);
	jw_escape(jw->b, val, len);
}

void
jw_int(struct jsonw *jw, const char *key, int64_t val)
{
	jw_member(jw, key);
	buf_addf(jw->b, "%" PRId64, val);
}

void
jw_uint(struct jsonw *jw, const char *key, uint64_t val)
{
	jw_member(jw, key);
	buf_addf(jw->b, "%" PRIu64, val);
}

/* JSON has no NaN or infinity: write null rather than invalid JSON. */
void
jw_double(struct jsonw *jw, const char *key, double val)
{
	jw_member(jw, key);
	if (!isfinite(val))
		buf_addstr(jw->b, "null");
	else
		buf_addf(jw->b, "%.17g", val);
}

void
jw_bool(struct jsonw *jw, const char *key, int val)
{
	jw_member(jw, key);
	buf_addstr(jw->b, val ? "true" : "false");
}

void
jw_null(struct jsonw *jw, const char *key)
{
	jw_member(jw, key);
	buf_addstr(jw->b, "null");
}

void
jw_raw(struct jsonw *jw, const char *key, const char *json)
{
	jw_member(jw, key);
	buf_addstr(jw->b, json);
}
