/* Where an input starts in time, so that inputs are read roughly in
 * event-time order whatever order they were named in: the delivery stamp
 * of a CloudTrail object name, else the earliest eventTime in the first
 * CT_ORDER_HEAD bytes of its content. The reorder window does the rest. */
#include "config.h"
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/timefmt.h"
#include "detect/ct_input.h"

/* "20240802T0820Z" in a CloudTrail object name → ms, or -1. */
static int64_t
ct_order_stamp_at(const char *p)
{
	struct tm tm;
	int i;

	for (i = 0; i < 8; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	if (p[8] != 'T' || p[13] != 'Z')
		return -1;
	for (i = 9; i < 13; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
	             (p[2] - '0') * 10 + (p[3] - '0') - 1900;
	tm.tm_mon = (p[4] - '0') * 10 + (p[5] - '0') - 1;
	tm.tm_mday = (p[6] - '0') * 10 + (p[7] - '0');
	tm.tm_hour = (p[9] - '0') * 10 + (p[10] - '0');
	tm.tm_min = (p[11] - '0') * 10 + (p[12] - '0');
	return (int64_t)timegm(&tm) * 1000;
}

int64_t
ct_order_stamp(const char *path)
{
	const char *base = strrchr(path, '/'), *p;
	int64_t t;

	base = base != NULL ? base + 1 : path;
	for (p = base; strlen(p) >= 14; p++)
		if ((t = ct_order_stamp_at(p)) >= 0)
			return t;
	return CT_ORDER_NONE;
}

/* The value after one "eventTime" key, quoted or escaped-quoted (the
 * lookup-events and CloudWatch forms embed events as strings). */
static int
ct_order_value(const char *p, const char *end, int64_t *t)
{
	const char *v, *e;
	int skip;

	for (skip = 0; p < end && skip < 8 && *p != '\0' &&
	               strchr("\\\": \t", *p) != NULL;
	     skip++)
		p++;
	v = p;
	for (e = v; e < end && e - v < 40 && *e != '"' && *e != '\\'; e++)
		;
	return e < end && e > v ? timefmt_parse(v, (size_t)(e - v), t) : -1;
}

int64_t
ct_order_scan(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *k;
	int64_t t, min = CT_ORDER_NONE;

	while ((k = memmem(p, (size_t)(end - p), "eventTime", 9)) != NULL) {
		p = k + 9;
		if (ct_order_value(p, end, &t) == 0 &&
		    (min == CT_ORDER_NONE || t < min))
			min = t;
	}
	return min;
}

/* The head of a file as text: plain bytes, or gzip decompressed. */
static int64_t
ct_order_head(const char *path)
{
	char head[CT_ORDER_HEAD], err[128];
	struct ct_blob b;
	ssize_t n;
	int64_t t;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return CT_ORDER_NONE;
	n = pread(fd, head, sizeof head, 0);
	close(fd);
	if (n < 2)
		return CT_ORDER_NONE;
	if ((unsigned char)head[0] != 0x1f || (unsigned char)head[1] != 0x8b)
		return ct_order_scan(head, (size_t)n);
	if (ct_input_read(path, &b, err, sizeof err) != 0)
		return CT_ORDER_NONE;
	t = ct_order_scan(b.data, b.len < sizeof head ? b.len : sizeof head);
	ct_input_free(&b);
	return t;
}

int64_t
ct_order_key(const char *path)
{
	int64_t t = ct_order_stamp(path);

	return t != CT_ORDER_NONE ? t : ct_order_head(path);
}
