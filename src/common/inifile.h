/* INI files read through inih, behind a line reader that refuses what
 * inih r55 would silently mangle: lines over INIFILE_MAX_LINE bytes (it
 * splits them), section names over INIFILE_MAX_SECTION (it truncates
 * them), NUL bytes, and indented continuation lines (it would glue them
 * to the previous key). Every error comes back as "FILE:LINE: message". */
#ifndef IMDSGATE_INIFILE_H
#define IMDSGATE_INIFILE_H

#include <stddef.h>

#define INIFILE_MAX_LINE 198 /* bytes, without the newline */
#define INIFILE_MAX_SECTION 49
#define INIFILE_MAX_SIZE (1024 * 1024)

struct inifile_pos {
	const char *file;
	unsigned line;         /* line of this key or header */
	unsigned section_line; /* line of the current [section], 0 before any */
};

/* Called with name == NULL and value == NULL at each [section] header,
 * then once per key. Return 0, or -1 with a message (no FILE:LINE prefix)
 * in err. */
typedef int (*inifile_cb)(void *arg, const struct inifile_pos *pos,
                          const char *section, const char *name,
                          const char *value, char *err, size_t errlen);

/* Returns 0, or -1 with err = "FILE:LINE: message" for the first error. */
int inifile_parse(const char *path, inifile_cb cb, void *arg, char *err,
                  size_t errlen);
/* The same over a buffer; name is used in messages. */
int inifile_parse_buf(const char *name, const char *data, size_t len,
                      inifile_cb cb, void *arg, char *err, size_t errlen);

#endif
