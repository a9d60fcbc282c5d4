/* The replay of the input against the compiled policies, per account:
 * what perimeter_decide, perimeter_tally and perimeter_policy make and
 * the report writers read. */
#ifndef IMDSGATE_PERIMETER_REPLAY_H
#define IMDSGATE_PERIMETER_REPLAY_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/findings.h"
#include "detect/perimeter.h"

#define PM_NEED_INSTS 5 /* instances named per endpoint to create */

/* Calls by what the compiled policy does with them. */
struct pm_count {
	uint64_t calls;
	uint64_t allowed, unchecked; /* unchecked: allowed, address unknown */
	uint64_t via, infra;         /* ViaAWSService, ec2-infrastructure */
	uint64_t exempted;           /* public, to an exempted service */
	uint64_t denied;             /* = stopped + breaks */
	uint64_t stopped, breaks;    /* stolen uses; the instances' own */
	uint64_t unknown;
	uint64_t r_public, r_vpc, r_ip; /* why denied, before exemptions */
	uint64_t u_inst, u_ep, u_noep, u_identity; /* why unknown */
};

/* One role and service of an account. */
struct pm_row {
	const char *role, *service;
	struct pm_count c;
	const struct pm_group *ex[PM_EXAMPLES];
	int nex;
};

/* A service the instances called only over public endpoints. */
struct pm_exempt {
	const char *service; /* event source */
	char action[80];     /* "s3:*" */
	uint64_t calls;      /* public calls by the instances */
	int kept;            /* in the policies; 0: left out for size */
};

/* A VPC endpoint to create so that the policy needs no exemption. */
struct pm_need {
	const char *vpc; /* NULL: the instance's VPC is unknown */
	const char *region, *service;
	uint64_t calls;
	const char *insts[PM_NEED_INSTS];
	size_t ninsts, more;
};

/* A finding's calls under the policy. */
struct pm_theft {
	const struct finding *f;
	uint64_t calls, denied, allowed, unknown;
};

/* A compiled policy document. */
struct pm_doc {
	char name[32]; /* file name in the account's directory */
	char *text;    /* as written */
	size_t size;   /* what AWS counts against its limit */
	size_t limit;
};

struct pm_account {
	const char *id, *partition;
	struct pm_group **g; /* this account's groups, sorted */
	size_t ng;
	struct pm_row *rows;
	size_t nrows;
	struct pm_exempt *ex;
	size_t nex;
	struct pm_need *needs;
	size_t nneeds;
	struct pm_theft *thefts;
	size_t nthefts;
	const char **unk_insts, **unk_eps; /* VPC unknown */
	size_t nunk_insts, nunk_eps;
	const char **roles; /* roles to attach role-policy.json to */
	size_t nroles;
	struct pm_count total;
	struct pm_doc scp[2], role[2];
	int nscp, nrole;
};

struct pm_replay {
	struct pm_account *v;
	size_t n;
	struct pm_count total;
	size_t nthefts;
};

/* Each group's verdict, and whether a finding calls its address stolen. */
void perimeter_decide(struct perimeter *, const struct findings *);
/* Accounts from the decided groups, their exemptions computed. */
void perimeter_accounts(struct perimeter *, struct pm_replay *);
/* Compile an account's policies within AWS's limits; exemptions that do
 * not fit are left out (kept = 0). */
void perimeter_policy(struct pm_account *);
/* Counts, endpoints to create and stolen uses under the compiled
 * policies. */
void perimeter_tally(const struct perimeter *, struct pm_account *,
                     const struct findings *);
void perimeter_replay_free(struct pm_replay *);

/* Names (perimeter_svc.c). 0, or -1 when source is not NAME.amazonaws.com
 * (or, for an endpoint, the service has none). */
int perimeter_svc_action(const char *source, char *out, size_t len);
int perimeter_svc_endpoint(const char *source, const char *region, char *out,
                           size_t len, const char **type);

/* Words for the report. */
const char *perimeter_verdict_name(enum pm_verdict);
const char *perimeter_why_name(enum pm_why);
/* What the policies do to a group / a finding's calls, in one word. */
const char *perimeter_outcome(const struct pm_group *);
const char *perimeter_theft_outcome(const struct pm_theft *);
/* Whether a finding's type is credentials used away from their owner. */
int perimeter_is_theft(const struct finding *);

/* Writers: the JSON report, the text report, the files in DIR. */
void perimeter_report_json(const struct perimeter *, const struct pm_replay *,
                           FILE *);
void perimeter_report_text(const struct perimeter *, const struct pm_replay *,
                           const char *dir, FILE *);
int perimeter_write_files(const struct pm_replay *, const char *dir);
/* dir/name written whole (through dir/name.tmp). 0 or -1, logged. */
int perimeter_write_file(const char *dir, const char *name, const char *text);
#endif
