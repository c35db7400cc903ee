/*
 * test_meminfo.c - memsim -i: struct pages classified under each page-type scheme, other
 * pages grouped by shape, vmalloc areas grouped by caller and named through a fake symbol
 * table, the biggest slab caches, the rebuilt /proc/meminfo rows, the unaccounted bytes,
 * the verdict, and the text and JSON reports.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "meminfo.h"
#include "unit.h"

#define PS UINT64_C(4096)
#define P(n) ((uint64_t)(n) * PS)		/* bytes of @n pages */
#define VMEMMAP UINT64_C(0xffffea0000000000)		/* struct page addresses */

/* page->flags bits of the made-up kernel */
#define PG_LRU 4
#define PG_SLAB 7
#define PG_RESERVED 10
#define PG_HEAD 16
#define PG_SWAPBACKED 19
#define BIT(n) (1ULL << (n))

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* ---- 1. classes ---- */

static struct ms_page_rules rules(enum ms_page_type_scheme scheme)
{
	struct ms_page_rules r = {
		.pg_lru = PG_LRU, .pg_head = PG_HEAD, .pg_reserved = PG_RESERVED,
		.pg_swapbacked = PG_SWAPBACKED, .pg_slab = PG_SLAB, .scheme = scheme,
		.ty_zsmalloc = -1, .ty_large_kmalloc = -1,
	};

	if (scheme == MS_PTYPE_INV_BITS) {
		/* v6.9: PG_buddy 0x80, PG_offline 0x100, PG_table 0x200, PG_hugetlb 0x800... */
		r.type_base = 0xf0000000;
		r.ty_buddy = 0x80;
		r.ty_offline = 0x100;
		r.ty_table = 0x200;
		r.ty_hugetlb = 0x800;
		r.ty_slab = 0x1000;
	} else {
		/* v6.12+: PGTY_buddy 0xf0 ... PGTY_large_kmalloc 0xf8 (NONE ignores them) */
		r.ty_buddy = 0xf0;
		r.ty_offline = 0xf1;
		r.ty_table = 0xf2;
		r.ty_hugetlb = 0xf4;
		r.ty_slab = 0xf5;
		r.ty_zsmalloc = 0xf6;
		r.ty_large_kmalloc = 0xf8;
	}
	return r;
}

/* An in-use page: refcount 1, no type (page_type -1), no mapping. */
static struct ms_page_desc page(uint64_t flags, uint32_t page_type)
{
	return (struct ms_page_desc){ .flags = flags, .page_type = page_type, .refcount = 1 };
}

static enum ms_page_class classify(const struct ms_page_rules *r, uint64_t flags,
				   uint32_t page_type, int32_t refcount, uint64_t mapping)
{
	struct ms_page_desc d = page(flags, page_type);

	d.refcount = refcount;
	d.mapping = mapping;
	return ms_page_classify(r, &d);
}

static void test_classify_inv_bits(void)
{
	struct ms_page_rules r = rules(MS_PTYPE_INV_BITS), none;

	CU_ASSERT_EQUAL(classify(&r, 0, 0xffffff7f, 0, 0), MS_PG_FREE);
	/* The buddy type wins over a refcount and a mapping. */
	CU_ASSERT_EQUAL(classify(&r, 0, 0xffffff7f, 1, 0xffff888012345600), MS_PG_FREE);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xfffffeff, 1, 0), MS_PG_OFFLINE);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xfffffdff, 1, 0), MS_PG_PAGETABLE);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xfffff7ff, 1, 0), MS_PG_HUGETLB);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xffffefff, 1, 0), MS_PG_SLAB);
	/* No type: -1 has every bit set. */
	CU_ASSERT_EQUAL(classify(&r, 0, 0xffffffff, 1, 0), MS_PG_OTHER);
	/* A mapcount of 0 (page_type 0) clears the type bits but the base too: not typed. */
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 1, 0), MS_PG_OTHER);
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 1, 0xffff888012345601), MS_PG_ANON);
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 0, 0), MS_PG_UNREF);
	/* The buddy bit cleared but one base bit cleared too: not typed. */
	CU_ASSERT_EQUAL(classify(&r, 0, 0x7fffff7f, 1, 0), MS_PG_OTHER);
	/* Types this kernel lacks (-1) never match, even a page_type of the bare base. */
	none = r;
	none.ty_buddy = none.ty_offline = none.ty_table = none.ty_hugetlb = none.ty_slab = -1;
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf0000000, 1, 0), MS_PG_FREE);
	CU_ASSERT_EQUAL(classify(&none, 0, 0xf0000000, 1, 0), MS_PG_OTHER);
	CU_ASSERT_EQUAL(classify(&none, 0, 0xffffff7f, 1, 0), MS_PG_OTHER);
}

static void test_classify_top_byte(void)
{
	struct ms_page_rules r = rules(MS_PTYPE_TOP_BYTE);

	CU_ASSERT_EQUAL(classify(&r, 0, 0xf0000000, 0, 0), MS_PG_FREE);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf0000003, 0, 0), MS_PG_FREE);	/* low bits: data */
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf1000000, 1, 0), MS_PG_OFFLINE);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf2000000, 1, 0), MS_PG_PAGETABLE);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf4000000, 1, 0), MS_PG_HUGETLB);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf5000000, 1, 0), MS_PG_SLAB);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf6000000, 1, 0), MS_PG_MOVABLE);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf8000000, 1, 0), MS_PG_LARGE_KMALLOC);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xffffffff, 1, 0), MS_PG_OTHER);
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 1, 0), MS_PG_OTHER);
	/* The type is the top byte, not the bottom one. */
	CU_ASSERT_EQUAL(classify(&r, 0, 0x000000f5, 1, 0), MS_PG_OTHER);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf5ffffff, 1, 0), MS_PG_SLAB);
	/* The bits of INV_BITS mean nothing here. */
	CU_ASSERT_EQUAL(classify(&r, 0, 0xffffff7f, 1, 0), MS_PG_OTHER);
}

static void test_classify_flags_and_mapping(void)
{
	struct ms_page_rules r = rules(MS_PTYPE_NONE), inv = rules(MS_PTYPE_INV_BITS), nobits;
	const uint64_t map = 0xffff888012345600ULL;

	/* No page_type: whatever it holds is ignored. */
	r.type_base = 0xf0000000;
	r.ty_buddy = 0x80;
	CU_ASSERT_EQUAL(classify(&r, 0, 0xffffff7f, 1, 0), MS_PG_OTHER);
	CU_ASSERT_EQUAL(classify(&r, 0, 0xf5000000, 1, 0), MS_PG_OTHER);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_SLAB), 0, 1, 0), MS_PG_SLAB);
	CU_ASSERT_EQUAL(classify(&inv, BIT(PG_SLAB), 0xffffffff, 1, 0), MS_PG_SLAB);
	/* PG_reserved wins over everything. */
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_RESERVED), 0, 1, 0), MS_PG_RESERVED);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_RESERVED) | BIT(PG_SLAB), 0, 1, 0), MS_PG_RESERVED);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_RESERVED), 0, 0, map | 1), MS_PG_RESERVED);
	CU_ASSERT_EQUAL(classify(&inv, BIT(PG_RESERVED), 0xffffff7f, 0, 0), MS_PG_RESERVED);
	/* Refcount 0: free, or a hugetlb pool's free page when a compound head. */
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 0, 0), MS_PG_UNREF);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_LRU), 0, 0, map), MS_PG_UNREF);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_HEAD), 0, 0, 0), MS_PG_HUGETLB);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_HEAD), 0, 1, 0), MS_PG_OTHER);
	/* page->mapping */
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 1, map | 1), MS_PG_ANON);
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 1, map | 3), MS_PG_ANON);	/* KSM */
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_SWAPBACKED), 0, 1, map | 1), MS_PG_ANON);
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 1, map | 2), MS_PG_MOVABLE);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_SWAPBACKED), 0, 2, map), MS_PG_SHMEM);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_LRU), 0, 2, map), MS_PG_FILE);
	CU_ASSERT_EQUAL(classify(&r, BIT(PG_LRU), 0, 3, 0), MS_PG_OTHER);
	CU_ASSERT_EQUAL(classify(&r, 0, 0, 1, 0), MS_PG_OTHER);
	/* Bits this kernel lacks (-1) or past 64 are never set. */
	nobits = r;
	nobits.pg_reserved = -1;
	nobits.pg_slab = 64;
	nobits.pg_head = -1;
	nobits.pg_swapbacked = -1;
	CU_ASSERT_EQUAL(classify(&nobits, ~0ULL, 0, 1, 0), MS_PG_OTHER);
	CU_ASSERT_EQUAL(classify(&nobits, ~0ULL, 0, 0, 0), MS_PG_UNREF);
	CU_ASSERT_EQUAL(classify(&nobits, ~0ULL, 0, 1, map), MS_PG_FILE);
}

static void test_names_and_tails(void)
{
	struct ms_page_desc head = page(BIT(PG_HEAD), 0xffffffff), tail = page(0, 0xffffffff);

	CU_ASSERT_STRING_EQUAL(ms_page_class_name(MS_PG_FREE), "free");
	CU_ASSERT_STRING_EQUAL(ms_page_class_name(MS_PG_LARGE_KMALLOC), "large kmalloc");
	CU_ASSERT_STRING_EQUAL(ms_page_class_name(MS_PG_OTHER), "other");
	CU_ASSERT_STRING_EQUAL(ms_page_class_name(MS_PG_NR), "?");
	tail.compound_head = VMEMMAP + 0x1c0 + 1;
	CU_ASSERT_FALSE(ms_page_is_tail(&head));
	CU_ASSERT_TRUE(ms_page_is_tail(&tail));
	CU_ASSERT_EQUAL(ms_page_tail_head(&tail, VMEMMAP + 0x200), VMEMMAP + 0x1c0);
	/* v7.x: a mask in compound_info for 64-byte struct pages: an order-2 folio's 256 bytes
	 * (as read from a 7.2 kmalloc-1k slab), and an order-9 one. */
	CU_ASSERT_EQUAL(ms_compound_head_of(0xffffffffffffff01ULL, 0xfffff56d40041880ULL),
			0xfffff56d40041800ULL);
	CU_ASSERT_EQUAL(ms_compound_head_of(0xffffffffffffff01ULL, 0xfffff56d400418c0ULL),
			0xfffff56d40041800ULL);
	CU_ASSERT_EQUAL(ms_compound_head_of(0xffffffffffff8001ULL, 0xfffff56d40047fc0ULL),
			0xfffff56d40040000ULL);
	/* A head's address is no mask, whatever its alignment. */
	CU_ASSERT_EQUAL(ms_compound_head_of(0xfffff56d40041801ULL, 0xfffff56d40041840ULL),
			0xfffff56d40041800ULL);
	CU_ASSERT_EQUAL(ms_compound_head_of(0xffffea0000000001ULL, 0xffffea0000000040ULL),
			0xffffea0000000000ULL);
}

/* ---- 2. shapes of the other pages ---- */

static const struct ms_page_shape *find_shape(const struct ms_meminfo *m, uint32_t flags,
					      int32_t refcount, int compound, int has_mapping)
{
	unsigned i;

	for (i = 0; i < m->nr_shapes; i++) {
		const struct ms_page_shape *s = &m->shapes[i];

		if (s->flags == flags && s->refcount == refcount && s->compound == compound &&
		    s->has_mapping == has_mapping)
			return s;
	}
	return NULL;
}

static void test_shapes(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	struct ms_page_desc d = page(0x200, 0xffffffff), head = page(BIT(PG_HEAD), 0xffffffff);
	const struct ms_page_shape *s;
	uint64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* 100 order-0 pages of one shape; the zone and node bits (above 32) differ. */
	for (i = 0; i < 100; i++) {
		d.flags = 0x200 | (i % 3) << 58;
		ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 0x1000 + i * 64, 0, 0);
	}
	/* An order-2 compound page: a head, three tails with the head's words. */
	ms_meminfo_add_page(m, MS_PG_OTHER, &head, VMEMMAP + 0x8000, 0, 1);
	for (i = 1; i < 4; i++)
		ms_meminfo_add_page(m, MS_PG_OTHER, &head, VMEMMAP + 0x8000 + i * 64, 1, 1);
	/* The head's words on a single page: another shape. */
	ms_meminfo_add_page(m, MS_PG_OTHER, &head, VMEMMAP + 0x9000, 0, 0);
	/* Pages of other classes have no shape. */
	ms_meminfo_add_page(m, MS_PG_FREE, &d, VMEMMAP + 0xa000, 0, 0);
	ms_meminfo_add_page(m, MS_PG_SLAB, &d, VMEMMAP + 0xa040, 0, 0);
	/* An unknown class counts as other; without words it has no shape. */
	ms_meminfo_add_page(m, (enum ms_page_class)(MS_PG_NR + 3), NULL, VMEMMAP + 0xa080, 0, 0);

	CU_ASSERT_EQUAL(m->map_pages[MS_PG_OTHER], 106);
	CU_ASSERT_EQUAL(m->map_pages[MS_PG_FREE], 1);
	CU_ASSERT_EQUAL(m->map_pages[MS_PG_SLAB], 1);
	CU_ASSERT_EQUAL(m->nr_shapes, 3);
	CU_ASSERT_EQUAL(m->shape_overflow, 0);
	s = find_shape(m, 0x200, 1, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->blocks, 100);
	CU_ASSERT_EQUAL(s->pages, 100);
	CU_ASSERT_EQUAL(s->example, VMEMMAP + 0x1000 + 63 * 64);	/* block 64 of 100 */
	s = find_shape(m, BIT(PG_HEAD), 1, 1, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->blocks, 1);
	CU_ASSERT_EQUAL(s->pages, 4);
	CU_ASSERT_EQUAL(s->example, VMEMMAP + 0x8000);
	s = find_shape(m, BIT(PG_HEAD), 1, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->pages, 1);
	CU_ASSERT_EQUAL(s->example, VMEMMAP + 0x9000);
	ms_meminfo_free(m);
}

static void test_shape_refcount_and_mapping(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	static const int32_t refs[] = { 4, 9, 1000, 3, 1 };
	struct ms_page_desc d = page(0x40, 0xffffffff);
	const struct ms_page_shape *s;
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		d.refcount = refs[i];
		ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + i * 64, 0, 0);
	}
	d.refcount = 1;
	d.mapping = 0xffff888012345600ULL;
	ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 0x1000, 0, 0);
	/* 4, 9 and 1000 are one shape (refcount MS_SHAPE_REFCAP); 3, 1, 1 with mapping not. */
	CU_ASSERT_EQUAL(m->nr_shapes, 4);
	s = find_shape(m, 0x40, MS_SHAPE_REFCAP, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->pages, 3);
	CU_ASSERT_EQUAL(s->example, VMEMMAP + 64);	/* block 2 of 3 */
	CU_ASSERT_PTR_NULL(find_shape(m, 0x40, 9, 0, 0));
	s = find_shape(m, 0x40, 3, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->pages, 1);
	s = find_shape(m, 0x40, 1, 0, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->example, VMEMMAP + 0x1000);
	ms_meminfo_free(m);
}

static void test_shape_overflow(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	struct ms_page_desc d = page(0, 0xffffffff);
	const struct ms_page_shape *s;
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < MS_MEMINFO_SHAPES; i++) {
		d.flags = i;
		ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + i * 64, 0, 0);
	}
	CU_ASSERT_EQUAL(m->nr_shapes, MS_MEMINFO_SHAPES);
	CU_ASSERT_EQUAL(m->shape_overflow, 0);
	/* Five pages of a new shape: not kept, counted. */
	d.flags = 0x1000;
	for (i = 0; i < 5; i++)
		ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 0x10000 + i * 64, 0, 0);
	/* A kept shape still grows. */
	d.flags = 3;
	ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 0x20000, 0, 0);
	CU_ASSERT_EQUAL(m->nr_shapes, MS_MEMINFO_SHAPES);
	CU_ASSERT_EQUAL(m->shape_overflow, 5);
	CU_ASSERT_EQUAL(m->map_pages[MS_PG_OTHER], MS_MEMINFO_SHAPES + 6);
	CU_ASSERT_PTR_NULL(find_shape(m, 0x1000, 1, 0, 0));
	s = find_shape(m, 3, 1, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->pages, 2);
	CU_ASSERT_EQUAL(s->example, VMEMMAP + 0x20000);	/* block 2 of 2 */
	ms_meminfo_free(m);
}

static void test_shape_example(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	struct ms_page_desc d = page(0x80, 0xffffffff);
	static const uint64_t want[] = { 1, 2, 2, 4, 4, 4, 4, 8, 8 };	/* by blocks met */
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* Each block an order-1 compound page: the tails never become the example. */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 128 * (i + 1), 0, 1);
		ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 128 * (i + 1) + 64, 1, 1);
		CU_ASSERT_EQUAL(m->shapes[0].example, VMEMMAP + 128 * want[i]);
	}
	CU_ASSERT_EQUAL(m->nr_shapes, 1);
	CU_ASSERT_EQUAL(m->shapes[0].blocks, 9);
	CU_ASSERT_EQUAL(m->shapes[0].pages, 18);
	ms_meminfo_free(m);
}

static void test_shape_flag_bits(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	struct ms_page_desc d = page(0, 0xffffffff);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->flag_bits, 32);
	/* By default bit 31 is a flag, bit 32 is not. */
	d.flags = 0x10;
	ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP, 0, 0);
	d.flags = 0x10 | BIT(32) | BIT(63);
	ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 64, 0, 0);
	d.flags = 0x10 | BIT(31);
	ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 128, 0, 0);
	CU_ASSERT_EQUAL(m->nr_shapes, 2);
	CU_ASSERT_EQUAL(m->shapes[0].pages, 2);
	ms_meminfo_free(m);

	/* __NR_PAGEFLAGS 24: the section, node and zone bits above it go. */
	m = ms_meminfo_new(PS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->flag_bits = 24;
	d.flags = 0x10 | BIT(24) | BIT(30);
	ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP, 0, 0);
	d.flags = 0x10 | BIT(27);
	ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 64, 0, 0);
	d.flags = 0x10 | BIT(23);
	ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 128, 0, 0);
	CU_ASSERT_EQUAL_FATAL(m->nr_shapes, 2);
	CU_ASSERT_EQUAL(m->shapes[0].flags, 0x10);
	CU_ASSERT_EQUAL(m->shapes[0].pages, 2);
	CU_ASSERT_EQUAL(m->shapes[1].flags, 0x10 | BIT(23));
	ms_meminfo_free(m);
}

/* ---- 3. vmalloc callers, named through a fake symbol table ---- */

#define F_KERN UINT64_C(0xffffffff81100000)	/* "vmalloc_user_buf" */
#define F_MOD UINT64_C(0xffffffffc0001000)	/* "leak_vmalloc_buffers [memsim_leak]" */
#define F_HASH UINT64_C(0xffffffff82000000)	/* "alloc_large_system_hash" */
#define F_INIT1 UINT64_C(0xffffffff81200000)	/* "init_once", one of two */
#define F_INIT2 UINT64_C(0xffffffff81300000)	/* "init_once", the other */
#define F_WEIRD UINT64_C(0xffffffffc0002000)	/* a name to escape */
#define F_NONAME UINT64_C(0xffffffffa0000000)	/* a symbol with no name */
#define F_NONE UINT64_C(0xffffffff90000000)	/* no symbol */

static const struct {
	uint64_t start, size;
	const char *name, *module;
} syms[] = {
	{ F_KERN, 0x200, "vmalloc_user_buf", "" },
	{ F_MOD, 0x100, "leak_vmalloc_buffers", "memsim_leak" },
	{ F_HASH, 0x100, "alloc_large_system_hash", "" },
	{ F_INIT1, 0x100, "init_once", "" },
	{ F_INIT2, 0x100, "init_once", "" },
	{ F_WEIRD, 0x100, "we\"ird\\fn", "m\x01od" },
	{ F_NONAME, 0x100, "", "" },
};

static unsigned sym_calls;

static int fake_symbol(void *ctx, uint64_t addr, struct ms_symbol *sym)
{
	size_t i;

	sym_calls++;
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if (addr < syms[i].start || addr >= syms[i].start + syms[i].size)
			continue;
		memset(sym, 0, sizeof(*sym));
		snprintf(sym->name, sizeof(sym->name), "%s", syms[i].name);
		snprintf(sym->module, sizeof(sym->module), "%s", syms[i].module);
		sym->offset = addr - syms[i].start;
		sym->is_text = 1;
		return 1;
	}
	return 0;
}

static const struct ms_env sym_env = { .symbol = fake_symbol };

static const struct ms_vmalloc_caller *find_caller(const struct ms_meminfo *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nr_callers; i++)
		if (!strcmp(m->callers[i].name, name))
			return &m->callers[i];
	return NULL;
}

/* Areas of five callers, two of them called from two places; see test_vmalloc_callers. */
static void add_areas(struct ms_meminfo *m)
{
	int i;

	for (i = 0; i < 3; i++)
		ms_meminfo_add_vmalloc(m, F_KERN + 0x10, P(3), 2);
	for (i = 0; i < 2; i++)
		ms_meminfo_add_vmalloc(m, F_KERN + 0x40, P(3), 2);
	ms_meminfo_add_vmalloc(m, F_MOD + 0x20, P(101), 100);
	for (i = 0; i < 2; i++)
		ms_meminfo_add_vmalloc(m, F_MOD + 0x80, P(11), 10);
	ms_meminfo_add_vmalloc(m, F_HASH + 0x8, P(20), 10);
	ms_meminfo_add_vmalloc(m, F_NONE, P(4), 3);
	for (i = 0; i < 2; i++)
		ms_meminfo_add_vmalloc(m, 0, P(2), 1);
	m->vm_walked = 1;
}

static void test_vmalloc_callers(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	const struct ms_vmalloc_caller *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	add_areas(m);
	CU_ASSERT_EQUAL(m->vm_areas, 12);
	CU_ASSERT_EQUAL(m->vm_bytes, P(3 * 5 + 101 + 22 + 20 + 4 + 4));
	CU_ASSERT_EQUAL(m->vm_pages, 2 * 5 + 100 + 20 + 10 + 3 + 2);
	CU_ASSERT_EQUAL(m->nr_callers, 7);	/* by address, before finish */
	ms_meminfo_finish(m, &sym_env);
	CU_ASSERT_EQUAL_FATAL(m->nr_callers, 5);
	/* By pages, then bytes: the hash ties the kernel function on pages, has more bytes. */
	CU_ASSERT_STRING_EQUAL(m->callers[0].name, "leak_vmalloc_buffers [memsim_leak]");
	CU_ASSERT_STRING_EQUAL(m->callers[1].name, "alloc_large_system_hash");
	CU_ASSERT_STRING_EQUAL(m->callers[2].name, "vmalloc_user_buf");
	CU_ASSERT_STRING_EQUAL(m->callers[3].name, "0xffffffff90000000");
	CU_ASSERT_STRING_EQUAL(m->callers[4].name, "-");
	c = &m->callers[0];
	CU_ASSERT_EQUAL(c->areas, 3);
	CU_ASSERT_EQUAL(c->pages, 120);
	CU_ASSERT_EQUAL(c->bytes, P(123));
	CU_ASSERT_EQUAL(c->addr, F_MOD);	/* merged: the function */
	c = &m->callers[2];
	CU_ASSERT_EQUAL(c->areas, 5);
	CU_ASSERT_EQUAL(c->pages, 10);
	CU_ASSERT_EQUAL(c->bytes, P(15));
	CU_ASSERT_EQUAL(c->addr, F_KERN);
	CU_ASSERT_EQUAL(m->callers[1].addr, F_HASH);
	CU_ASSERT_EQUAL(m->callers[3].addr, F_NONE);
	CU_ASSERT_EQUAL(m->callers[3].areas, 1);
	CU_ASSERT_EQUAL(m->callers[4].addr, 0);
	CU_ASSERT_EQUAL(m->callers[4].areas, 2);
	CU_ASSERT_EQUAL(m->callers[4].pages, 2);
	/* The totals are the walk's, merging or not. */
	CU_ASSERT_EQUAL(m->vm_areas, 12);
	CU_ASSERT_EQUAL(m->callers_overflow_areas, 0);
	ms_meminfo_free(m);
}

static void test_vmalloc_names(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS), *n = ms_meminfo_new(PS);
	const struct ms_vmalloc_caller *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	/* Two functions of one name stay two callers. */
	ms_meminfo_add_vmalloc(m, F_INIT1 + 0x10, P(2), 1);
	ms_meminfo_add_vmalloc(m, F_INIT2 + 0x10, P(3), 2);
	ms_meminfo_add_vmalloc(m, F_INIT2 + 0x20, P(3), 2);
	/* A symbol without a name is an address. */
	ms_meminfo_add_vmalloc(m, F_NONAME + 0x30, P(1), 0);
	ms_meminfo_add_vmalloc(m, 0, P(1), 0);
	sym_calls = 0;
	ms_meminfo_finish(m, &sym_env);
	CU_ASSERT_EQUAL(sym_calls, 4);	/* caller 0 is never looked up */
	CU_ASSERT_EQUAL_FATAL(m->nr_callers, 4);
	CU_ASSERT_STRING_EQUAL(m->callers[0].name, "init_once");
	CU_ASSERT_EQUAL(m->callers[0].addr, F_INIT2);
	CU_ASSERT_EQUAL(m->callers[0].areas, 2);
	CU_ASSERT_STRING_EQUAL(m->callers[1].name, "init_once");
	CU_ASSERT_EQUAL(m->callers[1].addr, F_INIT1);
	/* Ties on pages and bytes: by name ("-" before "0x..."). */
	CU_ASSERT_STRING_EQUAL(m->callers[2].name, "-");
	c = find_caller(m, "0xffffffffa0000030");
	CU_ASSERT_PTR_NOT_NULL(c);
	CU_ASSERT_PTR_EQUAL(c, &m->callers[3]);

	/* Without an env: addresses, nothing merged. */
	add_areas(n);
	ms_meminfo_finish(n, NULL);
	CU_ASSERT_EQUAL_FATAL(n->nr_callers, 7);
	CU_ASSERT_STRING_EQUAL(n->callers[0].name, "0xffffffffc0001020");
	CU_ASSERT_EQUAL(n->callers[0].addr, F_MOD + 0x20);
	CU_ASSERT_PTR_NOT_NULL(find_caller(n, "0xffffffff81100010"));
	CU_ASSERT_PTR_NOT_NULL(find_caller(n, "0xffffffff81100040"));
	CU_ASSERT_PTR_NOT_NULL(find_caller(n, "-"));
	ms_meminfo_free(m);
	ms_meminfo_free(n);
}

static void test_vmalloc_overflow(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	const struct ms_vmalloc_caller *c;
	uint64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < MS_VMALLOC_CALLERS_MAX; i++)
		ms_meminfo_add_vmalloc(m, F_NONE + 16 * i, P(2), 1);
	CU_ASSERT_EQUAL(m->nr_callers, MS_VMALLOC_CALLERS_MAX);
	CU_ASSERT_EQUAL(m->callers_overflow_areas, 0);
	/* New callers: counted, not grouped; a known one still grows. */
	for (i = 0; i < 3; i++)
		ms_meminfo_add_vmalloc(m, F_HASH + i, P(8), 7);
	ms_meminfo_add_vmalloc(m, F_NONE + 16 * 100, P(9), 9);
	CU_ASSERT_EQUAL(m->nr_callers, MS_VMALLOC_CALLERS_MAX);
	CU_ASSERT_EQUAL(m->callers_overflow_areas, 3);
	CU_ASSERT_EQUAL(m->vm_areas, MS_VMALLOC_CALLERS_MAX + 4);
	CU_ASSERT_EQUAL(m->vm_pages, MS_VMALLOC_CALLERS_MAX + 21 + 9);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL_FATAL(m->nr_callers, MS_VMALLOC_CALLERS_MAX);
	c = &m->callers[0];
	CU_ASSERT_EQUAL(c->addr, F_NONE + 16 * 100);
	CU_ASSERT_EQUAL(c->areas, 2);
	CU_ASSERT_EQUAL(c->pages, 10);
	CU_ASSERT_EQUAL(c->bytes, P(11));
	CU_ASSERT_PTR_NULL(find_caller(m, "0xffffffff82000000"));
	CU_ASSERT_EQUAL(m->callers[MS_VMALLOC_CALLERS_MAX - 1].pages, 1);
	ms_meminfo_free(m);
}

/* ---- 4. the biggest slab caches ---- */

static void test_top_caches(void)
{
	static const struct {
		const char *name;
		uint64_t bytes;
	} add[] = {
		{ "a", 100 }, { "b", 500 }, { "c", 300 }, { "d", 50 }, { "e", 700 },
		{ "f", 300 }, { "g", 10 }, { "h", 1000 }, { "i", 300 }, { "j", 0 },
	};
	static const char *const want[] = { "h", "e", "b", "c", "f" };
	static const uint64_t want_bytes[] = { 1000, 700, 500, 300, 300 };
	struct ms_meminfo *m = ms_meminfo_new(PS);
	char longname[100];
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ms_meminfo_add_cache(m, "first", 5, 0);
	CU_ASSERT_EQUAL(m->nr_top, 1);
	CU_ASSERT_STRING_EQUAL(m->top[0].name, "first");
	for (i = 0; i < sizeof(add) / sizeof(add[0]); i++)
		ms_meminfo_add_cache(m, add[i].name, add[i].bytes, add[i].name[0] == 'e');
	CU_ASSERT_EQUAL_FATAL(m->nr_top, MS_MEMINFO_TOP_CACHES);
	/* By bytes; of equal ones, the first added first; a later equal one not kept. */
	for (i = 0; i < MS_MEMINFO_TOP_CACHES; i++) {
		CU_ASSERT_STRING_EQUAL(m->top[i].name, want[i]);
		CU_ASSERT_EQUAL(m->top[i].bytes, want_bytes[i]);
		CU_ASSERT_EQUAL(m->top[i].reclaimable, i == 1);
	}
	/* A long name is cut to fit. */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	ms_meminfo_add_cache(m, longname, 5000, 1);
	CU_ASSERT_EQUAL(strlen(m->top[0].name), sizeof(m->top[0].name) - 1);
	CU_ASSERT_EQUAL(m->top[0].bytes, 5000);
	CU_ASSERT_STRING_EQUAL(m->top[1].name, "h");
	CU_ASSERT_STRING_EQUAL(m->top[4].name, "c");
	ms_meminfo_free(m);
}

/* ---- 5. rows, unaccounted, verdict ---- */

static const struct ms_meminfo_row *find_row(const struct ms_meminfo *m, const char *name)
{
	unsigned i;

	for (i = 0; i < m->nr_rows; i++)
		if (!strcmp(m->rows[i].name, name))
			return &m->rows[i];
	return NULL;
}

/*
 * A machine of 94000 struct pages: 5000 other, of which the counters explain 2700 (1200
 * large kmalloc, 800 stack, 100 page tables without the type, 600 per-cpu beyond the first
 * chunk).  The counters alone leave 2300 pages in no row too.
 */
static struct ms_meminfo *machine(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	struct ms_meminfo_counters *c;
	uint64_t *p;

	if (!m)
		return NULL;
	p = m->map_pages;
	p[MS_PG_RESERVED] = 2000;
	p[MS_PG_FREE] = 29000;		/* buddy blocks */
	p[MS_PG_UNREF] = 1000;		/* all on the per-cpu lists */
	p[MS_PG_OTHER] = 5000;
	p[MS_PG_ANON] = 20000;
	p[MS_PG_SHMEM] = 3000;
	p[MS_PG_FILE] = 25000;
	p[MS_PG_SLAB] = 4000;
	p[MS_PG_SLAB_RECLAIMABLE] = 3000;
	p[MS_PG_PAGETABLE] = 500;
	p[MS_PG_VMALLOC] = 1500;
	m->pages_walked = 94000;
	m->vm_walked = 1;
	c = &m->c;
	c->have_total = c->have_free = c->have_pcp = c->have_file = c->have_shmem = 1;
	c->have_swapcache = c->have_anon = c->have_slab_rec = c->have_slab_unrec = 1;
	c->have_stack = c->have_pagetable = c->have_sec_pagetable = c->have_vmalloc = 1;
	c->have_percpu = c->have_hugetlb = 1;
	c->total = P(92000);
	c->free = P(29000);
	c->pcp = P(1000);
	c->file = P(28500);
	c->shmem = P(3000);
	c->swapcache = P(500);
	c->anon = P(20000);
	c->slab_rec = P(3000);
	c->slab_unrec = P(5200);
	c->stack = P(800);
	c->pagetable = P(600);
	c->vmalloc = P(1500);
	c->percpu = P(900);
	c->percpu_first = P(300);
	return m;
}

static void test_rows(void)
{
	struct ms_meminfo *m = machine();
	const struct ms_meminfo_row *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->nr_rows, 13);
	r = find_row(m, "MemTotal");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->proc, "MemTotal");
	CU_ASSERT_EQUAL(r->bytes, P(92000));
	CU_ASSERT_TRUE(r->have_map && r->have_counter);
	CU_ASSERT_EQUAL(r->map_bytes, P(92000));	/* walked less reserved */
	CU_ASSERT_STRING_EQUAL(r->note, "");
	r = find_row(m, "MemFree");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(29000));
	CU_ASSERT_EQUAL(r->map_bytes, P(30000));
	CU_ASSERT_EQUAL(r->counter_bytes, P(29000));
	CU_ASSERT_STRING_EQUAL(r->note, "map includes 3.9M on per-cpu free lists");
	r = find_row(m, "File pages");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(25000));	/* file less shmem less swap cache */
	CU_ASSERT_EQUAL(r->map_bytes, P(25000));
	r = find_row(m, "Shmem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(3000));
	CU_ASSERT_STRING_EQUAL(r->counter, "NR_SHMEM");
	r = find_row(m, "AnonPages");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(20000));
	r = find_row(m, "Slab reclaimable");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(3000));
	CU_ASSERT_EQUAL(r->map_bytes, P(3000));
	r = find_row(m, "Slab unreclaimable");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(5200));
	CU_ASSERT_EQUAL(r->map_bytes, P(4000));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "large kmalloc()s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "4.7M"));	/* 1200 pages */
	r = find_row(m, "KernelStack");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(800));
	CU_ASSERT_FALSE(r->have_map);
	CU_ASSERT_STRING_EQUAL(r->note, "");
	r = find_row(m, "PageTables");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(600));
	CU_ASSERT_EQUAL(r->map_bytes, P(500));
	CU_ASSERT_STRING_EQUAL(r->note, "");	/* 400k apart: they agree */
	r = find_row(m, "VmallocUsed");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(1500));
	CU_ASSERT_TRUE(r->have_map);
	r = find_row(m, "Percpu");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(900));
	r = find_row(m, "Unaccounted");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(2300));
	CU_ASSERT_PTR_NULL(r->counter);
	CU_ASSERT_FALSE(r->have_counter);
	r = find_row(m, "Reserved");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(2000));
	CU_ASSERT_PTR_NULL(strstr(r->note, "offline"));
	/* Rows only when there is something to show. */
	CU_ASSERT_PTR_NULL(find_row(m, "Hugetlb"));
	CU_ASSERT_PTR_NULL(find_row(m, "SecPageTables"));
	CU_ASSERT_PTR_NULL(find_row(m, "Movable non-LRU"));
	CU_ASSERT_EQUAL(m->unaccounted, P(2300));
	CU_ASSERT_EQUAL(m->counters_unexplained, (int64_t)P(2300));
	ms_meminfo_free(m);
}

static void test_rows_map_only(void)
{
	struct ms_meminfo *m = machine();
	const struct ms_meminfo_row *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memset(&m->c, 0, sizeof(m->c));
	m->c.page_size = PS;
	m->map_pages[MS_PG_LARGE_KMALLOC] = 700;
	m->map_pages[MS_PG_OFFLINE] = 100;
	m->map_pages[MS_PG_HUGETLB] = 512;
	m->pages_walked += 700 + 100 + 512;
	m->vm_walked = 0;
	ms_meminfo_finish(m, NULL);
	r = find_row(m, "MemTotal");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(92000 + 700 + 512));	/* less reserved and offline */
	CU_ASSERT_FALSE(r->have_counter);
	r = find_row(m, "MemFree");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(30000));
	CU_ASSERT_STRING_EQUAL(r->note, "");
	r = find_row(m, "Shmem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(3000));
	CU_ASSERT_FALSE(r->have_counter);
	r = find_row(m, "Slab unreclaimable");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(4700));	/* slab and large kmalloc pages */
	r = find_row(m, "KernelStack");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, 0);
	CU_ASSERT_FALSE(r->have_map || r->have_counter);
	/* The vmalloc areas not walked: no map column. */
	r = find_row(m, "VmallocUsed");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FALSE(r->have_map);
	/* Hugetlb pages without the counter: no row. */
	CU_ASSERT_PTR_NULL(find_row(m, "Hugetlb"));
	r = find_row(m, "Reserved");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(2100));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "offline pages"));
	/* Nothing explains the other pages. */
	CU_ASSERT_EQUAL(m->unaccounted, P(5000));
	CU_ASSERT_EQUAL(m->counters_unexplained, 0);
	ms_meminfo_free(m);
}

static void test_row_notes(void)
{
	struct ms_meminfo *m = machine();
	const struct ms_meminfo_row *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->c.total = P(80100);		/* the map counts 11900 pages more */
	m->c.shmem = P(10000);		/* the map finds 7000 fewer */
	m->c.free = P(20000);		/* 10000 apart, 1000 on the per-cpu lists */
	m->c.have_hugetlb = 1;
	m->c.hugetlb = P(1024);
	m->map_pages[MS_PG_HUGETLB] = 1024;
	m->c.stack_in_vmalloc = 1;
	ms_meminfo_finish(m, NULL);
	r = find_row(m, "MemTotal");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(80100));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "map counts 46.5M than the counter: pages freed"));
	r = find_row(m, "Shmem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(10000));
	CU_ASSERT_STRING_EQUAL(r->note, "map finds 27.3M than the counter");
	r = find_row(m, "MemFree");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(20000));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "damaged memory map"));
	CU_ASSERT_PTR_NULL(strstr(r->note, "per-cpu free lists"));
	r = find_row(m, "KernelStack");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "CONFIG_VMAP_STACK"));
	r = find_row(m, "Hugetlb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(1024));
	CU_ASSERT_EQUAL(r->map_bytes, P(1024));
	CU_ASSERT_STRING_EQUAL(r->note, "");

	/* Within 2 % they agree, even above a megabyte (1000 pages of 92000); 4 % not. */
	m->c.total = P(91000);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_STRING_EQUAL(find_row(m, "MemTotal")->note, "");
	m->c.total = P(88400);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(find_row(m, "MemTotal")->note, "map counts 14.1M than"));

	/* Without the per-cpu count the map's surplus is put down to those lists. */
	m->c.have_pcp = 0;
	ms_meminfo_finish(m, NULL);
	r = find_row(m, "MemFree");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "the map counts the per-cpu free lists too"));
	ms_meminfo_free(m);
}

static void test_unaccounted(void)
{
	struct ms_meminfo *m = machine();
	const struct ms_meminfo_row *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* Stacks in vmalloc areas are vmalloc pages, not other pages. */
	m->c.stack_in_vmalloc = 1;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300 + 800));
	m->c.stack_in_vmalloc = 0;

	/* The first per-cpu chunk is memblock memory: only the rest is among the others. */
	m->c.percpu_first = 0;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300 - 300));
	m->c.percpu_first = P(300);
	m->c.have_percpu = 0;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300 + 600));
	m->c.have_percpu = 1;

	/* Page tables the type marks are not among the others. */
	m->map_pages[MS_PG_PAGETABLE] = 600;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300 + 100));
	m->map_pages[MS_PG_PAGETABLE] = 500;

	/* Secondary page tables and zsmalloc pages not marked movable are. */
	m->c.sec_pagetable = P(200);
	m->c.have_zspages = 1;
	m->c.zspages = P(400);
	m->map_pages[MS_PG_MOVABLE] = 100;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300 - 200 - 300));
	r = find_row(m, "SecPageTables");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(200));
	r = find_row(m, "Movable non-LRU");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, P(100));
	CU_ASSERT_STRING_EQUAL(r->counter, "NR_ZSPAGES");
	CU_ASSERT_EQUAL(m->nr_rows, 15);
	m->c.sec_pagetable = 0;
	m->c.have_zspages = 0;
	m->c.zspages = 0;
	m->map_pages[MS_PG_MOVABLE] = 0;

	/* A kernel with the large-kmalloc type marks them: the slab surplus is not them. */
	m->map_pages[MS_PG_LARGE_KMALLOC] = 200;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300 + 1200));
	r = find_row(m, "Slab unreclaimable");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->map_bytes, P(4200));
	CU_ASSERT_PTR_NULL(strstr(r->note, "kmalloc()s"));
	m->map_pages[MS_PG_LARGE_KMALLOC] = 0;

	/* Never below zero: counters that explain more than the other pages. */
	m->c.slab_unrec = P(40000);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, 0);
	r = find_row(m, "Unaccounted");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->bytes, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "19.5M of other pages less 19.5M"));
	CU_ASSERT_PTR_NULL(strstr(m->verdict, "unaccounted"));
	CU_ASSERT(m->counters_unexplained < 0);
	ms_meminfo_free(m);
}

/* A small machine with @other other pages of one shape, at VMEMMAP + 0x40000. */
static struct ms_meminfo *small(uint64_t other)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	struct ms_page_desc d = page(0x2000, 0xffffffff);
	uint64_t i;

	if (!m)
		return NULL;
	for (i = 0; i < other; i++)
		ms_meminfo_add_page(m, MS_PG_OTHER, &d, VMEMMAP + 0x40000 + i * 64, 0, 0);
	m->map_pages[MS_PG_SLAB] = 1000;
	m->map_pages[MS_PG_SHMEM] = 100;
	m->pages_walked = other + 1100;
	m->c.have_slab_unrec = m->c.have_shmem = 1;
	m->c.slab_unrec = P(1000);
	m->c.shmem = P(100);
	return m;
}

static void test_verdict_leak(void)
{
	struct ms_meminfo *m = small(20000);
	char want[160];
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(20000));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "unaccounted"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "20000 single pages, flags 0x2000, refcount 1,"));
	/* The example: block 16384 of 20000, from the bulk, not the first met. */
	snprintf(want, sizeof(want), "kmem 0x%016" PRIx64 "; search -k 0x%016" PRIx64,
		 VMEMMAP + 0x40000 + 16383 * 64, VMEMMAP + 0x40000 + 16383 * 64);
	CU_ASSERT_TRUE(starts(m->next, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->next, "kmem 0x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->next, "search -k"));
	ms_meminfo_free(m);

	/* The most alike is the shape with the most pages, not the first. */
	m = small(0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < 3; i++)
		ms_meminfo_add_page(m, MS_PG_OTHER, &(struct ms_page_desc){ .refcount = 2 },
				    VMEMMAP + i * 64, 0, 0);
	for (i = 0; i < 5000; i++)
		ms_meminfo_add_page(m, MS_PG_OTHER, &(struct ms_page_desc){ .refcount = 1 },
				    VMEMMAP + 0x100000 + i * 64, 0, 0);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "5000 single pages, flags 0x0, refcount 1,"));
	snprintf(want, sizeof(want), "kmem 0x%016" PRIx64 ";", VMEMMAP + 0x100000 + 4095 * 64);
	CU_ASSERT_TRUE(starts(m->next, want));
	/* As much unreclaimable slab as unaccounted: the unaccounted pages come first. */
	m->c.slab_unrec = P(5003);
	m->map_pages[MS_PG_SLAB] = 5003;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(5003));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "unaccounted"));
	m->c.slab_unrec += PS;
	m->map_pages[MS_PG_SLAB]++;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "SUnreclaim"));
	ms_meminfo_free(m);

	/* Other pages without their words: no example to show. */
	m = small(0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->map_pages[MS_PG_OTHER] = 20000;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "unaccounted"));
	CU_ASSERT_STRING_EQUAL(m->next, "kmem -i");
	ms_meminfo_free(m);
}

static void test_verdict_slab(void)
{
	struct ms_meminfo *m = small(100);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->map_pages[MS_PG_SLAB] = 50000;
	m->c.slab_unrec = P(50000);
	/* The biggest cache named is the biggest unreclaimable one. */
	ms_meminfo_add_cache(m, "dentry", P(40000), 1);
	ms_meminfo_add_cache(m, "kmalloc-256", P(30000), 0);
	ms_meminfo_add_cache(m, "kmalloc-64", P(30000), 0);
	ms_meminfo_add_cache(m, "kmalloc-8", P(10), 0);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "195.3M of unreclaimable slab (SUnreclaim)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "; biggest cache kmalloc-256 (117.2M)"));
	CU_ASSERT_STRING_EQUAL(m->top[0].name, "dentry");
	CU_ASSERT_TRUE(starts(m->next, "memsim -a"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->next, "memsim kmalloc-256 "));
	ms_meminfo_free(m);

	/* Only reclaimable caches: none to name. */
	m = small(100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->map_pages[MS_PG_SLAB] = 50000;
	m->c.slab_unrec = P(50000);
	ms_meminfo_add_cache(m, "dentry", P(40000), 1);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "SUnreclaim"));
	CU_ASSERT_PTR_NULL(strstr(m->verdict, "biggest cache"));
	CU_ASSERT_STRING_EQUAL(m->next, "memsim -a");
	ms_meminfo_free(m);

	/* Reclaimable slab weighs half: 10000 pages lose to 6000 of shmem. */
	m = small(100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->c.have_slab_rec = 1;
	m->c.slab_rec = P(10000);
	m->map_pages[MS_PG_SLAB_RECLAIMABLE] = 10000;
	m->c.shmem = P(6000);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "shmem"));
	m->c.shmem = P(4000);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "SReclaimable"));
	CU_ASSERT_STRING_EQUAL(m->next, "memsim -a");
	ms_meminfo_free(m);
}

static void test_verdict_vmalloc_and_shmem(void)
{
	struct ms_meminfo *m = small(100);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ms_meminfo_add_vmalloc(m, F_MOD + 0x20, P(30001), 30000);
	ms_meminfo_add_vmalloc(m, F_KERN, P(5), 4);
	m->map_pages[MS_PG_VMALLOC] = 30004;
	m->vm_walked = 1;
	ms_meminfo_finish(m, &sym_env);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "vmalloc pages from "
					"leak_vmalloc_buffers [memsim_leak] (1 areas)"));
	CU_ASSERT_STRING_EQUAL(m->next, "kmem -v");
	ms_meminfo_free(m);

	m = small(100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->c.shmem = P(40960);
	m->map_pages[MS_PG_SHMEM] = 40960;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "160.0M of shmem"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->next, "ipcs"));
	ms_meminfo_free(m);

	/* Nothing at all. */
	m = ms_meminfo_new(PS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_STRING_EQUAL(m->verdict, "no kernel consumer found");
	CU_ASSERT_STRING_EQUAL(m->next, "kmem -i");
	CU_ASSERT_EQUAL(m->unaccounted, 0);
	CU_ASSERT_EQUAL(m->nr_callers, 0);
	ms_meminfo_free(m);
}

/* ---- 6. the reports ---- */

static char *report(const struct ms_meminfo *m, int json, size_t callers, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);
	int rc;

	if (!out)
		return NULL;
	rc = json ? ms_meminfo_json(m, out) : ms_meminfo_text(m, callers, out);
	fclose(out);
	CU_ASSERT_EQUAL(rc, 0);
	return text;
}

/* The object of the array item holding @member, as a copy (no braces inside it). */
static int item_of(const char *text, const char *member, char *buf, size_t len)
{
	const char *at = strstr(text, member), *start, *end;

	if (!at)
		return 0;
	for (start = at; start > text && *start != '{'; start--)
		;
	end = strchr(at, '}');
	if (*start != '{' || !end || (size_t)(end - start + 2) > len)
		return 0;
	memcpy(buf, start, (size_t)(end - start + 1));
	buf[end - start + 1] = 0;
	return 1;
}

static int check_json(const char *text, size_t len)
{
	char why[300];

	if (json_check(text, len, why, sizeof(why))) {
		fprintf(stderr, "\n  invalid JSON: %s\n", why);
		return -1;
	}
	return 0;
}

static void test_json(void)
{
	struct ms_meminfo *m = machine();
	char *text, item[512], want[200];
	size_t len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	add_areas(m);
	ms_meminfo_add_vmalloc(m, F_WEIRD + 4, P(2), 1);
	ms_meminfo_add_cache(m, "kmalloc-\"q\"", P(100), 1);
	ms_meminfo_add_page(m, MS_PG_OTHER, &(struct ms_page_desc){ .flags = 0x2000, .refcount = 9 },
			    VMEMMAP + 0x40, 0, 0);
	m->map_pages[MS_PG_OTHER]--;	/* the machine counted it already */
	ms_meminfo_finish(m, &sym_env);
	text = report(m, 1, 0, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(strlen(text), len);
	CU_ASSERT_EQUAL_FATAL(check_json(text, len), 0);
	CU_ASSERT_TRUE(starts(text, "{\"schema\":\"memsim-meminfo\",\"version\":1,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"page_size\":4096,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"classes\":{\"free\":29000,\"unref\":1000,\"hugetlb\":0,\"slab\":4000,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"other\":5000}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"interrupted\":false"));
	snprintf(want, sizeof(want), "\"unaccounted_bytes\":%" PRIu64 ",", P(2300));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	snprintf(want, sizeof(want), "\"counters_unexplained_bytes\":%" PRIu64 ",", P(2300));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));

	/* meminfo rows */
	CU_ASSERT_TRUE_FATAL(item_of(text, "\"name\":\"MemFree\"", item, sizeof(item)));
	snprintf(want, sizeof(want), "\"bytes\":%" PRIu64 "}", P(29000));
	CU_ASSERT_PTR_NOT_NULL(strstr(item, want));
	snprintf(want, sizeof(want), "\"map_bytes\":%" PRIu64 ",", P(30000));
	CU_ASSERT_PTR_NOT_NULL(strstr(item, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(item, "\"counter\":\"NR_FREE_PAGES\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(item, "per-cpu free lists"));
	CU_ASSERT_TRUE_FATAL(item_of(text, "\"name\":\"Unaccounted\"", item, sizeof(item)));
	snprintf(want, sizeof(want), "\"bytes\":%" PRIu64 "}", P(2300));
	CU_ASSERT_PTR_NOT_NULL(strstr(item, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(item, "\"proc\":null,\"counter\":null,"));
	CU_ASSERT_PTR_NULL(strstr(item, "counter_bytes"));
	CU_ASSERT_TRUE_FATAL(item_of(text, "\"name\":\"KernelStack\"", item, sizeof(item)));
	CU_ASSERT_PTR_NULL(strstr(item, "map_bytes"));

	/* vmalloc callers */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"vmalloc\":{\"walked\":true,\"areas\":13,"));
	CU_ASSERT_TRUE_FATAL(item_of(text, "\"caller\":\"leak_vmalloc_buffers [memsim_leak]\"",
				     item, sizeof(item)));
	snprintf(want, sizeof(want), "\"address\":\"0x%016" PRIx64 "\",\"areas\":3,\"pages\":120,"
		 "\"bytes\":%" PRIu64 "}", F_MOD, P(123));
	CU_ASSERT_PTR_NOT_NULL(strstr(item, want));
	CU_ASSERT_TRUE_FATAL(item_of(text, "\"caller\":\"-\"", item, sizeof(item)));
	CU_ASSERT_PTR_NOT_NULL(strstr(item, "\"address\":\"0x0000000000000000\",\"areas\":2,"));
	/* Names are escaped. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"caller\":\"we\\\"ird\\\\fn [m\\u0001od]\""));
	CU_ASSERT_PTR_NULL(memchr(text, 0x01, len));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"name\":\"kmalloc-\\\"q\\\"\",\"reclaimable\":true,"));

	/* shapes and the verdict */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"pages\":1,\"blocks\":1,\"compound\":false,"
					    "\"flags\":8192,\"refcount\":4,\"mapping\":false,"
					    "\"example\":\"0xffffea0000000040\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"verdict\":{\"text\":\"largest kernel consumer: "));
	snprintf(want, sizeof(want), "\"next\":\"%s\"}}\n", m->next);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	free(text);
	ms_meminfo_free(m);
}

static void test_json_edges(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);
	char *text;
	size_t len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* Empty: every array empty, still one valid value. */
	ms_meminfo_finish(m, NULL);
	text = report(m, 1, 0, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(check_json(text, len), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"unaccounted_bytes\":0,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"unaccounted_shapes\":[],\"shape_overflow_pages\":0,"
					    "\"slab_top\":[],"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"vmalloc_callers\":[]"));
	free(text);

	/* Counters that overlap: a negative number; an interrupted walk. */
	m->c.have_free = 1;
	m->c.free = P(100);
	m->interrupted = 1;
	ms_meminfo_finish(m, NULL);
	text = report(m, 1, 0, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(check_json(text, len), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"counters_unexplained_bytes\":-409600,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"interrupted\":true"));
	free(text);
	ms_meminfo_free(m);
}

static void test_text(void)
{
	struct ms_meminfo *m = machine();
	char *text, want[1024];
	size_t len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	add_areas(m);
	ms_meminfo_add_cache(m, "kmalloc-256", P(3000), 0);
	ms_meminfo_add_cache(m, "dentry", P(2000), 1);
	ms_meminfo_add_page(m, MS_PG_OTHER, &(struct ms_page_desc){ .flags = 0x2000, .refcount = 1 },
			    VMEMMAP + 0x40, 0, 0);
	m->map_pages[MS_PG_OTHER]--;
	ms_meminfo_finish(m, &sym_env);
	text = report(m, 0, 10, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_TRUE(starts(text, "MEMORY: 359.4M in MemTotal; memory map: 94000 struct pages "
			    "walked, 0 unreadable\n"));
	snprintf(want, sizeof(want), "\nVERDICT: %s\nNEXT: %s\n", m->verdict, m->next);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nVERDICT: largest kernel consumer: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  leak_vmalloc_buffers [memsim_leak]\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  alloc_large_system_hash\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  vmalloc_user_buf\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "VMALLOC BY CALLER: 12 areas"));
	CU_ASSERT_PTR_NULL(strstr(text, "more callers"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nMemFree "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "NR_FREE_PAGES; map includes 3.9M on per-cpu free lists\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "the counters alone leave 9.0M of MemTotal in no row\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "OTHER PAGES BY SHAPE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  single    0x00002000     1      none     "
					    "ffffea0000000040\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  kmalloc-256 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  dentry                       7.8M  reclaimable\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "INTERRUPTED"));
	free(text);

	/* One caller shown, the rest counted; interrupted; overlapping counters. */
	m->interrupted = 1;
	m->callers_overflow_areas = 7;
	m->c.total = P(50000);
	ms_meminfo_finish(m, &sym_env);
	text = report(m, 0, 1, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  leak_vmalloc_buffers [memsim_leak]\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "  alloc_large_system_hash\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  ... 4 more callers (memsim -i -j lists every one)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  7 areas of further callers are not grouped\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "; INTERRUPTED: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "the counters alone add up to "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, " more than MemTotal (they overlap)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nVERDICT: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nNEXT: "));
	free(text);
	ms_meminfo_free(m);
}

/*
 * Refcount-0 pages outside buddy blocks beyond what the per-cpu lists hold are the tail
 * pages of non-compound allocations: in use, so among the others; MemFree's map is the buddy
 * blocks and the lists.
 */
static void test_unref_in_use(void)
{
	struct ms_meminfo *m = machine();
	const struct ms_meminfo_row *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->map_pages[MS_PG_UNREF] = 1000 + 750;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->loose, P(750));
	CU_ASSERT_EQUAL(m->unaccounted, P(2300 + 750));
	r = find_row(m, "MemFree");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->map_bytes, P(29000 + 1000));
	CU_ASSERT_STRING_EQUAL(r->note, "map includes 3.9M on per-cpu free lists");
	/* Without the lists' count nothing can be told apart: all unref pages count free. */
	m->c.have_pcp = 0;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->loose, 0);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300));
	ms_meminfo_free(m);
}

/*
 * Large kmallocs count in NR_SLAB_UNRECLAIMABLE_B only.  A reclaimable cache whose slabs the
 * map could not split out (its kmem_cache unread) leaves its pages in the unreclaimable
 * map: the estimate, taken over both slab rows, must not grow by them.
 */
static void test_large_kmalloc_estimate(void)
{
	struct ms_meminfo *m = machine();

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->map_pages[MS_PG_SLAB] = 4000 + 3000;
	m->map_pages[MS_PG_SLAB_RECLAIMABLE] = 0;
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300));
	/* Slab counters above the slab pages the map holds count as large kmalloc, whichever
	 * row: slab pages the map missed (unreadable) make it an overestimate, said there. */
	m->map_pages[MS_PG_SLAB] = 4000;
	m->map_pages[MS_PG_SLAB_RECLAIMABLE] = 3000;
	m->c.slab_rec = P(3500);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(m->unaccounted, P(2300 - 500));
	ms_meminfo_free(m);
}

/* An adapter that knows an address lies in a module, but no symbol there (7.x dumps open
 * only with crash's --no_modules): the module field alone. */
static int module_only_symbol(void *ctx, uint64_t addr, struct ms_symbol *sym)
{
	memset(sym, 0, sizeof(*sym));
	if (addr < 0xffffffffc0000000ULL)
		return 0;
	snprintf(sym->module, sizeof(sym->module), "no module symbols");
	return 1;
}

static void test_vmalloc_module_no_symbols(void)
{
	static const struct ms_env env = { .symbol = module_only_symbol };
	struct ms_meminfo *m = ms_meminfo_new(PS);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ms_meminfo_add_vmalloc(m, 0xffffffffc0401865ULL, 69632, 16);
	ms_meminfo_add_vmalloc(m, 0xffffffffc0401865ULL, 69632, 16);
	ms_meminfo_add_vmalloc(m, 0xffffffffc0401999ULL, 8192, 1);
	ms_meminfo_add_vmalloc(m, 0xffffffff81234567ULL, 8192, 1);
	ms_meminfo_finish(m, &env);
	/* Each address its own caller: no function is known to merge them into. */
	CU_ASSERT_EQUAL(m->nr_callers, 3);
	CU_ASSERT_STRING_EQUAL(m->callers[0].name, "0xffffffffc0401865 [no module symbols]");
	CU_ASSERT_EQUAL(m->callers[0].areas, 2);
	CU_ASSERT_EQUAL(m->callers[0].pages, 32);
	CU_ASSERT_PTR_NOT_NULL(find_caller(m, "0xffffffffc0401999 [no module symbols]"));
	CU_ASSERT_PTR_NOT_NULL(find_caller(m, "0xffffffff81234567"));
	ms_meminfo_free(m);
}

/* Nothing big: the largest consumer is named, not as a finding. */
static void test_verdict_small_consumers(void)
{
	struct ms_meminfo *m = ms_meminfo_new(PS);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->pages_walked = 100000;
	m->map_pages[MS_PG_FREE] = 95000;
	m->map_pages[MS_PG_SLAB] = 4000;
	m->c.have_total = m->c.have_slab_unrec = 1;
	m->c.total = P(100000);
	m->c.slab_unrec = P(4000);
	ms_meminfo_add_cache(m, "kernfs_node_cache", P(1000), 0);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "no kernel consumer holds 5 % of MemTotal; the "
					       "largest: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->verdict, "unreclaimable slab"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->next, "memsim -a"));
	/* At 5 % it is a finding. */
	m->c.slab_unrec = P(5000);
	ms_meminfo_finish(m, NULL);
	CU_ASSERT_EQUAL(strncmp(m->verdict, "largest kernel consumer: ", 25), 0);
	ms_meminfo_free(m);
}

static CU_TestInfo meminfo_tests[] = {
	{ "classify: inverted bits", test_classify_inv_bits },
	{ "classify: top byte", test_classify_top_byte },
	{ "classify: flags and mapping", test_classify_flags_and_mapping },
	{ "class names and tails", test_names_and_tails },
	{ "shapes", test_shapes },
	{ "shapes: refcount and mapping", test_shape_refcount_and_mapping },
	{ "shapes: overflow", test_shape_overflow },
	{ "shapes: example from the bulk", test_shape_example },
	{ "shapes: flag bits", test_shape_flag_bits },
	{ "vmalloc callers", test_vmalloc_callers },
	{ "vmalloc caller names", test_vmalloc_names },
	{ "vmalloc callers: module without symbols", test_vmalloc_module_no_symbols },
	{ "vmalloc callers: overflow", test_vmalloc_overflow },
	{ "top caches", test_top_caches },
	{ "rows", test_rows },
	{ "rows: map only", test_rows_map_only },
	{ "rows: notes", test_row_notes },
	{ "unaccounted", test_unaccounted },
	{ "unaccounted: unref pages in use", test_unref_in_use },
	{ "unaccounted: large kmalloc estimate", test_large_kmalloc_estimate },
	{ "verdict: page leak", test_verdict_leak },
	{ "verdict: slab", test_verdict_slab },
	{ "verdict: vmalloc, shmem, nothing", test_verdict_vmalloc_and_shmem },
	{ "verdict: no consumer holds 5 %", test_verdict_small_consumers },
	{ "json", test_json },
	{ "json: edges", test_json_edges },
	{ "text", test_text },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(meminfo, meminfo_tests)
