/* Inside the audit room: what every record kind shares (audit_record.c). */
#ifndef IMDSGATE_AUDIT_INT_H
#define IMDSGATE_AUDIT_INT_H

#include "audit/audit.h"
#include "common/buf.h"
#include "common/jsonw.h"

struct peer_info;

/* ts, event and instance_id, in that order (one record at a time). */
void audit_record_begin(struct jsonw *, const char *event);
/* Close the object and write it: 0, or -1 when it was dropped. */
int audit_record_end(struct jsonw *);
/* uid, user, gids, pid, comm, exe: who made the connection (none for
 * NULL); audit_record_who takes them from a rendering when there is one. */
void audit_record_caller(struct jsonw *, const struct peer_info *);
void audit_record_who(struct jsonw *, const struct audit_caller *,
                      const struct peer_info *);
/* Members with keys of ours (identifiers, never data): a number without
 * printf, a string escaped, a value that needs no escaping. */
void audit_record_num(struct jsonw *, const char *key, int64_t);
void audit_record_str(struct jsonw *, const char *key, const char *);
void audit_record_raw(struct jsonw *, const char *key, const char *);

/* audit_json.c: a strict JSON reader for credential bodies. Each field
 * names a top-level member to keep: found, whether it is a string, its
 * decoded length, and (when shorter than outlen) the string in out. */
struct audit_json_field {
	const char *key;
	char *out;
	size_t outlen;
	int found, is_string;
	size_t len;
};
enum audit_json_result {
	AUDIT_JSON_OBJECT,   /* valid, an object */
	AUDIT_JSON_OTHER,    /* valid, an array */
	AUDIT_JSON_INVALID,  /* not JSON (a listing, an error page, cut) */
	AUDIT_JSON_DUPLICATE /* a key twice in an object */
};
enum audit_json_result audit_json_read(const char *, size_t,
                                       struct audit_json_field *, int n);

#endif
