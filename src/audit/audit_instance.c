/* The `instance` record: which instance this is and its network
 * identity (addresses, MACs, VPCs), so every other record can be tied to
 * an instance and its IPs. */
#include "config.h"

#include "audit/audit_int.h"

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

int
audit_instance(const struct audit_instance *in)
{
	struct jsonw jw;

	if (in->instance_id != NULL)
		audit_set_instance_id(in->instance_id);
	audit_record_begin(&jw, "instance");
	jw_str(&jw, "account_id", in->account_id);
	jw_str(&jw, "region", in->region);
	audit_strv(&jw, "private_ips", in->private_ips);
	audit_strv(&jw, "public_ips", in->public_ips);
	jw_str(&jw, "vpc_id", in->vpc_id);
	audit_strv(&jw, "macs", in->macs);
	jw_bool(&jw, "require_token", in->require_token);
	audit_ifaces(&jw, in);
	return audit_record_end(&jw);
}
