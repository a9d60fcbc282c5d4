/* A libFuzzer-compatible driver for ordinary builds, so every fuzz target
 * runs in `make check` with any compiler: each seed file once, then a
 * bounded number of random mutations of the seeds. A crash or sanitizer
 * report fails the test; with --enable-fuzzing the same targets link
 * against libFuzzer instead (see fuzz/README.md for the long runs). */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXSEEDS	512
#define MAXINPUT	(64 * 1024)

static uint8_t *seeds[MAXSEEDS];
static size_t seedlen[MAXSEEDS];
static int nseeds;

static void
add_seed(const char *path)
{
	FILE *f;
	uint8_t *p;
	size_t n;

	if (nseeds == MAXSEEDS || (f = fopen(path, "rb")) == NULL)
		return;
	p = malloc(MAXINPUT);
	n = fread(p, 1, MAXINPUT, f);
	fclose(f);
	seeds[nseeds] = p;
	seedlen[nseeds++] = n;
}

static void
add_path(const char *path)
{
	struct stat sb;
	struct dirent *de;
	DIR *d;
	char sub[4096];

	if (stat(path, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		add_seed(path);
		return;
	}
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		add_path(sub);
	}
	closedir(d);
}

/* xorshift: reproducible runs from FUZZ_SEED. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* One random edit: flip, replace with an interesting byte, insert,
 * delete, or splice from another seed. */
static size_t
mutate(uint8_t *buf, size_t len)
{
	static const uint8_t interesting[] = { 0, '\r', '\n', '%', '/', '.',
	    '"', '\\', ' ', ':', 0x7f, 0x80, 0xff, '*', '[', ']', '=', ';' };
	size_t pos = len ? rnd((uint32_t)len) : 0;
	int s;

	switch (rnd(5)) {
	case 0:
		if (len) buf[pos] ^= (uint8_t)(1u << rnd(8));
		break;
	case 1:
		if (len) buf[pos] = interesting[rnd(sizeof interesting)];
		break;
	case 2:
		if (len < MAXINPUT) {
			memmove(buf + pos + 1, buf + pos, len - pos);
			buf[pos] = interesting[rnd(sizeof interesting)];
			len++;
		}
		break;
	case 3:
		if (len) {
			memmove(buf + pos, buf + pos + 1, len - pos - 1);
			len--;
		}
		break;
	default:
		s = (int)rnd((uint32_t)nseeds);
		if (seedlen[s] && pos < MAXINPUT) {
			size_t from = rnd((uint32_t)seedlen[s]);
			size_t n = seedlen[s] - from;
			if (n > MAXINPUT - pos)
				n = MAXINPUT - pos;
			memcpy(buf + pos, seeds[s] + from, n);
			if (pos + n > len)
				len = pos + n;
		}
	}
	return len;
}

int
main(int argc, char **argv)
{
	uint8_t *buf = malloc(MAXINPUT), *copy;
	long iters = getenv("FUZZ_ITERATIONS") ? atol(getenv("FUZZ_ITERATIONS")) : 20000;
	long i, k;
	size_t len;
	int a;

	if (getenv("FUZZ_SEED"))
		rng ^= strtoull(getenv("FUZZ_SEED"), NULL, 0);
	for (a = 1; a < argc; a++)
		add_path(argv[a]);
	if (nseeds == 0) {
		printf("Bail out! no seed files in the corpus\n");
		return 1;
	}
	for (a = 0; a < nseeds; a++) {
		/* a private copy, so a read past the end is caught by ASan */
		copy = malloc(seedlen[a] ? seedlen[a] : 1);
		memcpy(copy, seeds[a], seedlen[a]);
		LLVMFuzzerTestOneInput(copy, seedlen[a]);
		free(copy);
	}
	printf("ok 1 - %d seed inputs ran\n", nseeds);
	for (i = 0; i < iters; i++) {
		a = (int)rnd((uint32_t)nseeds);
		memcpy(buf, seeds[a], seedlen[a]);
		len = seedlen[a];
		for (k = 1 + rnd(4); k > 0; k--)
			len = mutate(buf, len);
		copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
	}
	printf("ok 2 - %ld mutated inputs ran without a crash\n1..2\n", iters);
	free(buf);
	for (a = 0; a < nseeds; a++)
		free(seeds[a]);
	return 0;
}
