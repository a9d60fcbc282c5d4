/* Fuzz target: the audit/finding JSON writer must turn any bytes into one
 * valid JSON string (checked by re-parsing it with jansson). */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;
	struct jsonw jw;
	json_error_t err;
	json_t *j;

	buf_init(&b);
	jw_begin(&jw, &b);
	jw_strn(&jw, "path", (const char *)data, size);
	jw_end(&jw);
	j = json_loadb(b.data, b.len, JSON_ALLOW_NUL, &err);
	if (j == NULL || memchr(b.data, '\n', b.len) != NULL)
		abort();	/* invalid JSON or a torn line */
	json_decref(j);
	buf_free(&b);
	return 0;
}
