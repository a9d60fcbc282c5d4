/* Writing findings: JSON lines, ASFF, OCSF Detection Finding, a table. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "detect/findings.h"
#include "common/jsonw.h"
#include "common/timefmt.h"

static char *
findings_time(int64_t ms, char *out)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	return timefmt_rfc3339ms(&ts, out);
}

static void
findings_ids(struct jsonw *w, const char *key, const struct finding *f)
{
	int i;

	jw_arr_begin(w, key);
	for (i = 0; i < f->nids; i++)
		jw_str(w, NULL, f->event_ids[i]);
	jw_arr_end(w);
}

static void
findings_expected(struct jsonw *w, const struct finding *f)
{
	const char *p = f->expected, *c;

	if (p == NULL)
		return;
	jw_arr_begin(w, "expected_ips");
	while (*p != '\0') {
		c = strchr(p, ',');
		jw_strn(w, NULL, p, c ? (size_t)(c - p) : strlen(p));
		p = c ? c + 1 : p + strlen(p);
	}
	jw_arr_end(w);
}

static const char *
findings_title_of(const struct finding *f)
{
	return f->title != NULL ? f->title : findings_title(f->type);
}

/* Members written only where known. */
static void
findings_opt(struct jsonw *w, const char *key, const char *val)
{
	if (val != NULL)
		jw_str(w, key, val);
}

/* The affiliated instance, the workload, how the lock was taken. */
static void
findings_extra(struct jsonw *w, const struct finding *f)
{
	findings_opt(w, "source_account_id", f->src_account);
	findings_opt(w, "source_instance_id", f->src_instance);
	findings_opt(w, "task_id", f->task_id);
	findings_opt(w, "pod_name", f->pod);
	findings_opt(w, "namespace", f->ns);
	findings_opt(w, "service_account", f->sa);
	findings_opt(w, "cluster", f->cluster);
	findings_opt(w, "node_instance_id", f->node);
	findings_opt(w, "function_name", f->function);
	if (f->unproven)
		jw_str(w, "lock", "first use, no evidence");
}

static void
findings_json(struct jsonw *w, const struct findings *fs,
              const struct finding *f)
{
	char t1[TIMEFMT_LEN], t2[TIMEFMT_LEN];

	jw_str(w, "type", findings_type(f->type));
	jw_double(w, "severity", findings_severity(f->type));
	jw_str(w, "title", findings_title_of(f));
	jw_str(w, "first_seen", findings_time(f->first, t1));
	jw_str(w, "last_seen", findings_time(f->last, t2));
	jw_uint(w, "count", f->count);
	jw_str(w, "account_id", f->account);
	jw_str(w, "region", f->region);
	jw_str(w, "instance_id", f->instance);
	jw_str(w, "role_arn", f->role_arn);
	jw_str(w, "session_arn", f->session_arn);
	jw_str(w, "access_key_id", f->key);
	jw_str(w, "source_ip", f->ip);
	jw_str(w, "user_agent", f->ua);
	findings_ids(w, "event_ids", f);
	findings_expected(w, f);
	if (f->process != NULL)
		jw_raw(w, "process", f->process);
	findings_extra(w, f);
	findings_remediation(w, fs, f);
}

/* A stable id: the same finding gets the same id on every run. */
static void
findings_uid(const struct finding *f, char *out, size_t len)
{
	snprintf(out, len, "imdsgate/%s/%s/%s", findings_type(f->type),
	         f->session_arn ? f->session_arn : "-", f->ip ? f->ip : "-");
}

/* AWS Security Finding Format, one finding per line. */
static void
findings_asff(struct jsonw *w, const struct findings *fs,
              const struct finding *f)
{
	char t1[TIMEFMT_LEN], t2[TIMEFMT_LEN], id[400], arn[256];
	const char *acct = f->account ? f->account : "000000000000";
	const char *region = f->region ? f->region : "us-east-1";

	findings_uid(f, id, sizeof id);
	snprintf(arn, sizeof arn,
	         "arn:aws:securityhub:%s:%s:product/%s/default", region, acct,
	         acct);
	jw_str(w, "SchemaVersion", "2018-10-08");
	jw_str(w, "Id", id);
	jw_str(w, "ProductArn", arn);
	jw_str(w, "GeneratorId", "imdsgate-detect");
	jw_str(w, "AwsAccountId", acct);
	jw_arr_begin(w, "Types");
	jw_str(w, NULL, "TTPs/Credential Access");
	jw_arr_end(w);
	jw_str(w, "FirstObservedAt", findings_time(f->first, t1));
	jw_str(w, "LastObservedAt", findings_time(f->last, t2));
	jw_str(w, "CreatedAt", t1);
	jw_str(w, "UpdatedAt", t2);
	jw_obj_begin(w, "Severity");
	jw_str(w, "Label", findings_severity(f->type) >= 7 ? "HIGH" : "MEDIUM");
	jw_double(w, "Product", findings_severity(f->type));
	jw_obj_end(w);
	jw_str(w, "Title", findings_title_of(f));
	jw_str(w, "Description", findings_type(f->type));
	jw_arr_begin(w, "Resources");
	jw_obj_begin(w, NULL);
	jw_str(w, "Type",
	       f->instance      ? "AwsEc2Instance"
	       : f->session_arn ? "AwsIamRole"
	                        : "Other");
	jw_str(w, "Id", f->session_arn ? f->session_arn : id);
	jw_str(w, "Region", region);
	jw_obj_end(w);
	jw_arr_end(w);
	if (f->ip != NULL) {
		jw_obj_begin(w, "Network");
		jw_str(w, "Direction", "IN");
		jw_str(w, strchr(f->ip, ':') ? "SourceIpV6" : "SourceIpV4",
		       f->ip);
		jw_obj_end(w);
	}
	jw_obj_begin(w, "Remediation");
	jw_obj_begin(w, "Recommendation");
	jw_str(w, "Text",
	       "Revoke the stolen session (or the role's active sessions) "
	       "and find how the credentials left their workload.");
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "ProductFields");
	jw_str(w, "imdsgate/type", findings_type(f->type));
	jw_obj_end(w);
}

/* OCSF 1.1 Detection Finding (class 2004). */
static void
findings_ocsf(struct jsonw *w, const struct findings *fs,
              const struct finding *f)
{
	double sev = findings_severity(f->type);
	char uid[400];

	jw_uint(w, "class_uid", 2004);
	jw_str(w, "class_name", "Detection Finding");
	jw_uint(w, "category_uid", 2);
	jw_uint(w, "activity_id", 1);
	jw_uint(w, "type_uid", 200401);
	jw_uint(w, "severity_id", sev >= 7 ? 4 : 3);
	jw_str(w, "severity", sev >= 7 ? "High" : "Medium");
	jw_uint(w, "status_id", 1);
	jw_int(w, "time", f->last);
	jw_uint(w, "count", f->count);
	jw_obj_begin(w, "metadata");
	jw_str(w, "version", "1.1.0");
	jw_obj_begin(w, "product");
	jw_str(w, "name", "imdsgate-detect");
	jw_str(w, "vendor_name", "imdsgate");
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "finding_info");
	findings_uid(f, uid, sizeof uid);
	jw_str(w, "uid", uid);
	jw_str(w, "title", findings_title_of(f));
	jw_arr_begin(w, "types");
	jw_str(w, NULL, findings_type(f->type));
	jw_arr_end(w);
	jw_int(w, "first_seen_time", f->first);
	jw_int(w, "last_seen_time", f->last);
	findings_ids(w, "related_events_uids", f);
	jw_obj_end(w);
	jw_obj_begin(w, "cloud");
	jw_str(w, "provider", "AWS");
	jw_str(w, "region", f->region);
	jw_obj_begin(w, "account");
	jw_str(w, "uid", f->account);
	jw_obj_end(w);
	jw_obj_end(w);
	if (f->ip != NULL) {
		jw_obj_begin(w, "src_endpoint");
		jw_str(w, "ip", f->ip);
		jw_obj_end(w);
	}
	jw_obj_begin(w, "actor");
	jw_obj_begin(w, "session");
	jw_str(w, "uid", f->session_arn);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "unmapped");
	findings_json(w, fs, f);
	jw_obj_end(w);
}

static void
findings_text(const struct finding *f, FILE *out)
{
	char t1[TIMEFMT_LEN];

	fprintf(out, "%-24s %-70s %-6llu %-40s %s\n",
	        findings_time(f->first, t1), findings_type(f->type),
	        (unsigned long long)f->count, f->ip ? f->ip : "-",
	        f->session_arn ? f->session_arn : "-");
}

void
findings_text_header(FILE *out)
{
	fprintf(out, "%-24s %-70s %-6s %-40s %s\n", "FIRST SEEN", "TYPE",
	        "COUNT", "SOURCE IP", "SESSION");
}

void
findings_write_one(const struct findings *fs, const struct finding *f,
                   FILE *out)
{
	struct buf b;
	struct jsonw w;

	if (fs->fmt == FMT_TEXT) {
		findings_text(f, out);
		return;
	}
	buf_init(&b);
	jw_begin(&w, &b);
	if (fs->fmt == FMT_ASFF)
		findings_asff(&w, fs, f);
	else if (fs->fmt == FMT_OCSF)
		findings_ocsf(&w, fs, f);
	else
		findings_json(&w, fs, f);
	jw_end(&w);
	fwrite(b.data, 1, b.len, out);
	fputc('\n', out);
	buf_free(&b);
}
