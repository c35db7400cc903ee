/*
 * test_owner_hints.c - the struct types in scope at an allocation site (dwarf_code.h), the
 * hints made from a cluster's tracks (owner_hints.h) and how the owner guess weighs them,
 * on the allocating functions of tests/unit/fixtures/owner_fixture.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_code.h"
#include "owner_hints.h"
#include "owner_util.h"
#include "unit.h"

static const struct ms_code_type *find_type(const struct ms_code_type *t, size_t n,
					    const char *type, enum ms_code_rel rel)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].type, type) && t[i].rel == rel)
			return &t[i];
	return NULL;
}

static void test_code_types(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_code_type t[MS_CODE_MAX_TYPES];
	const struct ms_code_type *c;
	struct ms_error *err;
	size_t n;

	if (!idx)
		return;
	/* returns struct fx_entry * and keeps it in local 'e' */
	err = ms_dwarf_code_types(idx, "fx_entry_new", 0x10, t, MS_CODE_MAX_TYPES, &n);
	CU_ASSERT_PTR_NULL_FATAL(err);
	CU_ASSERT_EQUAL(n, 2);
	c = find_type(t, n, "fx_entry", MS_CODE_RETURNS);
	CU_ASSERT_TRUE(c && c->size == 32 && !c->var[0] && !strcmp(c->func, "fx_entry_new"));
	c = find_type(t, n, "fx_entry", MS_CODE_LOCAL);
	CU_ASSERT_TRUE(c && !strcmp(c->var, "e") && !c->inlined);
	/* two locals and a parameter; the unsigned long parameter is no struct pointer */
	err = ms_dwarf_code_types(idx, "fx_event_add", 0x10, t, MS_CODE_MAX_TYPES, &n);
	CU_ASSERT_PTR_NULL_FATAL(err);
	CU_ASSERT_EQUAL(n, 3);
	c = find_type(t, n, "fx_group", MS_CODE_PARAM);
	CU_ASSERT_TRUE(c && !strcmp(c->var, "group"));
	CU_ASSERT_PTR_NOT_NULL(find_type(t, n, "fx_event", MS_CODE_LOCAL));
	CU_ASSERT_PTR_NOT_NULL(find_type(t, n, "fx_other", MS_CODE_LOCAL));
	/* a void * helper: nothing in scope */
	err = ms_dwarf_code_types(idx, "fx_buffer", 0x8, t, MS_CODE_MAX_TYPES, &n);
	CU_ASSERT_PTR_NULL(err);
	CU_ASSERT_EQUAL(n, 0);
	/* the output is bounded by @max */
	err = ms_dwarf_code_types(idx, "fx_event_add", 0x10, t, 1, &n);
	CU_ASSERT_TRUE(!err && n == 1);
	/* no such function, a function too short for the offset, no offset at all */
	err = ms_dwarf_code_types(idx, "fx_no_such_function", 0x10, t, MS_CODE_MAX_TYPES, &n);
	CU_ASSERT_TRUE(err && err->code == MS_ERR_DWARF && n == 0);
	ms_error_free(err);
	err = ms_dwarf_code_types(idx, "fx_entry_new", 0x10000, t, MS_CODE_MAX_TYPES, &n);
	CU_ASSERT_TRUE(err && err->code == MS_ERR_DWARF && n == 0);
	ms_error_free(err);
	err = ms_dwarf_code_types(idx, "fx_entry_new", 0, t, MS_CODE_MAX_TYPES, &n);
	CU_ASSERT_TRUE(err && n == 0);
	ms_error_free(err);
	ms_dwarf_index_free(idx);
}

/*
 * Inside the inlined fx_named_alloc the scopes run from it out to its caller fx_named_make;
 * at fx_named_make's first byte only its own local is in scope.
 */
static void test_code_types_inlined(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_code_type t[MS_CODE_MAX_TYPES];
	const struct ms_code_type *c;
	struct ms_error *err;
	uint64_t off;
	size_t n;
	int inside = 0;

	if (!idx)
		return;
	err = ms_dwarf_code_types(idx, "fx_named_make", 1, t, MS_CODE_MAX_TYPES, &n);
	CU_ASSERT_PTR_NULL_FATAL(err);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_TRUE(n == 1 && !strcmp(t[0].var, "made") && !t[0].inlined);
	for (off = 1; off < 0x100 && !inside; off++) {
		err = ms_dwarf_code_types(idx, "fx_named_make", off, t, MS_CODE_MAX_TYPES, &n);
		if (err) {		/* past the function's end */
			ms_error_free(err);
			break;
		}
		c = find_type(t, n, "fx_named", MS_CODE_RETURNS);
		if (!c)
			continue;
		inside = 1;
		CU_ASSERT_STRING_EQUAL(c->func, "fx_named_alloc");
		CU_ASSERT_TRUE(c->inlined);
		c = find_type(t, n, "fx_named", MS_CODE_LOCAL);
		CU_ASSERT_PTR_NOT_NULL(c);	/* n inside, made outside: both */
		CU_ASSERT_EQUAL(n, 3);
		CU_ASSERT_TRUE(n == 3 && t[0].inlined && !t[2].inlined &&
			       !strcmp(t[2].func, "fx_named_make"));
	}
	CU_ASSERT_TRUE(inside);
	ms_dwarf_index_free(idx);
}

/* A fake adapter: address 0x1000 * (k + 1) + off is function names[k] + off in "fixture". */
static const char *const fn_names[] = { "fx_entry_new", "fx_event_add", "fx_buffer",
					"fx_flex_new" };
#define FN_ADDR(k, off) (0xffffffffc0000000ULL + 0x1000 * ((k) + 1) + (off))

static int fake_symbol(void *ctx, uint64_t addr, struct ms_symbol *sym)
{
	uint64_t k = (addr - 0xffffffffc0000000ULL) / 0x1000;

	memset(sym, 0, sizeof(*sym));
	if (addr < 0xffffffffc0000000ULL || k < 1 || k > 4)
		return 0;
	snprintf(sym->name, sizeof(sym->name), "%s", fn_names[k - 1]);
	snprintf(sym->module, sizeof(sym->module), "fixture");
	sym->offset = addr & 0xfff;
	sym->is_text = 1;
	return 1;
}

static void agg_site(struct ms_track_agg *a, uint64_t site, uint64_t count)
{
	a->sites[a->nr_sites].key = site;
	a->sites[a->nr_sites++].count = count;
	a->objects += count;
}

static void test_hints_from_tracks(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_env env = { NULL, NULL, fake_symbol, NULL, NULL, NULL };
	struct ms_owner_hint h[MS_OWNER_MAX_HINTS];
	struct ms_track_agg *a = calloc(1, sizeof(*a));
	char note[400];
	size_t n, i;

	if (!idx || !a) {
		free(a);
		ms_dwarf_index_free(idx);
		return;
	}
	/* 90 at fx_entry_new, 8 at fx_event_add (under 10 %: not asked), 2 unnamed */
	agg_site(a, FN_ADDR(0, 0x10), 90);
	agg_site(a, FN_ADDR(1, 0x10), 8);
	agg_site(a, 0xffffffffb0000000ULL, 2);
	n = ms_owner_hints_from_tracks(&idx, 1, a, &env, h, MS_OWNER_MAX_HINTS, note, sizeof(note));
	CU_ASSERT_EQUAL(n, 2);
	for (i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(h[i].code.type, "fx_entry");
		CU_ASSERT_STRING_EQUAL(h[i].site, "fx_entry_new+0x10 [fixture]");
		CU_ASSERT_STRING_EQUAL(h[i].frame, "");
		CU_ASSERT_DOUBLE_EQUAL(h[i].share, 0.9, 1e-9);
	}
	CU_ASSERT_STRING_EQUAL(note, "");
	/* the unnamed site leads: it is said, and the named one still asked */
	memset(a, 0, sizeof(*a));
	agg_site(a, 0xffffffffb0000000ULL, 60);
	agg_site(a, FN_ADDR(0, 0x10), 40);
	n = ms_owner_hints_from_tracks(&idx, 1, a, &env, h, MS_OWNER_MAX_HINTS, note, sizeof(note));
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "ffffffffb0000000 has no symbol"));
	/* a void * helper: its caller's frame in the site's stack is asked, and said so */
	memset(a, 0, sizeof(*a));
	agg_site(a, FN_ADDR(2, 0x8), 100);
	a->nr_stacks = 1;
	a->stacks[0].site = FN_ADDR(2, 0x8);
	a->stacks[0].count = 100;
	a->stacks[0].nr_frames = 3;
	a->stacks[0].frames[0] = 0xffffffffb0001000ULL;		/* the allocator */
	a->stacks[0].frames[1] = FN_ADDR(2, 0x8);
	a->stacks[0].frames[2] = FN_ADDR(3, 0x10);
	n = ms_owner_hints_from_tracks(&idx, 1, a, &env, h, MS_OWNER_MAX_HINTS, note, sizeof(note));
	CU_ASSERT_TRUE(n >= 1);
	for (i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(h[i].code.type, "fx_flex");
		CU_ASSERT_STRING_EQUAL(h[i].frame, "fx_flex_new+0x10 [fixture]");
	}
	/* a module without debuginfo: no hint, and the note names it */
	n = ms_owner_hints_from_tracks(&idx, 0, a, &env, h, MS_OWNER_MAX_HINTS, note, sizeof(note));
	CU_ASSERT_EQUAL(n, 0);
	free(a);
	ms_dwarf_index_free(idx);
}

static size_t rank_hinted(struct ms_dwarf_index *idx, const struct ms_pattern *p,
			  const struct ms_owner_hint *h, size_t nh, struct ms_owner_guess *g,
			  char *note)
{
	size_t n = 0;
	struct ms_error *err = ms_owner_rank_hinted(&idx, 1, p, NULL, h, nh, g,
						    MS_OWNER_MAX_GUESSES, &n, note, 400);

	CU_ASSERT_PTR_NULL(err);
	ms_error_free(err);
	return n;
}

static struct ms_owner_hint hint(const char *type, uint32_t size, enum ms_code_rel rel,
				 const char *var, double share)
{
	struct ms_owner_hint h;

	memset(&h, 0, sizeof(h));
	snprintf(h.code.type, sizeof(h.code.type), "%s", type);
	h.code.size = size;
	h.code.rel = rel;
	snprintf(h.code.var, sizeof(h.code.var), "%s", var);
	snprintf(h.code.func, sizeof(h.code.func), "fx_alloc_site");
	snprintf(h.site, sizeof(h.site), "fx_alloc_site+0x10 [fixture]");
	h.share = share;
	return h;
}

/* A pattern with no typed word is too generic alone; the allocating function decides it. */
static void test_rank_plain_decided_by_hint(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	struct ms_word w[4] = {
		fx_word(0, MS_TOK_ZERO, 0, 0, NULL),
		fx_word(8, MS_TOK_ZERO, 0, 0, NULL),
		fx_word(16, MS_TOK_ZERO, 0, 0, NULL),
		fx_word(24, MS_TOK_RAW, 0, 0x42b25, NULL),
	};
	struct ms_pattern p = fx_pattern("kmalloc-32", 32, w, 4);
	struct ms_owner_hint h[3];
	char note[400];
	size_t n;

	if (!idx)
		return;
	CU_ASSERT_EQUAL(rank_hinted(idx, &p, NULL, 0, g, note), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "too generic"));
	/* returned by the allocating function, for all of the cluster */
	h[0] = hint("fx_entry", 32, MS_CODE_RETURNS, "", 1.0);
	n = rank_hinted(idx, &p, h, 1, g, note);
	CU_ASSERT_FATAL(n >= 1);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_entry");
	CU_ASSERT_TRUE(g[0].hinted && g[0].hint_bonus == 4.0);
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "allocated at fx_alloc_site+0x10 [fixture] (100% "
					    "of the tracks), where fx_alloc_site returns struct "
					    "fx_entry *: +4.0"));
	CU_ASSERT_FALSE(n > 1 && g[1].hinted);
	/* a site with a fifth of the cluster weighs a fifth: too little to decide alone */
	h[0].share = 0.2;
	CU_ASSERT_EQUAL(rank_hinted(idx, &p, h, 1, g, note), 0);
	/* two candidate locals share a local's weight: 1.5 each, not decisive */
	h[0] = hint("fx_entry", 32, MS_CODE_LOCAL, "a", 1.0);
	h[1] = hint("fx_decoy", 32, MS_CODE_LOCAL, "b", 1.0);
	CU_ASSERT_EQUAL(rank_hinted(idx, &p, h, 2, g, note), 0);
	/* a third local whose struct does not land in kmalloc-32 takes nothing from them */
	h[2] = hint("fx_group", 0, MS_CODE_LOCAL, "c", 1.0);
	h[1] = hint("fx_decoy", 32, MS_CODE_PARAM, "b", 1.0);
	n = rank_hinted(idx, &p, h, 3, g, note);
	CU_ASSERT_FATAL(n >= 2);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_entry");
	CU_ASSERT_DOUBLE_EQUAL(g[0].hint_bonus, 3.0, 1e-9);
	/* a hint of another size than the candidate of that name is no hint for it */
	h[0] = hint("fx_entry", 40, MS_CODE_RETURNS, "", 1.0);
	CU_ASSERT_EQUAL(rank_hinted(idx, &p, h, 1, g, note), 0);
	ms_dwarf_index_free(idx);
}

/* The typed evidence still rules: a hint of a worse-fitting struct does not outvote it. */
static void test_rank_hint_does_not_override(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	struct ms_word w[4];
	struct ms_pattern p = fx_entry_pattern(w);
	struct ms_owner_hint h = hint("fx_decoy", 32, MS_CODE_PARAM, "d", 1.0);
	char note[400];

	if (!idx)
		return;
	CU_ASSERT_FATAL(rank_hinted(idx, &p, &h, 1, g, note) >= 2);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_entry");
	CU_ASSERT_FALSE(g[0].hinted);
	ms_dwarf_index_free(idx);
}

static CU_TestInfo tests[] = {
	{ "code types: returns, locals, parameters; errors", test_code_types },
	{ "code types: an inlined function's scope and its caller's", test_code_types_inlined },
	{ "hints from tracks: sites by share, unnamed, the frame above", test_hints_from_tracks },
	{ "rank: a plain pattern decided by the allocating function", test_rank_plain_decided_by_hint },
	{ "rank: a hint does not outvote typed evidence", test_rank_hint_does_not_override },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(owner_hints, tests)
