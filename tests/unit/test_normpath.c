/* The path normaliser: every form of a path that two parsers could read
 * differently is either resolved the one safe way or refused (400). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rules/normpath.h"
#include "tap.h"

struct np_case {
	const char *target;
	size_t len;          /* 0: strlen(target) */
	const char *version; /* NULL: refused */
	const char *path;
	int slash;
};

static const struct np_case np_cases[] = {
    /* versions split off, every form of them */
    {"/latest/meta-data/instance-id", 0, "latest", "/meta-data/instance-id", 0},
    {"/1.0/meta-data/instance-id", 0, "1.0", "/meta-data/instance-id", 0},
    {"/2012-01-12/meta-data/iam/security-credentials/R", 0, "2012-01-12",
     "/meta-data/iam/security-credentials/R", 0},
    {"/2099-99-99/meta-data", 0, "2099-99-99", "/meta-data", 0},
    {"/latest/api/token", 0, "latest", "/api/token", 0},
    {"/2021-03-23/api/token", 0, "2021-03-23", "/api/token", 0},
    /* not versions: left in the path */
    {"/1.1/meta-data", 0, "", "/1.1/meta-data", 0},
    {"/Latest/meta-data", 0, "", "/Latest/meta-data", 0},
    {"/2012-1-12/meta-data", 0, "", "/2012-1-12/meta-data", 0},
    {"/meta-data/iam/info", 0, "", "/meta-data/iam/info", 0},
    {"/meta-data/latest", 0, "", "/meta-data/latest", 0},
    /* top level and listings */
    {"/", 0, "", "/", 1},
    {"/latest", 0, "latest", "/", 0},
    {"/latest/", 0, "latest", "/", 1},
    {"/latest/meta-data/", 0, "latest", "/meta-data", 1},
    {"/latest/meta-data/iam/security-credentials/", 0, "latest",
     "/meta-data/iam/security-credentials", 1},
    /* slashes folded, dot segments resolved */
    {"//latest//meta-data///iam/", 0, "latest", "/meta-data/iam", 1},
    {"/latest/./meta-data/.", 0, "latest", "/meta-data", 1},
    {"/latest/meta-data/x/../iam/info", 0, "latest", "/meta-data/iam/info", 0},
    {"/latest/meta-data/..", 0, "latest", "/", 1},
    {"/latest/../1.0/user-data", 0, "1.0", "/user-data", 0},
    {"/latest/..", 0, "", "/", 1},
    {"/x/../latest/meta-data", 0, "latest", "/meta-data", 0},
    /* escapes of unreserved characters are decoded, then resolved */
    {"/latest/meta-data/%69nstance-id", 0, "latest", "/meta-data/instance-id",
     0},
    {"/latest/meta-data/x/%2e%2e/iam", 0, "latest", "/meta-data/iam", 0},
    {"/latest/meta-data/x/%2E%2E/iam", 0, "latest", "/meta-data/iam", 0},
    {"/latest/meta-data/x/.%2e/iam", 0, "latest", "/meta-data/iam", 0},
    {"/%6catest/meta-data", 0, "latest", "/meta-data", 0},
    {"/latest/meta-data/%2e/iam", 0, "latest", "/meta-data/iam", 0},
    {"/latest/meta-data/...", 0, "latest", "/meta-data/...", 0},
    /* case is kept: IMDS paths are case-sensitive */
    {"/latest/Meta-Data/IAM", 0, "latest", "/Meta-Data/IAM", 0},
    {"/latest/meta-data/%49AM", 0, "latest", "/meta-data/IAM", 0},
    /* characters real paths use */
    {"/latest/meta-data/network/interfaces/macs/0e:49:61:0f:c3:11/vpc-id", 0,
     "latest", "/meta-data/network/interfaces/macs/0e:49:61:0f:c3:11/vpc-id",
     0},
    {"/latest/meta-data/public-keys/0=my-key", 0, "latest",
     "/meta-data/public-keys/0=my-key", 0},
    /* refused */
    {"", 0, NULL, NULL, 0},
    {"latest/meta-data", 0, NULL, NULL, 0},
    {"*", 0, NULL, NULL, 0},
    {"http://169.254.169.254/latest/meta-data", 0, NULL, NULL, 0},
    {"/latest/meta-data/iam%2Fsecurity-credentials", 0, NULL, NULL, 0},
    {"/latest/meta-data/iam%2fsecurity-credentials", 0, NULL, NULL, 0},
    {"/latest/meta-data/%252e%252e/x", 0, NULL, NULL, 0},
    {"/latest/meta-data/%25", 0, NULL, NULL, 0},
    {"/latest/meta-data/%00", 0, NULL, NULL, 0},
    {"/latest/meta-data/a\0b", 21, NULL, NULL, 0},
    {"/latest/meta-data\r\nX: y", 0, NULL, NULL, 0},
    {"/latest/meta-data/%0d%0a", 0, NULL, NULL, 0},
    {"/latest/meta-data\\..\\user-data", 0, NULL, NULL, 0},
    {"/latest/meta-data/%5c", 0, NULL, NULL, 0},
    {"/..", 0, NULL, NULL, 0},
    {"/latest/../..", 0, NULL, NULL, 0},
    {"/%2e%2e/latest", 0, NULL, NULL, 0},
    {"/latest/meta-data?x=1", 0, NULL, NULL, 0},
    {"/latest/meta-data%3fx", 0, NULL, NULL, 0},
    {"/latest/meta-data#frag", 0, NULL, NULL, 0},
    {"/latest/meta-data/iam;x=1", 0, NULL, NULL, 0},
    {"/latest/meta-data/%3b", 0, NULL, NULL, 0},
    {"/latest/meta-data/%", 0, NULL, NULL, 0},
    {"/latest/meta-data/%2", 0, NULL, NULL, 0},
    {"/latest/meta-data/%zz", 0, NULL, NULL, 0},
    {"/latest/meta data", 0, NULL, NULL, 0},
    {"/latest/meta-data/\x7f", 0, NULL, NULL, 0},
    {"/latest/meta-data/\xc3\xa9", 0, NULL, NULL, 0},
    {"/latest/meta-data/%c3%a9", 0, NULL, NULL, 0},
    {"/latest/meta-data/\t", 0, NULL, NULL, 0},
};

/* The target for a TAP line: control bytes would break the line. */
static const char *
np_show(const char *t, size_t len)
{
	static char out[256];
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < sizeof out; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c < 0x20 || c >= 0x7f || c == '#')
			o += (size_t)snprintf(out + o, sizeof out - o,
			                      "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

static void
np_one(const struct np_case *c)
{
	struct normpath np;
	const char *why = NULL;
	size_t len = c->len ? c->len : strlen(c->target);
	int rc;

	rc = normpath_request(c->target, len, &np, &why);
	if (c->version == NULL) {
		ok(rc == -1 && why != NULL, "refused: %s (%s)",
		   np_show(c->target, len), why ? why : "accepted");
		return;
	}
	if (rc != 0) {
		ok(0, "accepted: %s (refused: %s)", c->target, why);
		return;
	}
	is_str(np.version, c->version, "version of %s", c->target);
	is_str(np.path, c->path, "path of %s", c->target);
	is_int(np.trailing_slash, c->slash, "trailing slash of %s", c->target);
}

/* What goes upstream is the normalised path and normalises to itself. */
static void
np_upstream(const char *target, const char *want)
{
	struct normpath np, again;
	char up[NORMPATH_MAX + 64];
	const char *why;

	ok(normpath_request(target, strlen(target), &np, &why) == 0,
	   "normalise %s", target);
	ok(normpath_upstream(&np, up, sizeof up) == 0, "upstream %s", target);
	is_str(up, want, "upstream of %s", target);
	ok(normpath_request(up, strlen(up), &again, &why) == 0 &&
	       strcmp(again.path, np.path) == 0 &&
	       strcmp(again.version, np.version) == 0 &&
	       again.trailing_slash == np.trailing_slash,
	   "%s is stable", up);
}

/* Length limits hold at the boundary. */
static void
np_long(void)
{
	char t[NORMPATH_MAX * 2];
	struct normpath np;
	char small[8];

	memset(t, 'a', sizeof t);
	t[0] = '/';
	ok(normpath_request(t, NORMPATH_MAX - 1, &np, NULL) == 0,
	   "path of %d bytes accepted", NORMPATH_MAX - 1);
	ok(normpath_request(t, NORMPATH_MAX, &np, NULL) == -1,
	   "path of %d bytes refused", NORMPATH_MAX);
	ok(normpath_request(t, sizeof t, &np, NULL) == -1, "long path refused");
	normpath_request("/latest/meta-data", 17, &np, NULL);
	ok(normpath_upstream(&np, small, sizeof small) == -1,
	   "upstream refuses a short buffer");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof np_cases / sizeof np_cases[0]; i++)
		np_one(&np_cases[i]);
	np_upstream("/latest/meta-data/", "/latest/meta-data/");
	np_upstream("//latest/meta-data/./iam/../iam/info",
	            "/latest/meta-data/iam/info");
	np_upstream("/latest", "/latest");
	np_upstream("/latest/", "/latest/");
	np_upstream("/", "/");
	np_upstream("/meta-data/x/", "/meta-data/x/");
	np_upstream("/1.0/meta-data/x/%2e%2e/", "/1.0/meta-data/");
	np_long();
	return tap_done();
}
