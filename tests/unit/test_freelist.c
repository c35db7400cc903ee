/* test_freelist.c - SLUB freelist decoding, detection and corruption handling. */
#include <string.h>

#include "freelist.h"
#include "unit.h"

#define NOBJ 20
#define STRIDE 32
#define BASE 0xffff888004a00000ULL
#define RANDOM 0x5d3a9c01e7f24b68ULL

static uint8_t slab[NOBJ * STRIDE];
static uint64_t bitmap[1];

static struct ms_slab_view make_view(void)
{
	struct ms_slab_view v = { slab, BASE, 0, STRIDE, STRIDE, NOBJ, bitmap };

	return v;
}

static uint64_t obj_addr(int i)
{
	return BASE + (uint64_t)i * STRIDE;
}

/* Store next pointers so that order[0] -> order[1] -> ... -> 0, encoded with @fmt. */
static void build_chain(const struct ms_fp_format *fmt, const int *order, int n)
{
	int k;

	memset(slab, 0x11, sizeof(slab));
	for (k = 0; k < n; k++) {
		uint64_t next = k + 1 < n ? obj_addr(order[k + 1]) : 0;
		uint64_t slot = obj_addr(order[k]) + fmt->offset;
		uint64_t stored = next;

		if (fmt->encoding == MS_FP_XOR)
			stored = next ^ fmt->random ^ slot;
		else if (fmt->encoding == MS_FP_XOR_SWAB)
			stored = next ^ fmt->random ^ __builtin_bswap64(slot);
		memcpy(slab + (uint64_t)order[k] * STRIDE + fmt->offset, &stored, 8);
	}
}

static const int chain5[] = { 7, 2, 19, 0, 11 };

static void test_walk_each_encoding(void)
{
	struct ms_slab_view v = make_view();
	enum ms_fp_encoding enc;

	for (enc = 0; enc < MS_FP__COUNT; enc++) {
		struct ms_fp_format fmt = { enc, RANDOM, 16 };
		struct ms_freelist_fault fault;
		uint32_t nfree = 0;
		int k;

		build_chain(&fmt, chain5, 5);
		ms_bitmap_fill(bitmap, NOBJ);
		CU_ASSERT_EQUAL(ms_freelist_walk(&v, &fmt, obj_addr(7), bitmap, &nfree, &fault),
				MS_FL_OK);
		CU_ASSERT_EQUAL(nfree, 5);
		for (k = 0; k < 5; k++)
			CU_ASSERT_FALSE((bitmap[0] >> chain5[k]) & 1);
		CU_ASSERT_EQUAL(__builtin_popcountll(bitmap[0]), NOBJ - 5);
	}
}

static void test_detect_picks_the_encoding(void)
{
	struct ms_slab_view v = make_view();
	enum ms_fp_encoding enc;

	for (enc = MS_FP_XOR; enc < MS_FP__COUNT; enc++) {
		struct ms_fp_format fmt = { enc, RANDOM, 16 };

		build_chain(&fmt, chain5, 5);
		CU_ASSERT_EQUAL(ms_fp_detect(&v, &fmt, obj_addr(7)), enc);
	}
	/* A single free object whose pointer decodes to NULL settles it too. */
	{
		struct ms_fp_format fmt = { MS_FP_XOR_SWAB, RANDOM, 16 };
		const int one[] = { 4 };

		build_chain(&fmt, one, 1);
		CU_ASSERT_EQUAL(ms_fp_detect(&v, &fmt, obj_addr(4)), MS_FP_XOR_SWAB);
		/* A corrupt stored value fits no encoding. */
		memset(slab + 4 * STRIDE + 16, 0x77, 8);
		CU_ASSERT_EQUAL(ms_fp_detect(&v, &fmt, obj_addr(4)), MS_FP__COUNT);
	}
}

static void test_cycle_is_reported(void)
{
	struct ms_slab_view v = make_view();
	struct ms_fp_format fmt = { MS_FP_XOR_SWAB, RANDOM, 16 };
	const int loop[] = { 3, 9, 5 };
	struct ms_freelist_fault fault;
	uint64_t back = obj_addr(9), slot = obj_addr(5) + 16;
	uint64_t stored = back ^ RANDOM ^ __builtin_bswap64(slot);
	uint32_t nfree;

	build_chain(&fmt, loop, 3);
	memcpy(slab + 5 * STRIDE + 16, &stored, 8);	/* 5 -> 9: back into the chain */
	ms_bitmap_fill(bitmap, NOBJ);
	CU_ASSERT_EQUAL(ms_freelist_walk(&v, &fmt, obj_addr(3), bitmap, &nfree, &fault),
			MS_FL_CYCLE);
	CU_ASSERT_EQUAL(fault.status, MS_FL_CYCLE);
	CU_ASSERT_EQUAL(fault.bad_pointer, obj_addr(9));
	CU_ASSERT_EQUAL(fault.holder, obj_addr(5));
	CU_ASSERT_EQUAL(nfree, 3);
	/* The loop still tells the encoding, so a corrupt first chain is reported as a cycle. */
	CU_ASSERT_EQUAL(ms_fp_detect(&v, &fmt, obj_addr(3)), MS_FP_XOR_SWAB);
}

static void test_outside_and_misaligned_are_reported(void)
{
	struct ms_slab_view v = make_view();
	struct ms_fp_format fmt = { MS_FP_PLAIN, 0, 8 };
	const int two[] = { 1, 6 };
	struct ms_freelist_fault fault;
	uint64_t bad = BASE + NOBJ * STRIDE + 64;	/* just past the slab */
	uint32_t nfree;

	build_chain(&fmt, two, 2);
	memcpy(slab + 6 * STRIDE + 8, &bad, 8);
	ms_bitmap_fill(bitmap, NOBJ);
	CU_ASSERT_EQUAL(ms_freelist_walk(&v, &fmt, obj_addr(1), bitmap, &nfree, &fault),
			MS_FL_OUTSIDE);
	CU_ASSERT_EQUAL(fault.bad_pointer, bad);
	CU_ASSERT_EQUAL(fault.holder, obj_addr(6));
	CU_ASSERT_EQUAL(nfree, 2);

	bad = obj_addr(3) + 4;	/* inside the slab, not an object start */
	memcpy(slab + 6 * STRIDE + 8, &bad, 8);
	ms_bitmap_fill(bitmap, NOBJ);
	CU_ASSERT_EQUAL(ms_freelist_walk(&v, &fmt, obj_addr(1), bitmap, &nfree, &fault),
			MS_FL_OUTSIDE);
	/* A bad head is caught before anything is read. */
	ms_bitmap_fill(bitmap, NOBJ);
	CU_ASSERT_EQUAL(ms_freelist_walk(&v, &fmt, BASE - STRIDE, bitmap, &nfree, &fault),
			MS_FL_OUTSIDE);
	CU_ASSERT_EQUAL(fault.holder, 0);
	CU_ASSERT_EQUAL(nfree, 0);
}

/*
 * Found by fuzzing (fuzz_freelist): a view of stride 0 divided by zero on the first
 * pointer.  The walker never makes one (caches.c refuses a cache of size 0), but the walk
 * promises never to fail on its input: no object starts, so any head is outside.
 */
static void test_stride_zero_view(void)
{
	struct ms_slab_view v = { slab, 0xffff888100000000ULL, 157, 0, 0, 0, bitmap };
	struct ms_fp_format fmt = { MS_FP_XOR_SWAB, 0x5a5aa5a5deadbeefULL, 16 };
	struct ms_freelist_fault fault;
	uint32_t nfree = 7;

	ms_bitmap_fill(bitmap, 0);
	CU_ASSERT_EQUAL(ms_freelist_walk(&v, &fmt, 0xffffffffffff0000ULL, bitmap, &nfree, &fault),
			MS_FL_OUTSIDE);
	CU_ASSERT_EQUAL(nfree, 0);
	CU_ASSERT_EQUAL(fault.bad_pointer, 0xffffffffffff0000ULL);
	CU_ASSERT_EQUAL(ms_fp_detect(&v, &fmt, 0xffffffffffff0000ULL), MS_FP__COUNT);
	/* objects claimed, still no stride: the head on "object 0" is outside too */
	v.nr_objects = 3;
	ms_bitmap_fill(bitmap, 3);
	CU_ASSERT_EQUAL(ms_freelist_walk(&v, &fmt, v.addr + v.first, bitmap, &nfree, &fault),
			MS_FL_OUTSIDE);
	CU_ASSERT_EQUAL(bitmap[0], 7);
}

static void test_bitmap_fill(void)
{
	uint64_t bm[3] = { 0, 0, 0xabc };

	ms_bitmap_fill(bm, 70);
	CU_ASSERT_EQUAL(bm[0], ~0ULL);
	CU_ASSERT_EQUAL(bm[1], 0x3fULL);
	CU_ASSERT_EQUAL(bm[2], 0xabcULL);	/* beyond the bitmap: untouched */
	CU_ASSERT_EQUAL(ms_bitmap_words(64), 1);
	CU_ASSERT_EQUAL(ms_bitmap_words(65), 2);
}

static CU_TestInfo freelist_tests[] = {
	{ "walk with each encoding", test_walk_each_encoding },
	{ "detect picks the encoding", test_detect_picks_the_encoding },
	{ "cycle is reported", test_cycle_is_reported },
	{ "outside and misaligned are reported", test_outside_and_misaligned_are_reported },
	{ "view of stride 0: outside, no division (fuzz)", test_stride_zero_view },
	{ "bitmap fill", test_bitmap_fill },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(freelist, freelist_tests)
