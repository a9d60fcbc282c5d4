/* Unit tests for the audit records: exact fields of each event, strict
 * escaping of every byte in every string field, and credential bodies that
 * try every way we know to get a secret into the log. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "common/buf.h"
#include "sys/peer.h"
#include "tap.h"

#define SECRET	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
#define TOKEN	"IQoJb3JpZ2luX2VjEFAKETOKENVALUE+/abcdEXAMPLE=="
#define AKID	"ASIAIOSFODNN7EXAMPLE"
#define EXPIRY	"2026-11-23T20:00:00Z"

static char logpath[256];

/* Read the log back and empty it: every line must be one JSON object. */
static int
take_lines(json_t **lines, int max, struct buf *raw)
{
	FILE *f = fopen(logpath, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0;

	buf_reset(raw);
	while (f != NULL && (len = getline(&line, &cap, f)) != -1) {
		buf_add(raw, line, (size_t)len);
		if (n < max)
			lines[n] = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
		n++;
	}
	free(line);
	if (f != NULL)
		fclose(f);
	truncate(logpath, 0);
	return n;
}

static const char *
sget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long
iget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : -999;
}

static void
fill_peer(struct peer_info *p, const char *s)
{
	memset(p, 0, sizeof *p);
	p->uid = 1001;
	p->gid = 1001;
	p->gids[0] = 1001;
	p->gids[1] = 2000;
	p->ngids = 2;
	p->pid = 4242;
	snprintf(p->user, sizeof p->user, "%s", s);
	snprintf(p->comm, sizeof p->comm, "%s", s);
	snprintf(p->exe, sizeof p->exe, "%s", s);
	p->exe_verified = 1;
}

static void
test_request_fields(void)
{
	struct peer_info p;
	struct audit_req r = { 0 };
	struct buf raw;
	json_t *l[2] = { NULL, NULL }, *g;

	buf_init(&raw);
	fill_peer(&p, "alice");
	snprintf(p.comm, sizeof p.comm, "curl");
	snprintf(p.exe, sizeof p.exe, "/usr/bin/curl");
	r.peer = &p, r.client = "127.0.0.1:40000", r.method = "GET";
	r.path = "/latest/meta-data/iam/info", r.status = 200, r.bytes = 123;
	r.allow = 1, r.rule = "info for all", r.imds_version = 2;
	audit_request(&r);
	is_int(take_lines(l, 2, &raw), 1, "request: one line");
	ok(l[0] != NULL, "request: valid JSON");
	is_str(sget(l[0], "event"), "request", "request: event");
	ok(sget(l[0], "ts") && strlen(sget(l[0], "ts")) == 24 &&
	    sget(l[0], "ts")[23] == 'Z', "request: ts RFC 3339 ms UTC");
	is_int(iget(l[0], "uid"), 1001, "request: uid");
	is_str(sget(l[0], "user"), "alice", "request: user");
	g = json_object_get(l[0], "gids");
	ok(json_array_size(g) == 2 && json_integer_value(json_array_get(g, 1)) == 2000,
	    "request: gids primary then supplementary");
	is_int(iget(l[0], "pid"), 4242, "request: pid");
	is_str(sget(l[0], "comm"), "curl", "request: comm");
	is_str(sget(l[0], "exe"), "/usr/bin/curl", "request: exe");
	is_str(sget(l[0], "client"), "127.0.0.1:40000", "request: client");
	is_str(sget(l[0], "method"), "GET", "request: method");
	is_str(sget(l[0], "path"), "/latest/meta-data/iam/info", "request: path");
	is_int(iget(l[0], "status"), 200, "request: status");
	is_int(iget(l[0], "bytes"), 123, "request: bytes");
	is_str(sget(l[0], "decision"), "allow", "request: decision");
	is_str(sget(l[0], "rule"), "info for all", "request: rule");
	is_str(sget(l[0], "mode"), "enforce", "request: mode");
	is_int(iget(l[0], "imds_version"), 2, "request: imds_version");
	ok(json_object_get(l[0], "reason") == NULL, "request: no reason when served");
	ok(json_object_get(l[0], "instance_id") == NULL, "request: no instance_id yet");
	json_decref(l[0]);

	/* Denied, no rule, unknown peer, v1, audit mode. */
	memset(&r, 0, sizeof r);
	r.method = "GET", r.path = "/x", r.status = 403, r.imds_version = 1;
	r.audit_mode = 1, r.reason = "no rule matched";
	audit_request(&r);
	take_lines(l, 2, &raw);
	is_str(sget(l[0], "decision"), "deny", "deny: decision");
	ok(json_object_get(l[0], "rule") == NULL, "deny: no rule field");
	ok(json_object_get(l[0], "uid") == NULL &&
	    json_object_get(l[0], "pid") == NULL, "deny: no caller fields without peer");
	is_str(sget(l[0], "mode"), "audit", "deny: mode audit");
	is_int(iget(l[0], "imds_version"), 1, "deny: imds_version 1");
	is_str(sget(l[0], "reason"), "no rule matched", "deny: reason");
	json_decref(l[0]);

	/* pid 0, empty comm/exe: absent, not empty strings. */
	fill_peer(&p, "bob");
	p.pid = 0, p.comm[0] = '\0', p.exe[0] = '\0';
	r.peer = &p;
	audit_request(&r);
	take_lines(l, 2, &raw);
	ok(json_object_get(l[0], "pid") == NULL && json_object_get(l[0], "comm") == NULL &&
	    json_object_get(l[0], "exe") == NULL, "unknown process: pid/comm/exe absent");
	ok(json_object_get(l[0], "cgroup") == NULL &&
	    json_object_get(l[0], "container_id") == NULL &&
	    json_object_get(l[0], "ident") == NULL,
	    "root cgroup, no container, step one only: no cgroup/container_id/ident");
	json_decref(l[0]);

	/* The eBPF record's caller, in a container, its exe not verified. */
	fill_peer(&p, "alice");
	snprintf(p.exe, sizeof p.exe, "/usr/bin/aws");
	p.exe_verified = 0;
	snprintf(p.cgroup, sizeof p.cgroup, "/system.slice/docker-%064d.scope", 7);
	snprintf(p.container_id, sizeof p.container_id, "%064d", 7);
	p.source = PEER_SRC_BPF;
	r.peer = &p;
	audit_request(&r);
	take_lines(l, 2, &raw);
	ok(json_object_get(l[0], "exe") == NULL, "unverified: no exe field");
	is_str(sget(l[0], "exe_unverified"), "/usr/bin/aws", "unverified: exe_unverified");
	is_str(sget(l[0], "cgroup"), p.cgroup, "cgroup");
	is_str(sget(l[0], "container_id"), p.container_id, "container_id");
	is_str(sget(l[0], "ident"), "bpf", "ident: bpf");
	json_decref(l[0]);
	p.source = PEER_SRC_OWNER;
	audit_request(&r);
	take_lines(l, 2, &raw);
	is_str(sget(l[0], "ident"), "owner", "ident: owner");
	json_decref(l[0]);
	buf_free(&raw);
}

/* The bytes 0x01-0xff, plus quotes, CR/LF and broken UTF-8, and what a
 * strict JSON reader must get back (invalid bytes become U+FFFD). */
static void
nasty(char *in, struct buf *want)
{
	int i, n = 0;

	buf_reset(want);
	for (i = 1; i < 0x80; i++) {
		in[n++] = (char)i;
		buf_addc(want, (char)i);
	}
	for (i = 0x80; i < 0x100; i++) {	/* lone bytes: all invalid */
		in[n++] = (char)i;
		in[n++] = 'x';
		buf_addstr(want, "\xef\xbf\xbdx");
	}
	memcpy(in + n, "\"q\"\r\n\xc3\xa9\xed\xa0\x80", 11);	/* é, a surrogate */
	n += 11;
	in[n] = '\0';
	buf_addstr(want, "\"q\"\r\n\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void
check_field(json_t *o, const char *key, const struct buf *want, const char *ev)
{
	json_t *v = json_object_get(o, key);

	ok(json_is_string(v) && json_string_length(v) == want->len &&
	    memcmp(json_string_value(v), want->data, want->len) == 0,
	    "%s: field %s round-trips every byte", ev, key);
}

static void
check_raw(const struct buf *raw, const char *ev)
{
	size_t i, bad = 0;

	for (i = 0; i + 1 < raw->len; i++)
		bad += (unsigned char)raw->data[i] < 0x20;
	ok(bad == 0 && raw->data[raw->len - 1] == '\n',
	    "%s: one line, no raw control byte", ev);
}

static void
test_escaping(void)
{
	static const char *req_keys[] = { "user", "client", "method", "path",
	    "rule", "reason", NULL };
	char in[600];
	struct buf want, want16, raw;
	struct peer_info p;
	struct audit_req r = { 0 };
	json_t *l[2] = { NULL, NULL };
	int i;

	buf_init(&want), buf_init(&want16), buf_init(&raw);
	nasty(in, &want);
	fill_peer(&p, in);	/* user is 63 bytes of it, comm 16, exe 255 */
	r.peer = &p, r.client = in, r.method = in, r.path = in, r.rule = in;
	r.reason = in, r.imds_version = 2;
	audit_request(&r);
	is_int(take_lines(l, 2, &raw), 1, "nasty request: one line");
	ok(l[0] != NULL, "nasty request: strict JSON parser accepts it");
	check_raw(&raw, "nasty request");
	for (i = 0; req_keys[i] != NULL; i++) {
		if (strcmp(req_keys[i], "user") == 0) {
			buf_reset(&want16);
			buf_add(&want16, want.data, 63);
			check_field(l[0], "user", &want16, "request");
		} else
			check_field(l[0], req_keys[i], &want, "request");
	}
	buf_reset(&want16);
	buf_add(&want16, want.data, 16);
	check_field(l[0], "comm", &want16, "request");
	json_decref(l[0]);

	/* comm filled to the last byte without a NUL stays bounded. */
	memset(p.comm, 'A', sizeof p.comm);
	audit_request(&r);
	take_lines(l, 2, &raw);
	ok(sget(l[0], "comm") && strlen(sget(l[0], "comm")) == sizeof p.comm,
	    "comm without NUL: bounded by the array");
	json_decref(l[0]);

	audit_error(in, in);
	take_lines(l, 2, &raw);
	check_raw(&raw, "nasty error");
	check_field(l[0], "what", &want, "error");
	check_field(l[0], "detail", &want, "error");
	json_decref(l[0]);
	buf_free(&want), buf_free(&want16), buf_free(&raw);
}

static void
test_instance(void)
{
	const char *priv[] = { "172.31.1.2", NULL }, *pub[] = { "3.3.3.3",
	    "2600:1f18::1", NULL }, *macs[] = { "0e:00:00:00:00:01", NULL };
	const char *l4[] = { "172.31.1.2", NULL }, *p4[] = { "3.3.3.3", NULL },
	    *v6[] = { "2600:1f18::1", NULL };
	struct audit_iface f = { "0e:00:00:00:00:01", "vpc-1", l4, p4, v6 };
	struct audit_instance in = { "i-0123456789abcdef0", "123456789012",
	    "eu-west-1", "vpc-1", priv, pub, macs, 1, &f, 1 };
	struct audit_req r = { 0 };
	struct buf raw;
	json_t *l[2] = { NULL, NULL }, *a;

	buf_init(&raw);
	audit_instance(&in);
	take_lines(l, 2, &raw);
	is_str(sget(l[0], "event"), "instance", "instance: event");
	is_str(sget(l[0], "instance_id"), "i-0123456789abcdef0", "instance: instance_id");
	is_str(sget(l[0], "account_id"), "123456789012", "instance: account_id");
	is_str(sget(l[0], "region"), "eu-west-1", "instance: region");
	is_str(sget(l[0], "vpc_id"), "vpc-1", "instance: vpc_id");
	a = json_object_get(l[0], "public_ips");
	ok(json_array_size(a) == 2 && !strcmp(json_string_value(json_array_get(a, 1)),
	    "2600:1f18::1"), "instance: public_ips carry IPv4 and IPv6");
	ok(json_array_size(json_object_get(l[0], "private_ips")) == 1,
	    "instance: private_ips");
	ok(json_array_size(json_object_get(l[0], "macs")) == 1, "instance: macs");
	ok(json_is_true(json_object_get(l[0], "require_token")),
	    "instance: require_token is a boolean");
	a = json_array_get(json_object_get(l[0], "interfaces"), 0);
	ok(a && !strcmp(json_string_value(json_array_get(json_object_get(a,
	    "ipv6s"), 0)), "2600:1f18::1"), "instance: per-interface ipv6s");
	json_decref(l[0]);
	r.method = "GET", r.path = "/", r.imds_version = 2;
	audit_request(&r);
	take_lines(l, 2, &raw);
	is_str(sget(l[0], "instance_id"), "i-0123456789abcdef0",
	    "instance_id on every later record");
	json_decref(l[0]);
	buf_free(&raw);
}

/* Feed a credential body; return the record (or NULL), and check the
 * secret and token appear nowhere in what was written. */
static json_t *
cred_record(const char *path, const char *body, size_t len, const char *what)
{
	struct peer_info p;
	struct buf raw;
	json_t *l[2] = { NULL, NULL };
	int n;

	buf_init(&raw);
	fill_peer(&p, "app");
	audit_credential_fetch(&p, path, body, len);
	n = take_lines(l, 2, &raw);
	ok(raw.data == NULL || (strstr(raw.data, SECRET) == NULL &&
	    strstr(raw.data, TOKEN) == NULL && strstr(raw.data, "EXAMPLEKEY") == NULL &&
	    strstr(raw.data, "FAKETOKEN") == NULL), "%s: no secret or token logged", what);
	buf_free(&raw);
	return n == 1 ? l[0] : NULL;
}

#define ROLE_PATH "/latest/meta-data/iam/security-credentials/app-role"

static void
test_creds_normal(void)
{
	const char *body = "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : "
	    "\"2026-11-23T14:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",\n  "
	    "\"AccessKeyId\" : \"" AKID "\",\n  \"SecretAccessKey\" : \"" SECRET
	    "\",\n  \"Token\" : \"" TOKEN "\",\n  \"Expiration\" : \"" EXPIRY "\"\n}";
	json_t *o = cred_record(ROLE_PATH, body, strlen(body), "normal");

	is_str(sget(o, "event"), "credential_fetch", "normal: event");
	is_str(sget(o, "role"), "app-role", "normal: role from the path");
	is_str(sget(o, "credential_kind"), "instance-profile", "normal: kind");
	is_str(sget(o, "access_key_id"), AKID, "normal: access_key_id");
	is_str(sget(o, "expiration"), EXPIRY, "normal: expiration");
	is_int(iget(o, "uid"), 1001, "normal: caller uid");
	is_int(iget(o, "pid"), 4242, "normal: caller pid");
	ok(json_object_size(o) == 13, "normal: nothing else (%zu fields)",
	    json_object_size(o));
	json_decref(o);
	o = cred_record("/latest/meta-data/identity-credentials/ec2/"
	    "security-credentials/ec2-instance", body, strlen(body), "identity");
	is_str(sget(o, "role"), "ec2-instance", "identity: role ec2-instance");
	is_str(sget(o, "credential_kind"), "instance-identity", "identity: kind");
	json_decref(o);
}

static void
test_creds_weird(void)
{
	static const struct { const char *body, *what; int record; } c[] = {
		{ "{\"Credentials\":{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\""
		    SECRET "\",\"Token\":\"" TOKEN "\"}}", "nested", 1 },
		{ "{\"AccessKeyId\":\"" AKID "\",\"AccessKeyId\":\"" SECRET
		    "\",\"Token\":\"" TOKEN "\"}", "duplicate keys", 1 },
		{ "{\"AccessKeyId\":\"" SECRET "\",\"Expiration\":\"" TOKEN "\"}",
		    "secret as key id, token as expiry", 1 },
		{ "{\"AccessKeyId\":[\"" SECRET "\"],\"Expiration\":{\"x\":\"" TOKEN
		    "\"}}", "non-string fields", 1 },
		{ "[\"" AKID "\",\"" SECRET "\"]", "an array", 0 },
		{ "app-role", "a listing", 0 },
		{ "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SECRET,
		    "truncated", 0 },
		{ "{\"AccessKeyId\":\"" AKID "\\u0000" SECRET "\"}", "escaped NUL", 0 },
	};
	size_t i;
	json_t *o;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		o = cred_record(ROLE_PATH, c[i].body, strlen(c[i].body), c[i].what);
		ok((o != NULL) == c[i].record, "%s: %s", c[i].what,
		    c[i].record ? "recorded" : "no record");
		if (o != NULL)
			ok(json_object_get(o, "access_key_id") == NULL &&
			    sget(o, "reason") != NULL, "%s: no key id, a reason", c[i].what);
		json_decref(o);
	}
}

/* A 1 MiB key id and an embedded NUL in the raw body. */
static void
test_creds_huge(void)
{
	size_t n = 1 << 20;
	char *body = malloc(n + 64);
	const char nul[] = "{\"AccessKeyId\":\"" AKID "\",\"Token\":\"" TOKEN "\"}\0"
	    "{\"Token\":\"" TOKEN "\"}";
	json_t *o;

	memcpy(body, "{\"AccessKeyId\":\"", 16);
	memset(body + 16, 'A', n);
	memcpy(body + 16 + n, "\"}", 3);
	o = cred_record(ROLE_PATH, body, strlen(body), "1 MiB key id");
	ok(o && json_object_get(o, "access_key_id") == NULL, "1 MiB key id: not logged");
	json_decref(o);
	free(body);
	o = cred_record(ROLE_PATH, nul, sizeof nul - 1, "raw NUL in body");
	ok(o == NULL, "raw NUL in body: not parsed as credentials");
	json_decref(o);
}

static void
test_role(void)
{
	char role[64];
	int id;

	ok(audit_extract_role(ROLE_PATH "/", role, sizeof role, &id) == 0 &&
	    !strcmp(role, "app-role") && !id, "role: trailing slash");
	ok(audit_extract_role(ROLE_PATH "?x=1", role, sizeof role, &id) == 0 &&
	    !strcmp(role, "app-role"), "role: query dropped");
	ok(audit_extract_role("/", role, sizeof role, &id) == -1, "role: none in /");
	ok(audit_extract_role("/a/0123456789012345678901234567890123456789012345678"
	    "901234567890123456789", role, sizeof role, &id) == -1,
	    "role: too long is refused, not cut");
}

/* Count the request records and sum the folded ones in what was taken. */
static void
fold_tally(json_t **lines, int n, int *requests, long long *folded,
           json_t **summary)
{
	*requests = 0;
	*folded = 0;
	*summary = NULL;
	for (int i = 0; i < n; i++) {
		const char *ev = sget(lines[i], "event");

		if (ev != NULL && strcmp(ev, "request") == 0)
			(*requests)++;
		else if (ev != NULL && strcmp(ev, "refusals_folded") == 0) {
			*folded += iget(lines[i], "folded");
			*summary = lines[i];
		}
	}
}

/* Refusals beyond a uid's rate are folded into one summary a second,
 * counted by status; another uid keeps its own allowance; nothing is
 * lost: records plus folded equal refusals. */
static void
test_fold(void)
{
	static json_t *lines[2000];
	struct peer_info alice, bob;
	struct audit_req a = {0};
	struct buf raw;
	json_t *sum;
	long long folded;
	int n, req, i, r, nfold = 0;

	buf_init(&raw);
	fill_peer(&alice, "alice");
	fill_peer(&bob, "bob");
	bob.uid = 1002;
	a.method = "GET";
	a.path = "/latest/meta-data/iam/security-credentials/x";
	a.reason = "denied by rule";
	a.peer = &alice;
	for (i = 0; i < AUDIT_FOLD_BURST + 300; i++) {
		a.status = i % 3 == 0 ? 401 : 403;
		nfold += audit_refusal(&a, 1000) == 1;
	}
	is_int(nfold, 300, "fold: beyond the burst (%d), refusals are folded",
	       AUDIT_FOLD_BURST);
	a.peer = &bob;
	ok(audit_refusal(&a, 1000) == 0, "fold: another uid still writes");
	is_int(audit_fold_flush(1999), 1, "fold: no summary before a second");
	is_int(audit_fold_flush(2000), 0, "fold: the summary a second later");
	n = take_lines(lines, 2000, &raw);
	fold_tally(lines, n, &req, &folded, &sum);
	is_int(req + folded, AUDIT_FOLD_BURST + 301,
	       "fold: records plus folded = refusals (%d + %lld)", req, folded);
	is_int(folded, 300, "fold: the summary counts the folded");
	ok(sum != NULL && iget(sum, "uid") == 1001 &&
	       strcmp(sget(sum, "user"), "alice") == 0,
	   "fold: the summary names the uid and user");
	ok(sum != NULL &&
	       iget(json_object_get(sum, "statuses"), "401") +
	               iget(json_object_get(sum, "statuses"), "403") ==
	           300,
	   "fold: by status");
	ok(sum != NULL && sget(sum, "first") != NULL && sget(sum, "last"),
	   "fold: first and last times");
	for (i = 0; i < n; i++)
		json_decref(lines[i]);
	a.peer = &alice;
	a.status = 403;
	r = 0;
	for (i = 0; i < 200; i++) /* 10 s later: 1000 records of credit */
		r += audit_refusal(&a, 12000) == 0;
	is_int(r, 200, "fold: the rate refills the allowance");
	a.peer = NULL;
	for (i = 0; i < AUDIT_FOLD_BURST + 10; i++)
		audit_refusal(&a, 12000);
	audit_fold_flush(INT64_MAX);
	n = take_lines(lines, 2000, &raw);
	fold_tally(lines, n, &req, &folded, &sum);
	ok(sum != NULL && json_object_get(sum, "uid") == NULL && folded == 10,
	   "fold: unknown owners fold together, without a uid");
	for (i = 0; i < n; i++)
		json_decref(lines[i]);
	buf_free(&raw);
}

int
main(void)
{
	char dir[] = "/tmp/test_audit.XXXXXX", err[256];

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(logpath, sizeof logpath, "%s/audit.log", dir);
	ok(audit_open(logpath, err, sizeof err) == 0, "open %s", logpath);
	test_request_fields();
	test_escaping();
	test_creds_normal();
	test_creds_weird();
	test_creds_huge();
	test_role();
	test_fold();
	test_instance();	/* last: it sets the instance id */
	audit_close();
	unlink(logpath);
	rmdir(dir);
	return tap_done();
}
