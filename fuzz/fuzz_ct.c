/* Fuzz target: the CloudTrail reader as imdsgate-detect uses it on a file.
 * Any bytes go through the same content sniffing (gzip or not), the
 * simdjson parser for every delivery form, and the detector behind it;
 * nothing may crash, leak or read outside the input and its padding. */
#include "config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/ct_input.h"
#include "detect/ct_json.h"
#include "detect/detect.h"
#include "detect/detect_run.h"
#include "common/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A copy with the parser's padding, as ct_input_read leaves a file. */
static void
fuzz_ct_blob(const uint8_t *data, size_t size, struct ct_blob *b)
{
	b->data = xmalloc(size + CT_PADDING);
	memcpy(b->data, data, size);
	memset(b->data + size, 0, CT_PADDING);
	b->len = size;
	b->cap = size;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct ct_blob b;
	struct detect d;
	char err[256];

	/* Every malformed input is reported through stdio's stderr: send
	 * that to /dev/null. Sanitizers and libFuzzer write to fd 2 or their
	 * own copy of the stream, so their reports still show. */
	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) != NULL) {
		stderr = devnull;
		/* The detector's 16 MiB duplicate-id tables, made per input:
		 * fresh zero pages from mmap, not an 8 MiB memset each. */
		mallopt(M_MMAP_THRESHOLD, 1 << 20);
	}
	fuzz_ct_blob(data, size, &b);
	if (ct_input_sniff(&b, err, sizeof err) != 0)
		return 0;
	detect_init(&d);
	detect_run_buffer(&d, "fuzz", b.data, b.len);
	detect_free(&d);
	ct_input_free(&b);
	return 0;
}
