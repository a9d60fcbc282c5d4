/* The client request parser: the proxy's first line of defence, so every
 * form a lenient server would repair (bare LF, folded lines, a body, a
 * second Content-Length) is refused instead, and no two readers can
 * disagree about where a request ends. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "proxy/http.h"

struct http_hdrstate {
	int nheaders;
	int ncl; /* Content-Length lines */
	int nhost;
	int conn_close, conn_keep;
};

#define HTTP_FAIL(r, s, w) ((r)->status = (s), (r)->why = (w), -1)

/* RFC 9110 tchar: what a method or a header name may be made of. A
 * table: it is asked for every byte of every header name. */
static const unsigned char http_tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
    ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
    ['`'] = 1, ['|'] = 1, ['~'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1,
    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
    ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
    ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,
    ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,
    ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

int
http_is_tchar(unsigned char c)
{
	return http_tchar[c];
}

/* A field value may hold SP, HTAB, visible ASCII and obs-text; never a
 * control byte (CR, LF and NUL above all: header injection upstream). */
int
http_field_ok(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;

	for (size_t i = 0; i < len; i++)
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The end of the line starting at p: the offset of its CR, or -1 when
 * no CRLF is there yet; a bare CR or LF is an error (-2). */
static long
http_line_end(const char *buf, size_t len, size_t p)
{
	const char *cr = memchr(buf + p, '\r', len - p);
	size_t end = cr != NULL ? (size_t)(cr - buf) : len;

	if (memchr(buf + p, '\n', end - p) != NULL)
		return -2;
	if (cr == NULL || end + 1 >= len)
		return -1;
	return buf[end + 1] == '\n' ? (long)end : -2;
}

static enum http_method
http_method_of(const char *m)
{
	if (!strcmp(m, "GET"))
		return HTTP_GET;
	if (!strcmp(m, "HEAD"))
		return HTTP_HEAD;
	if (!strcmp(m, "PUT"))
		return HTTP_PUT;
	return HTTP_OTHER;
}

/* "METHOD SP origin-form SP HTTP/1.x": single spaces, nothing else. */
static int
http_req_line(const char *l, size_t len, struct http_req *r)
{
	const char *sp1, *sp2, *v;
	size_t mlen, tlen, vlen;

	if ((sp1 = memchr(l, ' ', len)) == NULL)
		return HTTP_FAIL(r, 400, "HTTP/0.9 or malformed request line");
	mlen = (size_t)(sp1 - l);
	if (mlen == 0 || mlen >= sizeof r->method_str)
		return HTTP_FAIL(r, 400, "bad method");
	for (size_t i = 0; i < mlen; i++)
		if (!http_is_tchar((unsigned char)l[i]))
			return HTTP_FAIL(r, 400, "bad method");
	memcpy(r->method_str, l, mlen);
	r->method_str[mlen] = '\0';
	r->method = http_method_of(r->method_str);
	sp2 = memchr(sp1 + 1, ' ', len - mlen - 1);
	if (sp2 == NULL)
		return HTTP_FAIL(r, 400, "HTTP/0.9 request");
	tlen = (size_t)(sp2 - sp1 - 1);
	v = sp2 + 1;
	vlen = len - (size_t)(v - l);
	if (tlen == 0 || sp1[1] != '/')
		return HTTP_FAIL(r, 400, "target not in origin-form");
	for (size_t i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)sp1[1 + i];
		if (c <= 0x20 || c >= 0x7f)
			return HTTP_FAIL(r, 400, "bad byte in target");
	}
	memcpy(r->target, sp1 + 1, tlen);
	r->target[tlen] = '\0';
	if (vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return HTTP_FAIL(r, 400, "bad protocol version");
	if (v[5] != '1')
		return HTTP_FAIL(r, 505, "unsupported protocol version");
	r->minor = v[7] - '0';
	if (r->minor > 1)
		r->minor = 1;
	if (!strcmp(r->method_str, "CONNECT"))
		return HTTP_FAIL(r, 400, "CONNECT");
	return 0;
}

/* Copy a bounded value; over-long values are refused, not truncated. */
static int
http_keep(char *dst, size_t dstlen, const char *v, size_t len)
{
	if (len >= dstlen)
		return -1;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* The Connection header's tokens that matter to us. */
static void
http_connection(const char *v, size_t len, struct http_hdrstate *st)
{
	size_t i = 0, s;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (http_name_eq(v + s, i - s, "close"))
			st->conn_close = 1;
		else if (http_name_eq(v + s, i - s, "keep-alive"))
			st->conn_keep = 1;
	}
}

/* Content-Length: only "0" (no request to IMDS has a body). */
static int
http_content_length(const char *v, size_t len, struct http_req *r,
                    struct http_hdrstate *st)
{
	size_t i;

	if (++st->ncl > 1)
		return HTTP_FAIL(r, 400, "duplicate Content-Length");
	if (len == 0)
		return HTTP_FAIL(r, 400, "bad Content-Length");
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return HTTP_FAIL(r, 400, "bad Content-Length");
		if (v[i] != '0')
			return HTTP_FAIL(r, 400, "request body");
	}
	return 0;
}

/* The two token headers (24 and 36 bytes long). */
static int
http_req_token(const char *n, size_t nlen, const char *v, size_t vlen,
               struct http_req *r)
{
	if (http_name_eq(n, nlen, "x-aws-ec2-metadata-token")) {
		if (r->has_token++ ||
		    http_keep(r->token, sizeof r->token, v, vlen) == -1)
			return HTTP_FAIL(r, 400, "bad token header");
	} else if (http_name_eq(n, nlen,
	                        "x-aws-ec2-metadata-token-ttl-seconds")) {
		if (r->has_ttl++ ||
		    http_keep(r->ttl, sizeof r->ttl, v, vlen) == -1)
			return HTTP_FAIL(r, 400, "bad token TTL header");
	}
	return 0;
}

/* One known header: record what the proxy needs, refuse what it must.
 * The name's length picks the one candidate to compare. */
static int
http_req_field(const char *n, size_t nlen, const char *v, size_t vlen,
               struct http_req *r, struct http_hdrstate *st)
{
	switch (nlen) {
	case 4:
		if (http_name_eq(n, nlen, "host") && ++st->nhost > 1)
			return HTTP_FAIL(r, 400, "duplicate Host");
		break;
	case 6:
		if (http_name_eq(n, nlen, "accept") &&
		    http_keep(r->accept, sizeof r->accept, v, vlen))
			return HTTP_FAIL(r, 431, "Accept too long");
		break;
	case 10:
		if (http_name_eq(n, nlen, "connection"))
			http_connection(v, vlen, st);
		else if (http_name_eq(n, nlen, "user-agent") &&
		         http_keep(r->user_agent, sizeof r->user_agent, v,
		                   vlen))
			return HTTP_FAIL(r, 431, "User-Agent too long");
		break;
	case 14:
		if (http_name_eq(n, nlen, "content-length"))
			return http_content_length(v, vlen, r, st);
		break;
	case 15:
		if (http_name_eq(n, nlen, "x-forwarded-for"))
			r->has_xff = 1;
		break;
	case 17:
		if (http_name_eq(n, nlen, "transfer-encoding"))
			return HTTP_FAIL(r, 400, "Transfer-Encoding");
		break;
	default:
		return http_req_token(n, nlen, v, vlen, r);
	}
	return 0;
}

/* "name: OWS value OWS"; no space before the colon, no folding. */
static int
http_req_header(const char *l, size_t len, struct http_req *r,
                struct http_hdrstate *st)
{
	const char *colon, *v;
	size_t nlen, vlen;

	if (len > 0 && (l[0] == ' ' || l[0] == '\t'))
		return HTTP_FAIL(r, 400, "obs-fold");
	if (++st->nheaders > HTTP_MAX_HEADERS)
		return HTTP_FAIL(r, 431, "too many headers");
	if ((colon = memchr(l, ':', len)) == NULL || colon == l)
		return HTTP_FAIL(r, 400, "malformed header");
	nlen = (size_t)(colon - l);
	for (size_t i = 0; i < nlen; i++)
		if (!http_is_tchar((unsigned char)l[i]))
			return HTTP_FAIL(r, 400, "bad header name");
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (!http_field_ok(v, vlen))
		return HTTP_FAIL(r, 400, "bad byte in header value");
	return http_req_field(l, nlen, v, vlen, r, st);
}

/* After the head: whole-request checks. */
static int
http_req_finish(struct http_req *r, const struct http_hdrstate *st)
{
	if (r->minor == 1 && st->nhost != 1)
		return HTTP_FAIL(r, 400, "missing Host");
	if (r->method == HTTP_OTHER)
		return HTTP_FAIL(r, 405, "method not allowed");
	if (r->minor == 1)
		r->keepalive = !st->conn_close;
	else
		r->keepalive = 0; /* HTTP/1.0: one request per connection */
	return 0;
}

/* The header lines from p until the blank line. Returns the head length,
 * 0 for more, -1 on error. */
static int
http_req_headers(const char *buf, size_t len, size_t p, struct http_req *r)
{
	struct http_hdrstate st;
	size_t start = p;
	long e;

	memset(&st, 0, sizeof st);
	for (;;) {
		e = http_line_end(buf, len, p);
		if (e == -2)
			return HTTP_FAIL(r, 400, "bare CR or LF");
		if (e == -1)
			return len - start > HTTP_MAX_HEAD
			           ? HTTP_FAIL(r, 431, "headers too large")
			           : 0;
		if ((size_t)e + 2 - start > HTTP_MAX_HEAD)
			return HTTP_FAIL(r, 431, "headers too large");
		if ((size_t)e == p)
			break;
		if (memchr(buf + p, '\0', (size_t)e - p) != NULL)
			return HTTP_FAIL(r, 400, "NUL in header");
		if (http_req_header(buf + p, (size_t)e - p, r, &st) == -1)
			return -1;
		p = (size_t)e + 2;
	}
	if (http_req_finish(r, &st) == -1)
		return -1;
	return (int)(p + 2);
}

int
http_req_parse(const char *buf, size_t len, struct http_req *r)
{
	long e;

	memset(r, 0, offsetof(struct http_req, method_str));
	r->method_str[0] = r->target[0] = r->token[0] = r->ttl[0] = '\0';
	r->user_agent[0] = r->accept[0] = '\0';
	e = http_line_end(buf, len, 0);
	if (e == -2)
		return HTTP_FAIL(r, 400, "bare CR or LF");
	if (e == -1)
		return len >= HTTP_MAX_LINE
		           ? HTTP_FAIL(r, 400, "request line too long")
		           : 0;
	if (e + 2 > HTTP_MAX_LINE)
		return HTTP_FAIL(r, 400, "request line too long");
	if (memchr(buf, '\0', (size_t)e) != NULL)
		return HTTP_FAIL(r, 400, "NUL in request line");
	if (http_req_line(buf, (size_t)e, r) == -1)
		return -1;
	return http_req_headers(buf, len, (size_t)e + 2, r);
}
