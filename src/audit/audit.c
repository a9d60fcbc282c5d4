/* Audit records (docs/interfaces.md "Audit log", docs/audit-log.md): one JSON
 * object per line, rendered with the strict writer so attacker-chosen
 * paths cannot forge fields or lines. Field names are an interface. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "common/buf.h"
#include "common/jsonw.h"
#include "sys/peer.h"
#include "common/timefmt.h"

static char audit_iid[64];
static pthread_mutex_t audit_iid_lock = PTHREAD_MUTEX_INITIALIZER;

void
audit_set_instance_id(const char *id)
{
	pthread_mutex_lock(&audit_iid_lock);
	snprintf(audit_iid, sizeof audit_iid, "%s", id != NULL ? id : "");
	pthread_mutex_unlock(&audit_iid_lock);
}

/* Every record starts the same way so readers can rely on it. */
static void
audit_begin(struct jsonw *jw, struct buf *b, const char *event)
{
	char ts[TIMEFMT_LEN];

	buf_init(b);
	jw_begin(jw, b);
	jw_str(jw, "ts", timefmt_now(ts));
	jw_str(jw, "event", event);
	pthread_mutex_lock(&audit_iid_lock);
	if (audit_iid[0] != '\0')
		jw_str(jw, "instance_id", audit_iid);
	pthread_mutex_unlock(&audit_iid_lock);
}

static void
audit_finish(struct jsonw *jw, struct buf *b)
{
	jw_end(jw);
	audit_dest_write(b->data, b->len);
	buf_free(b);
}

/* Who made the connection; absent fields were not found. */
static void
audit_caller(struct jsonw *jw, const struct peer_info *p)
{
	static const char *const sources[] = {"", "bpf", "proc", "owner"};
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

void
audit_request(const struct audit_req *r)
{
	struct jsonw jw;
	struct buf b;

	audit_begin(&jw, &b, "request");
	audit_caller(&jw, r->peer);
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
	audit_finish(&jw, &b);
}

/* Only the role, the key id and the expiry: never the secret or token. */
void
audit_credential_fetch(const struct peer_info *p, const char *path,
                       const char *body, size_t len)
{
	struct audit_creds c;
	struct jsonw jw;
	struct buf b;
	char role[256];
	int identity;

	if (audit_creds_parse(body, len, &c) != 0)
		return; /* a listing or an error page: no credentials */
	audit_begin(&jw, &b, "credential_fetch");
	audit_caller(&jw, p);
	jw_str(&jw, "path", path);
	if (audit_creds_role(path, role, sizeof role, &identity) == 0)
		jw_str(&jw, "role", role);
	jw_str(&jw, "credential_kind",
	       identity ? "instance-identity" : "instance-profile");
	if (c.access_key_id[0] != '\0')
		jw_str(&jw, "access_key_id", c.access_key_id);
	if (c.expiration[0] != '\0')
		jw_str(&jw, "expiration", c.expiration);
	if (c.problem != NULL)
		jw_str(&jw, "reason", c.problem);
	audit_finish(&jw, &b);
}

static void
audit_strv(struct jsonw *jw, const char *key, const char **v)
{
	jw_arr_begin(jw, key);
	for (; v != NULL && *v != NULL; v++)
		jw_str(jw, NULL, *v);
	jw_arr_end(jw);
}

static void
audit_ifaces(struct jsonw *jw, const struct audit_instance *in)
{
	const struct audit_iface *f;
	int i;

	if (in->ifaces == NULL)
		return;
	jw_arr_begin(jw, "interfaces");
	for (i = 0; i < in->nifaces; i++) {
		f = &in->ifaces[i];
		jw_obj_begin(jw, NULL);
		jw_str(jw, "mac", f->mac);
		jw_str(jw, "vpc_id", f->vpc_id);
		audit_strv(jw, "local_ipv4s", f->local_ipv4s);
		audit_strv(jw, "public_ipv4s", f->public_ipv4s);
		audit_strv(jw, "ipv6s", f->ipv6s);
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
}

void
audit_instance(const struct audit_instance *in)
{
	struct jsonw jw;
	struct buf b;

	if (in->instance_id != NULL)
		audit_set_instance_id(in->instance_id);
	audit_begin(&jw, &b, "instance");
	jw_str(&jw, "account_id", in->account_id);
	jw_str(&jw, "region", in->region);
	audit_strv(&jw, "private_ips", in->private_ips);
	audit_strv(&jw, "public_ips", in->public_ips);
	jw_str(&jw, "vpc_id", in->vpc_id);
	audit_strv(&jw, "macs", in->macs);
	jw_bool(&jw, "require_token", in->require_token);
	audit_ifaces(&jw, in);
	audit_finish(&jw, &b);
}

void
audit_error(const char *what, const char *detail)
{
	struct jsonw jw;
	struct buf b;

	audit_begin(&jw, &b, "error");
	jw_str(&jw, "what", what);
	if (detail != NULL)
		jw_str(&jw, "detail", detail);
	audit_finish(&jw, &b);
}
