/*
 * layout.h - what the analysis library knows about the kernel it looks at.
 *
 * The analysis library never talks to crash.  The adapter describes the kernel's address
 * space once (struct ms_layout: plain ranges, so classifying a word is pure arithmetic on
 * the hot path) and hands over a few callbacks (struct ms_env) for the slow questions that
 * are asked only about a cluster's representatives: what symbol is here, which slab cache
 * owns this address, what bytes are at this address.  Unit tests fake both.
 */
#ifndef MEMSIM_LAYOUT_H
#define MEMSIM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Where an address points, coarsely: the regions of a kernel's virtual address space. */
enum ms_region {
	MS_REGION_NONE = 0,	/* not an address of any known region */
	MS_REGION_USER,		/* user space: below the top of user space */
	MS_REGION_KTEXT,	/* kernel or module text */
	MS_REGION_KDATA,	/* kernel or module data, rodata, bss */
	MS_REGION_DIRECTMAP,	/* the direct map (slab objects live here) */
	MS_REGION_VMALLOC,	/* vmalloc/ioremap space */
	MS_REGION_VMEMMAP,	/* the struct page array */
	MS_REGION_PERCPU,	/* inside some CPU's per-cpu area */
};

struct ms_range {
	uint64_t start;	/* first address */
	uint64_t end;	/* one past the last address */
	enum ms_region region;
};

struct ms_error;
struct ms_layout_index;

/*
 * The address space, as ranges.  Ranges may overlap: the most specific wins in this order:
 * percpu, text, data (kernel image and modules, from @ranges), vmemmap, vmalloc, direct map,
 * user.  @ranges holds the kernel image and each module's text and data ranges (region
 * MS_REGION_KTEXT or MS_REGION_KDATA) and the per-cpu areas (MS_REGION_PERCPU), in any order.
 */
struct ms_layout {
	uint64_t user_top;		/* addresses below this are user space */
	struct ms_range directmap;	/* PAGE_OFFSET .. end of physical memory */
	struct ms_range vmalloc;
	struct ms_range vmemmap;
	const struct ms_range *ranges;	/* kernel/module text and data, per-cpu areas */
	size_t nr_ranges;
	uint32_t page_size;
	/* Optional, set by ms_layout_prepare(): makes ms_layout_classify() a binary search. */
	struct ms_layout_index *index;
};

/*
 * Classify @addr by @layout alone (no callbacks).  A binary search over disjoint segments
 * when @layout->index is set (ms_layout_prepare()), else a scan of every range; both give
 * the same answer.
 */
enum ms_region ms_layout_classify(const struct ms_layout *layout, uint64_t addr);

/*
 * Flatten @layout into sorted, disjoint segments, each carrying the region that wins there,
 * so that classifying an address is one binary search (a few dozen segments for a kernel
 * with modules; two per CPU for per-cpu areas).  The index copies what it needs: @layout
 * may change or go away afterwards.  Returns NULL and sets *@out, or an error (ENOMEM).
 */
struct ms_error *ms_layout_index_new(const struct ms_layout *layout,
				     struct ms_layout_index **out);
/* The region of @addr, as ms_layout_classify() would say for the layout it was built from. */
enum ms_region ms_layout_index_classify(const struct ms_layout_index *index, uint64_t addr);
/*
 * The same, also saying which segment answered: [*@first, *@end), *@end 0 when the segment
 * runs to the top of the address space.
 */
enum ms_region ms_layout_index_segment(const struct ms_layout_index *index, uint64_t addr,
				       uint64_t *first, uint64_t *end);
/* Bytes held by @index (for memory accounting). */
size_t ms_layout_index_bytes(const struct ms_layout_index *index);
/* Free an index; NULL is fine. */
void ms_layout_index_free(struct ms_layout_index *index);

/*
 * Build @layout->index from @layout itself (call again after changing the ranges; the old
 * index is freed).  ms_layout_unprepare() frees it and clears the field.
 */
struct ms_error *ms_layout_prepare(struct ms_layout *layout);
void ms_layout_unprepare(struct ms_layout *layout);

/* What a symbol lookup tells. */
struct ms_symbol {
	char name[128];		/* symbol name, "" when none */
	char module[64];	/* module name, "" for the kernel image */
	uint64_t offset;	/* addr - symbol address */
	int is_text;		/* 1 for a function, 0 for data */
};

/* What the adapter knows about a slab object that contains an address. */
struct ms_slab_object {
	uint64_t cache;		/* kmem_cache address */
	char cache_name[64];
	uint64_t object;	/* start of the object's payload */
	uint32_t object_size;	/* the cache's object_size */
	uint32_t stride;	/* the cache's slot size */
	int allocated;		/* 1 allocated, 0 free, -1 unknown */
};

/*
 * The slow questions.  Every callback may be NULL (the library then says less); each
 * returns 1 for a yes/answer filled in, 0 for no answer.
 */
struct ms_env {
	void *ctx;
	/* Read @len bytes of kernel memory at virtual address @addr into @buf. */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	/* Symbol containing @addr (kernel or module), filling @sym. */
	int (*symbol)(void *ctx, uint64_t addr, struct ms_symbol *sym);
	/* If @addr lies in a slab object, fill @obj. */
	int (*slab_object)(void *ctx, uint64_t addr, struct ms_slab_object *obj);
	/* Address of the slab cache that owns the page at @addr, or 0 (cheap, cached by the adapter). */
	uint64_t (*page_cache)(void *ctx, uint64_t addr);
	/* Nonzero when the user asked to stop (Ctrl-C). */
	int (*interrupted)(void *ctx);
};

#endif
