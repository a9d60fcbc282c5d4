/* The request path as IMDS reads it: a run of slashes is one slash.
 * Clients send such paths and the service answers them: the JS SDK's
 * @aws-sdk/ec2-metadata-service joins its endpoint's "/" and
 * "/latest/..." into "//latest/...", other clients join segments into
 * "meta-data//iam/". */
#include "config.h"

#include "sim/sim.h"

void
sim_path_squeeze(char *path)
{
	char *w = path;
	const char *r;

	for (r = path; *r != '\0'; r++)
		if (*r != '/' || w == path || w[-1] != '/')
			*w++ = *r;
	*w = '\0';
}
