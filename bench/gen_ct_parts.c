/* Pieces every generated event shares: who called, the ids, and the
 * trailing fields, in the order CloudTrail writes them. */
#include "config.h"

#include <stdio.h>

#include "gen_ct.h"

/* sessionContext of a role session; EC2 adds ec2RoleDelivery. */
static void
gen_part_context(struct jsonw *jw, const struct gen_session *s)
{
	char arn[128];

	snprintf(arn, sizeof arn, "arn:aws:iam::%s:role/%s", s->account,
	    s->role);
	jw_obj_begin(jw, "sessionContext");
	jw_obj_begin(jw, "sessionIssuer");
	jw_str(jw, "type", "Role");
	jw_str(jw, "principalId", s->role_id);
	jw_str(jw, "arn", arn);
	jw_str(jw, "accountId", s->account);
	jw_str(jw, "userName", s->role);
	jw_obj_end(jw);
	jw_obj_begin(jw, "webIdFederationData");
	jw_obj_end(jw);
	jw_obj_begin(jw, "attributes");
	jw_str(jw, "creationDate", gen_time(s->created));
	jw_str(jw, "mfaAuthenticated", "false");
	jw_obj_end(jw);
	if (s->who == GEN_INSTANCE)
		jw_str(jw, "ec2RoleDelivery", "2.0");
	jw_obj_end(jw);
}

/* An IAM user's long-term key (console and scripts in the office). */
static void
gen_part_user(struct jsonw *jw, const struct gen_session *s)
{
	char arn[128];

	snprintf(arn, sizeof arn, "arn:aws:iam::%s:user/%s", s->account,
	    s->name);
	jw_str(jw, "type", "IAMUser");
	jw_str(jw, "principalId", s->role_id);
	jw_str(jw, "arn", arn);
	jw_str(jw, "accountId", s->account);
	jw_str(jw, "accessKeyId", s->key);
	jw_str(jw, "userName", s->name);
}

/* userIdentity; invoked_by names the service calling on its behalf. */
void
gen_part_identity(struct jsonw *jw, const struct gen_session *s,
    const char *invoked_by)
{
	char arn[128], pid[80];

	jw_obj_begin(jw, "userIdentity");
	if (s->who == GEN_USER)
		gen_part_user(jw, s);
	else {
		snprintf(arn, sizeof arn, "arn:aws:sts::%s:assumed-role/%s/%s",
		    s->account, s->role, s->name);
		snprintf(pid, sizeof pid, "%s:%s", s->role_id, s->name);
		jw_str(jw, "type", "AssumedRole");
		jw_str(jw, "principalId", pid);
		jw_str(jw, "arn", arn);
		jw_str(jw, "accountId", s->account);
		jw_str(jw, "accessKeyId", s->key);
		gen_part_context(jw, s);
	}
	if (invoked_by != NULL)
		jw_str(jw, "invokedBy", invoked_by);
	jw_obj_end(jw);
}

void
gen_part_ids(struct jsonw *jw, struct gen_rng *r, int readonly)
{
	char id[37];

	gen_uuid(r, id);
	jw_str(jw, "requestID", id);
	gen_uuid(r, id);
	jw_str(jw, "eventID", id);
	jw_bool(jw, "readOnly", readonly);
}

/* eventType .. tlsDetails, after the optional resources; vpce is the
 * VPC endpoint the call came through, or NULL. */
void
gen_part_tail(struct jsonw *jw, const char *account, int data_event,
    const char *host, const char *vpce)
{
	int tls13 = host != NULL && host[0] != 'e';	/* ec2 still on 1.2 */

	jw_str(jw, "eventType", "AwsApiCall");
	jw_bool(jw, "managementEvent", !data_event);
	jw_str(jw, "recipientAccountId", account);
	if (vpce != NULL) {
		jw_str(jw, "vpcEndpointId", vpce);
		jw_str(jw, "vpcEndpointAccountId", account);
	}
	jw_str(jw, "eventCategory", data_event ? "Data" : "Management");
	if (host == NULL)
		return;
	jw_obj_begin(jw, "tlsDetails");
	jw_str(jw, "tlsVersion", tls13 ? "TLSv1.3" : "TLSv1.2");
	jw_str(jw, "cipherSuite", tls13 ? "TLS_AES_128_GCM_SHA256" :
	    "ECDHE-RSA-AES128-GCM-SHA256");
	jw_str(jw, "clientProvidedHostHeader", host);
	jw_obj_end(jw);
}
