/* The perimeter compiler (imdsgate-detect --perimeter DIR): from what the
 * instances of each account were seen calling, the policies that let an
 * instance's credentials work only from that instance (an SCP and the same
 * statements for a role's own policy), and a replay of the input against
 * them: what they would deny, what would break, which VPC endpoints would
 * avoid that, and which stolen-credential uses they would have stopped.
 *
 * Facts are learnt only from what names them: an instance's VPC from
 * RunInstances or imdsgated's `instance` record, an endpoint's VPC from
 * CreateVpcEndpoint. Whatever is not named stays unknown. */
#ifndef IMDSGATE_PERIMETER_H
#define IMDSGATE_PERIMETER_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/detect.h"

#define PM_SCP_MAX 5120  /* AWS Organizations: an SCP, every character */
#define PM_ROLE_MAX 6144 /* IAM managed policy, whitespace not counted */
#define PM_MAXIPS 8      /* launch private IPv4s kept per instance */
#define PM_EXAMPLES 3    /* example calls per role and service */

/* Perimeter-mode exit statuses (see imdsgate-detect(1)). */
#define PM_EXIT_CLEAN 0  /* nothing the instances did would be denied */
#define PM_EXIT_REVIEW 4 /* some calls would break or are unknown */

/* What the trail or imdsgated says of one instance. */
struct pm_inst {
	const char *vpc;    /* interned VPC id, NULL when unknown */
	const char *source; /* what named it: RunInstances, imdsgated, state */
	struct ip16 ips[PM_MAXIPS]; /* its private IPv4 addresses */
	int nips;
	int complete; /* ips holds every address it had: the primary too */
};

/* A VPC endpoint named by CreateVpcEndpoint. */
struct pm_ep {
	const char *vpc, *service, *account; /* interned */
};

/* Whose credentials made a call. */
enum pm_kind {
	PM_ROLE,     /* the instance's role */
	PM_VIA,      /* an AWS service acting for the caller */
	PM_INFRA,    /* aws:ec2-infrastructure: exempted by the policy */
	PM_IDENTITY, /* aws:ec2-instance identity credentials */
};

/* What the policy does to a call. */
enum pm_verdict {
	PV_ALLOWED,   /* through an endpoint of its instance's VPC */
	PV_PUBLIC,    /* no endpoint: denied unless the service is exempt */
	PV_OTHER_VPC, /* an endpoint of another VPC: denied */
	PV_OTHER_IP,  /* not the instance's primary private IPv4: denied */
	PV_VIA,       /* aws:ViaAWSService: not denied */
	PV_INFRA,     /* the ec2-infrastructure exemption */
	PV_UNKNOWN,   /* a VPC or address the input does not name */
	PV_NVERDICTS
};

/* Why a verdict is unknown (or allowed without the address checked). */
enum pm_why {
	PW_NONE,
	PW_INST_VPC,    /* the instance's VPC is unknown */
	PW_EP_VPC,      /* the endpoint's VPC is unknown */
	PW_NO_ENDPOINT, /* a private source without an endpoint id */
	PW_IDENTITY,    /* identity credentials: keys not documented */
	PW_IP_UNCHECKED /* allowed by VPC; primary address not known */
};

/* Calls that share everything the verdict depends on. */
struct pm_group {
	const char *account, *partition, *role, *service, *region;
	const char *vpce, *vpce_acct; /* interned, NULL: no endpoint */
	char inst[24];
	struct ip16 ip;
	int ipok;
	enum pm_kind kind;
	uint64_t count;
	int64_t t; /* the earliest call: the example */
	char *event_id, *event_name;
	/* Decided once the whole input is read. */
	enum pm_verdict verdict;
	enum pm_why why;
	int theft;  /* from an address a finding calls stolen */
	int exempt; /* PV_PUBLIC on an exempted service */
};

struct perimeter {
	struct dmap intern;
	struct dmap insts;  /* instance id -> pm_inst */
	struct dmap eps;    /* endpoint id -> pm_ep */
	struct dmap groups; /* group key -> pm_group */
	struct pm_group **gv;
	size_t ng, gcap;
	uint64_t calls, learnt_insts, learnt_eps;
};

void perimeter_init(struct perimeter *);
void perimeter_free(struct perimeter *);
/* The detector's observer: learns facts and records instance calls. */
void perimeter_observe(void *perimeter, const struct ct_event *, int64_t t);
/* imdsgated `instance` records: each instance's VPC and addresses. */
int perimeter_proxy_load(struct perimeter *, const char *path, char *err,
                         size_t errlen);
/* Facts kept in the --state database, in tables of their own. */
int perimeter_state_load(struct perimeter *, const char *path, char *err,
                         size_t errlen);
int perimeter_state_save(const struct perimeter *, const char *path, char *err,
                         size_t errlen);
/* Found or created by the learners. */
struct pm_inst *perimeter_inst(struct perimeter *, const char *id, size_t n);
struct pm_ep *perimeter_ep(struct perimeter *, const char *id, size_t n);
/* Look-ups: the id as groups hold it (an instance id in lower case);
 * NULL when nothing is known. */
const struct pm_inst *perimeter_inst_find(const struct perimeter *,
                                          const char *id);
const struct pm_ep *perimeter_ep_find(const struct perimeter *, const char *id);
/* The VPC named for an instance or endpoint id, NULL when none is. */
const char *perimeter_inst_vpc(const struct perimeter *, const char *id);
const char *perimeter_ep_vpc(const struct perimeter *, const char *id);
const char *perimeter_intern(struct perimeter *, const char *s, size_t n);
/* One event: a call made with an instance's credentials joins its group. */
void perimeter_calls_add(struct perimeter *, const struct ct_event *,
                         int64_t t);

/* The mode itself: read the state, proxy logs and paths, write DIR and
 * the report (text or JSON) on out. Returns the exit status. */
struct perimeter_opts {
	const char *dir, *state;
	const char **proxies;
	int nproxies;
	int text;
};
int perimeter_run(struct detect *, const struct perimeter_opts *, char **paths,
                  int npaths, FILE *out);
/* One more --proxy-log for the mode; the list is freed with the opts. */
void perimeter_opts_proxy(struct perimeter_opts *, const char *path);
void perimeter_opts_free(struct perimeter_opts *);
#endif
