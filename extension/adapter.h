/*
 * adapter.h - the crash adapter's internal interfaces.
 *
 * Everything here talks to crash (defs.h): discovering SLUB's layout from debuginfo, finding
 * caches, walking every slab of a cache, and describing the kernel to the analysis library.
 * Nothing here decides what a pattern means: that is analysis/'s job.
 */
#ifndef MEMSIM_ADAPTER_H
#define MEMSIM_ADAPTER_H

#include <stdint.h>

#include "freelist.h"
#include "slabview.h"
#include "summary.h"

/* How a slab page is recognised. */
enum slab_mark {
	SLAB_MARK_FLAG,		/* PG_slab bit in page.flags (before v6.10) */
	SLAB_MARK_TYPE_INV,	/* page.page_type inverted bit under PAGE_TYPE_BASE (v6.10/6.11) */
	SLAB_MARK_TYPE_BYTE,	/* top byte of page.page_type == PGTY_slab (v6.12+) */
};

/* SLUB's layout in this kernel, discovered once per session from debuginfo. */
struct slub_layout {
	int ready;
	int page_size;
	long page_struct_size;
	long page_flags;		/* page.flags */
	long page_compound_head;	/* page.compound_head (tail pages have bit 0 set) */
	long page_type;			/* page.page_type, or -1 */
	enum slab_mark mark;
	uint64_t mark_value;		/* PG_slab bit, page-type bit, or PGTY_slab */
	const char *slab_struct;	/* "slab" (v5.17+) or "page" */
	long slab_cache;		/* <slab_struct>.slab_cache */
	long slab_freelist;		/* <slab_struct>.freelist */
	long slab_counters;		/* <slab_struct>.counters: inuse:16 objects:15 frozen:1 */
	/* struct kmem_cache */
	long kc_name, kc_object_size, kc_size, kc_offset, kc_random, kc_red_left_pad;
	long kc_cpu_slab, kc_node, kc_oo, kc_min, kc_list, kc_refcount, kc_flags;
	long kc_inuse, kc_ctor;
	long kc_struct_size;
	/* struct kmem_cache_cpu (-1 when the kernel has none) */
	long kcc_freelist, kcc_slab;
	/* struct kmem_cache_node */
	long kcn_nr_slabs, kcn_total_objects, kcn_nr_partial;
	/*
	 * Sheaves (v6.18+): kmem_cache.cpu_sheaves -> per-cpu slub_percpu_sheaves {main, spare,
	 * rcu_free} -> slab_sheaf {size, objects[]}; node barns hold lists of full and empty
	 * sheaves, at kmem_cache_node.barn (v6.18) or kmem_cache.per_node[n].barn (v7.1+,
	 * where per_node[n].node replaces kmem_cache.node[n]).  -1 where absent.
	 */
	long kc_cpu_sheaves, kc_per_node, kcpn_size, kcpn_node, kcpn_barn, kcn_barn;
	long pcs_main, pcs_spare, pcs_rcu_free;
	long sheaf_size, sheaf_objects, sheaf_barn_list;
	long barn_full, barn_empty;
};

/* Discover the layout (once); on failure print one line with error(INFO) and return 0. */
int slub_layout_init(struct slub_layout *l);

/* Is the struct page in @page (its bytes) marked as a slab page? */
int slab_page_is_marked(const struct slub_layout *l, const char *page);

#define CACHE_MAX_NODES 64

/* One cache, as read from its struct kmem_cache. */
struct cache_info {
	uint64_t addr;
	char name[64];
	uint32_t object_size, size, offset, red_left_pad;
	uint64_t random;
	uint32_t oo_order, oo_objects;	/* the usual slab: order and objects per slab */
	uint32_t max_objects;		/* upper bound on objects in any slab of this cache */
	uint64_t cpu_slab;		/* __percpu pointer to kmem_cache_cpu */
	int refcount;			/* > 1: other caches were merged into this one */
	/* From the node counters (CONFIG_SLUB_DEBUG): cross-checks and sampling. */
	uint64_t node_slabs, node_objects;
	int have_node_counters;
	uint64_t cpu_sheaves;		/* __percpu slub_percpu_sheaves (v6.18+), or 0 */
	uint64_t barns[CACHE_MAX_NODES];	/* each node's barn, 0 where none */
	int nr_barns;
	int reclaimable;		/* SLAB_RECLAIM_ACCOUNT (filled by cache_list) */
	uint32_t inuse;			/* kmem_cache.inuse: where the metadata starts */
	uint32_t flags;			/* kmem_cache.flags (slab_flags_t) */
	uint64_t ctor;			/* kmem_cache.ctor */
};

/* Find the cache named @name; on failure print why (with the closest names) and return 0. */
int cache_lookup(const struct slub_layout *l, const char *name, struct cache_info *ci);
/*
 * Every cache on slab_caches, read (malloc'd array into *@out, *@nr of them; the caller
 * frees it); caches whose kmem_cache cannot be read are counted in *@unreadable.  Returns 0
 * after printing why when the list cannot be read at all.
 */
int cache_list(const struct slub_layout *l, struct cache_info **out, size_t *nr,
	       size_t *unreadable);
/* Names of caches merged into @ci (slab aliases), comma-separated into @buf. */
void cache_aliases(const struct cache_info *ci, char *buf, size_t len);

/* A fault found in a freelist during the walk. */
struct walk_fault {
	uint64_t slab;		/* slab (struct slab / struct page) address */
	uint64_t base;		/* first byte of the slab's memory */
	struct ms_freelist_fault fault;
	int cpu;		/* the CPU whose freelist it was, or -1 for the slab's own */
};

#define WALK_MAX_FAULTS 16

/* A struct slab whose counters cannot be right (skipped), or a CPU slab never met. */
struct walk_bad_slab {
	uint64_t slab;		/* struct slab (struct page) address */
	uint64_t counters;	/* its counters word as read (inuse:16 objects:15 frozen:1) */
	int cpu;		/* >= 0: the CPU whose active slab was not in the memory map */
};

struct walk_options {
	uint64_t sample;	/* read only this many evenly spread slabs (0: all) */
	int progress;		/* show progress on the terminal */
	int list_slabs;		/* print one line per slab walked */
	int read_only;		/* benchmark floor: read the slabs, decode and analyse nothing */
	int live_retries;	/* live system: re-reads of a slab that changed under the walk */
};

struct walk_result {
	struct ms_cache_summary summary;
	uint64_t sheaf_objects;		/* objects found in per-CPU sheaves and node barns */
	uint64_t sheaf_objects_matched;	/* of those, in slabs walked (counted free there) */
	enum ms_fp_encoding encoding;	/* MS_FP__COUNT while not yet seen */
	uint64_t bytes_read;		/* slab bytes read */
	uint64_t struct_page_bytes;	/* struct page bytes scanned */
	int list_encoding;		/* say which free-pointer encoding was found (-l) */
	size_t nr_faults;		/* faults kept (the count is in summary.freelist_errors) */
	struct walk_fault faults[WALK_MAX_FAULTS];
	size_t nr_bad;			/* implausible or missing CPU slabs kept, the first ones */
	struct walk_bad_slab bad[WALK_MAX_FAULTS];
};

/*
 * During a scan: put memsim's Ctrl-C handler back if a crash call replaced it (crash's
 * gdb_interface() installs its restart() after every gdb request, MEMBER_OFFSET included;
 * a Ctrl-C under restart() would longjmp out of the scan).  Cheap: one sigaction() query.
 */
void scan_keep_sigint(void);

/* Called for every slab walked, with its bytes and allocation bitmap. */
typedef void (*slab_fn)(void *arg, const struct ms_slab_view *view);


/*
 * One pass over the memory map (memmap.c): each node's struct pages, MEMMAP_CHUNK_PAGES at a
 * time into @buf (MEMMAP_CHUNK_PAGES x page_struct_size bytes), handed to @pages; struct pages
 * that cannot be read go to @lost; @progress (may be NULL) after each chunk with the pages
 * done.  Stops when *@stop is set.  Returns the pages walked (holes and losses included).
 */
#define MEMMAP_CHUNK_PAGES 32768UL	/* one 128 MiB section on x86_64 */

struct memmap_pass {
	const struct slub_layout *l;
	volatile int *stop;
	char *buf;
	void (*pages)(void *arg, const char *pages, uint64_t first_addr, uint64_t first_pfn,
		      uint64_t count);
	void (*lost)(void *arg, uint64_t count);
	void (*progress)(void *arg, uint64_t done);
	void *arg;
};

uint64_t memmap_pages_total(void);
uint64_t memmap_walk(const struct memmap_pass *mp);

/*
 * Walk every slab of @ci: scan the memory map in large reads, read each slab with one read,
 * work out which objects are free, call @fn.  Stops early (summary.interrupted) when
 * *@stop becomes nonzero.  Returns 0 when the walk could not start (no memory).
 */
int slab_walk_cache(const struct slub_layout *l, const struct cache_info *ci,
		    const struct walk_options *opt, volatile int *stop, slab_fn fn, void *arg,
		    struct walk_result *res);

/*
 * The same for @nr caches at once, in one pass over the memory map: each slab head page goes
 * to its cache's walk, whose slabs are handed to @fn with @args[i] (NULL: all NULL) and
 * counted in @res[i].  Memory: one slab buffer and one chunk of struct pages for the pass,
 * plus each cache's CPU freelists.
 */
int slab_walk_caches(const struct slub_layout *l, const struct cache_info *cis, size_t nr,
		     const struct walk_options *opt, volatile int *stop, slab_fn fn,
		     void *const *args, struct walk_result *res);

#endif
