/* The interception rules' public face: pick the backend (nft when it
 * works, else iptables) and keep the rest of the daemon unaware of it. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "proxy/conf.h"
#include "sys/redirect_int.h"

/* The daemon's view of its rules, from its configuration. */
void
redirect_conf_init(struct redirect_conf *rc, const struct conf *conf,
                   uid_t exempt_uid)
{
	memset(rc, 0, sizeof *rc);
	rc->backend = conf->redirect_backend;
	rc->port = conf->nlisten > 0 ? addr_port(&conf->listen[0]) : 0;
	rc->exempt_uid = exempt_uid;
	rc->ipv6 = 1;
}

/* AUTO resolves once per call: nft if nf_tables answers. */
static enum redirect_backend
redirect_backend(const struct redirect_conf *rc)
{
	if (rc->backend != REDIRECT_AUTO)
		return rc->backend;
	return redirect_nft_usable() ? REDIRECT_NFT : REDIRECT_IPTABLES;
}

/* A port and an exemption are required: without the exemption the
 * daemon's own upstream connection would be redirected into itself. */
static int
redirect_valid(const struct redirect_conf *rc, char *err, size_t errlen)
{
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

/* Idempotent: exactly one copy of our rules afterwards. */
int
redirect_install(const struct redirect_conf *rc, char *err, size_t errlen)
{
	if (redirect_valid(rc, err, errlen) == -1)
		return -1;
	if (redirect_backend(rc) == REDIRECT_NFT)
		return redirect_nft_install(rc, err, errlen);
	return redirect_ipt_install(rc, err, errlen);
}

/* Only ours, from the backend in use. */
int
redirect_remove(const struct redirect_conf *rc, char *err, size_t errlen)
{
	if (redirect_backend(rc) == REDIRECT_NFT)
		return redirect_nft_remove(rc, err, errlen);
	return redirect_ipt_remove(rc, err, errlen);
}

/* 0 complete, 1 missing or partial (err says what), -1 error. */
int
redirect_status(const struct redirect_conf *rc, char *err, size_t errlen)
{
	if (redirect_valid(rc, err, errlen) == -1)
		return -1;
	if (redirect_backend(rc) == REDIRECT_NFT)
		return redirect_nft_status(rc, err, errlen);
	return redirect_ipt_status(rc, err, errlen);
}
