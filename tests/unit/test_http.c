/* The strict request parser and the upstream head parser: a table of
 * good and bad inputs, each with the answer the proxy must give. */
#include "config.h"

#include <string.h>

#include "proxy/http.h"
#include "tap.h"

struct reqcase {
	const char *name;
	const char *in;
	int want; /* >0 complete, 0 more, else status */
};

#define H "Host: 169.254.169.254\r\n"

static const struct reqcase reqcases[] = {
    {"plain GET", "GET /latest/meta-data/ HTTP/1.1\r\n" H "\r\n", 1},
    {"HEAD", "HEAD / HTTP/1.1\r\n" H "\r\n", 1},
    {"token PUT",
     "PUT /latest/api/token HTTP/1.1\r\n" H
     "X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\r\n",
     1},
    {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 1},
    {"Content-Length: 0", "PUT /x HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n",
     1},
    {"OWS around value", "GET / HTTP/1.1\r\nHost:   a  \r\n\r\n", 1},
    {"incomplete head", "GET / HTTP/1.1\r\n" H, 0},
    {"incomplete line", "GET / HT", 0},
    {"POST", "POST / HTTP/1.1\r\n" H "\r\n", 405},
    {"DELETE", "DELETE /x HTTP/1.1\r\n" H "\r\n", 405},
    {"CONNECT", "CONNECT 169.254.169.254:80 HTTP/1.1\r\n" H "\r\n", 400},
    {"absolute-form", "GET http://169.254.169.254/ HTTP/1.1\r\n" H "\r\n", 400},
    {"asterisk-form", "OPTIONS * HTTP/1.1\r\n" H "\r\n", 400},
    {"HTTP/0.9", "GET /\r\n\r\n", 400},
    {"HTTP/2.0", "GET / HTTP/2.0\r\n" H "\r\n", 505},
    {"bad version", "GET / HTTX/1.1\r\n" H "\r\n", 400},
    {"two spaces", "GET  / HTTP/1.1\r\n" H "\r\n", 400},
    {"body", "PUT /x HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nhello", 400},
    {"duplicate Content-Length",
     "GET / HTTP/1.1\r\n" H "Content-Length: 0\r\nContent-Length: 0\r\n\r\n",
     400},
    {"signed Content-Length",
     "GET / HTTP/1.1\r\n" H "Content-Length: -0\r\n\r\n", 400},
    {"Transfer-Encoding",
     "GET / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n", 400},
    {"Transfer-Encoding identity",
     "GET / HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n", 400},
    {"obs-fold", "GET / HTTP/1.1\r\n" H "X-a: b\r\n c\r\n\r\n", 400},
    {"bare LF", "GET / HTTP/1.1\n" H "\r\n", 400},
    {"bare LF in header", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400},
    {"bare CR in header", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400},
    {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
    {"missing Host", "GET / HTTP/1.1\r\n\r\n", 400},
    {"duplicate Host", "GET / HTTP/1.1\r\n" H H "\r\n", 400},
    {"control byte in value",
     "GET / HTTP/1.1\r\n" H "X: a\x01"
     "b\r\n"
     "\r\n",
     400},
    {"space in target", "GET /a b HTTP/1.1\r\n" H "\r\n", 400},
    {"high byte in target", "GET /\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400},
    {"duplicate token",
     "GET / HTTP/1.1\r\n" H
     "X-aws-ec2-metadata-token: a\r\nX-aws-ec2-metadata-token: b\r\n"
     "\r\n",
     400},
    {"leading empty line", "\r\nGET / HTTP/1.1\r\n" H "\r\n", 400},
    {"lowercase method", "get / HTTP/1.1\r\n" H "\r\n", 405},
    {"no header name", "GET / HTTP/1.1\r\n" H ": x\r\n\r\n", 400},
};

static void
test_req_table(void)
{
	struct http_req *r = calloc(1, sizeof *r);

	for (size_t i = 0; i < sizeof reqcases / sizeof reqcases[0]; i++) {
		const struct reqcase *c = &reqcases[i];
		int n = http_req_parse(c->in, strlen(c->in), r);
		int got = n > 0 ? 1 : n == 0 ? 0 : r->status;

		is_int(got, c->want, "%s", c->name);
	}
	free(r);
}

/* A NUL byte anywhere in the head is refused. */
static void
test_req_nul(void)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	struct http_req *r = calloc(1, sizeof *r);

	is_int(http_req_parse(in, sizeof in - 1, r), -1, "NUL in a header");
	is_int(r->status, 400, "NUL: 400");
	free(r);
}

/* What the proxy keeps from a good request. */
static void
test_req_fields(void)
{
	static const char in[] =
	    "GET /latest/meta-data/?x HTTP/1.1\r\n"
	    "host: h\r\nx-AWS-ec2-metadata-token: TOK\r\n"
	    "X-Forwarded-For: 1.2.3.4\r\nUser-Agent: curl/8\r\n"
	    "Connection: close\r\n\r\nGET / HTTP/1.1\r\n";
	struct http_req *r = calloc(1, sizeof *r);
	int n = http_req_parse(in, sizeof in - 1, r);

	is_int(n, (int)(strstr(in, "\r\n\r\n") + 4 - in), "head length");
	is_str(r->target, "/latest/meta-data/?x", "target");
	is_str(r->token, "TOK", "token");
	ok(r->has_token && r->has_xff, "token and X-Forwarded-For seen");
	is_str(r->user_agent, "curl/8", "User-Agent");
	is_int(r->keepalive, 0, "Connection: close");
	n = http_req_parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, r);
	is_int(n, 27, "second head");
	is_int(r->keepalive, 1, "HTTP/1.1 keeps alive");
	free(r);
}

/* Size limits: request line, header block, header count. */
static void
test_req_limits(void)
{
	struct http_req *r = calloc(1, sizeof *r);
	char *big = malloc(HTTP_MAX_LINE + HTTP_MAX_HEAD + 4096);
	size_t n;

	memset(big, 'a', HTTP_MAX_LINE + 10);
	memcpy(big, "GET /", 5);
	is_int(http_req_parse(big, HTTP_MAX_LINE + 10, r), -1,
	       "request line over 8 KiB");
	is_int(r->status, 400, "long request line: 400");
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n" H);
	for (int i = 0; i < 101; i++)
		n += (size_t)sprintf(big + n, "X-%d: v\r\n", i);
	n += (size_t)sprintf(big + n, "\r\n");
	is_int(http_req_parse(big, n, r), -1, "101 headers");
	is_int(r->status, 431, "too many headers: 431");
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n" H "X-Big: ");
	memset(big + n, 'b', HTTP_MAX_HEAD);
	n += HTTP_MAX_HEAD;
	is_int(http_req_parse(big, n, r), -1, "headers over 16 KiB");
	is_int(r->status, 431, "headers too large: 431");
	free(big);
	free(r);
}

static int
resp(const char *s, struct http_resp *r)
{
	return http_resp_parse(s, strlen(s), r);
}

static void
test_resp(void)
{
	static const char good[] =
	    "HTTP/1.1 200 OK\r\nServer: EC2ws\r\n"
	    "X-aws-ec2-metadata-token-ttl-seconds: 60\r\n"
	    "Connection: keep-alive\r\nContent-Length: 56\r\n\r\n";
	struct http_resp r;
	struct buf b;

	is_int(http_resp_parse(good, sizeof good - 1, &r), (int)sizeof good - 1,
	       "response head length");
	is_int(r.status, 200, "status");
	is_int(r.content_length, 56, "Content-Length");
	is_int(r.token_ttl, 60, "token TTL");
	is_int(r.close, 0, "keep-alive");
	buf_init(&b);
	http_resp_filter(good, sizeof good - 1, &b);
	is_str(b.data,
	       "HTTP/1.1 200 OK\r\nServer: EC2ws\r\n"
	       "X-aws-ec2-metadata-token-ttl-seconds: 60\r\n",
	       "hop-by-hop and length headers dropped");
	buf_free(&b);
	is_int(http_resp_parse("HTTP/1.1 200 OK\r\n", 17, &r), 0, "more");
	is_int(http_resp_parse("garbage\r\n\r\n", 11, &r), -1, "garbage");
	is_int(resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	            "Content-Length: 2\r\n\r\n",
	            &r),
	       -1, "conflicting lengths");
	is_int(resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	            "Transfer-Encoding: chunked\r\n\r\n",
	            &r),
	       -1, "length and chunked");
	is_int(resp("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", &r), -1,
	       "bad length");
	is_int(resp("HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", &r), -1,
	       "control byte");
	is_int(http_resp_parse("HTTP/1.1 200 OK\nX: y\r\n\r\n", 24, &r), -1,
	       "bare LF");
	is_int(http_resp_parse("HTTP/1.1 100 Continue\r\n\r\n", 25, &r), -1,
	       "interim response");
}

/* The 401 the proxy sends is the one imdsgate-sim (and IMDS) sends. */
static void
test_reply(void)
{
	struct buf b;

	buf_init(&b);
	http_reply_error(&b, 401, 0, 0);
	ok(!strncmp(b.data,
	            "HTTP/1.1 401 Unauthorized\r\nServer: EC2ws\r\n"
	            "Content-Type: text/html\r\nAccept-Ranges: none\r\n",
	            88),
	   "401 status line and headers");
	ok(strstr(b.data, "Content-Length: 343\r\n") != NULL,
	   "401 body length as IMDS");
	ok(strstr(b.data, "<h1>401 - Unauthorized</h1>") != NULL, "401 page");
	buf_reset(&b);
	http_reply_error(&b, 403, 1, 1);
	ok(strstr(b.data, "Connection: close\r\n\r\n") != NULL &&
	       strstr(b.data, "<html") == NULL,
	   "HEAD: headers only, close");
	buf_free(&b);
}

int
main(void)
{
	test_req_table();
	test_req_nul();
	test_req_fields();
	test_req_limits();
	test_resp();
	test_reply();
	return tap_done();
}
