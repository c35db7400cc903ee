/*
 * meminfo.h - where the memory went (memsim -i): every page of the memory map classified,
 * vmalloc areas grouped by caller, the kernel's own counters beside them, and what neither
 * explains.
 *
 * The adapter reads each struct page's words (flags, refcount, mapping, page_type) and hands
 * them here with the bit numbers and page-type encoding it found in debuginfo; this file says
 * what the page is.  It reads the kernel's counters (vm_stat, totalram, nr_vmalloc_pages,
 * percpu, hugetlb) into struct ms_meminfo_counters; this file builds the rows, each with the
 * memory map's count and the counter's, says where they differ and why, and computes the
 * unaccounted pages: in use, inside MemTotal, and in no row.  Nothing here reads memory or
 * prints to a terminal: the text and JSON go to the FILE the caller gives.
 *
 * Classes of the memory map (a compound page's tails take their head's class):
 *   free       a buddy block: its head (the buddy page type) and the 2^order pages it spans
 *              (the adapter reads the order and extends the class over the span)
 *   unref      refcount 0 in no buddy block: the per-cpu free lists (counted free) and the
 *              tail pages of non-compound higher-order allocations (in use: order-2 stacks
 *              without VMAP_STACK, drivers' alloc_pages(order > 0)); the pcp count tells
 *              them apart in sum
 *   hugetlb    a hugetlb page (page type, or a refcount-0 compound head outside the buddy
 *              allocator: a free page of a hugetlb pool)
 *   slab       PG_slab / the slab page type; the adapter splits reclaimable caches out
 *   anon, shmem, file    page->mapping: PAGE_MAPPING_ANON set, else PG_swapbacked (tmpfs,
 *              memfd, SysV shm), else the page cache
 *   pagetable  the page-table page type
 *   vmalloc    a page some vm_struct's pages[] holds (the adapter tells)
 *   large kmalloc  the large-kmalloc page type (kernels that have it)
 *   movable    non-LRU movable pages (mapping with PAGE_MAPPING_MOVABLE: zsmalloc, balloon)
 *   reserved   PG_reserved: memblock, the kernel image, holes; outside MemTotal
 *   offline    the offline page type (ballooned out, hot-unplugged); outside MemTotal
 *   other      in use and none of these: where an alloc_pages() leak lands
 */
#ifndef MEMSIM_MEMINFO_H
#define MEMSIM_MEMINFO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "layout.h"

enum ms_page_class {
	MS_PG_FREE,
	MS_PG_UNREF,
	MS_PG_HUGETLB,
	MS_PG_SLAB,
	MS_PG_SLAB_RECLAIMABLE,
	MS_PG_ANON,
	MS_PG_SHMEM,
	MS_PG_FILE,
	MS_PG_PAGETABLE,
	MS_PG_VMALLOC,
	MS_PG_LARGE_KMALLOC,
	MS_PG_MOVABLE,
	MS_PG_RESERVED,
	MS_PG_OFFLINE,
	MS_PG_OTHER,
	MS_PG_NR
};

const char *ms_page_class_name(enum ms_page_class c);

/* How page types are encoded in page->page_type. */
enum ms_page_type_scheme {
	MS_PTYPE_NONE,		/* no page_type (before v4.18) */
	MS_PTYPE_INV_BITS,	/* a type is a bit cleared under PAGE_TYPE_BASE (v4.18-v6.11) */
	MS_PTYPE_TOP_BYTE,	/* the top byte holds the type (v6.12+, "mm: support only one
				   page_type per page") */
};

/* What the adapter found in debuginfo; a bit or type that this kernel lacks is -1. */
struct ms_page_rules {
	int pg_lru, pg_head, pg_reserved, pg_swapbacked, pg_slab;	/* page->flags bits */
	enum ms_page_type_scheme scheme;
	uint32_t type_base;		/* MS_PTYPE_INV_BITS: PAGE_TYPE_BASE */
	int64_t ty_buddy, ty_table, ty_slab, ty_offline, ty_hugetlb, ty_zsmalloc,
		ty_large_kmalloc;	/* the bit (INV_BITS) or the top byte (TOP_BYTE) */
};

/* One struct page as read. */
struct ms_page_desc {
	uint64_t flags;
	uint32_t page_type;		/* valid when the scheme is not NONE */
	int32_t refcount;
	uint64_t mapping;
	uint64_t compound_head;		/* bit 0 set: a tail page (compound_info on v7.x) */
};

/* Is @d a tail page of a compound page (its class is its head's)? */
int ms_page_is_tail(const struct ms_page_desc *d);
/*
 * The head of the tail page at @addr whose page.compound_head (page.compound_info on v7.x)
 * is @info (bit 0 set): the head's address plus one, or, where v7.x stores a mask for
 * power-of-two struct pages, ~(bytes of the folio's struct pages - 1) plus one, applied to
 * the tail's own address.  A mask has all its high bits set, a vmemmap address does not.
 */
uint64_t ms_compound_head_of(uint64_t info, uint64_t addr);
/* The head address of tail page @d at @addr. */
uint64_t ms_page_tail_head(const struct ms_page_desc *d, uint64_t addr);
/* The class of a head or single page (MS_PG_SLAB for any slab page; never VMALLOC). */
enum ms_page_class ms_page_classify(const struct ms_page_rules *r, const struct ms_page_desc *d);

/*
 * Pages of class other, grouped by shape: whether they are compound (head and tails), their
 * page flags (the zone, node and section fields above them say nothing about an owner), their
 * refcount (capped at MS_SHAPE_REFCAP) and whether page->mapping is set; flags above
 * ms_meminfo.flag_bits (__NR_PAGEFLAGS, 32 unless the adapter says) are not part of it.  An alloc_pages()
 * leak is many pages of one shape; each shape keeps an example from its bulk (the block
 * numbered by the last power of two met, not one of the first pages met at boot).
 */
#define MS_MEMINFO_SHAPES 32
#define MS_SHAPE_REFCAP 4	/* refcounts of 4 and more count as one */

struct ms_page_shape {
	uint32_t flags;
	int32_t refcount;	/* capped */
	int compound, has_mapping;
	uint64_t blocks;	/* head or single pages */
	uint64_t pages;		/* all pages, tails included */
	uint64_t example;	/* a struct page address of one of them (see above) */
};

/* vmalloc areas of one caller, after ms_meminfo_finish(): "symbol [module]" or the address. */
struct ms_vmalloc_caller {
	uint64_t addr;		/* the caller's address (the first area met), or its function */
	char name[200];		/* "leak_vmalloc_buffers [memsim_leak]" */
	uint64_t areas;
	uint64_t bytes;		/* area sizes as /proc/vmallocinfo gives them (guard pages in) */
	uint64_t pages;		/* pages mapped (vm_struct.nr_pages) */
};

#define MS_VMALLOC_CALLERS_MAX 4096	/* distinct callers kept; more count as one */

/*
 * The kernel's counters, in bytes (the adapter converts pages and kB); have_* says whether
 * this kernel keeps it and it was read.
 */
struct ms_meminfo_counters {
	uint64_t page_size;
	int have_total, have_free, have_file, have_shmem, have_anon, have_swapcache, have_buffers;
	int have_slab_rec, have_slab_unrec, have_stack, have_pagetable, have_sec_pagetable;
	int have_vmalloc, have_percpu, have_hugetlb, have_pcp, have_zspages;
	uint64_t total;		/* totalram_pages: MemTotal */
	uint64_t free;		/* NR_FREE_PAGES: MemFree */
	uint64_t file;		/* NR_FILE_PAGES: page cache, shmem and swap cache included */
	uint64_t shmem;		/* NR_SHMEM */
	uint64_t anon;		/* NR_ANON_MAPPED: AnonPages */
	uint64_t swapcache;	/* NR_SWAPCACHE */
	uint64_t buffers;	/* block device page cache (Buffers), when read */
	uint64_t slab_rec, slab_unrec;	/* NR_SLAB_[UN]RECLAIMABLE_B */
	uint64_t stack;		/* NR_KERNEL_STACK_KB */
	int stack_in_vmalloc;	/* CONFIG_VMAP_STACK: the stacks are vmalloc areas */
	uint64_t pagetable, sec_pagetable;	/* NR_PAGETABLE, NR_SECONDARY_PAGETABLE */
	uint64_t vmalloc;	/* nr_vmalloc_pages: VmallocUsed */
	uint64_t percpu;	/* pcpu_nr_populated x pcpu_nr_units: Percpu */
	uint64_t percpu_first;	/* of which the first (and reserved) chunk: memblock memory */
	uint64_t hugetlb;	/* every hstate's nr_huge_pages x its page size: Hugetlb */
	uint64_t pcp;		/* pages on the per-cpu free lists (counted free by the map) */
	uint64_t zspages;	/* NR_ZSPAGES */
};

/* One row of the rebuilt /proc/meminfo. */
struct ms_meminfo_row {
	const char *name;	/* "MemFree", "Slab unreclaimable", ... */
	const char *proc;	/* the /proc/meminfo field it matches, or NULL */
	const char *counter;	/* the kernel counter's name, or NULL */
	uint64_t bytes;		/* the row: the counter when there is one, else the map */
	int have_map, have_counter;
	uint64_t map_bytes, counter_bytes;
	char note[240];		/* why the map and the counter differ, or "" */
	int indent;		/* a part of the row above */
};

#define MS_MEMINFO_ROWS 24
#define MS_MEMINFO_TOP_CACHES 5

struct ms_meminfo_cache {
	char name[64];
	uint64_t bytes;
	int reclaimable;
};

struct ms_meminfo {
	uint64_t page_size;
	unsigned flag_bits;		/* page flags proper: __NR_PAGEFLAGS (default 32) */
	/* the memory map */
	uint64_t map_pages[MS_PG_NR];	/* pages per class */
	uint64_t pages_walked, pages_unreadable;
	int interrupted;
	struct ms_page_shape shapes[MS_MEMINFO_SHAPES];
	unsigned nr_shapes;
	uint64_t shape_overflow;	/* other pages in no kept shape */
	/* vmalloc */
	struct ms_vmalloc_caller *callers;
	size_t nr_callers;
	uint64_t callers_overflow_areas;	/* areas beyond MS_VMALLOC_CALLERS_MAX callers */
	uint64_t vm_areas, vm_bytes, vm_pages;	/* every area walked */
	uint64_t vm_areas_unreadable;
	int vm_walked;
	/* slab caches by bytes (the adapter adds them) */
	struct ms_meminfo_cache top[MS_MEMINFO_TOP_CACHES];
	unsigned nr_top;
	struct ms_meminfo_cache top_unrec;	/* the biggest unreclaimable cache */
	struct ms_meminfo_counters c;
	/* ms_meminfo_finish() */
	struct ms_meminfo_row rows[MS_MEMINFO_ROWS];
	unsigned nr_rows;
	uint64_t unaccounted;		/* bytes: other pages the counters do not explain */
	uint64_t loose;			/* bytes: unref pages beyond the per-cpu lists' count */
	int64_t counters_unexplained;	/* MemTotal minus every counter row (may be < 0) */
	char verdict[400];
	char next[160];			/* the command to run next */
};

struct ms_meminfo *ms_meminfo_new(uint64_t page_size);
void ms_meminfo_free(struct ms_meminfo *m);

/*
 * Count one page of class @c.  For MS_PG_OTHER, @d (the head's words for a tail, with
 * @is_tail set) feeds the shapes; @compound says whether the head has tails; @addr is the
 * struct page address kept as a shape's example.
 */
void ms_meminfo_add_page(struct ms_meminfo *m, enum ms_page_class c, const struct ms_page_desc *d,
			 uint64_t addr, int is_tail, int compound);

/* One vmalloc area: its caller's address, size (as vm_struct.size) and mapped pages. */
void ms_meminfo_add_vmalloc(struct ms_meminfo *m, uint64_t caller, uint64_t size, uint64_t pages);

/* A slab cache's bytes (kept when among the MS_MEMINFO_TOP_CACHES biggest). */
void ms_meminfo_add_cache(struct ms_meminfo *m, const char *name, uint64_t bytes, int reclaimable);

/*
 * After the walks, with m->c filled: callers resolved through @env (may be NULL) and merged
 * by function, ranked by pages then bytes; the rows, unaccounted bytes and the verdict.
 */
void ms_meminfo_finish(struct ms_meminfo *m, const struct ms_env *env);

/* The report (@callers: vmalloc callers printed). */
int ms_meminfo_text(const struct ms_meminfo *m, size_t callers, FILE *out);
int ms_meminfo_json(const struct ms_meminfo *m, FILE *out);

#endif
