/* test_layout.c - address classification: priorities, and the index agreeing with the scan. */
#include "fake_kernel.h"
#include "layout.h"
#include "unit.h"

static void test_regions_and_priority(void)
{
	static const struct {
		uint64_t addr;
		enum ms_region want;
	} cases[] = {
		{ 0x1000, MS_REGION_USER },
		{ FK_USER_TOP - 1, MS_REGION_USER },
		{ FK_USER_TOP, MS_REGION_NONE },
		{ FK_DIRECTMAP, MS_REGION_DIRECTMAP },
		{ FK_PERCPU - 1, MS_REGION_DIRECTMAP },
		{ FK_PERCPU, MS_REGION_PERCPU },	/* per-cpu wins inside the direct map */
		{ FK_PERCPU_END - 1, MS_REGION_PERCPU },
		{ FK_PERCPU_END, MS_REGION_DIRECTMAP },
		{ FK_DIRECTMAP_END, MS_REGION_NONE },
		{ FK_VMALLOC + 5, MS_REGION_VMALLOC },
		{ FK_VMEMMAP + 0x40, MS_REGION_VMEMMAP },
		{ FK_KTEXT, MS_REGION_KTEXT },
		{ FK_KDATA - 1, MS_REGION_KTEXT },
		{ FK_KDATA, MS_REGION_KDATA },
		{ FK_KEND, MS_REGION_NONE },
		{ FK_MODTEXT + 0x10, MS_REGION_KTEXT },
		{ FK_MODDATA + 0x10, MS_REGION_KDATA },
		{ 0xdead000000000100ULL, MS_REGION_NONE },
		{ ~0ULL, MS_REGION_NONE },
	};
	struct ms_layout l = fk_layout;
	size_t i;

	CU_ASSERT_PTR_NULL_FATAL(ms_layout_prepare(&l));
	CU_ASSERT_PTR_NOT_NULL(l.index);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(ms_layout_classify(&fk_layout, cases[i].addr), cases[i].want);
		CU_ASSERT_EQUAL(ms_layout_classify(&l, cases[i].addr), cases[i].want);
	}
	ms_layout_unprepare(&l);
	CU_ASSERT_PTR_NULL(l.index);
}

/* Overlapping ranges in any order: text beats data, per-cpu beats both. */
static void test_index_matches_scan_on_overlaps(void)
{
	struct ms_range ranges[40];
	struct ms_layout l = fk_layout;
	uint64_t st = 12345, base = 0xffffffffa0000000ULL;
	int i, mismatches = 0;

	for (i = 0; i < 40; i++) {
		uint64_t s = base + 0x10000 + (fk_rand(&st) % 4096) * 0x1000;
		uint64_t len = (fk_rand(&st) % 64 + 1) * 0x1000;
		enum ms_region kinds[] = { MS_REGION_KTEXT, MS_REGION_KDATA, MS_REGION_PERCPU };

		ranges[i] = (struct ms_range){ s, s + len, kinds[fk_rand(&st) % 3] };
	}
	ranges[0] = (struct ms_range){ base, base + 0x2000, MS_REGION_KDATA };
	ranges[1] = (struct ms_range){ base + 0x1000, base + 0x3000, MS_REGION_KTEXT };
	ranges[2] = (struct ms_range){ 0, 0, MS_REGION_KTEXT };	/* empty: ignored */
	l.ranges = ranges;
	l.nr_ranges = 40;
	CU_ASSERT_PTR_NULL_FATAL(ms_layout_prepare(&l));
	for (i = 0; i < 200000; i++) {
		uint64_t a = base + fk_rand(&st) % (4200ULL * 0x1000);
		struct ms_layout_index *ix = l.index;
		enum ms_region fast;

		if (i % 4 == 0)	/* the edges too */
			a = ranges[i % 40].start - 1 + (i / 4) % 3;
		fast = ms_layout_classify(&l, a);
		l.index = NULL;	/* the scan, as the reference */
		mismatches += fast != ms_layout_classify(&l, a);
		l.index = ix;
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT_EQUAL(ms_layout_classify(&l, base + 0x1800), MS_REGION_KTEXT);
	CU_ASSERT_EQUAL(ms_layout_classify(&l, base + 0x0800), MS_REGION_KDATA);
	ms_layout_unprepare(&l);
}

static CU_TestInfo layout_tests[] = {
	{ "regions and priority", test_regions_and_priority },
	{ "index matches scan on overlaps", test_index_matches_scan_on_overlaps },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(layout, layout_tests)
