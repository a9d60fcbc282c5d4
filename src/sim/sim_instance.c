/* One simulated instance: its metadata tree and JSON documents, built
 * from the configuration. Values that rotate (credentials) are marked by
 * kind and rendered per request in sim.c. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"
#include "common/xmalloc.h"

/* Add "prefix/name" = text. */
static void
sim_instance_leaf(struct sim_node *root, const char *prefix, const char *name,
                  const char *text)
{
	struct buf p;

	buf_init(&p);
	buf_addf(&p, "%s/%s", prefix, name);
	sim_tree_add(root, p.data, SIM_TEXT, text);
	buf_free(&p);
}

/* network/interfaces/macs/MAC/...; the addresses belong to the first
 * interface (device-number 0). */
static void
sim_instance_mac(struct sim_node *root, const struct sim_conf *c, int i)
{
	struct buf d, v;

	buf_init(&d);
	buf_init(&v);
	buf_addf(&d, "meta-data/network/interfaces/macs/%s", c->macs[i]);
	buf_addf(&v, "%d", i);
	sim_instance_leaf(root, d.data, "device-number", v.data);
	buf_reset(&v);
	buf_addf(&v, "eni-0%015x", (unsigned)(0xabc000 + i));
	sim_instance_leaf(root, d.data, "interface-id", v.data);
	sim_instance_leaf(root, d.data, "mac", c->macs[i]);
	sim_instance_leaf(root, d.data, "owner-id", c->account);
	sim_instance_leaf(root, d.data, "vpc-id", c->vpc_id);
	sim_instance_leaf(root, d.data, "subnet-id", c->subnet_id);
	sim_instance_leaf(root, d.data, "security-group-ids",
	                  "sg-0123456789abcdef0");
	sim_instance_leaf(root, d.data, "security-groups", "default");
	sim_instance_leaf(root, d.data, "vpc-ipv4-cidr-block", "172.31.0.0/16");
	if (i == 0) {
		sim_instance_leaf(root, d.data, "local-ipv4s", c->private_ipv4);
		if (*c->public_ipv4 != '\0')
			sim_instance_leaf(root, d.data, "public-ipv4s",
			                  c->public_ipv4);
		if (*c->ipv6 != '\0')
			sim_instance_leaf(root, d.data, "ipv6s", c->ipv6);
	}
	buf_free(&d);
	buf_free(&v);
}

static void
sim_instance_iam(struct sim_node *root, const struct sim_conf *c)
{
	struct sim_json j;
	struct buf p;

	buf_init(&p);
	buf_addf(&p, "meta-data/iam/security-credentials/%s", c->role);
	sim_tree_add(root, p.data, SIM_ROLE_CREDS, NULL);
	sim_tree_add(root, "meta-data/iam/info", SIM_IAM_INFO, NULL);
	sim_tree_add(root,
	             "meta-data/identity-credentials/ec2/"
	             "security-credentials/ec2-instance",
	             SIM_EC2_CREDS, NULL);
	/* ec2/info names the account, as on EC2. */
	buf_reset(&p);
	sim_json_begin(&j, &p);
	sim_json_str(&j, "Code", "Success");
	sim_json_str(&j, "LastUpdated", "2026-01-01T00:00:00Z");
	sim_json_str(&j, "AccountId", c->account);
	sim_json_end(&j);
	sim_tree_add(root, "meta-data/identity-credentials/ec2/info", SIM_TEXT,
	             p.data);
	buf_free(&p);
}

/* "ip-172-31-16-10.ec2.internal", as EC2 names hosts. */
static void
sim_instance_hostname(const struct sim_conf *c, struct buf *b)
{
	const char *p;

	buf_addstr(b, "ip-");
	for (p = c->private_ipv4; *p != '\0'; p++)
		buf_addc(b, *p == '.' ? '-' : *p);
	if (strcmp(c->region, "us-east-1") == 0)
		buf_addstr(b, ".ec2.internal");
	else
		buf_addf(b, ".%s.compute.internal", c->region);
}

static void
sim_instance_meta(struct sim_node *root, const struct sim_conf *c)
{
	const char *m = "meta-data";
	struct buf v;

	buf_init(&v);
	sim_instance_leaf(root, m, "ami-id", "ami-0abcdef1234567890");
	sim_instance_leaf(root, m, "ami-launch-index", "0");
	sim_instance_leaf(root, m, "instance-id", c->instance_id);
	sim_instance_leaf(root, m, "instance-type", "t3.micro");
	sim_instance_leaf(root, m, "local-ipv4", c->private_ipv4);
	sim_instance_hostname(c, &v);
	sim_instance_leaf(root, m, "local-hostname", v.data);
	sim_instance_leaf(root, m, "hostname", v.data);
	if (*c->public_ipv4 != '\0')
		sim_instance_leaf(root, m, "public-ipv4", c->public_ipv4);
	if (*c->ipv6 != '\0')
		sim_instance_leaf(root, m, "ipv6", c->ipv6);
	sim_instance_leaf(root, m, "mac", c->macs[0]);
	buf_reset(&v);
	buf_addf(&v, "%sa", c->region);
	sim_instance_leaf(root, m, "placement/availability-zone", v.data);
	sim_instance_leaf(root, m, "placement/region", c->region);
	sim_instance_leaf(root, m, "security-groups", "default");
	sim_instance_leaf(root, m, "reservation-id", "r-0123456789abcdef0");
	sim_instance_leaf(root, m, "services/domain", "amazonaws.com");
	sim_instance_leaf(root, m, "services/partition", "aws");
	/* IMDS lists a key pair as "0=name" but serves it at "0/". */
	sim_tree_add(root, "meta-data/public-keys/0", SIM_DIR, NULL)->label =
	    xstrdup("0=imdsgate-sim");
	sim_instance_leaf(
	    root, m, "public-keys/0/openssh-key",
	    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIImdsgateSimulatorTestKey0000"
	    "000000000000 imdsgate-sim");
	buf_free(&v);
}

struct sim_node *
sim_instance_tree(const struct sim_conf *c)
{
	struct sim_node *root = sim_tree_new();
	int i;

	sim_instance_meta(root, c);
	sim_instance_iam(root, c);
	for (i = 0; i < c->nmacs; i++)
		sim_instance_mac(root, c, i);
	sim_tree_add(root, "dynamic/instance-identity/document",
	             SIM_IDENTITY_DOC, NULL);
	if (c->user_data != NULL)
		sim_tree_add(root, "user-data", SIM_TEXT, c->user_data);
	return root;
}

/* meta-data/iam/info. */
void
sim_instance_iam_info(const struct sim_conf *c, time_t updated, struct buf *b)
{
	struct sim_json j;
	struct buf arn;
	struct tm tm;
	char upd[32];

	buf_init(&arn);
	buf_addf(&arn, "arn:aws:iam::%s:instance-profile/%s", c->account,
	         c->role);
	gmtime_r(&updated, &tm);
	strftime(upd, sizeof upd, "%Y-%m-%dT%H:%M:%SZ", &tm);
	sim_json_begin(&j, b);
	sim_json_str(&j, "Code", "Success");
	sim_json_str(&j, "LastUpdated", upd);
	sim_json_str(&j, "InstanceProfileArn", arn.data);
	sim_json_str(&j, "InstanceProfileId", "AIPAIMDSGATESIMULATOR");
	sim_json_end(&j);
	buf_free(&arn);
}

/* dynamic/instance-identity/document. */
void
sim_instance_document(const struct sim_conf *c, struct buf *b)
{
	struct sim_json j;
	struct buf az;

	buf_init(&az);
	buf_addf(&az, "%sa", c->region);
	sim_json_begin(&j, b);
	sim_json_str(&j, "accountId", c->account);
	sim_json_str(&j, "architecture", "x86_64");
	sim_json_str(&j, "availabilityZone", az.data);
	sim_json_null(&j, "billingProducts");
	sim_json_null(&j, "devpayProductCodes");
	sim_json_null(&j, "marketplaceProductCodes");
	sim_json_str(&j, "imageId", "ami-0abcdef1234567890");
	sim_json_str(&j, "instanceId", c->instance_id);
	sim_json_str(&j, "instanceType", "t3.micro");
	sim_json_null(&j, "kernelId");
	sim_json_str(&j, "pendingTime", "2026-01-01T00:00:00Z");
	sim_json_str(&j, "privateIp", c->private_ipv4);
	sim_json_null(&j, "ramdiskId");
	sim_json_str(&j, "region", c->region);
	sim_json_str(&j, "version", "2017-09-30");
	sim_json_end(&j);
	buf_free(&az);
}
