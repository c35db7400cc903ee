/*
 * engine.h - the clustering engine: which objects of a cache are alike, and how many.
 *
 * The walker feeds the engine one slab at a time (struct ms_slab_view).  Each analysed
 * object is normalised (token.h) and counted at two levels, both hashed with xxh3:
 *   - its exact content (object_size bytes): duplicates and the number of distinct contents;
 *   - its pattern, the token sequence: the cluster it belongs to.  Token arguments of self,
 *     slab, ktext and kdata words are part of the pattern: the same function pointer or ops
 *     table at the same offset is the strongest evidence that two objects are one type.
 * At the end of a pass the biggest patterns become candidates; every other pattern joins the
 * candidate it is most similar to under the fuzzy join rule (join.h), or stays unclustered;
 * then smaller candidates join bigger ones by the same rule.  Each resulting cluster gets a
 * per-offset consensus (struct ms_word): dominant kind and its share, constant value or
 * varying bits, min and max.
 *
 * Memory is bounded whatever the cache size (MS_ENGINE_DEFAULT_MEM_LIMIT, or
 * config.mem_limit).  The engine plans its tables at creation so that everything it may
 * hold, results included, fits the limit, and every allocation is counted (memacct.h):
 *   - patterns: up to MS_ENGINE_PATTERN_SLOTS (32768) records, each holding the pattern,
 *     per-word statistics, a sample of addresses and one representative's bytes;
 *   - contents: up to MS_ENGINE_CONTENT_SLOTS (2^20) counters of 40 bytes, and once the
 *     table has swept mostly singletons a Bloom-filter doorkeeper of one byte per slot
 *     (engine_int.h), taken from the budget's slack and freed with its pass;
 *   - distinct counts: two 16 KiB HyperLogLog sketches; a 64 KiB page->cache memo;
 *   - pass 2 only, in the dropped pattern table's room: the host memo (MS_HOST_MEMO_SLOTS
 *     up to 2^22 entries of 16 bytes, two per distinct pattern of pass 1).
 * Both tables are exact until full, then Misra-Gries (hhtable.h).  For kmalloc-32 the peak
 * is about 52 MB in one pass and 77 MB in two (measured with both tables full, -t prints
 * it), the same for ten million or 400 million objects, since nothing grows once the tables
 * are full; a smaller limit shrinks the tables (MS_ERR_LIMIT only if even 64 pattern records
 * cannot fit).
 *
 * Exactness: when the pattern table never had to evict in pass 1, every reported count is
 * exact after one pass.  Otherwise ms_engine_end_pass() asks for a second pass over the same
 * slabs, in which only the candidates chosen from pass 1 are counted, exactly, with their
 * consensus, examples and joins recomputed from scratch; everything else is tested against
 * the candidates with the join rule.  Misra-Gries keeps every pattern that holds more than
 * 2/32768 of the objects, so no big pattern is lost.  The distinct-content count is exact
 * while the content table has room and a HyperLogLog estimate (flagged) after; the largest
 * group of byte-identical objects per cluster is exact unless its content table evicted
 * (then a lower bound, flagged).
 *
 * Examples are a uniform sample: the MS_ENGINE_EXAMPLES objects of the cluster whose
 * addresses hash lowest (a fixed seed), so they are spread over the cache, reproducible, and
 * independent of the order slabs arrive in.  The representative is the lowest-hashing object
 * with the cluster's main pattern.
 *
 * Free objects: with include_free, free objects are analysed too, as their own class (their
 * own clusters, never joined with allocated ones, marked is_free); otherwise only counted.
 *
 * Verdict (about the biggest allocated cluster D, share s = D.count / allocated objects;
 * D is informative when some word with a ktext, kdata, self, list_poison, slab_poison or
 * ascii consensus holds in at least 90 % of D):
 *   likely leak          s >= 50 %, D informative, D.count >= MS_VERDICT_MIN_OBJECTS, and
 *                        a general-purpose cache (see below)
 *   dominant pattern     s >= 50 % otherwise, or s >= 25 % and D informative
 *   weak                 s >= 10 %
 *   no dominant pattern  otherwise, or nothing allocated
 * A dedicated cache (any cache but the general-purpose ones, ms_cache_is_general()) holds
 * one type by design, so there alike objects are the norm, not evidence: its verdict stops
 * at "dominant pattern", saying why; the user weighs the cache's size instead.
 */
#ifndef MEMSIM_ENGINE_H
#define MEMSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "layout.h"
#include "pattern.h"
#include "slabview.h"

#define MS_ENGINE_DEFAULT_MEM_LIMIT (256UL << 20)
#define MS_ENGINE_DEFAULT_TOP_N 10
#define MS_ENGINE_MAX_TOP_N 64
#define MS_ENGINE_EXAMPLES 64
#define MS_ENGINE_PATTERN_SLOTS 32768u
#define MS_ENGINE_CONTENT_SLOTS (1u << 20)
#define MS_VERDICT_MIN_OBJECTS 1000

struct ms_engine_config {
	const char *cache_name;
	uint64_t cache_addr;		/* kmem_cache address: "same cache" pointers */
	uint32_t object_size;		/* payload bytes analysed per object */
	uint32_t stride;		/* slot size: bytes = count * stride */
	const struct ms_layout *layout;	/* must outlive the engine */
	const struct ms_env *env;	/* may be NULL; must outlive the engine */
	int include_free;		/* analyse free objects too, as their own class */
	unsigned top_n;			/* clusters kept per class (0: default, max 64) */
	size_t mem_limit;		/* bytes (0: MS_ENGINE_DEFAULT_MEM_LIMIT) */
	int keep_classifier;		/* keep what ms_engine_cluster_of() needs after the result */
	/* Tuning for tests; 0 means the defaults above. */
	uint32_t pattern_slots;		/* cap on pattern records */
	uint32_t content_slots;		/* cap on content counters */
};

enum ms_verdict {
	MS_VERDICT_NONE = 0,	/* no dominant pattern */
	MS_VERDICT_WEAK,	/* a pattern stands out a little */
	MS_VERDICT_DOMINANT,	/* a pattern dominates but is not clearly a leak */
	MS_VERDICT_LEAK,	/* likely leak */
};

/* "no dominant pattern", "weak", "dominant pattern", "likely leak". */
const char *ms_verdict_name(enum ms_verdict verdict);

/*
 * Is @name a general-purpose cache, whose objects are of many types: kmalloc-N and its
 * variants (kmalloc-cg-N, kmalloc-rcl-N, dma-kmalloc-N, kmalloc-rnd-K-N) and SLAB's size-N?
 * The engine's verdict treats every other cache as dedicated to one type.
 */
int ms_cache_is_general(const char *name);

/* One cluster of alike objects. */
struct ms_cluster {
	uint64_t count;			/* objects in the cluster (exact) */
	double fraction;		/* count / objects of its class analysed */
	uint64_t bytes;			/* count * stride */
	int is_free;			/* a cluster of free objects (include_free) */
	uint64_t own;			/* objects with exactly the main pattern */
	uint64_t similar;		/* objects that joined by similarity: count - own */
	uint32_t nr_patterns;		/* candidate (biggest) patterns merged; 1: its own */
	uint64_t largest_dup;		/* largest group of byte-identical objects in it */
	int largest_dup_exact;		/* 0: a lower bound (the content table evicted) */
	struct ms_pattern pattern;	/* per-offset consensus; pattern.count == count */
	size_t nr_examples;
	uint64_t examples[MS_ENGINE_EXAMPLES];	/* addresses, ascending */
	uint64_t rep_addr;		/* the representative object */
	uint8_t *rep;			/* its object_size bytes */
};

struct ms_result {
	char cache_name[64];
	uint64_t cache_addr;
	uint32_t object_size, stride;
	uint64_t allocated;		/* allocated objects seen (and analysed) */
	uint64_t free;			/* free objects seen (analysed only with include_free) */
	int include_free;
	uint64_t distinct_contents;	/* distinct contents among allocated objects */
	int distinct_estimated;		/* 1: a HyperLogLog estimate */
	uint64_t distinct_patterns;	/* distinct patterns among allocated objects */
	int patterns_estimated;
	unsigned passes;		/* 1 or 2 */
	uint64_t evictions;		/* pattern-table evictions in pass 1 (0: one pass did) */
	uint64_t unclustered;		/* analysed objects close to no candidate */
	uint64_t pass_mismatch;		/* objects pass 2 saw more or fewer than pass 1 */
	int approximate;		/* counts are not exact: settled, or passes differed */
	uint64_t slabs_skipped;		/* views whose geometry did not match the config */
	size_t nr_clusters_total;	/* clusters found, before keeping top_n per class */
	size_t nr_clusters;		/* clusters kept, biggest first */
	struct ms_cluster *clusters;
	unsigned top_n;
	size_t mem_peak;		/* most bytes the engine held */
	size_t mem_limit;
	enum ms_verdict verdict;
	double verdict_share;		/* share of the biggest allocated cluster */
	char verdict_line[256];		/* "likely leak: 99.5% of allocated objects ..." */
};

struct ms_engine;

/*
 * Check @cfg, plan the memory, allocate the engine.  Returns NULL and sets *@out, or an
 * error: MS_ERR_INVALID (no layout, object_size 0, stride < object_size), MS_ERR_LIMIT (the
 * limit cannot hold the minimum tables for this object size), MS_ERR_NOMEM.
 */
struct ms_error *ms_engine_new(const struct ms_engine_config *cfg, struct ms_engine **out);

/* Start a pass (the first, or the one ms_engine_end_pass() asked for). */
void ms_engine_begin_pass(struct ms_engine *e);

/*
 * Analyse the allocated objects of one slab, and its free ones with include_free (free ones
 * are counted either way).  A view whose object_size differs from the config's, or whose
 * stride is smaller, is skipped and counted.  Never fails: if memory runs short the tables
 * stop growing and evict, which only ever costs a second pass.
 */
void ms_engine_feed_slab(struct ms_engine *e, const struct ms_slab_view *v);

/*
 * End the pass.  Returns 1 when another pass over the same slabs is needed for exact
 * counts (call ms_engine_begin_pass() and feed them all again), 0 when the result is
 * ready, -1 on failure (ms_engine_error() says why).
 */
int ms_engine_end_pass(struct ms_engine *e);

/*
 * Finish without an exact second pass, for a caller that cannot make one (the user pressed
 * Ctrl-C).  Pending pass 2 not begun: the clusters come from pass 1's tables; each pattern's
 * count is a lower bound: Misra-Gries' (short by at most 2N / 32768), or the distinct
 * objects its record sampled if more (a cluster never lists more examples than it counts);
 * objects of rare patterns that were evicted are missing from their clusters.  Pass 1 or 2
 * under way: it ends with what was fed.
 * Either way the result is flagged approximate (unless pass 1 never evicted, when it is
 * exact).  Returns 0, or -1 on failure (ms_engine_error()).
 */
int ms_engine_settle(struct ms_engine *e);

/* The result once ms_engine_end_pass() returned 0, else NULL; owned by the engine. */
const struct ms_result *ms_engine_result(const struct ms_engine *e);

/*
 * The result, handed over: the caller may fill its words (symbols, meanings, targets) and
 * frees it with ms_result_free().  NULL if not ready or already taken.
 */
struct ms_result *ms_engine_take_result(struct ms_engine *e);

/* Why ms_engine_end_pass() failed, or NULL; owned by the engine. */
const struct ms_error *ms_engine_error(const struct ms_engine *e);

/* Bytes the engine holds now and at most so far (all its allocations). */
size_t ms_engine_mem_used(const struct ms_engine *e);
size_t ms_engine_mem_peak(const struct ms_engine *e);
/* Pattern-table evictions so far in pass 1 (0 while every count is exact). */
uint64_t ms_engine_evictions(const struct ms_engine *e);

/*
 * After the result (config.keep_classifier): the index of the kept cluster of
 * ms_engine_result()'s clusters[] that the object at @obj (its object_size bytes, at kernel
 * address @addr, free when @is_free) belongs to, by the same rule the counting pass used: its
 * pattern's candidate, else the candidate its pattern joins (memoised per pattern).  -1 when
 * it belongs to none that was kept (unclustered, a cluster beyond top_n, or a free object
 * without include_free).  Fed the same objects again, the clusters' counts come out equal.
 * On the caller's thread only: it tokenises, asking the env.  -1 as well when the engine was
 * not built to keep it, or settled without its candidates.
 */
long ms_engine_cluster_of(struct ms_engine *e, const uint8_t *obj, uint64_t addr, int is_free);

/* Free the engine and its result unless taken; NULL is fine. */
void ms_engine_free(struct ms_engine *e);

/* The biggest allocated cluster of @r, or NULL. */
const struct ms_cluster *ms_result_dominant(const struct ms_result *r);

/* How many of @r's clusters a report lists: the first @top_n (0: every one kept); 0 for NULL. */
size_t ms_result_listed(const struct ms_result *r, unsigned top_n);

/* Free a result taken from an engine, its words and their targets; NULL is fine. */
void ms_result_free(struct ms_result *r);

#endif
