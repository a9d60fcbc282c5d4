/* The interception's public face: which layers a configuration runs (the
 * eBPF layer, the netfilter layer or both) and, for the netfilter layer,
 * which backend (nft when it works, else iptables); the rest of the daemon
 * stays unaware of them. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sys/imdsgate_bpf.h"
#include "sys/redirect_int.h"

/* No exemption and no pin owner until the caller says so. */
void
redirect_conf_init(struct redirect_conf *rc)
{
	memset(rc, 0, sizeof *rc);
	rc->backend = REDIRECT_AUTO;
	rc->exempt_uid = (uid_t)-1;
	rc->pin_owner = (uid_t)-1;
	rc->ipv6 = 1;
}

/* The netfilter backend: nft if nf_tables answers, else iptables. */
static enum redirect_backend
redirect_net(const struct redirect_conf *rc)
{
	if (rc->backend == REDIRECT_NFT || rc->backend == REDIRECT_IPTABLES)
		return rc->backend;
	return redirect_nft_usable() ? REDIRECT_NFT : REDIRECT_IPTABLES;
}

/* AUTO resolves per call: eBPF where it loads, nft else iptables. */
int
redirect_layers(const struct redirect_conf *rc, char *why, size_t whylen)
{
	switch (rc->backend) {
	case REDIRECT_BPF:
		return REDIRECT_LAYER_BPF;
	case REDIRECT_NFT:
	case REDIRECT_IPTABLES:
		return REDIRECT_LAYER_NET;
	case REDIRECT_AUTO:
	default:
		return REDIRECT_LAYER_NET |
		       (redirect_bpf_usable(rc, why, whylen)
		            ? REDIRECT_LAYER_BPF
		            : 0);
	}
}

/* The name messages and the audit record use. */
const char *
redirect_layer_name(const struct redirect_conf *rc, int layer)
{
	if (layer == REDIRECT_LAYER_BPF)
		return "bpf";
	return redirect_net(rc) == REDIRECT_NFT ? "nft" : "iptables";
}

/* What each layer needs: the netfilter layer a port and an exemption
 * (without it the daemon's own upstream connection would be redirected
 * into itself); the eBPF layer a place to send connections (its
 * exemptions are the daemon's processes, listed at run time). */
static int
redirect_valid(const struct redirect_conf *rc, int layer, char *err,
               size_t errlen)
{
	struct imdsgate_cfg cfg;

	if (layer == REDIRECT_LAYER_BPF) {
		if (redirect_bpf_cfg(rc, &cfg) == -1) {
			snprintf(err, errlen,
			         "redirect: no address to send to");
			return -1;
		}
		return 0;
	}
	if (rc->port < 1 || rc->port > 65535) {
		snprintf(err, errlen, "redirect: bad port %d", rc->port);
		return -1;
	}
	if (rc->exempt_uid == (uid_t)-1 && rc->mark == 0) {
		snprintf(err, errlen, "redirect: no exemption (uid or mark)");
		return -1;
	}
	return 0;
}

/* One layer, once its configuration is valid. */
int
redirect_layer_install(const struct redirect_conf *rc, int layer, char *err,
                       size_t errlen)
{
	if (redirect_valid(rc, layer, err, errlen) == -1)
		return -1;
	if (layer == REDIRECT_LAYER_BPF)
		return redirect_bpf_install(rc, err, errlen);
	if (redirect_net(rc) == REDIRECT_NFT)
		return redirect_nft_install(rc, err, errlen);
	return redirect_ipt_install(rc, err, errlen);
}

/* One layer: 0 complete, 1 gap, -1 error. */
int
redirect_layer_status(const struct redirect_conf *rc, int layer, char *err,
                      size_t errlen)
{
	if (redirect_valid(rc, layer, err, errlen) == -1)
		return -1;
	if (layer == REDIRECT_LAYER_BPF)
		return redirect_bpf_status(rc, err, errlen);
	if (redirect_net(rc) == REDIRECT_NFT)
		return redirect_nft_status(rc, err, errlen);
	return redirect_ipt_status(rc, err, errlen);
}

/* Every layer of the configuration; the first error is reported. */
int
redirect_install(const struct redirect_conf *rc, char *err, size_t errlen)
{
	char why[256];
	int layers = redirect_layers(rc, why, sizeof why), l, rv = 0;

	for (l = REDIRECT_LAYER_BPF; l <= REDIRECT_LAYER_NET; l <<= 1)
		if ((layers & l) && rv == 0)
			rv = redirect_layer_install(rc, l, err, errlen);
	return rv;
}

/* Every layer there may be, whatever the configuration runs now: a
 * backend changed since the install must not leave the old one behind. */
int
redirect_remove(const struct redirect_conf *rc, char *err, size_t errlen)
{
	int rv;

	rv = redirect_bpf_remove(rc, err, errlen);
	if (redirect_net(rc) == REDIRECT_NFT)
		return redirect_nft_remove(rc, err, errlen) == 0 ? rv : -1;
	return redirect_ipt_remove(rc, err, errlen) == 0 ? rv : -1;
}

/* 0 when every layer is complete; else the first gap (1) or error (-1). */
int
redirect_status(const struct redirect_conf *rc, char *err, size_t errlen)
{
	char why[256];
	int layers = redirect_layers(rc, why, sizeof why), l, r;

	for (l = REDIRECT_LAYER_BPF; l <= REDIRECT_LAYER_NET; l <<= 1)
		if ((layers & l) &&
		    (r = redirect_layer_status(rc, l, err, errlen)) != 0)
			return r;
	return 0;
}
