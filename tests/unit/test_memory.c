/*
 * test_memory.c - the engine's memory bound holds whatever the number of objects.
 *
 * Ten million objects (2.4 million in the sanitizer build, MEMSIM_SANITIZED, where each
 * object costs far more time: still more than twice the content table) with about a million
 * distinct patterns and as many distinct contents overflow both tables.  What is checked is memory, never time: the engine's own
 * accounting (every byte it allocates) and the process's peak RSS.
 */
#include <sys/resource.h>

#include "fake_slabs.h"
#include "unit.h"

#ifdef MEMSIM_SANITIZED
#define NR_OBJECTS 2400000ULL
#else
#define NR_OBJECTS 10000000ULL
#endif
#define PER_SLAB 128
#define LEAK_FN (FK_MODTEXT + 0x2340)

static uint64_t mix(uint64_t i)
{
	uint64_t z = i * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 31);
}

/* One object in ten is a leak; the rest point at one of 2^20 functions: ~1M patterns. */
static int many_gen(void *arg, uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size)
{
	uint64_t h = mix(i);

	if (h % 10 == 0) {
		fk_put(obj, 0, addr + 8);
		fk_put(obj, 8, LEAK_FN);
		fk_put(obj, 16, i);
		return 1;
	}
	fk_put(obj, 0, FK_KTEXT + ((h >> 8) % (1 << 20)) * 16);
	fk_put(obj, 8, addr);
	fk_put(obj, 16, i);
	fk_put(obj, 24, h & 1 ? FK_SLABS_B + (h >> 40) * 32 : 0);
	return 1;
}

static uint64_t leak_count(uint64_t n)
{
	uint64_t i, count = 0;

	for (i = 0; i < n; i++)
		count += mix(i) % 10 == 0;
	return count;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static const struct ms_cluster *leak_cluster(const struct ms_result *r)
{
	size_t i;

	for (i = 0; r && i < r->nr_clusters; i++)
		if (r->clusters[i].pattern.words[1].arg == LEAK_FN)
			return &r->clusters[i];
	return NULL;
}

/*
 * The default limit: both tables fill in the first half of the stream, then memory stays
 * flat; the peak is far below the limit, so 400 million objects would need no more.
 */
static void test_default_limit_flat_after_tables_fill(void)
{
	struct ms_engine_config cfg = fk_config(32);
	struct ms_engine *e = NULL;
	long rss0 = maxrss_kib();
	size_t half_used, peak1;
	const struct ms_cluster *c;

	CU_ASSERT_PTR_NULL_FATAL(ms_engine_new(&cfg, &e));
	ms_engine_begin_pass(e);
	fk_feed_range(e, 0, NR_OBJECTS / 2, 32, PER_SLAB, many_gen, NULL);
	half_used = ms_engine_mem_used(e);
	CU_ASSERT(ms_engine_evictions(e) > 0);	/* already full */
	CU_ASSERT(NR_OBJECTS / 2 > MS_ENGINE_CONTENT_SLOTS);	/* so is the content table */
	fk_feed_range(e, NR_OBJECTS / 2, NR_OBJECTS / 2, 32, PER_SLAB, many_gen, NULL);
	CU_ASSERT_EQUAL(ms_engine_mem_used(e), half_used);
	peak1 = ms_engine_mem_peak(e);
	CU_ASSERT(peak1 > MS_ENGINE_DEFAULT_MEM_LIMIT / 16);	/* the tables were really used */
	CU_ASSERT(peak1 < MS_ENGINE_DEFAULT_MEM_LIMIT / 2);
	CU_ASSERT_EQUAL_FATAL(ms_engine_end_pass(e), 1);
	ms_engine_begin_pass(e);
	fk_feed(e, NR_OBJECTS, 32, PER_SLAB, many_gen, NULL);
	CU_ASSERT_EQUAL_FATAL(ms_engine_end_pass(e), 0);
	CU_ASSERT(ms_engine_mem_peak(e) <= MS_ENGINE_DEFAULT_MEM_LIMIT / 2);
	c = leak_cluster(ms_engine_result(e));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->count, leak_count(NR_OBJECTS));
	CU_ASSERT(ms_engine_result(e)->distinct_estimated);
	CU_ASSERT(ms_engine_result(e)->distinct_contents > NR_OBJECTS * 97 / 100);
	ms_engine_free(e);
#ifndef MEMSIM_SANITIZED
	/* The process grew by no more than the engine said it held, plus slack. */
	CU_ASSERT((maxrss_kib() - rss0) * 1024L < (long)(peak1 + (16 << 20)));
#else
	(void)rss0;
#endif
}

/* A small limit binds: tables shrink to fit, and the counts are still exact. */
static void test_small_limit_binds(void)
{
	struct ms_engine_config cfg = fk_config(32);
	struct ms_engine *e = NULL;
	const uint64_t n = NR_OBJECTS / 10;
	const struct ms_cluster *c;
	size_t i;

	cfg.mem_limit = 8 << 20;
	CU_ASSERT_PTR_NULL_FATAL(ms_engine_new(&cfg, &e));
	CU_ASSERT_EQUAL(fk_run(e, n, 32, PER_SLAB, many_gen, NULL), 2);
	CU_ASSERT(ms_engine_mem_peak(e) <= cfg.mem_limit);
	CU_ASSERT(ms_engine_mem_peak(e) > cfg.mem_limit / 2);
	c = leak_cluster(ms_engine_result(e));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->count, leak_count(n));
	CU_ASSERT_EQUAL(ms_engine_result(e)->mem_limit, cfg.mem_limit);
	/* The largest group of identical objects: a lower bound, but never below one object. */
	for (i = 0; i < ms_engine_result(e)->nr_clusters; i++) {
		const struct ms_cluster *k = &ms_engine_result(e)->clusters[i];

		CU_ASSERT(k->largest_dup >= 1 && k->largest_dup <= k->count);
	}
	ms_engine_free(e);
}

/*
 * A cap so small that the content table overflows in the last pass too: the largest group
 * of identical objects is then a lower bound that sweeps can take to 0, yet every cluster
 * holds at least one object (an integration run under -m 2 said 0).
 */
static void test_tiny_limit_largest_group(void)
{
	struct ms_engine_config cfg = fk_config(32);
	struct ms_engine *e = NULL;
	const struct ms_result *r;
	size_t i;

	cfg.mem_limit = 2 << 20;
	CU_ASSERT_PTR_NULL_FATAL(ms_engine_new(&cfg, &e));
	fk_run(e, NR_OBJECTS / 4, 32, PER_SLAB, many_gen, NULL);
	r = ms_engine_result(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->nr_clusters > 1);
	for (i = 0; i < r->nr_clusters; i++) {
		CU_ASSERT(r->clusters[i].largest_dup >= 1);
		CU_ASSERT(r->clusters[i].largest_dup <= r->clusters[i].count);
		CU_ASSERT_FALSE(r->clusters[i].largest_dup_exact);
	}
	ms_engine_free(e);
}

static CU_TestInfo memory_tests[] = {
	{ "default limit: flat after the tables fill", test_default_limit_flat_after_tables_fill },
	{ "small limit binds", test_small_limit_binds },
	{ "tiny limit: largest identical group at least one", test_tiny_limit_largest_group },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(memory, memory_tests)
