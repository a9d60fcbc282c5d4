/* The audit log (docs/interfaces.md, docs/audit-log.md): one JSON object per
 * line, every decision and every credential fetch, never a
 * SecretAccessKey or Token. Writes never block the proxy: a failing
 * destination is reported on the diagnostics log at most once a minute
 * and its records are dropped. The writers return 0 when the record was
 * written (or queued, when batching), -1 when it was dropped (so a
 * credential can be refused rather than handed out unrecorded).
 *
 * One file per record kind: audit_request.c, audit_credential.c,
 * audit_instance.c, audit_error.c, audit_fold.c (refusals, folded when
 * a uid floods); what they share in audit_record.c;
 * the credential fields a record may carry in audit_extract.c; where
 * records go in audit_dest.c. */
#ifndef IMDSGATE_AUDIT_H
#define IMDSGATE_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct peer_info;

/* spec: a file path (appended, created 0640), "syslog" or "stdout". */
int audit_open(const char *spec, char *err, size_t errlen);
void audit_reopen(void); /* SIGHUP: for logrotate */
/* Make an open log file the daemon user's (before the privilege drop). */
void audit_chown(uid_t, gid_t);
void audit_close(void);
/* instance_id is added to every record once known. */
void audit_set_instance_id(const char *);

/* The caller's fields rendered once, for a connection's every record. */
struct audit_caller {
	char *json;
	size_t len;
};
void audit_caller_render(struct audit_caller *, const struct peer_info *);
void audit_caller_free(struct audit_caller *);

struct audit_req {
	const struct peer_info *peer;      /* NULL when unknown */
	const struct audit_caller *caller; /* its rendering, or NULL */
	const char *client;                /* "IP:PORT" of the caller */
	const char *method;
	const char *path;   /* the path as requested */
	int status;         /* status sent to the client */
	uint64_t bytes;     /* body bytes sent */
	int allow;          /* decision */
	const char *rule;   /* deciding rule, NULL none */
	int audit_mode;     /* mode = audit */
	int imds_version;   /* 1 or 2 */
	const char *reason; /* why refused, NULL if served */
};
int audit_request(const struct audit_req *);

/* A refusal (a request the proxy answered itself with a 4xx), in
 * audit_fold.c: written as audit_request while its uid stays within
 * AUDIT_FOLD_RATE records a second (bursts of AUDIT_FOLD_BURST), else
 * counted into the uid's next refusals_folded record. Returns 0 written,
 * -1 dropped, 1 folded. now_ms: the monotonic clock. */
#define AUDIT_FOLD_RATE 100
#define AUDIT_FOLD_BURST 500
int audit_refusal(const struct audit_req *, int64_t now_ms);
/* Write the refusals_folded records that are due (every one, and forget
 * every uid, when now_ms is INT64_MAX); returns how many uids still have
 * refusals folded: call again a second later while it is not 0. */
int audit_fold_flush(int64_t now_ms);

/* When a response body carries credentials: parse role (from path),
 * AccessKeyId and Expiration out of body; log nothing else of it. Call
 * it for every 200 response to a path under iam/security-credentials/ or
 * identity-credentials/, before the body goes out: a body that is not a
 * JSON object (the role listing) writes nothing and returns 1. */
int audit_credential_fetch(const struct peer_info *, const char *path,
                           const char *body, size_t len);
/* The same with the caller rendered (audit_caller_render). */
int audit_credential_fetch_by(const struct audit_caller *, const char *path,
                              const char *body, size_t len);

/* One network interface of the instance (network/interfaces/macs/MAC/). */
struct audit_iface {
	const char *mac, *vpc_id;
	const char **local_ipv4s, **public_ipv4s, **ipv6s; /* NULL-terminated */
};

struct audit_instance {
	const char *instance_id, *account_id, *region, *vpc_id;
	const char **private_ips, **public_ips, **macs; /* NULL-terminated */
	int require_token;
	const struct audit_iface *ifaces; /* per interface; may be NULL */
	int nifaces;
};
int audit_instance(const struct audit_instance *);

/* What could not be served or went wrong (redirect vanished, ...). */
int audit_error(const char *what, const char *detail);

/* Internals, exposed for the unit tests. */

/* What a credential body may put in the log: the AccessKeyId when it looks
 * like one (16-128 of [A-Z0-9]) and an RFC 3339 Expiration; nothing else of
 * the body is ever copied. Returns 0 when the body is a JSON object, -1
 * when it is not (a listing, an error page); problem says what was odd. */
struct audit_creds {
	char access_key_id[129]; /* "" when absent or invalid */
	char expiration[41];     /* "" when absent or invalid */
	const char *problem;     /* NULL when both were found */
};
int audit_extract_creds(const char *body, size_t len, struct audit_creds *);
/* The role named by a credential path (its last segment, query dropped);
 * *identity is set for identity-credentials/. Returns 0 or -1. */
int audit_extract_role(const char *path, char *role, size_t rolelen,
                       int *identity);

/* The destination: write one rendered record (no newline) as one line;
 * 0, or -1 when it was dropped. */
int audit_dest_write(const char *json, size_t len);
/* Batching, for the daemon: records queue until audit_dest_flush (one
 * write for them all), which the caller runs once an event-loop turn;
 * kick(arg) is called when a first record is queued. NULL: every record
 * is written at once (the default). syslog is never batched. */
void audit_dest_batch(void (*kick)(void *), void *arg);
/* Write what is queued: 0, or -1 when it, or any record since the last
 * flush, was dropped (a queued credential_fetch among them: its
 * credentials must not go out). */
int audit_dest_flush(void);
/* written(arg, ok) is called after each batch leaves: written whole (ok
 * 1) or dropped (0); NULL: not told. */
void audit_dest_on_written(void (*written)(void *, int ok), void *arg);
/* Between audit_dest_together(1) and (0) queued records stay in one batch:
 * written or dropped together (a credential_fetch record and the request
 * record of the same answer). */
void audit_dest_together(int on);
/* Where "syslog" sends its datagrams (default /dev/log). */
void audit_dest_set_syslog_path(const char *);
/* Records dropped since audit_open. */
unsigned long audit_dest_dropped(void);

#endif
