/* The rule loader: every malformed file in tests/rules/malformed is
 * refused with exactly the FILE:LINE: message in malformed.expect; a
 * directory loads in lexical order, ignores what is not *.rules, and
 * fails as a whole when one file is bad. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rules.h"
#include "tap.h"

static const char *srcdir;

/* One corpus line: "NAME:LINE: message"; load NAME, compare the error
 * with the directory prefix removed. */
static void
test_malformed_one(const char *want)
{
	char name[256], path[2048], err[1024], prefix[1024];
	struct ruleset *rs;
	size_t n = strcspn(want, ":");

	snprintf(name, sizeof name, "%.*s", (int)n, want);
	snprintf(prefix, sizeof prefix, "%s/tests/rules/malformed/", srcdir);
	snprintf(path, sizeof path, "%s%s", prefix, name);
	err[0] = '\0';
	rs = rules_load_file(path, err, sizeof err);
	ok(rs == NULL, "%s refused", name);
	rules_unref(rs);
	is_str(strncmp(err, prefix, strlen(prefix)) == 0 ? err + strlen(prefix)
	                                                 : err,
	       want, "%s: message", name);
}

/* Every file of the corpus has an expectation and the reverse. */
static void
test_malformed(void)
{
	char path[1024], line[1024];
	int n = 0, files = 0;
	struct dirent *de;
	FILE *fp;
	DIR *d;

	snprintf(path, sizeof path, "%s/tests/rules/malformed.expect", srcdir);
	if ((fp = fopen(path, "r")) == NULL) {
		ok(0, "open %s", path);
		return;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0' && line[0] != '#') {
			test_malformed_one(line);
			n++;
		}
	}
	fclose(fp);
	snprintf(path, sizeof path, "%s/tests/rules/malformed", srcdir);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL)
			files += de->d_name[0] != '.';
		closedir(d);
	}
	ok(n >= 20, "at least 20 malformed files (%d)", n);
	is_int(files, n, "every malformed file has an expectation");
}

static void
test_dupdir(void)
{
	char dir[1024], err[1024], want[4096];

	snprintf(dir, sizeof dir, "%s/tests/rules/dupdir", srcdir);
	ok(rules_load_dir(dir, err, sizeof err) == NULL,
	   "duplicate name across files refused");
	snprintf(want, sizeof want,
	         "%s/20-b.rules:7: duplicate rule name "
	         "\"metadata\" (first at %s/10-a.rules:1)",
	         dir, dir);
	is_str(err, want, "duplicate across files: message");
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[2048];
	FILE *fp;

	snprintf(path, sizeof path, "%.1000s/%.1000s", dir, name);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* Lexical order (byte order: "10" before "9"), only *.rules, no dotfiles;
 * a later file's rule wins. */
static void
test_dir_order(const char *dir)
{
	struct rules_caller c = {1000, 1000, NULL, 0};
	struct rules_decision d;
	struct ruleset *rs;
	char err[1024];

	put(dir, "9-allow.rules", "[allow all]\naction = allow\npath = /**\n");
	put(dir, "10-deny.rules", "[deny all]\naction = deny\npath = /**\n");
	put(dir, "README", "not a rule file\n");
	put(dir, "99-x.rules~", "[broken\n");
	put(dir, "99-x.rules.dpkg-old", "[broken\n");
	put(dir, ".99-hidden.rules", "[broken\n");
	rs = rules_load_dir(dir, err, sizeof err);
	ok(rs != NULL, "directory loads (%s)", rs ? "ok" : err);
	if (rs == NULL)
		return;
	is_int(rules_count(rs), 2, "two rules from two files");
	rules_match(rs, &c, "GET", "/meta-data", &d);
	is_str(d.rule, "allow all", "9-allow.rules sorts after 10-deny.rules");
	ok(d.allow == 1 && d.line == 1, "allow at line 1");
	rules_ref(rs);
	rules_unref(rs);
	is_int(rules_count(rs), 2, "still alive after ref+unref");
	rules_unref(rs);
}

/* One bad file fails the whole directory. */
static void
test_dir_bad(const char *dir)
{
	char err[1024], want[4096];

	put(dir, "50-bad.rules", "[x]\naction = allow\npath = relative\n");
	ok(rules_load_dir(dir, err, sizeof err) == NULL,
	   "one bad file fails all");
	snprintf(want, sizeof want,
	         "%.1000s/50-bad.rules:3: bad path pattern "
	         "\"relative\": pattern does not start with '/'",
	         dir);
	is_str(err, want, "bad file named with its line");
	ok(rules_load_dir("/nonexistent/imdsgate", err, sizeof err) == NULL,
	   "missing directory refused");
	is_str(err, "/nonexistent/imdsgate: No such file or directory",
	       "missing directory message");
}

/* An empty directory is an empty set: everything is denied. */
static void
test_dir_empty(const char *dir)
{
	struct rules_caller c = {0, 0, NULL, 0};
	struct rules_decision d;
	struct ruleset *rs;
	char err[1024];

	rs = rules_load_dir(dir, err, sizeof err);
	ok(rs != NULL && rules_count(rs) == 0, "empty directory: no rules");
	if (rs == NULL)
		return;
	rules_match(rs, &c, "GET", "/meta-data", &d);
	ok(d.allow == 0 && d.rule == NULL, "empty set denies root too");
	rules_unref(rs);
}

/* The shipped examples load (as no rules) while commented out. */
static void
test_shipped(void)
{
	char dir[1024], err[1024];
	struct ruleset *rs;

	snprintf(dir, sizeof dir, "%s/rules", srcdir);
	rs = rules_load_dir(dir, err, sizeof err);
	ok(rs != NULL, "shipped rules load (%s)", rs ? "ok" : err);
	if (rs != NULL)
		is_int(rules_count(rs), 5, "shipped: the 5 default rules");
	rules_unref(rs);
}

/* Loading from a buffer: what the fuzzer drives. */
static void
test_buf(void)
{
	const char *text =
	    "[a]\naction = allow\npath = /x\n[b]\naction = deny\n";
	struct ruleset *rs;
	char err[256];

	ok(rules_load_buf("buf", text, strlen(text), err, sizeof err) == NULL,
	   "buffer with a rule without path refused");
	is_str(err, "buf:4: rule \"b\" has no path", "buffer message");
	rs = rules_load_buf("buf", "", 0, err, sizeof err);
	ok(rs != NULL && rules_count(rs) == 0, "empty buffer: no rules");
	rules_unref(rs);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_rules.XXXXXX", cmd[256];
	char *dir, empty[300];

	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	test_malformed();
	test_dupdir();
	test_shipped();
	test_buf();
	if ((dir = mkdtemp(tmpl)) == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	snprintf(empty, sizeof empty, "%s/empty", dir);
	mkdir(empty, 0700);
	test_dir_empty(empty);
	test_dir_order(dir);
	test_dir_bad(dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
