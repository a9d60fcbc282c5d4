/* RFC 3339 formatting and a strict, allocation-free parser. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/timefmt.h"

char *
timefmt_rfc3339ms(const struct timespec *ts, char *out)
{
	struct tm tm;
	time_t t = ts->tv_sec;

	gmtime_r(&t, &tm);
	/* strftime for the date: its length is bounded, unlike %d of ints */
	strftime(out, TIMEFMT_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, TIMEFMT_LEN - 19, ".%03dZ",
	         (int)((ts->tv_nsec / 1000000) % 1000));
	return out;
}

static int
timefmt_digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t
timefmt_days(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The zone suffix: Z, or +hh:mm / -hh:mm, as an offset in minutes. */
static int
timefmt_zone(const char *p, const char *end, int *offmin)
{
	int hh, mm;

	*offmin = 0;
	if (end - p == 1 && (*p == 'Z' || *p == 'z'))
		return 0;
	if (end - p != 6 || (*p != '+' && *p != '-') || p[3] != ':' ||
	    timefmt_digits(p + 1, 2, &hh) || timefmt_digits(p + 4, 2, &mm))
		return -1;
	*offmin = (hh * 60 + mm) * (*p == '-' ? -1 : 1);
	return 0;
}

int
timefmt_parse(const char *s, size_t len, int64_t *ms)
{
	const char *p = s + 19, *end = s + len;
	int y, mo, d, h, mi, sec, frac = 0, scale = 100, off;

	if (len < 20 || timefmt_digits(s, 4, &y) || s[4] != '-' ||
	    timefmt_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    timefmt_digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    timefmt_digits(s + 11, 2, &h) || s[13] != ':' ||
	    timefmt_digits(s + 14, 2, &mi) || s[16] != ':' ||
	    timefmt_digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (timefmt_zone(p, end, &off) != 0)
		return -1;
	*ms = ((timefmt_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
	       (int64_t)off * 60) *
	          1000 +
	      frac;
	return 0;
}
