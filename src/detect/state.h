/* --state: the session table kept in SQLite (WAL) between runs, so that a
 * restart does not reopen the attacker-first window. */
#ifndef IMDSGATE_STATE_H
#define IMDSGATE_STATE_H
#include "detect/detect_vpc.h"
#include "detect/session.h"

/* Load every saved entry into t and the learnt VPC egress addresses and
 * endpoints into vpcs (creating the file if needed). 0 or -1 with a
 * message in err. */
int state_load(const char *path, struct session_table *, struct dmap *intern,
               struct dmap *vpcs, char *err, size_t errlen);
/* Replace the saved tables with t and vpcs in one transaction. */
int state_save(const char *path, const struct session_table *,
               const struct dmap *vpcs, char *err, size_t errlen);
#endif
