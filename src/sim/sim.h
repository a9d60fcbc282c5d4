/* imdsgate-sim: an IMDS simulator that answers as the real service does
 * (docs/imds.md), for the demo, the tests, and users who try their
 * rule files off EC2. This header joins its parts: configuration, the
 * metadata tree, tokens, rotating credentials, the HTTP front and the
 * fault modes the proxy's tests need. */
#ifndef IMDSGATE_SIM_H
#define IMDSGATE_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "common/buf.h"

#define SIM_MAXLISTEN 8
#define SIM_MAXMACS 8
#define SIM_TTL_MAX 21600
#define SIM_LIFETIME_MIN 2
#define SIM_LIFETIME_MAX 43200

enum sim_fault {
	SIM_FAULT_NONE,
	SIM_FAULT_NEVER_ANSWER,
	SIM_FAULT_RESET,
	SIM_FAULT_GARBAGE,
	SIM_FAULT_HUGE_BODY,
	SIM_FAULT_SLOW
};

struct sim_conf {
	struct sockaddr_storage listen[SIM_MAXLISTEN];
	int nlisten;
	int tokens_required;
	char *instance_id;
	char *account;
	char *region;
	char *role;
	char *private_ipv4;
	char *public_ipv4; /* "" for none */
	char *ipv6;        /* "" for none */
	char *macs[SIM_MAXMACS];
	int nmacs;
	char *vpc_id;
	char *subnet_id;
	char *user_data; /* NULL: no user-data (404) */
	char *secrets_file;
	int lifetime;  /* credential lifetime, seconds */
	int hop_limit; /* IP TTL of the token response */
	enum sim_fault fault;
	int verbose;
	int quiet;
	int phase; /* sim_conf_set: 0 file, 1 command line */
	int listen_phase, macs_phase;
};

/* sim_conf.c: one table of settings shared by the INI file and the
 * command line. */
void sim_conf_init(struct sim_conf *);
int sim_conf_set(struct sim_conf *, const char *key, const char *val, char *err,
                 size_t errlen);
int sim_conf_load(struct sim_conf *, const char *path, char *err,
                  size_t errlen);
void sim_conf_finish(struct sim_conf *);
void sim_conf_free(struct sim_conf *);

/* sim_rand.c: unpredictable strings from the kernel's generator. */
void sim_rand_str(char *out, size_t n, const char *alphabet);
#define SIM_ALNUM_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define SIM_B64                                                                \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* sim_json.c: pretty-printed JSON as IMDS writes it, two-space indent,
 * every string escaped by jw_escape. */
struct sim_json {
	struct buf *b;
	int n;
};
void sim_json_begin(struct sim_json *, struct buf *);
void sim_json_str(struct sim_json *, const char *key, const char *val);
void sim_json_null(struct sim_json *, const char *key);
void sim_json_end(struct sim_json *);

/* sim_tokens.c: IMDSv2 session tokens with real expiry. */
struct sim_tokens;
struct sim_tokens *sim_tokens_new(void);
void sim_tokens_free(struct sim_tokens *);
/* Returns the new token (owned by the table). */
const char *sim_tokens_issue(struct sim_tokens *, int ttl, int64_t now_ms);
/* 1 when tok was issued and has not expired at now_ms. */
int sim_tokens_valid(struct sim_tokens *, const char *tok, int64_t now_ms);
size_t sim_tokens_count(const struct sim_tokens *);

/* sim_creds.c: one rotating credential (a role's, or ec2-instance). */
struct sim_cred {
	char akid[21]; /* "ASIA" + 16 */
	char secret[41];
	char token[361];
	time_t issued;
	time_t expires;
};
struct sim_creds {
	struct sim_cred cur;
	struct sim_cred prev; /* still valid until it expires */
	int lifetime;
	time_t next; /* when the next key is issued */
	unsigned generation;
};
void sim_creds_init(struct sim_creds *, int lifetime, time_t now);
int sim_creds_margin(int lifetime);
/* Rotate when due; returns 1 if a new key was issued. */
int sim_creds_tick(struct sim_creds *, time_t now);
void sim_creds_json(const struct sim_cred *, struct buf *);
int sim_creds_akid_ok(const char *akid);

/* sim_secrets.c: the current secrets, for tests that scan logs. */
int sim_secrets_write(const char *path, const struct sim_creds *role,
                      const struct sim_creds *ec2);

/* sim_tree.c: the metadata tree of one instance. */
enum sim_kind {
	SIM_DIR,
	SIM_TEXT,
	SIM_ROLE_CREDS,
	SIM_EC2_CREDS,
	SIM_IAM_INFO,
	SIM_IDENTITY_DOC
};
struct sim_node {
	char *name;
	enum sim_kind kind;
	char *text;
	char *label; /* listed as this instead of name */
	struct sim_node *child;
	struct sim_node *next;
};
struct sim_node *sim_tree_new(void);
struct sim_node *sim_tree_add(struct sim_node *root, const char *path,
                              enum sim_kind, const char *text);
/* Look up "meta-data/iam/" (no version, no leading slash); NULL when
 * missing. A leaf asked for with a trailing slash is that leaf, as on
 * EC2; an empty segment ("a//b": squeeze the path first) is missing. */
const struct sim_node *sim_tree_lookup(const struct sim_node *root,
                                       const char *path);
void sim_tree_listing(const struct sim_node *dir, struct buf *);
void sim_tree_free(struct sim_node *);

/* sim_instance.c: the tree and JSON documents for the configuration. */
struct sim_node *sim_instance_tree(const struct sim_conf *);
void sim_instance_iam_info(const struct sim_conf *, time_t updated,
                           struct buf *);
void sim_instance_document(const struct sim_conf *, struct buf *);

/* sim_version.c: the API versions IMDS serves. */
void sim_version_listing(struct buf *);
/* Length of the version segment at the start of path (no leading slash)
 * when it names a known version, else 0. */
size_t sim_version_match(const char *path);

/* sim_path.c: fold each run of slashes in path into one, in place. */
void sim_path_squeeze(char *path);

/* sim.c: request handling. */
struct event_base;
struct evhttp;
struct evconnlistener;
struct sim {
	struct event_base *base;
	struct sim_conf *conf;
	struct sim_tokens *tokens;
	struct sim_creds role;
	struct sim_creds ec2;
	struct sim_node *tree;
	struct event *rotate_ev;
	struct evhttp *http;
	struct evconnlistener *listeners[SIM_MAXLISTEN]; /* fault mode */
	int nlisteners;
};
struct evhttp_request;
void sim_handle(struct evhttp_request *, void *arg);
void sim_rotate_check(struct sim *);

/* sim_reply.c: responses with IMDS's headers and error pages. */
void sim_reply_text(struct evhttp_request *, const char *body, size_t len);
void sim_reply_error(struct evhttp_request *, int code);

/* sim_serve.c: listeners for the HTTP service. */
int sim_serve(struct sim *);
int sim_serve_socket(const struct sockaddr_storage *);

/* sim_fault.c: broken servers for the proxy's tests. */
int sim_fault_serve(struct sim *);
int sim_fault_parse(const char *, enum sim_fault *);

#endif
