/* test_feeder.c - feeding through the two-thread feeder gives the engine's own result. */
#include <stdlib.h>
#include <string.h>

#include "feeder.h"
#include "synth.h"
#include "unit.h"

/* Object i of a mix, free when i % 7 == 3 (so free objects are analysed too, with -f). */
static int mix_with_free(void *arg, uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size)
{
	mix_gen(arg, i, addr, obj, size);
	return i % 7 != 3;
}

/* Run @e to the end through a feeder (slabs of @per_slab objects), as the adapter does. */
static int run_fed(struct ms_engine *e, struct ms_feeder *f, uint64_t n, uint32_t size,
		   uint32_t per_slab, void *arg)
{
	uint8_t *buf = calloc(per_slab, size);
	uint64_t *bitmap = calloc((per_slab + 63) / 64, 8);
	int passes = 0, again;

	do {
		uint64_t i = 0, addr = FK_SLABS_A;

		ms_engine_begin_pass(e);
		while (i < n) {
			struct ms_slab_view v = { buf, addr, 0, size, size, 0, bitmap };

			memset(bitmap, 0, (per_slab + 63) / 64 * 8);
			for (; v.nr_objects < per_slab && i < n; v.nr_objects++, i++) {
				uint32_t k = v.nr_objects;

				memset(buf + (size_t)k * size, 0, size);
				if (mix_with_free(arg, i, addr + (uint64_t)k * size, buf + (size_t)k * size,
						  size))
					bitmap[k / 64] |= 1ULL << (k % 64);
			}
			ms_feeder_feed(f, &v);	/* the feeder copies: buf may change at once */
			addr += (uint64_t)per_slab * size;
		}
		ms_feeder_drain(f);
		passes++;
		again = ms_engine_end_pass(e);
	} while (again == 1 && passes < 3);
	free(buf);
	free(bitmap);
	return again < 0 ? -1 : passes;
}

static void same_result(const struct ms_result *a, const struct ms_result *b)
{
	size_t c, w;

	CU_ASSERT_EQUAL(a->allocated, b->allocated);
	CU_ASSERT_EQUAL(a->free, b->free);
	CU_ASSERT_EQUAL(a->passes, b->passes);
	CU_ASSERT_EQUAL(a->distinct_contents, b->distinct_contents);
	CU_ASSERT_EQUAL(a->distinct_patterns, b->distinct_patterns);
	CU_ASSERT_EQUAL(a->unclustered, b->unclustered);
	CU_ASSERT_EQUAL(a->verdict, b->verdict);
	CU_ASSERT_STRING_EQUAL(a->verdict_line, b->verdict_line);
	CU_ASSERT_EQUAL_FATAL(a->nr_clusters, b->nr_clusters);
	for (c = 0; c < a->nr_clusters; c++) {
		const struct ms_cluster *x = &a->clusters[c], *y = &b->clusters[c];

		CU_ASSERT_EQUAL(x->count, y->count);
		CU_ASSERT_EQUAL(x->own, y->own);
		CU_ASSERT_EQUAL(x->is_free, y->is_free);
		CU_ASSERT_EQUAL(x->largest_dup, y->largest_dup);
		CU_ASSERT_EQUAL(x->rep_addr, y->rep_addr);
		CU_ASSERT_EQUAL(x->nr_examples, y->nr_examples);
		CU_ASSERT(!memcmp(x->examples, y->examples, sizeof(x->examples)));
		for (w = 0; w < x->pattern.nr_words; w++) {
			CU_ASSERT_EQUAL(x->pattern.words[w].kind, y->pattern.words[w].kind);
			CU_ASSERT_EQUAL(x->pattern.words[w].arg, y->pattern.words[w].arg);
			CU_ASSERT_EQUAL(x->pattern.words[w].agree, y->pattern.words[w].agree);
			CU_ASSERT_EQUAL(x->pattern.words[w].min, y->pattern.words[w].min);
			CU_ASSERT_EQUAL(x->pattern.words[w].max, y->pattern.words[w].max);
			CU_ASSERT_EQUAL(x->pattern.words[w].varying_bits,
					y->pattern.words[w].varying_bits);
		}
	}
}

static void compare(uint64_t total, uint32_t pattern_slots, int include_free, int passes)
{
	struct mix m = { total, total / 3, 48 };
	struct ms_engine_config cfg = fk_config(48);
	struct ms_engine *direct = NULL, *fed = NULL;
	struct ms_feeder *f = NULL;
	struct ms_error *err;
	int pd, pf;

	cfg.pattern_slots = pattern_slots;
	cfg.include_free = include_free;
	CU_ASSERT_PTR_NULL_FATAL(ms_engine_new(&cfg, &direct));
	CU_ASSERT_PTR_NULL_FATAL(ms_engine_new(&cfg, &fed));
	err = ms_feeder_new(fed, 64 << 10, &f);	/* a small ring: the caller often waits */
	CU_ASSERT_PTR_NULL_FATAL(err);
	pd = fk_run(direct, m.total, 48, 85, mix_with_free, &m);
	pf = run_fed(fed, f, m.total, 48, 85, &m);
	CU_ASSERT_EQUAL(pd, pf);
	CU_ASSERT_EQUAL(pd, passes);
	same_result(ms_engine_result(direct), ms_engine_result(fed));
	ms_feeder_free(f);
	ms_engine_free(direct);
	ms_engine_free(fed);
}

static void test_one_pass(void)
{
	compare(20000, 0, 0, 1);
}

static void test_two_passes_with_free(void)
{
	compare(60000, 64, 1, 2);
}

static void test_ring_over_budget(void)
{
	struct ms_engine_config cfg = fk_config(32);
	struct ms_engine *e = NULL;
	struct ms_feeder *f = NULL;
	struct ms_error *err;

	cfg.mem_limit = 8 << 20;
	CU_ASSERT_PTR_NULL_FATAL(ms_engine_new(&cfg, &e));
	err = ms_feeder_new(e, 64 << 20, &f);	/* the default plan leaves no 64 MiB */
	CU_ASSERT_PTR_NOT_NULL(err);
	if (err)
		CU_ASSERT_EQUAL(err->code, MS_ERR_LIMIT);
	ms_error_free(err);
	ms_engine_free(e);
}

static CU_TestInfo feeder_tests[] = {
	{ "same result in one pass", test_one_pass },
	{ "same result in two passes with free objects", test_two_passes_with_free },
	{ "ring over the budget is refused", test_ring_over_budget },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(feeder, feeder_tests)
