/* Unit tests for the IMDSv1 report: grouping by caller, counts, paths,
 * first/last sighting, exit status, and malformed lines reported by
 * number and skipped. */
#include "config.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "detect/v1report.h"

static const char log_text[] =
    "{\"ts\":\"2026-11-23T10:00:02.000Z\",\"event\":\"request\",\"uid\":1001,"
    "\"user\":\"app\",\"comm\":\"python3\",\"exe\":\"/usr/bin/python3.11\","
    "\"method\":\"GET\",\"path\":\"/latest/meta-data/iam/info\",\"status\":401,"
    "\"decision\":\"deny\",\"imds_version\":1}\n"
    "not json at all\n"
    "{\"ts\":\"2026-11-23T10:00:01.000Z\",\"event\":\"request\",\"uid\":1001,"
    "\"user\":\"app\",\"comm\":\"python3\",\"exe\":\"/usr/bin/python3.11\","
    "\"method\":\"GET\",\"path\":\"/latest/meta-data/iam/info\",\"status\":200,"
    "\"decision\":\"allow\",\"imds_version\":1}\n"
    "\n"
    "{\"ts\":\"2026-11-23T10:00:03.000Z\",\"event\":\"request\",\"uid\":1001,"
    "\"user\":\"app\",\"comm\":\"python3\",\"exe\":\"/usr/bin/python3.11\","
    "\"method\":\"GET\",\"path\":\"/latest/meta-data/instance-id\",\"status\":200,"
    "\"decision\":\"allow\",\"imds_version\":1}\n"
    "{\"ts\":\"2026-11-23T10:00:04.000Z\",\"event\":\"request\",\"uid\":0,"
    "\"user\":\"root\",\"comm\":\"curl\",\"exe\":\"/usr/bin/curl\","
    "\"method\":\"GET\",\"path\":\"/latest/meta-data/\",\"status\":200,"
    "\"decision\":\"allow\",\"imds_version\":1}\n"
    "{\"ts\":\"2026-11-23T10:00:05.000Z\",\"event\":\"request\",\"uid\":0,"
    "\"user\":\"root\",\"comm\":\"aws\",\"exe\":\"/usr/bin/aws\","
    "\"method\":\"GET\",\"path\":\"/latest/meta-data/\",\"status\":200,"
    "\"decision\":\"allow\",\"imds_version\":2}\n"
    "{\"ts\":\"2026-11-23T10:00:06.000Z\",\"event\":\"credential_fetch\"}\n"
    "{\"event\":\"request\",\"imds_version\":1}\n"
    "[1,2]\n"
    "{\"ts\":\"x\",\"event\":\"request\",\"imds_version\":1,\"ts\":\"y\"}\n";

static char dir[] = "/tmp/test_v1report.XXXXXX";

static char *
in_dir(const char *name)
{
	static char p[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[65536];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

/* Run the report with stdout and stderr going to files. */
static int
run(const char *log, int json)
{
	FILE *out = fopen(in_dir("out"), "w");
	int saved = dup(2), fd = open(in_dir("err"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int rc;

	dup2(fd, 2);
	close(fd);
	rc = v1report_run(log, out, json);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(out);
	return rc;
}

static void
test_json(void)
{
	char *out, *line, *save = NULL;
	json_t *c[4] = { NULL };
	int n = 0;

	write_file(in_dir("audit.log"), log_text);
	is_int(run(in_dir("audit.log"), 1), 3, "v1 callers found: status 3");
	out = slurp(in_dir("out"));
	for (line = strtok_r(out, "\n", &save); line && n < 4;
	    line = strtok_r(NULL, "\n", &save))
		c[n++] = json_loads(line, 0, NULL);
	is_int(n, 2, "two callers (the v2 caller is not one)");
	is_str(json_string_value(json_object_get(c[0], "exe")),
	    "/usr/bin/python3.11", "busiest caller first");
	is_int(json_integer_value(json_object_get(c[0], "count")), 3, "its count");
	is_int(json_integer_value(json_object_get(c[0], "denied")), 1, "its denials");
	is_int(json_integer_value(json_object_get(c[0], "uid")), 1001, "its uid");
	is_str(json_string_value(json_object_get(c[0], "first_seen")),
	    "2026-11-23T10:00:01.000Z", "first seen by timestamp, not order");
	is_str(json_string_value(json_object_get(c[0], "last_seen")),
	    "2026-11-23T10:00:03.000Z", "last seen");
	is_int(json_array_size(json_object_get(c[0], "paths")), 2, "two paths");
	is_int(json_integer_value(json_object_get(json_array_get(json_object_get(c[0],
	    "paths"), 0), "count")), 2, "path count");
	is_str(json_string_value(json_object_get(c[1], "comm")), "curl",
	    "second caller");
	ok(strstr(slurp(in_dir("err")), "audit.log:2: ") != NULL,
	    "line 2 reported as malformed");
	ok(strstr(slurp(in_dir("err")), "audit.log:9: ") != NULL &&
	    strstr(slurp(in_dir("err")), "audit.log:10: ") != NULL &&
	    strstr(slurp(in_dir("err")), "audit.log:11: ") != NULL &&
	    strstr(slurp(in_dir("err")), "audit.log:8: ") == NULL,
	    "no ts, not an object, duplicate keys: reported");
	ok(strstr(slurp(in_dir("err")), "audit.log:4: ") == NULL,
	    "empty line not reported");
	for (n = 0; n < 4; n++)
		json_decref(c[n]);
}

static void
test_text(void)
{
	const char *out;

	write_file(in_dir("evil.log"), "{\"ts\":\"2026-11-23T10:00:01.000Z\","
	    "\"event\":\"request\",\"exe\":\"/tmp/x\\u001b[2J\\nfake\","
	    "\"imds_version\":1,\"path\":\"/\"}\n");
	is_int(run(in_dir("evil.log"), 0), 3, "text report: status 3");
	out = slurp(in_dir("out"));
	ok(strstr(out, "1 IMDSv1 request(s)") != NULL, "text: summary line");
	ok(strchr(out, '\033') == NULL && strstr(out, "\"/tmp/x\\u001b[2J\\nfake\"")
	    != NULL, "text: control bytes shown escaped");
	write_file(in_dir("v2.log"), "{\"ts\":\"2026-11-23T10:00:01.000Z\","
	    "\"event\":\"request\",\"imds_version\":2}\n");
	is_int(run(in_dir("v2.log"), 0), 0, "no v1 request: status 0");
	is_int(run(in_dir("missing.log"), 0), 1, "missing file: status 1");
	ok(strstr(slurp(in_dir("err")), "missing.log") != NULL, "missing file named");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_json();
	test_text();
	if (fork() == 0)
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
	wait(NULL);
	return tap_done();
}
