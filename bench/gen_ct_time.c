/* Times as CloudTrail writes them, cached per second: a corpus has many
 * events in each second and gmtime_r is the slow part of a timestamp. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "gen_ct.h"

/* "2026-11-01T07:01:26Z"; the result lives until the next call. */
const char *
gen_time(int64_t t)
{
	static int64_t last = -1;
	static char out[64];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == last)
		return out;
	gmtime_r(&tt, &tm);
	snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	last = t;
	return out;
}

/* "Nov 1, 2026, 7:01:26 AM", the form of AssumeRole's expiration. */
void
gen_time_aws(int64_t t, char *out, size_t n)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t tt = (time_t)t;
	int h;

	gmtime_r(&tt, &tm);
	h = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
	snprintf(out, n, "%s %d, %d, %d:%02d:%02d %s", mon[tm.tm_mon],
	    tm.tm_mday, tm.tm_year + 1900, h, tm.tm_min, tm.tm_sec,
	    tm.tm_hour < 12 ? "AM" : "PM");
}
