/* Finding the cgroup v2 hierarchy the way findmnt -t cgroup2 does: the
 * mount table of our own mount namespace, never a guessed path. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <linux/magic.h>
#include <sys/statfs.h>

#include "sys/cgroup2.h"

/* mountinfo escapes blanks in paths as \040 (octal): undo it in place. */
static void
cgroup2_unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++, w++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
			            (s[3] - '0'));
			s += 3;
		} else
			*w = *s;
	}
	*w = '\0';
}

/* Line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SRC SOPTS */
static int
cgroup2_line(char *line, char *out, size_t len)
{
	char root[4096], mnt[4096], *sep;

	if ((sep = strstr(line, " - ")) == NULL ||
	    strncmp(sep + 3, "cgroup2 ", 8) != 0)
		return -1;
	if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
		return -1;
	cgroup2_unescape(mnt);
	if (strlen(mnt) >= len)
		return -1;
	memcpy(out, mnt, strlen(mnt) + 1);
	return 0;
}

/* The first cgroup2 line of our mount table. */
int
cgroup2_mount(char *out, size_t len)
{
	char line[8192];
	FILE *f;
	int rv = -1;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (rv == -1 && fgets(line, sizeof line, f) != NULL)
		rv = cgroup2_line(line, out, len);
	fclose(f);
	return rv;
}

/* A path named by the configuration must really be cgroup2. */
int
cgroup2_is(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}
