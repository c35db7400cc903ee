/*
 * fuzz.h - what the libFuzzer targets share: reading parameters off the front of the input.
 *
 * A target takes its parameters (sizes, counts, flags) from the first bytes of the input and
 * its data from the rest, so every input is valid to feed and the fuzzer mutates both.
 * Reading past the end gives zeros.  FUZZ_CHECK aborts: only a target may abort, never the
 * library it feeds.
 */
#ifndef MEMSIM_FUZZ_H
#define MEMSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fz_uint(struct fz *f, size_t bytes)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < bytes; i++)
		if (f->n) {
			v |= (uint64_t)*f->p++ << (8 * i);
			f->n--;
		}
	return v;
}

#define fz_u8(f) ((uint8_t)fz_uint((f), 1))
#define fz_u16(f) ((uint16_t)fz_uint((f), 2))
#define fz_u32(f) ((uint32_t)fz_uint((f), 4))
#define fz_u64(f) fz_uint((f), 8)

/* Up to @max bytes as a NUL-terminated string (stops at a 0 byte, which it consumes). */
static inline void fz_str(struct fz *f, char *buf, size_t size)
{
	size_t i = 0;

	while (f->n && i + 1 < size) {
		uint8_t c = *f->p++;

		f->n--;
		if (!c)
			break;
		buf[i++] = (char)c;
	}
	buf[i] = 0;
}

/*
 * The entry point: libFuzzer's, or with MS_FUZZ_IN_UNIT one function per target, so that the
 * unit tests (tests/unit/test_fuzz_regress.c) replay every finding kept in tests/fuzz/regress/
 * through the very target that found it; a failed check then fails that test, not the run.
 */
#ifdef MS_FUZZ_IN_UNIT
#define FUZZ_TARGET(name) int ms_fuzz_##name(const uint8_t *data, size_t size)
void ms_fuzz_fail(void) __attribute__((noreturn));
#define FUZZ_FAIL() ms_fuzz_fail()
#else
#define FUZZ_TARGET(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#define FUZZ_FAIL() abort()
#endif

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz check failed: %s: ", #cond);                         \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			FUZZ_FAIL();                                                               \
		}                                                                                  \
	} while (0)

#endif
