/* Configuration: a table of keys, each with a parser and bounds, so
 * adding a key is one line and every error names the file and line. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/inifile.h"
#include "proxy/conf.h"
#include "sys/privs.h"
#include "sys/redirect.h"

enum conf_type {
	CT_BOOL,
	CT_STR,
	CT_MS,
	CT_INT,
	CT_LISTEN,
	CT_UPSTREAM,
	CT_MODE,
	CT_BACKEND,
	CT_PATH /* an absolute path */
};

struct conf_key {
	const char *section;
	const char *name;
	enum conf_type type;
	size_t off;
	long min, max; /* CT_INT, CT_MS (ms) bounds */
};

#define O(f) offsetof(struct conf, f)
static const struct conf_key conf_keys[] = {
    {"proxy", "listen", CT_LISTEN, O(listen), 0, 0},
    {"proxy", "upstream", CT_UPSTREAM, O(upstream4), 0, 0},
    {"proxy", "mode", CT_MODE, O(mode), 0, 0},
    {"proxy", "require_token", CT_BOOL, O(require_token), 0, 1},
    {"proxy", "bind_token_to_uid", CT_BOOL, O(bind_token_to_uid), 0, 1},
    {"proxy", "user", CT_STR, O(user), 1, sizeof(((struct conf *)0)->user)},
    {"proxy", "connect_timeout", CT_MS, O(connect_timeout_ms), 10, 60000},
    {"proxy", "upstream_timeout", CT_MS, O(upstream_timeout_ms), 10, 60000},
    {"proxy", "upstream_body_timeout", CT_MS, O(upstream_body_timeout_ms), 100,
     3600000},
    {"proxy", "client_timeout", CT_MS, O(client_timeout_ms), 100, 3600000},
    {"proxy", "max_connections", CT_INT, O(max_connections), 1, 1000000},
    {"proxy", "max_connections_per_uid", CT_INT, O(max_connections_per_uid), 1,
     1000000},
    {"proxy", "process_info", CT_BOOL, O(peer_process), 0, 1},
    {"rules", "dir", CT_STR, O(rules_dir), 1, PATH_MAX},
    {"log", "audit", CT_STR, O(audit), 1, PATH_MAX},
    {"redirect", "manage", CT_BOOL, O(redirect_manage), 0, 1},
    {"redirect", "backend", CT_BACKEND, O(redirect_backend), 0, 0},
    {"redirect", "check_interval", CT_MS, O(redirect_check_ms), 100, 3600000},
    {"redirect", "cgroup", CT_PATH, O(redirect_cgroup), 1, PATH_MAX},
    {"redirect", "pin_dir", CT_PATH, O(redirect_pin_dir), 1, PATH_MAX},
    {"instance", "poll_interval", CT_MS, O(instance_poll_ms), 1000, 86400000},
};
#undef O

void
conf_defaults(struct conf *c)
{
	char err[64];

	memset(c, 0, sizeof *c);
	c->mode = MODE_ENFORCE;
	c->require_token = 1;
	c->bind_token_to_uid = 1;
	snprintf(c->user, sizeof c->user, "imdsgate");
	c->connect_timeout_ms = 1000;
	c->upstream_timeout_ms = 3000;
	c->upstream_body_timeout_ms = 60000;
	c->client_timeout_ms = 10000;
	c->max_connections = 4096;
	c->max_connections_per_uid = 256;
	snprintf(c->rules_dir, sizeof c->rules_dir, "%s/imdsgate/rules.d",
	         SYSCONFDIR);
	snprintf(c->audit, sizeof c->audit, "%s/log/imdsgate/audit.log",
	         LOCALSTATEDIR);
	c->peer_process = 1;
	c->redirect_manage = 1;
	c->redirect_backend = CONF_BACKEND_AUTO;
	c->redirect_check_ms = 5000;
	c->instance_poll_ms = 60000;
	addr_parse("169.254.169.254:80", -1, &c->upstream4, err, sizeof err);
	c->has_upstream4 = 1;
}

static int
conf_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") ||
	         !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* A number as people write it in a configuration: decimal digits, and
 * for seconds one point with at most three decimals ("2", "0.5", ".5").
 * Nothing else strtod would take (a sign, an exponent, hex, "inf",
 * "nan"): "nan" once passed every range check and aborted the daemon
 * later. Returns the value in units of 10^-decimals, or -1. */
static long long
conf_decimal(const char *v, int decimals)
{
	long long n = 0;
	int frac = -1, digits = 0;

	for (; *v != '\0'; v++) {
		if (*v == '.' && frac < 0 && decimals > 0) {
			frac = 0;
			continue;
		}
		if (*v < '0' || *v > '9' || frac == decimals ||
		    n > 1000000000000LL)
			return -1;
		n = n * 10 + (*v - '0');
		digits++;
		if (frac >= 0)
			frac++;
	}
	if (digits == 0)
		return -1;
	for (frac = frac < 0 ? 0 : frac; frac < decimals; frac++)
		n *= 10;
	return n;
}

/* Seconds ("2", "0.5") to milliseconds, within the key's bounds. */
static int
conf_ms(const char *v, const struct conf_key *k, int *out)
{
	long long ms = conf_decimal(v, 3);

	if (ms < 0 || ms < k->min || ms > k->max)
		return -1;
	*out = (int)ms;
	return 0;
}

static int
conf_int(const char *v, const struct conf_key *k, int *out)
{
	long long l = conf_decimal(v, 0);

	if (l < 0 || l < k->min || l > k->max)
		return -1;
	*out = (int)l;
	return 0;
}

/* What a numeric key takes, for the error message. */
static void
conf_range(const struct conf_key *k, char *err, size_t errlen,
           const char *value)
{
	if (k->type == CT_MS)
		snprintf(err, errlen,
		         "invalid value '%s' for %s: seconds from %g to %g",
		         value, k->name, k->min / 1000.0, k->max / 1000.0);
	else
		snprintf(err, errlen,
		         "invalid value '%s' for %s: a whole number from %ld "
		         "to %ld",
		         value, k->name, k->min, k->max);
}

struct conf_parse {
	struct conf *c;
	int upstream_seen;
	int listen_seen;
};

static int
conf_addr(struct conf_parse *p, const struct conf_key *k, const char *v,
          char *err, size_t errlen)
{
	struct conf *c = p->c;
	struct sockaddr_storage ss;

	if (addr_parse(v, -1, &ss, err, errlen) != 0)
		return -1;
	if (k->type == CT_LISTEN) {
		if (!p->listen_seen++)
			c->nlisten = 0;
		if (c->nlisten == CONF_MAXLISTEN) {
			snprintf(err, errlen, "more than %d listen addresses",
			         CONF_MAXLISTEN);
			return -1;
		}
		c->listen[c->nlisten++] = ss;
		return 0;
	}
	if (!p->upstream_seen++)
		c->has_upstream4 = c->has_upstream6 = 0;
	if (ss.ss_family == AF_INET6 ? c->has_upstream6 : c->has_upstream4) {
		snprintf(err, errlen, "one upstream per address family");
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		c->upstream6 = ss, c->has_upstream6 = 1;
	else
		c->upstream4 = ss, c->has_upstream4 = 1;
	return 0;
}

static int
conf_enum(const struct conf_key *k, const char *v, int *out)
{
	static const char *modes[] = {"enforce", "audit", NULL};
	static const char *backends[] = {"auto", "bpf", "nft", "iptables",
	                                 NULL};
	const char **names = k->type == CT_MODE ? modes : backends;
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

static int
conf_set(struct conf_parse *p, const struct conf_key *k, const char *v,
         char *err, size_t errlen)
{
	void *f = (char *)p->c + k->off;

	switch (k->type) {
	case CT_BOOL:
		return conf_bool(v, f);
	case CT_MS:
		return conf_ms(v, k, f);
	case CT_INT:
		return conf_int(v, k, f);
	case CT_MODE:
	case CT_BACKEND:
		return conf_enum(k, v, f);
	case CT_LISTEN:
	case CT_UPSTREAM:
		return conf_addr(p, k, v, err, errlen);
	case CT_PATH:
		if (*v != '/') {
			snprintf(err, errlen, "%s: not an absolute path",
			         k->name);
			return -1;
		}
		/* FALLTHROUGH */
	case CT_STR:
		if (*v == '\0' || strlen(v) >= (size_t)k->max)
			return -1;
		memcpy(f, v, strlen(v) + 1);
		return 0;
	}
	return -1;
}

static int
conf_cb(void *arg, const struct inifile_pos *pos, const char *section,
        const char *name, const char *value, char *err, size_t errlen)
{
	size_t i;

	(void)pos;
	if (name == NULL) {
		for (i = 0; i < sizeof conf_keys / sizeof conf_keys[0]; i++)
			if (strcmp(conf_keys[i].section, section) == 0)
				return 0;
		snprintf(err, errlen, "unknown section [%s]", section);
		return -1;
	}
	for (i = 0; i < sizeof conf_keys / sizeof conf_keys[0]; i++) {
		if (strcmp(conf_keys[i].section, section) != 0 ||
		    strcmp(conf_keys[i].name, name) != 0)
			continue;
		err[0] = '\0';
		if (conf_set(arg, &conf_keys[i], value, err, errlen) == 0)
			return 0;
		if (err[0] == '\0' &&
		    (conf_keys[i].type == CT_MS || conf_keys[i].type == CT_INT))
			conf_range(&conf_keys[i], err, errlen, value);
		else if (err[0] == '\0')
			snprintf(err, errlen, "invalid value '%s' for %s",
			         value, name);
		return -1;
	}
	snprintf(err, errlen, "unknown key '%s' in [%s]", name, section);
	return -1;
}

int
conf_load(const char *path, struct conf *c, char *err, size_t errlen)
{
	struct conf_parse p = {c, 0, 0};
	char e[64];

	conf_defaults(c);
	c->path = path;
	if (inifile_parse(path, conf_cb, &p, err, errlen) != 0)
		return -1;
	if (c->nlisten == 0) {
		addr_parse("127.0.0.1", CONF_DEFAULT_PORT, &c->listen[0], e,
		           sizeof e);
		addr_parse("[::1]", CONF_DEFAULT_PORT, &c->listen[1], e,
		           sizeof e);
		c->nlisten = 2;
	}
	return 0;
}

const struct sockaddr_storage *
conf_upstream_for(const struct conf *c, int family)
{
	if (family == AF_INET6 && c->has_upstream6)
		return &c->upstream6;
	if (c->has_upstream4)
		return &c->upstream4;
	return c->has_upstream6 ? &c->upstream6 : NULL;
}

/* The first listen address of a family, or family 0. */
static void
conf_listen_of(const struct conf *c, int family, struct sockaddr_storage *out)
{
	int i;

	memset(out, 0, sizeof *out);
	for (i = 0; i < c->nlisten; i++)
		if (c->listen[i].ss_family == family) {
			*out = c->listen[i];
			return;
		}
}

/* The redirect sends IMDS connections to our listeners: nft/iptables to
 * the port of the first listen address on loopback, the eBPF layer to the
 * first listen address of each family; IPv6 always (leaving fd00:ec2::254
 * out would be a bypass, not a saving). */
void
conf_redirect(const struct conf *c, uid_t daemon_uid, struct redirect_conf *rc)
{
	static const enum redirect_backend map[] = {
	    REDIRECT_AUTO, REDIRECT_BPF, REDIRECT_NFT, REDIRECT_IPTABLES};

	redirect_conf_init(rc);
	rc->backend = map[c->redirect_backend];
	rc->port = c->nlisten > 0 ? addr_port(&c->listen[0]) : 0;
	conf_listen_of(c, AF_INET, &rc->to4);
	conf_listen_of(c, AF_INET6, &rc->to6);
	rc->exempt_uid = daemon_uid;
	rc->pin_owner = daemon_uid;
	snprintf(rc->cgroup, sizeof rc->cgroup, "%s", c->redirect_cgroup);
	snprintf(rc->pin_dir, sizeof rc->pin_dir, "%s", c->redirect_pin_dir);
}

/* The monitor restores the interception only when it manages it; it
 * names processes when process_info is on; the eBPF layer's maps are
 * read unless the backend is nft or iptables alone. */
void
conf_privs(const struct conf *c, struct privs_needs *need)
{
	memset(need, 0, sizeof *need);
	need->proc = c->peer_process;
	need->net_admin = c->redirect_manage;
	need->net_raw =
	    c->redirect_manage && c->redirect_backend == CONF_BACKEND_IPTABLES;
	need->bpf = c->redirect_backend == CONF_BACKEND_AUTO ||
	            c->redirect_backend == CONF_BACKEND_BPF;
}
