/* A small streaming JSON writer. Every string goes through jw_escape,
 * which emits valid UTF-8 JSON whatever bytes it is given: the audit log
 * and the findings carry attacker-chosen paths and user agents. */
#ifndef IMDSGATE_JSONW_H
#define IMDSGATE_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define JW_MAXDEPTH 16

struct jsonw {
	struct buf *b;
	int depth;
	int first[JW_MAXDEPTH];
};

/* Append s[0..len) as a quoted JSON string: ", \ and control bytes
 * escaped, invalid UTF-8 replaced by \ufffd. */
void jw_escape(struct buf *, const char *s, size_t len);

void jw_begin(struct jsonw *, struct buf *); /* { */
void jw_end(struct jsonw *);                 /* } of the outermost object */
void jw_obj_begin(struct jsonw *, const char *key); /* key NULL in arrays */
void jw_obj_end(struct jsonw *);
void jw_arr_begin(struct jsonw *, const char *key);
void jw_arr_end(struct jsonw *);
/* Members; key is NULL for array elements. jw_str with NULL writes null. */
void jw_str(struct jsonw *, const char *key, const char *val);
void jw_strn(struct jsonw *, const char *key, const char *val, size_t len);
void jw_int(struct jsonw *, const char *key, int64_t val);
void jw_uint(struct jsonw *, const char *key, uint64_t val);
void jw_double(struct jsonw *, const char *key, double val);
void jw_bool(struct jsonw *, const char *key, int val);
void jw_null(struct jsonw *, const char *key);
/* A pre-rendered JSON value (trusted: produced by this writer). */
void jw_raw(struct jsonw *, const char *key, const char *json);

#endif
