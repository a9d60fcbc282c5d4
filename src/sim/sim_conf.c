/* imdsgate-sim's settings: one table serves the INI file ([sim] section)
 * and the long command-line options, so both spell every key the same. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/inifile.h"
#include "sim/sim.h"
#include "common/xmalloc.h"

enum sim_type {
	T_STR,
	T_INT,
	T_LISTEN,
	T_MAC,
	T_TOKENS,
	T_FAULT,
	T_IPV4,
	T_IPV6,
	T_ID
};

struct sim_key {
	const char *name;
	enum sim_type type;
	size_t off;
	long min, max;
	const char *prefix; /* T_ID, checked T_STR: required prefix */
};

#define OFF(f) offsetof(struct sim_conf, f)
static const struct sim_key sim_keys[] = {
    {"listen", T_LISTEN, 0, 0, 0, NULL},
    {"tokens", T_TOKENS, 0, 0, 0, NULL},
    {"instance-id", T_ID, OFF(instance_id), 0, 0, "i-"},
    {"account", T_ID, OFF(account), 0, 0, ""},
    {"region", T_STR, OFF(region), 0, 0, ""},
    {"role", T_STR, OFF(role), 0, 0, ""},
    {"private-ipv4", T_IPV4, OFF(private_ipv4), 0, 0, NULL},
    {"public-ipv4", T_IPV4, OFF(public_ipv4), 0, 0, NULL},
    {"ipv6", T_IPV6, OFF(ipv6), 0, 0, NULL},
    {"mac", T_MAC, 0, 0, 0, NULL},
    {"vpc-id", T_ID, OFF(vpc_id), 0, 0, "vpc-"},
    {"subnet-id", T_ID, OFF(subnet_id), 0, 0, "subnet-"},
    {"credential-lifetime", T_INT, OFF(lifetime), SIM_LIFETIME_MIN,
     SIM_LIFETIME_MAX, NULL},
    {"hop-limit", T_INT, OFF(hop_limit), 1, 255, NULL},
    {"user-data", T_STR, OFF(user_data), 0, 0, NULL},
    {"secrets-file", T_STR, OFF(secrets_file), 0, 0, NULL},
    {"fault", T_FAULT, 0, 0, 0, NULL},
};

/* Defaults look like a real instance in us-east-1, with test-net
 * addresses so nothing can be mistaken for a real host. */
void
sim_conf_init(struct sim_conf *c)
{
	memset(c, 0, sizeof *c);
	c->tokens_required = 1;
	c->instance_id = xstrdup("i-0123456789abcdef0");
	c->account = xstrdup("123456789012");
	c->region = xstrdup("us-east-1");
	c->role = xstrdup("imdsgate-sim-role");
	c->private_ipv4 = xstrdup("172.31.16.10");
	c->public_ipv4 = xstrdup("203.0.113.10");
	c->ipv6 = xstrdup("2001:db8:1234::10");
	c->vpc_id = xstrdup("vpc-0123456789abcdef0");
	c->subnet_id = xstrdup("subnet-0123456789abcdef0");
	c->lifetime = 21600;
	c->hop_limit = 1;
}

/* Fill in what must exist when nothing was given. */
void
sim_conf_finish(struct sim_conf *c)
{
	char err[128];

	if (c->nlisten == 0 &&
	    addr_parse("169.254.169.254:80", -1, &c->listen[c->nlisten++], err,
	               sizeof err) != 0)
		c->nlisten = 0;
	if (c->nmacs == 0)
		c->macs[c->nmacs++] = xstrdup("0e:49:61:0f:c3:11");
}

void
sim_conf_free(struct sim_conf *c)
{
	int i;

	free(c->instance_id);
	free(c->account);
	free(c->region);
	free(c->role);
	free(c->private_ipv4);
	free(c->public_ipv4);
	free(c->ipv6);
	free(c->vpc_id);
	free(c->subnet_id);
	free(c->user_data);
	free(c->secrets_file);
	for (i = 0; i < c->nmacs; i++)
		free(c->macs[i]);
}

/* A MAC as IMDS prints it: six lower-case hex pairs. */
static int
sim_conf_mac_ok(const char *v)
{
	int i;

	if (strlen(v) != 17)
		return 0;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2 ? v[i] != ':'
		               : strchr("0123456789abcdef", v[i]) == NULL ||
		                     v[i] == '\0')
			return 0;
	}
	return 1;
}

/* Ids and names become path segments and JSON: keep them tame. */
static int
sim_conf_word_ok(const char *v, const char *prefix)
{
	size_t i, n = strlen(v);

	if (n == 0 || n > 64 || strncmp(v, prefix, strlen(prefix)) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (strchr(
		        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		        "0123456789-_.+=,@",
		        v[i]) == NULL)
			return 0;
	return 1;
}

static int
sim_conf_int(const char *v, const struct sim_key *k, int *out, char *err,
             size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < k->min ||
	    n > k->max) {
		snprintf(err, errlen,
		         "%s: \"%s\" is not a number from %ld to %ld", k->name,
		         v, k->min, k->max);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* Repeatable keys: the command line replaces what the file listed. */
static int
sim_conf_listen(struct sim_conf *c, const char *v, char *err, size_t errlen)
{
	char e[128];

	if (c->listen_phase != c->phase) {
		c->nlisten = 0;
		c->listen_phase = c->phase;
	}
	if (c->nlisten == SIM_MAXLISTEN) {
		snprintf(err, errlen, "listen: at most %d addresses",
		         SIM_MAXLISTEN);
		return -1;
	}
	if (addr_parse(v, -1, &c->listen[c->nlisten], e, sizeof e) != 0) {
		snprintf(err, errlen, "listen: %s", e);
		return -1;
	}
	c->nlisten++;
	return 0;
}

static int
sim_conf_mac(struct sim_conf *c, const char *v, char *err, size_t errlen)
{
	if (c->macs_phase != c->phase) {
		while (c->nmacs > 0)
			free(c->macs[--c->nmacs]);
		c->macs_phase = c->phase;
	}
	if (!sim_conf_mac_ok(v)) {
		snprintf(err, errlen,
		         "mac: \"%s\" is not like 0e:49:61:0f:c3:11", v);
		return -1;
	}
	if (c->nmacs == SIM_MAXMACS) {
		snprintf(err, errlen, "mac: at most %d", SIM_MAXMACS);
		return -1;
	}
	c->macs[c->nmacs++] = xstrdup(v);
	return 0;
}

static int
sim_conf_addr(const struct sim_key *k, const char *v, char *err, size_t errlen)
{
	unsigned char a[16];

	if (*v == '\0' && strcmp(k->name, "private-ipv4") != 0)
		return 0;
	if (inet_pton(k->type == T_IPV4 ? AF_INET : AF_INET6, v, a) == 1)
		return 0;
	snprintf(err, errlen, "%s: \"%s\" is not an IPv%d address", k->name, v,
	         k->type == T_IPV4 ? 4 : 6);
	return -1;
}

/* Enumerations: tokens required|optional, and the fault modes. */
static int
sim_conf_enum(struct sim_conf *c, const struct sim_key *k, const char *v,
              char *err, size_t errlen)
{
	if (k->type == T_TOKENS) {
		if (strcmp(v, "required") == 0 || strcmp(v, "optional") == 0) {
			c->tokens_required = strcmp(v, "required") == 0;
			return 0;
		}
		snprintf(err, errlen,
		         "tokens: \"%s\" is not required or "
		         "optional",
		         v);
		return -1;
	}
	if (sim_fault_parse(v, &c->fault) == 0)
		return 0;
	snprintf(err, errlen,
	         "fault: \"%s\" is not never-answer, reset, "
	         "garbage, huge-body or slow",
	         v);
	return -1;
}

/* String keys: ids, names and addresses are checked before they become
 * path segments or JSON; user-data and paths are taken as they are. */
static int
sim_conf_string(const struct sim_key *k, const char *v, char *err,
                size_t errlen)
{
	if (k->type == T_IPV4 || k->type == T_IPV6)
		return sim_conf_addr(k, v, err, errlen);
	if (k->type == T_ID || k->prefix != NULL) {
		if (!sim_conf_word_ok(v, k->prefix ? k->prefix : "")) {
			snprintf(err, errlen, "%s: \"%s\" is not a valid %s",
			         k->name, v, k->type == T_ID ? "id" : "name");
			return -1;
		}
	}
	return 0;
}

static int
sim_conf_apply(struct sim_conf *c, const struct sim_key *k, const char *v,
               char *err, size_t errlen)
{
	char **sp = (char **)((char *)c + k->off);

	switch (k->type) {
	case T_LISTEN:
		return sim_conf_listen(c, v, err, errlen);
	case T_MAC:
		return sim_conf_mac(c, v, err, errlen);
	case T_INT:
		return sim_conf_int(v, k, (int *)((char *)c + k->off), err,
		                    errlen);
	case T_TOKENS:
	case T_FAULT:
		return sim_conf_enum(c, k, v, err, errlen);
	default:
		break;
	}
	if (sim_conf_string(k, v, err, errlen) != 0)
		return -1;
	free(*sp);
	*sp = xstrdup(v);
	return 0;
}

/* Set one key by its name; err gets a message without FILE:LINE. */
int
sim_conf_set(struct sim_conf *c, const char *key, const char *val, char *err,
             size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof sim_keys / sizeof sim_keys[0]; i++)
		if (strcmp(sim_keys[i].name, key) == 0)
			return sim_conf_apply(c, &sim_keys[i], val, err,
			                      errlen);
	snprintf(err, errlen, "unknown key \"%s\"", key);
	return -1;
}

static int
sim_conf_cb(void *arg, const struct inifile_pos *pos, const char *section,
            const char *name, const char *value, char *err, size_t errlen)
{
	(void)pos;
	if (*section == '\0') {
		snprintf(err, errlen, "\"%s\" outside the [sim] section",
		         name ? name : "");
		return -1;
	}
	if (strcmp(section, "sim") != 0) {
		snprintf(err, errlen, "unknown section [%s] (only [sim])",
		         section);
		return -1;
	}
	if (name == NULL)
		return 0;
	return sim_conf_set(arg, name, value, err, errlen);
}

/* Read the [sim] section of an INI file; err = "FILE:LINE: message". */
int
sim_conf_load(struct sim_conf *c, const char *path, char *err, size_t errlen)
{
	c->phase = 0;
	return inifile_parse(path, sim_conf_cb, c, err, errlen);
}
