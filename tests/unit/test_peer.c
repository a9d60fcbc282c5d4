/* peer_lookup against real loopback connections made by this process (no
 * root needed: the kernel says the socket is ours, /proc says we hold it),
 * for IPv4, IPv6 and a v4-mapped client, and the fake hook. */
#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "sys/origdst.h"
#include "sys/peer.h"
#include "sys/peer_int.h"
#include "tap.h"

struct pair { int lfd, cfd, afd; };

/* A bare IP with port 0 (addr_parse wants a real port). */
static int
mkaddr(const char *ip, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		return 0;
	}
	s6->sin6_family = AF_INET6;
	return inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1 ? 0 : -1;
}

/* Listen on addr:0, connect a client to it, accept. */
static int
pair_open(const char *laddr, const char *caddr, struct pair *p)
{
	struct sockaddr_storage ls, cs;
	socklen_t len = sizeof ls;
	int off = 0;

	if (mkaddr(laddr, &ls) == -1 || mkaddr(caddr, &cs) == -1)
		return -1;
	p->lfd = socket(ls.ss_family, SOCK_STREAM, 0);
	if (ls.ss_family == AF_INET6)
		setsockopt(p->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
	if (bind(p->lfd, (struct sockaddr *)&ls, addr_len(&ls)) == -1 ||
	    listen(p->lfd, 4) == -1 ||
	    getsockname(p->lfd, (struct sockaddr *)&ls, &len) == -1)
		return -1;
	if (cs.ss_family == AF_INET)
		((struct sockaddr_in *)&cs)->sin_port = htons(addr_port(&ls));
	else
		((struct sockaddr_in6 *)&cs)->sin6_port = htons(addr_port(&ls));
	p->cfd = socket(cs.ss_family, SOCK_STREAM, 0);
	if (connect(p->cfd, (struct sockaddr *)&cs, addr_len(&cs)) == -1)
		return -1;
	p->afd = accept(p->lfd, NULL, NULL);
	return p->afd == -1 ? -1 : 0;
}

static void
pair_close(struct pair *p)
{
	close(p->afd);
	close(p->cfd);
	close(p->lfd);
}

/* Look up the accepted socket's client as the proxy would. */
static int
pair_lookup(struct pair *p, struct peer_info *pi)
{
	struct sockaddr_storage cl, dst;
	socklen_t l1 = sizeof cl, l2 = sizeof dst;

	getpeername(p->afd, (struct sockaddr *)&cl, &l1);
	getsockname(p->afd, (struct sockaddr *)&dst, &l2);
	return peer_lookup(&cl, &dst, pi);
}

/* Not redirected: origdst_get says so and gives the local address (as
 * IPv4 for a v4-mapped client, like the conntrack answer would be). */
static void
check_origdst(struct pair *p, const char *caddr)
{
	struct sockaddr_storage od, local;
	socklen_t len = sizeof local;

	getsockname(p->afd, (struct sockaddr *)&local, &len);
	is_int(origdst_get(p->afd, &od), 0, "%s: origdst: not redirected", caddr);
	is_int(addr_port(&od), addr_port(&local), "%s: origdst: local port", caddr);
	ok(od.ss_family == local.ss_family, "%s: origdst: same family", caddr);
	is_int(origdst_get(-1, &od), -1, "origdst: bad fd is an error");
}

static void
check_self(const char *laddr, const char *caddr)
{
	struct peer_info pi;
	struct pair p;
	char exe[256];
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (pair_open(laddr, caddr, &p) == -1) {
		ok(0, "%s -> %s: connect", caddr, laddr);
		return;
	}
	is_int(pair_lookup(&p, &pi), 0, "%s -> %s: found", caddr, laddr);
	is_int(pi.uid, geteuid(), "%s: uid", caddr);
	is_int(pi.pid, getpid(), "%s: pid", caddr);
	is_str(pi.comm, "test_peer", "%s: comm", caddr);
	is_str(pi.exe, exe, "%s: exe", caddr);
	is_int(pi.gid, getegid(), "%s: gid from /proc", caddr);
	is_int(pi.ngids, getgroups(0, NULL), "%s: supplementary groups", caddr);
	check_origdst(&p, caddr);
	pair_close(&p);
}

/* Open file descriptors of this process (the netlink socket is reused). */
static int
nfds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

/* The two-step lookup gives the uid first, the process only after;
 * many lookups hold one netlink socket, not one each. */
static void
check_two_step(void)
{
	struct sockaddr_storage cl, dst;
	socklen_t l1 = sizeof cl, l2 = sizeof dst;
	struct peer_pending pp;
	struct peer_info pi;
	struct pair p;
	int i, before, fails = 0;

	if (pair_open("127.0.0.1", "127.0.0.1", &p) == -1) {
		ok(0, "two steps: connect");
		return;
	}
	getpeername(p.afd, (struct sockaddr *)&cl, &l1);
	getsockname(p.afd, (struct sockaddr *)&dst, &l2);
	is_int(peer_lookup_uid(&cl, &dst, &pi, &pp), 0, "two steps: uid found");
	is_int(pi.uid, geteuid(), "two steps: uid");
	is_int(pi.pid, 0, "two steps: no process before the second step");
	peer_lookup_rest(&pi, &pp);
	is_int(pi.pid, getpid(), "two steps: pid after the second step");
	ok(pi.user[0] != '\0', "two steps: user %s", pi.user);
	before = nfds();
	for (i = 0; i < 200; i++)
		fails += peer_lookup_uid(&cl, &dst, &pi, &pp) != 0;
	is_int(fails, 0, "200 lookups: all found");
	is_int(nfds(), before, "200 lookups: no descriptor more");
	pair_close(&p);
}

/* A burst (peer_lookup_uids, one sock_diag round trip): each connection
 * gets its own socket's answer (the same as one at a time), a tuple no
 * socket has among them is refused, and more than a burst goes too. */
static void
check_burst(void)
{
	enum { N = PEER_BURST + 3 };
	struct sockaddr_storage cl[N], dst[N];
	struct peer_pending pp[N], one;
	struct peer_info pi[N], pone;
	struct peer_step st[N];
	struct pair p[N];
	int i, n = 0, same = 0, before = nfds();

	for (i = 0; i < N; i++) {
		socklen_t l1 = sizeof cl[i], l2 = sizeof dst[i];

		if (pair_open(i % 2 ? "::1" : "127.0.0.1",
		              i % 2 ? "::1" : "127.0.0.1", &p[i]) == -1)
			break;
		getpeername(p[i].afd, (struct sockaddr *)&cl[i], &l1);
		getsockname(p[i].afd, (struct sockaddr *)&dst[i], &l2);
		st[i] = (struct peer_step){&cl[i], &dst[i], &pi[i], &pp[i], 9};
		n++;
	}
	is_int(n, N, "burst: %d connections", N);
	st[3].dst = &cl[4]; /* a tuple no socket has */
	peer_lookup_uids(st, n);
	for (i = 0; i < n; i++) {
		if (i == 3 || st[i].rv != 0 ||
		    peer_lookup_uid(st[i].client, st[i].dst, &pone, &one) != 0)
			continue;
		same += pi[i].uid == geteuid() && pp[i].cookie == one.cookie &&
		        pp[i].inode == one.inode && pp[i].cookie != 0;
	}
	is_int(same, N - 1, "burst: each its own socket's answer");
	is_int(st[3].rv, -1, "burst: an unknown tuple among them is refused");
	is_int((int)pi[3].uid, -1, "burst: ... its uid unset");
	for (i = 0; i < n; i++)
		pair_close(&p[i]);
	is_int(nfds(), before,
	       "burst: no descriptor more (one netlink socket)");
}

static int
fake(const struct sockaddr_storage *c, const struct sockaddr_storage *d,
    struct peer_info *pi)
{
	pi->uid = 4242;
	snprintf(pi->user, sizeof pi->user, "fake");
	return 0;
}

/* The container id in the cgroup paths runtimes make. */
static void
check_container(void)
{
	static const char id[] =
	    "4f6c1e0d2b9a8c7e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070";
	static const char *const with[][2] = { /* before and after the id */
	    {"/system.slice/docker-", ".scope"},
	    {"/docker/", ""},
	    {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234"
	     "_5678.slice/cri-containerd-", ".scope"},
	    {"/kubepods/besteffort/pod0b1c/", ""},
	    {"/machine.slice/libpod-", ".scope/container"},
	    {"/ecs/0123456789abcdef0123456789abcdef/", ""},
	    {"/system.slice/crio-", ".scope"},
	};
	static const char *const without[] = {
	    "/", "/user.slice/user-1000.slice/session-3.scope",
	    "/ecs/0123456789abcdef0123456789abcdef",
	    "/docker/4f6c1e0d2b9a8c7e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a291807",
	    "/docker/4f6c1e0d2b9a8c7e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a29180700",
	    "/docker/4F6C1E0D2B9A8C7E6F5D4C3B2A1908F7E6D5C4B3A29180F7E6D5C4B3A2918070",
	};
	char path[512], out[65];
	size_t i;

	for (i = 0; i < sizeof with / sizeof with[0]; i++) {
		snprintf(path, sizeof path, "%s%s%s", with[i][0], id, with[i][1]);
		out[0] = '\0';
		is_int(peer_cgroup_container(path, out, sizeof out), 0,
		    "container in %sID%s", with[i][0], with[i][1]);
		is_str(out, id, "its id");
	}
	for (i = 0; i < sizeof without / sizeof without[0]; i++)
		is_int(peer_cgroup_container(without[i], out, sizeof out), -1,
		    "no container in %.40s", without[i]);
}

/* A live socket: connected (or half-closed) and owned by a file. */
static void
check_live(void)
{
	struct peer_sock ps = {.uid = 1000, .inode = 4242,
	    .state = TCP_ESTABLISHED};

	ok(peer_sock_live(&ps), "established, inode: live");
	ps.state = TCP_FIN_WAIT2;
	ok(peer_sock_live(&ps), "half-closed by the client, still held: live");
	ps.inode = 0;
	ok(!peer_sock_live(&ps), "orphan (inode 0): not live");
	ps.uid = 0;
	ps.state = TCP_TIME_WAIT;
	ok(!peer_sock_live(&ps), "TIME_WAIT entry (uid 0, inode 0): never root");
	ps.inode = 4242;
	ps.state = TCP_CLOSE_WAIT;
	ok(!peer_sock_live(&ps), "not a client's state: not live");
}

/* A socket no process holds (in flight with SCM_RIGHTS): its owner, no
 * process, and the search ends. */
static void
check_in_flight(void)
{
	struct peer_info pi;
	struct msghdr mh;
	struct iovec iov;
	char x = 'x', cbuf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr *cm;
	struct pair p;
	int sp[2];

	if (pair_open("127.0.0.1", "127.0.0.1", &p) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) {
		ok(0, "in flight: set up");
		return;
	}
	memset(&mh, 0, sizeof mh);
	iov.iov_base = &x;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof cbuf;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p.cfd, sizeof(int));
	ok(sendmsg(sp[0], &mh, 0) == 1, "in flight: sent");
	close(p.cfd);
	is_int(pair_lookup(&p, &pi), 0, "in flight: the socket is found");
	is_int(pi.uid, geteuid(), "in flight: its owner");
	is_int(pi.pid, 0, "in flight: no process holds it");
	is_int(pi.source, PEER_SRC_OWNER, "in flight: named by its owner alone");
	close(sp[0]);
	close(sp[1]);
	close(p.afd);
	close(p.lfd);
}

int
main(void)
{
	struct sockaddr_storage a, b;
	struct peer_info pi;
	struct pair p;
	char err[64];

	check_self("127.0.0.1", "127.0.0.1");
	check_self("::1", "::1");
	check_self("::", "127.0.0.1");	/* v4-mapped client */

	check_two_step();
	check_burst();
	check_container();
	check_live();
	check_in_flight();

	/* A tuple no socket has: the owner is unknown, fail closed. */
	addr_parse("127.0.0.1:1", -1, &a, err, sizeof err);
	addr_parse("127.0.0.1:2", -1, &b, err, sizeof err);
	is_int(peer_lookup(&a, &b, &pi), -1, "unknown tuple: -1");
	is_int(peer_lookup(&a, &a, &pi), -1, "unknown: uid stays unset");

	/* Without the process scan: uid and user database groups only. */
	peer_set_process(0);
	if (pair_open("127.0.0.1", "127.0.0.1", &p) == 0) {
		is_int(pair_lookup(&p, &pi), 0, "no process scan: found");
		is_int(pi.pid, 0, "no process scan: no pid");
		is_str(pi.comm, "", "no process scan: no comm");
		ok(pi.user[0] != '\0', "no process scan: user %s", pi.user);
		pair_close(&p);
	}
	peer_set_process(1);

	peer_set_lookup(fake);
	is_int(peer_lookup(&a, &b, &pi), 0, "fake lookup");
	is_int(pi.uid, 4242, "fake uid");
	{
		struct peer_pending pp;

		is_int(peer_lookup_uid(&a, &b, &pi, &pp), 0, "fake: step one");
		is_int(pi.uid, 4242, "fake: uid in step one");
		peer_lookup_rest(&pi, &pp);
		is_str(pi.user, "fake", "fake: step two keeps it");
	}
	peer_set_lookup(NULL);
	is_int(peer_lookup(&a, &b, &pi), -1, "kernel lookup restored");
	return tap_done();
}
