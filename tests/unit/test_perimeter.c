/* Unit tests for the perimeter compiler's parts: what it learns from
 * RunInstances and CreateVpcEndpoint, the verdict of every kind of call,
 * the event-source names, and the size limits of the compiled policies. */
#include "config.h"
#include <string.h>

#include "detect/perimeter_replay.h"
#include "tap.h"

#define ARN(role, inst) "arn:aws:sts::111122223333:assumed-role/" role "/" inst
#define INST "i-0aaa000000000000a"
#define VPC "vpc-0a11aa11aa11aa11a"

static void
pm_set(struct ct_str *s, const char *v)
{
	s->p = v;
	s->n = v != NULL ? strlen(v) : 0;
}

/* A call with instance credentials: arn, source, address, endpoint. */
static struct ct_event
pm_call(const char *arn, const char *source, const char *ip, const char *vpce)
{
	static int n;
	static char ids[64][16];
	struct ct_event ev;

	memset(&ev, 0, sizeof ev);
	snprintf(ids[n % 64], sizeof ids[0], "ev-%04d", n);
	pm_set(&ev.f[CT_EVENTID], ids[n++ % 64]);
	pm_set(&ev.f[CT_NAME], "GetObject");
	pm_set(&ev.f[CT_UI_ARN], arn);
	pm_set(&ev.f[CT_SOURCE], source);
	pm_set(&ev.f[CT_SRCIP], ip);
	pm_set(&ev.f[CT_VPCE], vpce);
	pm_set(&ev.f[CT_REGION], "eu-west-3");
	return ev;
}

static void
pm_ec2(struct perimeter *p, const char *name, const char *vpc, const char *id,
       const char **ips, int nips, int ninst)
{
	struct ct_event ev;
	int i;

	memset(&ev, 0, sizeof ev);
	pm_set(&ev.f[CT_NAME], name);
	pm_set(&ev.f[CT_SOURCE], "ec2.amazonaws.com");
	pm_set(&ev.f[CT_VPCID], vpc);
	pm_set(&ev.f[CT_RECIPIENT], "111122223333");
	if (strcmp(name, "CreateVpcEndpoint") == 0) {
		pm_set(&ev.f[CT_EP_ID], id);
		pm_set(&ev.f[CT_EP_SVC], "com.amazonaws.eu-west-3.s3");
	}
	for (i = 0; i < ninst; i++)
		pm_set(&ev.instances[ev.ninstances++], id);
	for (i = 0; i < nips; i++)
		pm_set(&ev.ips[ev.nips++], ips[i]);
	perimeter_observe(p, &ev, 0);
}

static void
test_learn(void)
{
	const char *ips[] = {"10.0.1.10", "10.0.1.10", "15.188.1.10",
	                     "10.0.1.10"};
	struct perimeter p;
	const struct pm_inst *in;

	perimeter_init(&p);
	pm_ec2(&p, "RunInstances", VPC, "i-0AAA000000000000A", ips, 4, 1);
	in = perimeter_inst_find(&p, INST);
	ok(in != NULL, "RunInstances names the instance (lower case)");
	is_str(in ? in->vpc : NULL, VPC, "its VPC");
	is_int(in ? in->nips : -1, 1, "its private IPv4, once");
	ok(in && in->complete, "the launch list holds the primary");
	pm_ec2(&p, "RunInstances", "vpc-0b", "i-0bbb000000000000b", ips, 4, 2);
	in = perimeter_inst_find(&p, "i-0bbb000000000000b");
	is_int(in ? in->nips : -1, 0, "several launched: no addresses");
	pm_ec2(&p, "CreateVpcEndpoint", VPC, "vpce-0a1", NULL, 0, 0);
	is_str(perimeter_ep_vpc(&p, "vpce-0a1"), VPC, "CreateVpcEndpoint: VPC");
	pm_ec2(&p, "CreateVpcEndpoint", "not-a-vpc", "vpce-0a2", NULL, 0, 0);
	ok(perimeter_ep_find(&p, "vpce-0a2") == NULL,
	   "a malformed VPC id: nothing learnt");
	is_str(perimeter_inst_vpc(&p, "i-0ccc000000000000c"), NULL,
	       "an instance never named: NULL");
	perimeter_free(&p);
}

struct pm_case {
	const char *what, *arn, *source, *ip, *vpce;
	enum pm_verdict v;
	enum pm_why why;
};

static const struct pm_case pm_cases[] = {
    {"public endpoint", ARN("app", INST), "s3.amazonaws.com", "15.188.1.10",
     NULL, PV_PUBLIC, PW_NONE},
    {"own VPC, primary address", ARN("app", INST), "s3.amazonaws.com",
     "10.0.1.10", "vpce-0a1", PV_ALLOWED, PW_NONE},
    {"own VPC, another address", ARN("app", INST), "s3.amazonaws.com",
     "10.0.1.99", "vpce-0a1", PV_OTHER_IP, PW_NONE},
    {"own VPC, IPv6", ARN("app", INST), "s3.amazonaws.com", "2600:1f18::5",
     "vpce-0a1", PV_OTHER_IP, PW_NONE},
    {"another VPC's endpoint", ARN("app", INST), "s3.amazonaws.com", "10.9.0.5",
     "vpce-0e1", PV_OTHER_VPC, PW_NONE},
    {"an endpoint never named", ARN("app", INST), "s3.amazonaws.com",
     "10.0.1.10", "vpce-0ff", PV_UNKNOWN, PW_EP_VPC},
    {"an instance never named", ARN("app", "i-0ccc000000000000c"),
     "s3.amazonaws.com", "10.0.1.10", "vpce-0a1", PV_UNKNOWN, PW_INST_VPC},
    {"a private source without endpoint", ARN("app", INST), "s3.amazonaws.com",
     "10.0.1.10", NULL, PV_UNKNOWN, PW_NO_ENDPOINT},
    {"ec2-infrastructure", ARN("aws:ec2-infrastructure", INST),
     "kms.amazonaws.com", "ec2.amazonaws.com", NULL, PV_INFRA, PW_NONE},
    {"a service for the caller", ARN("app", INST), "s3.amazonaws.com",
     "AWS Internal", NULL, PV_VIA, PW_NONE},
    {"identity credentials", ARN("aws:ec2-instance", INST), "ec2.amazonaws.com",
     "15.188.1.10", NULL, PV_UNKNOWN, PW_IDENTITY},
};
#define PM_NCASES (sizeof pm_cases / sizeof pm_cases[0])

static void
test_decide(void)
{
	const char *ips[] = {"10.0.1.10"};
	struct findings fs;
	struct perimeter p;
	struct ct_event ev;
	size_t i, k;

	perimeter_init(&p);
	memset(&fs, 0, sizeof fs);
	pm_ec2(&p, "RunInstances", VPC, INST, ips, 1, 1);
	pm_ec2(&p, "CreateVpcEndpoint", VPC, "vpce-0a1", NULL, 0, 0);
	pm_ec2(&p, "CreateVpcEndpoint", "vpc-0e", "vpce-0e1", NULL, 0, 0);
	for (i = 0; i < PM_NCASES; i++) {
		ev = pm_call(pm_cases[i].arn, pm_cases[i].source,
		             pm_cases[i].ip, pm_cases[i].vpce);
		perimeter_observe(&p, &ev, (int64_t)i);
	}
	ev = pm_call("arn:aws:iam::111122223333:user/admin", "s3.amazonaws.com",
	             "15.188.1.10", NULL);
	perimeter_observe(&p, &ev, 0);
	is_int(p.ng, PM_NCASES,
	       "one group per case; an IAM user's call is none");
	perimeter_decide(&p, &fs);
	for (i = 0; i < PM_NCASES; i++) {
		const struct pm_group *g = NULL;
		for (k = 0; k < p.ng; k++)
			if (p.gv[k]->t == (int64_t)i)
				g = p.gv[k];
		ok(g != NULL && g->verdict == pm_cases[i].v &&
		       g->why == pm_cases[i].why,
		   "%s: %s", pm_cases[i].what,
		   g ? perimeter_verdict_name(g->verdict) : "(none)");
	}
	perimeter_free(&p);
}

static void
test_names(void)
{
	const char *type;
	char s[160];

	ok(perimeter_svc_action("s3.amazonaws.com", s, sizeof s) == 0 &&
	       strcmp(s, "s3:*") == 0,
	   "s3.amazonaws.com: s3:*");
	ok(perimeter_svc_action("monitoring.amazonaws.com", s, sizeof s) == 0 &&
	       strcmp(s, "cloudwatch:*") == 0,
	   "monitoring.amazonaws.com: cloudwatch:*");
	ok(perimeter_svc_action("evil\".amazonaws.com", s, sizeof s) != 0,
	   "a source that is no service name: no action");
	ok(perimeter_svc_action("s3.example.com", s, sizeof s) != 0,
	   "not NAME.amazonaws.com: no action");
	ok(perimeter_svc_endpoint("s3.amazonaws.com", "eu-west-3", s, sizeof s,
	                          &type) == 0 &&
	       strcmp(s, "com.amazonaws.eu-west-3.s3") == 0 &&
	       strcmp(type, "Gateway") == 0,
	   "S3: a gateway endpoint");
	ok(perimeter_svc_endpoint("sts.amazonaws.com", "eu-west-3", s, sizeof s,
	                          &type) == 0 &&
	       strcmp(s, "com.amazonaws.eu-west-3.sts") == 0 &&
	       strcmp(type, "Interface") == 0,
	   "STS: an interface endpoint");
	ok(perimeter_svc_endpoint("iam.amazonaws.com", "eu-west-3", s, sizeof s,
	                          &type) == 0 &&
	       strcmp(s, "com.amazonaws.iam") == 0,
	   "IAM: the global name");
	ok(perimeter_svc_endpoint("signin.amazonaws.com", "eu-west-3", s,
	                          sizeof s, &type) != 0,
	   "console sign-in: no endpoint");
}

/* Whatever the number of exemptions, every document is within its limit
 * and the exemptions kept are the most-called ones. */
static void
test_sizes(void)
{
	static const size_t counts[] = {0, 1, 50, 350, 420, 600, 2000};
	struct pm_exempt ex[2000];
	struct pm_account a;
	size_t c, i, kept;
	int d, within, prefix;

	for (i = 0; i < 2000; i++) {
		memset(&ex[i], 0, sizeof ex[i]);
		snprintf(ex[i].action, sizeof ex[i].action, "svc%04zu:*", i);
		ex[i].service = "x.amazonaws.com";
		ex[i].calls = 2000 - i;
	}
	for (c = 0; c < sizeof counts / sizeof counts[0]; c++) {
		memset(&a, 0, sizeof a);
		a.id = "111122223333";
		a.partition = "aws";
		a.ex = ex;
		a.nex = counts[c];
		for (i = 0; i < a.nex; i++)
			ex[i].kept = 1;
		perimeter_policy(&a);
		within = 1;
		for (d = 0; d < a.nscp; d++)
			within &= a.scp[d].size <= PM_SCP_MAX &&
			          strlen(a.scp[d].text) == a.scp[d].size;
		for (d = 0; d < a.nrole; d++)
			within &= a.role[d].size <= PM_ROLE_MAX;
		for (i = 0, kept = 0, prefix = 1; i < a.nex; i++) {
			prefix &= !(i > 0 && ex[i].kept && !ex[i - 1].kept);
			kept += ex[i].kept ? 1 : 0;
		}
		ok(within,
		   "%zu exemptions: %d SCP, %d role documents within "
		   "their limits",
		   counts[c], a.nscp, a.nrole);
		is_int(a.nscp, counts[c] < 350 ? 1 : 2,
		       "%zu exemptions: split only when too large", counts[c]);
		ok(prefix, "%zu exemptions: the %zu kept are the most-called",
		   counts[c], kept);
		/* Left out only what had to be: one more would not fit. */
		ok(kept == a.nex ||
		       (kept > 0 &&
		        a.scp[0].size + strlen(ex[kept].action) + 3 >
		            PM_SCP_MAX),
		   "%zu exemptions: none left out that would fit", counts[c]);
		for (d = 0; d < a.nscp; d++)
			free(a.scp[d].text);
		for (d = 0; d < a.nrole; d++)
			free(a.role[d].text);
	}
}

int
main(void)
{
	test_learn();
	test_decide();
	test_names();
	test_sizes();
	return tap_done();
}
