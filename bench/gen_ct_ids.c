/* Deterministic identities for gen-cloudtrail: every name, key and address
 * of a session comes from a hash of its index and the seed, so nothing but
 * the index has to be remembered while the corpus is written. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gen_ct.h"

static const char *accounts[GEN_NACCOUNTS] = {
	"204881930451", "317266029384", "590013848216", "771245160932"
};
static const char *regions[GEN_NREGIONS] = { "us-east-1", "eu-west-1" };

static const char *apps[] = {
	"web", "api", "batch", "etl", "worker", "ingest", "reports", "search",
	"billing", "cache", "ml-train", "backup", "cron", "gateway", "auth",
	"notify"
};
#define NAPPS (sizeof apps / sizeof apps[0])

/* Agents of the SDKs and tools that run on instances. */
static const char *agents[] = {
	"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 "
	    "exe/x86_64.amzn.2023 prompt/off command/s3.cp",
	"Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.79-99.164."
	    "amzn2023.x86_64 md/arch#x86_64 lang/python#3.9.16 md/pyimpl#CPython "
	    "cfg/retry-mode#legacy Botocore/1.34.69",
	"aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux "
	    "md/GOARCH#amd64 api/s3#1.51.4",
	"aws-sdk-java/2.25.11 Linux/6.1.79-99.164.amzn2023.x86_64 "
	    "OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 "
	    "vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
	"aws-sdk-js/3.540.0 ua/2.0 os/linux#6.1.79 lang/js md/nodejs#20.11.1 "
	    "api/sqs#3.540.0"
};
#define NAGENTS (sizeof agents / sizeof agents[0])

/* Public prefixes of EC2 (first octets of ranges in ip-ranges.json). */
static const int ec2_octets[] = { 3, 18, 52, 54 };

/* Where stolen keys are used from: hosting providers outside AWS. */
static const char *foreign[] = {
	"185.220.101", "45.137.21", "91.219.236", "103.75.201", "194.165.16"
};
#define NFOREIGN (sizeof foreign / sizeof foreign[0])

/* splitmix64's finaliser: a bijective mix of 64 bits. */
uint64_t
gen_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
gen_rand(struct gen_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return gen_mix(r->s);
}

/* Uniform in [0, 1) with 53 bits. */
double
gen_unit(struct gen_rng *r)
{
	return (double)(gen_rand(r) >> 11) * 0x1.0p-53;
}

/* A version 4 UUID, lower case, as CloudTrail's eventID. */
void
gen_uuid(struct gen_rng *r, char out[37])
{
	uint64_t a = gen_rand(r), b = gen_rand(r);

	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

/* n characters of [A-Z0-9] (or [A-Za-z0-9]) and a NUL. */
void
gen_alnum(struct gen_rng *r, char *out, size_t n, int upper_only)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz01890189";
	size_t i;
	uint64_t v = 0;

	for (i = 0; i < n; i++) {
		if (i % 10 == 0)
			v = gen_rand(r);
		out[i] = set[upper_only ? (v & 31) : (v & 63)];
		v >>= 6;
	}
	out[n] = '\0';
}

const char *
gen_account(int stream)
{
	return accounts[stream % GEN_NACCOUNTS];
}

const char *
gen_region(int stream)
{
	return regions[(stream / GEN_NACCOUNTS) % GEN_NREGIONS];
}

/* Names and keys: the role is shared by many instances of one app. */
static void
gen_session_names(struct gen_session *s, struct gen_rng *r, uint64_t seed)
{
	struct gen_rng rr;
	uint64_t app = gen_rand(r) % (NAPPS * 3);

	snprintf(s->role, sizeof s->role, "%s-%s-role",
	    apps[app % NAPPS], app < NAPPS ? "prod" : app < 2 * NAPPS ?
	    "staging" : "dev");
	rr.s = seed ^ (app * 0x51ed27u) ^ (uint64_t)s->stream;
	memcpy(s->role_id, "AROA", 4);
	gen_alnum(&rr, s->role_id + 4, 17, 1);
	snprintf(s->instance, sizeof s->instance, "i-0%016llx",
	    (unsigned long long)gen_rand(r));
	memcpy(s->name, s->instance, sizeof s->instance);
	memcpy(s->key, "ASIA", 4);
	gen_alnum(r, s->key + 4, 16, 1);
	s->ua = agents[gen_rand(r) % NAGENTS];
}

/* Where stolen keys are used from: a hosting provider's address, in the
 * same family as the instance's (a detector locks IPv4 and IPv6 apart,
 * since a dual-stack instance uses both), or another AWS customer's. */
static void
gen_session_thief(struct gen_session *s, uint64_t a, int v6)
{
	if (v6)
		snprintf(s->attacker, sizeof s->attacker, "2a0b:f4c2:2::%x",
		    1 + (unsigned)(a >> 8) % 0xfffe);
	else if (a % 4 == 0)
		snprintf(s->attacker, sizeof s->attacker, "35.180.%u.%u",
		    (unsigned)(a >> 8) & 0xff, 1 + (unsigned)(a >> 20) % 254);
	else
		snprintf(s->attacker, sizeof s->attacker, "%s.%u",
		    foreign[(a >> 4) % NFOREIGN], 1 + (unsigned)(a >> 28) % 254);
}

/* Addresses: a public IPv4 address of EC2 (one in 20 instances is dual
 * stack and calls over IPv6 too), a private one for VPC endpoint
 * traffic, and the thief's. */
static void
gen_session_addrs(struct gen_session *s, struct gen_rng *r)
{
	uint64_t h = gen_rand(r), a = gen_rand(r);
	int v6 = h % 20 == 0;

	snprintf(s->pubip4, sizeof s->pubip4, "%d.%u.%u.%u",
	    ec2_octets[(h >> 5) % 4], (unsigned)(h >> 8) & 0xff,
	    (unsigned)(h >> 16) & 0xff, 1 + (unsigned)(h >> 24) % 254);
	s->dual = v6;
	if (v6)
		snprintf(s->pubip, sizeof s->pubip, "2600:1f18:%x:%x:%x:%x:%x:%x",
		    (unsigned)(h >> 8) & 0xffff, (unsigned)(h >> 24) & 0xffff,
		    (unsigned)(h >> 40) & 0xffff, (unsigned)(a & 0xffff),
		    (unsigned)(a >> 16) & 0xffff, (unsigned)(a >> 32) & 0xffff);
	else
		memcpy(s->pubip, s->pubip4, sizeof s->pubip4);
	snprintf(s->privip, sizeof s->privip, "10.%u.%u.%u",
	    (unsigned)(a >> 40) & 0xff, (unsigned)(a >> 48) & 0xff,
	    1 + (unsigned)(a >> 56) % 254);
	snprintf(s->vpce, sizeof s->vpce, "vpce-%017llx",
	    (unsigned long long)(gen_mix(h) & 0xfffffffffffffULL));
	gen_session_thief(s, a, v6);
}

/* Everything about session idx, the same for every event of it. */
void
gen_session(const struct gen_opts *o, uint64_t idx, int64_t created,
    struct gen_session *s)
{
	struct gen_rng r = { gen_mix(o->seed ^ (idx * 0x2545f4914f6cdd1dULL)) };

	s->idx = idx;
	s->who = GEN_INSTANCE;
	s->stream = (int)(idx % GEN_NSTREAMS);
	s->account = gen_account(s->stream);
	s->region = gen_region(s->stream);
	s->created = created;
	s->launched = created >= o->start && !o->nolaunch;
	s->compromised = gen_mix(r.s ^ 0xc0ffee) % 1000000 < o->exfil_ppm;
	gen_session_names(s, &r, o->seed);
	gen_session_addrs(s, &r);
}
