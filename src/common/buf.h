/* A growable byte buffer, always NUL-terminated for convenience. */
#ifndef IMDSGATE_BUF_H
#define IMDSGATE_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *);
void buf_free(struct buf *);
void buf_reset(struct buf *);
void buf_add(struct buf *, const void *, size_t);
void buf_addstr(struct buf *, const char *);
void buf_addc(struct buf *, char);
void buf_addf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

#endif
