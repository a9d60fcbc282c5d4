/* Which instance a public address belongs to: every public address an
 * instance's session is locked on (from evidence or first use), so that a
 * stolen credential used from an instance of another account monitored
 * in the same input (GuardDuty's "affiliated account") names that
 * account and instance. An open-addressing table of 16-byte keys. */
#ifndef IMDSGATE_DETECT_OWNER_H
#define IMDSGATE_DETECT_OWNER_H
#include <stddef.h>
#include <stdint.h>

#include "detect/iprange.h"
#include "detect/session.h"

/* 24 bytes, not 32: whether the owner is known from evidence rides in
 * the low bit of the session pointer (sessions are malloc-aligned); one
 * slot per public address of every instance, so it counts per session
 * (issue 18). */
struct owner_slot {
	struct ip16 ip;
	uintptr_t s; /* struct session *, | 1 when from evidence; 0: empty */
};

struct owners {
	struct owner_slot *v;
	size_t n, cap;
};

/* Record that ip is s's; an owner known from evidence is not replaced by
 * one that only used the address first. */
void owners_set(struct owners *, const struct ip16 *, struct session *,
                int evidence);
/* The instance session that ip is (still) an address of, or NULL. */
struct session *owners_get(const struct owners *, const struct ip16 *);
void owners_free(struct owners *);
#endif
