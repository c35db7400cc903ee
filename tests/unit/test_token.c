/* test_token.c - the normaliser's rules, with a fake layout and a fake page->cache lookup. */
#include <string.h>

#include "fake_kernel.h"
#include "token.h"
#include "unit.h"

#define OBJ (FK_SLABS_A + 0x1000)

static struct ms_tokenizer *make(const struct ms_env *env, uint32_t size)
{
	struct ms_tokenizer *t = NULL;
	struct ms_error *err = ms_tokenizer_new(&fk_layout, env, FK_CACHE_A, size, &t);

	CU_ASSERT_PTR_NULL(err);
	ms_error_free(err);
	return t;
}

static void expect(struct ms_tokenizer *t, uint64_t v, enum ms_token_kind kind, uint64_t arg)
{
	struct ms_token tok = ms_token_classify(t, v, 8, OBJ);

	CU_ASSERT_EQUAL(tok.kind, kind);
	CU_ASSERT_EQUAL(tok.arg, arg);
	if (tok.kind != kind || tok.arg != arg)
		fprintf(stderr, "\n  %#lx: got %s/%#lx, want %s/%#lx\n", (unsigned long)v,
			ms_token_kind_name(tok.kind), (unsigned long)tok.arg,
			ms_token_kind_name(kind), (unsigned long)arg);
}

static void test_values(void)
{
	struct ms_tokenizer *t = make(&fk_env, 32);

	expect(t, 0, MS_TOK_ZERO, 0);
	expect(t, 1, MS_TOK_SMALL, 0);
	expect(t, 65535, MS_TOK_SMALL, 0);
	expect(t, (uint64_t)-1, MS_TOK_SMALL, 0);
	expect(t, (uint64_t)-65535, MS_TOK_SMALL, 0);
	expect(t, (uint64_t)-65536, MS_TOK_RAW, 0);
	expect(t, 0x0123456789abcdefULL, MS_TOK_RAW, 0);
	/* List poison of every generation, with and without the delta. */
	expect(t, 0xdead000000000100ULL, MS_TOK_LIST_POISON, 0);
	expect(t, 0xdead000000000122ULL, MS_TOK_LIST_POISON, 0);
	expect(t, 0xdead000000100100ULL, MS_TOK_LIST_POISON, 0);
	expect(t, 0xdead000000200200ULL, MS_TOK_LIST_POISON, 0);
	expect(t, 0xdead000000000300ULL, MS_TOK_LIST_POISON, 0);
	expect(t, 0x100, MS_TOK_LIST_POISON, 0);
	expect(t, 0x122, MS_TOK_LIST_POISON, 0);
	expect(t, 0x101, MS_TOK_SMALL, 0);
	expect(t, 0xdead000000000101ULL, MS_TOK_RAW, 0);
	/* Slab poison and red zones. */
	expect(t, 0x6b6b6b6b6b6b6b6bULL, MS_TOK_SLAB_POISON, 0);
	expect(t, 0xa56b6b6b6b6b6b6bULL, MS_TOK_SLAB_POISON, 0);
	expect(t, 0x5a5a5a5a5a5a5a5aULL, MS_TOK_SLAB_POISON, 0);
	expect(t, 0xbbbbbbbbbbbbbbbbULL, MS_TOK_SLAB_POISON, 0);
	expect(t, 0xccccccccccccccccULL, MS_TOK_SLAB_POISON, 0);
	expect(t, 0x6b6b6b6b6b6b6ba5ULL, MS_TOK_RAW, 0);	/* 0xa5 first, not last */
	expect(t, 0x6b6b6b6bccccccccULL, MS_TOK_RAW, 0);	/* two poisons mixed */
	expect(t, 0x6b6b6b6b5a5a5a5aULL, MS_TOK_ASCII, 0);	/* "ZZZZkkkk" */
	/* Text, and a user pointer that is not text. */
	expect(t, 0x2d636f6c6c616d6bULL, MS_TOK_ASCII, 0);	/* "kmalloc-" */
	expect(t, 0x0000000030687465ULL, MS_TOK_ASCII, 0);	/* "eth0" */
	expect(t, 0x0000000000687465ULL, MS_TOK_USER, 0);	/* "eth": 3 bytes are not text */
	expect(t, 0x00000000003a6261ULL, MS_TOK_RAW, 0);	/* "ab:", and below 4 MiB */
	expect(t, 0x0000000001687465ULL, MS_TOK_USER, 0);	/* nor a NUL-less 4 */
	expect(t, 0x00007ffd12345678ULL, MS_TOK_USER, 0);
	expect(t, 0x000055d0c8a1b2a0ULL, MS_TOK_USER, 0);
	expect(t, 0x0000000000400000ULL, MS_TOK_USER, 0);
	expect(t, 0x000000000003ffffULL, MS_TOK_RAW, 0);	/* a counter past 2^16 */
	expect(t, 0x0000000400000001ULL, MS_TOK_RAW, 0);	/* two packed u32 fields */
	expect(t, 0x00007ffd00000010ULL, MS_TOK_RAW, 0);	/* so is this, rarely an address */
	ms_tokenizer_free(t);
}

static void test_addresses(void)
{
	struct ms_tokenizer *t = make(&fk_env, 32);

	expect(t, OBJ, MS_TOK_SELF, 0);
	expect(t, OBJ + 8, MS_TOK_SELF, 8);
	expect(t, OBJ + 31, MS_TOK_SELF, 31);
	expect(t, OBJ + 32, MS_TOK_SAME_CACHE, 0);	/* the next object */
	expect(t, OBJ - 32, MS_TOK_SAME_CACHE, 0);
	expect(t, FK_SLABS_B + 0x40, MS_TOK_SLAB, FK_CACHE_B);
	expect(t, FK_HEAP + 0x40, MS_TOK_HEAP, 0);
	expect(t, FK_PERCPU + 0x40, MS_TOK_PERCPU, 0);	/* inside the direct map */
	expect(t, FK_KTEXT + 0x1234, MS_TOK_KTEXT, FK_KTEXT + 0x1234);
	expect(t, FK_KDATA + 0x80, MS_TOK_KDATA, FK_KDATA + 0x80);
	expect(t, FK_MODTEXT + 0x10, MS_TOK_KTEXT, FK_MODTEXT + 0x10);
	expect(t, FK_MODDATA + 0x10, MS_TOK_KDATA, FK_MODDATA + 0x10);
	expect(t, FK_VMALLOC + 0x1000, MS_TOK_VMALLOC, 0);
	expect(t, FK_VMEMMAP + 0x40, MS_TOK_VMEMMAP, 0);
	expect(t, FK_KEND + 0x40, MS_TOK_RAW, 0);	/* kernel half, no region */
	ms_tokenizer_free(t);
	/* Without a page_cache callback, the direct map is just heap. */
	t = make(NULL, 32);
	expect(t, OBJ + 8, MS_TOK_SELF, 8);
	expect(t, OBJ + 64, MS_TOK_HEAP, 0);
	expect(t, FK_SLABS_B, MS_TOK_HEAP, 0);
	ms_tokenizer_free(t);
}

static void test_partial_word(void)
{
	struct ms_tokenizer *t = make(&fk_env, 28);
	struct ms_token tok[4];
	uint8_t obj[28] = { 0 };
	uint64_t values[4];

	fk_put(obj, 0, OBJ);
	memcpy(obj + 24, "abcd", 4);
	ms_tokenize(t, obj, OBJ, tok, values);
	CU_ASSERT_EQUAL(ms_token_nr_words(28), 4);
	CU_ASSERT_EQUAL(tok[0].kind, MS_TOK_SELF);
	CU_ASSERT_EQUAL(tok[1].kind, MS_TOK_ZERO);
	CU_ASSERT_EQUAL(tok[3].kind, MS_TOK_ASCII);
	CU_ASSERT_EQUAL(values[3], 0x64636261);
	/* A partial word never points anywhere, and is sign-extended for "small". */
	CU_ASSERT_EQUAL(ms_token_classify(t, 0xfffffffe, 4, OBJ).kind, MS_TOK_SMALL);
	CU_ASSERT_EQUAL(ms_token_classify(t, 0xa56b6b6b, 4, OBJ).kind, MS_TOK_SLAB_POISON);
	CU_ASSERT_EQUAL(ms_token_classify(t, 0x81000000, 4, OBJ).kind, MS_TOK_RAW);
	CU_ASSERT_EQUAL(ms_token_value_kind(0x6b6b6b6b, 4), MS_TOK_SLAB_POISON);
	CU_ASSERT_EQUAL(ms_token_value_kind(0x6b6b, 2), MS_TOK_SMALL);
	ms_tokenizer_free(t);
}

/* Many words on a few pages: the callback runs once per page, not once per word. */
static void test_page_memo(void)
{
	struct ms_tokenizer *t = make(&fk_env, 32);
	uint64_t before = fk_page_cache_calls;
	int i;

	for (i = 0; i < 10000; i++)
		ms_token_classify(t, FK_SLABS_B + (i % 5) * 4096 + (i % 64) * 8, 8, OBJ);
	CU_ASSERT_EQUAL(fk_page_cache_calls - before, 5);
	CU_ASSERT_EQUAL(ms_tokenizer_page_queries(t), 5);
	ms_tokenizer_free(t);
}

/*
 * The region memo (per 64 KiB block) must not spread a region past its segment: text that
 * ends mid-block, data after it, and the same addresses asked again and again in any order.
 */
static void test_region_memo_respects_segments(void)
{
	static const struct ms_range ranges[] = {
		{ 0xffffffff81000000ULL, 0xffffffff81012345ULL, MS_REGION_KTEXT },
		{ 0xffffffff81012345ULL, 0xffffffff81030000ULL, MS_REGION_KDATA },
	};
	struct ms_layout layout = fk_layout;
	struct ms_tokenizer *t = NULL;
	struct ms_error *err;
	uint64_t base = 0xffffffff81000000ULL, v;
	int round, wrong = 0;

	layout.ranges = ranges;
	layout.nr_ranges = 2;
	layout.index = NULL;
	err = ms_tokenizer_new(&layout, NULL, FK_CACHE_A, 32, &t);
	CU_ASSERT_PTR_NULL_FATAL(err);
	for (round = 0; round < 3; round++)
		for (v = base + 0x10000 - 64; v < base + 0x14000; v += round ? 0x100 : 0x40) {
			struct ms_token tok = ms_token_classify(t, v, 8, OBJ);
			enum ms_token_kind want = v < 0xffffffff81012345ULL ? MS_TOK_KTEXT : MS_TOK_KDATA;

			wrong += tok.kind != want;
		}
	CU_ASSERT_EQUAL(wrong, 0);
	expect(t, base + 0x100, MS_TOK_KTEXT, base + 0x100);	/* a whole block: memoised */
	expect(t, base + 0x200, MS_TOK_KTEXT, base + 0x200);
	ms_tokenizer_free(t);
}

static void test_names_are_stable(void)
{
	CU_ASSERT_EQUAL(MS_TOK_RAW, 15);
	CU_ASSERT_STRING_EQUAL(ms_token_kind_name(MS_TOK_ZERO), "zero");
	CU_ASSERT_STRING_EQUAL(ms_token_kind_name(MS_TOK_SAME_CACHE), "same_cache");
	CU_ASSERT_STRING_EQUAL(ms_token_kind_name(MS_TOK_LIST_POISON), "list_poison");
	CU_ASSERT_STRING_EQUAL(ms_token_kind_name(MS_TOK_RAW), "raw");
	CU_ASSERT_STRING_EQUAL(ms_token_kind_name(MS_TOK__COUNT), "unknown");
}

static CU_TestInfo token_tests[] = {
	{ "values", test_values },
	{ "addresses", test_addresses },
	{ "partial word", test_partial_word },
	{ "page memo", test_page_memo },
	{ "region memo respects segments", test_region_memo_respects_segments },
	{ "names are stable", test_names_are_stable },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(token, token_tests)
