/* The interception rules that send every TCP connection to the IMDS
 * addresses into imdsgated, kept in a table of our own ("imdsgate", nft
 * family inet; or chain IMDSGATE in the iptables nat table) so a
 * firewalld reload or Docker restart cannot silently take them with
 * theirs, and so we remove only what is ours. */
#ifndef IMDSGATE_REDIRECT_H
#define IMDSGATE_REDIRECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;

enum redirect_backend {
	REDIRECT_AUTO, /* nft when it works, else iptables-legacy */
	REDIRECT_NFT,
	REDIRECT_IPTABLES
};

struct redirect_conf {
	enum redirect_backend backend;
	int port;             /* the proxy's listen port */
	uid_t exempt_uid;     /* the daemon's own traffic */
	uint32_t mark;        /* and/or its socket mark, 0 none */
	int ipv6;             /* also fd00:ec2::254 */
	const char *iptables; /* REDIRECT_IPTABLES: the command
	                       * ("iptables-legacy", "iptables-nft"),
	                       * NULL: the one `iptables` runs */
};

struct conf;
/* Fill rc from the configuration: its backend, the port of the first
 * listen address (the redirect goes to 127.0.0.1 and ::1 on that port),
 * the daemon's uid as the exemption, IPv6 always (leaving fd00:ec2::254
 * out would be a bypass, not a saving). */
void redirect_conf_init(struct redirect_conf *, const struct conf *,
                        uid_t exempt_uid);

/* Idempotent: install leaves exactly one copy of our rules; remove
 * deletes only ours. status returns 0 when complete, 1 when missing or
 * partial (with what in err), -1 on error. */
int redirect_install(const struct redirect_conf *, char *err, size_t errlen);
int redirect_remove(const struct redirect_conf *, char *err, size_t errlen);
int redirect_status(const struct redirect_conf *, char *err, size_t errlen);

/* Self-check: every interval_ms (and on netlink netfilter events where
 * available) verify the rules; on a gap call on_gap (which logs the audit
 * `error` record) and reinstall. */
typedef void (*redirect_gap_cb)(void *arg, const char *what, int restored);
struct redirect_watch;
struct redirect_watch *redirect_watch_start(struct event_base *,
                                            const struct redirect_conf *,
                                            int interval_ms, redirect_gap_cb,
                                            void *);
void redirect_watch_stop(struct redirect_watch *);

#endif
