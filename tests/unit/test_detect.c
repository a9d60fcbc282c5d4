/* Unit tests for the detector's building blocks: IP ranges, the session
 * table (and its memory per session), the eventID set, gzip limits and
 * the CloudTrail parser's forms. */
#include "config.h"
#include <arpa/inet.h>
#include <malloc.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/timefmt.h"
#include "detect/ct_input.h"
#include "detect/ct_json.h"
#include "detect/detect_dedup.h"
#include "detect/detect_hold.h"
#include "detect/detect_owner.h"
#include "detect/detect_vpc.h"
#include "detect/iprange.h"
#include "detect/session.h"
#include "detect/state.h"
#include "tap.h"
#include "common/xmalloc.h"

static void
test_iprange(void)
{
	struct iprange_set s = {NULL, 0, 0};
	struct ip16 ip;

	ok(iprange_add(&s, "10.1.0.0/16", 11) == 0, "add v4 cidr");
	ok(iprange_add(&s, "2600:1f00::/24", 14) == 0, "add v6 cidr");
	ok(iprange_add(&s, "10.1.2.0/24", 11) == 0, "add nested cidr");
	ok(iprange_add(&s, "1.2.3.4", 7) == 0, "add bare ip");
	ok(iprange_add(&s, "1.2.3.4/33", 10) != 0, "reject /33");
	ok(iprange_add(&s, "nonsense", 8) != 0, "reject garbage");
	iprange_finish(&s);
	is_int(s.n, 3, "nested ranges merged");
	ip16_parse("10.1.200.3", 10, &ip);
	ok(iprange_contains(&s, &ip), "inside v4 range");
	ip16_parse("10.2.0.0", 8, &ip);
	ok(!iprange_contains(&s, &ip), "outside v4 range");
	ip16_parse("1.2.3.4", 7, &ip);
	ok(iprange_contains(&s, &ip), "single address");
	ip16_parse("2600:1fff::1", 12, &ip);
	ok(iprange_contains(&s, &ip), "inside v6 range");
	ip16_parse("2601::1", 7, &ip);
	ok(!iprange_contains(&s, &ip), "outside v6 range");
	ok(ip16_parse("300.1.1.1", 9, &ip) != 0, "bad v4 refused");
	ip16_parse("172.31.4.5", 10, &ip);
	ok(ip16_is_private(&ip), "172.31 private");
	ip16_parse("fd00:ec2::254", 13, &ip);
	ok(ip16_is_private(&ip), "ULA private");
	iprange_free(&s);
}

/* ip16_parse reads IPv4 itself: it must accept and refuse exactly what
 * inet_pton(AF_INET) does, which it replaced (the text ends at a NUL). */
static void
test_ip4_parse(void)
{
	static const char *const v[] = {
	    "0.0.0.0",   "255.255.255.255", "1.2.3.4",  "01.2.3.4",
	    "1.2.3.04",  "256.1.1.1",       "1.2.3",    "1.2.3.4.",
	    "1..2.3",    ".1.2.3",          "1.2.3.4 ", " 1.2.3.4",
	    "1.2.3.4.5", "1.2.3.-4",        "1.2.3.a",  "00.0.0.0",
	    "1.2.3.400", "4294967296",      "",         "1.2.3.4\0x"};
	struct ip16 ip;
	uint8_t want[4];
	char tmp[64];
	size_t i, n, bad = 0;
	int r;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		n = strlen(v[i]) + (i == sizeof v / sizeof v[0] - 1 ? 2 : 0);
		memcpy(tmp, v[i], n);
		tmp[n] = '\0';
		r = inet_pton(AF_INET, tmp, want) == 1 ? 0 : -1;
		if (n == 0)
			r = -1; /* ip16_parse refuses an empty address first */
		if (ip16_parse(tmp, n, &ip) != r ||
		    (r == 0 && memcmp(ip.b + 12, want, 4) != 0)) {
			printf("# ip16_parse and inet_pton differ on \"%s\"\n",
			       tmp);
			bad++;
		}
	}
	is_int(bad, 0, "IPv4 addresses read as inet_pton reads them");
}

/* Memory per tracked session, measured with mallinfo2: the heap's bytes
 * in use plus its mmap'd chunks, plus what xcalloc_big mapped itself in
 * huge pages (the large session blocks and the index), which malloc's
 * statistics miss. */
static size_t
test_heap_bytes(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd + xcalloc_big_mapped();
}

/* Past the inline addresses the list moves to the heap (the heap
 * pointer shares the inline room): every address kept, in order, and
 * the TTL still forgets only the learned ones. */
static void
test_session_spill(struct session_table *t)
{
	static const char *ips[] = {"54.1.2.3", "10.0.0.1", "2600:1f18::9",
	                            "54.1.2.4", "54.1.2.5"};
	struct session *s = session_get(t, "i-0spill", 8, 1);
	struct ip16 ip;
	char out[256];
	int i;

	for (i = 0; i < 5; i++) {
		ip16_parse(ips[i], strlen(ips[i]), &ip);
		session_add(s, &ip, i == 1 ? SIP_KNOWN : SIP_LEARNED);
	}
	is_int(s->nips, 5, "five addresses held past the inline two");
	is_str(session_ips_fmt(s, out, sizeof out),
	       "54.1.2.3,10.0.0.1,2600:1f18::9,54.1.2.4,54.1.2.5",
	       "in the order they came");
	s->expires = 1;
	session_expire(s, 2);
	is_str(session_ips_fmt(s, out, sizeof out), "10.0.0.1",
	       "the TTL forgets the learned, keeps the known");
}

static void
test_session_memory(void)
{
	struct session_table t;
	struct ip16 ip;
	size_t a, b;
	char id[24];
	int i, n = 100000;
	struct session *s;

	memset(&t, 0, sizeof t);
	a = test_heap_bytes();
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "i-%017x", i);
		s = session_get(&t, id, strlen(id), 1);
		ip16_parse("10.0.0.1", 8, &ip);
		session_add(s, &ip, SIP_LEARNED);
		ip16_parse("54.1.2.3", 8, &ip);
		session_add(s, &ip, SIP_LEARNED);
	}
	b = test_heap_bytes();
	if (b == a) /* a sanitizer's allocator */
		ok(1, "bytes per session not measurable with this allocator");
	else {
		printf("# %zu bytes per session (%d sessions)\n", (b - a) / n,
		       n);
		ok((b - a) / n < 300, "under 300 bytes per session");
	}
	s = session_get(&t, "I-0000000000000002A", 19, 0);
	ok(s != NULL && s->nips == 2, "lookup is case-insensitive");
	test_session_spill(&t);
	session_table_free(&t);
}

static void
test_dedup(void)
{
	struct dedup d;
	char id[32];
	uint64_t k1, k2;
	int i, dup = 0;

	dedup_init(&d);
	ok(!dedup_seen(&d, "a", 1), "first sighting");
	ok(dedup_seen(&d, "a", 1), "second sighting");
	for (i = 0; i < 600000; i++) {
		snprintf(id, sizeof id, "ev-%d", i);
		dup += dedup_seen(&d, id, strlen(id));
	}
	is_int(dup, 0, "no false duplicates across a generation switch");
	ok(dedup_seen(&d, "ev-599999", 9), "recent id remembered");
	k1 = dedup_key(&d, "two-step", 8);
	k2 = dedup_key(&d, "two-step", 8);
	ok(k1 != 0 && k1 == k2, "a key is the id's, never 0");
	ok(!dedup_check(&d, k1) && dedup_check(&d, k2),
	   "the verdict later, as dedup_seen's");
	dedup_free(&d);
}

static size_t
gz(struct libdeflate_compressor *c, const char *in, size_t n, char *out,
   size_t cap)
{
	return libdeflate_gzip_compress(c, in, n, out, cap);
}

static void
test_gzip(void)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	char out[4096], *big;
	struct ct_blob b;
	char err[128];
	size_t n1, n2;

	n1 = gz(c, "hello ", 6, out, sizeof out);
	n2 = gz(c, "world", 5, out + n1, sizeof out - n1);
	ok(ct_input_gunzip(out, n1 + n2, &b, err, sizeof err) == 0,
	   "multi-member gzip");
	ok(b.len == 11 && memcmp(b.data, "hello world", 11) == 0,
	   "both members decoded");
	ct_input_free(&b);
	big = xcalloc(1, 1 << 20);
	n1 = gz(c, big, 1 << 20, out, sizeof out);
	out[n1 - 1] = 0x7f; /* ISIZE claims ~2 GiB */
	ok(ct_input_gunzip(out, n1, &b, err, sizeof err) != 0,
	   "a lying ISIZE (2 GiB) is refused, not allocated");
	n1 = gz(c, big, 1 << 20, out, sizeof out);
	ok(ct_input_gunzip(out, n1, &b, err, sizeof err) == 0 &&
	       b.len == (1 << 20),
	   "1 MiB of zeros from %zu bytes", n1);
	ct_input_free(&b);
	ok(ct_input_gunzip("\x1f\x8b\x08\0\0\0\0\0\0\0garbage!!", 18, &b, err,
	                   sizeof err) != 0,
	   "corrupt gzip refused");
	free(big);
	libdeflate_free_compressor(c);
}

static int nev;
static char last_id[64];

static void
cb(const struct ct_event *ev, void *arg)
{
	(void)arg;
	nev++;
	snprintf(last_id, sizeof last_id, "%.*s", (int)ev->f[CT_EVENTID].n,
	         ev->f[CT_EVENTID].p);
}

static void
errcb(const char *what, uint64_t i, uint64_t off, void *arg)
{
	(void)what;
	(void)i;
	(void)off;
	(*(int *)arg)++;
}

static int
parse(const char *s)
{
	size_t n = strlen(s);
	char *b = xcalloc(1, n + CT_PADDING);
	struct ct_counts c = {0, 0, 0};
	int errs = 0;

	memcpy(b, s, n);
	nev = 0;
	last_id[0] = '\0';
	ct_parse(b, n, cb, errcb, &errs, &c);
	free(b);
	return nev * 100 + errs;
}

static void
test_forms(void)
{
	is_int(parse("{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":\"b\"}]}"),
	       200, "S3 object");
	is_int(parse("{\"eventID\":\"a\"}\n{bad\n{\"eventID\":\"c\"}\n"), 201,
	       "JSON lines with a bad line");
	is_str(last_id, "c", "line after the bad one kept");
	is_int(parse("{\"detail-type\":\"AWS API Call via CloudTrail\","
	             "\"detail\":{\"eventID\":\"e\"}}"),
	       100, "EventBridge");
	is_int(parse("{\"logEvents\":[{\"id\":\"1\",\"message\":"
	             "\"{\\\"eventID\\\":\\\"m\\\"}\"}]}"),
	       100, "CloudWatch Logs");
	is_str(last_id, "m", "event from the message string");
	is_int(parse("{\"Events\":[{\"EventId\":\"x\",\"CloudTrailEvent\":"
	             "\"{\\\"eventID\\\":\\\"l\\\"}\"}]}"),
	       100, "lookup-events");
	is_int(parse("{\"digestPublicKeyFingerprint\":\"ab\",\"logFiles\":[]}"),
	       0, "digest skipped");
	is_int(parse("[\n{\"eventID\":\"a\"},\n{\"eventID\":\"b\"}\n]"), 200,
	       "bare array");
	is_int(parse("{\"Records\":[{\"eventID\":\"a\"}, 5]}"), 101,
	       "non-object record reported");
}

/* A VPC's NAT egress and endpoint sets (issue 11). */
static void
test_vpc(void)
{
	struct dmap m = {NULL, 0, 0};
	struct vpc_scope *v = detect_vpc_get(&m, "vpc-1");
	struct ip16 nat, nat2, v6, gw;
	struct ct_str own = {"vpce-own", 8}, evil = {"vpce-evil", 9};
	const char *s3 = "s3.amazonaws.com", *kms = "kms.amazonaws.com";

	ip16_parse("15.188.50.1", 11, &nat);
	ip16_parse("15.188.60.2", 11, &nat2);
	ip16_parse("2600:1f18::9", 12, &v6);
	ip16_parse("15.188.70.3", 11, &gw);
	ok(detect_vpc_get(&m, "vpc-1") == v, "one scope per VPC");
	is_int(detect_vpc_egress(v, &nat), 0, "first egress learnt");
	is_int(detect_vpc_egress(v, &nat), 0, "known egress accepted");
	is_int(detect_vpc_egress(v, &nat2), -1, "other egress refused");
	is_int(detect_vpc_egress(v, &v6), 0, "IPv6 egress learnt apart");
	detect_vpc_add_egress(v, &gw, VPC_GATEWAY);
	is_int(detect_vpc_egress(v, &gw), 0,
	       "a NAT gateway's address accepted");
	v = detect_vpc_get(&m, "vpc-2");
	detect_vpc_add_egress(v, &gw, VPC_GATEWAY);
	is_int(detect_vpc_egress(v, &nat), 0, "a gateway alone does not lock");
	is_int(detect_vpc_endpoint(v, s3, &own), 0, "first endpoint learnt");
	is_int(detect_vpc_endpoint(v, s3, &own), 0, "same endpoint accepted");
	is_int(detect_vpc_endpoint(v, s3, &evil), -1, "other endpoint refused");
	is_int(detect_vpc_endpoint(v, kms, &evil), 0, "per service");
	detect_vpc_free(&m);
}

/* A session's own endpoint scope (no VPC known) is kept in the session,
 * not in the VPC map: --state must still save it and bring it back to
 * that session, and a VPC's scope to the map (issue 18). */
static void
test_state_scopes(void)
{
	struct session_table t, t2;
	struct dmap intern = {NULL, 0, 0}, vpcs = {NULL, 0, 0};
	struct dmap intern2 = {NULL, 0, 0}, vpcs2 = {NULL, 0, 0};
	struct ct_str own = {"vpce-own", 8}, evil = {"vpce-evil", 9};
	const char *s3 = dmap_intern(&intern, "s3.amazonaws.com", 16);
	char path[] = "/tmp/test_detect_state.XXXXXX", err[256], aux[64];
	struct session *s;
	int fd;

	memset(&t, 0, sizeof t);
	memset(&t2, 0, sizeof t2);
	fd = mkstemp(path);
	ok(fd >= 0, "state file made");
	close(fd);
	s = session_get(&t, "i-0aaa000000000000a", 19, 1);
	s->scope = xcalloc(1, sizeof *s->scope);
	detect_vpc_endpoint(s->scope, s3, &own);
	detect_vpc_endpoint(detect_vpc_get(&vpcs, "vpc-1"), s3, &evil);
	ok(state_save(path, &t, &vpcs, err, sizeof err) == 0, "state saved");
	ok(state_load(path, &t2, &intern2, &vpcs2, err, sizeof err) == 0,
	   "state loaded");
	s = session_get(&t2, "i-0aaa000000000000a", 19, 0);
	ok(s != NULL && s->scope != NULL && s->scope->nep == 1 &&
	       strcmp(s->scope->ep[0].id, "vpce-own") == 0,
	   "a session's own endpoint comes back to the session");
	s3 = dmap_intern(&intern2, "s3.amazonaws.com", 16);
	ok(s != NULL && s->scope != NULL &&
	       detect_vpc_endpoint(s->scope, s3, &evil) == -1,
	   "and still refuses another endpoint for the service");
	ok(vpcs2.n == 1 && dmap_get(&vpcs2, "vpc-1", 5) != NULL,
	   "a VPC's endpoints come back to the VPC map only");
	session_table_free(&t);
	session_table_free(&t2);
	detect_vpc_free(&vpcs);
	detect_vpc_free(&vpcs2);
	dmap_free(&intern, NULL);
	dmap_free(&intern2, NULL);
	unlink(path);
	snprintf(aux, sizeof aux, "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof aux, "%s-shm", path);
	unlink(aux);
}

/* What the window applied, in order. */
static char applied[64][16];
static int napplied;

static void
hold_cb(const struct ct_event *ev, int64_t t, void *arg)
{
	(void)t;
	(void)arg;
	if (napplied < 64)
		snprintf(applied[napplied++], sizeof applied[0], "%.*s",
		         (int)ev->f[CT_EVENTID].n, ev->f[CT_EVENTID].p);
}

static void
hold_put(struct hold_piece *p, const char *id, int64_t t)
{
	struct ct_event ev;

	memset(&ev, 0, sizeof ev);
	ev.f[CT_EVENTID].p = id;
	ev.f[CT_EVENTID].n = strlen(id);
	ev.f[CT_SRCIP].p = "15.188.1.10";
	ev.f[CT_SRCIP].n = 11;
	hold_piece_add(p, &ev, t);
}

static const char *
hold_order(void)
{
	static char out[256];
	int i;

	out[0] = '\0';
	for (i = 0; i < napplied && strlen(out) + 20 < sizeof out; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, applied[i]);
	}
	return out;
}

/* The reorder window (issue 19): pieces read out of order are applied in
 * event-time order, ties by eventID; what came too late is counted. */
static void
test_hold(void)
{
	const int64_t m = 60000, t0 = 1700000000000LL;
	struct hold_piece p;
	struct hold h;

	hold_init(&h);
	napplied = 0;
	hold_piece_open(&p, &h);
	hold_put(&p, "c", t0 + 10 * m);
	hold_put(&p, "b2", t0 + 5 * m);
	hold_piece_close(&h, &p);
	hold_piece_open(&p, &h);
	hold_put(&p, "b1", t0 + 5 * m);
	hold_put(&p, "a", t0);
	hold_piece_close(&h, &p);
	hold_advance(&h, hold_cb, NULL);
	is_int(napplied, 0, "nothing applied while the window is open");
	hold_piece_open(&p, &h);
	hold_put(&p, "d", t0 + 26 * m);
	hold_piece_close(&h, &p);
	hold_advance(&h, hold_cb, NULL);
	is_str(hold_order(), "a b1 b2",
	       "older than the window: applied in order");
	hold_piece_open(&p, &h);
	hold_put(&p, "late", t0 + 1 * m);
	hold_piece_close(&h, &p);
	is_int((int)h.late, 1, "an event older than one applied is late");
	hold_flush(&h, hold_cb, NULL);
	is_str(hold_order(), "a b1 b2 late c d", "flush: the rest in order");
	is_int((int)h.held, 0, "nothing held after flush");
	/* Records waiting for a time take the next one's. */
	hold_piece_open(&p, &h);
	hold_put(&p, "x", HOLD_NOTIME);
	hold_piece_settime(&p, t0 + 30 * m);
	hold_put(&p, "y", t0 + 30 * m);
	is_int((int)hold_piece_close(&h, &p), 0,
	       "timed later: nothing dropped");
	hold_piece_open(&p, &h);
	hold_put(&p, "z", HOLD_NOTIME);
	is_int((int)hold_piece_close(&h, &p), 1, "never timed: dropped");
	napplied = 0;
	hold_flush(&h, hold_cb, NULL);
	is_str(hold_order(), "x y", "the untimed record applied at its time");
	hold_free(&h);
}

/* Events are packed before their dedup verdicts (issue 18): any of the
 * piece's events can be read back, timed, or taken out, and the count of
 * events waiting for a time follows. */
static void
test_hold_last(void)
{
	const int64_t t0 = 1700000000000LL;
	struct hold_piece p;
	struct ct_event ev;
	struct hold h;

	hold_init(&h);
	hold_piece_open(&p, &h);
	hold_put(&p, "kept", t0);
	hold_put(&p, "dup", 0);
	hold_put(&p, "untimed", 0);
	hold_piece_get(&p, 1, &ev);
	is_int((int)ev.f[CT_EVENTID].n, 3, "an event read back");
	ok(ev.f[CT_SRCIP].n == 11 &&
	       memcmp(ev.f[CT_SRCIP].p, "15.188.1.10", 11) == 0,
	   "with its fields");
	hold_piece_drop(&p, 1);
	is_int((int)p.notime, 0, "a duplicate taken out: not waiting");
	hold_piece_retime(&p, 2, HOLD_NOTIME);
	is_int((int)p.notime, 1, "timed as waiting: counted");
	hold_piece_retime(&p, 2, t0 + 1);
	is_int((int)p.notime, 0, "timed after all: not counted");
	hold_put(&p, "never", HOLD_NOTIME);
	hold_piece_drop(&p, 3);
	is_int((int)p.notime, 0, "an untimed one taken out: not counted");
	is_int((int)hold_piece_close(&h, &p), 0, "nothing dropped");
	napplied = 0;
	hold_flush(&h, hold_cb, NULL);
	is_str(hold_order(), "kept untimed", "only the kept ones applied");
	hold_free(&h);
}

/* Inputs are read in the order their events start (issue 19). */
static void
test_order(void)
{
	const char *lines = "{\"eventTime\":\"2026-11-20T10:05:00Z\"}\n"
	                    "{\"eventTime\":\"2026-11-20T10:01:00Z\"}\n";
	const char *lookup =
	    "{\"Events\":[{\"CloudTrailEvent\":"
	    "\"{\\\"eventTime\\\":\\\"2026-11-20T09:00:00Z\\\"}\"}]}";
	int64_t ms;

	timefmt_parse("2024-08-02T08:20:00Z", 20, &ms);
	ok(ct_order_stamp("/x/017622104382_CloudTrail_us-west-2_20240802T0820Z_"
	                  "abc.json.gz") == ms,
	   "a CloudTrail object's delivery stamp");
	ok(ct_order_stamp("/x/20240802.json") == CT_ORDER_NONE,
	   "no stamp in a plain name");
	timefmt_parse("2026-11-20T10:01:00Z", 20, &ms);
	ok(ct_order_scan(lines, strlen(lines)) == ms,
	   "the earliest eventTime of the head");
	timefmt_parse("2026-11-20T09:00:00Z", 20, &ms);
	ok(ct_order_scan(lookup, strlen(lookup)) == ms,
	   "an eventTime inside an escaped event string");
	ok(ct_order_scan("{}", 2) == CT_ORDER_NONE, "no time: last");
}

/* Address classes, first-use locks and address owners (issue 19). */
static void
test_classes(void)
{
	struct session_table t;
	struct owners o;
	struct session *a, *b;
	struct ip16 v4, v6, priv;

	memset(&t, 0, sizeof t);
	memset(&o, 0, sizeof o);
	ip16_parse("15.188.1.10", 11, &v4);
	ip16_parse("2600:1f18::5", 12, &v6);
	ip16_parse("172.31.5.6", 10, &priv);
	a = session_get(&t, "i-0aaa000000000000a", 19, 1);
	session_add(a, &priv, SIP_KNOWN);
	ok(!session_any(a, SIP_USED), "evidence alone is not a use");
	session_add(a, &v4, SIP_LEARNED | SIP_USED);
	ok(session_class_has(a, &v4, SIP_USED), "public IPv4 class in use");
	ok(!session_class_has(a, &v6, 0xff), "public IPv6 class not held");
	ok(session_unproven(a), "a first use without evidence is unproven");
	session_add(a, &v4, SIP_KNOWN);
	ok(!session_unproven(a), "evidence for it later proves it");
	is_str(session_class_name(session_class(&v6)), "public IPv6",
	       "class names for titles");
	b = session_get(&t, "i-0bbb000000000000b", 19, 1);
	owners_set(&o, &v4, a, 1);
	session_add(b, &v4, SIP_LEARNED | SIP_USED);
	owners_set(&o, &v4, b, 0);
	ok(owners_get(&o, &v4) == a, "an owner from evidence is kept");
	owners_set(&o, &priv, a, 1);
	ok(owners_get(&o, &priv) == NULL, "private addresses have no owner");
	owners_free(&o);
	session_table_free(&t);
}

int
main(void)
{
	test_iprange();
	test_ip4_parse();
	test_session_memory();
	test_dedup();
	test_gzip();
	test_forms();
	test_vpc();
	test_state_scopes();
	test_hold();
	test_hold_last();
	test_order();
	test_classes();
	tap_done();
}
