/* gen-cloudtrail: synthetic CloudTrail corpora for the detector benchmark.
 * Everything about a session (account, role, instance, key, addresses) is
 * derived from its index and the seed, so the generator keeps one byte of
 * state per session and the corpus is the same for the same options. */
#ifndef IMDSGATE_GEN_CT_H
#define IMDSGATE_GEN_CT_H

#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/jsonw.h"

#define GEN_NACCOUNTS 4
#define GEN_NREGIONS 2
#define GEN_NSTREAMS (GEN_NACCOUNTS * GEN_NREGIONS)

struct gen_opts {
	uint64_t	 events;	/* total events written */
	uint64_t	 sessions;	/* instance role sessions */
	uint64_t	 seed;
	uint32_t	 exfil_ppm;	/* sessions whose key is stolen, per million */
	uint32_t	 per_object;	/* events per S3 object */
	uint64_t	 per_file;	/* lines per JSON lines file */
	int64_t		 start;		/* first second of the window (epoch) */
	int64_t		 span;		/* window length, seconds */
	int64_t		 active;	/* how long a session makes calls */
	int		 gz;		/* write gzip S3 objects */
	int		 jsonl;		/* write JSON lines */
	int		 nolaunch;	/* no launch events: too few events */
	const char	*outdir;
};

/* A 64-bit generator: splitmix64, small and good enough for test data. */
struct gen_rng {
	uint64_t	 s;
};

/* Who makes a call: an instance's role session (what the detector
 * tracks) or, as noise it must leave alone, a Lambda function's role
 * session or an IAM user. */
enum gen_who { GEN_INSTANCE, GEN_LAMBDA, GEN_USER };

/* What one session looks like in CloudTrail. */
struct gen_session {
	uint64_t	 idx;
	enum gen_who	 who;
	int		 stream;		/* account x region */
	const char	*account;
	const char	*region;
	int64_t		 created;		/* AssumeRole time */
	int		 compromised;
	char		 role[40];
	char		 role_id[22];		/* AROA... */
	char		 instance[20];
	char		 name[40];		/* session or user name */
	char		 key[21];		/* ASIA... */
	char		 pubip[48];
	char		 pubip4[16];		/* dual stack: the IPv4 one */
	char		 privip[16];
	char		 vpce[24];
	char		 attacker[48];
	const char	*ua;
	int		 dual;			/* dual stack: pubip is IPv6 */
	int		 launched;		/* its RunInstances is in the corpus */
};

/* How a call on an instance session arrives. */
enum gen_via {
	GEN_FIRST,	/* the first call: from either public address */
	GEN_LEGIT,	/* from the instance's public address(es) */
	GEN_VPCE,	/* through a VPC endpoint: private address */
	GEN_SERVICE,	/* an AWS service on the session's behalf */
	GEN_ATTACKER	/* stolen key, foreign address */
};

/* gen_ct_ids.c */
uint64_t gen_mix(uint64_t);
uint64_t gen_rand(struct gen_rng *);
double gen_unit(struct gen_rng *);
void gen_uuid(struct gen_rng *, char out[37]);
void gen_alnum(struct gen_rng *, char *out, size_t n, int upper_only);
const char *gen_account(int);
const char *gen_region(int);
void gen_session(const struct gen_opts *, uint64_t idx, int64_t created,
    struct gen_session *);

/* gen_ct_time.c */
const char *gen_time(int64_t t);
void gen_time_aws(int64_t t, char *out, size_t n);

/* gen_ct_event.c */
void gen_ev_assumerole(struct buf *, const struct gen_session *, int64_t t,
    struct gen_rng *);
void gen_ev_runinstances(struct buf *, const struct gen_session *, int64_t t,
    struct gen_rng *);
void gen_ev_associate(struct buf *, const struct gen_session *, int64_t t,
    struct gen_rng *);
void gen_ev_call(struct buf *, const struct gen_session *, int64_t t,
    enum gen_via, struct gen_rng *);
void gen_ev_noise(struct buf *, int stream, int64_t t, struct gen_rng *);

/* gen_ct_parts.c: pieces shared by the event shapes */
void gen_part_identity(struct jsonw *, const struct gen_session *,
    const char *invoked_by);
void gen_part_ids(struct jsonw *, struct gen_rng *, int readonly);
void gen_part_tail(struct jsonw *, const char *account, int data_event,
    const char *host, const char *vpce);

/* gen_ct_shapes.c: the API calls sessions make */
struct gen_shape {
	const char	*source;	/* eventSource */
	const char	*name;		/* eventName */
	int		 readonly;
	int		 data_event;
	int		 weight;
	/* requestParameters, responseElements, additionalEventData */
	void		(*params)(struct jsonw *, const struct gen_session *,
			    struct gen_rng *);
	/* resources, or NULL */
	void		(*resources)(struct jsonw *, const struct gen_session *);
};
const struct gen_shape *gen_shape_pick(struct gen_rng *);
void gen_shape_host(const struct gen_shape *, const struct gen_session *,
    char *out, size_t n);

/* gen_ct_out.c */
struct gen_out;
struct gen_out *gen_out_open(const struct gen_opts *);
void gen_out_event(struct gen_out *, int stream, int64_t t,
    const struct buf *);
void gen_out_close(struct gen_out *, uint64_t *objects, uint64_t *files,
    uint64_t *bytes_json, uint64_t *bytes_gz);

#endif
