/* The compiled form of a rule set, shared by the loader, the matcher and
 * explain; nothing outside src/rules_*.c includes it. */
#ifndef IMDSGATE_RULES_INT_H
#define IMDSGATE_RULES_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rules/normpath.h"
#include "rules/rules.h"

/* Methods a rule may name; a request with another method matches only
 * rules without a method list. */
#define RULES_M_GET 0x01
#define RULES_M_HEAD 0x02
#define RULES_M_PUT 0x04
#define RULES_M_POST 0x08
#define RULES_M_DELETE 0x10
#define RULES_M_PATCH 0x20
#define RULES_M_OPTIONS 0x40

#define RULES_MAXSEGS (NORMPATH_MAX / 2)

#define RULES_WILD UINT32_MAX /* the id of a "*" segment */

/* Every literal pattern segment of a set, numbered from 1. */
struct rules_intern {
	char **strs;
	size_t *lens;
	size_t n;
	uint32_t *slots; /* open addressing, ids, 0 = empty */
	size_t nslots;   /* a power of two */
};

/* A path pattern split into interned segments once, at load. */
struct rules_pattern {
	uint32_t *ids; /* RULES_WILD for "*" */
	size_t nsegs;  /* without a trailing "**" */
	int subtree;   /* ended in "**" */
};

/* A normalised path split for matching, pointing into the path. */
struct rules_path {
	const char *segs[RULES_MAXSEGS];
	size_t lens[RULES_MAXSEGS];
	uint32_t ids[RULES_MAXSEGS]; /* filled by rules_match */
	size_t n;
};

struct rule {
	char *name;
	const char *file; /* owned by the ruleset */
	unsigned line;    /* of the [section] header */
	int action;       /* -1 unset, 0 deny, 1 allow */
	int imdsv1;       /* -1 unset, 0 deny, 1 allow */
	unsigned methods; /* 0: any */
	uid_t *uids;      /* NULL: any user */
	size_t nuids;
	gid_t *gids; /* NULL: any group */
	size_t ngids;
	struct rules_pattern *pats;
	size_t npats;
};

struct ruleset {
	atomic_uint refs;
	struct rule *rules;
	size_t nrules;
	char **files;
	size_t nfiles;
	struct rules_intern intern;
};

/* rules_parse.c: one file's rules appended to rs (data NULL: read the
 * file); 0 or -1 with err. */
int rules_parse_buf(struct ruleset *rs, const char *file, const char *data,
                    size_t len, char *err, size_t errlen);
/* rules_pattern.c */
int rules_pattern_compile(struct ruleset *, const char *text,
                          struct rules_pattern *, const char **why);
int rules_path_split(const char *path, struct rules_path *);
void rules_pattern_free(struct rules_pattern *);
/* rules_intern.c */
uint32_t rules_intern_add(struct rules_intern *, const char *, size_t);
uint32_t rules_intern_find(const struct rules_intern *, const char *, size_t);
void rules_intern_free(struct rules_intern *);
/* rules_ids.c: comma lists of users, groups and methods. */
int rules_ids_users(const char *value, uid_t **ids, size_t *n, char *err,
                    size_t errlen);
int rules_ids_groups(const char *value, gid_t **ids, size_t *n, char *err,
                     size_t errlen);
int rules_ids_methods(const char *value, unsigned *mask, char *err,
                      size_t errlen);
unsigned rules_ids_method(const char *method);
/* rules_load.c */
struct ruleset *rules_new(void);
const char *rules_addfile(struct ruleset *, const char *file);

#endif
