/*
 * test_classifier.c - ms_engine_cluster_of() (config.keep_classifier): after the result,
 * which kept cluster an object belongs to, by the rule the counting pass used.  Three
 * planted patterns, free objects and noise go through the engine; then every object is
 * classified again and must land in the cluster that counted it, the counts per cluster
 * coming out equal to the result's; objects of no kept cluster get -1.
 */
#include <string.h>

#include "engine.h"
#include "synth.h"
#include "unit.h"

#define N 5000
#define FN_B (FK_KTEXT + 0x4000)

enum kind { K_A, K_B, K_C, K_FREE, K_NOISE };

/* Of every 10 objects: 4 A, 2 B, 1 C, 1 free, 2 noise. */
static enum kind kind_of(uint64_t i)
{
	static const enum kind k[10] = { K_A, K_A, K_A, K_A, K_B, K_B, K_C, K_FREE, K_NOISE,
					 K_NOISE };

	return k[i % 10];
}

static const uint64_t kind_count[] = { 2000, 1000, 500, 500, 1000 };

/* Object @i at @addr into @obj (zeroed by the caller); 0 for a free one. */
static int gen(void *arg, uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size)
{
	switch (kind_of(i)) {
	case K_A:	/* the synthetic leak: list_head, module callback, counter */
		planted_object(i, addr, obj);
		return 1;
	case K_B:	/* heap pointer, callback, small, zero */
		fk_put(obj, 0, FK_HEAP + i * 64);
		fk_put(obj, 8, FN_B);
		fk_put(obj, 16, 3);
		return 1;
	case K_C:	/* ops table, the leak's callback, a counter, a pointer to cache B */
		fk_put(obj, 0, OPS_LEAK);
		fk_put(obj, 8, FN_LEAK);
		fk_put(obj, 16, 1 + i % 50);
		fk_put(obj, 24, FK_SLABS_B + i * 32);
		return 1;
	case K_FREE:	/* slab poison around a hardened free pointer */
		fk_put(obj, 0, 0x6b6b6b6b6b6b6b6bULL);
		fk_put(obj, 8, 0x6b6b6b6b6b6b6b6bULL);
		fk_put(obj, 16, (addr * 0x9e3779b97f4a7c15ULL) | 0x8000000000000001ULL);
		fk_put(obj, 24, 0xa56b6b6b6b6b6b6bULL);
		return 0;
	default:
		noise_object(i, addr, obj, size);
		return 1;
	}
}

static uint64_t addr_of(uint64_t i)
{
	return FK_SLABS_A + i * 32;
}

static long classify(struct ms_engine *e, uint64_t i)
{
	uint8_t obj[32] = { 0 };
	int allocated = gen(NULL, i, addr_of(i), obj, 32);

	return ms_engine_cluster_of(e, obj, addr_of(i), !allocated);
}

static struct ms_engine *run(struct ms_engine_config *cfg, int want_passes)
{
	struct ms_engine *e = NULL;
	struct ms_error *err = ms_engine_new(cfg, &e);

	CU_ASSERT_PTR_NULL(err);
	ms_error_free(err);
	if (!e)
		return NULL;
	CU_ASSERT_EQUAL(fk_run(e, N, 32, 100, gen, NULL), want_passes);
	return e;
}

/* The kept cluster whose examples are objects of @kind, -1 if none; all its examples are. */
static long cluster_of_kind(const struct ms_result *r, enum kind kind)
{
	size_t c, x;

	for (c = 0; c < r->nr_clusters; c++) {
		const struct ms_cluster *cl = &r->clusters[c];
		int mine = 0, others = 0;

		for (x = 0; x < cl->nr_examples; x++) {
			if (kind_of(addr_index(cl->examples[x], 32)) == kind)
				mine++;
			else
				others++;
		}
		if (mine) {
			CU_ASSERT_EQUAL(others, 0);
			return (long)c;
		}
	}
	return -1;
}

/*
 * Classify every object again: each planted kind lands wholly in its cluster, and the
 * objects per kept cluster are exactly its count.
 */
static void check_every_object(struct ms_engine *e, const struct ms_result *r, const long *want)
{
	uint64_t tally[MS_ENGINE_MAX_TOP_N * 2] = { 0 }, none = 0, i, analysed = 0;
	uint64_t wrong[K_NOISE + 1] = { 0 };
	size_t c;

	CU_ASSERT_FATAL(r->nr_clusters <= MS_ENGINE_MAX_TOP_N * 2);
	for (i = 0; i < N; i++) {
		long k = classify(e, i);
		enum kind kind = kind_of(i);

		CU_ASSERT_FATAL(k >= -1 && k < (long)r->nr_clusters);
		if (k < 0)
			none++;
		else
			tally[k]++;
		if (kind != K_NOISE && k != want[kind])
			wrong[kind]++;
	}
	for (i = 0; i < K_NOISE; i++)
		CU_ASSERT_EQUAL(wrong[i], 0);
	for (c = 0; c < r->nr_clusters; c++) {
		CU_ASSERT_EQUAL(tally[c], r->clusters[c].count);
		analysed += r->clusters[c].count;
	}
	/* the rest: unclustered, in clusters beyond top_n, or free without include_free */
	CU_ASSERT_EQUAL(none, N - analysed);
}

static void test_planted_patterns_and_free(void)
{
	struct ms_engine_config cfg = fk_config(32);
	struct ms_engine *e;
	const struct ms_result *r;
	long want[K_NOISE + 1];
	uint8_t odd[32];
	int k;

	cfg.keep_classifier = 1;
	cfg.include_free = 1;
	e = run(&cfg, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	r = ms_engine_result(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->allocated, N - kind_count[K_FREE]);
	CU_ASSERT_EQUAL(r->free, kind_count[K_FREE]);
	for (k = K_A; k <= K_FREE; k++) {
		want[k] = cluster_of_kind(r, (enum kind)k);
		CU_ASSERT_FATAL(want[k] >= 0);
		/* each planted pattern is a cluster of its own, exactly */
		CU_ASSERT_EQUAL(r->clusters[want[k]].count, kind_count[k]);
		CU_ASSERT_EQUAL(r->clusters[want[k]].is_free, k == K_FREE);
	}
	want[K_NOISE] = -1;
	CU_ASSERT_EQUAL(want[K_A], 0);	/* the biggest */
	CU_ASSERT(want[K_A] != want[K_B] && want[K_B] != want[K_C] && want[K_A] != want[K_C]);
	/* the examples and representative of each cluster classify to it */
	for (k = 0; k < (int)r->nr_clusters; k++) {
		const struct ms_cluster *c = &r->clusters[k];
		size_t x;

		for (x = 0; x < c->nr_examples; x++)
			CU_ASSERT_EQUAL(classify(e, addr_index(c->examples[x], 32)), k);
		CU_ASSERT_EQUAL(ms_engine_cluster_of(e, c->rep, c->rep_addr, c->is_free), k);
	}
	check_every_object(e, r, want);
	/* asked twice, the same (the memo answers the second time) */
	CU_ASSERT_EQUAL(classify(e, 4), want[K_B]);
	CU_ASSERT_EQUAL(classify(e, 14), want[K_B]);
	/* an object like no other: vmalloc, user, text and LIST_POISON words */
	fk_put(odd, 0, FK_VMALLOC + 0x1000);
	fk_put(odd, 8, 0x00007f0000001000ULL);
	memcpy(odd + 16, "memsimXY", 8);
	fk_put(odd, 24, 0xdead000000000100ULL);
	CU_ASSERT_EQUAL(ms_engine_cluster_of(e, odd, addr_of(N + 1), 0), -1);
	/* a planted object elsewhere in the cache: its pattern, its cluster */
	planted_object(N + 3, addr_of(N + 3), odd);
	CU_ASSERT_EQUAL(ms_engine_cluster_of(e, odd, addr_of(N + 3), 0), want[K_A]);
	/* the same bytes said to be free: free objects are their own class */
	CU_ASSERT_EQUAL(ms_engine_cluster_of(e, odd, addr_of(N + 3), 1), -1);
	ms_engine_free(e);
}

/* Exact counts after two passes: the classifier follows pass 2's candidates. */
static void test_after_two_passes(void)
{
	struct ms_engine_config cfg = fk_config(32);
	struct ms_engine *e;
	const struct ms_result *r;
	long want[K_NOISE + 1];
	int k;

	cfg.keep_classifier = 1;
	cfg.include_free = 1;
	cfg.pattern_slots = 64;	/* the noise makes pass 1 evict */
	e = run(&cfg, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	r = ms_engine_result(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->evictions > 0);
	CU_ASSERT_EQUAL(r->passes, 2);
	for (k = K_A; k <= K_FREE; k++) {
		want[k] = cluster_of_kind(r, (enum kind)k);
		CU_ASSERT_FATAL(want[k] >= 0);
		CU_ASSERT_EQUAL(r->clusters[want[k]].count, kind_count[k]);
	}
	want[K_NOISE] = -1;
	check_every_object(e, r, want);
	ms_engine_free(e);
}

/* A cluster beyond top_n, a free object without include_free, no classifier kept. */
static void test_not_kept(void)
{
	struct ms_engine_config cfg = fk_config(32);
	struct ms_engine *e;
	const struct ms_result *r;
	long want[K_NOISE + 1];
	uint8_t obj[32] = { 0 };

	/* two clusters per class: A and B (2000 and 1000) of the allocated, C (500) not */
	cfg.keep_classifier = 1;
	cfg.include_free = 1;
	cfg.top_n = 2;
	e = run(&cfg, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	r = ms_engine_result(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	want[K_A] = cluster_of_kind(r, K_A);
	want[K_B] = cluster_of_kind(r, K_B);
	want[K_FREE] = cluster_of_kind(r, K_FREE);
	want[K_C] = want[K_NOISE] = -1;
	CU_ASSERT_EQUAL(cluster_of_kind(r, K_C), -1);
	CU_ASSERT(want[K_A] >= 0 && want[K_B] >= 0 && want[K_FREE] >= 0);
	CU_ASSERT_EQUAL(classify(e, 6), -1);	/* a C object */
	check_every_object(e, r, want);
	ms_engine_free(e);

	/* without include_free: free objects are only counted, so none is in a cluster */
	cfg.top_n = 0;
	cfg.include_free = 0;
	e = run(&cfg, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	r = ms_engine_result(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(cluster_of_kind(r, K_FREE), -1);
	CU_ASSERT_EQUAL(classify(e, 7), -1);	/* a free object */
	CU_ASSERT_EQUAL(classify(e, 0), cluster_of_kind(r, K_A));
	CU_ASSERT(classify(e, 0) >= 0);
	ms_engine_free(e);

	/* without keep_classifier: -1 always, even for the biggest cluster's objects */
	cfg.keep_classifier = 0;
	cfg.include_free = 1;
	e = run(&cfg, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(cluster_of_kind(ms_engine_result(e), K_A), 0);
	CU_ASSERT_EQUAL(classify(e, 0), -1);
	CU_ASSERT_EQUAL(classify(e, 7), -1);
	ms_engine_free(e);

	/* no result yet: -1; and NULL is fine */
	cfg.keep_classifier = 1;
	CU_ASSERT_PTR_NULL(ms_engine_new(&cfg, &e));
	ms_engine_begin_pass(e);
	fk_feed(e, N, 32, 100, gen, NULL);
	planted_object(0, addr_of(0), obj);
	CU_ASSERT_EQUAL(ms_engine_cluster_of(e, obj, addr_of(0), 0), -1);
	CU_ASSERT_EQUAL(ms_engine_end_pass(e), 0);
	CU_ASSERT_EQUAL(ms_engine_cluster_of(e, obj, addr_of(0), 0), 0);
	ms_engine_free(e);
	CU_ASSERT_EQUAL(ms_engine_cluster_of(NULL, obj, addr_of(0), 0), -1);
}

static CU_TestInfo classifier_tests[] = {
	{ "planted patterns, free objects, noise", test_planted_patterns_and_free },
	{ "after two passes", test_after_two_passes },
	{ "clusters not kept, no classifier", test_not_kept },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(classifier, classifier_tests)
