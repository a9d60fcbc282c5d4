/* privs_resolve's refusals and privs_caps_needed's choices per
 * configuration, through the proxy's mapping conf_privs (the drop itself
 * is tested as root in sys-privs.sh). */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "proxy/conf.h"
#include "sys/privs.h"
#include "tap.h"

static int
has(const cap_value_t *c, int n, cap_value_t want)
{
	int i;

	for (i = 0; i < n; i++)
		if (c[i] == want)
			return 1;
	return 0;
}

int
main(void)
{
	struct privs_user pu;
	struct conf conf;
	struct privs_needs need;
	cap_value_t caps[8];
	char err[256];
	int n;

	is_int(privs_resolve("root", &pu, err, sizeof err), -1, "root refused");
	ok(strstr(err, "uid 0") != NULL, "says why: %s", err);
	is_int(privs_resolve("0", &pu, err, sizeof err), -1, "uid 0 refused");
	is_int(privs_resolve("no-such-user-igt", &pu, err, sizeof err), -1,
	    "unknown user refused");
	ok(strstr(err, "no-such-user-igt") != NULL, "names it: %s", err);
	is_int(privs_resolve("nobody", &pu, err, sizeof err), 0, "nobody");
	is_int(pu.uid, 65534, "nobody's uid");
	is_int(privs_resolve("65534", &pu, err, sizeof err), 0, "by number");
	pu.uid = 0;
	is_int(privs_drop(&pu, NULL, 0, err, sizeof err), -1, "drop to 0 refused");

	/* the monitor's set; the worker keeps none */
	conf_defaults(&conf);
	conf_privs(&conf, &need);
	n = privs_caps_needed(&need, caps, 8);
	is_int(n, 4, "defaults: four capabilities");
	ok(has(caps, n, CAP_NET_ADMIN), "defaults: CAP_NET_ADMIN (restore)");
	ok(has(caps, n, CAP_SYS_PTRACE), "defaults: CAP_SYS_PTRACE (/proc fd)");
	ok(has(caps, n, CAP_DAC_READ_SEARCH), "defaults: CAP_DAC_READ_SEARCH");
	ok(has(caps, n, CAP_BPF), "defaults: CAP_BPF (the eBPF layer's maps)");
	conf.redirect_manage = 0;
	conf_privs(&conf, &need);
	n = privs_caps_needed(&need, caps, 8);
	ok(n == 3 && !has(caps, n, CAP_NET_ADMIN), "manage = no: no NET_ADMIN");
	conf.peer_process = 0;
	conf_privs(&conf, &need);
	n = privs_caps_needed(&need, caps, 8);
	ok(n == 2 && has(caps, n, CAP_BPF) && has(caps, n, CAP_DAC_READ_SEARCH),
	    "no process info: CAP_BPF and the pins' directory only");
	conf.redirect_backend = CONF_BACKEND_NFT;
	conf_privs(&conf, &need);
	is_int(privs_caps_needed(&need, caps, 8), 0, "nft, no manage: none");
	conf.redirect_manage = 1;
	conf_privs(&conf, &need);
	n = privs_caps_needed(&need, caps, 8);
	ok(n == 1 && caps[0] == CAP_NET_ADMIN, "only NET_ADMIN");
	is_int(privs_caps_needed(&need, caps, 0), 0, "max respected");
	conf.redirect_backend = CONF_BACKEND_IPTABLES;
	conf_privs(&conf, &need);
	n = privs_caps_needed(&need, caps, 8);
	ok(n == 2 && has(caps, n, CAP_NET_RAW), "iptables: also NET_RAW");
	conf.peer_process = 1;
	conf_privs(&conf, &need);
	n = privs_caps_needed(&need, caps, 8);
	ok(n == 4 && !has(caps, n, CAP_BPF), "iptables: no CAP_BPF");
	return tap_done();
}
