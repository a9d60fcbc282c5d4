/* The credential body reader (src/audit/audit_json.c) against jansson,
 * which it replaced for speed: the same verdict (record or not, which
 * problem, which AccessKeyId and Expiration) on hand-made edge cases and
 * on hundreds of thousands of mutations of real and hostile bodies. The
 * reference below is the former audit_extract_creds, verbatim in what it
 * decides. */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "common/timefmt.h"
#include "tap.h"

#define AKID "ASIAIOSFODNN7EXAMPLE"

static int
ref_akid_ok(const char *s, size_t len)
{
	if (len < 16 || len > 128)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int
ref_exp_ok(const char *s, size_t len)
{
	int64_t ms;

	return len <= 40 && timefmt_parse(s, len, &ms) == 0;
}

static int
ref_field(json_t *obj, const char *key, char *out, size_t outlen,
          int (*check)(const char *, size_t))
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t len;

	if (v == NULL || !json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= outlen || strlen(s) != len || !check(s, len))
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

static int
ref_creds(const char *body, size_t len, struct audit_creds *c)
{
	json_error_t err;
	json_t *root;
	int bad_akid, bad_exp;

	memset(c, 0, sizeof *c);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		if (json_error_code(&err) == json_error_duplicate_key) {
			c->problem = "duplicate keys in credential body";
			return 0;
		}
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	bad_akid = ref_field(root, "AccessKeyId", c->access_key_id,
	                     sizeof c->access_key_id, ref_akid_ok);
	bad_exp = ref_field(root, "Expiration", c->expiration,
	                    sizeof c->expiration, ref_exp_ok);
	if (bad_akid)
		c->problem = "no valid AccessKeyId in credential body";
	else if (bad_exp)
		c->problem = "no valid Expiration in credential body";
	json_decref(root);
	return 0;
}

/* 1 when both readers agree on body; prints the case when not. */
static int
agree(const char *body, size_t len)
{
	struct audit_creds a, b;
	int ra = ref_creds(body, len, &a), rb = audit_extract_creds(body, len, &b);

	if (ra == rb && (ra == -1 ||
	                 ((a.problem == b.problem ||
	                   (a.problem && b.problem &&
	                    !strcmp(a.problem, b.problem))) &&
	                  !strcmp(a.access_key_id, b.access_key_id) &&
	                  !strcmp(a.expiration, b.expiration))))
		return 1;
	printf("# disagree on %zu bytes: jansson %d %s [%s], ours %d %s "
	       "[%s]\n# body: ",
	       len, ra, a.problem ? a.problem : "-", a.access_key_id, rb,
	       b.problem ? b.problem : "-", b.access_key_id);
	for (size_t i = 0; i < len && i < 200; i++)
		printf(body[i] >= 0x20 && body[i] < 0x7f ? "%c" : "\\x%02x",
		       (unsigned char)body[i]);
	printf("\n");
	return 0;
}

static const char *cases[] = {
    "{\"Code\":\"Success\",\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":"
    "\"s/e+c=\",\"Token\":\"t\",\"Expiration\":\"2026-11-23T20:00:00Z\"}",
    "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-11-23T14:00:00Z"
    "\",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"" AKID "\",\n  "
    "\"Expiration\" : \"2026-11-23T20:00:00Z\"\n}\n",
    "{\"AccessKeyId\":\"" AKID "\",\"AccessKeyId\":\"x\"}",
    "{\"a\":{\"b\":1,\"b\":2},\"AccessKeyId\":\"" AKID "\"}",
    "[{\"a\":1,\"a\":2}]",
    "[{\"a\":1,\"a\":2}, x",
    "{\"a\":1,\"a\" x",
    "{\"A\\u0063cessKeyId\":\"" AKID "\",\"AccessKeyId\":\"" AKID "\"}",
    "{\"A\\u0063cessKeyId\":\"" AKID "\",\"Expiration\":\"2026-11-23T20:00:00Z\"}",
    "{\"AccessKeyId\":\"ASIA\\u0041AAAAAAAAAAAAAAA\"}",
    "{\"AccessKeyId\":\"" AKID "\\u0000\"}",
    "{\"x\":\"\\ud834\\udd1e\",\"AccessKeyId\":\"" AKID "\"}",
    "{\"x\":\"\\ud834\",\"AccessKeyId\":\"" AKID "\"}",
    "{\"x\":\"\\udd1e\"}",
    "{\"x\":\"\\ud834\\u0041\"}",
    "{\"x\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
    "{\"x\":\"\xc0\xaf\"}",
    "{\"x\":\"\xed\xa0\x80\"}",
    "{\"x\":\"\xf4\x90\x80\x80\"}",
    "{\"x\":\"\xe2\x82\"}",
    "{\"x\":\"\x80\"}",
    "{\"x\":\"a\tb\"}",
    "{\"x\":\"\\q\"}",
    "{\"x\":\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"}",
    "{\"x\":9223372036854775807}",
    "{\"x\":9223372036854775808}",
    "{\"x\":-9223372036854775808}",
    "{\"x\":-9223372036854775809}",
    "{\"x\":1e308}",
    "{\"x\":1e309}",
    "{\"x\":-1e309}",
    "{\"x\":1e-400}",
    "{\"x\":-0.0e+0}",
    "{\"x\":01}",
    "{\"x\":1.}",
    "{\"x\":.5}",
    "{\"x\":-}",
    "{\"x\":+1}",
    "{\"x\":1e}",
    "{\"x\":true,\"y\":false,\"z\":null}",
    "{\"x\":truee}",
    "{\"x\":tru}",
    "{\"x\":[1,2,]}",
    "{\"x\":[,]}",
    "{\"x\":1,}",
    "{,}",
    "{}",
    "[]",
    " \t\r\n{} \t\r\n",
    "{} x",
    "{}\0",
    "\"string\"",
    "42",
    "null",
    "",
    "   ",
    "\xef\xbb\xbf{}",
    "{\"AccessKeyId\":[\"" AKID "\"],\"Expiration\":{\"x\":1}}",
    "{\"AccessKeyId\":\"" AKID "\",\"Expiration\":\"not a date\"}",
    "{\"AccessKeyId\":\"lower-case-and-long\"}",
    "{\"AccessKeyId\":\"" AKID "\",\"Expiration\":\"2026-11-23T20:00:00.123+02:00\"}",
    "{1:2}",
    "{\"a\" 1}",
    "{\"a\":1 \"b\":2}",
    "{\"\":1,\"\":2}",
};

/* xorshift: the same mutations on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char alphabet[] = "{}[]\":,\\ u0123456789abcdefAEIKSXZ.-+eE"
                               "tfnrl\t\n\r\x80\xc3\xa9\xed\xf0\x01";

/* One random change: replace, insert or delete a byte, or repeat a run. */
static size_t
mutate(char *b, size_t len, size_t cap)
{
	size_t at = len ? rnd() % len : 0, n;

	switch (rnd() % 4) {
	case 0:
		if (len)
			b[at] = alphabet[rnd() % (sizeof alphabet - 1)];
		return len;
	case 1:
		if (len + 1 >= cap)
			return len;
		memmove(b + at + 1, b + at, len - at);
		b[at] = alphabet[rnd() % (sizeof alphabet - 1)];
		return len + 1;
	case 2:
		if (len)
			memmove(b + at, b + at + 1, len - at - 1), len--;
		return len;
	default:
		n = rnd() % 16;
		if (at + n > len || len + n >= cap)
			return len;
		memmove(b + at + n, b + at, len - at);
		return len + n;
	}
}

static void
test_mutations(int rounds)
{
	char b[4096];
	size_t len;
	int bad = 0, n = 0;

	for (int i = 0; i < rounds && bad < 5; i++) {
		const char *c = cases[rnd() % (sizeof cases / sizeof cases[0])];

		len = strlen(c);
		memcpy(b, c, len);
		for (int k = (int)(rnd() % 4) + 1; k > 0; k--)
			len = mutate(b, len, sizeof b);
		bad += !agree(b, len);
		n++;
	}
	is_int(bad, 0, "%d mutated bodies: the same verdict as jansson", n);
}

/* Nesting at jansson's limit and one past it. */
static void
test_depth(void)
{
	static char b[8192];
	int ok1 = 1;

	for (int depth = 2045; depth <= 2050; depth++) {
		memset(b, '[', (size_t)depth);
		memset(b + depth, ']', (size_t)depth);
		ok1 &= agree(b, (size_t)depth * 2);
		b[depth - 1] = '1';
		memmove(b + depth, b + depth + 1, (size_t)depth - 1);
		ok1 &= agree(b, (size_t)depth * 2 - 1);
	}
	ok(ok1, "nesting around 2048 levels: the same verdict");
}

int
main(void)
{
	int all = 1;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		all &= agree(cases[i], strlen(cases[i]));
	all &= agree("{}\0", 3);
	ok(all, "%zu hand-made bodies: the same verdict as jansson",
	   sizeof cases / sizeof cases[0] + 1);
	test_depth();
	test_mutations(300000);
	return tap_done();
}
