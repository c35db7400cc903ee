/* test_hhtable.c - bounded counting: exact while there is room, Misra-Gries bounds after. */
#include "fake_kernel.h"
#include "hhtable.h"
#include "hll.h"
#include "unit.h"

/* Keys as the engine makes them: well-mixed 64-bit hashes (splitmix64's finaliser). */
static uint64_t key_of(uint64_t i)
{
	uint64_t z = i + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void check_index(const struct ms_hh *t)
{
	uint32_t s, bad = 0;

	uint32_t live = 0;

	for (s = 0; s < t->nr; s++) {
		if (!ms_hh_live(t, s))
			continue;
		live++;
		bad += ms_hh_find(t, t->slots[s].key) != s;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(live, t->live);
}

static void test_exact_while_room(void)
{
	struct ms_mem mem = { 0 };
	struct ms_hh t;
	enum ms_hh_event ev;
	uint64_t i, k, wrong = 0;

	CU_ASSERT_EQUAL_FATAL(ms_hh_init(&t, &mem, 4096, NULL, NULL), 0);
	for (k = 1; k <= 5; k++)	/* key i is added (i % 5) + 1 times */
		for (i = 0; i < 3000; i++)
			if (k <= i % 5 + 1)
				ms_hh_add(&t, key_of(i), &ev);
	CU_ASSERT_EQUAL(t.nr, 3000);
	CU_ASSERT(t.cap > 1024);	/* it grew */
	CU_ASSERT_EQUAL(t.evictions, 0);
	CU_ASSERT_EQUAL(t.decrement, 0);
	for (i = 0; i < 3000; i++) {
		uint32_t s = ms_hh_find(&t, key_of(i));

		wrong += s == MS_HH_NONE || t.slots[s].count != i % 5 + 1;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(ms_hh_find(&t, key_of(5000)), MS_HH_NONE);
	check_index(&t);
	ms_hh_destroy(&t);
	CU_ASSERT_EQUAL(mem.used, 0);
}

/* Three heavy keys among 20000 light ones in a 64-slot table. */
static void test_misra_gries_bounds(void)
{
	struct ms_mem mem = { 0 };
	struct ms_hh t;
	enum ms_hh_event ev;
	uint64_t st = 99, i, sum = 0, n = 0, heavy_true[3] = { 0 };
	uint32_t s, heavy_slot[3] = { MS_HH_NONE, MS_HH_NONE, MS_HH_NONE }, moved = 0;
	int h;

	CU_ASSERT_EQUAL_FATAL(ms_hh_init(&t, &mem, 64, NULL, NULL), 0);
	for (i = 0; i < 26000; i++, n++) {
		uint64_t r = fk_rand(&st) % 13;

		if (r < 3) {
			heavy_true[r]++;
			s = ms_hh_add(&t, key_of(1000000 + r), &ev);
			/* a live slot never moves: the owner's per-slot data stays put */
			if (ev == MS_HH_HIT && heavy_slot[r] != MS_HH_NONE)
				moved += s != heavy_slot[r];
			heavy_slot[r] = s;
		} else {
			ms_hh_add(&t, key_of(i), &ev);
		}
	}
	CU_ASSERT(t.evictions > 0);
	CU_ASSERT(t.sweeps > 0);
	CU_ASSERT(t.live <= 64);
	CU_ASSERT_EQUAL(moved, 0);
	/* every sweep frees at least half the slots, so D <= 2N / cap */
	CU_ASSERT(t.decrement <= 2 * n / 64);
	for (s = 0; s < t.nr; s++)
		sum += t.slots[s].count;
	CU_ASSERT(sum <= n);
	for (h = 0; h < 3; h++) {	/* each heavy key holds ~1/13 > 2/64 of the stream */
		s = ms_hh_find(&t, key_of(1000000 + h));
		CU_ASSERT_NOT_EQUAL_FATAL(s, MS_HH_NONE);
		CU_ASSERT(t.slots[s].count <= heavy_true[h]);
		CU_ASSERT(t.slots[s].count + t.decrement >= heavy_true[h]);
	}
	check_index(&t);
	ms_hh_destroy(&t);
	CU_ASSERT_EQUAL(mem.used, 0);
}

static int refuse(void *arg, uint32_t new_cap)
{
	return new_cap <= 1024;
}

static void test_refused_growth_evicts(void)
{
	struct ms_mem mem = { .limit = 1 << 20 };
	struct ms_hh t;
	enum ms_hh_event ev;
	uint64_t i;

	CU_ASSERT_EQUAL_FATAL(ms_hh_init(&t, &mem, 1 << 16, refuse, NULL), 0);
	for (i = 0; i < 5000; i++)
		ms_hh_add(&t, key_of(i), &ev);
	CU_ASSERT_EQUAL(t.cap, 1024);
	CU_ASSERT_EQUAL(t.nr, 1024);
	/* all counts 1: each sweep (at keys 1025, 2049, 3073, 4097) frees every slot */
	CU_ASSERT_EQUAL(t.sweeps, 4);
	CU_ASSERT_EQUAL(t.evictions, 4 * 1024);
	CU_ASSERT_EQUAL(t.live, 5000 - 4 * 1024);
	CU_ASSERT_EQUAL(t.decrement, 4);
	CU_ASSERT(mem.peak <= mem.limit);
	check_index(&t);
	ms_hh_destroy(&t);
}

static void test_hll_estimates(void)
{
	static struct ms_hll h;
	uint64_t i, r, est;

	ms_hll_clear(&h);
	CU_ASSERT_EQUAL(ms_hll_estimate(&h), 0);
	for (r = 0; r < 10; r++)	/* duplicates do not count */
		for (i = 0; i < 1000; i++)
			ms_hll_add(&h, key_of(i));
	est = ms_hll_estimate(&h);
	CU_ASSERT(est >= 980 && est <= 1020);
	for (i = 0; i < 200000; i++)
		ms_hll_add(&h, key_of(i));
	est = ms_hll_estimate(&h);	/* 1000 of them were there already */
	CU_ASSERT(est >= 194000 && est <= 206000);
}

static CU_TestInfo hhtable_tests[] = {
	{ "exact while room", test_exact_while_room },
	{ "misra-gries bounds", test_misra_gries_bounds },
	{ "refused growth evicts", test_refused_growth_evicts },
	{ "hyperloglog estimates", test_hll_estimates },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(hhtable, hhtable_tests)
