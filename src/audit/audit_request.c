/* The `request` record: one for every request the proxy answered or
 * abandoned, written when its answer is complete. */
#include "config.h"

#include "audit/audit_int.h"

int
audit_request(const struct audit_req *r)
{
	struct jsonw jw;
	struct buf b;

	audit_record_begin(&jw, &b, "request");
	audit_record_caller(&jw, r->peer);
	if (r->client != NULL)
		jw_str(&jw, "client", r->client);
	jw_str(&jw, "method", r->method);
	jw_str(&jw, "path", r->path);
	jw_int(&jw, "status", r->status);
	jw_uint(&jw, "bytes", r->bytes);
	jw_str(&jw, "decision", r->allow ? "allow" : "deny");
	if (r->rule != NULL)
		jw_str(&jw, "rule", r->rule);
	jw_str(&jw, "mode", r->audit_mode ? "audit" : "enforce");
	jw_int(&jw, "imds_version", r->imds_version == 1 ? 1 : 2);
	if (r->reason != NULL)
		jw_str(&jw, "reason", r->reason);
	return audit_record_end(&jw, &b);
}
