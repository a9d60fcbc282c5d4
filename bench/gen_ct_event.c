/* One generated CloudTrail event as JSON: EC2's AssumeRole for an
 * instance, a call made with instance credentials (from the instance,
 * through a VPC endpoint, by a service on its behalf, or by a thief), or
 * noise the detector must leave alone. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gen_ct.h"

#define GEN_TOKEN_LEN 616	/* the length of real session tokens */

static const char *thief_agents[] = {
	"aws-cli/2.13.5 Python/3.11.4 Darwin/22.6.0 exe/x86_64 prompt/off "
	    "command/s3.ls",
	"Boto3/1.28.0 Python/3.10.12 Linux/5.15.0-1041-aws Botocore/1.31.0",
	"python-requests/2.31.0"
};

/* eventVersion .. userAgent, the fields every event starts with. */
static void
gen_ev_head(struct jsonw *jw, const struct gen_session *s, int64_t t,
    const char *source, const char *name, const char *ip, const char *ua)
{
	jw_str(jw, "eventTime", gen_time(t));
	jw_str(jw, "eventSource", source);
	jw_str(jw, "eventName", name);
	jw_str(jw, "awsRegion", s->region);
	jw_str(jw, "sourceIPAddress", ip);
	jw_str(jw, "userAgent", ua);
}

static void
gen_ev_credentials(struct jsonw *jw, const struct gen_session *s, int64_t t,
    struct gen_rng *r)
{
	char token[GEN_TOKEN_LEN + 1], exp[40];

	memcpy(token, "IQoJb3JpZ2luX2Vj", 16);
	gen_alnum(r, token + 16, GEN_TOKEN_LEN - 16, 0);
	gen_time_aws(t + 6 * 3600, exp, sizeof exp);
	jw_obj_begin(jw, "responseElements");
	jw_obj_begin(jw, "credentials");
	jw_str(jw, "accessKeyId", s->key);
	jw_str(jw, "sessionToken", token);
	jw_str(jw, "expiration", exp);
	jw_obj_end(jw);
	jw_obj_end(jw);
}

/* EC2 obtaining the instance profile's credentials for the instance. */
void
gen_ev_assumerole(struct buf *b, const struct gen_session *s, int64_t t,
    struct gen_rng *r)
{
	struct jsonw jw;
	char arn[128], id[37];

	snprintf(arn, sizeof arn, "arn:aws:iam::%s:role/%s", s->account,
	    s->role);
	buf_reset(b);
	jw_begin(&jw, b);
	jw_str(&jw, "eventVersion", "1.08");
	jw_obj_begin(&jw, "userIdentity");
	jw_str(&jw, "type", "AWSService");
	jw_str(&jw, "invokedBy", "ec2.amazonaws.com");
	jw_obj_end(&jw);
	gen_ev_head(&jw, s, t, "sts.amazonaws.com", "AssumeRole",
	    "ec2.amazonaws.com", "ec2.amazonaws.com");
	jw_obj_begin(&jw, "requestParameters");
	jw_str(&jw, "roleArn", arn);
	jw_str(&jw, "roleSessionName", s->instance);
	jw_obj_end(&jw);
	gen_ev_credentials(&jw, s, t, r);
	gen_part_ids(&jw, r, 1);
	jw_arr_begin(&jw, "resources");
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "accountId", s->account);
	jw_str(&jw, "type", "AWS::IAM::Role");
	jw_str(&jw, "ARN", arn);
	jw_obj_end(&jw);
	jw_arr_end(&jw);
	gen_uuid(r, id);
	jw_str(&jw, "sharedEventID", id);
	gen_part_tail(&jw, s->account, 0, NULL, NULL);
	jw_end(&jw);
}

/* Auto Scaling launching a dual-stack instance: the response names its
 * private and IPv6 addresses (the public IPv4 one comes later), the
 * evidence a detector needs to accept its second address family. */
void
gen_ev_runinstances(struct buf *b, const struct gen_session *s, int64_t t,
    struct gen_rng *r)
{
	struct jsonw jw;
	char arn[128], eni[32];

	snprintf(arn, sizeof arn, "arn:aws:sts::%s:assumed-role/"
	    "AWSServiceRoleForAutoScaling/AutoScaling", s->account);
	snprintf(eni, sizeof eni, "eni-0%016llx",
	    (unsigned long long)gen_mix(s->idx ^ 0xe41));
	buf_reset(b);
	jw_begin(&jw, b);
	jw_str(&jw, "eventVersion", "1.08");
	jw_obj_begin(&jw, "userIdentity");
	jw_str(&jw, "type", "AssumedRole");
	jw_str(&jw, "arn", arn);
	jw_str(&jw, "accountId", s->account);
	jw_str(&jw, "invokedBy", "autoscaling.amazonaws.com");
	jw_obj_end(&jw);
	gen_ev_head(&jw, s, t, "ec2.amazonaws.com", "RunInstances",
	    "autoscaling.amazonaws.com", "autoscaling.amazonaws.com");
	jw_obj_begin(&jw, "requestParameters");
	jw_obj_begin(&jw, "instancesSet");
	jw_arr_begin(&jw, "items");
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "imageId", "ami-0example");
	jw_uint(&jw, "minCount", 1);
	jw_uint(&jw, "maxCount", 1);
	jw_obj_end(&jw);
	jw_arr_end(&jw);
	jw_obj_end(&jw);
	jw_obj_end(&jw);
	jw_obj_begin(&jw, "responseElements");
	jw_obj_begin(&jw, "instancesSet");
	jw_arr_begin(&jw, "items");
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "instanceId", s->instance);
	jw_str(&jw, "privateIpAddress", s->privip);
	jw_obj_begin(&jw, "networkInterfaceSet");
	jw_arr_begin(&jw, "items");
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "networkInterfaceId", eni);
	jw_str(&jw, "privateIpAddress", s->privip);
	jw_obj_begin(&jw, "ipv6AddressesSet");
	jw_arr_begin(&jw, "items");
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "ipv6Address", s->pubip);
	jw_obj_end(&jw);
	jw_arr_end(&jw);
	jw_obj_end(&jw);
	jw_obj_end(&jw);
	jw_arr_end(&jw);
	jw_obj_end(&jw);
	jw_obj_end(&jw);
	jw_arr_end(&jw);
	jw_obj_end(&jw);
	jw_obj_end(&jw);
	gen_part_ids(&jw, r, 0);
	gen_part_tail(&jw, s->account, 0, NULL, NULL);
	jw_end(&jw);
}

/* An Elastic IP associated with a dual-stack instance by its address:
 * the evidence for its public IPv4 address, which RunInstances does not
 * name. */
void
gen_ev_associate(struct buf *b, const struct gen_session *s, int64_t t,
    struct gen_rng *r)
{
	struct jsonw jw;
	char arn[128], assoc[40];

	snprintf(arn, sizeof arn, "arn:aws:iam::%s:user/ci-deployer",
	    s->account);
	snprintf(assoc, sizeof assoc, "eipassoc-0%016llx",
	    (unsigned long long)gen_mix(s->idx ^ 0xe1b));
	buf_reset(b);
	jw_begin(&jw, b);
	jw_str(&jw, "eventVersion", "1.08");
	jw_obj_begin(&jw, "userIdentity");
	jw_str(&jw, "type", "IAMUser");
	jw_str(&jw, "principalId", "AIDAEXAMPLECIDEPLOY");
	jw_str(&jw, "arn", arn);
	jw_str(&jw, "accountId", s->account);
	jw_str(&jw, "accessKeyId", "AKIAEXAMPLECIDEPLOY1");
	jw_str(&jw, "userName", "ci-deployer");
	jw_obj_end(&jw);
	gen_ev_head(&jw, s, t, "ec2.amazonaws.com", "AssociateAddress",
	    "81.2.69.160", "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 "
	    "exe/x86_64 prompt/off command/ec2.associate-address");
	jw_obj_begin(&jw, "requestParameters");
	jw_str(&jw, "instanceId", s->instance);
	jw_str(&jw, "publicIp", s->pubip4);
	jw_obj_end(&jw);
	jw_obj_begin(&jw, "responseElements");
	jw_str(&jw, "associationId", assoc);
	jw_bool(&jw, "_return", 1);
	jw_obj_end(&jw);
	gen_part_ids(&jw, r, 0);
	gen_part_tail(&jw, s->account, 0, NULL, NULL);
	jw_end(&jw);
}

/* A call with the session's key; via says where it comes from. */
void
gen_ev_call(struct buf *b, const struct gen_session *s, int64_t t,
    enum gen_via via, struct gen_rng *r)
{
	const struct gen_shape *sh = gen_shape_pick(r);
	const char *ip = s->pubip, *ua = s->ua, *by = NULL, *vpce = NULL;
	char host[192];
	struct jsonw jw;

	gen_shape_host(sh, s, host, sizeof host);
	if (via == GEN_VPCE) {
		ip = s->privip;
		vpce = s->vpce;
	} else if (via == GEN_SERVICE) {
		ip = ua = gen_rand(r) % 2 ? "athena.amazonaws.com" :
		    "AWS Internal";
		by = ip[0] == 'a' ? ip : NULL;
		host[0] = '\0';
	} else if (via == GEN_ATTACKER) {
		ip = s->attacker;
		ua = thief_agents[s->idx % 3];
	} else if (s->dual && s->launched && gen_rand(r) % 2)
		ip = s->pubip4;		/* dual stack: the IPv4 address */
	buf_reset(b);
	jw_begin(&jw, b);
	jw_str(&jw, "eventVersion", sh->data_event ? "1.09" : "1.08");
	gen_part_identity(&jw, s, by);
	gen_ev_head(&jw, s, t, sh->source, sh->name, ip, ua);
	sh->params(&jw, s, r);
	gen_part_ids(&jw, r, sh->readonly);
	if (sh->resources != NULL)
		sh->resources(&jw, s);
	gen_part_tail(&jw, s->account, sh->data_event,
	    host[0] != '\0' ? host : NULL, vpce);
	jw_end(&jw);
}

/* A Lambda function's role session or an IAM user, in stream's account:
 * not instance credentials, so never tracked. */
static void
gen_noise_session(struct gen_session *s, int stream, enum gen_who who,
    struct gen_rng *r)
{
	static const char *users[] = { "alice.ops", "bob.dev", "ci-deployer",
	    "carol.sec", "terraform" };
	static const char *fns[] = { "ingest", "resize", "notify", "etl" };
	struct gen_rng kr;
	unsigned k = (unsigned)(gen_rand(r) % 4);

	memset(s, 0, sizeof *s);
	s->who = who;
	s->stream = stream;
	s->idx = k;
	s->account = gen_account(stream);
	s->region = gen_region(stream);
	s->created = 1700000000;
	kr.s = gen_mix((uint64_t)stream * 16 + k + (who == GEN_USER ? 8 : 0));
	memcpy(s->key, who == GEN_USER ? "AKIA" : "ASIA", 4);
	gen_alnum(&kr, s->key + 4, 16, 1);
	memcpy(s->role_id, who == GEN_USER ? "AIDA" : "AROA", 4);
	gen_alnum(&kr, s->role_id + 4, 17, 1);
	snprintf(s->instance, sizeof s->instance, "i-0%016llx",
	    (unsigned long long)gen_rand(&kr));
	if (who == GEN_USER) {
		snprintf(s->name, sizeof s->name, "%s", users[k]);
		snprintf(s->role, sizeof s->role, "shared-ops-role");
	} else {
		snprintf(s->name, sizeof s->name, "fn-%s", fns[k]);
		snprintf(s->role, sizeof s->role, "fn-%s-role", fns[k]);
	}
}

/* A service's own call (CloudTrail encrypting its log files). */
static void
gen_ev_service(struct buf *b, int stream, int64_t t, struct gen_rng *r)
{
	struct gen_session s;
	struct jsonw jw;

	gen_noise_session(&s, stream, GEN_USER, r);
	buf_reset(b);
	jw_begin(&jw, b);
	jw_str(&jw, "eventVersion", "1.08");
	jw_obj_begin(&jw, "userIdentity");
	jw_str(&jw, "type", "AWSService");
	jw_str(&jw, "invokedBy", "cloudtrail.amazonaws.com");
	jw_obj_end(&jw);
	gen_ev_head(&jw, &s, t, "kms.amazonaws.com", "GenerateDataKey",
	    "cloudtrail.amazonaws.com", "cloudtrail.amazonaws.com");
	jw_obj_begin(&jw, "requestParameters");
	jw_str(&jw, "keySpec", "AES_256");
	jw_obj_end(&jw);
	jw_null(&jw, "responseElements");
	gen_part_ids(&jw, r, 1);
	gen_part_tail(&jw, s.account, 0, NULL, NULL);
	jw_end(&jw);
}

/* Noise: Lambda sessions (a new address per call), people, services. */
void
gen_ev_noise(struct buf *b, int stream, int64_t t, struct gen_rng *r)
{
	struct gen_session s;
	uint64_t k = gen_rand(r) % 10, h = gen_rand(r);

	if (k < 3) {
		gen_ev_service(b, stream, t, r);
		return;
	}
	gen_noise_session(&s, stream, k < 7 ? GEN_LAMBDA : GEN_USER, r);
	if (s.who == GEN_LAMBDA) {
		snprintf(s.pubip, sizeof s.pubip, "3.%u.%u.%u",
		    (unsigned)(h & 0xff), (unsigned)(h >> 8) & 0xff,
		    1 + (unsigned)(h >> 16) % 254);
		s.ua = "aws-sdk-nodejs/2.1467.0 linux/v18.18.2 "
		    "exec-env/AWS_Lambda_nodejs18.x";
	} else {
		snprintf(s.pubip, sizeof s.pubip, "81.2.69.%u",
		    1 + (unsigned)(s.idx * 37 % 254));
		s.ua = "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 "
		    "exe/x86_64 prompt/off command/ec2.describe-instances";
	}
	gen_ev_call(b, &s, t, GEN_LEGIT, r);
}
