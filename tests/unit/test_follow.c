/* test_follow.c - pointer following: the trees it builds, their cap, failed reads counted. */
#include <stdlib.h>
#include <string.h>

#include "fake_kernel.h"
#include "pattern.h"
#include "resolve.h"
#include "unit.h"

/*
 * A made-up heap: cache A's objects (64 bytes, FK_SLABS_A) hold in each word k a pointer to a
 * cache B object (64 bytes, FK_SLABS_B), and every B object's words point to other B objects,
 * so the tree fans out 8 ways at every level.  Memory is a function of the address.
 */
#define OBJ 64
#define NR_B 4096

static int fail_b_reads;	/* reads of B objects fail */
static uint64_t reads;

static uint64_t word_at(uint64_t addr)
{
	uint64_t k = (addr % OBJ) / 8;

	if (addr >= FK_SLABS_A && addr < FK_SLABS_A + 1024 * OBJ)
		return FK_SLABS_B + (((addr - FK_SLABS_A) / OBJ * 8 + k) % NR_B) * OBJ;
	return FK_SLABS_B + (((addr - FK_SLABS_B) / OBJ * 8 + k + 1) % NR_B) * OBJ;
}

static int heap_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	size_t i;

	reads++;
	if (fail_b_reads && addr >= FK_SLABS_B)
		return 0;
	if (addr % 8 || len % 8)
		return 0;
	for (i = 0; i < len; i += 8) {
		uint64_t v = word_at(addr + i);

		memcpy((uint8_t *)buf + i, &v, 8);
	}
	return 1;
}

static uint64_t heap_page_cache(void *ctx, uint64_t addr)
{
	if (addr >= FK_SLABS_A && addr < FK_SLABS_A + (1ULL << 30))
		return FK_CACHE_A;
	if (addr >= FK_SLABS_B && addr < FK_SLABS_B + (1ULL << 30))
		return FK_CACHE_B;
	return 0;
}

static int heap_slab_object(void *ctx, uint64_t addr, struct ms_slab_object *o)
{
	uint64_t cache = heap_page_cache(ctx, addr);

	if (!cache)
		return 0;
	memset(o, 0, sizeof(*o));
	o->cache = cache;
	strcpy(o->cache_name, cache == FK_CACHE_A ? "cache-a" : "cache-b");
	o->object = addr - addr % OBJ;
	o->object_size = o->stride = OBJ;
	o->allocated = 1;
	return 1;
}

static struct ms_env heap_env = { .read = heap_read, .slab_object = heap_slab_object,
				  .page_cache = heap_page_cache };

static uint64_t objects[8];

static struct ms_pattern pattern(void)
{
	struct ms_pattern p = { .object_size = OBJ, .stride = OBJ, .count = 8, .nr_words = 8 };
	struct ms_word *w = calloc(8, sizeof(*w));
	int k;

	for (k = 0; w && k < 8; k++) {
		w[k].offset = k * 8;
		w[k].width = 8;
		w[k].kind = MS_TOK_SLAB;
		w[k].agree = 1.0;
	}
	for (k = 0; k < 8; k++)
		objects[k] = FK_SLABS_A + (uint64_t)k * OBJ;
	p.words = w;
	strcpy(p.cache_name, "cache-a");
	return p;
}

/* Nodes of the tree under @words, and its deepest level. */
static size_t count_nodes(const struct ms_word *w, size_t nr, unsigned level, unsigned *deepest)
{
	size_t n = 0, i;

	for (i = 0; i < nr; i++) {
		if (!w[i].target)
			continue;
		n++;
		if (level > *deepest)
			*deepest = level;
		n += count_nodes(w[i].target->words, w[i].target->nr_words, level + 1, deepest);
	}
	return n;
}

static void test_tree_and_budget(void)
{
	struct ms_follow_budget b = { 0 };
	struct ms_pattern p = pattern();
	unsigned deepest = 0;
	size_t nodes;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p.words);
	fail_b_reads = 0;
	ms_pattern_follow(&p, objects, 8, &fk_layout, &heap_env, 2, &b);
	nodes = count_nodes(p.words, p.nr_words, 1, &deepest);
	CU_ASSERT_EQUAL(nodes, 8 + 8 * 8);	/* every word, two levels */
	CU_ASSERT_EQUAL(deepest, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p.words[0].target);
	CU_ASSERT_STRING_EQUAL(p.words[0].target->cache_name, "cache-b");
	CU_ASSERT_EQUAL(p.words[0].target->nr_words, 8);
	CU_ASSERT_EQUAL(b.reads_failed, 0);
	CU_ASSERT_EQUAL(b.not_followed, 0);
	CU_ASSERT(b.bytes >= nodes * sizeof(struct ms_target));
	CU_ASSERT_EQUAL(b.bytes_max, MS_FOLLOW_TREE_BYTES);
	ms_pattern_release(&p);
}

static void test_cap_binds(void)
{
	struct ms_follow_budget b = { 0 }, full = { 0 };
	struct ms_pattern p = pattern();
	unsigned deepest = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p.words);
	fail_b_reads = 0;
	ms_pattern_follow(&p, objects, 8, &fk_layout, &heap_env, 3, &full);
	ms_pattern_release(&p);
	CU_ASSERT_EQUAL(full.not_followed, 0);		/* 8 + 64 + 512 nodes fit 16 MiB */
	p = pattern();
	b.bytes_max = full.bytes / 10;
	ms_pattern_follow(&p, objects, 8, &fk_layout, &heap_env, 3, &b);
	CU_ASSERT(b.bytes <= b.bytes_max);
	CU_ASSERT(b.not_followed > 0);
	CU_ASSERT(count_nodes(p.words, p.nr_words, 1, &deepest) > 0);	/* the top still followed */
	ms_pattern_release(&p);
}

static void test_failed_reads_counted(void)
{
	struct ms_follow_budget b = { 0 };
	struct ms_pattern p = pattern();

	CU_ASSERT_PTR_NOT_NULL_FATAL(p.words);
	fail_b_reads = 1;
	reads = 0;
	ms_pattern_follow(&p, objects, 8, &fk_layout, &heap_env, 2, &b);
	/* Each of the 8 words reaches 8 distinct B objects; not one of them can be read. */
	CU_ASSERT_EQUAL(b.reads_failed, 8 * 8);
	CU_ASSERT_PTR_NOT_NULL(p.words[0].target);	/* named, with nothing summarised */
	CU_ASSERT_EQUAL(p.words[0].target ? p.words[0].target->nr_words : 1, 0);
	fail_b_reads = 0;
	ms_pattern_release(&p);
}

/* Four levels fanning out 8 ways (4,680 nodes of 8 words) outgrow the default cap: said. */
static void test_default_cap(void)
{
	struct ms_follow_budget b = { 0 };
	struct ms_pattern p = pattern();

	CU_ASSERT_PTR_NOT_NULL_FATAL(p.words);
	ms_pattern_follow(&p, objects, 8, &fk_layout, &heap_env, 4, &b);
	CU_ASSERT(b.bytes <= MS_FOLLOW_TREE_BYTES);
	CU_ASSERT(b.not_followed > 0);
	ms_pattern_release(&p);
}

static CU_TestInfo follow_tests[] = {
	{ "the default cap binds on a wide deep tree", test_default_cap },
	{ "tree two levels deep, charged", test_tree_and_budget },
	{ "the cap binds and is counted", test_cap_binds },
	{ "failed reads are counted", test_failed_reads_counted },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(follow, follow_tests)
