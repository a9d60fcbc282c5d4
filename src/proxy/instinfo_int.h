/* Inside the instance poller: what one poll learns (instinfo_record.c
 * builds it from the IMDS's answers and turns it into the record). */
#ifndef IMDSGATE_INSTINFO_INT_H
#define IMDSGATE_INSTINFO_INT_H

#define INSTINFO_MAXMACS 16
#define INSTINFO_NLEAVES 4 /* per interface, see instinfo_record_leaf */

struct instinfo_mac {
	char *mac;
	char *leaf[INSTINFO_NLEAVES]; /* body text, "" when 404 */
};

struct instinfo_snap {
	char *instance_id, *account_id, *region;
	struct instinfo_mac macs[INSTINFO_MAXMACS];
	int nmacs;
};

/* The leaf read as the i-th of each interface ("local-ipv4s", ...). */
const char *instinfo_record_leaf(int i);
/* Take instanceId, accountId and region from the identity document;
 * 0, or -1 without an instanceId. */
int instinfo_record_ident(struct instinfo_snap *, const char *body);
/* Take the MAC list ("0a:...:01/\n0a:...:02/"); body is cut up. */
void instinfo_record_macs(struct instinfo_snap *, char *body);
/* A canonical text of what the record would say, to notice changes. */
char *instinfo_record_content(const struct instinfo_snap *, int require_token);
/* Write the `instance` record. */
void instinfo_record_write(const struct instinfo_snap *, int require_token);
void instinfo_record_free(struct instinfo_snap *);

#endif
