/*
 * test_owner.c - the debuginfo index and the owner guess, on structs compiled with -g into a
 * relocatable object (tests/unit/fixtures/owner_fixture.c, built by the Makefile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf_index.h"
#include "owner.h"
#include "owner_util.h"
#include "unit.h"

static const struct ms_slot *slot_at(const struct ms_flat *f, uint32_t off, const char *path)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		if (f->slots[i].offset == off && (!path || !strcmp(f->slots[i].path, path)))
			return &f->slots[i];
	return NULL;
}

static void test_index(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	const struct ms_dw_struct *s;
	const char *types[4];
	size_t n;

	if (!idx)
		return;
	CU_ASSERT_EQUAL(ms_dwarf_index_cached(idx), 0);
	s = ms_dwarf_index_find_struct(idx, "fx_entry");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->size, 32);
	CU_ASSERT_FALSE(s->flexible);
	s = ms_dwarf_index_find_struct(idx, "fx_event");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->size, 24);
	s = ms_dwarf_index_find_struct(idx, "fx_flex");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->size, 24);
	CU_ASSERT_TRUE(s->flexible);
	CU_ASSERT_PTR_NULL(ms_dwarf_index_find_struct(idx, "no_such_struct"));
	/* by size: fx_entry and fx_decoy are the 32-byte ones, ascending order kept */
	s = ms_dwarf_index_by_size(idx, 32, 32, &n);
	CU_ASSERT_EQUAL(n, 3);	/* fx_entry, fx_decoy, fx_named (8 + 16 + 4 + pad) */
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(s[i].size, 32);
	/* the global's type, qualifiers looked through (relocations applied: names are right) */
	n = ms_dwarf_index_var_types(idx, "fixture_ops", types, 4);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(types[0], "struct fixture_ops");
	n = ms_dwarf_index_var_types(idx, "fx_typedef_example", types, 4);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(types[0], "struct fx_with_typedef");
	ms_dwarf_index_free(idx);
}

static void test_flatten(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_flat f = { 0 };
	const struct ms_slot *sl;

	if (!idx)
		return;
	CU_ASSERT_EQUAL(ms_dwarf_index_flatten(idx, ms_dwarf_index_find_struct(idx, "fx_entry"), 32,
					       64, &f), 0);
	CU_ASSERT_EQUAL(f.nr, 4);
	sl = slot_at(&f, 0, "cb");
	CU_ASSERT_TRUE(sl && sl->kind == MS_SLOT_FNPTR);
	sl = slot_at(&f, 8, "node.next");
	CU_ASSERT_TRUE(sl && sl->kind == MS_SLOT_PTR && sl->link == MS_LINK_LIST &&
		       sl->link_offset == 8 && !strcmp(sl->pointee, "struct list_head"));
	sl = slot_at(&f, 16, "node.prev");
	CU_ASSERT_TRUE(sl && sl->link == MS_LINK_LIST && sl->link_offset == 8);
	sl = slot_at(&f, 24, "seq");
	CU_ASSERT_TRUE(sl && sl->kind == MS_SLOT_INT && sl->size == 8);

	f.nr = 0;
	ms_dwarf_index_flatten(idx, ms_dwarf_index_find_struct(idx, "fx_bits"), 64, 64, &f);
	CU_ASSERT_TRUE(slot_at(&f, 0, "a") && slot_at(&f, 0, "b"));	/* bit fields */
	sl = slot_at(&f, 8, "u.as_long");	/* union members overlap */
	CU_ASSERT_TRUE(sl && sl->kind == MS_SLOT_INT);
	sl = slot_at(&f, 8, "u.as_ptr");
	CU_ASSERT_TRUE(sl && sl->kind == MS_SLOT_VOIDPTR);
	sl = slot_at(&f, 32, "arr[1].next");	/* array elements */
	CU_ASSERT_TRUE(sl && sl->link == MS_LINK_LIST && sl->link_offset == 32);

	/* a flexible char array runs to the limit it is given (the object's size) */
	f.nr = 0;
	ms_dwarf_index_flatten(idx, ms_dwarf_index_find_struct(idx, "fx_flex"), 64, 64, &f);
	sl = slot_at(&f, 20, "data");
	CU_ASSERT_TRUE(sl && sl->kind == MS_SLOT_CHARS && sl->size == 44);
	ms_flat_release(&f);
	ms_dwarf_index_free(idx);
}

static void test_cache_file(void)
{
	char dir[] = "/tmp/memsim-unit-XXXXXX", file[512], cmd[600];
	struct ms_dwarf_index *a, *b;
	FILE *fp;

	if (!mkdtemp(dir)) {
		CU_FAIL("mkdtemp");
		return;
	}
	a = fx_open_fixture(dir);
	b = fx_open_fixture(dir);
	if (a && b) {
		CU_ASSERT_EQUAL(ms_dwarf_index_cached(a), 0);
		CU_ASSERT_EQUAL(ms_dwarf_index_cached(b), 1);
		CU_ASSERT_EQUAL(ms_dwarf_index_nr_structs(a), ms_dwarf_index_nr_structs(b));
		CU_ASSERT_EQUAL(ms_dwarf_index_nr_vars(a), ms_dwarf_index_nr_vars(b));
		CU_ASSERT_EQUAL(ms_dwarf_index_find_struct(b, "fx_group")->size, 120);
	}
	ms_dwarf_index_free(a);
	ms_dwarf_index_free(b);
	/* a corrupt cache file is not trusted: the index is built again */
	snprintf(cmd, sizeof(cmd), "ls %s/*.idx", dir);
	fp = popen(cmd, "r");
	if (fp && fgets(file, sizeof(file), fp)) {
		file[strcspn(file, "\n")] = 0;
		if (truncate(file, 100) == 0) {
			a = fx_open_fixture(dir);
			CU_ASSERT_TRUE(a && !ms_dwarf_index_cached(a));
			ms_dwarf_index_free(a);
		}
	}
	if (fp)
		pclose(fp);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_errors(void)
{
	struct ms_dwarf_index *idx = NULL;
	struct ms_error *err = ms_dwarf_index_open("/nonexistent/vmlinux", "vmlinux", NULL, &idx);

	CU_ASSERT_TRUE(err && err->code == MS_ERR_IO);
	CU_ASSERT_PTR_NULL(idx);
	ms_error_free(err);
	/* an ELF without DWARF: this very test binary's sibling, stripped */
	CU_ASSERT_EQUAL(system("objcopy --strip-debug " MS_OWNER_FIXTURE " /tmp/memsim-nodwarf.o"),
			0);
	err = ms_dwarf_index_open("/tmp/memsim-nodwarf.o", "x", NULL, &idx);
	CU_ASSERT_TRUE(err && err->code == MS_ERR_DWARF && strstr(err->message, "debuginfo"));
	ms_error_free(err);
	unlink("/tmp/memsim-nodwarf.o");
}

/* ---- ranking ---- */

static void test_rank_fn_and_list(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	struct ms_word w[4];
	struct ms_pattern p = fx_entry_pattern(w);
	char note[400];
	size_t n, i;

	if (!idx)
		return;
	w[3].constant = 0;
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_FATAL(n >= 2);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_entry");
	CU_ASSERT_STRING_EQUAL(g[0].origin, "fixture");
	CU_ASSERT_TRUE(g[0].margin > 0);
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "+0x0 function"));
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "+0x8 a pointer to itself"));
	for (i = 1; i < n; i++)
		CU_ASSERT_TRUE(g[i].score < g[0].score);
	/* a function and a list decide: the top guess is confident, the others share the rest */
	CU_ASSERT_TRUE(g[0].confidence >= MS_OWNER_LOW_CONFIDENCE);
	CU_ASSERT_TRUE(g[0].confidence <= MS_OWNER_CEIL_TYPED);
	for (i = 1; i < n; i++)
		CU_ASSERT_TRUE(g[i].confidence < g[0].confidence);
	ms_dwarf_index_free(idx);
}

static void test_confidence(void)
{
	const double two[] = { 5, 5 }, lead[] = { 6, 5, 0, -3 }, many[] = { 3, 3, 3, 3 };
	const double huge[] = { 900, 899, -1e9 }, odd[] = { 2, NAN, 1 };
	double sum = 0;
	size_t i;

	/* a tie halves, a lead of T is odds of e to 1 against one rival */
	CU_ASSERT_DOUBLE_EQUAL(ms_owner_share(two, 2, 0, 1.0), 0.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ms_owner_share(many, 4, 2, 1.0), 0.25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ms_owner_share(lead, 2, 0, 1.0), exp(1) / (1 + exp(1)), 1e-12);
	for (i = 0; i < 4; i++)
		sum += ms_owner_share(lead, 4, i, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(sum, 1.0, 1e-12);
	/* far rivals barely count; a colder temperature trusts the same lead more */
	CU_ASSERT_TRUE(ms_owner_share(lead, 4, 0, 1.0) < ms_owner_share(lead, 2, 0, 1.0));
	CU_ASSERT_TRUE(ms_owner_share(lead, 4, 0, 0.5) > ms_owner_share(lead, 4, 0, 1.0));
	/* large scores do not overflow; a -1e9 (a candidate that failed) is nothing */
	CU_ASSERT_DOUBLE_EQUAL(ms_owner_share(huge, 3, 0, 1.0), exp(1) / (1 + exp(1)), 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(ms_owner_share(huge, 3, 2, 1.0), 0, 1e-12);
	/* bad input: no candidate, out of range, a NaN score, a zero temperature */
	CU_ASSERT_EQUAL(ms_owner_share(two, 0, 0, 1.0), 0);
	CU_ASSERT_EQUAL(ms_owner_share(two, 2, 2, 1.0), 0);
	CU_ASSERT_EQUAL(ms_owner_share(odd, 3, 1, 1.0), 0);
	CU_ASSERT_DOUBLE_EQUAL(ms_owner_share(odd, 3, 0, 1.0), exp(1) / (1 + exp(1)), 1e-12);
	CU_ASSERT_EQUAL(ms_owner_share(two, 2, 0, 0), 0);
	/* the ceiling follows the evidence's kind */
	CU_ASSERT_EQUAL(ms_owner_ceiling(0, 0, 3), MS_OWNER_CEIL_HINT);
	CU_ASSERT_EQUAL(ms_owner_ceiling(7, 0, 0), MS_OWNER_CEIL_TYPED);
	CU_ASSERT_EQUAL(ms_owner_ceiling(3, 0, 0), MS_OWNER_CEIL_SOME);
	CU_ASSERT_EQUAL(ms_owner_ceiling(0, 4, 0), MS_OWNER_CEIL_SOME);
	CU_ASSERT_EQUAL(ms_owner_ceiling(1, 1, 1), MS_OWNER_CEIL_PLAIN);
	CU_ASSERT_TRUE(MS_OWNER_CEIL_PLAIN < MS_OWNER_CEIL_SOME &&
		       MS_OWNER_CEIL_SOME < MS_OWNER_CEIL_TYPED &&
		       MS_OWNER_CEIL_TYPED < MS_OWNER_CEIL_HINT && MS_OWNER_CEIL_HINT < 1);
}

static void test_rank_chain_needs_depth(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	struct ms_word tw[2] = {
		fx_word(0, MS_TOK_KDATA, 0xffffffffc0002000ULL, 0xffffffffc0002000ULL,
			"fixture_ops [fixture]"),
		fx_word(8, MS_TOK_SMALL, 0, 7, NULL),
	};
	struct ms_target t;
	struct ms_word w[3] = {
		fx_word(0, MS_TOK_SLAB, 0xffff888000100000ULL, 0xffff888001234000ULL, NULL),
		fx_word(8, MS_TOK_RAW, 0, 0xc584218100000100ULL, NULL),
		fx_word(16, MS_TOK_ZERO, 0, 0, NULL),
	};
	struct ms_pattern p = fx_pattern("kmalloc-32", 24, w, 3);
	char note[400];
	size_t n;

	if (!idx)
		return;
	memset(&t, 0, sizeof(t));
	t.ndistinct = 1;
	t.nsampled = 64;
	t.shared_addr = 0xffff888001234000ULL;
	snprintf(t.cache_name, sizeof(t.cache_name), "kmalloc-128");
	t.object_size = 128;
	t.nr_words = 2;
	t.words = tw;
	w[0].target = &t;
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_FATAL(n >= 2);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_event");
	CU_ASSERT_TRUE(g[0].margin > 0);
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "+0x0 a pointer into kmalloc-128"));
	/* without what the pointer reaches, fx_event no longer stands out */
	w[0].target = NULL;
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_TRUE(n == 0 || strcmp(g[0].type_name, "struct fx_event") != 0 ||
		       g[0].margin < 0.5);
	ms_dwarf_index_free(idx);
}

static void test_rank_honest_notes(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	struct ms_word plain[4] = {
		fx_word(0, MS_TOK_ZERO, 0, 0, NULL), fx_word(8, MS_TOK_SMALL, 0, 3, NULL),
		fx_word(16, MS_TOK_ZERO, 0, 0, NULL), fx_word(24, MS_TOK_SMALL, 0, 1, NULL),
	};
	struct ms_word text[4] = {
		fx_word(0, MS_TOK_ASCII, 0, 0x6e672e65746f6e2eULL, NULL),
		fx_word(8, MS_TOK_ASCII, 0, 0x2d646c6975622e75ULL, NULL),
		fx_word(16, MS_TOK_SMALL, 0, 0x6469, NULL), fx_word(24, MS_TOK_ZERO, 0, 0, NULL),
	};
	struct ms_word mod[4] = {
		fx_word(0, MS_TOK_KTEXT, 0xffffffffc0001000ULL, 0xffffffffc0001000ULL,
			"somefn [somemod]"),
		fx_word(8, MS_TOK_SELF, 8, 0, NULL), fx_word(16, MS_TOK_SELF, 8, 0, NULL),
		fx_word(24, MS_TOK_SMALL, 0, 1, NULL),
	};
	struct ms_pattern p;
	char note[400];

	if (!idx)
		return;
	p = fx_pattern("kmalloc-32", 32, plain, 4);
	CU_ASSERT_EQUAL(fx_rank(idx, &p, g, note), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "too generic"));
	p = fx_pattern("kmalloc-32", 32, text, 4);
	CU_ASSERT_EQUAL(fx_rank(idx, &p, g, note), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "strings"));
	p = fx_pattern("kmalloc-32", 32, mod, 4);
	fx_rank(idx, &p, g, note);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "mod -s somemod"));
	/* no debuginfo at all */
	{
		size_t n = 9;
		struct ms_error *err = ms_owner_rank(NULL, 0, &p, NULL, g, 5, &n, note, 400);

		CU_ASSERT_PTR_NULL(err);
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(note, "no debuginfo"));
	}
	ms_dwarf_index_free(idx);
}

static void test_dedicated_and_sizes(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	struct ms_word w[4] = {
		fx_word(0, MS_TOK_SMALL, 0, 5, NULL),
		fx_word(8, MS_TOK_ASCII, 0, 0x312d746567646977ULL, NULL),
		fx_word(16, MS_TOK_ZERO, 0, 0, NULL),
		fx_word(24, MS_TOK_SMALL, 0, 7, NULL),
	};
	struct ms_pattern p = fx_pattern("fx_named", 32, w, 4);
	char note[400];

	CU_ASSERT_EQUAL(ms_owner_min_size("kmalloc-64", 64), 33);
	CU_ASSERT_EQUAL(ms_owner_min_size("kmalloc-96", 96), 65);
	CU_ASSERT_EQUAL(ms_owner_min_size("kmalloc-cg-192", 192), 129);
	CU_ASSERT_EQUAL(ms_owner_min_size("kmalloc-8", 8), 1);
	CU_ASSERT_EQUAL(ms_owner_min_size("dentry", 192), 177);	/* merged slots: within 15 */
	if (!idx)
		return;
	CU_ASSERT_FATAL(fx_rank(idx, &p, g, note) >= 1);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_named");
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "named like the cache"));
	ms_dwarf_index_free(idx);
}

static CU_TestInfo tests[] = {
	{ "index: structs, sizes, globals' types", test_index },
	{ "flatten: pointers, lists, unions, arrays, bit fields, flexible", test_flatten },
	{ "index cache file: reused, corrupt one rebuilt", test_cache_file },
	{ "index errors: missing file, no DWARF", test_errors },
	{ "rank: function pointer and empty list decide", test_rank_fn_and_list },
	{ "confidence: softmax share over candidates, evidence ceiling", test_confidence },
	{ "rank: chain decided by the followed target", test_rank_chain_needs_depth },
	{ "rank: honest notes (generic, strings, missing module)", test_rank_honest_notes },
	{ "rank: dedicated cache name, size windows", test_dedicated_and_sizes },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(owner, tests)
