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
	F_TASK_OUT, /* ECS task role session used away from its task */
	F_TASK_IN,
	F_POD_OUT, /* EKS Pod Identity session used away from its pod */
	F_POD_IN,
	F_LAMBDA, /* Lambda execution role session used outside the function */
	F_NTYPES
};

enum ffmt { FMT_JSON, FMT_ASFF, FMT_OCSF, FMT_TEXT };

/* The workload a non-instance session belongs to (NULL where unknown). */
struct finding_workload {
	const char *task_id;                 /* ECS */
	const char *pod, *ns, *sa, *cluster; /* EKS Pod Identity */
	const char *node;                    /* the pod's node instance */
	const char *function;                /* Lambda */
};

struct finding {
	enum ftype type;
	int64_t first, last; /* ms since the epoch */
	uint64_t count, seq;
	char *account, *region, *instance, *role_arn, *session_arn;
	char *key, *ip, *ua, *expected, *process;
	char *title;                      /* NULL: the type's own */
	char *src_account, *src_instance; /* the affiliated instance */
	char *role_id, *session_name;     /* for the narrow revocation */
	char *task_id, *pod, *ns, *sa, *cluster, *node, *function;
	int unproven; /* the session's lock was taken at first use */
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
	const char *title;    /* NULL: the type's own */
	const char *src_account, *src_instance;
	const char *role_id, *session_name;
	struct finding_workload w;
	int unproven;
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
/* remediation: both revocation policies, each with its blast radius. */
struct jsonw;
void findings_remediation(struct jsonw *, const struct findings *,
                          const struct finding *);
/* The column titles of the text format. */
void findings_text_header(FILE *);
void findings_free(struct findings *);
#endif
