/* The upstream response head parser. The IMDS is trusted more than a
 * client, but a wedged or impostor upstream must still not make the proxy
 * misframe a response or buffer without bound: anything odd is a 502. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "proxy/http.h"

#define HTTP_RFAIL(r, w) ((r)->why = (w), -1)

/* "HTTP/1.x DDD reason". */
static int
http_resp_line(const char *l, size_t len, struct http_resp *r)
{
	if (len < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[8] != ' ' ||
	    (l[7] != '0' && l[7] != '1'))
		return HTTP_RFAIL(r, "bad status line");
	for (int i = 9; i < 12; i++)
		if (l[i] < '0' || l[i] > '9')
			return HTTP_RFAIL(r, "bad status code");
	if (len > 12 && l[12] != ' ')
		return HTTP_RFAIL(r, "bad status line");
	if (!http_field_ok(l, len))
		return HTTP_RFAIL(r, "bad byte in status line");
	r->minor = l[7] - '0';
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (r->status < 200)
		return HTTP_RFAIL(r, "interim or bad status");
	r->close = r->minor == 0;
	return 0;
}

/* A decimal number with at most 15 digits, or -1. */
static int64_t
http_number(const char *v, size_t len)
{
	int64_t n = 0;

	if (len == 0 || len > 15)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

static int
http_resp_field(const char *n, size_t nlen, const char *v, size_t vlen,
                struct http_resp *r)
{
	int64_t num;

	if (http_name_eq(n, nlen, "content-length")) {
		num = http_number(v, vlen);
		if (num < 0 ||
		    (r->content_length >= 0 && r->content_length != num))
			return HTTP_RFAIL(r, "bad Content-Length");
		r->content_length = num;
	} else if (http_name_eq(n, nlen, "transfer-encoding")) {
		if (!http_name_eq(v, vlen, "chunked") || r->chunked)
			return HTTP_RFAIL(r, "bad Transfer-Encoding");
		r->chunked = 1;
	} else if (http_name_eq(n, nlen, "connection")) {
		if (http_name_eq(v, vlen, "close"))
			r->close = 1;
		else if (http_name_eq(v, vlen, "keep-alive"))
			r->close = 0;
	} else if (http_name_eq(n, nlen,
	                        "x-aws-ec2-metadata-token-ttl-seconds")) {
		num = http_number(v, vlen);
		if (num < 0)
			return HTTP_RFAIL(r, "bad token TTL");
		r->token_ttl = (long)num;
	}
	return 0;
}

static int
http_resp_header(const char *l, size_t len, struct http_resp *r)
{
	const char *colon, *v;
	size_t nlen, vlen;

	if (len > 0 && (l[0] == ' ' || l[0] == '\t'))
		return HTTP_RFAIL(r, "obs-fold");
	if ((colon = memchr(l, ':', len)) == NULL || colon == l)
		return HTTP_RFAIL(r, "malformed header");
	nlen = (size_t)(colon - l);
	for (size_t i = 0; i < nlen; i++)
		if (!http_is_tchar((unsigned char)l[i]))
			return HTTP_RFAIL(r, "bad header name");
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (!http_field_ok(v, vlen))
		return HTTP_RFAIL(r, "bad byte in header");
	return http_resp_field(l, nlen, v, vlen, r);
}

/* Offset of the CR of the CRLF ending the line at p; -1 more, -2 bad. */
static long
http_resp_eol(const char *buf, size_t len, size_t p)
{
	const char *cr = memchr(buf + p, '\r', len - p);
	const char *lf = memchr(buf + p, '\n', len - p);

	if (lf != NULL && (cr == NULL || lf < cr))
		return -2;
	if (cr == NULL || (size_t)(cr - buf) + 1 >= len)
		return -1;
	return cr[1] == '\n' ? cr - buf : -2;
}

int
http_resp_parse(const char *buf, size_t len, struct http_resp *r)
{
	size_t p = 0;
	int n = 0;
	long e;

	memset(r, 0, sizeof *r);
	r->content_length = -1;
	r->token_ttl = -1;
	for (;;) {
		e = http_resp_eol(buf, len, p);
		if (e == -2 || (e >= 0 && memchr(buf + p, '\0', (size_t)e - p)))
			return HTTP_RFAIL(r, "bad line ending or NUL");
		if (e == -1)
			return len > HTTP_MAX_HEAD
			           ? HTTP_RFAIL(r, "head too large")
			           : 0;
		if ((size_t)e + 2 > HTTP_MAX_HEAD || ++n > HTTP_MAX_HEADERS + 1)
			return HTTP_RFAIL(r, "head too large");
		if (p == 0) {
			if (http_resp_line(buf, (size_t)e, r) == -1)
				return -1;
		} else if ((size_t)e == p)
			break;
		else if (http_resp_header(buf + p, (size_t)e - p, r) == -1)
			return -1;
		p = (size_t)e + 2;
	}
	if (r->chunked && r->content_length >= 0)
		return HTTP_RFAIL(r, "both Content-Length and chunked");
	return (int)(p + 2);
}

/* Hop-by-hop headers belong to one connection, never forwarded. */
static int
http_hop_by_hop(const char *n, size_t len)
{
	static const char *hop[] = {"connection",
	                            "keep-alive",
	                            "transfer-encoding",
	                            "proxy-connection",
	                            "te",
	                            "trailer",
	                            "upgrade",
	                            "content-length",
	                            "proxy-authenticate",
	                            NULL};

	for (int i = 0; hop[i] != NULL; i++)
		if (http_name_eq(n, len, hop[i]))
			return 1;
	return 0;
}

void
http_resp_filter(const char *head, size_t len, struct buf *out)
{
	size_t p = 0, e;
	const char *cr, *colon;

	while (p < len) {
		cr = memchr(head + p, '\r', len - p);
		e = cr == NULL ? len : (size_t)(cr - head);
		if (e == p)
			break;
		colon = memchr(head + p, ':', e - p);
		if (p == 0 || colon == NULL ||
		    !http_hop_by_hop(head + p, (size_t)(colon - head) - p)) {
			buf_add(out, head + p, e - p);
			buf_add(out, "\r\n", 2);
		}
		p = e + 2;
	}
}
