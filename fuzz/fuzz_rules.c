/* Fuzz target: the rule loader (through the checked INI reader) and the
 * matcher on whatever rule set it accepted. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *paths[] = { "/", "/meta-data/iam/security-credentials/r",
	    "/api/token", "/user-data", "/meta-data/a/b/c" };
	gid_t gids[2] = { 100, 2000 };
	struct rules_caller who = { 1001, 1001, gids, 2 };
	struct rules_decision d;
	struct ruleset *rs;
	char err[512];
	size_t i;

	rs = rules_load_buf("fuzz.rules", (const char *)data, size, err, sizeof err);
	if (rs == NULL)
		return 0;
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		rules_match(rs, &who, "GET", paths[i], &d);
		if (d.allow && d.rule == NULL)
			abort();	/* an allow always names its rule */
	}
	rules_unref(rs);
	return 0;
}
