/* Minimal TAP producer for the C unit tests (automake's tap-driver.sh
 * reads it). Header-only so every test is one file. */
#ifndef IMDSGATE_TAP_H
#define IMDSGATE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...)                                              \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		int r_ = (g_ == NULL && w_ == NULL) ||                      \
		    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);      \
		tap_ok(r_, __FILE__, __LINE__, __VA_ARGS__);                \
		if (!r_)                                                    \
			printf("#   got:  '%s'\n#   want: '%s'\n",          \
			    g_ ? g_ : "(null)", w_ ? w_ : "(null)");        \
	} while (0)
#define is_int(got, want, ...)                                              \
	do {                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);    \
		tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__);          \
		if (g_ != w_)                                               \
			printf("#   got:  %lld\n#   want: %lld\n", g_, w_); \
	} while (0)

__attribute__((format(printf, 4, 5))) static void
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
