/* Fuzz target: the path normaliser. Besides not crashing, an accepted
 * path must be canonical (no empty, "." or ".." segment, no control
 * bytes) and normalising it again must give the same result: otherwise
 * the rules and the IMDS could see two different paths. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/normpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_canonical(const char *p)
{
	size_t i;

	if (p[0] != '/' || strstr(p, "//") || strstr(p, "/./") ||
	    strstr(p, "/../"))
		abort();
	for (i = 0; p[i]; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct normpath np, again;
	char up[NORMPATH_MAX + 64];
	const char *why;

	if (normpath_request((const char *)data, size, &np, &why) != 0)
		return 0;
	check_canonical(np.path);
	if (normpath_upstream(&np, up, sizeof up) != 0)
		return 0;
	if (normpath_request(up, strlen(up), &again, &why) != 0 ||
	    strcmp(again.path, np.path) != 0 ||
	    strcmp(again.version, np.version) != 0)
		abort();
	return 0;
}
