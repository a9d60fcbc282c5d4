/* The API calls generated sessions make, with the parameters, response
 * fields and resources CloudTrail records for each, so events have the
 * size and nesting of real ones (1 to 2 KB). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gen_ct.h"

/* The app's bucket: the role name without "-role", then the account. */
static void
gen_bucket(const struct gen_session *s, char *out, size_t n)
{
	size_t len = strlen(s->role);

	if (len > 5)
		len -= 5;
	snprintf(out, n, "%.*s-data-%s", (int)len, s->role, s->account);
}

static void
gen_s3_key(const struct gen_session *s, char *out, size_t n)
{
	snprintf(out, n, "data/%s/part-%05u.parquet", s->instance,
	    (unsigned)(s->idx % 100000));
}

/* GetObject and PutObject: bucket, key, transfer details. */
static void
gen_p_s3(struct jsonw *jw, const struct gen_session *s, struct gen_rng *r)
{
	char bucket[96], host[160], key[96], id2[77];

	gen_bucket(s, bucket, sizeof bucket);
	snprintf(host, sizeof host, "%s.s3.%s.amazonaws.com", bucket,
	    s->region);
	gen_s3_key(s, key, sizeof key);
	jw_obj_begin(jw, "requestParameters");
	jw_str(jw, "bucketName", bucket);
	jw_str(jw, "Host", host);
	jw_str(jw, "key", key);
	jw_obj_end(jw);
	jw_null(jw, "responseElements");
	jw_obj_begin(jw, "additionalEventData");
	jw_str(jw, "SignatureVersion", "SigV4");
	jw_str(jw, "CipherSuite", "TLS_AES_128_GCM_SHA256");
	jw_uint(jw, "bytesTransferredIn", gen_rand(r) % 2 ? 0 : 4096);
	jw_str(jw, "AuthenticationMethod", "AuthHeader");
	gen_alnum(r, id2, 76, 0);
	jw_str(jw, "x-amz-id-2", id2);
	jw_uint(jw, "bytesTransferredOut", gen_rand(r) % 10485760);
	jw_obj_end(jw);
}

static void
gen_r_s3(struct jsonw *jw, const struct gen_session *s)
{
	char bucket[96], key[96], arn[256];

	gen_bucket(s, bucket, sizeof bucket);
	gen_s3_key(s, key, sizeof key);
	jw_arr_begin(jw, "resources");
	jw_obj_begin(jw, NULL);
	jw_str(jw, "type", "AWS::S3::Object");
	snprintf(arn, sizeof arn, "arn:aws:s3:::%s/%s", bucket, key);
	jw_str(jw, "ARN", arn);
	jw_obj_end(jw);
	jw_obj_begin(jw, NULL);
	jw_str(jw, "accountId", s->account);
	jw_str(jw, "type", "AWS::S3::Bucket");
	snprintf(arn, sizeof arn, "arn:aws:s3:::%s", bucket);
	jw_str(jw, "ARN", arn);
	jw_obj_end(jw);
	jw_arr_end(jw);
}

static void
gen_p_ec2(struct jsonw *jw, const struct gen_session *s, struct gen_rng *r)
{
	jw_obj_begin(jw, "requestParameters");
	jw_obj_begin(jw, "instancesSet");
	jw_arr_begin(jw, "items");
	jw_obj_begin(jw, NULL);
	jw_str(jw, "instanceId", s->instance);
	jw_obj_end(jw);
	jw_arr_end(jw);
	jw_obj_end(jw);
	jw_obj_begin(jw, "filterSet");
	jw_obj_end(jw);
	jw_obj_end(jw);
	jw_null(jw, "responseElements");
}

static void
gen_p_ssm(struct jsonw *jw, const struct gen_session *s, struct gen_rng *r)
{
	char name[96];

	snprintf(name, sizeof name, "/%s/config/db-host", s->role);
	jw_obj_begin(jw, "requestParameters");
	jw_str(jw, "name", name);
	jw_bool(jw, "withDecryption", 1);
	jw_obj_end(jw);
	jw_null(jw, "responseElements");
}

static void
gen_p_secret(struct jsonw *jw, const struct gen_session *s, struct gen_rng *r)
{
	char arn[160];

	snprintf(arn, sizeof arn, "arn:aws:secretsmanager:%s:%s:secret:%s/db-"
	    "Xk3v9q", s->region, s->account, s->role);
	jw_obj_begin(jw, "requestParameters");
	jw_str(jw, "secretId", arn);
	jw_obj_end(jw);
	jw_null(jw, "responseElements");
}

static void
gen_p_kms(struct jsonw *jw, const struct gen_session *s, struct gen_rng *r)
{
	char bucket[96], arn[160];

	gen_bucket(s, bucket, sizeof bucket);
	snprintf(arn, sizeof arn, "arn:aws:s3:::%s", bucket);
	jw_obj_begin(jw, "requestParameters");
	jw_obj_begin(jw, "encryptionContext");
	jw_str(jw, "aws:s3:arn", arn);
	jw_obj_end(jw);
	jw_str(jw, "encryptionAlgorithm", "SYMMETRIC_DEFAULT");
	jw_obj_end(jw);
	jw_null(jw, "responseElements");
}

static void
gen_r_kms(struct jsonw *jw, const struct gen_session *s)
{
	char arn[160];

	snprintf(arn, sizeof arn, "arn:aws:kms:%s:%s:key/0b8a4c1e-7d3f-4e2a-"
	    "9c51-%012llx", s->region, s->account,
	    (unsigned long long)(gen_mix(s->idx % 64) & 0xffffffffffffULL));
	jw_arr_begin(jw, "resources");
	jw_obj_begin(jw, NULL);
	jw_str(jw, "accountId", s->account);
	jw_str(jw, "type", "AWS::KMS::Key");
	jw_str(jw, "ARN", arn);
	jw_obj_end(jw);
	jw_arr_end(jw);
}

static void
gen_p_none(struct jsonw *jw, const struct gen_session *s, struct gen_rng *r)
{
	jw_null(jw, "requestParameters");
	jw_null(jw, "responseElements");
}

static void
gen_p_sqs(struct jsonw *jw, const struct gen_session *s, struct gen_rng *r)
{
	char url[160];

	snprintf(url, sizeof url, "https://sqs.%s.amazonaws.com/%s/%s-queue",
	    s->region, s->account, s->role);
	jw_obj_begin(jw, "requestParameters");
	jw_str(jw, "queueUrl", url);
	jw_int(jw, "maxNumberOfMessages", 10);
	jw_int(jw, "waitTimeSeconds", 20);
	jw_arr_begin(jw, "attributeNames");
	jw_str(jw, NULL, "All");
	jw_arr_end(jw);
	jw_obj_end(jw);
	jw_null(jw, "responseElements");
}

static void
gen_p_metric(struct jsonw *jw, const struct gen_session *s, struct gen_rng *r)
{
	jw_obj_begin(jw, "requestParameters");
	jw_str(jw, "namespace", "App/Service");
	jw_arr_begin(jw, "metricData");
	jw_obj_begin(jw, NULL);
	jw_str(jw, "metricName", "Latency");
	jw_arr_begin(jw, "dimensions");
	jw_obj_begin(jw, NULL);
	jw_str(jw, "name", "InstanceId");
	jw_str(jw, "value", s->instance);
	jw_obj_end(jw);
	jw_arr_end(jw);
	jw_int(jw, "value", (int64_t)(gen_rand(r) % 500));
	jw_str(jw, "unit", "Milliseconds");
	jw_obj_end(jw);
	jw_arr_end(jw);
	jw_obj_end(jw);
	jw_null(jw, "responseElements");
}

static const struct gen_shape shapes[] = {
	{ "s3.amazonaws.com", "GetObject", 1, 1, 30, gen_p_s3, gen_r_s3 },
	{ "s3.amazonaws.com", "PutObject", 0, 1, 10, gen_p_s3, gen_r_s3 },
	{ "ec2.amazonaws.com", "DescribeInstances", 1, 0, 10, gen_p_ec2, NULL },
	{ "ssm.amazonaws.com", "GetParameter", 1, 0, 10, gen_p_ssm, NULL },
	{ "secretsmanager.amazonaws.com", "GetSecretValue", 1, 0, 5,
	    gen_p_secret, NULL },
	{ "kms.amazonaws.com", "Decrypt", 1, 0, 10, gen_p_kms, gen_r_kms },
	{ "sts.amazonaws.com", "GetCallerIdentity", 1, 0, 5, gen_p_none, NULL },
	{ "sqs.amazonaws.com", "ReceiveMessage", 1, 1, 15, gen_p_sqs, NULL },
	{ "monitoring.amazonaws.com", "PutMetricData", 0, 0, 5, gen_p_metric,
	    NULL },
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

/* A call, by the weights above (they add up to 100). */
const struct gen_shape *
gen_shape_pick(struct gen_rng *r)
{
	unsigned w = (unsigned)(gen_rand(r) % 100);
	size_t i;

	for (i = 0; i < NSHAPES - 1; i++) {
		if (w < (unsigned)shapes[i].weight)
			break;
		w -= (unsigned)shapes[i].weight;
	}
	return &shapes[i];
}

/* The endpoint the client named: SERVICE.REGION.amazonaws.com, or the
 * bucket's virtual host for S3. */
void
gen_shape_host(const struct gen_shape *sh, const struct gen_session *s,
    char *out, size_t n)
{
	char bucket[96];
	size_t len = strcspn(sh->source, ".");

	if (strcmp(sh->source, "s3.amazonaws.com") == 0) {
		gen_bucket(s, bucket, sizeof bucket);
		snprintf(out, n, "%s.s3.%s.amazonaws.com", bucket, s->region);
	} else
		snprintf(out, n, "%.*s.%s.amazonaws.com", (int)len, sh->source,
		    s->region);
}
