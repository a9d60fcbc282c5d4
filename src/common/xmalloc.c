/* Allocation wrappers that turn out-of-memory into a clean fatal error
 * instead of a NULL that every caller would have to handle. */
#include "config.h"

#include <sys/mman.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xmalloc.h"

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		fatalx("out of memory allocating %zu bytes", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory allocating %zu*%zu bytes", n, size);
	return p;
}

/* realloc with the n*size overflow check reallocarray does. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		fatalx("allocation overflow %zu*%zu", n, size);
	p = realloc(old, n * size != 0 ? n * size : 1);
	if (p == NULL)
		fatalx("out of memory allocating %zu*%zu bytes", n, size);
	return p;
}

#define HUGE_ALIGN ((size_t)2 << 20) /* x86-64 and arm64 huge page */

/* The first huge-page boundary at or after p. */
static uintptr_t
huge_up(const void *p)
{
	return ((uintptr_t)p + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1);
}

/* Large memory not yet touched, in huge pages: the kernel then faults it
 * in 2 MiB at a time, not 4 KiB (a fault costs microseconds on a virtual
 * machine, and a hundred MiB of small pages is 25,000 of them). Only the
 * whole huge pages inside; a hint the kernel may ignore. */
void
xadvise_huge(void *p, size_t len)
{
	uintptr_t a = huge_up(p);

	if (len >= 4 * HUGE_ALIGN && a < (uintptr_t)p + len)
		(void)madvise((void *)a,
		              ((uintptr_t)p + len - a) &
		                  ~(uintptr_t)(HUGE_ALIGN - 1),
		              MADV_HUGEPAGE);
}

static size_t big_mapped;

/* What xcalloc_big maps for len: whole pages (munmap takes no other
 * start, so the trimmed tail must begin on one). */
static size_t
big_len(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (len > SIZE_MAX - HUGE_ALIGN - page)
		fatalx("allocation overflow %zu", len);
	return (len + page - 1) / page * page;
}

/* len zeroed bytes; from 4 MiB on, mapped on their own in huge pages (a
 * malloc'd chunk of that size may come from the heap, where the kernel
 * cannot fault it in whole huge pages). Freed with xfree_big(p, len). */
void *
xcalloc_big(size_t len)
{
	char *p, *a;

	if (len < 2 * HUGE_ALIGN)
		return xcalloc(1, len);
	len = big_len(len);
	p = mmap(NULL, len + HUGE_ALIGN, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatalx("out of memory mapping %zu bytes", len);
	a = (char *)huge_up(p);
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + HUGE_ALIGN > a)
		munmap(a + len, (size_t)(p + HUGE_ALIGN - a));
	(void)madvise(a, len, MADV_HUGEPAGE); /* a hint */
	big_mapped += len;
	return a;
}

void
xfree_big(void *p, size_t len)
{
	if (p == NULL)
		return;
	if (len < 2 * HUGE_ALIGN)
		free(p);
	else {
		len = big_len(len);
		munmap(p, len);
		big_mapped -= len;
	}
}

size_t
xcalloc_big_mapped(void)
{
	return big_mapped;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		fatalx("out of memory duplicating %zu bytes", n);
	return p;
}

int
xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("out of memory formatting a string");
	return n;
}
