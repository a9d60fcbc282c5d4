/* The one path normaliser, shared by the rule loader (for patterns), the
 * matcher and the proxy (for request targets), so a rule and a request are
 * always compared in the same form. */
#ifndef IMDSGATE_NORMPATH_H
#define IMDSGATE_NORMPATH_H

#include <stddef.h>

#define NORMPATH_MAX	1024	/* longest normalised path, bytes */

struct normpath {
	char	path[NORMPATH_MAX];	/* "/meta-data/iam/info", no version */
	char	version[32];		/* "latest", "1.0", "2021-07-15", or "" */
	int	trailing_slash;		/* the request asked for a listing */
};

/* Normalise a request target (origin-form, as on the request line):
 * percent-decode, resolve "." and "..", fold repeated slashes, split off
 * the API version segment. Returns 0, or -1 when the target cannot be
 * normalised safely (NUL, CR/LF, an encoded slash, ".." above the root,
 * a query or fragment, not origin-form, too long): the proxy answers 400.
 * why, when not NULL, gets a short reason. */
int normpath_request(const char *target, size_t len, struct normpath *out,
    const char **why);

/* Rebuild the target sent upstream from a normalised path, so the IMDS
 * serves exactly what the rules judged: "/<version><path>". */
int normpath_upstream(const struct normpath *, char *out, size_t outlen);

#endif
