/* Feed inih one checked line at a time, so every handler call knows the
 * line it came from and no line reaches inih that it would mangle. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/inifile.h"
#include "common/xmalloc.h"

struct inifile_state {
	const char *data;
	size_t len;
	size_t off;
	struct inifile_pos pos;
	inifile_cb cb;
	void *arg;
	int failed;
	char *err;
	size_t errlen;
};

static void
inifile_fail(struct inifile_state *st, unsigned line, const char *msg)
{
	if (st->failed)
		return;
	st->failed = 1;
	snprintf(st->err, st->errlen, "%s:%u: %s", st->pos.file, line, msg);
}

/* A "[name]" header: tell the callback, after checking the name fits. */
static void
inifile_header(struct inifile_state *st, const char *line, size_t n)
{
	const char *end = memchr(line, ']', n);
	char name[INIFILE_MAX_SECTION + 1], msg[256];
	size_t len;

	if (end == NULL)
		return; /* inih reports the missing ']' */
	len = (size_t)(end - line - 1);
	if (len > INIFILE_MAX_SECTION) {
		snprintf(msg, sizeof msg, "section name longer than %d bytes",
		         INIFILE_MAX_SECTION);
		inifile_fail(st, st->pos.line, msg);
		return;
	}
	memcpy(name, line + 1, len);
	name[len] = '\0';
	st->pos.section_line = st->pos.line;
	if (!st->failed &&
	    st->cb(st->arg, &st->pos, name, NULL, NULL, msg, sizeof msg) != 0)
		inifile_fail(st, st->pos.line, msg);
}

/* Reject what inih would mangle; returns 0 when the line may pass. */
static int
inifile_check(struct inifile_state *st, const char *line, size_t n)
{
	char msg[96];

	if (memchr(line, '\0', n) != NULL) {
		inifile_fail(st, st->pos.line, "NUL byte in line");
		return -1;
	}
	if (n > INIFILE_MAX_LINE) {
		snprintf(msg, sizeof msg, "line longer than %d bytes",
		         INIFILE_MAX_LINE);
		inifile_fail(st, st->pos.line, msg);
		return -1;
	}
	return 0;
}

/* inih's reader: the next line, leading blanks stripped (so inih never
 * sees a continuation line), or NULL at the end. */
static char *
inifile_reader(char *str, int num, void *stream)
{
	struct inifile_state *st = stream;
	const char *line, *nl;
	size_t n;

	if (st->off >= st->len)
		return NULL;
	line = st->data + st->off;
	nl = memchr(line, '\n', st->len - st->off);
	n = nl ? (size_t)(nl - line) : st->len - st->off;
	st->off += n + (nl != NULL);
	st->pos.line++;
	if (inifile_check(st, line, n) != 0)
		n = 0; /* an empty line: the error is recorded */
	while (n > 0 && (*line == ' ' || *line == '\t'))
		line++, n--;
	if (n > 0 && *line == '[')
		inifile_header(st, line, n);
	if (n + 2 > (size_t)num)
		n = (size_t)num - 2; /* unreachable: checked above */
	memcpy(str, line, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int
inifile_handler(void *user, const char *section, const char *name,
                const char *value)
{
	struct inifile_state *st = user;
	char msg[256];

	if (st->failed)
		return 1;
	msg[0] = '\0';
	if (st->cb(st->arg, &st->pos, section, name, value, msg, sizeof msg) !=
	    0)
		inifile_fail(st, st->pos.line, msg[0] ? msg : "invalid entry");
	return 1;
}

int
inifile_parse_buf(const char *name, const char *data, size_t len, inifile_cb cb,
                  void *arg, char *err, size_t errlen)
{
	struct inifile_state st;
	int rc;

	memset(&st, 0, sizeof st);
	st.data = data;
	st.len = len;
	st.pos.file = name;
	st.cb = cb;
	st.arg = arg;
	st.err = err;
	st.errlen = errlen;
	rc = ini_parse_stream(inifile_reader, &st, inifile_handler, &st);
	if (rc > 0)
		inifile_fail(
		    &st, (unsigned)rc,
		    "syntax error (expected '[section]' or 'key = value')");
	else if (rc < 0)
		inifile_fail(&st, st.pos.line, "out of memory");
	return st.failed ? -1 : 0;
}

/* Read the whole file, bounded, so parsing is one pass over memory. */
static char *
inifile_slurp(const char *path, size_t *lenp, char *err, size_t errlen)
{
	struct stat sb;
	char *data;
	ssize_t n;
	size_t off = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > INIFILE_MAX_SIZE) {
		snprintf(err, errlen,
		         "%s: not a regular file of at most %d bytes", path,
		         INIFILE_MAX_SIZE);
		close(fd);
		return NULL;
	}
	data = xmalloc((size_t)sb.st_size + 1);
	while (off < (size_t)sb.st_size &&
	       (n = read(fd, data + off, (size_t)sb.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	*lenp = off;
	return data;
}

int
inifile_parse(const char *path, inifile_cb cb, void *arg, char *err,
              size_t errlen)
{
	size_t len;
	char *data;
	int rc;

	if ((data = inifile_slurp(path, &len, err, errlen)) == NULL)
		return -1;
	rc = inifile_parse_buf(path, data, len, cb, arg, err, errlen);
	free(data);
	return rc;
}
