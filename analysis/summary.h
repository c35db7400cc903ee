/*
 * summary.h - what the walker found about a cache, for the report.
 *
 * The adapter fills this from the slab walk; the report prints it as the cache summary
 * line and the notes under it (pages skipped, freelist findings, sampling).
 */
#ifndef MEMSIM_SUMMARY_H
#define MEMSIM_SUMMARY_H

#include <stdint.h>

struct ms_cache_summary {
	char name[64];
	uint64_t cache_addr;	/* kmem_cache address */
	uint32_t object_size;	/* kmem_cache.object_size */
	uint32_t stride;	/* kmem_cache.size */
	uint32_t slab_size;	/* bytes of the usual slab (PAGE_SIZE << order) */
	uint64_t slabs;		/* slabs walked */
	uint64_t allocated;	/* allocated objects */
	uint64_t total;		/* object slots */
	uint64_t free;		/* total - allocated */
	/* What could not be seen, or looked wrong. */
	uint64_t slabs_unreadable;	/* slabs whose pages could not be read */
	uint64_t pages_unreadable;	/* struct page ranges that could not be read (pages) */
	uint64_t freelist_errors;	/* corrupt freelists (cycle, pointer outside the slab) */
	uint64_t inconsistent;		/* live: slabs that changed under every re-read */
	/*
	 * The cache's own counters (kmem_cache_node nr_slabs/total_objects, CONFIG_SLUB_DEBUG),
	 * summed over nodes, against what the memory map gave.  Compared only after a whole walk
	 * (not sampled, not interrupted).
	 */
	int node_counters;		/* node_slabs and node_objects were read */
	int live;			/* a live system: slabs come and go during the walk */
	uint64_t node_slabs, node_objects;
	uint64_t slabs_missing;		/* counted by the node counters, not in the memory map */
	uint64_t objects_missing;	/* node_objects - total, when slabs are missing */
	uint64_t slabs_extra;		/* in the memory map beyond what the counters count */
	uint64_t slabs_implausible;	/* struct slabs whose counters cannot be right: skipped */
	uint64_t cpu_slabs_missing;	/* a CPU's active slab of the cache the walk never met */
	uint64_t sheaf_objects_dropped;	/* sheaf-held free objects not kept (memory): allocated */
	/* Sampling (-S N): only @slabs of @slabs_in_cache were read; counts are estimates. */
	int sampled;
	uint64_t slabs_in_cache;
	/* Other names merged into this cache (slab merging), comma-separated, or "". */
	char aliases[256];
	int interrupted;	/* the user pressed Ctrl-C: counts cover what was walked */
};

#endif
