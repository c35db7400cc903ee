/*
 * tracks.h - SLUB's own record of every object (SLAB_STORE_USER, slub_debug=U): who allocated
 * it, who last freed its slot, on which cpu, in which task and when, summed per cluster.
 *
 * With SLAB_STORE_USER each slot carries two struct track after the object's metadata, at
 * info_end (kmem_cache.inuse, plus the free pointer's word when the free pointer lies outside
 * the object): [0] the last allocation, [1] the last free.  A track holds the caller's address,
 * the stack (TRACK_ADDRS_COUNT frames inline in addrs[] before v5.17; a stack-depot handle
 * since, commit 788691464c29 "mm/slub: use stackdepot to save stack trace in objects"), cpu,
 * pid and the jiffies of the call.  From v6.1 a kmalloc cache also keeps the size asked for
 * (orig_size, an unsigned int) right after the two tracks.  The adapter finds every offset in
 * debuginfo; this module decodes the bytes and aggregates them, with bounded memory per cluster:
 *   - call sites and stacks: exact while they fit (MS_TRACK_SITES, MS_TRACK_STACKS), then
 *     Space-Saving (a new one takes the place of the smallest, inheriting its count as error,
 *     so the biggest ones stay, each flagged with its possible overcount);
 *   - ages: exact oldest and youngest; the median from a uniform sample of MS_TRACK_AGE_SAMPLE
 *     objects (the lowest address hashes, reproducible), exact while the cluster is no bigger;
 *   - pids: Space-Saving over MS_TRACK_PIDS; cpus: the set of those seen (up to MS_TRACK_CPUS);
 *   - requested sizes (orig_size): Space-Saving over MS_TRACK_SIZES.
 */
#ifndef MEMSIM_TRACKS_H
#define MEMSIM_TRACKS_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

#define MS_TRACK_MAX_FRAMES 64	/* frames kept per stack (the depot keeps up to 64) */
#define MS_TRACK_SITES 32
#define MS_TRACK_STACKS 16
#define MS_TRACK_PIDS 8
#define MS_TRACK_SIZES 8
#define MS_TRACK_CPUS 1024
#define MS_TRACK_AGE_SAMPLE 2048

/* Where a slot's tracks are, and struct track's members (offsets in bytes). */
struct ms_track_layout {
	uint32_t info_end;	/* track[0] from the object's first byte */
	uint32_t size;		/* sizeof(struct track) */
	uint32_t addr, cpu, pid, when;
	int32_t handle;		/* depot_stack_handle_t handle, or -1 (inline frames) */
	int32_t addrs;		/* unsigned long addrs[], or -1 */
	uint32_t nr_addrs;	/* its length (TRACK_ADDRS_COUNT) */
	int32_t orig_size;	/* the requested size from the object's first byte, or -1 */
};

/* One track, decoded. */
struct ms_track {
	uint64_t addr;		/* the caller; 0: never recorded */
	uint32_t handle;	/* stack-depot handle, 0 when none */
	int32_t cpu, pid;
	uint64_t when;		/* jiffies */
	uint32_t nr_frames;	/* inline frames (addrs[] up to its first 0) */
	uint64_t frames[MS_TRACK_MAX_FRAMES];
};

/*
 * Decode track @which (0: allocation, 1: free) of the object whose first byte is @obj; the
 * slot must hold at least info_end + 2 * size bytes from there.  Returns 1, or 0 for a track
 * that was never written (addr 0).
 */
int ms_track_decode(const struct ms_track_layout *l, const uint8_t *obj, int which,
		    struct ms_track *t);
/* The requested size (orig_size) of the object at @obj, or 0 when the layout has none. */
uint32_t ms_track_orig_size(const struct ms_track_layout *l, const uint8_t *obj);

/*
 * A counted value with its Space-Saving error (0 while the table never overflowed).  Call
 * sites also keep the jiffies of their oldest and newest track (as SLUB's own alloc_traces
 * does), from the first track seen since the site took its slot.
 */
struct ms_track_count {
	uint64_t key, count, error;
	uint64_t when_min, when_max;	/* sites only */
};

/* A distinct stack: its depot handle (0 for inline frames) and frames once known. */
struct ms_track_stack {
	uint64_t key;		/* the handle, or a hash of the inline frames */
	uint64_t count, error;
	uint64_t site;		/* the caller address of the first object seen with it */
	uint32_t handle;
	uint32_t nr_frames;	/* 0 until fetched (handles) */
	int status;		/* enum ms_depot_status once fetched, 0 otherwise */
	uint64_t frames[MS_TRACK_MAX_FRAMES];
};

/* One kind of track (allocation or free) over the objects of one cluster. */
struct ms_track_agg {
	uint64_t objects;	/* objects whose track was read */
	uint64_t empty;		/* of those, never recorded (addr 0) */
	size_t nr_sites;
	struct ms_track_count sites[MS_TRACK_SITES];	/* by count once finished */
	int sites_overflow;	/* Space-Saving took over: counts carry errors */
	size_t nr_stacks;
	struct ms_track_stack stacks[MS_TRACK_STACKS];
	int stacks_overflow;
	size_t nr_pids;
	struct ms_track_count pids[MS_TRACK_PIDS];
	int pids_overflow;
	size_t nr_sizes;
	struct ms_track_count sizes[MS_TRACK_SIZES];	/* orig_size, when the layout has it */
	int sizes_overflow;
	uint64_t cpus[MS_TRACK_CPUS / 64];	/* bit set: seen */
	uint64_t cpus_beyond;			/* tracks with a cpu >= MS_TRACK_CPUS or < 0 */
	uint64_t when_min, when_max;		/* over every recorded track */
	uint64_t future;			/* tracks later than the dump's jiffies, among
						 * the age sample (all while the cluster fits it:
						 * the dump's jiffies are known only at the end) */
	/* the age sample: the MS_TRACK_AGE_SAMPLE lowest address hashes (a max-heap on hash) */
	size_t nr_sample;
	uint64_t sample_hash[MS_TRACK_AGE_SAMPLE];
	uint64_t sample_when[MS_TRACK_AGE_SAMPLE];
	/* after ms_tracks_finish(): */
	double age_min_s, age_median_s, age_max_s;
	int median_sampled;	/* 1: the median comes from the sample */
};

/* Per cluster: [0] the allocation tracks, [1] the free tracks. */
struct ms_cluster_tracks {
	struct ms_track_agg kind[2];
};

struct ms_tracks {
	struct ms_track_layout layout;
	size_t nr_clusters;
	struct ms_cluster_tracks *clusters;
	uint64_t objects;		/* objects added */
	uint64_t unclustered;		/* objects of no kept cluster (not added) */
	uint64_t now;			/* the dump's jiffies (ms_tracks_finish) */
	unsigned hz;
	int interrupted;		/* the pass stopped early: partial */
};

/* Aggregates for @nr_clusters clusters; NULL when out of memory. */
struct ms_tracks *ms_tracks_new(const struct ms_track_layout *l, size_t nr_clusters);
void ms_tracks_free(struct ms_tracks *t);
/* Bytes one cluster's aggregates take (for the docs' memory bound). */
size_t ms_tracks_bytes_per_cluster(void);

/*
 * Add the object at @obj (kernel address @addr) to cluster @cluster (-1: counted as
 * unclustered only).  An allocated object adds its allocation track; a free one (@is_free)
 * both its tracks: who allocated it, and who freed it.
 */
void ms_tracks_add(struct ms_tracks *t, long cluster, int is_free, const uint8_t *obj,
		   uint64_t addr);

/* Sort sites, stacks and pids by count; ages against @now jiffies at @hz per second. */
void ms_tracks_finish(struct ms_tracks *t, uint64_t now, unsigned hz);

/*
 * The ages in seconds of @site's oldest (*@oldest) and newest (*@youngest) track, against the
 * dump's jiffies and HZ given to ms_tracks_finish().
 */
void ms_track_site_ages(const struct ms_tracks *t, const struct ms_track_count *site,
			double *oldest, double *youngest);

/* The aggregate of @which (0 allocation, 1 free) for @cluster, or NULL. */
const struct ms_track_agg *ms_tracks_get(const struct ms_tracks *t, size_t cluster, int which);

/* The stack of @agg most common at @site, or NULL. */
const struct ms_track_stack *ms_track_site_stack(const struct ms_track_agg *agg, uint64_t site);

/*
 * The cpus of @agg as a list of ranges ("0-3,6"), into @buf; "" when none was seen.
 */
void ms_track_cpus(const struct ms_track_agg *agg, char *buf, size_t len);

#endif
