/* A finding's remediation: two IAM policies to attach to the role, each
 * with what it breaks. The whole-role one is the IAM console's "revoke
 * active sessions" (every session issued before now); the narrow one
 * denies the stolen session alone, by aws:userid (ROLEID:SESSION, the
 * role id part a wildcard where CloudTrail did not show it) and issued
 * before the finding's last sighting, so the workload works again with
 * its next credentials while the stolen copies stay dead. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/jsonw.h"
#include "common/timefmt.h"
#include "detect/findings.h"

/* "2026-11-20T10:05:01Z": IAM's date form, to the second. */
static char *
remedy_time(int64_t ms, char *out, size_t len)
{
	time_t s = (time_t)((ms + 999) / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/* Deny "*" with the given conditions (userid NULL: none). */
static void
remedy_policy(struct jsonw *w, const char *key, const char *userid,
              const char *before)
{
	jw_obj_begin(w, key);
	jw_str(w, "Version", "2012-10-17");
	jw_arr_begin(w, "Statement");
	jw_obj_begin(w, NULL);
	jw_str(w, "Effect", "Deny");
	jw_str(w, "Action", "*");
	jw_str(w, "Resource", "*");
	jw_obj_begin(w, "Condition");
	if (userid != NULL) {
		jw_obj_begin(w, "StringLike");
		jw_str(w, "aws:userid", userid);
		jw_obj_end(w);
	}
	jw_obj_begin(w, "DateLessThan");
	jw_str(w, "aws:TokenIssueTime", before);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_obj_end(w);
}

/* Who the narrow policy cuts off besides the thief. */
static void
remedy_who(const struct finding *f, char *out, size_t len)
{
	if (f->function != NULL)
		snprintf(
		    out, len,
		    "every execution environment of function %s that "
		    "holds such credentials fails until Lambda replaces it",
		    f->function);
	else if (f->task_id != NULL)
		snprintf(
		    out, len,
		    "task %s is denied until it is given credentials issued "
		    "later (ECS rotates them; restarting the task is sooner)",
		    f->task_id);
	else if (f->pod != NULL || f->cluster != NULL)
		snprintf(
		    out, len,
		    "pod %s works again once the Pod Identity Agent fetches "
		    "it new credentials (a new session name)",
		    f->pod != NULL ? f->pod : f->session_name);
	else if (f->instance != NULL)
		snprintf(
		    out, len,
		    "instance %s is denied until it picks up the credentials "
		    "EC2 issues at its next rotation",
		    f->instance);
	else
		snprintf(out, len,
		         "the workload is denied until it is given credentials "
		         "issued later");
}

static void
remedy_narrow(struct jsonw *w, const struct finding *f)
{
	char userid[320], before[TIMEFMT_LEN], who[256], text[1024];

	snprintf(userid, sizeof userid, "%s:%s",
	         f->role_id != NULL ? f->role_id : "*", f->session_name);
	remedy_time(f->last, before, sizeof before);
	remedy_policy(w, "contain_session_policy", userid, before);
	remedy_who(f, who, sizeof who);
	snprintf(text, sizeof text,
	         "Denies only session %s of %s issued before %s: the stolen "
	         "credentials stay denied until they expire; every other "
	         "session of the role keeps working; %s.",
	         f->session_name, f->role_arn, before, who);
	jw_str(w, "contain_session_blast_radius", text);
}

void
findings_remediation(struct jsonw *w, const struct findings *fs,
                     const struct finding *f)
{
	char now[TIMEFMT_LEN], text[768];

	jw_obj_begin(w, "remediation");
	jw_str(w, "role", f->role_arn);
	if (f->role_id != NULL)
		jw_str(w, "role_id", f->role_id);
	remedy_time(fs->now, now, sizeof now);
	remedy_policy(w, "revoke_sessions_policy", NULL, now);
	snprintf(text, sizeof text,
	         "Denies every session of %s issued before the policy's "
	         "time: every instance, task, function and person using the "
	         "role loses access until it obtains new credentials.",
	         f->role_arn != NULL ? f->role_arn : "the role");
	jw_str(w, "revoke_sessions_blast_radius", text);
	if (f->session_name != NULL && f->role_arn != NULL)
		remedy_narrow(w, f);
	if (f->key != NULL && strncmp(f->key, "AKIA", 4) == 0)
		jw_str(w, "deactivate_access_key", f->key);
	jw_obj_end(w);
}
