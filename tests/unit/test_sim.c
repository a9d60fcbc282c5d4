/* Unit tests for the simulator's separable logic: tokens and their
 * expiry, credential rotation timing and format, the metadata tree and
 * its listings, versions, settings. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "sim/sim.h"
#include "tap.h"

static void
test_tokens(void)
{
	struct sim_tokens *t = sim_tokens_new();
	char *a, *b;
	int i;

	a = strdup(sim_tokens_issue(t, 10, 1000));
	b = strdup(sim_tokens_issue(t, 1, 1000));
	is_int(strlen(a), 56, "tokens are 56 characters");
	ok(strcmp(a, b) != 0, "two tokens differ");
	ok(sim_tokens_valid(t, a, 1000), "fresh token valid");
	ok(sim_tokens_valid(t, b, 1999), "ttl 1 valid at 999 ms");
	ok(!sim_tokens_valid(t, b, 2000), "ttl 1 expired at 1000 ms");
	ok(sim_tokens_valid(t, a, 10999), "ttl 10 valid at 9.999 s");
	ok(!sim_tokens_valid(t, a, 11000), "ttl 10 expired at 10 s");
	ok(!sim_tokens_valid(t, "x", 0), "made-up token invalid");
	a[0] = a[0] == 'A' ? 'B' : 'A';
	ok(!sim_tokens_valid(t, a, 1000), "altered token invalid");
	for (i = 0; i < 5000; i++)
		sim_tokens_issue(t, 1, 20000 + i);
	for (i = 0; i < 5000; i++)
		sim_tokens_issue(t, 1, 100000 + i);
	ok(sim_tokens_count(t) < 6000, "expired tokens are pruned (%zu left)",
	    sim_tokens_count(t));
	free(a);
	free(b);
	sim_tokens_free(t);
}

static void
test_creds(void)
{
	struct sim_creds c;
	struct buf b;
	char old[21];

	is_int(sim_creds_margin(21600), 5400, "6 h lifetime: new key 90 min early");
	is_int(sim_creds_margin(900), 300, "15 min lifetime: 5 min early");
	is_int(sim_creds_margin(8), 4, "8 s lifetime: 4 s early");
	is_int(sim_creds_margin(2), 1, "2 s lifetime: 1 s early");
	sim_creds_init(&c, 3600, 1000000);
	ok(sim_creds_akid_ok(c.cur.akid), "AccessKeyId is ASIA + 16 (%s)",
	    c.cur.akid);
	ok(!sim_creds_akid_ok("AKIAABCDEFGHIJKLMNOP"), "AKIA rejected");
	ok(!sim_creds_akid_ok("ASIAabcdefghijklmnop"), "lower case rejected");
	is_int(strlen(c.cur.secret), 40, "secret is 40 characters");
	is_int(c.cur.expires, 1003600, "expires after the lifetime");
	strcpy(old, c.cur.akid);
	/* 1 h lifetime: the margin is 15 min. */
	ok(!sim_creds_tick(&c, 1003600 - 901), "no rotation 901 s early");
	ok(strcmp(old, c.cur.akid) == 0, "same key");
	ok(sim_creds_tick(&c, 1003600 - 900), "rotation 900 s early");
	ok(strcmp(old, c.cur.akid) != 0, "new key");
	ok(c.cur.issued < 1003600, "new key issued before the old expired");
	sim_creds_init(&c, 3600, 0);
	buf_init(&b);
	sim_creds_json(&c.cur, &b);
	ok(strncmp(b.data, "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : "
	    "\"1970-01-01T00:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",\n  "
	    "\"AccessKeyId\" : \"ASIA", 99) == 0, "JSON layout as IMDS");
	ok(strstr(b.data, "\"Expiration\" : \"1970-01-01T01:00:00Z\"\n}") !=
	    NULL, "Expiration last, then the closing brace");
	buf_free(&b);
}

static void
test_tree(void)
{
	struct sim_node *r = sim_tree_new();
	const struct sim_node *n;
	struct buf b;

	sim_tree_add(r, "meta-data/instance-id", SIM_TEXT, "i-1");
	sim_tree_add(r, "meta-data/iam/info", SIM_TEXT, "{}");
	sim_tree_add(r, "meta-data/ami-id", SIM_TEXT, "ami-1");
	sim_tree_add(r, "user-data", SIM_TEXT, "#!/bin/sh");
	buf_init(&b);
	sim_tree_listing(sim_tree_lookup(r, "meta-data/"), &b);
	is_str(b.data, "ami-id\niam/\ninstance-id", "listing sorted, dirs with /");
	buf_reset(&b);
	sim_tree_listing(r, &b);
	is_str(b.data, "meta-data/\nuser-data", "root listing");
	n = sim_tree_lookup(r, "meta-data/instance-id");
	ok(n && strcmp(n->text, "i-1") == 0, "leaf lookup");
	ok(sim_tree_lookup(r, "meta-data/iam") != NULL, "dir without slash");
	ok(sim_tree_lookup(r, "meta-data/instance-id/") == n,
	    "leaf with a trailing slash: the leaf, as IMDS serves it");
	ok(sim_tree_lookup(r, "user-data/") != NULL, "user-data/ too");
	ok(sim_tree_lookup(r, "meta-data//iam") == NULL, "empty segment");
	ok(sim_tree_lookup(r, "meta-data/instance-id/x") == NULL, "below a leaf");
	ok(sim_tree_lookup(r, "meta-data/instance-id//") == NULL, "leaf, two slashes");
	ok(sim_tree_lookup(r, "meta-data/iam/inf") == NULL, "prefix is not a match");
	ok(sim_tree_lookup(r, "meta-data/iam/info2") == NULL, "longer is not a match");
	buf_free(&b);
	sim_tree_free(r);
}

static void
test_versions(void)
{
	struct buf b;

	is_int(sim_version_match("latest/meta-data"), 6, "latest");
	is_int(sim_version_match("1.0"), 3, "1.0");
	is_int(sim_version_match("2021-03-23/api/token"), 10, "dated");
	is_int(sim_version_match("2099-01-01/"), 0, "unknown date");
	is_int(sim_version_match("lates/"), 0, "prefix of latest");
	is_int(sim_version_match("latestx"), 0, "longer than latest");
	buf_init(&b);
	sim_version_listing(&b);
	ok(strncmp(b.data, "1.0\n", 4) == 0, "listing starts with 1.0");
	ok(b.len > 7 && strcmp(b.data + b.len - 7, "\nlatest") == 0,
	    "listing ends with latest, no newline");
	buf_free(&b);
}

static void
test_conf(void)
{
	struct sim_conf c;
	char err[256], path[] = "/tmp/test_sim.XXXXXX";
	FILE *f;
	int fd;

	sim_conf_init(&c);
	ok(sim_conf_set(&c, "tokens", "optional", err, sizeof err) == 0 &&
	    !c.tokens_required, "tokens optional");
	ok(sim_conf_set(&c, "tokens", "maybe", err, sizeof err) != 0, "bad tokens");
	ok(sim_conf_set(&c, "credential-lifetime", "1", err, sizeof err) != 0,
	    "lifetime 1 refused");
	ok(sim_conf_set(&c, "credential-lifetime", "8", err, sizeof err) == 0 &&
	    c.lifetime == 8, "lifetime 8");
	ok(sim_conf_set(&c, "mac", "0E:00:00:00:00:01", err, sizeof err) != 0,
	    "upper-case MAC refused");
	ok(sim_conf_set(&c, "instance-id", "x-1", err, sizeof err) != 0,
	    "instance id needs i-");
	ok(sim_conf_set(&c, "role", "a/b", err, sizeof err) != 0,
	    "role with a slash refused");
	ok(sim_conf_set(&c, "public-ipv4", "1.2.3", err, sizeof err) != 0,
	    "bad IPv4 refused");
	ok(sim_conf_set(&c, "listen", "[::1]:8080", err, sizeof err) == 0 &&
	    c.nlisten == 1, "IPv6 listen");
	ok(sim_conf_set(&c, "bogus", "1", err, sizeof err) != 0, "unknown key");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs("[sim]\nrole = web\nregion = eu-west-1\ntokens = sometimes\n", f);
	fclose(f);
	ok(sim_conf_load(&c, path, err, sizeof err) != 0, "bad file refused");
	ok(strstr(err, ":4: ") != NULL, "error names line 4 (%s)", err);
	is_str(c.role, "web", "role from the file");
	unlink(path);
	sim_conf_free(&c);
}

/* The tree built from the defaults, and the JSON documents. */
static void
test_instance(void)
{
	struct sim_conf c;
	struct sim_node *t;
	const struct sim_node *n;
	struct sim_json j;
	struct buf b;
	char err[128];

	sim_conf_init(&c);
	sim_conf_finish(&c);
	t = sim_instance_tree(&c);
	n = sim_tree_lookup(t, "meta-data/instance-id");
	is_str(n ? n->text : NULL, "i-0123456789abcdef0", "default instance-id");
	n = sim_tree_lookup(t, "meta-data/local-hostname");
	is_str(n ? n->text : NULL, "ip-172-31-16-10.ec2.internal",
	    "us-east-1 host name");
	n = sim_tree_lookup(t,
	    "meta-data/network/interfaces/macs/0e:49:61:0f:c3:11/local-ipv4s");
	is_str(n ? n->text : NULL, "172.31.16.10", "interface address");
	ok(sim_tree_lookup(t, "user-data") == NULL, "no user-data by default");
	n = sim_tree_lookup(t, "meta-data/iam/security-credentials/imdsgate-sim-role");
	ok(n && n->kind == SIM_ROLE_CREDS, "role credentials node");
	buf_init(&b);
	sim_tree_listing(sim_tree_lookup(t, "meta-data/public-keys/"), &b);
	is_str(b.data, "0=imdsgate-sim", "public-keys listed as index=name");
	buf_reset(&b);
	sim_instance_document(&c, &b);
	ok(strstr(b.data, "\n  \"instanceId\" : \"i-0123456789abcdef0\",\n") !=
	    NULL, "identity document has instanceId");
	ok(strstr(b.data, "\"billingProducts\" : null") != NULL,
	    "identity document has nulls");
	buf_reset(&b);
	sim_instance_iam_info(&c, 0, &b);
	ok(strstr(b.data, "arn:aws:iam::123456789012:instance-profile/"
	    "imdsgate-sim-role") != NULL, "iam/info InstanceProfileArn");
	buf_reset(&b);
	sim_json_begin(&j, &b);
	sim_json_str(&j, "k", "a\"b\n");
	sim_json_end(&j);
	is_str(b.data, "{\n  \"k\" : \"a\\\"b\\n\"\n}", "JSON strings escaped");
	ok(sim_conf_set(&c, "region", "eu-west-1", err, sizeof err) == 0,
	    "region set");
	buf_free(&b);
	sim_tree_free(t);
	t = sim_instance_tree(&c);
	n = sim_tree_lookup(t, "meta-data/hostname");
	is_str(n ? n->text : NULL, "ip-172-31-16-10.eu-west-1.compute.internal",
	    "other regions' host names");
	sim_tree_free(t);
	sim_conf_free(&c);
}

/* Repeated slashes read as IMDS reads them. */
static void
test_path(void)
{
	static const char *cases[][2] = {
	    {"//latest/meta-data/instance-id", "/latest/meta-data/instance-id"},
	    {"/latest//meta-data///iam/", "/latest/meta-data/iam/"},
	    {"/latest/meta-data/placement/availability-zone//",
	     "/latest/meta-data/placement/availability-zone/"},
	    {"///", "/"},
	    {"/", "/"},
	    {"", ""},
	    {"/latest/meta-data/", "/latest/meta-data/"},
	};
	char p[128];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(p, sizeof p, "%s", cases[i][0]);
		sim_path_squeeze(p);
		is_str(p, cases[i][1], "squeeze \"%s\"", cases[i][0]);
	}
}

int
main(void)
{
	test_tokens();
	test_path();
	test_creds();
	test_tree();
	test_versions();
	test_conf();
	test_instance();
	return tap_done();
}
