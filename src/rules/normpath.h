/* The one path normaliser, shared by the rule loader (for patterns), the
 * matcher and the proxy (for request targets), so a rule and a request are
 * always compared in the same form. */
#ifndef IMDSGATE_NORMPATH_H
#define IMDSGATE_NORMPATH_H

#include <stddef.h>

#define NORMPATH_MAX 1024 /* longest normalised path, bytes */

struct normpath {
	char path[NORMPATH_MAX]; /* "/meta-data/iam/info", no version */
	char version[32];        /* "latest", "1.0", "2021-07-15", or "" */
	int trailing_slash;      /* the request asked for a listing */
};

/* Normalise a request target (origin-form, as on the request line):
 * percent-decode once, resolve "." and "..", fold repeated slashes, then
 * split off the API version segment ("latest", "1.0", "YYYY-MM-DD") if
 * the resolved path starts with one. Decisions (imdsgate.rules(5),
 * NORMALISATION):
 *  - an escape may only stand for an unreserved character (ALPHA DIGIT
 *    - . _ ~); %2F, %00, %25 (so %252e never becomes "."), %3F, %5C,
 *    CR/LF and non-ASCII escapes are refused, as are raw '?', '#', ';',
 *    '\', blanks, control bytes and bytes >= 0x80;
 *  - ".." above the root is refused, never clamped;
 *  - "/" (and "/latest/") gives path "/"; a path without a version
 *    ("/meta-data/x") keeps its path and version "": rules judge it like
 *    the versioned forms and the IMDS answers it 404;
 *  - case is kept: IMDS paths are case-sensitive.
 * path never ends in '/' (except "/"); trailing_slash records it. Returns
 * 0, or -1 when the target cannot be normalised safely (also: not
 * origin-form, longer than NORMPATH_MAX - 1): the proxy answers 400. why,
 * when not NULL, gets a short static reason. */
int normpath_request(const char *target, size_t len, struct normpath *out,
                     const char **why);

/* Rebuild the target sent upstream from a normalised path, so the IMDS
 * serves exactly what the rules judged: "/<version><path>". */
int normpath_upstream(const struct normpath *, char *out, size_t outlen);

#endif
