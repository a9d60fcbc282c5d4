/* --follow (see detect_follow.h). Polling rather than inotify: it works
 * the same on NFS, FUSE-mounted buckets and rotated files. */
#include "config.h"
#include <sys/stat.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detect/ct_input.h"
#include "detect/detect_follow.h"
#include "detect/detect_map.h"
#include "detect/detect_run.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define FOLLOW_DONE ((void *)1) /* a seen-map value: object read */

struct follow {
	struct dmap seen; /* directory objects already read */
	off_t *off;       /* per plain-file path */
	char *pending;    /* unused */
};

/* New complete lines of a file since off. Returns events read. */
static int
follow_file(struct detect *d, const char *path, off_t *off)
{
	struct stat st;
	char *buf, *nl;
	ssize_t n;
	size_t len;
	int fd;

	if (stat(path, &st) != 0)
		return 0;
	if (st.st_size < *off)
		*off = 0; /* truncated or rotated */
	if (st.st_size == *off || (fd = open(path, O_RDONLY)) < 0)
		return 0;
	len = (size_t)(st.st_size - *off);
	buf = xmalloc(len + 64);
	n = pread(fd, buf, len, *off);
	close(fd);
	if (n <= 0 || (nl = memrchr(buf, '\n', (size_t)n)) == NULL) {
		free(buf);
		return 0;
	}
	len = (size_t)(nl - buf) + 1;
	memset(buf + len, 0, 64);
	detect_run_buffer(d, path, buf, len);
	*off += (off_t)len;
	free(buf);
	return 1;
}

/* A new object is read once its size is the same on two rounds in a row,
 * so that one still being written is not read half-way. */
static int
follow_dir(struct detect *d, struct follow *f, const char *dir, int first)
{
	struct dmap_slot *sl;
	struct stat st;
	uintptr_t mark;
	char **v;
	size_t n, i;
	int any = 0;

	n = ct_input_walk(dir, &v);
	for (i = 0; i < n; i++) {
		sl = NULL;
		if (dmap_get(&f->seen, v[i], strlen(v[i])) != NULL)
			sl = dmap_put(&f->seen, v[i], strlen(v[i]));
		if (sl != NULL && sl->val == FOLLOW_DONE)
			continue;
		if (stat(v[i], &st) != 0)
			continue;
		if (sl == NULL) {
			if (f->seen.n >= DETECT_FOLLOW_MAXFILES)
				continue;
			sl = dmap_put(&f->seen, v[i], strlen(v[i]));
		}
		mark = (uintptr_t)st.st_size + 2;
		if (first)
			sl->val = FOLLOW_DONE;
		else if (st.st_size > 0 && (uintptr_t)sl->val == mark) {
			sl->val = FOLLOW_DONE;
			detect_run_path(d, v[i]);
			log_debug("%s: read", v[i]);
			any = 1;
		} else
			sl->val = (void *)mark;
	}
	ct_input_freelist(v, n);
	return any;
}

/* CloudTrail's lateness runs in real time: events the clock has moved
 * DETECT_WINDOW_MS past can no longer be preceded. 1 if any applied. */
static int
follow_tick(struct detect *d)
{
	struct timespec ts;
	uint64_t before = d->events;

	clock_gettime(CLOCK_REALTIME, &ts);
	detect_run_tick(d, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	return d->events != before;
}

void
detect_follow(struct detect *d, char **paths, int npaths, volatile int *stop,
              void (*save)(struct detect *))
{
	struct follow f;
	struct timespec ts = {0, DETECT_FOLLOW_MS * 1000000L};
	struct stat st;
	int i, any, round = 0;

	memset(&f, 0, sizeof f);
	f.off = xcalloc(npaths, sizeof *f.off);
	for (i = 0; i < npaths; i++) /* the first run read these already */
		if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
			f.off[i] = st.st_size;
	while (!*stop) {
		any = follow_tick(d);
		for (i = 0; i < npaths; i++) {
			if (stat(paths[i], &st) != 0)
				continue;
			if (S_ISDIR(st.st_mode))
				any |= follow_dir(d, &f, paths[i], round == 0);
			else
				any |= follow_file(d, paths[i], &f.off[i]);
		}
		if (any && save != NULL)
			save(d);
		if (round++ == 0)
			log_info("following %d inputs", npaths);
		nanosleep(&ts, NULL);
	}
	dmap_free(&f.seen, NULL);
	free(f.off);
}
