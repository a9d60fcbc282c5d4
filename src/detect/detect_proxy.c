/* Correlation with imdsgated's audit log: an instance's true addresses
 * before any API call, and which process fetched which key. */
#include "config.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "detect/detect.h"
#include "common/jsonw.h"
#include "common/xmalloc.h"

static void
detect_proxy_ips(struct detect *d, struct session *s, json_t *arr)
{
	struct ip16 ip;
	json_t *v;
	size_t i;
	const char *str;

	json_array_foreach(arr, i, v)
	{
		if ((str = json_string_value(v)) != NULL &&
		    ip16_parse(str, strlen(str), &ip) == 0)
			detect_session_add(d, s, &ip, SIP_KNOWN);
	}
}

/* Each interface's IPv6 addresses: IPv6 has no NAT, they are the
 * instance's own. */
static void
detect_proxy_ifaces(struct detect *d, struct session *s, json_t *arr)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
	    detect_proxy_ips(d, s, json_object_get(v, "ipv6s"));
}

/* An `instance` record: seed the lock with the instance's real IPs. */
static void
detect_proxy_instance(struct detect *d, json_t *r)
{
	const char *id = json_string_value(json_object_get(r, "instance_id"));
	const char *vpc = json_string_value(json_object_get(r, "vpc_id"));
	const char *acct = json_string_value(json_object_get(r, "account_id"));
	struct session *s;

	if (id == NULL ||
	    (s = session_get(&d->sessions, id, strlen(id), 1)) == NULL)
		return;
	if (vpc != NULL && *vpc != '\0')
		s->vpc = dmap_intern(&d->intern, vpc, strlen(vpc));
	if (acct != NULL && *acct != '\0')
		s->account = dmap_intern(&d->intern, acct, strlen(acct));
	s->flags |= SESS_SEEDED | SESS_PROXY;
	if (json_is_true(json_object_get(r, "require_token")))
		s->flags |= SESS_TOKEN;
	else
		s->flags &= ~SESS_TOKEN;
	detect_proxy_ips(d, s, json_object_get(r, "private_ips"));
	detect_proxy_ips(d, s, json_object_get(r, "public_ips"));
	detect_proxy_ifaces(d, s, json_object_get(r, "interfaces"));
}

/* Render the fetchers of a key as a JSON array, one more appended. */
static void
detect_proxy_fetch(struct detect *d, json_t *r)
{
	const char *key =
	    json_string_value(json_object_get(r, "access_key_id"));
	const char *inst = json_string_value(json_object_get(r, "instance_id"));
	struct dmap_slot *sl;
	struct detect_key *k;
	struct jsonw w;
	struct buf b;

	if (key == NULL)
		return;
	sl = dmap_put(&d->keys, key, strlen(key));
	if ((k = sl->val) == NULL) {
		k = sl->val = xcalloc(1, sizeof *k);
		k->instance = inst ? xstrdup(inst) : NULL;
	}
	if (k->nproc >= 4)
		return;
	buf_init(&b);
	jw_begin(&w, &b);
	if (json_object_get(r, "uid") != NULL)
		jw_int(&w, "uid",
		       json_integer_value(json_object_get(r, "uid")));
	jw_str(&w, "user", json_string_value(json_object_get(r, "user")));
	if (json_object_get(r, "pid") != NULL)
		jw_int(&w, "pid",
		       json_integer_value(json_object_get(r, "pid")));
	jw_str(&w, "exe", json_string_value(json_object_get(r, "exe")));
	jw_end(&w);
	if (k->process == NULL)
		xasprintf(&k->process, "[%s]", b.data);
	else {
		char *old = k->process;
		old[strlen(old) - 1] = '\0';
		xasprintf(&k->process, "%s,%s]", old, b.data);
		free(old);
	}
	k->nproc++;
	buf_free(&b);
}

int
detect_proxy_load(struct detect *d, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	json_error_t je;
	json_t *r;
	const char *ev;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if ((r = json_loads(line, 0, &je)) == NULL) {
			fprintf(stderr,
			        "imdsgate-detect: %s:%ld: %s (skipped)\n", path,
			        lineno, je.text);
			continue;
		}
		ev = json_string_value(json_object_get(r, "event"));
		if (ev != NULL && strcmp(ev, "instance") == 0)
			detect_proxy_instance(d, r);
		else if (ev != NULL && strcmp(ev, "credential_fetch") == 0)
			detect_proxy_fetch(d, r);
		json_decref(r);
	}
	free(line);
	fclose(f);
	return 0;
}

int
detect_agents_load(struct detect *d, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		d->agents =
		    xreallocarray(d->agents, d->nagents + 1, sizeof *d->agents);
		d->agents[d->nagents++] = xstrdup(line);
	}
	fclose(f);
	return 0;
}
