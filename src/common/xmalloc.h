/* Allocation that cannot fail: out of memory is fatal, as in tmux. */
#ifndef IMDSGATE_XMALLOC_H
#define IMDSGATE_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
void xadvise_huge(void *, size_t);
void *xcalloc_big(size_t);
void xfree_big(void *, size_t);
/* Bytes xcalloc_big has mapped and not freed (malloc's statistics miss
 * them). */
size_t xcalloc_big_mapped(void);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

#endif
