/* Unit tests for the shared building blocks: JSON escaping, addresses,
 * the checked INI reader, timestamps and large allocations. */
#include "config.h"

#include <sys/mman.h>

#include <stdint.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/buf.h"
#include "common/inifile.h"
#include "common/jsonw.h"
#include "tap.h"
#include "common/timefmt.h"
#include "common/xmalloc.h"

static void
test_escape_one(const char *in, size_t len, const char *want, const char *what)
{
	struct buf b;

	buf_init(&b);
	jw_escape(&b, in, len);
	is_str(b.data, want, "escape %s", what);
	buf_free(&b);
}

/* Every byte value comes out as valid, printable-ASCII-safe JSON. */
static void
test_escape_all_bytes(void)
{
	struct buf b;
	char c;
	int i, bad = 0;

	buf_init(&b);
	for (i = 0; i < 256; i++) {
		c = (char)i;
		buf_reset(&b);
		jw_escape(&b, &c, 1);
		if (i < 0x20 || i == 0x7f || i == '"' || i == '\\' || i >= 0x80)
			bad += b.data[1] != '\\';
		else
			bad += b.len != 3 || b.data[1] != c;
	}
	ok(bad == 0, "every single byte is escaped or passed as JSON requires");
	buf_free(&b);
}

static void
test_jsonw(void)
{
	struct buf b;
	struct jsonw jw;

	test_escape_one("a\"b\\c", 5, "\"a\\\"b\\\\c\"", "quote and backslash");
	test_escape_one("\n\r\t\x01\x7f", 5, "\"\\n\\r\\t\\u0001\\u007f\"", "controls");
	test_escape_one("a\0b", 3, "\"a\\u0000b\"", "NUL");
	test_escape_one("\xc3\xa9", 2, "\"\xc3\xa9\"", "valid UTF-8 kept");
	test_escape_one("\xc3", 1, "\"\\ufffd\"", "truncated UTF-8");
	test_escape_one("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"", "overlong slash");
	test_escape_one("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"", "surrogate");
	test_escape_all_bytes();

	buf_init(&b);
	jw_begin(&jw, &b);
	jw_str(&jw, "event", "request");
	jw_int(&jw, "uid", 1001);
	jw_arr_begin(&jw, "gids");
	jw_int(&jw, NULL, 1);
	jw_int(&jw, NULL, 2);
	jw_arr_end(&jw);
	jw_obj_begin(&jw, "p");
	jw_bool(&jw, "x", 1);
	jw_null(&jw, "y");
	jw_obj_end(&jw);
	jw_str(&jw, "n", NULL);
	jw_end(&jw);
	is_str(b.data, "{\"event\":\"request\",\"uid\":1001,\"gids\":[1,2],"
	    "\"p\":{\"x\":true,\"y\":null},\"n\":null}", "nested object");
	buf_free(&b);
}

static void
test_addr(void)
{
	struct sockaddr_storage ss;
	char err[128], out[ADDR_STRLEN];

	ok(addr_parse("169.254.169.254:80", -1, &ss, err, sizeof err) == 0 &&
	    ss.ss_family == AF_INET, "v4 with port");
	is_str(addr_fmt(&ss, out, sizeof out), "169.254.169.254:80", "v4 round trip");
	ok(addr_parse("[fd00:ec2::254]:80", -1, &ss, err, sizeof err) == 0 &&
	    ss.ss_family == AF_INET6, "v6 with port");
	is_str(addr_fmt(&ss, out, sizeof out), "[fd00:ec2::254]:80", "v6 round trip");
	ok(addr_parse("fd00:ec2::254", 80, &ss, err, sizeof err) == 0 &&
	    addr_port(&ss) == 80, "bare v6 takes default port");
	ok(addr_parse("127.0.0.1", -1, &ss, err, sizeof err) == -1, "port required");
	ok(addr_parse("127.0.0.1:0", -1, &ss, err, sizeof err) == -1, "port 0");
	ok(addr_parse("127.0.0.1:65536", -1, &ss, err, sizeof err) == -1, "port range");
	ok(addr_parse("localhost:80", -1, &ss, err, sizeof err) == -1, "no names");
	ok(addr_parse("[1.2.3.4]:80", -1, &ss, err, sizeof err) == -1, "v4 in brackets");
	ok(addr_parse("[::1:80", -1, &ss, err, sizeof err) == -1, "unclosed bracket");
}

struct ini_seen {
	char	log[1024];
};

static int
ini_cb(void *arg, const struct inifile_pos *pos, const char *section,
    const char *name, const char *value, char *err, size_t errlen)
{
	struct ini_seen *s = arg;
	size_t n = strlen(s->log);

	if (name != NULL && strcmp(name, "bad") == 0) {
		snprintf(err, errlen, "bad key");
		return -1;
	}
	snprintf(s->log + n, sizeof s->log - n, "%u/%u:%s:%s=%s;", pos->line,
	    pos->section_line, section, name ? name : "-", value ? value : "-");
	return 0;
}

static int
ini_run(const char *text, struct ini_seen *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	err[0] = '\0';
	return inifile_parse_buf("t.rules", text, strlen(text), ini_cb, s, err,
	    errlen);
}

static void
test_inifile(void)
{
	struct ini_seen s;
	char err[256], longline[400];

	ok(ini_run("; c\n[a b]\nk = v ; note\n\n[c]\nx=1\n", &s, err, sizeof err) == 0,
	    "plain file parses");
	is_str(s.log, "2/2:a b:-=-;3/2:a b:k=v;5/5:c:-=-;6/5:c:x=1;", "lines and sections");
	ok(ini_run("[a]\nk = v\n  more\n", &s, err, sizeof err) == -1,
	    "indented continuation refused");
	is_str(err, "t.rules:3: syntax error (expected '[section]' or 'key = value')",
	    "continuation error names the line");
	memset(longline, 'x', sizeof longline);
	memcpy(longline, "[a]\nk = ", 8);
	longline[8 + 199] = '\n';
	longline[8 + 200] = '\0';
	ok(ini_run(longline, &s, err, sizeof err) == -1, "over-long line refused");
	is_str(err, "t.rules:2: line longer than 198 bytes", "long line error");
	longline[8 + 190] = '\n';
	longline[8 + 191] = '\0';
	ok(ini_run(longline, &s, err, sizeof err) == 0, "198-byte line accepted");
	ok(ini_run("[a]\nk\n", &s, err, sizeof err) == -1, "key without value");
	is_str(err, "t.rules:2: syntax error (expected '[section]' or 'key = value')",
	    "missing = names line 2");
	ok(ini_run("[a]\nk=1\nbad = 2\nbad = 3\n", &s, err, sizeof err) == -1,
	    "callback error");
	is_str(err, "t.rules:3: bad key", "first callback error is kept");
	ok(ini_run("[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", &s,
	    err, sizeof err) == -1, "section name over 49 bytes refused");
	ok(inifile_parse_buf("n", "[a]\nk=\0v\n", 9, ini_cb, &s, err, sizeof err) == -1,
	    "NUL refused");
}

static void
test_timefmt(void)
{
	struct timespec ts = { 1600046380, 123456789 };
	char out[TIMEFMT_LEN];
	int64_t ms;

	is_str(timefmt_rfc3339ms(&ts, out), "2020-09-14T01:19:40.123Z", "format ms");
	ok(timefmt_parse("2020-09-14T01:19:40Z", 20, &ms) == 0 &&
	    ms == 1600046380000LL, "parse Z");
	ok(timefmt_parse("2020-09-14T01:19:40.5Z", 22, &ms) == 0 &&
	    ms == 1600046380500LL, "parse fraction");
	ok(timefmt_parse("2020-09-14T03:19:40+02:00", 25, &ms) == 0 &&
	    ms == 1600046380000LL, "parse offset");
	ok(timefmt_parse("2020-13-14T01:19:40Z", 20, &ms) == -1, "bad month");
	ok(timefmt_parse("2020-09-14", 10, &ms) == -1, "date only");
}

/* Whether the page at p is mapped (mincore fails with ENOMEM if not). */
static int
test_mapped(uintptr_t p)
{
	unsigned char v;

	return mincore((void *)p, 1, &v) == 0;
}

/* xcalloc_big: zeroed, writable to the last byte, and from 4 MiB on its
 * own 2 MiB-aligned mapping (the whole huge pages are what it is for),
 * with nothing of the mapping's slack left mapped after its last page,
 * and nothing left of it once freed. */
static void
test_calloc_big(void)
{
	size_t sizes[] = {100, (size_t)4 << 20, ((size_t)7 << 20) + 123};
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), end;
	size_t i, j, nonzero;
	unsigned char *p;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p = xcalloc_big(sizes[i]);
		nonzero = 0;
		for (j = 0; j < sizes[i]; j += 4093)
			nonzero += p[j] != 0;
		nonzero += p[sizes[i] - 1] != 0;
		is_int(nonzero, 0, "calloc_big %zu: zeroed", sizes[i]);
		p[0] = p[sizes[i] - 1] = 0xa5;
		ok(p[0] == 0xa5 && p[sizes[i] - 1] == 0xa5,
		    "calloc_big %zu: both ends writable", sizes[i]);
		if (sizes[i] < ((size_t)4 << 20)) {
			xfree_big(p, sizes[i]);
			continue;
		}
		is_int((uintptr_t)p % ((size_t)2 << 20), 0,
		    "calloc_big %zu: 2 MiB aligned", sizes[i]);
		end = ((uintptr_t)p + sizes[i] + page - 1) & ~(page - 1);
		ok(!test_mapped(end),
		    "calloc_big %zu: the slack after it unmapped", sizes[i]);
		xfree_big(p, sizes[i]);
		ok(!test_mapped((uintptr_t)p) && !test_mapped(end - page),
		    "calloc_big %zu: unmapped once freed", sizes[i]);
	}
}

int
main(void)
{
	test_jsonw();
	test_addr();
	test_inifile();
	test_timefmt();
	test_calloc_big();
	return tap_done();
}
