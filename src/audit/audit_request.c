/* The `request` record: one for every request the proxy answered or
 * abandoned, written when its answer is complete. */
#include "config.h"

#include "audit/audit_int.h"

int
audit_request(const struct audit_req *r)
{
	struct jsonw jw;

	audit_record_begin(&jw, "request");
	audit_record_who(&jw, r->caller, r->peer);
	if (r->client != NULL)
		audit_record_str(&jw, "client", r->client);
	audit_record_str(&jw, "method", r->method);
	audit_record_str(&jw, "path", r->path);
	audit_record_num(&jw, "status", r->status);
	audit_record_num(&jw, "bytes", (int64_t)r->bytes);
	audit_record_raw(&jw, "decision", r->allow ? "\"allow\"" : "\"deny\"");
	if (r->rule != NULL)
		audit_record_str(&jw, "rule", r->rule);
	audit_record_raw(&jw, "mode",
	                 r->audit_mode ? "\"audit\"" : "\"enforce\"");
	audit_record_raw(&jw, "imds_version", r->imds_version == 1 ? "1" : "2");
	if (r->reason != NULL)
		audit_record_str(&jw, "reason", r->reason);
	return audit_record_end(&jw);
}
