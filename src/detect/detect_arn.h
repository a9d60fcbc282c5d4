/* Assumed-role session ARNs as CloudTrail writes them in userIdentity:
 * arn:PART:sts::ACCT:assumed-role/ROLE/SESSION (also with iam, any case
 * of the instance id). EC2 names an instance's session after the
 * instance; ECS after the task, Lambda after the function. */
#ifndef IMDSGATE_DETECT_ARN_H
#define IMDSGATE_DETECT_ARN_H
#include <stddef.h>

#include "detect/ct_json.h"
#include "detect/detect_map.h"

struct detect_arn {
	const char *role;               /* interned */
	const char *part, *acct, *name; /* in the event */
	int plen, alen, nlen;
	char inst[24]; /* the instance id, lower case, or "" */
	int identity;  /* the aws:ec2-instance identity role */
};

int detect_is_instance_id(const char *s, size_t n);
/* 0 and the parts, or -1 when a is not an assumed-role session ARN. */
int detect_parse_arn(struct dmap *intern, const struct ct_str *a,
                     struct detect_arn *out);
/* The normalised session and role ARNs, for findings. */
void detect_arn_fmt(const struct detect_arn *, char *session, size_t slen,
                    char *role, size_t rlen);
/* "ACCT/ROLE/SESSION": the key of a non-instance session. */
void detect_arn_key(const struct detect_arn *, char *out, size_t len);
#endif
