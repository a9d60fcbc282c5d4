/* Directories of CloudTrail objects, in the order the events happened. */
#include "config.h"
#include <sys/stat.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "detect/ct_input.h"
#include "common/xmalloc.h"

struct ct_walk {
	char **v;
	size_t n, cap;
};

/* The "20240802T0820Z" stamp of a CloudTrail object name, or "". */
static const char *
ct_walk_stamp(const char *path, char *out)
{
	const char *base = strrchr(path, '/'), *p;
	size_t i;

	base = base != NULL ? base + 1 : path;
	for (p = base; *p != '\0'; p++) {
		for (i = 0; i < 8 && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i == 8 && p[8] == 'T' && strlen(p) >= 14 && p[13] == 'Z') {
			memcpy(out, p, 14);
			out[14] = '\0';
			return out;
		}
	}
	out[0] = '\0';
	return out;
}

/* Stamped objects by time, then everything by path. */
static int
ct_walk_cmp(const void *a, const void *b)
{
	const char *pa = *(char *const *)a, *pb = *(char *const *)b;
	char sa[16], sb[16];
	int c = strcmp(ct_walk_stamp(pa, sa), ct_walk_stamp(pb, sb));

	return c != 0 ? c : strcmp(pa, pb);
}

static void
ct_walk_dir(const char *dir, struct ct_walk *w, int depth)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char *p;

	if (depth > 32 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&p, "%s/%s", dir, de->d_name);
		if (stat(p, &st) != 0) {
			free(p);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			ct_walk_dir(p, w, depth + 1);
			free(p);
		} else if (S_ISREG(st.st_mode)) {
			if (w->n == w->cap) {
				w->cap = w->cap ? w->cap * 2 : 64;
				w->v =
				    xreallocarray(w->v, w->cap, sizeof *w->v);
			}
			w->v[w->n++] = p;
		} else
			free(p);
	}
	closedir(d);
}

size_t
ct_input_walk(const char *dir, char ***paths)
{
	struct ct_walk w = {NULL, 0, 0};

	ct_walk_dir(dir, &w, 0);
	if (w.n > 1)
		qsort(w.v, w.n, sizeof *w.v, ct_walk_cmp);
	*paths = w.v;
	return w.n;
}

void
ct_input_freelist(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
