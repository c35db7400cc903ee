/*
 * engine.c - the clustering engine's life: the memory plan, feeding slabs, counting in
 * pass 1 and, when pass 1 had to evict, the exact pass 2.  See engine.h; candidates and
 * clusters are built in consensus.c, candidate selection in candidates.c.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hashes run once or twice per object: inlined, xxh3 specialises for short inputs. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "engine_int.h"

#define PATTERN_SEED 0x7061747465726e31ULL
#define CONTENT_SEED 0x636f6e74656e7431ULL
#define SAMPLE_SEED 0x73616d706c657331ULL
#define MIN_CANDS 64u
#define MAX_CANDS 256u
#define MIN_PATTERN_SLOTS 64u
#define MIN_CONTENT_SLOTS 64u

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint32_t pow2_floor(uint64_t n)
{
	if (n >= (1u << 31))
		return 1u << 31;
	return n ? 1u << (31 - __builtin_clz((uint32_t)n)) : 0;
}

/* ---- samples and word statistics (shared with consensus.c) ---- */

uint64_t ms_addr_hash(uint64_t addr)
{
	uint64_t z = addr ^ SAMPLE_SEED;	/* splitmix64's finaliser: cheap and well mixed */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void ms_sample_add(struct ms_sample *s, uint64_t addr, uint64_t hash)
{
	uint32_t i, worst = 0;

	if (s->n < MS_ENGINE_EXAMPLES) {
		s->addr[s->n++] = addr;
		if (s->n == 1 || hash > s->thresh)
			s->thresh = hash;
		return;
	}
	if (hash >= s->thresh)
		return;
	for (i = 0; i < s->n; i++)
		if (ms_addr_hash(s->addr[i]) == s->thresh)
			worst = i;
	s->addr[worst] = addr;
	s->thresh = 0;
	for (i = 0; i < s->n; i++) {
		uint64_t h = ms_addr_hash(s->addr[i]);

		if (h > s->thresh)
			s->thresh = h;
	}
}

void ms_sample_merge(struct ms_sample *dst, const struct ms_sample *src)
{
	uint32_t i;

	for (i = 0; i < src->n; i++)
		ms_sample_add(dst, src->addr[i], ms_addr_hash(src->addr[i]));
}

void ms_wstat_init(struct ms_wstat *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		w[i] = (struct ms_wstat){ ~0ULL, 0, ~0ULL, 0 };
}

void ms_wstat_merge(struct ms_wstat *dst, const struct ms_wstat *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		dst[i].and_ &= src[i].and_;
		dst[i].or_ |= src[i].or_;
		if (src[i].min < dst[i].min)
			dst[i].min = src[i].min;
		if (src[i].max > dst[i].max)
			dst[i].max = src[i].max;
	}
}

/* ---- pattern records (their parts: engine_int.h) ---- */

static size_t rec_size(uint32_t nwords, uint32_t object_size)
{
	return engine_align8(sizeof(struct prec)) +
	       nwords * (sizeof(struct ms_token) + sizeof(struct ms_wstat)) + engine_align8(object_size);
}

static int grow_recs(void *arg, uint32_t new_cap)
{
	struct ms_engine *e = arg;
	uint8_t *recs;

	if (new_cap <= e->recs_cap)
		return 1;
	recs = ms_mem_realloc(&e->mem, e->recs, e->recs_cap * e->rec_size,
			      (size_t)new_cap * e->rec_size);
	if (!recs)
		return 0;
	e->recs = recs;
	e->recs_cap = new_cap;
	return 1;
}

static int grow_cont_host(void *arg, uint32_t new_cap)
{
	struct ms_engine *e = arg;
	uint64_t *host;

	if (new_cap <= e->cont_host_cap)
		return 1;
	host = ms_mem_realloc(&e->mem, e->cont_host, e->cont_host_cap * sizeof(*host),
			      (size_t)new_cap * sizeof(*host));
	if (!host)
		return 0;
	e->cont_host = host;
	e->cont_host_cap = new_cap;
	return 1;
}

void engine_tables_free(struct ms_engine *e)
{
	if (e->recs_cap || e->pat.slots) {
		ms_hh_destroy(&e->pat);
		ms_mem_free(&e->mem, e->recs, e->recs_cap * e->rec_size);
		e->recs = NULL;
		e->recs_cap = 0;
	}
	engine_content_free(e);
}

/* ---- the content doorkeeper (engine_int.h) ---- */

/* The filter word of @key and its three bits (from key bits the table's index uses least). */
static inline uint64_t *dk_word(const struct ms_doorkeeper *d, uint64_t key)
{
	return &d->bits[(uint32_t)(key >> 7) & d->mask];
}

static inline uint64_t dk_bits(uint64_t key)
{
	return 1ULL << (key & 63) | 1ULL << ((key >> 26) & 63) | 1ULL << ((key >> 52) & 63);
}

/* Set @key's bits; were they all set already? */
static inline int dk_test_set(struct ms_doorkeeper *d, uint64_t key)
{
	uint64_t *w = dk_word(d, key), b = dk_bits(key), old = *w;

	*w = old | b;
	return (old & b) == b;
}

static void dk_free(struct ms_engine *e)
{
	struct ms_doorkeeper *d = &e->dk;

	if (d->bits)
		ms_mem_free(&e->mem, d->bits, ((size_t)d->mask + 1) * sizeof(*d->bits));
	d->bits = NULL;
}

/* Start a new window: clear the filter and put the table's keys back into it. */
static void dk_refill(struct ms_engine *e)
{
	struct ms_doorkeeper *d = &e->dk;
	uint32_t s;

	memset(d->bits, 0, ((size_t)d->mask + 1) * sizeof(*d->bits));
	d->added = 0;
	for (s = 0; s < e->cont.nr; s++)
		if (ms_hh_live(&e->cont, s))
			dk_test_set(d, e->cont.slots[s].key);
}

/*
 * What one pattern-table slot costs: its record, its table slot, and the finishing step's
 * per-slot host and ordering arrays.
 */
static size_t pattern_slot_bytes(const struct ms_engine *e)
{
	return e->rec_size + MS_HH_SLOT_BYTES + 2 * sizeof(uint32_t) + 2 * sizeof(int32_t);
}

/* Pattern-table growth still to come, which the filter must not take the room of. */
static size_t pattern_growth_bytes(const struct ms_engine *e)
{
	return e->pat.cap_max > e->pat.cap ?
		       (size_t)(e->pat.cap_max - e->pat.cap) * pattern_slot_bytes(e) : 0;
}

/*
 * After a sweep: engage the filter when the sweep left the table mostly empty (most
 * contents were seen once), if the budget has room beside everything planned.  Eight bits
 * per table slot; a window of as many first sights as the table has slots.
 */
static void dk_consider(struct ms_engine *e)
{
	struct ms_doorkeeper *d = &e->dk;
	size_t words = e->cont.cap_max / 8 < 64 ? 64 : e->cont.cap_max / 8;
	size_t bytes = words * sizeof(*d->bits);

	d->sweeps_seen = e->cont.sweeps;
	if (d->bits || e->cont.live > e->cont.cap_max / 4)
		return;
	if (e->mem.limit && e->mem.used + bytes + pattern_growth_bytes(e) > e->mem.limit)
		return;
	d->bits = ms_mem_alloc(&e->mem, bytes);
	if (!d->bits)
		return;
	d->mask = words - 1;
	d->window = e->cont.cap_max;
	dk_refill(e);
	if (e->pass == 1 && !e->dk_engaged_at)
		e->dk_engaged_at = e->seen[0][0] + e->seen[0][1];
}

void engine_content_free(struct ms_engine *e)
{
	dk_free(e);
	if (!e->cont_live)
		return;
	ms_hh_destroy(&e->cont);
	ms_mem_free(&e->mem, e->cont_host, e->cont_host_cap * sizeof(*e->cont_host));
	e->cont_host = NULL;
	e->cont_host_cap = 0;
	e->cont_live = 0;
}

int engine_content_init(struct ms_engine *e)
{
	dk_free(e);
	memset(&e->dk, 0, sizeof(e->dk));	/* a new table: no sweep, no first sight yet */
	if (ms_hh_init(&e->cont, &e->mem, e->content_cap, grow_cont_host, e))
		return 0;
	e->cont_live = 1;
	return 1;
}

/* ---- the memory plan ---- */

static size_t result_bytes_max(const struct ms_engine *e, unsigned classes)
{
	return sizeof(struct ms_result) +
	       classes * e->top_n *
		       (sizeof(struct ms_cluster) + e->nwords * sizeof(struct ms_word) +
			engine_align8(e->object_size));
}

/* Everything but the two tables, for @cands candidates per class. */
static size_t fixed_bytes(const struct ms_engine *e, unsigned cands)
{
	unsigned classes = e->include_free ? 2 : 1;
	size_t n = (size_t)cands * classes;

	return engine_align8(sizeof(struct ms_engine)) + ms_tokenizer_bytes(e->tok) +
	       2 * sizeof(struct ms_hll) +
	       e->nwords * (sizeof(struct ms_token) + 3 * sizeof(uint64_t)) +
	       engine_batch_bytes(e) +
	       n * (e->cand_size + sizeof(void *) + 1 + sizeof(uint64_t) + sizeof(uint32_t)) +
	       ms_join_index_bytes(n, e->nwords) +
	       MS_HOST_MEMO_SLOTS * sizeof(struct host_memo) + result_bytes_max(e, classes);
}

static size_t cand_size(uint32_t nwords, uint32_t object_size)
{
	return sizeof(struct cand) +
	       nwords * (sizeof(struct ms_token) + sizeof(struct ms_wstat) +
			 MS_TOK__COUNT * sizeof(uint64_t)) +
	       engine_align8(object_size);
}

/* Do the tables fit beside everything else for @cands candidates per class? */
static int plan_tables(struct ms_engine *e, const struct ms_engine_config *cfg, size_t limit,
		       unsigned cands)
{
	size_t pat_slot = pattern_slot_bytes(e);
	size_t cont_slot = MS_HH_SLOT_BYTES + sizeof(uint64_t);
	uint32_t pat_max = cfg->pattern_slots ? cfg->pattern_slots : MS_ENGINE_PATTERN_SLOTS;
	uint32_t cont_max = cfg->content_slots ? cfg->content_slots : MS_ENGINE_CONTENT_SLOTS;
	size_t fixed = fixed_bytes(e, cands), half;

	if (fixed >= limit)
		return 0;
	half = (limit - fixed) / 2;
	e->pattern_cap = pow2_floor(min_u64(half / pat_slot, pat_max));
	e->content_cap = pow2_floor(min_u64(half / cont_slot, cont_max));
	e->max_cands = cands;
	return e->pattern_cap >= MIN_PATTERN_SLOTS && e->content_cap >= MIN_CONTENT_SLOTS;
}

/*
 * Split @limit: first what does not grow with the cache (candidates, results, sketches),
 * then the two tables share the rest, each capped.  A pattern slot also pays for the
 * finishing step's per-slot host and ordering arrays.  Fewer candidates (down to top_n)
 * leave more room when the limit is tight.
 */
static struct ms_error *plan(struct ms_engine *e, const struct ms_engine_config *cfg,
			     size_t limit)
{
	unsigned cands = 4 * e->top_n < MIN_CANDS ? MIN_CANDS : 4 * e->top_n;

	if (cands > MAX_CANDS)
		cands = MAX_CANDS;
	for (;;) {
		if (plan_tables(e, cfg, limit, cands))
			return NULL;
		if (cands == e->top_n)
			break;
		cands = cands / 2 > e->top_n ? cands / 2 : e->top_n;
	}
	return ms_error_new(MS_ERR_LIMIT, "a memory limit of %zu bytes cannot hold the tables for "
					  "%u-byte objects", limit, e->object_size);
}

/* ---- creation ---- */

static struct ms_error *check_config(const struct ms_engine_config *cfg)
{
	if (!cfg || !cfg->layout)
		return ms_error_new(MS_ERR_INVALID, "engine: no layout");
	if (!cfg->object_size)
		return ms_error_new(MS_ERR_INVALID, "engine: object size 0");
	if (cfg->stride && cfg->stride < cfg->object_size)
		return ms_error_new(MS_ERR_INVALID, "engine: stride %u < object size %u",
				    cfg->stride, cfg->object_size);
	return NULL;
}

static void init_fields(struct ms_engine *e, const struct ms_engine_config *cfg)
{
	snprintf(e->cache_name, sizeof(e->cache_name), "%s",
		 cfg->cache_name ? cfg->cache_name : "");
	e->cache_addr = cfg->cache_addr;
	e->object_size = cfg->object_size;
	e->stride = cfg->stride ? cfg->stride : cfg->object_size;
	e->nwords = ms_token_nr_words(cfg->object_size);
	e->include_free = !!cfg->include_free;
	e->keep_classifier = !!cfg->keep_classifier;
	e->top_n = cfg->top_n ? cfg->top_n : MS_ENGINE_DEFAULT_TOP_N;
	if (e->top_n > MS_ENGINE_MAX_TOP_N)
		e->top_n = MS_ENGINE_MAX_TOP_N;
	e->rec_size = rec_size(e->nwords, e->object_size);
	e->cand_size = cand_size(e->nwords, e->object_size);
	e->mem.limit = cfg->mem_limit ? cfg->mem_limit : MS_ENGINE_DEFAULT_MEM_LIMIT;
}

static struct ms_error *alloc_parts(struct ms_engine *e)
{
	e->tokens = ms_mem_alloc(&e->mem, e->nwords * sizeof(*e->tokens));
	e->values = ms_mem_alloc(&e->mem, e->nwords * sizeof(*e->values));
	e->packed = ms_mem_alloc(&e->mem, 2 * e->nwords * sizeof(*e->packed));
	e->batch_mem = ms_mem_alloc(&e->mem, engine_batch_bytes(e));
	if (e->batch_mem)
		engine_batch_init(e, &e->batch, e->batch_mem);
	e->hll_content = ms_mem_alloc(&e->mem, sizeof(*e->hll_content));
	e->hll_pattern = ms_mem_alloc(&e->mem, sizeof(*e->hll_pattern));
	if (!e->tokens || !e->values || !e->packed || !e->batch_mem || !e->hll_content ||
	    !e->hll_pattern)
		return ms_error_new(MS_ERR_NOMEM, "engine: no memory for its buffers");
	if (ms_hh_init(&e->pat, &e->mem, e->pattern_cap, grow_recs, e) ||
	    !engine_content_init(e))
		return ms_error_new(MS_ERR_NOMEM, "engine: no memory for its tables");
	return NULL;
}

struct ms_error *ms_engine_new(const struct ms_engine_config *cfg, struct ms_engine **out)
{
	struct ms_error *err = check_config(cfg);
	struct ms_engine *e;

	if (err)
		return err;
	e = calloc(1, sizeof(*e));
	if (!e)
		return ms_error_new(MS_ERR_NOMEM, "engine: no memory");
	init_fields(e, cfg);
	err = ms_tokenizer_new(cfg->layout, cfg->env, cfg->cache_addr, cfg->object_size, &e->tok);
	if (!err)
		err = plan(e, cfg, e->mem.limit);
	if (!err && !ms_mem_charge(&e->mem, engine_align8(sizeof(*e)) + ms_tokenizer_bytes(e->tok)))
		err = ms_error_new(MS_ERR_LIMIT, "engine: the memory limit is too small");
	if (!err)
		err = alloc_parts(e);
	if (err) {
		ms_engine_free(e);
		return err;
	}
	e->pass = 1;
	*out = e;
	return NULL;
}

void ms_engine_free(struct ms_engine *e)
{
	if (!e)
		return;
	engine_result_free(e);
	engine_cands_free(e);
	engine_tables_free(e);
	ms_mem_free(&e->mem, e->tokens, e->nwords * sizeof(*e->tokens));
	ms_mem_free(&e->mem, e->values, e->nwords * sizeof(*e->values));
	ms_mem_free(&e->mem, e->packed, 2 * e->nwords * sizeof(*e->packed));
	ms_mem_free(&e->mem, e->batch_mem, engine_batch_bytes(e));
	ms_mem_free(&e->mem, e->hll_content, sizeof(*e->hll_content));
	ms_mem_free(&e->mem, e->hll_pattern, sizeof(*e->hll_pattern));
	ms_tokenizer_free(e->tok);
	ms_error_free(e->error);
	free(e);
}

/* ---- feeding: prepare (tokens and keys), then consume (the tables) ---- */

/* The pattern key of @tokens of class @cls. */
uint64_t engine_pattern_key(struct ms_engine *e, const struct ms_token *tokens, unsigned cls)
{
	uint32_t i;

	/* Pack explicitly: struct ms_token has padding, which must not reach the hash. */
	for (i = 0; i < e->nwords; i++) {
		e->packed[2 * i] = tokens[i].kind;
		e->packed[2 * i + 1] = tokens[i].arg;
	}
	return XXH3_64bits_withSeed(e->packed, 2 * e->nwords * sizeof(*e->packed),
				    PATTERN_SEED + cls);
}

void engine_count_content(struct ms_engine *e, uint64_t ckey, uint64_t host, unsigned cls)
{
	struct ms_doorkeeper *d = &e->dk;
	enum ms_hh_event ev;
	uint32_t s;

	if (d->bits && !dk_test_set(d, ckey)) {	/* a first sight: not in the table either */
		d->first_sights++;
		if (++d->added >= d->window)	/* O(table) per window: O(1) a sight */
			dk_refill(e);
		return;
	}
	s = ms_hh_add(&e->cont, ckey, &ev);
	if (ev != MS_HH_HIT)
		e->cont_host[s] = host;
	if (ev == MS_HH_NEW && cls == 0 && e->pass == 1)
		e->distinct_contents++;
	if (e->cont.sweeps != d->sweeps_seen)
		dk_consider(e);
}

static void rec_init(struct ms_engine *e, struct prec *r, unsigned cls)
{
	memset(r, 0, sizeof(*r));
	r->cls = cls;
	memcpy(engine_rec_tokens(e, r), e->cur_tokens, e->nwords * sizeof(*e->cur_tokens));
	ms_wstat_init(engine_rec_stats(e, r), e->nwords);
}

/*
 * Count the object's pattern @pkey.  With @same (the previous object's pattern) its slot is
 * the previous one's: nothing else touched the pattern table since.
 */
static void count_pattern(struct ms_engine *e, uint64_t pkey, const uint8_t *obj, uint64_t addr,
			  unsigned cls, int same)
{
	uint64_t h = ms_addr_hash(addr);
	enum ms_hh_event ev = MS_HH_HIT;
	struct prec *r;
	uint32_t s;

	if (same) {
		s = e->last_slot;
		e->pat.slots[s].count++;
	} else {
		s = e->last_slot = ms_hh_add(&e->pat, pkey, &ev);
	}
	r = engine_rec(e, s);
	if (ev != MS_HH_HIT) {
		rec_init(e, r, cls);
		if (cls == 0)
			e->distinct_patterns++;
	}
	ms_wstat_add(engine_rec_stats(e, r), e->values, e->nwords);
	if (r->ex.n < MS_ENGINE_EXAMPLES || h < r->ex.thresh)
		ms_sample_add(&r->ex, addr, h);
	if (ev != MS_HH_HIT || h < r->rep_hash) {
		r->rep_addr = addr;
		r->rep_hash = h;
		memcpy(engine_rec_rep(e, r), obj, e->object_size);
	}
}

static void pass1_object(struct ms_engine *e, const uint8_t *obj, uint64_t addr, unsigned cls,
			 uint64_t pkey, uint64_t ckey, int same)
{
	if (cls == 0) {
		ms_hll_add(e->hll_content, ckey);
		if (!same)	/* adding the same key again changes nothing */
			ms_hll_add(e->hll_pattern, pkey);
	}
	engine_count_content(e, ckey, pkey, cls);
	count_pattern(e, pkey, obj, addr, cls, same);
}

uint32_t engine_batch_objects(const struct ms_engine *e)
{
	uint32_t n = MS_BATCH_BYTES / e->stride;

	return n < 1 ? 1 : n > MS_BATCH_MAX ? MS_BATCH_MAX : n;
}

size_t engine_batch_bytes(const struct ms_engine *e)
{
	size_t n = engine_batch_objects(e);

	return n * (sizeof(uint32_t) + 2 + 2 * sizeof(uint64_t)) +
	       n * e->nwords * sizeof(struct ms_token);
}

void engine_batch_init(const struct ms_engine *e, struct ms_batch *b, void *mem)
{
	size_t n = engine_batch_objects(e);
	uint8_t *p = mem;

	memset(b, 0, sizeof(*b));
	b->tokens = (struct ms_token *)p;
	p += n * e->nwords * sizeof(struct ms_token);
	b->pkey = (uint64_t *)p;
	p += n * sizeof(uint64_t);
	b->ckey = (uint64_t *)p;
	p += n * sizeof(uint64_t);
	b->index = (uint32_t *)p;
	p += n * sizeof(uint32_t);
	b->cls = p;
	b->fresh = p + n;
}

/*
 * The reading side of feeding: tokenise objects [@first, @first + @n) of @v (n at most
 * engine_batch_objects()) and key their patterns into @b.  Alike objects sit side by side (a leak
 * allocates them in a row), so when an object's tokens equal the previous one's (of the
 * same class) its pattern key is the previous one's, without hashing, and its tokens are
 * not stored again; the first object of a batch always stores its own.
 */
void engine_prepare(struct ms_engine *e, const struct ms_slab_view *v, uint32_t first,
		    uint32_t n, struct ms_batch *b)
{
	size_t set_bytes = e->nwords * sizeof(struct ms_token);
	struct ms_token *set = b->tokens;
	uint64_t pkey = 0;
	uint32_t i, w;
	int have = 0;

	b->view = *v;
	b->n = 0;
	b->seen[0] = b->seen[1] = 0;
	for (i = first; i < first + n; i++) {
		unsigned cls = !ms_slab_view_allocated(v, i);
		const uint8_t *obj = ms_slab_view_object(v, i);
		uint32_t j;
		int same;

		b->seen[cls]++;
		if (cls && !e->include_free)
			continue;
		ms_tokenize(e->tok, obj, ms_slab_view_object_addr(v, i), e->tokens, NULL);
		same = have && b->cls[b->n - 1] == cls;
		for (w = 0; same && w < e->nwords; w++)
			same = e->tokens[w].kind == set[w].kind && e->tokens[w].arg == set[w].arg;
		j = b->n++;
		if (!same) {
			set = have ? set + e->nwords : set;
			memcpy(set, e->tokens, set_bytes);
			pkey = engine_pattern_key(e, set, cls);
			have = 1;
		}
		b->index[j] = i;
		b->cls[j] = cls;
		b->fresh[j] = !same;
		b->pkey[j] = pkey;
	}
}

/* The object's words as numbers, the trailing partial one zero-extended. */
static void load_values(const struct ms_engine *e, const uint8_t *obj)
{
	uint32_t i, full = e->object_size / 8, width;

	for (i = 0; i < full; i++) {
		uint64_t v;

		memcpy(&v, obj + 8 * i, 8);
		e->values[i] = le64toh(v);
	}
	if (i < e->nwords)
		e->values[i] = ms_object_word(obj, e->object_size, i, &width);
}

/*
 * Start loading what counting object @j of @b will probe: content, pattern or memo entry.
 * Always inlined: a function of prefetches alone has no side effect the compiler must keep,
 * and gcc drops its calls as dead code.
 */
static inline __attribute__((always_inline)) void prefetch(const struct ms_engine *e,
							   const struct ms_batch *b, uint32_t j)
{
	if (e->dk.bits)
		__builtin_prefetch(dk_word(&e->dk, b->ckey[j]));
	else if (e->cont_live)
		ms_hh_prefetch(&e->cont, b->ckey[j]);
	if (!b->fresh[j])
		return;	/* the previous object's pattern: nothing new to look up */
	if (e->pass == 1)
		ms_hh_prefetch(&e->pat, b->pkey[j]);
	else
		__builtin_prefetch(&e->memo[b->pkey[j] & (e->memo_slots - 1)]);
}

/*
 * The counting side of feeding: every prepared object into the tables.  The content
 * table is the engine's one big random-access structure (a million slots): its index
 * entries are prefetched MS_PREFETCH objects ahead, so a probe rarely waits for memory.
 */
void engine_consume(struct ms_engine *e, struct ms_batch *b)
{
	const struct ms_token *set = b->tokens;
	uint32_t j;

	e->seen[e->pass - 1][0] += b->seen[0];
	e->seen[e->pass - 1][1] += b->seen[1];
	/* Content keys here, not in prepare: they need only the bytes, and the reading side
	 * (crash's thread, which also walks) is the busier one. */
	for (j = 0; j < b->n; j++)
		b->ckey[j] = XXH3_64bits_withSeed(ms_slab_view_object(&b->view, b->index[j]),
						  e->object_size, CONTENT_SEED + b->cls[j]);
	for (j = 0; j < b->n && j < MS_PREFETCH; j++)
		prefetch(e, b, j);
	for (j = 0; j < b->n; j++) {
		const uint8_t *obj = ms_slab_view_object(&b->view, b->index[j]);
		uint64_t addr = ms_slab_view_object_addr(&b->view, b->index[j]);

		if (j + MS_PREFETCH < b->n)
			prefetch(e, b, j + MS_PREFETCH);
		if (b->fresh[j]) {
			e->cur_tokens = set;
			set += e->nwords;
		}
		load_values(e, obj);
		if (e->pass == 1)
			pass1_object(e, obj, addr, b->cls[j], b->pkey[j], b->ckey[j], !b->fresh[j]);
		else
			engine_pass2_object(e, obj, addr, b->cls[j], b->pkey[j], b->ckey[j],
					    !b->fresh[j]);
	}
}

void ms_engine_begin_pass(struct ms_engine *e)
{
	if (e->done || e->pass_open || e->error)
		return;
	if (e->pass == 2 && !e->pass2_begun) {
		e->pass2_begun = 1;
		e->error = engine_begin_pass2(e);
		if (e->error)
			return;
	}
	e->pass_open = 1;
}

int engine_accepts(struct ms_engine *e, const struct ms_slab_view *v)
{
	if (!e->pass_open || e->done || e->error)
		return 0;
	if (v->object_size != e->object_size || v->stride < v->object_size) {
		e->slabs_skipped++;
		return 0;
	}
	return 1;
}

void ms_engine_feed_slab(struct ms_engine *e, const struct ms_slab_view *v)
{
	uint32_t first, n, max = engine_batch_objects(e);

	if (!engine_accepts(e, v))
		return;
	for (first = 0; first < v->nr_objects; first += n) {
		n = v->nr_objects - first < max ? v->nr_objects - first : max;
		engine_prepare(e, v, first, n, &e->batch);
		engine_consume(e, &e->batch);
	}
}

int ms_engine_end_pass(struct ms_engine *e)
{
	struct ms_error *err;
	int again = 0;

	if (e->done)
		return 0;
	if (e->error)
		return -1;
	e->pass_open = 0;
	dk_free(e);	/* the pass is over: its room goes to the finishing steps */
	if (e->pass == 1)
		err = engine_end_pass1(e, &again);
	else
		err = engine_end_pass2(e);
	if (!err && !again)
		err = engine_finish(e);
	if (err) {
		e->error = err;
		return -1;
	}
	if (again) {
		e->pass = 2;
		return 1;
	}
	e->done = 1;
	return 0;
}

int ms_engine_settle(struct ms_engine *e)
{
	struct ms_error *err;
	int rc;

	if (e->done)
		return 0;
	if (e->error)
		return -1;
	if (e->pass == 1 || e->pass2_begun) {
		rc = ms_engine_end_pass(e);
		if (rc != 1)
			return rc;
	}
	e->pass = 1;	/* the result describes pass 1 */
	e->approximate = 1;
	err = engine_settle_pass1(e);
	if (!err)
		err = engine_finish(e);
	if (err) {
		e->error = err;
		return -1;
	}
	e->done = 1;
	return 0;
}

/* ---- accessors ---- */

const struct ms_result *ms_engine_result(const struct ms_engine *e)
{
	return e->done ? e->result : NULL;
}

struct ms_result *ms_engine_take_result(struct ms_engine *e)
{
	struct ms_result *r = ms_engine_result(e) ? e->result : NULL;

	if (r) {
		e->result = NULL;
		ms_mem_uncharge(&e->mem, e->result_bytes);
		e->result_bytes = 0;
	}
	return r;
}

const struct ms_error *ms_engine_error(const struct ms_engine *e)
{
	return e->error;
}

size_t ms_engine_mem_used(const struct ms_engine *e)
{
	return e->mem.used;
}

size_t ms_engine_mem_peak(const struct ms_engine *e)
{
	return e->mem.peak;
}

uint64_t ms_engine_evictions(const struct ms_engine *e)
{
	return e->pass == 1 ? e->pat.evictions : e->pat_evictions;
}
