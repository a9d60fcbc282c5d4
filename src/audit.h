/* The audit log (INTERFACES.md): one JSON object per line, every decision
 * and every credential fetch, never a SecretAccessKey or Token. Writes
 * never block the proxy: a failing destination is reported on the
 * diagnostics log at most once a minute and its records are dropped. */
#ifndef IMDSGATE_AUDIT_H
#define IMDSGATE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct peer_info;

/* spec: a file path (appended, created 0640), "syslog" or "stdout". */
int audit_open(const char *spec, char *err, size_t errlen);
void audit_reopen(void);	/* SIGHUP: for logrotate */
void audit_close(void);
/* instance_id is added to every record once known. */
void audit_set_instance_id(const char *);

struct audit_req {
	const struct peer_info	*peer;		/* NULL when unknown */
	const char		*client;	/* "IP:PORT" of the caller */
	const char		*method;
	const char		*path;		/* the path as requested */
	int			 status;	/* status sent to the client */
	uint64_t		 bytes;		/* body bytes sent */
	int			 allow;		/* decision */
	const char		*rule;		/* deciding rule, NULL none */
	int			 audit_mode;	/* mode = audit */
	int			 imds_version;	/* 1 or 2 */
	const char		*reason;	/* why refused, NULL if served */
};
void audit_request(const struct audit_req *);

/* When a response body carried credentials: parse role (from path),
 * AccessKeyId and Expiration out of body; log nothing else of it. */
void audit_credential_fetch(const struct peer_info *, const char *path,
    const char *body, size_t len);

struct audit_instance {
	const char	*instance_id, *account_id, *region, *vpc_id;
	const char	**private_ips, **public_ips, **macs;	/* NULL-terminated */
	int		 require_token;
};
void audit_instance(const struct audit_instance *);

/* What could not be served or went wrong (redirect vanished, ...). */
void audit_error(const char *what, const char *detail);

#endif
