/* Random mutations of valid requests and responses (fixed seed, so a
 * failure reproduces): the parsers never read out of bounds (run under
 * ASan), and whatever they accept satisfies the invariants the proxy
 * relies on. Long runs belong to a real fuzzer; this keeps `make check`
 * honest. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "proxy/http.h"
#include "tap.h"

#define ROUNDS 30000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *seeds[] = {
    "GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n",
    "PUT /latest/api/token HTTP/1.1\r\nHost: h\r\n"
    "X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\r\n",
    "HEAD /1.0/meta-data/iam/security-credentials/r HTTP/1.0\r\n"
    "X-aws-ec2-metadata-token: AQAEA==\r\nContent-Length: 0\r\n\r\n",
};
static const char pieces[] = "\r\n\0 :\t/%.GETPUTHEAD0123456789HTTP/1.1"
                             "\x7f\x80\xff";

/* One random edit: replace, insert, delete or duplicate a span. */
static size_t
mutate(char *b, size_t len, size_t cap)
{
	size_t at = len ? rnd((unsigned)len) : 0, n;

	switch (rnd(4)) {
	case 0:
		if (len)
			b[at] = pieces[rnd(sizeof pieces - 1)];
		return len;
	case 1:
		if (len + 1 >= cap)
			return len;
		memmove(b + at + 1, b + at, len - at);
		b[at] = pieces[rnd(sizeof pieces - 1)];
		return len + 1;
	case 2:
		n = len - at > 0 ? rnd((unsigned)(len - at)) : 0;
		memmove(b + at, b + at + n, len - at - n);
		return len - n;
	default:
		n = rnd(16);
		if (at + n > len || len + n >= cap)
			return len;
		memmove(b + at + n, b + at, len - at);
		return len + n;
	}
}

/* What an accepted request must look like. */
static int
req_sane(const char *b, size_t len, int n, const struct http_req *r)
{
	if (n < 0)
		return r->status == 400 || r->status == 405 ||
		       r->status == 431 || r->status == 505;
	if (n == 0)
		return 1;
	if ((size_t)n > len || n < 4 || memcmp(b + n - 4, "\r\n\r\n", 4))
		return 0;
	if (r->target[0] != '/' || r->method == HTTP_OTHER)
		return 0;
	for (const char *p = r->target; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
	return strpbrk(r->token, "\r\n") == NULL &&
	       strpbrk(r->user_agent, "\r\n") == NULL;
}

static void
fuzz_requests(void)
{
	static char b[4096];
	struct http_req *r = malloc(sizeof *r);
	int bad = 0, accepted = 0;

	for (int i = 0; i < ROUNDS && !bad; i++) {
		const char *s = seeds[rnd(3)];
		size_t len = strlen(s);
		memcpy(b, s, len);
		for (unsigned m = rnd(4) + 1; m > 0; m--)
			len = mutate(b, len, sizeof b);
		/* the exact length, in a fresh allocation: ASan sees overreads
		 */
		char *exact = malloc(len ? len : 1);
		memcpy(exact, b, len);
		int n = http_req_parse(exact, len, r);
		accepted += n > 0;
		if (!req_sane(exact, len, n, r)) {
			bad = 1;
			printf("# bad verdict %d on round %d\n", n, i);
		}
		free(exact);
	}
	ok(!bad, "%d mutated requests: sane verdicts (%d accepted)", ROUNDS,
	   accepted);
	free(r);
}

static void
fuzz_responses(void)
{
	static const char seed[] =
	    "HTTP/1.1 200 OK\r\nServer: EC2ws\r\n"
	    "Content-Length: 12\r\nX-aws-ec2-metadata-token-ttl-seconds: "
	    "5\r\n\r\n";
	static char b[4096];
	struct http_resp r;
	int bad = 0;

	for (int i = 0; i < ROUNDS && !bad; i++) {
		size_t len = sizeof seed - 1;
		memcpy(b, seed, len);
		for (unsigned m = rnd(4) + 1; m > 0; m--)
			len = mutate(b, len, sizeof b);
		char *exact = malloc(len ? len : 1);
		memcpy(exact, b, len);
		int n = http_resp_parse(exact, len, &r);
		if (n > 0 &&
		    ((size_t)n > len || r.status < 200 || r.status > 999 ||
		     (r.chunked && r.content_length >= 0)))
			bad = 1;
		free(exact);
	}
	ok(!bad, "%d mutated responses: sane verdicts", ROUNDS);
}

int
main(void)
{
	fuzz_requests();
	fuzz_responses();
	return tap_done();
}
