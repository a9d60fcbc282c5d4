/* The CloudTrail record parser: simdjson On Demand behind a C interface.
 * It recognises every delivery form by content (S3 object, JSON lines,
 * EventBridge, CloudWatch Logs subscription payload, lookup-events output,
 * a bare array) and hands each CloudTrail event to one callback with the
 * few fields the detector needs, as views into the parser's memory. */
#ifndef IMDSGATE_CT_JSON_H
#define IMDSGATE_CT_JSON_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

#define CT_PADDING 64 /* SIMDJSON_PADDING: readable bytes after input */
#define CT_MAXIPS 8   /* IPs taken from request/response parameters */
#define CT_MAXIDS 4   /* instance / network interface ids likewise */

struct ct_str {
	const char *p;
	size_t n;
};

enum ct_field {
	CT_EVENTID,
	CT_TIME,
	CT_NAME,
	CT_SOURCE,
	CT_SRCIP,
	CT_UA,
	CT_REGION,
	CT_RECIPIENT,
	CT_VPCE,
	CT_UI_TYPE,
	CT_UI_ARN,
	CT_UI_KEY,
	CT_UI_ACCOUNT,
	CT_UI_INVOKEDBY,
	CT_DELIVERY,
	CT_ISSUER_ARN,
	CT_SESSNAME,
	CT_ROLEARN,
	CT_RESP_KEY,
	CT_ERRCODE,
	CT_VPCE_ACCT,    /* vpcEndpointAccountId: the endpoint's owner */
	CT_VPCID,        /* vpcId in request/response parameters */
	CT_EP_ID,        /* vpcEndpointId in parameters (CreateVpcEndpoint) */
	CT_EP_SVC,       /* serviceName in parameters (CreateVpcEndpoint) */
	CT_UI_PRINCIPAL, /* userIdentity.principalId: "AROA…:SESSION" */
	CT_ASSUMED_ARN,  /* responseElements.assumedRoleUser.arn */
	CT_CLUSTER,      /* clusterName (EKS Auth) */
	CT_NAMESPACE,    /* subject.namespace (EKS Auth) */
	CT_SVCACCOUNT,   /* subject.serviceAccount (EKS Auth) */
	CT_POD,          /* the kubernetes-pod-name session tag */
	CT_NFIELDS
};

struct ct_event {
	struct ct_str f[CT_NFIELDS];
	struct ct_str ips[CT_MAXIPS]; /* privateIpAddress, publicIp... */
	int nips;
	struct ct_str instances[CT_MAXIDS]; /* instanceId values */
	int ninstances;
	struct ct_str enis[CT_MAXIDS]; /* networkInterfaceId values */
	int nenis;
	uint64_t index; /* record number in the input */
};

typedef void ct_event_cb(const struct ct_event *, void *arg);
typedef void ct_error_cb(const char *what, uint64_t index, uint64_t offset,
                         void *arg);

struct ct_counts {
	uint64_t records;   /* events handed to the callback */
	uint64_t malformed; /* records reported and skipped */
	int digest;         /* the input was a digest file */
};

/* Parse buf[0..len); buf must have CT_PADDING readable bytes after len.
 * Malformed records, and JSON objects that are not CloudTrail records (no
 * eventID, eventTime, eventName or eventSource), go to errcb (with a
 * record index or a byte offset) and are skipped; everything else reaches
 * cb. An empty (or blank) input is an empty trail. Returns 0, or -1 when
 * the input as a whole is not JSON the parser understands. */
int ct_parse(const char *buf, size_t len, ct_event_cb *cb, ct_error_cb *errcb,
             void *arg, struct ct_counts *);

/* Whether buf starts with a whole JSON value on a line of its own: the
 * JSON lines form, which can be parsed a piece at a time. */
int ct_is_lines(const char *buf, size_t len);
/* ct_parse for a piece of a file known to be JSON lines. */
int ct_parse_lines(const char *buf, size_t len, ct_event_cb *cb,
                   ct_error_cb *errcb, void *arg, struct ct_counts *);

#ifdef __cplusplus
}
#endif
#endif
