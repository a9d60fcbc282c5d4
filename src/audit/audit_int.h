/* Inside the audit room: what every record kind shares (audit_record.c). */
#ifndef IMDSGATE_AUDIT_INT_H
#define IMDSGATE_AUDIT_INT_H

#include "audit/audit.h"
#include "common/buf.h"
#include "common/jsonw.h"

struct peer_info;

/* ts, event and instance_id, in that order. */
void audit_record_begin(struct jsonw *, struct buf *, const char *event);
/* Close the object and write it: 0, or -1 when it was dropped. */
int audit_record_end(struct jsonw *, struct buf *);
/* uid, user, gids, pid, comm, exe: who made the connection (none for
 * NULL). */
void audit_record_caller(struct jsonw *, const struct peer_info *);

#endif
