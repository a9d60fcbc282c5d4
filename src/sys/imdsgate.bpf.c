/* The eBPF interception layer, run by the kernel in every process of the
 * cgroup it is attached to (docs/interception.md):
 *   connect4/6     a connect() to IMDS (169.254.169.254:80, [fd00:ec2::254]:80
 *                  or ::ffff:169.254.169.254:80) goes to the proxy instead,
 *                  and who made it is recorded under the socket's cookie;
 *   getpeername4/6 such a socket still says it is connected to IMDS;
 *   release        the record goes with the socket.
 * The daemon's own processes (listed by the privileged monitor, with the
 * daemon's uid) connect to IMDS unchanged. Compiled with clang -target
 * bpf; the daemon loads it through the skeleton bpftool generates. */
#include <linux/bpf.h>
#include <linux/types.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sys/imdsgate_bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define HOOK_PASS 1
#define HOOK_REFUSE 0 /* connect() fails with EPERM */

/* Only the fields read below, located at load time in the running
 * kernel's BTF (CO-RE): no kernel headers needed to build. */
typedef struct {
	unsigned int val;
} kgid_t;
struct group_info {
	int ngroups;
	kgid_t gid[];
} __attribute__((preserve_access_index));
struct cred {
	struct group_info *group_info;
} __attribute__((preserve_access_index));
struct super_block {
	unsigned int s_dev;
} __attribute__((preserve_access_index));
struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));
struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));
struct mm_struct {
	struct file *exe_file;
} __attribute__((preserve_access_index));
struct task_struct {
	struct mm_struct *mm;
	const struct cred *cred;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct imdsgate_cfg);
} imdsgate_cfg SEC(".maps");

/* tgid -> uid: the daemon's processes, written by its monitor. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IMDSGATE_BPF_EXEMPT);
	__type(key, __u32);
	__type(value, __u32);
} imdsgate_exempt SEC(".maps");

/* socket cookie -> who connected. LRU: a flood of held sockets can only
 * push records out (that connection then takes the /proc fallback),
 * never make a connect fail or pass. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IMDSGATE_BPF_IDENTS);
	__type(key, __u64);
	__type(value, struct imdsgate_ident);
} imdsgate_ident SEC(".maps");

/* The target, once the daemon wrote it (NULL before: refuse). */
static __always_inline const struct imdsgate_cfg *
imdsgate_config(void)
{
	__u32 k = 0;
	const struct imdsgate_cfg *c = bpf_map_lookup_elem(&imdsgate_cfg, &k);

	return c != 0 && c->magic == IMDSGATE_BPF_MAGIC ? c : 0;
}

/* One of the daemon's own processes, running as the daemon's user? */
static __always_inline int
imdsgate_exempted(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	__u32 *want = bpf_map_lookup_elem(&imdsgate_exempt, &tgid);

	return want != 0 && *want == uid;
}

/* The task's groups and executable, read through its kernel structures. */
static __always_inline void
imdsgate_task(struct imdsgate_ident *r)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct group_info *gi = BPF_CORE_READ(t, cred, group_info);
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	__u32 n = 0;

	if (gi != 0)
		n = (__u32)BPF_CORE_READ(gi, ngroups);
	if (n > IMDSGATE_BPF_GROUPS)
		n = IMDSGATE_BPF_GROUPS;
	if (n > 0 && bpf_probe_read_kernel(r->groups, n * sizeof(__u32),
	                                   &gi->gid[0]) == 0)
		r->ngroups = n;
	if (exe != 0) {
		r->exe_ino = BPF_CORE_READ(exe, f_inode, i_ino);
		r->exe_dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	}
}

/* Record who is connecting this socket, and where it meant to go. */
static __always_inline void
imdsgate_record(struct bpf_sock_addr *ctx, __u16 family, const __u32 *daddr)
{
	struct imdsgate_ident r = {};
	__u64 cookie = bpf_get_socket_cookie(ctx);
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	r.tgid = pt >> 32;
	r.tid = (__u32)pt;
	r.uid = (__u32)ug;
	r.gid = ug >> 32;
	r.cgroup_id = bpf_get_current_cgroup_id();
	r.ktime_ns = bpf_ktime_get_ns();
	r.family = family;
	r.dport = bpf_htons(80);
	r.daddr[0] = daddr[0];
	r.daddr[1] = daddr[1];
	r.daddr[2] = daddr[2];
	r.daddr[3] = daddr[3];
	bpf_get_current_comm(r.comm, sizeof r.comm);
	imdsgate_task(&r);
	bpf_map_update_elem(&imdsgate_ident, &cookie, &r, BPF_ANY);
}

/* IPv4 connect(): IMDS goes to the proxy, recorded. */
SEC("cgroup/connect4")
int
imdsgate_conn4(struct bpf_sock_addr *ctx)
{
	const struct imdsgate_cfg *c;
	__u32 d[4] = {ctx->user_ip4, 0, 0, 0};

	if (ctx->user_ip4 != bpf_htonl(0xa9fea9fe) ||
	    ctx->user_port != bpf_htons(80) || imdsgate_exempted())
		return HOOK_PASS;
	if ((c = imdsgate_config()) == 0 || c->port4 == 0)
		return HOOK_REFUSE; /* no place to send it: fail closed */
	imdsgate_record(ctx, AF_INET, d);
	ctx->user_ip4 = c->ip4;
	ctx->user_port = c->port4;
	return HOOK_PASS;
}

/* fd00:ec2::254, or 169.254.169.254 as a v4-mapped IPv6 address. */
static __always_inline int
imdsgate_is_imds6(const __u32 *a, int *mapped)
{
	*mapped = a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff) &&
	          a[3] == bpf_htonl(0xa9fea9fe);
	return *mapped || (a[0] == bpf_htonl(0xfd000ec2) && a[1] == 0 &&
	                   a[2] == 0 && a[3] == bpf_htonl(0x254));
}

/* IPv6 connect(), v4-mapped included. */
SEC("cgroup/connect6")
int
imdsgate_conn6(struct bpf_sock_addr *ctx)
{
	const struct imdsgate_cfg *c;
	__u32 d[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
	              ctx->user_ip6[3]};
	int mapped;

	if (!imdsgate_is_imds6(d, &mapped) || ctx->user_port != bpf_htons(80) ||
	    imdsgate_exempted())
		return HOOK_PASS;
	if ((c = imdsgate_config()) == 0 || (mapped ? c->port4 : c->port6) == 0)
		return HOOK_REFUSE;
	imdsgate_record(ctx, AF_INET6, d);
	if (mapped) { /* an IPv4 connection: to the IPv4 listener */
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0xffff);
		ctx->user_ip6[3] = c->ip4;
		ctx->user_port = c->port4;
		return HOOK_PASS;
	}
	ctx->user_ip6[0] = c->ip6[0];
	ctx->user_ip6[1] = c->ip6[1];
	ctx->user_ip6[2] = c->ip6[2];
	ctx->user_ip6[3] = c->ip6[3];
	ctx->user_port = c->port6;
	return HOOK_PASS;
}

/* A redirected socket reports the address it asked for. */
SEC("cgroup/getpeername4")
int
imdsgate_peer4(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct imdsgate_ident *r =
	    bpf_map_lookup_elem(&imdsgate_ident, &cookie);

	if (r != 0 && r->family == AF_INET) {
		ctx->user_ip4 = r->daddr[0];
		ctx->user_port = r->dport;
	}
	return HOOK_PASS;
}

SEC("cgroup/getpeername6")
int
imdsgate_peer6(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct imdsgate_ident *r =
	    bpf_map_lookup_elem(&imdsgate_ident, &cookie);

	if (r != 0 && r->family == AF_INET6) {
		ctx->user_ip6[0] = r->daddr[0];
		ctx->user_ip6[1] = r->daddr[1];
		ctx->user_ip6[2] = r->daddr[2];
		ctx->user_ip6[3] = r->daddr[3];
		ctx->user_port = r->dport;
	}
	return HOOK_PASS;
}

/* The socket is gone: so is its record. */
SEC("cgroup/sock_release")
int
imdsgate_release(struct bpf_sock *sk)
{
	__u64 cookie = bpf_get_socket_cookie(sk);

	bpf_map_delete_elem(&imdsgate_ident, &cookie);
	return HOOK_PASS;
}

/* GPL-compatible, as the helpers that read the task require; the rest
 * of imdsgate is ISC. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
