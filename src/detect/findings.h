/* Findings: one per (type, session, source IP), aggregated with a count,
 * first and last sighting and the CloudTrail event ids behind it. */
#ifndef IMDSGATE_FINDINGS_H
#define IMDSGATE_FINDINGS_H
#include <stdint.h>
#include <stdio.h>

#include "detect/ct_json.h"
#include "detect/detect_map.h"

#define FINDING_MAXIDS 20 /* event ids kept per finding */

enum ftype {
	F_OUTSIDE,
	F_INSIDE,
	F_MALICIOUS,
	F_NOTISSUED,
	F_V1,
	F_UA,
	F_CONSOLE,
	F_NTYPES
};

enum ffmt { FMT_JSON, FMT_ASFF, FMT_OCSF, FMT_TEXT };

struct finding {
	enum ftype type;
	int64_t first, last; /* ms since the epoch */
	uint64_t count, seq;
	char *account, *region, *instance, *role_arn, *session_arn;
	char *key, *ip, *ua, *expected, *process;
	char *event_ids[FINDING_MAXIDS]; /* kept sorted by */
	int64_t event_t[FINDING_MAXIDS]; /* (time, id) */
	int nids;
};

/* What the detector knows when it raises a finding. */
struct finding_in {
	const struct ct_event *ev;
	int64_t t;
	const char *instance, *session_arn, *role_arn, *ip;
	const char *expected; /* "a,b" or NULL */
	const char *process;  /* rendered JSON or NULL */
};

struct findings {
	struct dmap map;
	struct finding **v;
	size_t n, cap;
	const char *on_finding; /* command run per new finding */
	FILE *stream;           /* follow mode: write new ones here */
	enum ffmt fmt;
	int64_t now; /* ms: revocation policy cut-off */
};

const char *findings_type(enum ftype);
double findings_severity(enum ftype);
const char *findings_title(enum ftype);
/* Record one sighting; returns 1 when it opened a new finding. */
int findings_add(struct findings *, enum ftype, const struct finding_in *);
/* Every finding, ordered by first sighting, in the chosen format. */
void findings_write(struct findings *, FILE *);
void findings_write_one(const struct findings *, const struct finding *,
                        FILE *);
/* The column titles of the text format. */
void findings_text_header(FILE *);
void findings_free(struct findings *);
#endif
