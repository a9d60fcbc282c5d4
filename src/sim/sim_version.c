/* The API versions IMDS serves. Every metadata path exists under each of
 * them, which is why the proxy strips the version before matching. */
#include "config.h"

#include <string.h>

#include "sim/sim.h"

static const char *sim_versions[] = {
    "1.0",        "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
    "2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04", "2011-01-01",
    "2011-05-01", "2012-01-12", "2014-02-25", "2014-11-05", "2015-10-20",
    "2016-04-19", "2016-06-30", "2016-09-02", "2018-03-28", "2018-08-17",
    "2018-09-24", "2019-10-01", "2020-10-27", "2021-01-03", "2021-03-23",
    "2021-07-15", "2022-09-24", "2024-04-11", "latest",
};

/* The listing at "/". */
void
sim_version_listing(struct buf *b)
{
	size_t i;

	for (i = 0; i < sizeof sim_versions / sizeof sim_versions[0]; i++) {
		if (i > 0)
			buf_addc(b, '\n');
		buf_addstr(b, sim_versions[i]);
	}
}

size_t
sim_version_match(const char *path)
{
	size_t i, len = strcspn(path, "/");

	for (i = 0; i < sizeof sim_versions / sizeof sim_versions[0]; i++)
		if (strlen(sim_versions[i]) == len &&
		    strncmp(sim_versions[i], path, len) == 0)
			return len;
	return 0;
}
