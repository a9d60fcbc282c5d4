/* The instance poller: asks the upstream IMDS who this instance is (the
 * identity document and every interface's addresses and VPC) and writes
 * an `instance` audit record at start, on reload and whenever that
 * changes, so every record can be tied to an instance and its IPs. */
#ifndef IMDSGATE_INSTINFO_H
#define IMDSGATE_INSTINFO_H

struct event_base;
struct conf;
struct instinfo;

/* Starts polling at once, then every conf->instance_poll_ms; all of it
 * asynchronous on base, with conf's upstream timeouts. The values needed
 * are copied: conf may be freed afterwards. */
struct instinfo *instinfo_start(struct event_base *, const struct conf *);
/* On reload: take the new configuration (upstream, interval, timeouts,
 * require_token); call instinfo_refresh after it. */
void instinfo_set_conf(struct instinfo *, const struct conf *);
/* Poll now and write an instance record even if nothing changed. */
void instinfo_refresh(struct instinfo *);
void instinfo_stop(struct instinfo *);

#endif
