/* test_join.c - the fuzzy join rule, both sides of it, and the host index. */
#include "join.h"
#include "unit.h"

#define T(k, a) ((struct ms_token){ MS_TOK_##k, (a) })
#define FN 0xffffffffc0001230ULL
#define FN2 0xffffffffc0001270ULL
#define CACHE 0xffff888003c41c00ULL

static const struct ms_token leak[4] = { T(SELF, 0), T(SELF, 0), T(KTEXT, FN), T(SMALL, 0) };

static double score_of(const struct ms_token *a, const struct ms_token *b, size_t n, int want)
{
	double score = -1;

	CU_ASSERT_EQUAL(ms_join_match(a, b, n, &score), want);
	return score;
}

static void test_joins(void)
{
	const struct ms_token counter_raw[4] = { T(SELF, 0), T(SELF, 0), T(KTEXT, FN), T(RAW, 0) };
	const struct ms_token counter_zero[4] = { T(SELF, 0), T(SELF, 0), T(KTEXT, FN),
						  T(ZERO, 0) };
	const struct ms_token heap[4] = { T(HEAP, 0), T(KTEXT, FN), T(SMALL, 0), T(ZERO, 0) };
	const struct ms_token slab[4] = { T(SLAB, CACHE), T(KTEXT, FN), T(SMALL, 0), T(ZERO, 0) };
	const struct ms_token null[4] = { T(ZERO, 0), T(KTEXT, FN), T(SMALL, 0), T(ZERO, 0) };
	const struct ms_token h16[2] = { T(HEAP, 0), T(KTEXT, FN) };
	const struct ms_token extra_fn[4] = { T(SELF, 0), T(SELF, 0), T(KTEXT, FN), T(KTEXT, FN2) };
	const struct ms_token n16[2] = { T(ZERO, 0), T(KTEXT, FN) };

	/* A varying counter: zero, small and raw are all values. */
	CU_ASSERT_DOUBLE_EQUAL(score_of(leak, counter_raw, 4, 1), 1.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(score_of(leak, counter_zero, 4, 1), 1.0, 1e-12);
	/* One differing heap pointer: another cache, or NULL. */
	CU_ASSERT_DOUBLE_EQUAL(score_of(heap, slab, 4, 1), 7.0 / 8, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(score_of(heap, null, 4, 1), 7.0 / 8, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(score_of(h16, n16, 2, 1), 5.0 / 6, 1e-12);
	/* The boundary: an extra function pointer where the bigger pattern has a counter
	 * weighs 4, leaving exactly 12/16 = the threshold, which is inclusive. */
	CU_ASSERT_DOUBLE_EQUAL(score_of(leak, extra_fn, 4, 1), 12.0 / 16, 1e-12);
}

static void test_refusals(void)
{
	const struct ms_token zeros_fn[4] = { T(ZERO, 0), T(ZERO, 0), T(KTEXT, FN), T(ZERO, 0) };
	const struct ms_token other_fn[4] = { T(SELF, 0), T(SELF, 0), T(KTEXT, FN2), T(SMALL, 0) };
	const struct ms_token zeros[4] = { T(ZERO, 0), T(ZERO, 0), T(ZERO, 0), T(ZERO, 0) };
	const struct ms_token raws[4] = { T(RAW, 0), T(RAW, 0), T(RAW, 0), T(RAW, 0) };
	const struct ms_token other_self[4] = { T(SELF, 8), T(SELF, 8), T(KTEXT, FN), T(SMALL, 0) };
	struct ms_token big_a[32], big_b[32];
	int i;

	/* Shares the callback and zeros only: 5/13. */
	CU_ASSERT_DOUBLE_EQUAL(score_of(leak, zeros_fn, 4, 0), 5.0 / 13, 1e-12);
	/* Another function at the same offset: rule 2. */
	CU_ASSERT_DOUBLE_EQUAL(score_of(leak, other_fn, 4, 0), 0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(score_of(leak, zeros, 4, 0), 0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(score_of(zeros_fn, leak, 4, 0), 5.0 / 13, 1e-12);
	/* A pattern without weight-4 words takes nothing, however alike: rule 3. */
	score_of(zeros, raws, 4, 0);
	score_of(raws, zeros, 4, 0);
	/* Self pointers to another offset: a different list, 2 of 4 strong words differ. */
	score_of(leak, other_self, 4, 0);
	/* 30 shared zeros score 30/38 >= 0.75, but zeros are no evidence: rule 3. */
	for (i = 0; i < 32; i++)
		big_a[i] = big_b[i] = T(ZERO, 0);
	big_a[0] = big_a[1] = T(SELF, 0);
	big_b[0] = big_b[1] = T(ASCII, 0);
	CU_ASSERT_DOUBLE_EQUAL(score_of(big_a, big_b, 32, 0), 30.0 / 38, 1e-12);
}

static void test_index_finds_best_host(void)
{
	const struct ms_token cands[3][4] = {
		{ T(SELF, 0), T(SELF, 0), T(KTEXT, FN), T(SMALL, 0) },
		{ T(SELF, 0), T(SELF, 0), T(KTEXT, FN), T(HEAP, 0) },
		{ T(KDATA, 0xffffffff82000000ULL), T(ZERO, 0), T(ZERO, 0), T(ZERO, 0) },
	};
	const struct ms_token *pats[3] = { cands[0], cands[1], cands[2] };
	const uint8_t classes[3] = { 0, 0, 0 };
	const struct ms_token obj_raw[4] = { T(SELF, 0), T(SELF, 0), T(KTEXT, FN), T(RAW, 0) };
	const struct ms_token obj_slab[4] = { T(SELF, 0), T(SELF, 0), T(KTEXT, FN),
					      T(SLAB, CACHE) };
	const struct ms_token obj_ops[4] = { T(KDATA, 0xffffffff82000000ULL), T(SMALL, 0),
					     T(ZERO, 0), T(ZERO, 0) };
	const struct ms_token obj_none[4] = { T(RAW, 0), T(RAW, 0), T(RAW, 0), T(RAW, 0) };
	struct ms_mem mem = { 0 };
	struct ms_join_index *ix = NULL;

	CU_ASSERT_PTR_NULL_FATAL(ms_join_index_new(&mem, pats, classes, 3, 4, &ix));
	CU_ASSERT_EQUAL(ms_join_index_best(ix, obj_raw, 0, -1), 0);	/* value vs value */
	CU_ASSERT_EQUAL(ms_join_index_best(ix, obj_slab, 0, -1), 1);	/* pointer vs pointer */
	CU_ASSERT_EQUAL(ms_join_index_best(ix, obj_ops, 0, -1), 2);
	CU_ASSERT_EQUAL(ms_join_index_best(ix, obj_ops, 1, -1), -1);	/* another class */
	CU_ASSERT_EQUAL(ms_join_index_best(ix, obj_none, 0, -1), -1);
	CU_ASSERT_EQUAL(ms_join_index_best(ix, cands[0], 0, 0), 1);	/* skip itself */
	ms_join_index_free(ix);
	CU_ASSERT_EQUAL(mem.used, 0);
}

static CU_TestInfo join_tests[] = {
	{ "joins", test_joins },
	{ "refusals", test_refusals },
	{ "index finds best host", test_index_finds_best_host },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(join, join_tests)
