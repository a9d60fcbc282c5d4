/* Timestamps as the audit log and CloudTrail write them. */
#ifndef IMDSGATE_TIMEFMT_H
#define IMDSGATE_TIMEFMT_H

#include <stdint.h>
#include <time.h>

#define TIMEFMT_LEN 32

/* "2026-11-23T14:40:03.123Z" */
char *timefmt_rfc3339ms(const struct timespec *, char *out);
/* Parse RFC 3339 ("2020-09-14T01:19:40Z", with optional fraction and a Z
 * or +hh:mm offset) to milliseconds since the epoch. Returns 0 or -1. */
int timefmt_parse(const char *s, size_t len, int64_t *ms);

#endif
