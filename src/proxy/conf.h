/* imdsgated's configuration file (docs/interfaces.md), parsed from a table of
 * keys with types, bounds and defaults; cross-field checks after. */
#ifndef IMDSGATE_CONF_H
#define IMDSGATE_CONF_H

#include <limits.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define CONF_MAXLISTEN 8
#define CONF_DEFAULT_PATH SYSCONFDIR "/imdsgate/imdsgate.conf"
/* Where the redirect sends IMDS traffic: a port below 1024, so that no
 * unprivileged user can bind it while the daemon is down. */
#define CONF_DEFAULT_PORT 169

enum conf_mode { MODE_ENFORCE, MODE_AUDIT };
/* [redirect] backend, in the order of the keyword table in conf.c. */
enum conf_backend {
	CONF_BACKEND_AUTO,
	CONF_BACKEND_BPF,
	CONF_BACKEND_NFT,
	CONF_BACKEND_IPTABLES
};

struct conf {
	const char *path; /* the file it came from */
	/* [proxy] */
	struct sockaddr_storage listen[CONF_MAXLISTEN];
	int nlisten;
	struct sockaddr_storage upstream4; /* for IPv4 clients */
	struct sockaddr_storage upstream6; /* for IPv6 clients */
	int has_upstream4, has_upstream6;
	enum conf_mode mode;
	int require_token;
	int bind_token_to_uid;
	char user[64];
	int connect_timeout_ms;       /* to the upstream */
	int upstream_timeout_ms;      /* for its answer */
	int upstream_body_timeout_ms; /* for its whole body */
	int client_timeout_ms;        /* idle / request read */
	int max_connections;
	int max_connections_per_uid;
	int peer_process; /* pid/comm/exe/groups from /proc */
	/* [rules] */
	char rules_dir[PATH_MAX];
	/* [log] */
	char audit[PATH_MAX]; /* path | syslog | stdout */
	/* [redirect] */
	int redirect_manage; /* install, watch, restore */
	enum conf_backend redirect_backend;
	int redirect_check_ms;
	char redirect_cgroup[PATH_MAX]; /* "": the cgroup2 root */
	char redirect_pin_dir[PATH_MAX];
	/* [instance] */
	int instance_poll_ms;
};

void conf_defaults(struct conf *);
/* Returns 0, or -1 with err = "FILE:LINE: message" (or "FILE: message"
 * for a cross-field problem). */
int conf_load(const char *path, struct conf *, char *err, size_t errlen);
struct redirect_conf;
struct privs_needs;
/* The system layer's own configurations, from this one: the interception
 * (redirecting to the listen addresses, exempting daemon_uid) and what
 * the privileged monitor must keep. */
void conf_redirect(const struct conf *, uid_t daemon_uid,
                   struct redirect_conf *);
void conf_privs(const struct conf *, struct privs_needs *);
/* The upstream for a client that connected to dst's family. */
const struct sockaddr_storage *conf_upstream_for(const struct conf *,
                                                 int family);

#endif
