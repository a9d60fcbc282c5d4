/* Fuzz target: the proxy's request and upstream-response parsers, the
 * first code an attacker's bytes reach. Beyond not crashing: an accepted
 * request never reports a head longer than its input, and its target
 * is always origin-form (starts with '/'), so no absolute-form or
 * authority-form target can slip past into routing. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "proxy/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_request(const char *in, size_t size)
{
	static struct http_req req;	/* large: keep it off the stack */
	int n;

	memset(&req, 0, sizeof req);
	n = http_req_parse(in, size, &req);
	if (n > 0 && ((size_t)n > size || req.target[0] != '/'))
		abort();
	if (n < 0 && (req.status < 400 || req.status > 599))
		abort();
}

static void
fuzz_response(const char *in, size_t size)
{
	struct http_resp resp;
	struct buf out;
	int n;

	memset(&resp, 0, sizeof resp);
	n = http_resp_parse(in, size, &resp);
	if (n > 0) {
		if ((size_t)n > size)
			abort();
		buf_init(&out);
		http_resp_filter(in, (size_t)n, &out);
		buf_free(&out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy that is exactly size bytes, so ASan sees overreads */
	char *in = malloc(size ? size : 1);

	memcpy(in, data, size);
	fuzz_request(in, size);
	fuzz_response(in, size);
	free(in);
	return 0;
}
