/* Reading CloudTrail inputs whole: a file or stdin, gunzipped when it is
 * gzip (every member, with a bounded output size), and directories
 * listed in CloudTrail time order. */
#ifndef IMDSGATE_CT_INPUT_H
#define IMDSGATE_CT_INPUT_H
#include <stddef.h>
#include <stdint.h>

/* Largest decompressed object accepted: a bomb beyond it is rejected. */
#define CT_INPUT_MAXOUT ((size_t)1 << 30)

struct ct_blob {
	char *data; /* CT_PADDING zero bytes follow len */
	size_t len;
	size_t cap; /* bytes allocated before the padding */
};

/* Read path ("-" = stdin) whole and gunzip it when needed. Returns 0, or
 * -1 with a message in err. */
int ct_input_read(const char *path, struct ct_blob *, char *err, size_t);
/* ct_input_read into buffers kept from an earlier call: raw holds what
 * was read, b the content; both keep their memory for the next call (a
 * new buffer costs a page fault every 4 KiB). On failure b may be freed;
 * both are still ct_input_free'd by the caller. */
int ct_input_load(const char *path, struct ct_blob *b, struct ct_blob *raw,
                  char *err, size_t errlen);
/* Content sniffing of a whole input in b (CT_PADDING spare bytes after
 * len): gzip is replaced by its content; anything else is left as is for
 * the parser to recognise. 0, or -1 (b freed) with a message in err. */
int ct_input_sniff(struct ct_blob *, char *err, size_t errlen);
/* Gunzip src (every member) into out; the ISIZE trailer is only a hint. */
int ct_input_gunzip(const char *src, size_t len, struct ct_blob *out, char *err,
                    size_t errlen);
void ct_input_free(struct ct_blob *);

/* Where an input starts in time (ms), for reading inputs in event-time
 * order: the delivery stamp of a CloudTrail object name (…_20240802T0820Z_…),
 * else the earliest eventTime in the first CT_ORDER_HEAD bytes of the
 * content (gzip decompressed); CT_ORDER_NONE when neither is found. */
#define CT_ORDER_NONE INT64_MAX
#define CT_ORDER_HEAD 65536
int64_t ct_order_key(const char *path);
int64_t ct_order_stamp(const char *path);
/* The earliest eventTime value in text (plain or escaped JSON). */
int64_t ct_order_scan(const char *buf, size_t len);

/* Every regular file under dir, sorted by the time in CloudTrail object
 * names (…_20240802T0820Z_…) and then by name. Returns the count. */
size_t ct_input_walk(const char *dir, char ***paths);
void ct_input_freelist(char **, size_t);
#endif
