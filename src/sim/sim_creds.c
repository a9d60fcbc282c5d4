/* Rotating credentials. EC2 hands out a new key at least five minutes
 * before the old one expires; we keep that shape at any lifetime so a
 * test with an 8-second lifetime sees the same overlap, scaled down. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"

/* How long before expiry the next key appears: a quarter of the
 * lifetime, and never less than 5 minutes (or half of a short one). */
int
sim_creds_margin(int lifetime)
{
	int m = lifetime / 4, floor = lifetime / 2 < 300 ? lifetime / 2 : 300;

	if (m < floor)
		m = floor;
	return m < 1 ? 1 : m;
}

static void
sim_creds_issue(struct sim_creds *c, time_t now)
{
	struct sim_cred *k = &c->cur;

	if (c->generation > 0)
		c->prev = c->cur;
	memcpy(k->akid, "ASIA", 4);
	sim_rand_str(k->akid + 4, 16, SIM_ALNUM_UPPER);
	sim_rand_str(k->secret, 40, SIM_B64);
	/* Session tokens start like STS's and are long and opaque. */
	memcpy(k->token, "IQoJb3JpZ2luX2VjE", 17);
	sim_rand_str(k->token + 17, sizeof k->token - 18, SIM_B64);
	k->issued = now;
	k->expires = now + c->lifetime;
	c->next = k->expires - sim_creds_margin(c->lifetime);
	c->generation++;
}

void
sim_creds_init(struct sim_creds *c, int lifetime, time_t now)
{
	memset(c, 0, sizeof *c);
	c->lifetime = lifetime;
	sim_creds_issue(c, now);
}

int
sim_creds_tick(struct sim_creds *c, time_t now)
{
	if (now < c->next)
		return 0;
	sim_creds_issue(c, now);
	return 1;
}

static void
sim_creds_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The document IMDS serves at iam/security-credentials/ROLE. */
void
sim_creds_json(const struct sim_cred *k, struct buf *b)
{
	struct sim_json j;
	char upd[32], exp[32];

	sim_creds_time(k->issued, upd, sizeof upd);
	sim_creds_time(k->expires, exp, sizeof exp);
	sim_json_begin(&j, b);
	sim_json_str(&j, "Code", "Success");
	sim_json_str(&j, "LastUpdated", upd);
	sim_json_str(&j, "Type", "AWS-HMAC");
	sim_json_str(&j, "AccessKeyId", k->akid);
	sim_json_str(&j, "SecretAccessKey", k->secret);
	sim_json_str(&j, "Token", k->token);
	sim_json_str(&j, "Expiration", exp);
	sim_json_end(&j);
}

/* "ASIA" and 16 upper-case letters or digits. */
int
sim_creds_akid_ok(const char *akid)
{
	size_t i;

	if (strlen(akid) != 20 || strncmp(akid, "ASIA", 4) != 0)
		return 0;
	for (i = 4; i < 20; i++)
		if (!isdigit((unsigned char)akid[i]) &&
		    !isupper((unsigned char)akid[i]))
			return 0;
	return 1;
}
