/* The `credential_fetch` record: who was handed which key of which role,
 * and until when. Only the fields audit_extract.c lets through: never the
 * secret or the token. */
#include "config.h"

#include "audit/audit_int.h"

static int
audit_credential_record(const struct audit_caller *who,
                        const struct peer_info *p, const char *path,
                        const char *body, size_t len)
{
	struct audit_creds c;
	struct jsonw jw;
	char role[256];
	int identity, r;

	if (audit_extract_creds(body, len, &c) != 0)
		return 1; /* a listing or an error page: no credentials */
	audit_record_begin(&jw, "credential_fetch");
	audit_record_who(&jw, who, p);
	audit_record_str(&jw, "path", path);
	if (audit_extract_role(path, role, sizeof role, &identity) == 0)
		audit_record_str(&jw, "role", role);
	audit_record_raw(&jw, "credential_kind",
	                 identity ? "\"instance-identity\""
	                          : "\"instance-profile\"");
	if (c.access_key_id[0] != '\0')
		audit_record_str(&jw, "access_key_id", c.access_key_id);
	if (c.expiration[0] != '\0')
		audit_record_str(&jw, "expiration", c.expiration);
	if (c.problem != NULL)
		audit_record_str(&jw, "reason", c.problem);
	r = audit_record_end(&jw);
	return r;
}

int
audit_credential_fetch(const struct peer_info *p, const char *path,
                       const char *body, size_t len)
{
	return audit_credential_record(NULL, p, path, body, len);
}

int
audit_credential_fetch_by(const struct audit_caller *who, const char *path,
                          const char *body, size_t len)
{
	return audit_credential_record(who, NULL, path, body, len);
}
