/* What every audit record shares (docs/interfaces.md "Audit log",
 * docs/audit-log.md): one JSON object per line, rendered with the strict
 * writer so attacker-chosen strings cannot forge fields or lines; the
 * time, the event, the instance; who made the connection. Field names are
 * an interface. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit_int.h"
#include "common/timefmt.h"
#include "common/xmalloc.h"
#include "sys/peer.h"

static struct buf audit_iid; /* ,"instance_id":"..." rendered once */
static struct buf audit_rec; /* every record is rendered here */

void
audit_set_instance_id(const char *id)
{
	buf_reset(&audit_iid);
	if (id == NULL || *id == '\0')
		return;
	buf_addstr(&audit_iid, ",\"instance_id\":");
	jw_escape(&audit_iid, id, strnlen(id, 63));
}

/* The key of a member: a comma when it is not the first, then the key as
 * it is. Only for keys of ours (identifiers, never data): every value
 * still goes through jw_escape. */
static void
audit_record_key(struct jsonw *jw, const char *key)
{
	if (!jw->first[jw->depth])
		buf_addc(jw->b, ',');
	jw->first[jw->depth] = 0;
	if (key == NULL)
		return;
	buf_addc(jw->b, '"');
	buf_addstr(jw->b, key);
	buf_add(jw->b, "\":", 2);
}

void
audit_record_str(struct jsonw *jw, const char *key, const char *v)
{
	audit_record_key(jw, key);
	jw_escape(jw->b, v, strlen(v));
}

/* A value that needs no escaping (a number, a word of ours). */
void
audit_record_raw(struct jsonw *jw, const char *key, const char *v)
{
	audit_record_key(jw, key);
	buf_addstr(jw->b, v);
}

/* The time as the log writes it; the date and second are formatted once
 * a second, not once a record. */
static const char *
audit_record_ts(char *out)
{
	static time_t sec = -1;
	static char prefix[TIMEFMT_LEN];
	struct timespec ts;
	int ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != sec) {
		timefmt_rfc3339ms(&ts, prefix);
		prefix[19] = '\0';
		sec = ts.tv_sec;
	}
	ms = (int)(ts.tv_nsec / 1000000) % 1000;
	memcpy(out, prefix, 19);
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = 'Z';
	out[24] = '\0';
	return out;
}

/* Every record starts the same way so readers can rely on it. */
void
audit_record_begin(struct jsonw *jw, const char *event)
{
	char ts[TIMEFMT_LEN];

	buf_reset(&audit_rec);
	jw_begin(jw, &audit_rec);
	/* the time and the event need no escaping; the instance was
	 * escaped once */
	audit_record_key(jw, "ts");
	buf_addc(&audit_rec, '"');
	buf_addstr(&audit_rec, audit_record_ts(ts));
	buf_addstr(&audit_rec, "\",\"event\":\"");
	buf_addstr(&audit_rec, event);
	buf_addc(&audit_rec, '"');
	if (audit_iid.len > 0)
		buf_add(&audit_rec, audit_iid.data, audit_iid.len);
}

/* 0 when the record was written, -1 when it was dropped. */
int
audit_record_end(struct jsonw *jw)
{
	jw_end(jw);
	return audit_dest_write(audit_rec.data, audit_rec.len);
}

/* A number, without printf. */
void
audit_record_num(struct jsonw *jw, const char *key, int64_t v)
{
	char d[24], *p = d + sizeof d;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	audit_record_raw(jw, key, p);
}

/* Members rendered before (audit_caller_render), spliced in whole. */
static void
audit_record_members(struct jsonw *jw, const char *json, size_t len)
{
	if (len == 0)
		return;
	if (!jw->first[jw->depth])
		buf_addc(jw->b, ',');
	jw->first[jw->depth] = 0;
	buf_add(jw->b, json, len);
}

/* Who made the connection; absent fields were not found. */
void
audit_record_caller(struct jsonw *jw, const struct peer_info *p)
{
	static const char *const sources[] = {"", "bpf", "proc", "owner"};
	int i;

	if (p == NULL)
		return;
	audit_record_num(jw, "uid", p->uid);
	jw_str(jw, "user", p->user);
	jw_arr_begin(jw, "gids");
	audit_record_num(jw, NULL, p->gid);
	for (i = 0; i < p->ngids && i < PEER_MAXGROUPS; i++) {
		if (p->gids[i] != p->gid)
			audit_record_num(jw, NULL, p->gids[i]);
	}
	jw_arr_end(jw);
	if (p->pid > 0)
		audit_record_num(jw, "pid", p->pid);
	if (p->comm[0] != '\0')
		jw_strn(jw, "comm", p->comm, strnlen(p->comm, sizeof p->comm));
	/* a path the process's own mount namespace may have lied about */
	if (p->exe[0] != '\0')
		jw_strn(jw, p->exe_verified ? "exe" : "exe_unverified", p->exe,
		        strnlen(p->exe, sizeof p->exe));
	if (p->cgroup[0] != '\0')
		jw_strn(jw, "cgroup", p->cgroup,
		        strnlen(p->cgroup, sizeof p->cgroup));
	if (p->container_id[0] != '\0')
		jw_strn(jw, "container_id", p->container_id,
		        strnlen(p->container_id, sizeof p->container_id));
	if (p->source > PEER_SRC_NONE && p->source <= PEER_SRC_OWNER)
		jw_str(jw, "ident", sources[p->source]);
}

/* The caller's members, from its rendering when there is one. */
void
audit_record_who(struct jsonw *jw, const struct audit_caller *who,
                 const struct peer_info *p)
{
	if (who != NULL)
		audit_record_members(jw, who->json, who->len);
	else
		audit_record_caller(jw, p);
}

/* Render the caller's members once, for every record about it (a
 * connection's requests all have the same caller). */
void
audit_caller_render(struct audit_caller *who, const struct peer_info *p)
{
	struct jsonw jw;
	struct buf b;

	buf_init(&b);
	jw_begin(&jw, &b);
	audit_record_caller(&jw, p);
	jw_end(&jw);
	/* drop the braces: the members alone are spliced in */
	who->len = b.len - 2;
	who->json = xmalloc(who->len + 1);
	memcpy(who->json, b.data + 1, who->len);
	who->json[who->len] = '\0';
	buf_free(&b);
}

void
audit_caller_free(struct audit_caller *who)
{
	free(who->json);
	who->json = NULL;
	who->len = 0;
}
