/* The `credential_fetch` record: who was handed which key of which role,
 * and until when. Only the fields audit_extract.c lets through: never the
 * secret or the token. */
#include "config.h"

#include "audit/audit_int.h"

int
audit_credential_fetch(const struct peer_info *p, const char *path,
                       const char *body, size_t len)
{
	struct audit_creds c;
	struct jsonw jw;
	struct buf b;
	char role[256];
	int identity;

	if (audit_extract_creds(body, len, &c) != 0)
		return 1; /* a listing or an error page: no credentials */
	audit_record_begin(&jw, &b, "credential_fetch");
	audit_record_caller(&jw, p);
	jw_str(&jw, "path", path);
	if (audit_extract_role(path, role, sizeof role, &identity) == 0)
		jw_str(&jw, "role", role);
	jw_str(&jw, "credential_kind",
	       identity ? "instance-identity" : "instance-profile");
	if (c.access_key_id[0] != '\0')
		jw_str(&jw, "access_key_id", c.access_key_id);
	if (c.expiration[0] != '\0')
		jw_str(&jw, "expiration", c.expiration);
	if (c.problem != NULL)
		jw_str(&jw, "reason", c.problem);
	return audit_record_end(&jw, &b);
}
