/* Random strings for tokens and keys: from getrandom(2), so one test
 * cannot guess another's token or key. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "common/log.h"
#include "sim/sim.h"

/* n characters from alphabet, then a NUL; rejection sampling keeps every
 * character equally likely. */
void
sim_rand_str(char *out, size_t n, const char *alphabet)
{
	unsigned char r[64];
	size_t alen = strlen(alphabet), limit = 256 - 256 % alen, i = 0, j;
	ssize_t got;

	while (i < n) {
		got = getrandom(r, sizeof r, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			fatal("getrandom");
		for (j = 0; j < (size_t)got && i < n; j++)
			if (r[j] < limit)
				out[i++] = alphabet[r[j] % alen];
	}
	out[n] = '\0';
}
