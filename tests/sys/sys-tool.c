/* The sys area's functions behind a small command line for the root
 * integration tests (tests/integration/sys-*.sh):
 *   sys-tool redirect install|remove|status [-b BACKEND] [-p PORT] [-u UID]
 *            [-m MARK] [-4] [-c CGROUP] [-P PINDIR] [-o OWNER] [-t ADDR]...
 *                                            BACKEND: auto, bpf, nft,
 *                                            iptables[-legacy|-nft]; -t: the
 *                                            eBPF layer's targets (default
 *                                            127.0.0.1 and ::1 on the port)
 *   sys-tool watch [-d USER] [same options] -i MS
 *                                            print each gap and its repair
 *                                            (-d: drop to USER first)
 *   sys-tool exempt PID UID [same options]   the eBPF layer lets PID (as UID)
 *                                            through; "-" PID: clear all
 *   sys-tool listen [-d USER] [-B PINDIR] ADDR...
 *                                            answer each connection with
 *                                            who/where (-d: then drop to USER
 *                                            keeping the monitor's
 *                                            capabilities; -B: read the eBPF
 *                                            layer's connect() records)
 *   sys-tool connect ADDR [-m MARK]          print the answer; exit 1 if refused
 *   sys-tool drop USER [-c CONF | CAP...]    drop, print "dropped", wait */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <event2/event.h>
#include <sys/capability.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "proxy/conf.h"
#include "common/log.h"
#include "sys/origdst.h"
#include "sys/peer.h"
#include "sys/privs.h"
#include "sys/redirect.h"

static void
usage(void)
{
	fprintf(stderr, "usage: sys-tool redirect|watch|listen|connect|drop ...\n");
	exit(2);
}

/* One -t ADDR: the eBPF layer's target of that family. */
static void
parse_target(const char *v, struct redirect_conf *rc)
{
	struct sockaddr_storage ss;
	char err[128];

	if (addr_parse(v, -1, &ss, err, sizeof err) == -1)
		fatalx("%s", err);
	if (ss.ss_family == AF_INET)
		rc->to4 = ss;
	else
		rc->to6 = ss;
}

/* -b BACKEND */
static void
parse_backend(const char *v, struct redirect_conf *rc)
{
	if (!strcmp(v, "auto"))
		rc->backend = REDIRECT_AUTO;
	else if (!strcmp(v, "bpf"))
		rc->backend = REDIRECT_BPF;
	else if (!strcmp(v, "nft"))
		rc->backend = REDIRECT_NFT;
	else if (!strncmp(v, "iptables", 8)) {
		rc->backend = REDIRECT_IPTABLES;
		rc->iptables = strcmp(v, "iptables") ? v : NULL;
	} else
		usage();
}

/* Options shared by redirect, watch and exempt. */
static int
parse_rc(int argc, char **argv, struct redirect_conf *rc, int *interval)
{
	char err[64];
	int i;

	redirect_conf_init(rc);
	rc->backend = REDIRECT_NFT;
	rc->port = 169;
	for (i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "-4")) {
			rc->ipv6 = 0;
			continue;
		}
		if (v == NULL)
			usage();
		if (!strcmp(argv[i], "-b"))
			parse_backend(v, rc);
		else if (!strcmp(argv[i], "-p"))
			rc->port = atoi(v);
		else if (!strcmp(argv[i], "-u"))
			rc->exempt_uid = (uid_t)strtoul(v, NULL, 10);
		else if (!strcmp(argv[i], "-m"))
			rc->mark = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(argv[i], "-c"))
			snprintf(rc->cgroup, sizeof rc->cgroup, "%s", v);
		else if (!strcmp(argv[i], "-P"))
			snprintf(rc->pin_dir, sizeof rc->pin_dir, "%s", v);
		else if (!strcmp(argv[i], "-o"))
			rc->pin_owner = (uid_t)strtoul(v, NULL, 10);
		else if (!strcmp(argv[i], "-t"))
			parse_target(v, rc);
		else if (!strcmp(argv[i], "-i") && interval != NULL)
			*interval = atoi(v);
		else
			usage();
		i++;
	}
	if (rc->to4.ss_family == 0) {
		snprintf(err, sizeof err, "127.0.0.1:%d", rc->port);
		parse_target(err, rc);
	}
	if (rc->to6.ss_family == 0) {
		snprintf(err, sizeof err, "[::1]:%d", rc->port);
		parse_target(err, rc);
	}
	return 0;
}

static int
cmd_redirect(int argc, char **argv)
{
	struct redirect_conf rc;
	char err[512] = "";
	int rv = -1;

	if (argc < 1)
		usage();
	parse_rc(argc - 1, argv + 1, &rc, NULL);
	if (!strcmp(argv[0], "install"))
		rv = redirect_install(&rc, err, sizeof err);
	else if (!strcmp(argv[0], "remove"))
		rv = redirect_remove(&rc, err, sizeof err);
	else if (!strcmp(argv[0], "status"))
		rv = redirect_status(&rc, err, sizeof err);
	else
		usage();
	if (rv == 0 && !strcmp(argv[0], "status"))
		printf("complete\n");
	else if (rv != 0)
		printf("%s\n", err);
	return rv == 0 ? 0 : 1;
}

static void
on_gap(void *arg, const char *layer, const char *what, int restored)
{
	printf("gap restored=%d what=%s layer=%s\n", restored, what, layer);
	fflush(stdout);
}

/* The eBPF layer's handle, when the backend runs it. */
static struct redirect_bpf *
open_bpf(const struct redirect_conf *rc)
{
	struct redirect_bpf *h;
	char err[512], why[256];

	if (!(redirect_layers(rc, why, sizeof why) & REDIRECT_LAYER_BPF))
		return NULL;
	if ((h = redirect_bpf_open(rc, err, sizeof err)) == NULL)
		fatalx("eBPF layer: %s", err);
	return h;
}

static int
cmd_watch(int argc, char **argv)
{
	struct redirect_conf rc;
	struct redirect_watch *w;
	struct redirect_bpf *h;
	struct event_base *base;
	int interval = 1000;
	const char *user = NULL;
	cap_value_t caps[] = { CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF };
	struct privs_user pu;
	char err[512];

	if (argc >= 2 && !strcmp(argv[0], "-d")) {	/* drop first, as the daemon */
		user = argv[1];
		argc -= 2;
		argv += 2;
	}
	parse_rc(argc, argv, &rc, &interval);
	h = open_bpf(&rc);
	if (user != NULL && (privs_resolve(user, &pu, err, sizeof err) == -1 ||
	    privs_drop(&pu, caps, 3, err, sizeof err) == -1))
		fatalx("%s", err);
	base = event_base_new();
	w = redirect_watch_start(base, &rc, h, interval, on_gap, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	redirect_watch_stop(w);
	redirect_bpf_close(h);
	return 0;
}

static int
cmd_exempt(int argc, char **argv)
{
	struct redirect_conf rc;
	struct redirect_bpf *h;
	char err[512];
	int rv;

	if (argc < 2)
		usage();
	parse_rc(argc - 2, argv + 2, &rc, NULL);
	if ((h = redirect_bpf_open(&rc, err, sizeof err)) == NULL) {
		printf("%s\n", err);
		return 1;
	}
	if (!strcmp(argv[0], "-")) {
		redirect_bpf_exempt_clear(h);
		rv = 0;
	} else
		rv = redirect_bpf_exempt(h, (pid_t)atoi(argv[0]),
		    (uid_t)strtoul(argv[1], NULL, 10));
	redirect_bpf_close(h);
	return rv == 0 ? 0 : 1;
}

/* Who connected, and where to: one line, also sent to the client. */
static void
describe(int fd, char *line, size_t len)
{
	struct sockaddr_storage cl, od;
	socklen_t sl = sizeof cl;
	struct peer_info pi;
	static const char *const sources[] = {"none", "bpf", "proc", "owner"};
	char a[ADDR_STRLEN], b[ADDR_STRLEN], gids[512] = "";
	int red, i, off = 0;

	getpeername(fd, (struct sockaddr *)&cl, &sl);
	red = origdst_get(fd, &od);
	if (red == -1 || peer_lookup(&cl, &od, &pi) == -1) {
		snprintf(line, len, "client=%s origdst=%s redirected=%d peer=unknown\n",
		    addr_fmt(&cl, a, sizeof a), red == -1 ? "?" :
		    addr_fmt(&od, b, sizeof b), red);
		return;
	}
	for (i = 0; i < pi.ngids && off < (int)sizeof gids - 16; i++)
		off += snprintf(gids + off, sizeof gids - off, "%s%u",
		    i ? "," : "", (unsigned)pi.gids[i]);
	snprintf(line, len, "client=%s origdst=%s redirected=%d uid=%u user=%s "
	    "gid=%u gids=%s ident=%s tid=%d cgroup=%s container=%s pid=%d "
	    "comm=%s exe%s=%s\n", addr_fmt(&cl, a, sizeof a),
	    addr_fmt(&od, b, sizeof b), red, (unsigned)pi.uid, pi.user,
	    (unsigned)pi.gid, gids, sources[pi.source], (int)pi.tid,
	    pi.cgroup, pi.container_id, (int)pi.pid, pi.comm,
	    pi.exe_verified || pi.exe[0] == '\0' ? "" : "_unverified", pi.exe);
}

/* A listening socket on addr (IPV6_V6ONLY off for "::"). */
static int
listen_on(const char *s)
{
	struct sockaddr_storage ss;
	char err[128];
	int fd, one = 1;

	if (addr_parse(s, -1, &ss, err, sizeof err) == -1)
		fatalx("%s", err);
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, addr_len(&ss)) == -1 ||
	    listen(fd, 64) == -1)
		fatal("listen %s", s);
	return fd;
}

/* -B PINDIR: the connect() records of the eBPF layer pinned there. */
static void
listen_bpf(const char *pindir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/map_ident", pindir);
	if ((fd = bpf_obj_get(path)) < 0)
		fatal("%s", path);
	peer_set_bpf(fd);
}

static int
cmd_listen(int argc, char **argv)
{
	cap_value_t caps[] = { CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_BPF };
	const char *user = NULL;
	struct pollfd pfd[8];
	struct privs_user pu;
	char line[1024], err[512];
	int i, n = 0, c;

	if (argc >= 2 && !strcmp(argv[0], "-d")) {	/* then drop, as imdsgated */
		user = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (argc >= 2 && !strcmp(argv[0], "-B")) {
		listen_bpf(argv[1]);
		argc -= 2;
		argv += 2;
	}
	for (i = 0; i < argc && n < 8; i++, n++) {
		pfd[n].fd = listen_on(argv[i]);
		pfd[n].events = POLLIN;
	}
	if (user != NULL && (privs_resolve(user, &pu, err, sizeof err) == -1 ||
	    privs_drop(&pu, caps, 3, err, sizeof err) == -1))
		fatalx("%s", err);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(pfd, n, -1) == -1 && errno != EINTR)
			fatal("poll");
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN) ||
			    (c = accept(pfd[i].fd, NULL, NULL)) == -1)
				continue;
			describe(c, line, sizeof line);
			fputs(line, stdout);
			fflush(stdout);
			if (write(c, line, strlen(line)) == -1)
				log_warn("write");
			close(c);
		}
	}
}

static int
cmd_connect(int argc, char **argv)
{
	struct sockaddr_storage ss, peer;
	struct timeval tv = { .tv_sec = 3 };
	socklen_t sl;
	char err[128], buf[1024];
	uint32_t mark;
	ssize_t n;
	int fd;

	if (argc < 1 || addr_parse(argv[0], -1, &ss, err, sizeof err) == -1)
		usage();
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (argc >= 3 && !strcmp(argv[1], "-m")) {
		mark = (uint32_t)strtoul(argv[2], NULL, 0);
		if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) == -1) {
			printf("mark refused: %s\n", strerror(errno));
			return 3;
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, addr_len(&ss)) == -1) {
		printf("refused: %s\n", strerror(errno));
		return 1;
	}
	sl = sizeof peer;
	getpeername(fd, (struct sockaddr *)&peer, &sl);
	printf("self pid=%d peer=%s\n", (int)getpid(),
	    addr_fmt(&peer, err, sizeof err));
	fflush(stdout);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	return 0;
}

/* Caps by name ("cap_net_admin"), or those a config file needs. */
static int
cmd_drop(int argc, char **argv)
{
	cap_value_t caps[16];
	struct privs_needs need;
	struct privs_user pu;
	struct conf conf;
	char err[512];
	int i, n = 0;

	if (argc < 1)
		usage();
	if (privs_resolve(argv[0], &pu, err, sizeof err) == -1) {
		fprintf(stderr, "sys-tool: %s\n", err);
		return 2;
	}
	if (argc >= 3 && !strcmp(argv[1], "-c")) {
		if (conf_load(argv[2], &conf, err, sizeof err) == -1) {
			fprintf(stderr, "sys-tool: %s\n", err);
			return 2;
		}
		conf_privs(&conf, &need);
		n = privs_caps_needed(&need, caps, 16);
	} else
		for (i = 1; i < argc && n < 16; i++)
			if (cap_from_name(argv[i], &caps[n++]) == -1)
				usage();
	if (privs_drop(&pu, caps, n, err, sizeof err) == -1) {
		fprintf(stderr, "sys-tool: %s\n", err);
		return 1;
	}
	printf("dropped\n");
	fflush(stdout);
	pause();
	return 0;
}

int
main(int argc, char **argv)
{
	log_init("sys-tool", LOG_TO_STDERR, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "redirect"))
		return cmd_redirect(argc - 2, argv + 2);
	if (!strcmp(argv[1], "watch"))
		return cmd_watch(argc - 2, argv + 2);
	if (!strcmp(argv[1], "exempt"))
		return cmd_exempt(argc - 2, argv + 2);
	if (!strcmp(argv[1], "listen"))
		return cmd_listen(argc - 2, argv + 2);
	if (!strcmp(argv[1], "connect"))
		return cmd_connect(argc - 2, argv + 2);
	if (!strcmp(argv[1], "drop"))
		return cmd_drop(argc - 2, argv + 2);
	usage();
	return 2;
}
