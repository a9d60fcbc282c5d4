/* The detector: the lock-IP method over the session table, correlation
 * with imdsgated's audit log, threat lists, AWS ranges, user agents. */
#ifndef IMDSGATE_DETECT_H
#define IMDSGATE_DETECT_H
#include <stdint.h>

#include "detect/ct_json.h"
#include "detect/detect_dedup.h"
#include "detect/detect_map.h"
#include "detect/detect_vpc.h"
#include "detect/findings.h"
#include "detect/iprange.h"
#include "detect/session.h"

/* Who fetched a key, from a credential_fetch record (up to 4 fetchers). */
struct detect_key {
	char *instance;
	char *process; /* rendered JSON array of fetchers */
	int nproc;
};

struct detect {
	struct session_table sessions;
	struct dmap intern; /* role names */
	struct dmap keys;   /* access key -> detect_key */
	struct dmap vpcs;   /* VPC (or session) id -> vpc_scope */
	struct iprange_set threats, aws;
	int have_threats, have_aws;
	char **agents;
	size_t nagents;
	struct findings findings;
	struct dedup dedup;
	const char *input; /* for messages */
	uint64_t events, dups, malformed, services, badip;
	uint64_t notime;
	/* Sees every event before the checks (--perimeter learns from it). */
	void (*observe)(void *arg, const struct ct_event *, int64_t t);
	void *observe_arg;
};

/* The scope whose endpoints bind a session: its VPC's, else its own. */
struct vpc_scope *detect_scope(struct detect *, const struct session *);

void detect_init(struct detect *);
void detect_free(struct detect *);
/* One CloudTrail event at time t (ms). */
void detect_event(struct detect *, const struct ct_event *, int64_t t);
/* EC2 calls that give an instance new addresses widen its lock. */
void detect_ec2(struct detect *, const struct ct_event *);
/* An imdsgated audit log: instance and credential_fetch records. */
int detect_proxy_load(struct detect *, const char *path, char *err,
                      size_t errlen);
/* Allowed user-agent prefixes, one per line. */
int detect_agents_load(struct detect *, const char *path, char *err,
                       size_t errlen);
#endif
