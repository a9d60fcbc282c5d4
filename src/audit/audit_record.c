/* What every audit record shares (INTERFACES.md "Audit log",
 * docs/audit-log.md): one JSON object per line, rendered with the strict
 * writer so attacker-chosen strings cannot forge fields or lines; the
 * time, the event, the instance; who made the connection. Field names are
 * an interface. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit_int.h"
#include "common/timefmt.h"
#include "sys/peer.h"

static char audit_iid[64];

void
audit_set_instance_id(const char *id)
{
	snprintf(audit_iid, sizeof audit_iid, "%s", id != NULL ? id : "");
}

/* Every record starts the same way so readers can rely on it. */
void
audit_record_begin(struct jsonw *jw, struct buf *b, const char *event)
{
	char ts[TIMEFMT_LEN];

	buf_init(b);
	jw_begin(jw, b);
	jw_str(jw, "ts", timefmt_now(ts));
	jw_str(jw, "event", event);
	if (audit_iid[0] != '\0')
		jw_str(jw, "instance_id", audit_iid);
}

/* 0 when the record was written, -1 when it was dropped. */
int
audit_record_end(struct jsonw *jw, struct buf *b)
{
	int r;

	jw_end(jw);
	r = audit_dest_write(b->data, b->len);
	buf_free(b);
	return r;
}

/* Who made the connection; absent fields were not found. */
void
audit_record_caller(struct jsonw *jw, const struct peer_info *p)
{
	int i;

	if (p == NULL)
		return;
	jw_uint(jw, "uid", p->uid);
	jw_str(jw, "user", p->user);
	jw_arr_begin(jw, "gids");
	jw_uint(jw, NULL, p->gid);
	for (i = 0; i < p->ngids && i < PEER_MAXGROUPS; i++) {
		if (p->gids[i] != p->gid)
			jw_uint(jw, NULL, p->gids[i]);
	}
	jw_arr_end(jw);
	if (p->pid > 0)
		jw_int(jw, "pid", p->pid);
	if (p->comm[0] != '\0')
		jw_strn(jw, "comm", p->comm, strnlen(p->comm, sizeof p->comm));
	if (p->exe[0] != '\0')
		jw_strn(jw, "exe", p->exe, strnlen(p->exe, sizeof p->exe));
}
