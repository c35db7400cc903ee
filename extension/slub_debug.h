/*
 * slub_debug.h - the adapter's side of slub_debug caches (slub_debug.c): layouts from debuginfo
 * and the walk that reads every object's tracks and checks its red zones and poison.
 */
#ifndef MEMSIM_SLUB_DEBUG_H
#define MEMSIM_SLUB_DEBUG_H

#include "adapter.h"
#include "engine.h"
#include "slubdebug.h"
#include "stackdepot.h"
#include "tracks.h"

struct slub_debug_info {
	int store_user, red_zone, poison;	/* the cache's debug flags */
	int have_tracks;			/* tl is usable */
	int have_depot;				/* dl is usable (handles, v5.17+) */
	int have_checks;			/* dbg is usable */
	struct ms_track_layout tl;
	struct ms_depot_layout dl;
	struct ms_debug_layout dbg;
	int orig_size_undecided;		/* its width is read from the objects */
	char note[200];				/* why something is not read */
};

struct slub_debug_result {
	struct ms_tracks *tracks;		/* NULL without tracks */
	struct ms_debug_findings *findings;	/* NULL without red zones or poison */
	uint64_t now;				/* the dump's jiffies */
	unsigned hz;
	const char *hz_source;			/* where hz was read: "clocksource_jiffies", ... */
	uint64_t slabs;				/* slabs walked */
	uint64_t stacks_read, stacks_failed;	/* depot fetches */
	uint32_t orig_size_len;			/* the width checked (4, 8); 0: no orig_size */
	uint32_t orig_size_votes;		/* the objects that told it */
	int interrupted;
};

/*
 * Read @ci's debug flags and, where they are on, the layouts.  Returns 1 when the cache has
 * any of SLAB_STORE_USER, SLAB_RED_ZONE and SLAB_POISON (then @sd says what can be read and
 * why not the rest), 0 for a cache without them.
 */
int slub_debug_discover(const struct cache_info *ci, struct slub_debug_info *sd);

/*
 * Walk @ci once more: each object's tracks to its cluster of @e (@nr_clusters kept; free
 * objects only with @include_free), each object checked; then the stacks read from the depot.
 * Fills @out (free it with slub_debug_result_free()).  Returns 0 when out of memory.
 */
int slub_debug_pass(const struct slub_layout *l, const struct cache_info *ci,
		    const struct slub_debug_info *sd, struct ms_engine *e, size_t nr_clusters,
		    const struct walk_options *wopt, int include_free, const struct ms_env *env,
		    volatile int *stop, struct slub_debug_result *out);

void slub_debug_result_free(struct slub_debug_result *r);

#endif
