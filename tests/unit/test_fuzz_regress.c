/*
 * test_fuzz_regress.c - every input the fuzzers found a fault with, kept under
 * tests/fuzz/regress/<target>/, replayed through the target that found it (built into the
 * unit tests with MS_FUZZ_IN_UNIT, see tests/fuzz/fuzz.h): the target's own checks, and under
 * make unit-san the sanitizers, must pass on each.  The suites named after the faults
 * (freelist, json, passes) say what each one was.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

int ms_fuzz_freelist(const uint8_t *data, size_t size);
int ms_fuzz_engine(const uint8_t *data, size_t size);
int ms_fuzz_dwarf_cache(const uint8_t *data, size_t size);
int ms_fuzz_json(const uint8_t *data, size_t size);

static jmp_buf failed;

void ms_fuzz_fail(void)
{
	longjmp(failed, 1);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc(n ? (size_t)n : 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

/* 0 when @fn took @buf without a failed check, 1 when a check failed. */
static int run_one(int (*fn)(const uint8_t *, size_t), const uint8_t *buf, size_t len)
{
	if (setjmp(failed))
		return 1;
	fn(buf, len);
	return 0;
}

/* Replay each file of regress/@target through @fn; returns how many there were. */
static int replay(const char *target, int (*fn)(const uint8_t *, size_t))
{
	char dir[4096], path[8192];
	struct dirent *d;
	DIR *dp;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/%s", MS_FUZZ_REGRESS, target);
	dp = opendir(dir);
	if (!dp)
		return 0;
	while ((d = readdir(dp))) {
		uint8_t *buf;
		size_t len;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		buf = slurp(path, &len);
		CU_ASSERT_PTR_NOT_NULL(buf);
		if (!buf)
			continue;
		n++;
		if (run_one(fn, buf, len)) {
			fprintf(stderr, "\n  %s: the fuzz target's check failed\n", path);
			CU_FAIL("fuzz regression");
		}
		free(buf);
	}
	closedir(dp);
	return n;
}

static void test_freelist(void)
{
	CU_ASSERT(replay("freelist", ms_fuzz_freelist) >= 1);	/* stride-zero */
}

static void test_engine(void)
{
	CU_ASSERT(replay("engine", ms_fuzz_engine) >= 1);	/* settle-more-examples-... */
}

static void test_dwarf_cache(void)
{
	replay("dwarf_cache", ms_fuzz_dwarf_cache);	/* none found yet */
}

static void test_json(void)
{
	CU_ASSERT(replay("json", ms_fuzz_json) >= 1);	/* nan-margin */
}

static CU_TestInfo tests[] = {
	{ "freelist findings replayed", test_freelist },
	{ "engine findings replayed", test_engine },
	{ "index cache findings replayed", test_dwarf_cache },
	{ "JSON findings replayed", test_json },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(fuzz_regress, tests)
