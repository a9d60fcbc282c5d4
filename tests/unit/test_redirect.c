/* The rule text each backend installs and checks against (the live
 * install/remove/status are tested as root in sys-redirect-*.sh). */
#include "config.h"

#include <string.h>

#include "common/addr.h"
#include "proxy/conf.h"
#include "sys/redirect_int.h"
#include "tap.h"

static int
has(const struct buf *b, const char *s)
{
	return b->data != NULL && strstr(b->data, s) != NULL;
}

static void
test_nft(void)
{
	struct redirect_conf rc = { .port = 169, .exempt_uid = 999, .ipv6 = 1 };
	struct buf b;

	buf_init(&b);
	redirect_nft_ruleset(&rc, &b);
	ok(has(&b, "table inet imdsgate {"), "nft: our own table");
	ok(has(&b, "type nat hook output priority -100;"), "nft: nat output");
	ok(has(&b, "\t\tmeta skuid 999 ip daddr 169.254.169.254 tcp dport 80 accept\n"
	    "\t\tip daddr 169.254.169.254 tcp dport 80 redirect to :169\n"),
	    "nft: v4 exemption, then redirect");
	ok(has(&b, "ip6 daddr fd00:ec2::254 tcp dport 80 redirect to :169"),
	    "nft: v6 redirect");
	ok(has(&b, "type filter hook forward"), "nft: forward chain");
	ok(has(&b, "ip daddr 169.254.169.254 meta l4proto 6 reject with tcp reset"),
	    "nft: forwarded connections refused");
	buf_reset(&b);
	rc.ipv6 = 0;
	rc.mark = 0x2a;
	redirect_nft_ruleset(&rc, &b);
	ok(!has(&b, "ip6 "), "nft: no v6 rules when ipv6 = 0");
	ok(has(&b, "meta skuid 999 meta mark 0x0000002a ip daddr"),
	    "nft: uid and mark both required");
	buf_free(&b);
}

static void
test_ipt(void)
{
	struct redirect_conf rc = { .port = 169, .exempt_uid = 999, .ipv6 = 1 };
	struct buf b;

	buf_init(&b);
	redirect_ipt_rules(&rc, 0, 1, &b);
	is_str(b.data, "-A IMDSGATE -d 169.254.169.254/32 -p tcp -m tcp --dport 80"
	    " -m owner --uid-owner 999 -j RETURN\n"
	    "-A IMDSGATE -d 169.254.169.254/32 -p tcp -m tcp --dport 80"
	    " -j REDIRECT --to-ports 169\n", "ipt: nat v4");
	buf_reset(&b);
	redirect_ipt_rules(&rc, 1, 0, &b);
	ok(has(&b, "-A IMDSGATE-FWD -d fd00:ec2::254/128 -p tcp -j REJECT"
	    " --reject-with tcp-reset\n"), "ipt: filter v6 reset");
	ok(has(&b, "--reject-with icmp6-port-unreachable"), "ipt: v6 icmp");
	buf_free(&b);
}

static void
test_valid(void)
{
	struct redirect_conf rc = { .backend = REDIRECT_NFT, .port = 0,
	    .exempt_uid = 999 };
	char err[128];

	is_int(redirect_install(&rc, err, sizeof err), -1, "port 0 refused");
	ok(strstr(err, "port") != NULL, "says: %s", err);
	rc.port = 169;
	rc.exempt_uid = (uid_t)-1;
	is_int(redirect_status(&rc, err, sizeof err), -1, "no exemption refused");
	ok(strstr(err, "exemption") != NULL, "says: %s", err);
}

/* From the configuration (the proxy's mapping): port of the first
 * listener, each family's first listener for the eBPF layer, always IPv6. */
static void
test_conf(void)
{
	struct redirect_conf rc;
	struct conf conf;
	char err[128];

	conf_defaults(&conf);
	addr_parse("127.0.0.1:8170", -1, &conf.listen[0], err, sizeof err);
	addr_parse("[::1]:8171", -1, &conf.listen[1], err, sizeof err);
	conf.nlisten = 2;
	conf.redirect_backend = CONF_BACKEND_NFT;
	conf_redirect(&conf, 998, &rc);
	is_int(rc.port, 8170, "conf: port of the first listener");
	is_int(addr_port(&rc.to4), 8170, "conf: eBPF IPv4 target");
	is_int(addr_port(&rc.to6), 8171, "conf: eBPF IPv6 target");
	is_int(rc.exempt_uid, 998, "conf: exempt uid");
	is_int(rc.pin_owner, 998, "conf: the pins belong to the daemon's user");
	is_int(rc.ipv6, 1, "conf: IPv6 always intercepted");
	is_int(rc.backend, REDIRECT_NFT, "conf: backend");
	is_int(rc.mark, 0, "conf: no mark");
	is_str(rc.cgroup, "", "conf: cgroup: the cgroup2 root");
	is_str(rc.pin_dir, "", "conf: pin directory: the default");
	conf.redirect_backend = CONF_BACKEND_BPF;
	snprintf(conf.redirect_cgroup, sizeof conf.redirect_cgroup, "/x/y");
	conf.nlisten = 1;
	conf_redirect(&conf, 998, &rc);
	is_int(rc.backend, REDIRECT_BPF, "conf: backend bpf");
	is_str(rc.cgroup, "/x/y", "conf: cgroup");
	is_int(rc.to6.ss_family, 0, "conf: no IPv6 listener, no IPv6 target");
}

int
main(void)
{
	test_conf();
	test_nft();
	test_ipt();
	test_valid();
	return tap_done();
}
