/*
 * feeder.h - feeding a clustering engine from two threads, so that reading slabs and
 * counting them overlap.
 *
 * The caller's thread (the only one that may call into crash) reads a slab and hands it to
 * ms_feeder_feed(), which copies it into a free slot of a bounded ring and prepares it
 * there: tokens and keys, the part that may ask the env which cache owns a page.  A worker
 * thread takes the slots in order and counts them into the engine's tables.  The same
 * objects reach the same tables in the same order as through ms_engine_feed_slab(), so the
 * result is the same; only the wall time differs (the ring lets the caller read ahead).
 *
 * Between ms_engine_begin_pass() and ms_feeder_drain() the caller must touch the engine
 * only through the feeder; after the drain the worker sleeps and the engine is the
 * caller's again (end the pass, begin the next, feed again).  The worker blocks every
 * signal, so Ctrl-C reaches the caller's thread, whose walk stops feeding; the drain then
 * takes what is queued, at most the ring's few megabytes.  The ring is charged to the
 * engine's memory budget.
 */
#ifndef MEMSIM_FEEDER_H
#define MEMSIM_FEEDER_H

#include <stddef.h>

#include "engine.h"
#include "error.h"
#include "slabview.h"

#define MS_FEEDER_DEFAULT_RING (4UL << 20)

struct ms_feeder;

/*
 * A feeder for @e with a ring of about @ring_bytes (0: the default; at least 4 slots) and
 * its worker thread.  Returns NULL and sets *@out, or an error: MS_ERR_LIMIT when the
 * engine's budget cannot hold the ring, MS_ERR_NOMEM, MS_ERR_IO when no thread can be made.
 * The caller can always fall back to ms_engine_feed_slab().
 */
struct ms_error *ms_feeder_new(struct ms_engine *e, size_t ring_bytes, struct ms_feeder **out);
/* Prepare slab @v (caller's thread) and queue it for counting; waits while the ring is full. */
void ms_feeder_feed(struct ms_feeder *f, const struct ms_slab_view *v);
/* Wait until the worker has counted everything queued. */
void ms_feeder_drain(struct ms_feeder *f);
/* Where the time went, for -t: which side was the slower one. */
struct ms_feeder_stats {
	unsigned long full;	/* batches that found the ring full */
	double counting_s;	/* the worker's time counting */
	double waiting_s;	/* the caller's time waiting for a free slot */
};
void ms_feeder_stats(struct ms_feeder *f, struct ms_feeder_stats *st);
/* Drain, stop the worker, free the ring; NULL is fine. */
void ms_feeder_free(struct ms_feeder *f);

#endif
