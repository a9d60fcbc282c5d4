/* Which callers still use IMDSv1: reads an imdsgated audit log and lists
 * every caller (exe, comm, uid, user) that made requests without a token,
 * with its paths, counts and first/last sighting, in the spirit of AWS's
 * IMDS packet analyzer. Wired as `imdsgate-detect --v1-report AUDIT.LOG`. */
#ifndef IMDSGATE_V1REPORT_H
#define IMDSGATE_V1REPORT_H

#include <stdio.h>

/* path is a file or "-" for stdin; json: JSON lines (one object per
 * caller) instead of a table. Malformed lines are reported on stderr as
 * FILE:LINE and skipped. Returns 0 when no IMDSv1 request was found,
 * 3 when at least one was (the detector's "finding" status), 1 when the
 * log cannot be read. */
int v1report_run(const char *path, FILE *out, int json);

#endif
