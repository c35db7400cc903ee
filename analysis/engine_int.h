/*
 * engine_int.h - the clustering engine's insides, shared by engine.c (feeding, passes,
 * memory plan) and consensus.c (candidates, joins, clusters, verdict).  Not for callers.
 */
#ifndef MEMSIM_ENGINE_INT_H
#define MEMSIM_ENGINE_INT_H

#include "engine.h"
#include "hhtable.h"
#include "hll.h"
#include "join.h"
#include "memacct.h"
#include "token.h"

/* Bottom-k sample: the k addresses with the lowest hash; mergeable and order-independent. */
struct ms_sample {
	uint32_t n;
	uint64_t thresh;	/* highest hash kept */
	uint64_t addr[MS_ENGINE_EXAMPLES];
};

/* What one word's values did over a set of objects. */
struct ms_wstat {
	uint64_t and_, or_;	/* bits set in all / in any */
	uint64_t min, max;
};

/*
 * A pattern record (pass 1), one per pattern-table slot; followed in memory by the pattern's
 * tokens, the words' statistics and the representative's bytes (see rec_tokens() etc.).
 */
struct prec {
	uint64_t rep_addr;
	uint64_t rep_hash;
	uint8_t cls;		/* 0 allocated, 1 free */
	struct ms_sample ex;
};

/* A candidate pattern: what the finishing step (and pass 2) counts per top pattern. */
struct cand {
	uint64_t key;
	uint8_t cls;
	uint32_t slot;		/* its pattern-table slot at the end of pass 1 */
	uint64_t count;		/* objects with exactly this pattern */
	uint64_t fringe;	/* objects of other patterns that joined it */
	uint64_t largest_dup;
	uint64_t rep_addr, rep_hash;
	int has_rep;
	long cluster;		/* final cluster (its index in the result once built), or -1 */
	struct ms_sample ex;	/* own and fringe objects */
	struct ms_token *tokens;	/* nwords */
	struct ms_wstat *stats;		/* nwords: own and fringe objects */
	uint64_t *hist;			/* nwords * MS_TOK__COUNT: kinds of fringe objects */
	uint8_t *rep;			/* object_size */
};

/*
 * Feeding is split in two so that a feeder (feeder.h) can run them on two threads: the
 * reading side, engine_prepare(), tokenises objects and computes their pattern keys into a
 * batch (it alone touches the tokenizer, e->tokens and e->packed, and calls the env); the
 * counting side, engine_consume(), hashes their contents and puts the batch into the tables
 * (everything else).  A batch
 * is up to engine_batch_objects() objects of one slab; the first always carries its tokens.
 */
#define MS_BATCH_BYTES 65536u	/* object bytes a batch covers at most */
#define MS_BATCH_MAX 256u	/* objects a batch holds at most */
#define MS_PREFETCH 8u		/* content-index prefetch distance, in objects */

struct ms_batch {
	struct ms_slab_view view;	/* the slab (or the part of it) the objects are in */
	uint32_t n;			/* objects prepared (analysed ones only) */
	uint64_t seen[2];		/* objects of the range by class, analysed or not */
	uint32_t *index;		/* n: the object's index in view */
	uint8_t *cls;			/* n: 0 allocated, 1 free */
	uint8_t *fresh;			/* n: its tokens are the next set in tokens */
	uint64_t *pkey, *ckey;		/* n: pattern keys; content keys (consume's own) */
	struct ms_token *tokens;	/* nwords per fresh object, in order */
};

/* Pass 2: the host of a non-candidate pattern, memoised (direct-mapped). */
struct host_memo {
	uint64_t key;
	int32_t host;		/* candidate, -1 none, -2 empty slot */
	int32_t pad;
};

/*
 * The content doorkeeper (engine.c).  Once the content table has had to sweep and the sweep
 * left it mostly empty, nearly every content is new: the table only evicts, and each object
 * pays a random probe into tens of megabytes.  From then on a content must pass a small
 * Bloom filter first: one seen for the first time (in the filter's current window) only
 * sets its bits and goes no further; a content the filter has seen (or a false positive)
 * is counted in the table.  Every key in the table is in the filter (it passed it, and a
 * reset puts the table's keys back), so "not in the filter" means "not in the table".
 * Counts stay lower bounds (the first sight of a content in a window is not counted),
 * which is what the table promised once it had evicted; a group of identical objects is
 * found as soon as two of them fall in one window of @window first sights, and from then
 * on it stays in the table and is counted (a reset puts it back into the filter), where
 * plain Misra-Gries would take a decrement from it at every sweep that singletons cause.
 * Once engaged it stays for the pass: a reset costs one look at every table slot per
 * window of as many first sights, O(1) a sight.
 */
struct ms_doorkeeper {
	uint64_t *bits;		/* NULL: not engaged */
	uint32_t mask;		/* words - 1 (a power of two minus one) */
	uint32_t added;		/* first sights since the last reset */
	uint32_t window;	/* first sights a window holds */
	uint32_t sweeps_seen;	/* the table's sweeps when last considered */
	uint64_t first_sights;	/* kept out of the table this pass */
};

#define MS_HOST_MEMO_SLOTS 65536u	/* at least */
#define MS_HOST_MEMO_MAX (1u << 22)	/* at most: 64 MiB */

struct ms_engine {
	char cache_name[64];
	uint64_t cache_addr;
	uint32_t object_size, stride, nwords;
	int include_free;
	int keep_classifier;	/* the candidates outlive the result (ms_engine_cluster_of) */
	int classifier_ready;	/* their keys sorted and a host memo, for lookups */
	unsigned top_n, max_cands;
	size_t rec_size, cand_size;
	struct ms_mem mem;
	struct ms_tokenizer *tok;
	/* scratch for one object */
	struct ms_token *tokens;
	uint64_t *values, *packed;
	/* feeding without a feeder: one batch at a time */
	struct ms_batch batch;
	void *batch_mem;
	/* the counting side: the tokens of the objects being counted, the previous one's slot */
	const struct ms_token *cur_tokens;
	uint32_t last_slot;	/* pass 1: its pattern-table slot */
	long last_host;		/* pass 2: its candidate (-1 none), with last_own */
	int last_own;
	/* passes */
	unsigned pass;		/* 1 or 2 */
	int pass_open, done;
	int pass2_begun;
	int approximate;	/* settled without an exact pass 2 */
	uint64_t seen[2][2];	/* [pass - 1][class] */
	uint64_t slabs_skipped;
	/* pass 1 tables */
	uint32_t pattern_cap, content_cap;
	struct ms_hh pat;
	uint8_t *recs;
	uint32_t recs_cap;
	struct ms_hh cont;
	uint64_t *cont_host;	/* pass 1: pattern key; pass 2: candidate index */
	uint32_t cont_host_cap;
	int cont_live;
	struct ms_doorkeeper dk;
	uint64_t dk_engaged_at;	/* objects counted when it engaged in pass 1 (0: never) */
	struct ms_hll *hll_content, *hll_pattern;
	uint64_t distinct_contents, distinct_patterns;	/* exact, allocated class */
	uint64_t pat_evictions, cont_evictions;
	uint64_t cont_evictions_final;	/* in the pass the duplicate groups come from, with
					 * the first sights the doorkeeper kept out */
	/* candidates */
	struct cand *cands;
	size_t nr_cands;
	uint8_t *cand_data;	/* the candidates' arrays, in one block */
	const struct ms_token **cand_tokens;
	uint8_t *cand_classes;
	struct ms_join_index *jix;
	uint64_t *cand_keys;	/* sorted keys */
	uint32_t *cand_order;	/* cand index of cand_keys[i] */
	struct host_memo *memo;
	uint32_t memo_slots;	/* a power of two */
	uint64_t unclustered;
	/* result */
	struct ms_result *result;
	size_t result_bytes;
	struct ms_error *error;
};

/* Hash of an object address for sampling (fixed seed: reproducible). */
uint64_t ms_addr_hash(uint64_t addr);
/* Offer @addr (whose ms_addr_hash() is @hash) to the bottom-k sample @s. */
void ms_sample_add(struct ms_sample *s, uint64_t addr, uint64_t hash);
/* Offer every address of @src to @dst: the bottom-k of the union. */
void ms_sample_merge(struct ms_sample *dst, const struct ms_sample *src);
/* Statistics of no object yet (@n words); merge @src's into @dst. */
void ms_wstat_init(struct ms_wstat *w, size_t n);
void ms_wstat_merge(struct ms_wstat *dst, const struct ms_wstat *src, size_t n);

/* @n rounded up to a multiple of 8. */
static inline size_t engine_align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Pattern records and their parts, for pattern-table slot @slot (inline: per object). */
static inline struct prec *engine_rec(const struct ms_engine *e, uint32_t slot)
{
	return (struct prec *)(e->recs + (size_t)slot * e->rec_size);
}

static inline struct ms_token *engine_rec_tokens(const struct ms_engine *e, struct prec *r)
{
	(void)e;
	return (struct ms_token *)((uint8_t *)r + engine_align8(sizeof(*r)));
}

static inline struct ms_wstat *engine_rec_stats(const struct ms_engine *e, struct prec *r)
{
	return (struct ms_wstat *)(engine_rec_tokens(e, r) + e->nwords);
}

static inline uint8_t *engine_rec_rep(const struct ms_engine *e, struct prec *r)
{
	return (uint8_t *)(engine_rec_stats(e, r) + e->nwords);
}
/* Fold one object's word values into @w (inline: once per object). */
static inline void ms_wstat_add(struct ms_wstat *restrict w, const uint64_t *restrict values,
				size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t v = values[i], lo = w[i].min, hi = w[i].max;

		w[i].and_ &= v;
		w[i].or_ |= v;
		w[i].min = v < lo ? v : lo;
		w[i].max = v > hi ? v : hi;
	}
}
/* Feeding (see struct ms_batch): the sizes, a batch over @mem, the two sides. */
uint32_t engine_batch_objects(const struct ms_engine *e);
size_t engine_batch_bytes(const struct ms_engine *e);
void engine_batch_init(const struct ms_engine *e, struct ms_batch *b, void *mem);
/* Does the open pass take slab @v?  Counts a skipped slab (wrong geometry). */
int engine_accepts(struct ms_engine *e, const struct ms_slab_view *v);
void engine_prepare(struct ms_engine *e, const struct ms_slab_view *v, uint32_t first,
		    uint32_t n, struct ms_batch *b);
void engine_consume(struct ms_engine *e, struct ms_batch *b);
/* Count content @ckey, remembering @host (pattern key, or candidate in pass 2). */
void engine_count_content(struct ms_engine *e, uint64_t ckey, uint64_t host, unsigned cls);
/* Start (1) or drop the content table; drop both tables. */
int engine_content_init(struct ms_engine *e);
void engine_content_free(struct ms_engine *e);
void engine_tables_free(struct ms_engine *e);

/*
 * candidates.c: pick candidates at the end of pass 1 (*@again: a second pass is needed);
 * settle on pass 1's tables; set up, feed and end pass 2.
 */
struct ms_error *engine_end_pass1(struct ms_engine *e, int *again);
struct ms_error *engine_settle_pass1(struct ms_engine *e);
struct ms_error *engine_begin_pass2(struct ms_engine *e);
void engine_pass2_object(struct ms_engine *e, const uint8_t *obj, uint64_t addr, unsigned cls,
			 uint64_t pkey, uint64_t ckey, int same);
struct ms_error *engine_end_pass2(struct ms_engine *e);
/* The pattern key of @tokens of class @cls (engine.c). */
uint64_t engine_pattern_key(struct ms_engine *e, const struct ms_token *tokens, unsigned cls);

/*
 * consensus.c: allocate and free @nr candidates with their arrays; index them for the join;
 * join them into clusters and build e->result.
 */
struct ms_error *engine_cands_alloc(struct ms_engine *e, size_t nr);
void engine_cands_free(struct ms_engine *e);
struct ms_error *engine_join_index(struct ms_engine *e);
struct ms_error *engine_finish(struct ms_engine *e);

/*
 * result.c: a result with @nr_clusters clusters (charged to the engine's budget, freed by
 * ms_result_free()); free the engine's; fill r->verdict and its line.
 */
struct ms_result *engine_result_alloc(struct ms_engine *e, size_t nr_clusters);
void engine_result_free(struct ms_engine *e);
void engine_verdict(struct ms_result *r);

#endif
