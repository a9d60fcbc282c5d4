/* The session table of the lock-IP method: one entry per instance (its
 * role session and its identity-role session share it) or network
 * interface, holding the IPs its credentials may be used from. */
#ifndef IMDSGATE_SESSION_H
#define IMDSGATE_SESSION_H
#include <stddef.h>
#include <stdint.h>

#include "detect/detect_map.h"
#include "detect/iprange.h"

#define SESSION_TTL_MS (6LL * 3600 * 1000) /* instance creds live ~6 h */
/* IPs held without malloc: an instance's public address and the private
 * one its endpoint calls show; a dual-stack one's third spills (issue 18:
 * 4 inline cost every session 34 bytes it seldom used). */
#define SESSION_INLINE 2
#define SESSION_MAXIPS 64 /* beyond: oldest learned go */

/* Entry flags. */
#define SESS_SEEDED 0x01  /* true IPs known from an imdsgated log */
#define SESS_PROXY 0x02   /* runs imdsgated: keys must come from it */
#define SESS_TOKEN 0x04   /* its imdsgated requires IMDSv2 tokens */
#define SESS_RELEARN 0x08 /* an EIP was associated, address unknown */
#define SESS_ENI 0x10     /* a network interface, not an instance */

/* IP flags. */
#define SIP_KNOWN 0x01   /* evidence (proxy log, EC2 call, VPC): kept */
#define SIP_LEARNED 0x02 /* first use: forgotten when the TTL ends */
#define SIP_USED 0x04    /* the credentials were used from it */

/* Address classes: a session is locked per class. */
enum sclass { SC_PUB4, SC_PUB6, SC_PRIV4, SC_PRIV6 };

struct vpc_scope;

struct sip {
	struct ip16 ip;
	uint8_t flags;
};

/* 112 bytes: the inline addresses and their heap copy share room (a
 * session holds one or the other), packed after the id so the pointer
 * does not pad the union to 40 bytes. */
struct session {
	char id[24]; /* "i-…" lower case, or "eni-…" */
	union __attribute__((packed)) {
		struct sip ips[SESSION_INLINE]; /* cap == SESSION_INLINE */
		struct sip *more;               /* cap > SESSION_INLINE */
	};
	uint8_t flags;
	uint8_t nips, cap;
	const char *peer; /* ENI: the instance it is attached to (interned) */
	const char *role; /* interned role name */
	const char *vpc;  /* interned VPC id (imdsgated's log, RunInstances) */
	const char *account; /* interned account id, or NULL */
	int64_t expires;     /* ms; learned IPs end here */
	/* Its own endpoints while no VPC is known (see detect_scope): held
	 * here, not in a map keyed by a copy of the id (issue 18). */
	struct vpc_scope *scope;
};

/* Sessions are carved from blocks, not malloc'd one by one (16 bytes of
 * chunk header each), and the index holds only pointers: the key is the
 * session's own id, not a second copy (issue 18: bytes per session). A
 * block holds twice the sessions of the one before, up to
 * SESSION_BLOCK_MAX (7 MiB: large blocks go in huge pages). */
#define SESSION_BLOCK 1024
#define SESSION_BLOCK_MAX 65536

struct session_block {
	struct session_block *next;
	size_t cap, used;
	struct session s[];
};

/* A slot keeps its id's hash: a probe past another id, and the rehash
 * when the table grows, need not read that session (a cache miss each at
 * a million sessions). */
struct session_slot {
	struct session *s; /* NULL: empty */
	uint64_t hash;
};

struct session_table {
	struct session_slot *slot; /* open addressing by id */
	size_t count, cap;
	struct session_block *blocks; /* newest first */
};

/* Find or (create) the entry for an id, case-insensitively. */
struct session *session_get(struct session_table *, const char *id, size_t len,
                            int create);
int session_has(const struct session *, const struct ip16 *);
/* The held entry for an IP, or NULL. */
const struct sip *session_find(const struct session *, const struct ip16 *);
enum sclass session_class(const struct ip16 *);
/* "public IPv6" and the like, for titles. */
const char *session_class_name(enum sclass);
/* Whether any held IP has all of flags (SIP_USED: used at all). */
int session_any(const struct session *, uint8_t flags);
/* Whether a held IP of ip's class has any of flags. */
int session_class_has(const struct session *, const struct ip16 *,
                      uint8_t flags);
/* Whether the session is locked on an address it was first used from
 * with no evidence that the address is its own: the first user may have
 * been a thief. */
int session_unproven(const struct session *);
void session_add(struct session *, const struct ip16 *, uint8_t flags);
/* Forget learned IPs once the TTL is over. */
void session_expire(struct session *, int64_t now);
const struct sip *session_ip(const struct session *, int i);
/* "1.2.3.4,10.0.0.5" into out. */
char *session_ips_fmt(const struct session *, char *out, size_t len);
/* The next session at or after slot *i (advanced past it), or NULL:
 * for (i = 0; (s = session_next(t, &i)) != NULL;). */
struct session *session_next(const struct session_table *, size_t *i);
void session_table_free(struct session_table *);
#endif
