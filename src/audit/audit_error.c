/* The `error` record: what could not be served or went wrong (the
 * redirect vanished, a connection limit reached, a credential refused
 * because its record could not be written). */
#include "config.h"

#include "audit/audit_int.h"

int
audit_error(const char *what, const char *detail)
{
	struct jsonw jw;

	audit_record_begin(&jw, "error");
	jw_str(&jw, "what", what);
	if (detail != NULL)
		jw_str(&jw, "detail", detail);
	return audit_record_end(&jw);
}
