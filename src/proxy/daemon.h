/* imdsgated's life cycle once configured: signals (SIGHUP reload,
 * SIGTERM/SIGINT graceful stop), readiness (a `ready` line on stderr in
 * the foreground, sd_notify under systemd) and daemonising. */
#ifndef IMDSGATE_DAEMON_H
#define IMDSGATE_DAEMON_H

struct event_base;
struct proxy;
struct instinfo;

struct daemon {
	struct event_base *base;
	struct proxy *px;
	const char *confpath;
	struct instinfo *inst;
	struct event *sig[4];
	int nsig;
};

/* Under systemd (NOTIFY_SOCKET) stay put and notify; without -f fork. */
int daemon_detach(int foreground);
void daemon_ready(int foreground);
void daemon_notify_ready(void);
void daemon_signals(struct daemon *);
void daemon_signals_free(struct daemon *);
struct conf;
struct instinfo_conf;
/* The instance poller's configuration, out of the daemon's. */
void daemon_instinfo_conf(struct instinfo_conf *, const struct conf *);
/* Validate the whole new configuration and rule set, then swap; on any
 * error keep the old one and log why. Returns 0 or -1. */
int daemon_reload(struct daemon *);

#endif
