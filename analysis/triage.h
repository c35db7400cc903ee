/*
 * triage.h - every slab cache ranked by how much it looks like a leak (memsim -a).
 *
 * One pass over the memory map hands each slab to its cache's state here.  Per cache the
 * state is fixed-size, whatever the cache holds: the allocated objects' patterns (the token
 * sequence of their first MS_TRIAGE_KEY_WORDS words, hashed) counted by Space-Saving over
 * MS_TRIAGE_SLOTS slots, with one representative address per slot.  Space-Saving keeps every
 * pattern holding more than 1/MS_TRIAGE_SLOTS of a cache's objects, and each slot's count
 * minus its error is a lower bound on that pattern's objects: the dominant share reported
 * is that lower bound, never more.  In the key a zero word and a pointer to another object
 * of the same cache are one: the links of trees and lists of one type (rb_node children,
 * hlist next) are NULL in some objects and set in others, and would split one type into as
 * many patterns as there are shapes of the tree (24 for epoll's epitems on 6.12).  Memory: sizeof(struct ms_triage_cache) per cache plus
 * one normaliser for all of them.
 *
 * Speed: past its first MS_TRIAGE_FULL_OBJECTS keyed objects a cache's patterns are counted
 * in one slab of every MS_TRIAGE_SAMPLE_EVERY (its allocated and total counts stay exact: the
 * walk still decodes every slab's freelist).  The share is then the sample's, and the dominant
 * count is that share of the allocated objects: an estimate, said (sampled).  The ranking
 * only needs shares to a few percent; the suspects are then scanned in full.
 *
 * Suspicion, the ranking key, is about bytes held alike:
 *   score = MiB held by the dominant pattern (lower bound x stride)
 *           x 1 for a general-purpose cache (kmalloc-*), 1/4 for a dedicated one (one type
 *             there is the design, so alike objects are no evidence; only its size is)
 *           x 1/2 when the pattern holds no typed evidence (no text or data pointer, self
 *             pointer, list poison or text: zeros, small numbers and raw words only)
 *           x 1/2 for a reclaimable cache (SLAB_RECLAIM_ACCOUNT: the shrinkers give it back
 *             under pressure, and it is not SUnreclaim)
 * so a kmalloc cache full of one pattern comes before a bigger dedicated cache of its own
 * type, and bytes decide between alike.
 */
#ifndef MEMSIM_TRIAGE_H
#define MEMSIM_TRIAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "layout.h"
#include "pattern.h"
#include "slabview.h"

#define MS_TRIAGE_SLOTS 32		/* patterns counted per cache */
#define MS_TRIAGE_KEY_WORDS 64		/* words of an object in its pattern key: 512 bytes */
#define MS_TRIAGE_FULL_OBJECTS (1u << 18)	/* objects per cache keyed before sampling */
#define MS_TRIAGE_SAMPLE_EVERY 16		/* then one slab in this many */
#define MS_TRIAGE_DESC 200
#define MS_TRIAGE_DESC_ITEMS 4	/* words named in a description */

struct ms_triage_slot {
	uint64_t key;		/* pattern hash */
	uint64_t count;		/* Space-Saving count (an upper bound) */
	uint64_t err;		/* overestimate at most: count - err is a lower bound */
	uint64_t rep;		/* an object with this pattern */
};

/* One cache: what the adapter tells (name, geometry, walk counts) and what the pass found. */
struct ms_triage_cache {
	char name[64];
	uint64_t addr;			/* kmem_cache */
	uint32_t object_size, stride, slab_size;
	int reclaimable;		/* SLAB_RECLAIM_ACCOUNT */
	/* The walk's counts, filled by the adapter after the pass. */
	uint64_t slabs, total, allocated;
	uint64_t bytes;			/* memory its slabs take: slabs x slab size */
	/* The pass. */
	char aliases[128];		/* caches merged into this one, comma-separated */
	uint64_t keyed;			/* allocated objects counted by pattern */
	uint64_t slabs_fed;		/* slabs handed to the triage */
	int sampled;			/* patterns counted in a sample of the slabs */
	uint64_t slabs_skipped;		/* views whose geometry did not match the cache */
	struct ms_triage_slot slots[MS_TRIAGE_SLOTS];
	unsigned nr_slots;
	unsigned last;			/* slot of the previous object: alike objects sit together */
	/* ms_triage_finish() */
	int general;			/* a general-purpose cache (ms_cache_is_general) */
	uint64_t dominant;		/* objects of the biggest pattern: a lower bound, or
					   the sample's share of the allocated ones (sampled) */
	uint64_t dominant_rep;		/* its representative object, 0 if none */
	double share;			/* dominant / allocated */
	int informative;		/* the pattern holds typed evidence (see above) */
	int described;			/* the representative was read and described */
	double score;
	char desc[MS_TRIAGE_DESC];	/* "&fn_entry_callback [memsim_leak] +0x0, empty list +0x8" */
};

struct ms_triage;

/*
 * A triage over @nr caches (@caches: name, addr, object_size, stride, slab_size and
 * reclaimable filled; copied).  @layout and @env must outlive it; @env may be NULL (then
 * nothing is resolved or read: descriptions are the token kinds).
 */
struct ms_error *ms_triage_new(const struct ms_triage_cache *caches, size_t nr,
			       const struct ms_layout *layout, const struct ms_env *env,
			       struct ms_triage **out);
void ms_triage_free(struct ms_triage *t);

/* Cache @i's state (0 <= i < nr, in the order given). */
struct ms_triage_cache *ms_triage_cache(struct ms_triage *t, size_t i);
size_t ms_triage_count(const struct ms_triage *t);

/* Count the allocated objects of one slab of cache @i. */
void ms_triage_feed_slab(struct ms_triage *t, size_t i, const struct ms_slab_view *v);

/*
 * After the pass, with each cache's walk counts filled in: the dominant pattern of each
 * cache, its one-line description (its representative read through env->read and its text
 * and data pointers named through env->symbol), its share and score.
 */
void ms_triage_finish(struct ms_triage *t);

/*
 * The caches ranked: @order gets ms_triage_count() indexes, the most suspicious first
 * (score, then bytes, then name); caches with nothing allocated last.
 */
void ms_triage_rank(const struct ms_triage *t, size_t *order);

/*
 * The description of an object's first @nr words: @tok and @val from ms_tokenize().
 * Informative words first come: "&sym [mod] +0x0", "empty list +0x8", "list poison +0x10",
 * "text \"abc\" +0x18", "-> CACHE +0x20" (a pointer into another cache, named by @cache_name
 * which may return NULL); else the kinds of the first words ("small raw zero").  Returns
 * whether any informative word was found.
 */
int ms_triage_describe(const struct ms_token *tok, const uint64_t *val, size_t nr,
		       const struct ms_env *env,
		       const char *(*cache_name)(void *ctx, uint64_t cache), void *ctx,
		       char *buf, size_t len);

/* The pass over all caches, for the report's head. */
struct ms_triage_totals {
	uint64_t caches_unreadable;	/* kmem_caches on the list that could not be read */
	uint64_t slabs, objects, allocated, bytes;
	uint64_t bytes_reclaimable;
	uint64_t pages_unreadable;	/* struct pages the memory-map pass could not read */
	uint64_t slabs_unreadable;	/* slabs whose memory could not be read */
	uint64_t caches_disagree;	/* caches whose node counters count other slabs */
	uint64_t caches_sampled;	/* caches whose patterns were counted in a sample */
	uint64_t freelist_errors;
	int interrupted;
	unsigned suspects;		/* suspects analysed in full after the table */
};

/* Sum the caches' counts into @tot (the fields the caches know; the rest stay). */
void ms_triage_totals(const struct ms_triage *t, struct ms_triage_totals *tot);

/*
 * The ranked table, in crash's style: a head line, then one row per cache with objects
 * allocated, the most suspicious first, at most @rows (0: all), then how many were left out.
 */
int ms_triage_text(const struct ms_triage *t, const size_t *order, size_t rows,
		   const struct ms_triage_totals *tot, FILE *out);

/*
 * The JSON head: {"schema":"memsim-triage",...,"caches":[...every cache, ranked...],
 * "suspects":[ -- the caller writes the suspects' reports (comma-separated), then
 * ms_triage_json_end().
 */
int ms_triage_json_begin(const struct ms_triage *t, const size_t *order,
			 const struct ms_triage_totals *tot, FILE *out);
int ms_triage_json_end(FILE *out);

/* @v bytes for a column: "12.3M", "1.5G", "44k" (kB rounded up). */
void ms_human_bytes(uint64_t v, char *buf, size_t len);

/* The score of a cache from its dominant pattern (see the top of this file). */
double ms_triage_score(uint64_t dominant, uint32_t stride, int general, int informative,
		       int reclaimable);

#endif
