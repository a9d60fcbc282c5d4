/* What one poll of the instance learns, and the `instance` record made of
 * it: the identity document's ids, each interface's addresses and VPC.
 * Nothing here talks to the network (instinfo_poll.c does). */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "proxy/instinfo_int.h"

#define INSTINFO_MAXIPS (INSTINFO_MAXMACS * 64)

/* The leaves read per interface, in this order. */
static const char *instinfo_leaves[INSTINFO_NLEAVES] = {
    "local-ipv4s", "public-ipv4s", "ipv6s", "vpc-id"};

const char *
instinfo_record_leaf(int i)
{
	return instinfo_leaves[i];
}

void
instinfo_record_free(struct instinfo_snap *s)
{
	free(s->instance_id);
	free(s->account_id);
	free(s->region);
	for (int i = 0; i < s->nmacs; i++) {
		free(s->macs[i].mac);
		for (int j = 0; j < INSTINFO_NLEAVES; j++)
			free(s->macs[i].leaf[j]);
	}
	memset(s, 0, sizeof *s);
}

int
instinfo_record_ident(struct instinfo_snap *s, const char *body)
{
	static const char *keys[] = {"instanceId", "accountId", "region"};
	char **dst[] = {&s->instance_id, &s->account_id, &s->region};
	json_t *root, *v;

	if ((root = json_loads(body, 0, NULL)) == NULL ||
	    !json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < 3; i++) {
		if ((v = json_object_get(root, keys[i])) != NULL &&
		    json_is_string(v))
			*dst[i] = xstrdup(json_string_value(v));
	}
	json_decref(root);
	return s->instance_id != NULL ? 0 : -1;
}

void
instinfo_record_macs(struct instinfo_snap *s, char *body)
{
	char *line, *save = NULL;
	size_t n;

	for (line = strtok_r(body, "\n", &save);
	     line != NULL && s->nmacs < INSTINFO_MAXMACS;
	     line = strtok_r(NULL, "\n", &save)) {
		n = strcspn(line, "/\r");
		if (n == 0)
			continue;
		s->macs[s->nmacs++].mac = xstrndup(line, n);
	}
}

char *
instinfo_record_content(const struct instinfo_snap *s, int require_token)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s\n%s\n%s\n%d\n", s->instance_id,
	         s->account_id ? s->account_id : "", s->region ? s->region : "",
	         require_token);
	for (int i = 0; i < s->nmacs; i++) {
		buf_addf(&b, "%s\n", s->macs[i].mac);
		for (int j = 0; j < INSTINFO_NLEAVES; j++)
			buf_addf(&b, "%s\n", s->macs[i].leaf[j]);
	}
	return b.data;
}

/* Split a listing body into the strv, skipping empty lines. */
static void
instinfo_record_lines(const char *body, const char **v, int *n, int max)
{
	const char *p = body, *e;

	while (*p != '\0' && *n < max) {
		e = p + strcspn(p, "\n");
		if (e > p)
			v[(*n)++] = xstrndup(p, (size_t)(e - p));
		p = *e != '\0' ? e + 1 : e;
	}
}

/* The record's arrays, built from the snapshot (every string a copy). */
struct instinfo_rec {
	const char *priv[INSTINFO_MAXIPS + 1], *pub[INSTINFO_MAXIPS + 1];
	const char *macs[INSTINFO_MAXMACS + 1];
	const char *l4[INSTINFO_MAXMACS][65], *p4[INSTINFO_MAXMACS][65],
	    *v6[INSTINFO_MAXMACS][65];
	struct audit_iface ifaces[INSTINFO_MAXMACS];
	int npriv, npub;
};

/* Per interface: private = local IPv4s, public = public IPv4s and IPv6s. */
static void
instinfo_record_iface(struct instinfo_rec *r, const struct instinfo_mac *m,
                      int i)
{
	int n4 = 0, np = 0, n6 = 0, k;

	instinfo_record_lines(m->leaf[0], r->l4[i], &n4, 64);
	instinfo_record_lines(m->leaf[1], r->p4[i], &np, 64);
	instinfo_record_lines(m->leaf[2], r->v6[i], &n6, 64);
	for (k = 0; k < n4 && r->npriv < INSTINFO_MAXIPS; k++)
		r->priv[r->npriv++] = r->l4[i][k];
	for (k = 0; k < np && r->npub < INSTINFO_MAXIPS; k++)
		r->pub[r->npub++] = r->p4[i][k];
	for (k = 0; k < n6 && r->npub < INSTINFO_MAXIPS; k++)
		r->pub[r->npub++] = r->v6[i][k];
	r->macs[i] = m->mac;
	r->ifaces[i].mac = m->mac;
	r->ifaces[i].vpc_id = m->leaf[3];
	r->ifaces[i].local_ipv4s = r->l4[i];
	r->ifaces[i].public_ipv4s = r->p4[i];
	r->ifaces[i].ipv6s = r->v6[i];
}

static void
instinfo_record_rec_free(struct instinfo_rec *r, int nmacs)
{
	const char **v[3];

	for (int i = 0; i < nmacs; i++) {
		v[0] = r->l4[i], v[1] = r->p4[i], v[2] = r->v6[i];
		for (int j = 0; j < 3; j++)
			for (int k = 0; v[j][k] != NULL; k++)
				free((char *)v[j][k]);
	}
}

void
instinfo_record_write(const struct instinfo_snap *s, int require_token)
{
	struct instinfo_rec *r = xcalloc(1, sizeof *r);
	struct audit_instance in;

	for (int i = 0; i < s->nmacs; i++)
		instinfo_record_iface(r, &s->macs[i], i);
	memset(&in, 0, sizeof in);
	in.instance_id = s->instance_id;
	in.account_id = s->account_id;
	in.region = s->region;
	in.vpc_id = s->nmacs > 0 ? s->macs[0].leaf[3] : NULL;
	in.private_ips = r->priv;
	in.public_ips = r->pub;
	in.macs = r->macs;
	in.require_token = require_token;
	in.ifaces = r->ifaces;
	in.nifaces = s->nmacs;
	audit_instance(&in);
	instinfo_record_rec_free(r, s->nmacs);
	free(r);
}
