/* The detector: the lock-IP method over the session table, correlation
 * with imdsgated's audit log, threat lists, AWS ranges, user agents; the
 * same method for ECS task, EKS Pod Identity and Lambda sessions. */
#ifndef IMDSGATE_DETECT_H
#define IMDSGATE_DETECT_H
#include <stdint.h>

#include "detect/ct_json.h"
#include "detect/detect_arn.h"
#include "detect/detect_dedup.h"
#include "detect/detect_hold.h"
#include "detect/detect_map.h"
#include "detect/detect_owner.h"
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
	struct dmap intern;    /* role names */
	struct dmap keys;      /* access key -> detect_key */
	struct dmap vpcs;      /* VPC (or session) id -> vpc_scope */
	struct dmap workloads; /* "ACCT/ROLE/SESSION" -> workload */
	struct owners owners;  /* public address -> instance session */
	struct iprange_set threats, aws, own;
	int have_threats, have_aws, have_own;
	char **agents;
	size_t nagents;
	struct findings findings;
	struct dedup dedup;
	struct hold hold;  /* the reorder window */
	int live;          /* --follow: the window stays open between reads */
	const char *input; /* for messages while reading */
	char *rbuf;        /* detect_run's JSON lines read window, reused */
	size_t rcap;
	uint64_t events, dups, malformed, services, badip;
	uint64_t notime;
	/* Sees every event before the checks (--perimeter learns from it). */
	void (*observe)(void *arg, const struct ct_event *, int64_t t);
	void *observe_arg;
};

/* Why a source address is not the session's own. */
enum lock_why {
	LOCK_OK,
	LOCK_OTHER,    /* another address of a class the session is locked on */
	LOCK_NEWCLASS, /* the first of a new class, with no evidence */
	LOCK_NOTAWS,   /* outside AWS's ranges and not the user's own */
	LOCK_EGRESS    /* not its VPC's NAT egress */
};

/* What a finding is raised on: the session, how, and from where. */
struct detect_hit {
	enum ftype type;
	enum lock_why why;
	const struct ct_event *ev;
	int64_t t;
	const struct detect_arn *arn; /* NULL: no session */
	struct session *s;            /* its lock, or NULL */
	const struct ip16 *ip;        /* NULL: not an address */
	const char *ipstr;            /* NULL: ip formatted when raised */
	const char *reason;           /* a title of its own, or NULL */
	struct finding_workload w;
};

/* The scope whose endpoints bind a session: its VPC's, else its own. */
struct vpc_scope *detect_scope(struct detect *, const struct session *);

void detect_init(struct detect *);
void detect_free(struct detect *);
/* One CloudTrail event at time t (ms), applied now. */
void detect_event(struct detect *, const struct ct_event *, int64_t t);
/* The reorder window's callback: detect_event on the struct detect arg. */
void detect_apply(const struct ct_event *, int64_t t, void *d);
/* AWS acting for the caller: not the credentials' holder's address. */
int detect_is_service(const struct ct_event *);
/* EC2 calls that give an instance new addresses widen its lock. */
void detect_ec2(struct detect *, const struct ct_event *);
/* Every instance's addresses into the owner index (after --state). */
void detect_owners_index(struct detect *);
/* An address into a session's lock (and, for an instance, its owner). */
void detect_session_add(struct detect *, struct session *, const struct ip16 *,
                        uint8_t flags);
/* The lock-IP decision for a call from ip; node: a pod's node or NULL. */
enum lock_why detect_lock(struct detect *, struct session *,
                          const struct session *node, const struct ct_event *,
                          int64_t t, const struct ip16 *);
/* Outside AWS: not in ip-ranges.json nor the user's own ranges. */
int detect_outside(const struct detect *, const struct ip16 *);
/* .OutsideAWS or .InsideAWS for a lock failure (out: the Outside type). */
enum ftype detect_where_type(const struct detect *, enum lock_why,
                             const struct ip16 *, enum ftype out);
/* Calls made with an instance's credentials. */
void detect_instance_call(struct detect *, const struct ct_event *, int64_t t,
                          const struct detect_arn *, const struct ip16 *,
                          int ipok);
/* ECS task, EKS Pod Identity and Lambda sessions: who was handed them,
 * and their calls. Returns 1 when the call was a workload's. */
void detect_workload_issue(struct detect *, const struct ct_event *, int64_t t);
int detect_workload_call(struct detect *, const struct ct_event *, int64_t t,
                         const struct detect_arn *, const struct ip16 *,
                         int ipok);
/* Raise a finding with everything known about its session. */
void detect_raise(struct detect *, const struct detect_hit *);
/* An imdsgated audit log: instance and credential_fetch records. */
int detect_proxy_load(struct detect *, const char *path, char *err,
                      size_t errlen);
/* Allowed user-agent prefixes, one per line. */
int detect_agents_load(struct detect *, const char *path, char *err,
                       size_t errlen);
#endif
