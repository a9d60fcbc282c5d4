/* The instance poller: asks the upstream IMDS who this instance is (the
 * identity document and every interface's addresses and VPC) and writes
 * an `instance` audit record at start, on reload and whenever that
 * changes, so every record can be tied to an instance and its IPs.
 * instinfo_poll.c holds the conversation with the IMDS, instinfo_record.c
 * what is learnt from it and the record. */
#ifndef IMDSGATE_INSTINFO_H
#define IMDSGATE_INSTINFO_H

#include <sys/socket.h>

struct event_base;
struct instinfo;

/* What the poller needs, and nothing else of the daemon's configuration. */
struct instinfo_conf {
	struct sockaddr_storage upstream; /* the IMDS to ask */
	int has_upstream;
	int timeout_ms;    /* each request, connecting included */
	int poll_ms;       /* between polls */
	int require_token; /* the proxy's setting, for the record */
};

/* Starts polling at once, then every poll_ms; all of it asynchronous on
 * base. The configuration is copied. */
struct instinfo *instinfo_start(struct event_base *,
                                const struct instinfo_conf *);
/* On reload: take the new configuration; call instinfo_refresh after. */
void instinfo_set_conf(struct instinfo *, const struct instinfo_conf *);
/* Poll now and write an instance record even if nothing changed. */
void instinfo_refresh(struct instinfo *);
void instinfo_stop(struct instinfo *);

#endif
