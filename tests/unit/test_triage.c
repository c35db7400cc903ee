/*
 * test_triage.c - memsim -a's per-cache ranking: descriptions of hand-built token
 * sequences, Space-Saving's bounds on synthetic slabs, sampling of a big cache, the
 * ranking and its score, the normaliser retargeted from cache to cache, the JSON head.
 *
 * Synthetic caches are functions of the address (struct fcache): the feeder lays a cache's
 * objects out in slabs and hands them to the triage, and the fake env's read callback makes
 * any object again from its address, so the representatives the triage reads back can be
 * checked against the pattern their object was made with.
 */
#include <stdio.h>	/* before triage.h, which uses FILE without including it */
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "synth.h"
#include "token.h"
#include "triage.h"
#include "unit.h"

#define FN_DOM (FK_KTEXT + 0x40)		/* "fn_dom [memsim_leak]" */
#define FN_OTHER(j) (FK_KTEXT + 0x10000 + 8 * (uint64_t)(j))	/* no symbol */
#define DENTRY_OPS (FK_KDATA + 0x800)		/* "dentry_ops" */
#define FAR_A (FK_SLABS_A + 0x80000000ULL)	/* cache A's pages, far from any fed slab */
#define NPAT 512

/* ---- synthetic caches, as functions of the address ---- */

struct fcache;
/* Object @k of slab @s at @addr into @obj (zeroed); *@pat its pattern; 0 for a free one. */
typedef int (*fc_gen)(const struct fcache *fc, uint64_t s, uint32_t k, uint64_t addr,
		      uint8_t *obj, int *pat);

struct fcache {
	uint64_t base;			/* first slab */
	uint32_t first, stride, object_size, per_slab, slab_size;
	uint64_t nslabs;
	fc_gen gen;
	uint64_t param;
	/* What the feeder saw: allocated objects per pattern. */
	uint64_t truth[NPAT];
	uint64_t allocated, fed;
};

static uint64_t fc_addr(const struct fcache *fc, uint64_t s, uint32_t k)
{
	return fc->base + s * fc->slab_size + fc->first + (uint64_t)k * fc->stride;
}

/* The slab and index of the object starting at @addr. */
static int fc_locate(const struct fcache *fc, uint64_t addr, uint64_t *s, uint32_t *k)
{
	uint64_t off;

	if (addr < fc->base || addr >= fc->base + fc->nslabs * fc->slab_size)
		return 0;
	*s = (addr - fc->base) / fc->slab_size;
	off = (addr - fc->base) % fc->slab_size;
	if (off < fc->first || (off - fc->first) % fc->stride)
		return 0;
	*k = (uint32_t)((off - fc->first) / fc->stride);
	return *k < fc->per_slab;
}

/* The pattern of the object at @addr (-1 if none there); *@allocated whether it is. */
static int fc_pattern_of(const struct fcache *fc, uint64_t addr, int *allocated)
{
	uint8_t *obj = calloc(1, fc->object_size);
	uint64_t s;
	uint32_t k;
	int pat = -1, a = 0;

	if (obj && fc_locate(fc, addr, &s, &k))
		a = fc->gen(fc, s, k, addr, obj, &pat);
	free(obj);
	if (allocated)
		*allocated = a;
	return pat;
}

static void fc_reset(struct fcache *fc)
{
	memset(fc->truth, 0, sizeof(fc->truth));
	fc->allocated = fc->fed = 0;
}

/* Feed slabs [@from, @to) of @fc to cache @ci of @t. */
static void fc_feed(struct ms_triage *t, size_t ci, struct fcache *fc, uint64_t from,
		    uint64_t to)
{
	uint8_t *buf = malloc(fc->slab_size);
	uint64_t *bitmap = calloc((fc->per_slab + 63) / 64, 8), s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bitmap);
	for (s = from; s < to && s < fc->nslabs; s++) {
		uint64_t slab = fc->base + s * fc->slab_size;
		struct ms_slab_view v = { buf, slab, fc->first, fc->stride, fc->object_size,
					  fc->per_slab, bitmap };
		uint32_t k;

		memset(buf, 0xee, fc->slab_size);	/* padding and free pointers: noise */
		memset(bitmap, 0, (fc->per_slab + 63) / 64 * 8);
		for (k = 0; k < fc->per_slab; k++) {
			uint8_t *obj = buf + fc->first + (size_t)k * fc->stride;
			int pat = -1;

			memset(obj, 0, fc->object_size);
			if (fc->gen(fc, s, k, fc_addr(fc, s, k), obj, &pat)) {
				bitmap[k / 64] |= 1ULL << (k % 64);
				fc->allocated++;
				if (pat >= 0 && pat < NPAT)
					fc->truth[pat]++;
			}
		}
		ms_triage_feed_slab(t, ci, &v);
		fc->fed++;
	}
	free(buf);
	free(bitmap);
}

/*
 * A counter: 1 + @i % @mod, small, but never 0x100 or 0x122, which the normaliser takes for
 * list poison of kernels without POISON_POINTER_DELTA (another pattern).
 */
static uint64_t counter(uint64_t i, unsigned mod)
{
	uint64_t v = 1 + i % mod;

	return v == 0x100 || v == 0x122 ? v + 1 : v;
}

/* The walk's counts, as the adapter fills them after the pass. */
static void fc_counts(struct ms_triage *t, size_t ci, const struct fcache *fc)
{
	struct ms_triage_cache *c = ms_triage_cache(t, ci);

	c->slabs = fc->nslabs;
	c->total = fc->nslabs * fc->per_slab;
	c->allocated = fc->allocated;
	c->bytes = fc->nslabs * fc->slab_size;
}

/* ---- the fake env: memory made of the registered caches, a few symbols ---- */

static const struct fcache *mem[8];
static size_t nr_mem;
static uint64_t mem_reads;

static void mem_reset(void)
{
	nr_mem = 0;
	mem_reads = 0;
}

static void mem_add(const struct fcache *fc)
{
	if (nr_mem < sizeof(mem) / sizeof(mem[0]))
		mem[nr_mem++] = fc;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	size_t i;

	mem_reads++;
	for (i = 0; i < nr_mem; i++) {
		const struct fcache *fc = mem[i];
		uint64_t s;
		uint32_t k;
		int pat;

		if (!fc_locate(fc, addr, &s, &k) || len > fc->object_size)
			continue;
		memset(buf, 0, len);
		if (len == fc->object_size) {
			fc->gen(fc, s, k, addr, buf, &pat);
		} else {
			uint8_t *obj = calloc(1, fc->object_size);

			if (!obj)
				return 0;
			fc->gen(fc, s, k, addr, obj, &pat);
			memcpy(buf, obj, len);
			free(obj);
		}
		return 1;
	}
	return 0;
}

static const struct {
	uint64_t addr;
	const char *name, *module;
	int is_text;
} syms[] = {
	{ FN_DOM, "fn_dom", "memsim_leak", 1 },
	{ FN_LEAK, "leak_cb", "memsim_leak", 1 },
	{ FK_KTEXT + 0x5000, "fn", "mod", 1 },
	{ DENTRY_OPS, "dentry_ops", "", 0 },
};

static int sym_lookup(void *ctx, uint64_t addr, struct ms_symbol *sym)
{
	size_t i;

	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (addr >= syms[i].addr && addr < syms[i].addr + 0x40) {
			memset(sym, 0, sizeof(*sym));
			snprintf(sym->name, sizeof(sym->name), "%s", syms[i].name);
			snprintf(sym->module, sizeof(sym->module), "%s", syms[i].module);
			sym->offset = addr - syms[i].addr;
			sym->is_text = syms[i].is_text;
			return 1;
		}
	return 0;
}

static struct ms_env tenv;

static const struct ms_env *env(void)
{
	tenv = (struct ms_env){ .read = mem_read, .symbol = sym_lookup,
				.page_cache = fk_env.page_cache };
	return &tenv;
}

static struct ms_triage_cache cache_def(const char *name, uint64_t addr, uint32_t object_size,
					uint32_t stride, uint32_t slab_size, int reclaimable)
{
	struct ms_triage_cache c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.addr = addr;
	c.object_size = object_size;
	c.stride = stride;
	c.slab_size = slab_size;
	c.reclaimable = reclaimable;
	return c;
}

static struct ms_triage *new_triage(const struct ms_triage_cache *caches, size_t nr,
				    const struct ms_env *e)
{
	struct ms_triage *t = NULL;
	struct ms_error *err = ms_triage_new(caches, nr, &fk_layout, e, &t);

	CU_ASSERT_PTR_NULL(err);
	ms_error_free(err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

static int check_score(const struct ms_triage_cache *c)
{
	return c->score == ms_triage_score(c->dominant, c->stride, c->general, c->informative,
					   c->reclaimable);
}

/* ---- 1. descriptions of hand-built words ---- */

static const char *cache_name_cb(void *ctx, uint64_t cache)
{
	return cache == FK_CACHE_B ? "kmalloc-96" : NULL;
}

#define TOK(k, a) ((struct ms_token){ (k), (a) })
#define FN_SYM (FK_KTEXT + 0x5000)	/* "fn [mod]" */

static int describe(const struct ms_token *tok, const uint64_t *val, size_t nr, char *buf,
		    size_t len)
{
	return ms_triage_describe(tok, val, nr, env(), cache_name_cb, NULL, buf, len);
}

static void test_describe_items(void)
{
	struct ms_token tok[8];
	uint64_t val[8] = { 0 };
	char buf[MS_TRIAGE_DESC];

	/* A function pointer, named through env->symbol. */
	tok[0] = TOK(MS_TOK_KTEXT, FN_SYM);
	val[0] = FN_SYM;
	tok[1] = TOK(MS_TOK_ZERO, 0);
	CU_ASSERT_EQUAL(describe(tok, val, 2, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "&fn [mod] +0x0");
	/* Inside the function: the symbol's offset is said. */
	val[0] = tok[0].arg = FN_SYM + 0x10;
	CU_ASSERT_EQUAL(describe(tok, val, 2, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "&fn+0x10 [mod] +0x0");
	/* No symbol there: still a text pointer, still informative, its value said. */
	val[0] = tok[0].arg = FK_KTEXT + 0x9000;
	CU_ASSERT_EQUAL(describe(tok, val, 2, buf, sizeof(buf)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ffffffff81009000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "+0x0"));

	/* An empty list_head at +0x8: two self words pointing at +0x8, one item. */
	tok[0] = TOK(MS_TOK_KTEXT, FN_SYM);
	val[0] = FN_SYM;
	tok[1] = TOK(MS_TOK_SELF, 8);
	tok[2] = TOK(MS_TOK_SELF, 8);
	val[1] = val[2] = FK_SLABS_A + 8;
	tok[3] = TOK(MS_TOK_SMALL, 0);
	val[3] = 7;
	CU_ASSERT_EQUAL(describe(tok, val, 4, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "&fn [mod] +0x0, empty list +0x8");
	/* A lone self pointer is informative too, and not an empty list. */
	CU_ASSERT_EQUAL(describe(tok + 1, val + 1, 1, buf, sizeof(buf)), 1);
	CU_ASSERT_PTR_NULL(strstr(buf, "empty list"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "self"));

	/* List poison. */
	tok[0] = TOK(MS_TOK_ZERO, 0);
	tok[1] = TOK(MS_TOK_ZERO, 0);
	tok[2] = TOK(MS_TOK_LIST_POISON, 0);
	val[0] = val[1] = 0;
	val[2] = 0xdead000000000122ULL;
	CU_ASSERT_EQUAL(describe(tok, val, 3, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "list poison +0x10");
}

static void test_describe_text(void)
{
	struct ms_token tok[6];
	uint64_t val[6];
	char buf[MS_TRIAGE_DESC];
	const char *q;

	/* Two ascii words merged into one quoted text. */
	tok[0] = TOK(MS_TOK_SMALL, 0);
	val[0] = 3;
	tok[1] = TOK(MS_TOK_ZERO, 0);
	val[1] = 0;
	tok[2] = TOK(MS_TOK_ZERO, 0);
	val[2] = 0;
	tok[3] = TOK(MS_TOK_ASCII, 0);
	val[3] = 0x2d636f6c6c616d6bULL;		/* "kmalloc-" */
	tok[4] = TOK(MS_TOK_ASCII, 0);
	val[4] = 0x0000000074736574ULL;		/* "test" */
	tok[5] = TOK(MS_TOK_ZERO, 0);
	val[5] = 0;
	CU_ASSERT_EQUAL(describe(tok, val, 6, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "text \"kmalloc-test\" +0x18");

	/* A quote or a newline in the text: still exactly two quotes, still one line. */
	val[3] = 0x0a2262615f6f6f66ULL;		/* "foo_ab\"\n" */
	val[4] = 0x000000007a79782eULL;		/* ".xyz" */
	CU_ASSERT_EQUAL(describe(tok, val, 6, buf, sizeof(buf)), 1);
	CU_ASSERT_PTR_NULL(strchr(buf, '\n'));
	q = strchr(buf, '"');
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	q = strchr(q + 1, '"');
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_PTR_NULL(strchr(q + 1, '"'));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "foo_ab"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "xyz"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "+0x18"));
}

static void test_describe_other_cache(void)
{
	struct ms_token tok[3];
	uint64_t val[3];
	char buf[MS_TRIAGE_DESC];

	tok[0] = TOK(MS_TOK_ZERO, 0);
	val[0] = 0;
	tok[1] = TOK(MS_TOK_ZERO, 0);
	val[1] = 0;
	tok[2] = TOK(MS_TOK_SLAB, FK_CACHE_B);
	val[2] = FK_SLABS_B + 0x60;
	/* Named, but no typed evidence (triage.h's list leaves other caches' pointers out). */
	CU_ASSERT_EQUAL(describe(tok, val, 3, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "-> kmalloc-96 +0x10");
	/* A cache the callback cannot name says nothing: the kinds instead. */
	tok[2].arg = FK_CACHE_A;
	CU_ASSERT_EQUAL(describe(tok, val, 3, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "zero zero slab");
	/* No callback at all: the same. */
	tok[2].arg = FK_CACHE_B;
	CU_ASSERT_EQUAL(ms_triage_describe(tok, val, 3, env(), NULL, NULL, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "zero zero slab");
}

static void test_describe_cap(void)
{
	struct ms_token tok[7];
	uint64_t val[7];
	char buf[MS_TRIAGE_DESC];
	size_t i, commas = 0;

	for (i = 0; i < 7; i++) {
		tok[i] = TOK(MS_TOK_LIST_POISON, 0);
		val[i] = 0xdead000000000100ULL;
	}
	CU_ASSERT_EQUAL(describe(tok, val, 7, buf, sizeof(buf)), 1);
	for (i = 0; buf[i]; i++)
		commas += buf[i] == ',';
	CU_ASSERT_EQUAL(commas, MS_TRIAGE_DESC_ITEMS - 1);
	CU_ASSERT_EQUAL(MS_TRIAGE_DESC_ITEMS, 4);
	CU_ASSERT_STRING_EQUAL(buf, "list poison +0x0, list poison +0x8, list poison +0x10, "
				    "list poison +0x18");
}

static void test_describe_fallback(void)
{
	struct ms_token tok[12];
	uint64_t val[12] = { 0 };
	char buf[MS_TRIAGE_DESC];
	const char *kinds[] = { "zero", "small", "raw", "heap", "user", "same_cache" };
	char want[200] = "";
	size_t i;

	tok[0] = TOK(MS_TOK_ZERO, 0);
	tok[1] = TOK(MS_TOK_SMALL, 0);
	val[1] = 12;
	tok[2] = TOK(MS_TOK_RAW, 0);
	val[2] = 0x0123456789abcdefULL;
	CU_ASSERT_EQUAL(describe(tok, val, 3, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "zero small raw");
	/* Heap, user and same-cache pointers are no typed evidence either. */
	tok[3] = TOK(MS_TOK_HEAP, 0);
	tok[4] = TOK(MS_TOK_USER, 0);
	tok[5] = TOK(MS_TOK_SAME_CACHE, 0);
	CU_ASSERT_EQUAL(describe(tok, val, 6, buf, sizeof(buf)), 0);
	for (i = 0; i < 6; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", i ? " " : "",
			 kinds[i]);
	CU_ASSERT_STRING_EQUAL(buf, want);
	CU_ASSERT_PTR_NULL(strchr(buf, ','));
	/* Many plain words: "the kinds of the first words", so a prefix of them. */
	for (i = 0; i < 12; i++)
		tok[i] = TOK(i % 2 ? MS_TOK_SMALL : MS_TOK_ZERO, 0);
	CU_ASSERT_EQUAL(describe(tok, val, 12, buf, sizeof(buf)), 0);
	CU_ASSERT_NSTRING_EQUAL(buf, "zero small zero small", 21);
	CU_ASSERT_PTR_NULL(strchr(buf, ','));
	/* Nothing at all. */
	CU_ASSERT_EQUAL(describe(tok, val, 0, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
}

/* The words of test_describe_items together: a long description. */
static size_t rich_words(struct ms_token *tok, uint64_t *val)
{
	tok[0] = TOK(MS_TOK_KTEXT, FN_SYM);
	val[0] = FN_SYM;
	tok[1] = TOK(MS_TOK_SELF, 8);
	tok[2] = TOK(MS_TOK_SELF, 8);
	val[1] = val[2] = FK_SLABS_A + 8;
	tok[3] = TOK(MS_TOK_LIST_POISON, 0);
	val[3] = 0xdead000000000100ULL;
	tok[4] = TOK(MS_TOK_ASCII, 0);
	val[4] = 0x2d636f6c6c616d6bULL;
	return 5;
}

/* A buffer of exactly @len bytes (ASan sees any overflow) between canaries we check. */
static void describe_small(size_t len, char *copy, int *ret)
{
	struct ms_token tok[5];
	uint64_t val[5];
	size_t nr = rich_words(tok, val), i;
	char *area = malloc(len + 32), *buf = area + 16;

	CU_ASSERT_PTR_NOT_NULL_FATAL(area);
	memset(area, 0x55, len + 32);
	*ret = describe(tok, val, nr, buf, len);
	for (i = 0; i < 16; i++) {
		CU_ASSERT_EQUAL((unsigned char)area[i], 0x55);
		CU_ASSERT_EQUAL((unsigned char)buf[len + i], 0x55);
	}
	CU_ASSERT(memchr(buf, 0, len) != NULL);		/* NUL-terminated inside */
	snprintf(copy, 64, "%s", memchr(buf, 0, len) ? buf : "");
	free(area);
}

static void test_describe_small_buffer(void)
{
	struct ms_token tok[5];
	uint64_t val[5];
	char full[MS_TRIAGE_DESC], got[64];
	size_t nr = rich_words(tok, val), lens[] = { 1, 8, 20 }, i;
	int ret;

	CU_ASSERT_EQUAL(describe(tok, val, nr, full, sizeof(full)), 1);
	CU_ASSERT_STRING_EQUAL(full, "&fn [mod] +0x0, empty list +0x8, list poison +0x18, "
				     "text \"kmalloc-\" +0x20");
	for (i = 0; i < 3; i++) {
		describe_small(lens[i], got, &ret);
		CU_ASSERT(strlen(got) < lens[i]);
	}
	/* 20 bytes hold the first item whole, and no part of the second. */
	describe_small(20, got, &ret);
	CU_ASSERT_STRING_EQUAL(got, "&fn [mod] +0x0");
	CU_ASSERT_EQUAL(ret, 1);
	/* Nothing at all: still 0 and terminated. */
	describe_small(1, got, &ret);
	CU_ASSERT_STRING_EQUAL(got, "");
}

/*
 * "Returns whether any informative word was found" (triage.h): the answer is about the
 * words, and must not change with the room to describe them.  It feeds the score
 * (x1/2 when not informative).
 */
static void test_describe_informative_whatever_the_room(void)
{
	char got[64];
	int ret;

	describe_small(8, got, &ret);	/* "&fn [mod] +0x0" does not fit in 8 */
	CU_ASSERT_EQUAL(ret, 1);
	describe_small(1, got, &ret);
	CU_ASSERT_EQUAL(ret, 1);
}

/*
 * Typed evidence past MS_TRIAGE_DESC_ITEMS other-cache pointers: five pointers into
 * kmalloc-96, then a function pointer.  The object holds a text pointer, so it is
 * informative (triage.h: "no typed words" means no text or data pointer, self pointer, list
 * poison or text), even though the description has no room left to name it.
 */
static void test_describe_informative_past_the_cap(void)
{
	struct ms_token tok[7];
	uint64_t val[7];
	char buf[MS_TRIAGE_DESC];
	size_t i;

	for (i = 0; i < 5; i++) {
		tok[i] = TOK(MS_TOK_SLAB, FK_CACHE_B);
		val[i] = FK_SLABS_B + 0x60 * i;
	}
	tok[5] = TOK(MS_TOK_KTEXT, FN_SYM);
	val[5] = FN_SYM;
	tok[6] = TOK(MS_TOK_ZERO, 0);
	val[6] = 0;
	CU_ASSERT_EQUAL(describe(tok, val, 7, buf, sizeof(buf)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "-> kmalloc-96 +0x0"));
}

/* ---- 2. Space-Saving on one cache: bounds, representative, free objects ---- */

/*
 * kmalloc-32 with a padded stride and a left red zone: about 70 % of its allocated objects
 * are one pattern (a module-less kernel function at +0, a counter, an empty list at +16),
 * the rest 200 other patterns (another function each) cycling.  The dominant pattern is
 * rare in the first 4000 objects, so Space-Saving evicts it there and its slot's error is
 * not zero.  Every 11th object is free and holds the dominant pattern: counting it would
 * push the lower bound past the truth.
 */
static int ss_gen(const struct fcache *fc, uint64_t s, uint32_t k, uint64_t addr,
		  uint8_t *obj, int *pat)
{
	uint64_t i = s * fc->per_slab + k;
	int is_free = i % 11 == 5;
	int dom = i < 4000 ? i % 50 == 0 : (i * 7919) % 100 < 85;

	if (dom || is_free) {
		fk_put(obj, 0, FN_DOM);
		fk_put(obj, 8, counter(i, 1000));
		fk_put(obj, 16, addr + 16);
		fk_put(obj, 24, addr + 16);
		*pat = 0;
	} else {
		uint64_t j = (i * 37 + i / 200) % 200;

		fk_put(obj, 0, FN_OTHER(j));
		fk_put(obj, 8, counter(i, 100));
		fk_put(obj, 16, FAR_A);		/* same cache for kmalloc-32 */
		*pat = 1 + (int)j;
	}
	return !is_free;
}

static struct fcache ss_cache(void)
{
	struct fcache fc = { .base = FK_SLABS_A, .first = 8, .stride = 40, .object_size = 32,
			     .per_slab = 100, .slab_size = 4096, .nslabs = 200, .gen = ss_gen };

	return fc;
}

/* A second cache, 96 bytes at FK_SLABS_B (cache B): pointers both ways, self pointers. */
static int b_gen(const struct fcache *fc, uint64_t s, uint32_t k, uint64_t addr, uint8_t *obj,
		 int *pat)
{
	uint64_t i = s * fc->per_slab + k;
	uint32_t p = (uint32_t)(i % 3 ? 0 : 1 + (i / 3) % 60);

	fk_put(obj, 0, addr + 88);		/* self */
	fk_put(obj, 16, FAR_A);			/* another cache for B */
	fk_put(obj, 24, FK_SLABS_B + 0x80000000ULL);	/* same cache for B */
	fk_put(obj, 32, p ? FN_OTHER(p) : DENTRY_OPS);
	fk_put(obj, 40, counter(i, 5000));
	*pat = (int)p;
	return k % 7 != 3;
}

static struct fcache b_cache(void)
{
	struct fcache fc = { .base = FK_SLABS_B, .first = 0, .stride = 96, .object_size = 96,
			     .per_slab = 42, .slab_size = 4096, .nslabs = 150, .gen = b_gen };

	return fc;
}

static void test_space_saving_bounds(void)
{
	struct ms_triage_cache defs[1] = { cache_def("kmalloc-32", FK_CACHE_A, 32, 40, 4096, 0) };
	struct fcache fc = ss_cache();
	struct ms_triage *t;
	struct ms_triage_cache *c;
	uint64_t sum = 0, lower_all = 0;
	int seen[NPAT] = { 0 }, pat, allocated;
	unsigned k;

	mem_reset();
	mem_add(&fc);
	t = new_triage(defs, 1, env());
	fc_feed(t, 0, &fc, 0, fc.nslabs);
	fc_counts(t, 0, &fc);
	c = ms_triage_cache(t, 0);
	/* Free objects are not counted; every allocated one is (no sampling this small). */
	CU_ASSERT_EQUAL(c->keyed, fc.allocated);
	CU_ASSERT(fc.allocated < fc.nslabs * fc.per_slab);
	CU_ASSERT_EQUAL(c->slabs_fed, fc.nslabs);
	CU_ASSERT_EQUAL(c->slabs_skipped, 0);
	CU_ASSERT_FALSE(c->sampled);
	CU_ASSERT_EQUAL(c->nr_slots, MS_TRIAGE_SLOTS);	/* 201 patterns, 32 slots */
	/* The pattern is 70 % or so, as designed. */
	CU_ASSERT(fc.truth[0] * 100 > fc.allocated * 65 && fc.truth[0] * 100 < fc.allocated * 72);

	/*
	 * Space-Saving's invariants, slot by slot: the counts add up to the objects counted;
	 * each slot's representative is an allocated object of the slot's pattern, no two slots
	 * hold one pattern, and count - err <= true count <= count.
	 */
	for (k = 0; k < c->nr_slots; k++) {
		const struct ms_triage_slot *s = &c->slots[k];

		sum += s->count;
		CU_ASSERT(s->err < s->count);
		pat = fc_pattern_of(&fc, s->rep, &allocated);
		CU_ASSERT_TRUE(allocated);
		CU_ASSERT_FATAL(pat >= 0 && pat < NPAT);
		CU_ASSERT_EQUAL(seen[pat], 0);
		seen[pat] = 1;
		CU_ASSERT(s->count - s->err <= fc.truth[pat]);
		CU_ASSERT(fc.truth[pat] <= s->count);
		lower_all += s->count - s->err;
	}
	CU_ASSERT_EQUAL(sum, c->keyed);
	CU_ASSERT(lower_all <= c->keyed);

	ms_triage_finish(t);
	/* The dominant count: a lower bound, short by at most keyed / slots. */
	CU_ASSERT(c->dominant <= fc.truth[0]);
	CU_ASSERT(c->dominant + c->keyed / MS_TRIAGE_SLOTS >= fc.truth[0]);
	CU_ASSERT_DOUBLE_EQUAL(c->share, (double)c->dominant / c->allocated, 1e-12);
	CU_ASSERT_EQUAL(fc_pattern_of(&fc, c->dominant_rep, &allocated), 0);
	CU_ASSERT_TRUE(allocated);
	/* Its representative read back and described; the words say what they are. */
	CU_ASSERT_TRUE(c->described);
	CU_ASSERT_TRUE(c->informative);
	CU_ASSERT_STRING_EQUAL(c->desc, "&fn_dom [memsim_leak] +0x0, empty list +0x10");
	CU_ASSERT_TRUE(c->general);
	CU_ASSERT_TRUE(check_score(c));
	CU_ASSERT_DOUBLE_EQUAL(c->score, (double)c->dominant * 40 / (1 << 20), 1e-12);
	ms_triage_free(t);
}

/* The same objects, two caches fed in turns or one after the other: the same counts. */
static void test_interleaved_caches(void)
{
	struct ms_triage_cache defs[2] = {
		cache_def("kmalloc-32", FK_CACHE_A, 32, 40, 4096, 0),
		cache_def("kmalloc-96", FK_CACHE_B, 96, 96, 4096, 0),
	};
	struct fcache a = ss_cache(), b = b_cache();
	struct ms_triage *seq, *mix;
	uint64_t s;
	size_t i;

	mem_reset();
	seq = new_triage(defs, 2, NULL);
	mix = new_triage(defs, 2, NULL);
	fc_feed(seq, 0, &a, 0, a.nslabs);
	fc_feed(seq, 1, &b, 0, b.nslabs);
	fc_reset(&a);
	fc_reset(&b);
	for (s = 0; s < a.nslabs || s < b.nslabs; s++) {
		fc_feed(mix, 1, &b, s, s + 1);
		fc_feed(mix, 0, &a, s, s + 1);
	}
	for (i = 0; i < 2; i++) {
		const struct ms_triage_cache *x = ms_triage_cache(seq, i);
		const struct ms_triage_cache *y = ms_triage_cache(mix, i);

		CU_ASSERT_EQUAL(x->keyed, y->keyed);
		CU_ASSERT_EQUAL(x->nr_slots, y->nr_slots);
		CU_ASSERT_EQUAL(memcmp(x->slots, y->slots, sizeof(x->slots)), 0);
	}
	/* Cache B: 61 patterns, so not all in the slots, but the biggest is there exact. */
	{
		const struct ms_triage_cache *cb = ms_triage_cache(mix, 1);
		unsigned k;
		int found = 0;

		CU_ASSERT_EQUAL(cb->keyed, b.allocated);
		for (k = 0; k < cb->nr_slots; k++) {
			int pat = fc_pattern_of(&b, cb->slots[k].rep, NULL);

			if (pat == 0) {
				found = 1;
				CU_ASSERT(cb->slots[k].count - cb->slots[k].err <= b.truth[0]);
				CU_ASSERT(cb->slots[k].count >= b.truth[0]);
			}
		}
		CU_ASSERT_TRUE(found);
	}
	ms_triage_free(seq);
	ms_triage_free(mix);
}

/* A view whose object size is not the cache's is skipped, not misread. */
static void test_geometry_mismatch(void)
{
	struct ms_triage_cache defs[1] = { cache_def("kmalloc-32", FK_CACHE_A, 32, 40, 4096, 0) };
	struct fcache fc = ss_cache();
	struct ms_triage *t = new_triage(defs, 1, NULL);
	struct ms_triage_cache *c = ms_triage_cache(t, 0);

	fc.object_size = 24;
	fc_feed(t, 0, &fc, 0, 3);
	CU_ASSERT_EQUAL(c->slabs_skipped, 3);
	CU_ASSERT_EQUAL(c->keyed, 0);
	CU_ASSERT_EQUAL(c->nr_slots, 0);
	/* A cache index past the end is ignored. */
	ms_triage_feed_slab(t, 1, &(struct ms_slab_view){ 0 });
	CU_ASSERT_PTR_NULL(ms_triage_cache(t, 1));
	CU_ASSERT_EQUAL(ms_triage_count(t), 1);
	ms_triage_free(t);
}

/* ---- 3. sampling a big cache ---- */

/*
 * 2^21 objects of 16 bytes, 256 to a slab.  Slab s draws from one of 7 mixes (s % 7) whose
 * share of the dominant pattern runs from 45 % to 75 %, 60 % over the cache; the rest are
 * 300 other patterns.
 */
static const uint32_t mix_threshold[7] = { 115, 192, 141, 166, 128, 179, 154 };	/* of 256 */

static int big_gen(const struct fcache *fc, uint64_t s, uint32_t k, uint64_t addr,
		   uint8_t *obj, int *pat)
{
	if ((k * 151) % 256 < mix_threshold[s % 7]) {
		fk_put(obj, 0, FN_DOM);
		fk_put(obj, 8, counter(k, 256));
		*pat = 0;
	} else {
		uint64_t j = (k * 13 + s) % 300;

		fk_put(obj, 0, FN_OTHER(j));
		fk_put(obj, 8, 1);
		*pat = 1 + (int)j;
	}
	return 1;
}

static void test_sampling(void)
{
	struct ms_triage_cache defs[1] = { cache_def("kmalloc-16", FK_CACHE_A, 16, 16, 4096, 0) };
	struct fcache fc = { .base = FK_SLABS_A, .stride = 16, .object_size = 16,
			     .per_slab = 256, .slab_size = 4096, .nslabs = 8192, .gen = big_gen };
	struct ms_triage *t;
	struct ms_triage_cache *c;
	struct ms_triage_totals tot;
	double truth_share, err;
	uint64_t most;

	mem_reset();
	mem_add(&fc);
	t = new_triage(defs, 1, env());
	fc_feed(t, 0, &fc, 0, fc.nslabs);
	fc_counts(t, 0, &fc);
	c = ms_triage_cache(t, 0);
	CU_ASSERT_EQUAL(fc.allocated, 1u << 21);
	CU_ASSERT(fc.allocated > 4 * (uint64_t)MS_TRIAGE_FULL_OBJECTS);
	CU_ASSERT_TRUE(c->sampled);
	CU_ASSERT(c->keyed < c->allocated);
	CU_ASSERT(c->keyed >= MS_TRIAGE_FULL_OBJECTS);
	/* The first objects in full, then one slab in MS_TRIAGE_SAMPLE_EVERY. */
	most = MS_TRIAGE_FULL_OBJECTS + fc.per_slab +
	       (fc.allocated - MS_TRIAGE_FULL_OBJECTS) / MS_TRIAGE_SAMPLE_EVERY + fc.per_slab;
	CU_ASSERT(c->keyed <= most);
	CU_ASSERT_EQUAL(c->slabs_fed, fc.nslabs);
	ms_triage_finish(t);
	truth_share = (double)fc.truth[0] / fc.allocated;
	CU_ASSERT(truth_share > 0.59 && truth_share < 0.61);
	err = ((double)c->dominant - fc.truth[0]) / fc.truth[0];
	CU_ASSERT(err < 0.02 && err > -0.02);
	if (!(err < 0.02 && err > -0.02))
		fprintf(stderr, "\n  dominant %llu, truth %llu\n", (unsigned long long)c->dominant,
			(unsigned long long)fc.truth[0]);
	CU_ASSERT(c->dominant <= c->allocated);
	CU_ASSERT((double)c->share * c->allocated - c->dominant < 1.0);
	CU_ASSERT((double)c->share * c->allocated - c->dominant > -1.0);
	CU_ASSERT_EQUAL(fc_pattern_of(&fc, c->dominant_rep, NULL), 0);
	CU_ASSERT_STRING_EQUAL(c->desc, "&fn_dom [memsim_leak] +0x0");
	CU_ASSERT_TRUE(check_score(c));
	memset(&tot, 0, sizeof(tot));
	ms_triage_totals(t, &tot);
	CU_ASSERT_EQUAL(tot.caches_sampled, 1);
	CU_ASSERT_EQUAL(tot.allocated, fc.allocated);
	ms_triage_free(t);
}

/* ---- 4. ranking and score ---- */

/* kmalloc-64: 90 % the planted leak of synth.c without its raw counters, 10 % noise. */
static int k64_gen(const struct fcache *fc, uint64_t s, uint32_t k, uint64_t addr,
		   uint8_t *obj, int *pat)
{
	uint64_t i = s * fc->per_slab + k;

	if (i % 10 != 3) {
		fk_put(obj, 0, FN_LEAK);
		fk_put(obj, 8, addr + 8);
		fk_put(obj, 16, addr + 8);
		fk_put(obj, 24, counter(i, 5000));
		*pat = 0;
	} else {
		noise_object(i, addr, obj, 64);
		*pat = 1;
	}
	return 1;
}

/* A dentry-like cache: one pattern (an empty list, an ops pointer, a name) in all. */
static int dentry_gen(const struct fcache *fc, uint64_t s, uint32_t k, uint64_t addr,
		      uint8_t *obj, int *pat)
{
	uint64_t i = s * fc->per_slab + k;

	if (fc->param) {		/* plain words only */
		fk_put(obj, 0, counter(i, 300));
		fk_put(obj, 8, 0x0123456789abcdefULL);
	} else {
		fk_put(obj, 0, addr);
		fk_put(obj, 8, addr);
		fk_put(obj, 16, DENTRY_OPS);
		fk_put(obj, 24, counter(i, 3000));
		fk_put(obj, 32, 0x7972746e65640000ULL | 0x6564);	/* "dedentry" */
	}
	*pat = 0;
	return 1;
}

/* kmalloc-128: noise of every kind, hardly two alike. */
static int diverse_gen(const struct fcache *fc, uint64_t s, uint32_t k, uint64_t addr,
		       uint8_t *obj, int *pat)
{
	noise_object(s * fc->per_slab + k + 77777, addr, obj, 128);
	*pat = 0;
	return 1;
}

enum { R_K64, R_DENTRY, R_K128, R_UNFED, R_EMPTY, R_NR };

/*
 * kmalloc-64 (256 KiB), a dedicated 192-byte cache with @dentry_factor times its bytes all
 * of one pattern (reclaimable or not, informative or not), kmalloc-128 of diverse objects
 * (256 KiB), a cache with objects allocated but none fed, one with none allocated but the
 * most bytes.  Returns the caches' order.
 */
static void rank_scenario(unsigned dentry_factor, int reclaimable, int plain,
			  struct ms_triage **out, size_t *order)
{
	struct ms_triage_cache defs[R_NR] = {
		[R_K64] = cache_def("kmalloc-64", FK_CACHE_A, 64, 64, 4096, 0),
		[R_DENTRY] = cache_def("dentry", FK_CACHE_B + 0x100, 192, 192, 4096, reclaimable),
		[R_K128] = cache_def("kmalloc-128", FK_CACHE_B, 128, 128, 4096, 0),
		[R_UNFED] = cache_def("kmalloc-unfed", FK_CACHE_B + 0x200, 32, 32, 4096, 0),
		[R_EMPTY] = cache_def("aaa-empty", FK_CACHE_B + 0x300, 32, 32, 4096, 0),
	};
	static struct fcache k64, dentry, k128;
	struct ms_triage *t;
	struct ms_triage_cache *c;

	k64 = (struct fcache){ .base = FK_SLABS_A, .stride = 64, .object_size = 64,
			       .per_slab = 64, .slab_size = 4096, .nslabs = 64, .gen = k64_gen };
	dentry = (struct fcache){ .base = FK_HEAP, .stride = 192, .object_size = 192,
				  .per_slab = 21, .slab_size = 4096, .nslabs = 64 * dentry_factor,
				  .gen = dentry_gen, .param = (uint64_t)plain };
	k128 = (struct fcache){ .base = FK_SLABS_B, .stride = 128, .object_size = 128,
				.per_slab = 32, .slab_size = 4096, .nslabs = 64, .gen = diverse_gen };
	mem_reset();
	mem_add(&k64);
	mem_add(&dentry);
	mem_add(&k128);
	t = new_triage(defs, R_NR, env());
	fc_feed(t, R_K64, &k64, 0, k64.nslabs);
	fc_feed(t, R_DENTRY, &dentry, 0, dentry.nslabs);
	fc_feed(t, R_K128, &k128, 0, k128.nslabs);
	fc_counts(t, R_K64, &k64);
	fc_counts(t, R_DENTRY, &dentry);
	fc_counts(t, R_K128, &k128);
	c = ms_triage_cache(t, R_UNFED);
	c->slabs = 1;
	c->total = 128;
	c->allocated = 10;
	c->bytes = 4096;
	c = ms_triage_cache(t, R_EMPTY);
	c->slabs = 1 << 18;
	c->total = 32ULL << 18;
	c->allocated = 0;
	c->bytes = 1ULL << 30;
	ms_triage_finish(t);
	ms_triage_rank(t, order);
	*out = t;
}

static void check_permutation(const size_t *order, size_t n)
{
	int seen[16] = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		CU_ASSERT_FATAL(order[i] < n);
		CU_ASSERT_EQUAL(seen[order[i]], 0);
		seen[order[i]] = 1;
	}
}

static void test_rank_general_before_dedicated(void)
{
	struct ms_triage *t;
	size_t order[R_NR], i;
	const struct ms_triage_cache *k64, *d, *k128;
	static const struct { int reclaimable, plain; } variants[] = { { 1, 0 }, { 0, 1 } };
	unsigned v;

	for (v = 0; v < 2; v++) {
		rank_scenario(4, variants[v].reclaimable, variants[v].plain, &t, order);
		check_permutation(order, R_NR);
		k64 = ms_triage_cache(t, R_K64);
		d = ms_triage_cache(t, R_DENTRY);
		k128 = ms_triage_cache(t, R_K128);
		/* What the caches are. */
		CU_ASSERT(d->bytes == 4 * k64->bytes);
		CU_ASSERT_TRUE(k64->general);
		CU_ASSERT_FALSE(d->general);
		CU_ASSERT_TRUE(k128->general);
		CU_ASSERT_TRUE(k64->informative);
		CU_ASSERT_STRING_EQUAL(k64->desc, "&leak_cb [memsim_leak] +0x0, empty list +0x8");
		CU_ASSERT_EQUAL(d->informative, !variants[v].plain);
		CU_ASSERT_EQUAL(d->dominant, d->allocated);	/* one pattern, exact */
		CU_ASSERT(k64->dominant <= k64->allocated * 9 / 10 + 1);
		CU_ASSERT(k64->dominant + k64->keyed / MS_TRIAGE_SLOTS >= k64->allocated * 9 / 10);
		CU_ASSERT(k128->share < 0.2);
		for (i = 0; i < R_NR; i++)
			CU_ASSERT_TRUE(check_score(ms_triage_cache(t, i)));
		/* The ranking: kmalloc-64, then the dedicated cache, then the diverse one. */
		CU_ASSERT_EQUAL(order[0], R_K64);
		CU_ASSERT_EQUAL(order[1], R_DENTRY);
		CU_ASSERT_EQUAL(order[2], R_K128);
		/* Allocated but nothing counted before the cache with nothing allocated. */
		CU_ASSERT_EQUAL(order[3], R_UNFED);
		CU_ASSERT_EQUAL(order[4], R_EMPTY);
		ms_triage_free(t);
	}
	/* Only size is evidence in a dedicated cache: 8 times the bytes, informative, wins. */
	rank_scenario(8, 0, 0, &t, order);
	CU_ASSERT_EQUAL(order[0], R_DENTRY);
	CU_ASSERT_EQUAL(order[1], R_K64);
	CU_ASSERT_EQUAL(order[R_NR - 1], R_EMPTY);
	ms_triage_free(t);
}

/* Same score: more bytes first, then the name; empty caches last whatever they hold. */
static void test_rank_ties(void)
{
	struct ms_triage_cache defs[6] = {
		cache_def("kmalloc-t-b", FK_CACHE_A, 64, 64, 4096, 0),
		cache_def("kmalloc-t-a", FK_CACHE_A, 64, 64, 4096, 0),
		cache_def("kmalloc-t-c", FK_CACHE_A, 64, 64, 4096, 0),
		cache_def("z-empty", FK_CACHE_B, 64, 64, 4096, 0),
		cache_def("kmalloc-t-d", FK_CACHE_A, 64, 64, 4096, 0),
		cache_def("a-empty", FK_CACHE_B, 64, 64, 4096, 0),
	};
	static const uint64_t bytes[6] = { 1 << 20, 1 << 19, 1 << 20, 1 << 30, 1 << 20, 1 << 30 };
	struct fcache fc = { .base = FK_SLABS_A, .stride = 64, .object_size = 64,
			     .per_slab = 64, .slab_size = 4096, .nslabs = 8, .gen = k64_gen };
	struct ms_triage *t;
	size_t order[6], i;

	mem_reset();
	mem_add(&fc);
	t = new_triage(defs, 6, env());
	for (i = 0; i < 6; i++) {
		struct ms_triage_cache *c = ms_triage_cache(t, i);

		fc_reset(&fc);
		if (i != 3 && i != 5) {
			fc_feed(t, i, &fc, 0, fc.nslabs);
			fc_counts(t, i, &fc);
		}
		c->bytes = bytes[i];
	}
	ms_triage_finish(t);
	for (i = 1; i < 6; i++)
		if (i != 3 && i != 5)
			CU_ASSERT(ms_triage_cache(t, i)->score == ms_triage_cache(t, 0)->score);
	CU_ASSERT(ms_triage_cache(t, 0)->score > 0);
	ms_triage_rank(t, order);
	check_permutation(order, 6);
	CU_ASSERT_EQUAL(order[0], 0);	/* kmalloc-t-b: 1 MiB */
	CU_ASSERT_EQUAL(order[1], 2);	/* kmalloc-t-c: 1 MiB */
	CU_ASSERT_EQUAL(order[2], 4);	/* kmalloc-t-d: 1 MiB */
	CU_ASSERT_EQUAL(order[3], 1);	/* kmalloc-t-a: 512 KiB */
	CU_ASSERT_EQUAL(order[4], 5);	/* a-empty */
	CU_ASSERT_EQUAL(order[5], 3);	/* z-empty */
	ms_triage_free(t);
}

static void test_score_factors(void)
{
	const uint64_t dom[] = { 1, 1000, 12345, 1u << 20 };
	const uint32_t stride[] = { 8, 64, 192, 4096 };
	size_t i, j;
	int g, inf, r;

	CU_ASSERT(ms_triage_score(1 << 20, 1, 1, 1, 0) == 1.0);	/* MiB held */
	CU_ASSERT(ms_triage_score(1024, 1024, 1, 1, 0) == 1.0);
	CU_ASSERT(ms_triage_score(3, 1 << 20, 1, 1, 0) == 3.0);
	CU_ASSERT(ms_triage_score(0, 64, 1, 1, 0) == 0.0);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			double base = ms_triage_score(dom[i], stride[j], 1, 1, 0);

			CU_ASSERT_DOUBLE_EQUAL(base, (double)dom[i] * stride[j] / (1 << 20), 1e-12);
			for (g = 0; g < 2; g++)
				for (inf = 0; inf < 2; inf++)
					for (r = 0; r < 2; r++) {
						double want = base * (g ? 1 : 0.25) *
							      (inf ? 1 : 0.5) * (r ? 0.5 : 1);

						CU_ASSERT(ms_triage_score(dom[i], stride[j], g, inf,
									  r) == want);
					}
		}
	/* Not a 0/1 flag: any nonzero is true. */
	CU_ASSERT(ms_triage_score(1000, 64, 2, 7, 0) == ms_triage_score(1000, 64, 1, 1, 0));
}

/* ---- 5. the normaliser retargeted ---- */

#define A_SIZE 32
#define B_SIZE 96

static struct ms_tokenizer *tokenizer(uint64_t cache, uint32_t size)
{
	struct ms_tokenizer *t = NULL;
	struct ms_error *err = ms_tokenizer_new(&fk_layout, &fk_env, cache, size, &t);

	CU_ASSERT_PTR_NULL(err);
	ms_error_free(err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

/*
 * Object @n of a cache of @size bytes at @base: words that mean different things in caches
 * A and B (pointers into either's pages), self pointers, constants that repeat from object
 * to object (the memo of the previous object's words), and @n's own variation.
 */
static uint64_t obj_addr(uint64_t base, uint32_t size, unsigned n)
{
	return base + 0x1000 + (uint64_t)n * size;
}

static void make_obj(uint8_t *obj, uint64_t addr, uint32_t size, unsigned n)
{
	uint32_t w, nw = size / 8;

	memset(obj, 0, size);
	for (w = 0; w < nw; w++) {
		uint64_t v;

		switch ((w + n / 3) % 7) {
		case 0:
			v = FAR_A;			/* A: same cache; B: slab A */
			break;
		case 1:
			v = FK_SLABS_B + 0x80000000ULL;	/* A: slab B; B: same cache */
			break;
		case 2:
			v = addr + size - 8;		/* self, at the last word */
			break;
		case 3:
			v = FK_KTEXT + 0x100 * (n % 2);
			break;
		case 4:
			v = FK_HEAP + 0x40;
			break;
		case 5:
			v = n;
			break;
		default:
			v = addr + 3 * size;		/* a neighbour: same cache */
			break;
		}
		fk_put(obj, 8 * w, v);
	}
}

struct run {
	struct ms_token tok[8][B_SIZE / 8];
};

/* Objects @from..@from+7 of the cache at @base through @t, into @r. */
static void tokenize_run(struct ms_tokenizer *t, uint64_t base, uint32_t size, unsigned from,
			 struct run *r)
{
	uint8_t obj[B_SIZE];
	unsigned n;

	memset(r, 0xff, sizeof(*r));
	for (n = 0; n < 8; n++) {
		uint64_t addr = obj_addr(base, size, from + n);

		make_obj(obj, addr, size, from + n);
		ms_tokenize(t, obj, addr, r->tok[n], NULL);
	}
}

static int runs_equal(const struct run *x, const struct run *y, uint32_t size)
{
	unsigned n, w, bad = 0;

	for (n = 0; n < 8; n++)
		for (w = 0; w < size / 8; w++)
			if (x->tok[n][w].kind != y->tok[n][w].kind ||
			    x->tok[n][w].arg != y->tok[n][w].arg) {
				if (!bad++)
					fprintf(stderr, "\n  object %u word %u: %s/%#llx, fresh %s/%#llx\n",
						n, w, ms_token_kind_name(x->tok[n][w].kind),
						(unsigned long long)x->tok[n][w].arg,
						ms_token_kind_name(y->tok[n][w].kind),
						(unsigned long long)y->tok[n][w].arg);
			}
	return !bad;
}

static unsigned count_kind(const struct run *r, uint32_t size, enum ms_token_kind kind,
			   uint64_t arg)
{
	unsigned n, w, c = 0;

	for (n = 0; n < 8; n++)
		for (w = 0; w < size / 8; w++)
			c += r->tok[n][w].kind == kind && (kind != MS_TOK_SLAB || r->tok[n][w].arg == arg);
	return c;
}

static void test_retarget_equals_fresh(void)
{
	struct ms_tokenizer *re = tokenizer(FK_CACHE_A, A_SIZE), *fresh;
	static struct run got, want;
	/*
	 * A's objects at FK_SLABS_A, B's at FK_SLABS_B; each run starts with the object number
	 * the previous one ended with, so the words at an offset repeat across the switch
	 * (FAR_A at +0x18 of object 14: a pointer into another cache for B, same cache for A).
	 */
	const unsigned firsts[4] = { 0, 7, 14, 21 };
	const uint64_t caches[4] = { FK_CACHE_A, FK_CACHE_B, FK_CACHE_A, FK_CACHE_B };
	const uint64_t bases[4] = { FK_SLABS_A, FK_SLABS_B, FK_SLABS_A, FK_SLABS_B };
	const uint32_t sizes[4] = { A_SIZE, B_SIZE, A_SIZE, B_SIZE };
	unsigned step;

	for (step = 0; step < 4; step++) {
		if (step)
			CU_ASSERT_EQUAL(ms_tokenizer_retarget(re, caches[step], sizes[step]), 0);
		tokenize_run(re, bases[step], sizes[step], firsts[step], &got);
		fresh = tokenizer(caches[step], sizes[step]);
		tokenize_run(fresh, bases[step], sizes[step], firsts[step], &want);
		ms_tokenizer_free(fresh);
		CU_ASSERT_TRUE(runs_equal(&got, &want, sizes[step]));
		/* The runs exercise what differs between the caches. */
		CU_ASSERT(count_kind(&want, sizes[step], MS_TOK_SAME_CACHE, 0) > 0);
		CU_ASSERT(count_kind(&want, sizes[step], MS_TOK_SLAB,
				     caches[step] == FK_CACHE_A ? FK_CACHE_B : FK_CACHE_A) > 0);
		CU_ASSERT(count_kind(&want, sizes[step], MS_TOK_SELF, 0) > 0);
	}
	/* The self pointer at the last word of a B object: self in B, not in A. */
	{
		uint8_t obj[B_SIZE];
		struct ms_token tok[B_SIZE / 8];
		uint64_t addr = obj_addr(FK_SLABS_A, A_SIZE, 40);

		memset(obj, 0, sizeof(obj));
		fk_put(obj, 0, addr + 88);
		CU_ASSERT_EQUAL(ms_tokenizer_retarget(re, FK_CACHE_A, B_SIZE), 0);
		ms_tokenize(re, obj, addr, tok, NULL);
		CU_ASSERT_EQUAL(tok[0].kind, MS_TOK_SELF);
		CU_ASSERT_EQUAL(tok[0].arg, 88);
		CU_ASSERT_EQUAL(ms_tokenizer_retarget(re, FK_CACHE_A, A_SIZE), 0);
		ms_tokenize(re, obj, addr, tok, NULL);
		CU_ASSERT_EQUAL(tok[0].kind, MS_TOK_SAME_CACHE);
		/* Object size 0: refused, the normaliser unchanged (a new value: no memo). */
		CU_ASSERT_EQUAL(ms_tokenizer_retarget(re, FK_CACHE_B, 0), -1);
		fk_put(obj, 0, FAR_A + 0x40);
		ms_tokenize(re, obj, addr, tok, NULL);
		CU_ASSERT_EQUAL(tok[0].kind, MS_TOK_SAME_CACHE);
	}
	ms_tokenizer_free(re);
}

static void test_tokenize_prefix(void)
{
	struct ms_tokenizer *p = tokenizer(FK_CACHE_B, B_SIZE), *f = tokenizer(FK_CACHE_B, B_SIZE);
	struct ms_token ptok[B_SIZE / 8 + 2], ftok[B_SIZE / 8];
	uint64_t pval[B_SIZE / 8 + 2], fval[B_SIZE / 8];
	uint8_t obj[B_SIZE];
	unsigned n, w, max;

	for (n = 0; n < 20; n++) {
		uint64_t addr = obj_addr(FK_SLABS_B, B_SIZE, n);
		uint32_t got;

		max = n % 4 == 3 ? B_SIZE / 8 + 1 : 1 + n % 11;	/* below words, and past */
		make_obj(obj, addr, B_SIZE, n);
		if (n == 5)
			fk_put(obj, 0, addr + 88);	/* self, beyond the prefix */
		for (w = 0; w < B_SIZE / 8 + 2; w++) {
			ptok[w] = TOK(MS_TOK__COUNT, 0xdeadbeef);
			pval[w] = 0xdeadbeef;
		}
		got = ms_tokenize_prefix(p, obj, addr, max, ptok, pval);
		ms_tokenize(f, obj, addr, ftok, fval);
		CU_ASSERT_EQUAL(got, max < B_SIZE / 8 ? max : B_SIZE / 8);
		for (w = 0; w < got; w++) {
			CU_ASSERT_EQUAL(ptok[w].kind, ftok[w].kind);
			CU_ASSERT_EQUAL(ptok[w].arg, ftok[w].arg);
			CU_ASSERT_EQUAL(pval[w], fval[w]);
		}
		for (w = got; w < B_SIZE / 8 + 2; w++) {
			CU_ASSERT_EQUAL(ptok[w].kind, MS_TOK__COUNT);
			CU_ASSERT_EQUAL(pval[w], 0xdeadbeef);
		}
		if (n == 5) {
			CU_ASSERT_EQUAL(ptok[0].kind, MS_TOK_SELF);
			CU_ASSERT_EQUAL(ptok[0].arg, 88);
		}
	}
	/*
	 * A partial trailing word comes only with the whole object, and is read as 4 bytes:
	 * the bytes past the object (here 0x01, not text) are not part of it.  Retargeted
	 * down from 96 bytes, the object has 4 words, not 12.
	 */
	CU_ASSERT_EQUAL(ms_tokenizer_retarget(p, FK_CACHE_A, 28), 0);
	memset(obj, 0, sizeof(obj));
	memcpy(obj + 24, "abcd", 4);
	memset(obj + 28, 0x01, 4);
	CU_ASSERT_EQUAL(ms_tokenize_prefix(p, obj, FK_SLABS_A, 3, ptok, pval), 3);
	CU_ASSERT_EQUAL(ms_tokenize_prefix(p, obj, FK_SLABS_A, 4, ptok, pval), 4);
	CU_ASSERT_EQUAL(ptok[3].kind, MS_TOK_ASCII);
	CU_ASSERT_EQUAL(pval[3], 0x64636261);
	CU_ASSERT_EQUAL(ms_tokenize_prefix(p, obj, FK_SLABS_A, 5, ptok, pval), 4);
	CU_ASSERT_EQUAL(ptok[3].kind, MS_TOK_ASCII);
	CU_ASSERT_EQUAL(ms_tokenize_prefix(p, obj, FK_SLABS_A, 64, ptok, pval), 4);
	CU_ASSERT_EQUAL(ms_tokenize_prefix(p, obj, FK_SLABS_A, 0, ptok, pval), 0);
	ms_tokenizer_free(p);
	ms_tokenizer_free(f);
}

/* ---- 6. the JSON head ---- */

/* Small helpers over text json_check() accepted: find members, decode strings. */
static const char *j_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *j_skip(const char *p)
{
	int depth = 0;

	p = j_ws(p);
	do {
		if (*p == '"') {
			for (p++; *p != '"'; p++)
				if (*p == '\\')
					p++;
			p++;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			depth--;
			p++;
		} else if (depth) {
			p++;
		} else {
			while (*p && !strchr(",]} \n\t\r", *p))
				p++;
		}
		p = depth ? p : j_ws(p);
	} while (depth > 0 && *p);
	return p;
}

/* The value of member @key of the object at @obj, or NULL. */
static const char *j_get(const char *obj, const char *key)
{
	const char *p = j_ws(obj);
	size_t n = strlen(key);

	if (*p != '{')
		return NULL;
	p = j_ws(p + 1);
	while (*p == '"') {
		int match = !strncmp(p + 1, key, n) && p[1 + n] == '"';

		p = j_ws(j_skip(p));
		p = j_ws(p + 1);	/* ':' */
		if (match)
			return p;
		p = j_ws(j_skip(p));
		if (*p != ',')
			return NULL;
		p = j_ws(p + 1);
	}
	return NULL;
}

/* Item @i of the array at @arr, or NULL; *@nr the array's length. */
static const char *j_item(const char *arr, size_t i, size_t *nr)
{
	const char *p = j_ws(arr), *hit = NULL;
	size_t k = 0;

	*nr = 0;
	if (*p != '[')
		return NULL;
	p = j_ws(p + 1);
	if (*p == ']')
		return NULL;
	for (;;) {
		if (k == i)
			hit = p;
		k++;
		p = j_ws(j_skip(p));
		if (*p != ',')
			break;
		p = j_ws(p + 1);
	}
	*nr = k;
	return hit;
}

/* The string at @p decoded (code points below 0x100 as bytes) into @out; 0 if not one. */
static int j_str(const char *p, char *out, size_t len)
{
	uint32_t cps[256];
	size_t nr = 0, i;
	char why[200];

	if (!p)
		return 0;
	p = j_ws(p);
	if (json_check_string(p, (size_t)(j_skip(p) - p), cps, 256, &nr, why, sizeof(why)))
		return 0;
	for (i = 0; i < nr && i + 1 < len; i++) {
		if (cps[i] > 0xff || !cps[i])
			return 0;
		out[i] = (char)cps[i];
	}
	out[i] = 0;
	return 1;
}

static int j_is_str(const char *p, const char *want)
{
	char got[256];

	return j_str(p, got, sizeof(got)) && !strcmp(got, want);
}

static uint64_t j_u64(const char *p)
{
	return p ? strtoull(p, NULL, 10) : ~0ULL;
}

static char j_first(const char *p)
{
	return p ? *p : 0;
}

static const char weird[] = "we\"ird\\name \xe9\xff\x01";

static void test_json(void)
{
	struct ms_triage_cache defs[4] = {
		cache_def("kmalloc-32", FK_CACHE_A, 32, 40, 4096, 0),
		cache_def(weird, FK_CACHE_B + 0x100, 192, 192, 4096, 1),
		cache_def("kmalloc-96", FK_CACHE_B, 96, 96, 4096, 0),
		cache_def("empty", FK_CACHE_B + 0x200, 64, 64, 4096, 0),
	};
	struct fcache a = ss_cache(), b = b_cache();
	struct fcache d = { .base = FK_HEAP, .stride = 192, .object_size = 192, .per_slab = 21,
			    .slab_size = 4096, .nslabs = 10, .gen = dentry_gen };
	struct ms_triage *t;
	struct ms_triage_totals tot;
	size_t order[4], i, n, len = 0;
	char *text = NULL, why[300], buf[256];
	const char *caches, *item;
	FILE *out;
	int suspects;

	mem_reset();
	mem_add(&a);
	mem_add(&b);
	mem_add(&d);
	t = new_triage(defs, 4, env());
	fc_feed(t, 0, &a, 0, a.nslabs);
	fc_feed(t, 1, &d, 0, d.nslabs);
	fc_feed(t, 2, &b, 0, b.nslabs);
	fc_counts(t, 0, &a);
	fc_counts(t, 1, &d);
	fc_counts(t, 2, &b);
	snprintf(ms_triage_cache(t, 1)->aliases, sizeof(ms_triage_cache(t, 1)->aliases),
		 "a, b");
	snprintf(ms_triage_cache(t, 0)->aliases, sizeof(ms_triage_cache(t, 0)->aliases),
		 "fs_cache, q\"uote");
	ms_triage_finish(t);
	ms_triage_rank(t, order);
	memset(&tot, 0, sizeof(tot));
	ms_triage_totals(t, &tot);
	CU_ASSERT_EQUAL(tot.allocated, a.allocated + b.allocated + d.allocated);
	CU_ASSERT_EQUAL(tot.bytes_reclaimable, d.nslabs * d.slab_size);
	/* The dentry-like cache's description holds quotes: text "dedentry". */
	CU_ASSERT_PTR_NOT_NULL(strchr(ms_triage_cache(t, 1)->desc, '"'));

	for (suspects = 0; suspects < 3; suspects += 2) {
		free(text);
		text = NULL;
		out = open_memstream(&text, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(out);
		CU_ASSERT_EQUAL(ms_triage_json_begin(t, order, &tot, out), 0);
		if (suspects)
			fputs("{\"cache\":\"x\"},{\"cache\":\"y\"}", out);
		CU_ASSERT_EQUAL(ms_triage_json_end(out), 0);
		fclose(out);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		CU_ASSERT_EQUAL(json_check(text, len, why, sizeof(why)), 0);
		if (json_check(text, len, why, sizeof(why))) {
			fprintf(stderr, "\n  %s\n", why);
			break;
		}
		CU_ASSERT_TRUE(j_is_str(j_get(text, "schema"), "memsim-triage"));
		j_item(j_get(text, "suspects"), 0, &n);
		CU_ASSERT_EQUAL(n, (size_t)suspects);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL_FATAL(json_check(text, len, why, sizeof(why)), 0);
	caches = j_get(text, "caches");
	CU_ASSERT_PTR_NOT_NULL_FATAL(caches);
	j_item(caches, 0, &n);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_STRING_EQUAL(ms_triage_cache(t, order[3])->name, "empty");
	for (i = 0; i < 4 && i < n; i++) {
		const struct ms_triage_cache *c = ms_triage_cache(t, order[i]);
		size_t na;

		item = j_item(caches, i, &n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(item);
		/* Ranked: the caches in the order given, rank 1 first. */
		CU_ASSERT_EQUAL(j_u64(j_get(item, "rank")), i + 1);
		CU_ASSERT_TRUE(j_str(j_get(item, "name"), buf, sizeof(buf)));
		CU_ASSERT_STRING_EQUAL(buf, c->name);
		CU_ASSERT_EQUAL(j_u64(j_get(item, "allocated")), c->allocated);
		CU_ASSERT_EQUAL(j_u64(j_get(item, "dominant")), c->dominant);
		CU_ASSERT_EQUAL(j_u64(j_get(item, "keyed")), c->keyed);
		CU_ASSERT_TRUE(j_str(j_get(item, "description"), buf, sizeof(buf)));
		CU_ASSERT_STRING_EQUAL(buf, c->desc);
		CU_ASSERT_TRUE(j_str(j_get(item, "command"), buf, sizeof(buf)));
		CU_ASSERT_NSTRING_EQUAL(buf, "memsim ", 7);
		CU_ASSERT_STRING_EQUAL(buf + 7, c->name);
		CU_ASSERT_EQUAL(j_first(j_get(item, "general")), c->general ? 't' : 'f');
		CU_ASSERT_EQUAL(j_first(j_get(item, "reclaimable")), c->reclaimable ? 't' : 'f');
		/* Aliases: an array of names. */
		if (!strcmp(c->name, weird)) {
			CU_ASSERT_TRUE(j_is_str(j_item(j_get(item, "aliases"), 0, &na), "a"));
			CU_ASSERT_TRUE(j_is_str(j_item(j_get(item, "aliases"), 1, &na), "b"));
			CU_ASSERT_EQUAL(na, 2);
		} else if (!strcmp(c->name, "kmalloc-32")) {
			CU_ASSERT_TRUE(j_is_str(j_item(j_get(item, "aliases"), 0, &na),
						"fs_cache"));
			CU_ASSERT_TRUE(j_is_str(j_item(j_get(item, "aliases"), 1, &na), "q\"uote"));
			CU_ASSERT_EQUAL(na, 2);
		} else {
			CU_ASSERT_PTR_NOT_NULL(j_get(item, "aliases"));
			j_item(j_get(item, "aliases"), 0, &na);
			CU_ASSERT_EQUAL(na, 0);
		}
	}
	/* The weird name was escaped, not written raw. */
	CU_ASSERT_PTR_NULL(strstr(text, weird));
	CU_ASSERT_PTR_NULL(memchr(text, 0x01, len));
	free(text);
	ms_triage_free(t);
}

static CU_TestInfo triage_tests[] = {
	{ "describe: items", test_describe_items },
	{ "describe: text", test_describe_text },
	{ "describe: another cache", test_describe_other_cache },
	{ "describe: at most MS_TRIAGE_DESC_ITEMS", test_describe_cap },
	{ "describe: plain words", test_describe_fallback },
	{ "describe: small buffers", test_describe_small_buffer },
	{ "describe: informative whatever the room", test_describe_informative_whatever_the_room },
	{ "describe: informative past the cap", test_describe_informative_past_the_cap },
	{ "Space-Saving bounds", test_space_saving_bounds },
	{ "caches fed in turns", test_interleaved_caches },
	{ "geometry mismatch", test_geometry_mismatch },
	{ "sampling", test_sampling },
	{ "rank: general before dedicated", test_rank_general_before_dedicated },
	{ "rank: ties", test_rank_ties },
	{ "score factors", test_score_factors },
	{ "retarget equals fresh", test_retarget_equals_fresh },
	{ "tokenize prefix", test_tokenize_prefix },
	{ "json", test_json },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(triage, triage_tests)
