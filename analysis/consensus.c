/*
 * consensus.c - from candidates to clusters: the join among candidates, the per-offset
 * consensus of each cluster, and the verdict.  See engine.h for the rules.
 *
 * Candidates are visited biggest first (own objects plus those that joined them); each
 * joins the best-scoring bigger candidate that is already an anchor (join.h), or becomes an
 * anchor itself.  A cluster is an anchor with everything that joined it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static size_t cand_data_size(const struct ms_engine *e)
{
	return e->cand_size - sizeof(struct cand);
}

struct ms_error *engine_cands_alloc(struct ms_engine *e, size_t nr)
{
	size_t data = cand_data_size(e), i;
	uint8_t *p;

	e->cands = ms_mem_alloc(&e->mem, (nr + 1) * sizeof(*e->cands));
	e->cand_data = ms_mem_alloc(&e->mem, nr * data + 1);
	e->cand_tokens = ms_mem_alloc(&e->mem, (nr + 1) * sizeof(*e->cand_tokens));
	e->cand_classes = ms_mem_alloc(&e->mem, nr + 1);
	e->nr_cands = nr;
	if (!e->cands || !e->cand_data || !e->cand_tokens || !e->cand_classes)
		return ms_error_new(MS_ERR_LIMIT, "engine: no memory for %zu candidates", nr);
	for (i = 0, p = e->cand_data; i < nr; i++, p += data) {
		struct cand *c = &e->cands[i];

		c->tokens = (struct ms_token *)p;
		c->stats = (struct ms_wstat *)(c->tokens + e->nwords);
		c->hist = (uint64_t *)(c->stats + e->nwords);
		c->rep = (uint8_t *)(c->hist + (size_t)e->nwords * MS_TOK__COUNT);
		c->cluster = -1;
	}
	return NULL;
}

void engine_cands_free(struct ms_engine *e)
{
	size_t nr = e->nr_cands;

	ms_join_index_free(e->jix);
	e->jix = NULL;
	ms_mem_free(&e->mem, e->cand_keys, (nr + 1) * sizeof(*e->cand_keys));
	ms_mem_free(&e->mem, e->cand_order, (nr + 1) * sizeof(*e->cand_order));
	ms_mem_free(&e->mem, e->memo, (size_t)e->memo_slots * sizeof(*e->memo));
	ms_mem_free(&e->mem, e->cands, (nr + 1) * sizeof(*e->cands));
	ms_mem_free(&e->mem, e->cand_data, nr * cand_data_size(e) + 1);
	ms_mem_free(&e->mem, e->cand_tokens, (nr + 1) * sizeof(*e->cand_tokens));
	ms_mem_free(&e->mem, e->cand_classes, nr + 1);
	e->cand_keys = NULL;
	e->cand_order = NULL;
	e->memo = NULL;
	e->cands = NULL;
	e->cand_data = NULL;
	e->cand_tokens = NULL;
	e->cand_classes = NULL;
	e->nr_cands = 0;
}

struct ms_error *engine_join_index(struct ms_engine *e)
{
	size_t i;

	for (i = 0; i < e->nr_cands; i++) {
		e->cand_tokens[i] = e->cands[i].tokens;
		e->cand_classes[i] = e->cands[i].cls;
	}
	return ms_join_index_new(&e->mem, e->cand_tokens, e->cand_classes, e->nr_cands, e->nwords,
				 &e->jix);
}

/* ---- clusters ---- */

/* A cluster while it is put together: its anchor and its members (a list through next[]). */
struct agg {
	long anchor;
	long first;		/* first member candidate */
	uint64_t count, own;
	uint32_t nr_patterns;
	unsigned cls;
};

struct work {
	struct agg *aggs;
	size_t nr_aggs;
	long *next;		/* per candidate: next member of its cluster, -1 at the end */
	uint32_t *order;	/* candidates, biggest first */
	uint64_t *hist;		/* nwords * MS_TOK__COUNT, for one cluster at a time */
	struct ms_wstat *stats;	/* nwords */
	size_t bytes;
};

static uint64_t cand_total(const struct cand *c)
{
	return c->count + c->fringe;
}

static int total_cmp(const void *a, const void *b, void *arg)
{
	const struct ms_engine *e = arg;
	const struct cand *x = &e->cands[*(const uint32_t *)a];
	const struct cand *y = &e->cands[*(const uint32_t *)b];

	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (cand_total(x) != cand_total(y))
		return cand_total(x) > cand_total(y) ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* The anchor @c joins with the best score (the earliest among equals), or -1. */
static long best_anchor(const struct ms_engine *e, const struct work *w, const struct cand *c)
{
	double best_score = -1, score;
	long best = -1;
	size_t k;

	for (k = 0; k < w->nr_aggs; k++) {
		const struct cand *a = &e->cands[w->aggs[k].anchor];

		if (a->cls != c->cls || !ms_join_match(a->tokens, c->tokens, e->nwords, &score))
			continue;
		if (score > best_score) {
			best_score = score;
			best = k;
		}
	}
	return best;
}

static void add_member(struct ms_engine *e, struct work *w, size_t k, long i)
{
	struct agg *g = &w->aggs[k];
	struct cand *c = &e->cands[i];

	c->cluster = k;
	w->next[i] = g->first;
	g->first = i;
	g->count += cand_total(c);
	g->nr_patterns++;
}

static void assign_clusters(struct ms_engine *e, struct work *w)
{
	size_t j;

	for (j = 0; j < e->nr_cands; j++) {
		long i = w->order[j], k;
		struct cand *c = &e->cands[i];

		w->next[i] = -1;
		if (!cand_total(c))
			continue;	/* a pass-1 candidate that pass 2 never met */
		k = best_anchor(e, w, c);
		if (k < 0) {
			k = w->nr_aggs++;
			w->aggs[k] = (struct agg){ i, -1, 0, c->count, 0, c->cls };
		}
		add_member(e, w, k, i);
	}
}

static int agg_cmp(const void *a, const void *b, void *arg)
{
	const struct ms_engine *e = arg;
	const struct agg *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->anchor == y->anchor)
		return 0;
	return e->cands[x->anchor].key < e->cands[y->anchor].key ? -1 : 1;
}

static void *work_alloc(struct ms_engine *e, struct work *w, size_t size)
{
	w->bytes += size;
	return ms_mem_alloc(&e->mem, size);
}

static void work_free(struct ms_engine *e, struct work *w)
{
	size_t n = e->nr_cands + 1;

	ms_mem_free(&e->mem, w->aggs, n * sizeof(*w->aggs));
	ms_mem_free(&e->mem, w->next, n * sizeof(*w->next));
	ms_mem_free(&e->mem, w->order, n * sizeof(*w->order));
	ms_mem_free(&e->mem, w->hist, (size_t)e->nwords * MS_TOK__COUNT * sizeof(*w->hist));
	ms_mem_free(&e->mem, w->stats, e->nwords * sizeof(*w->stats));
}

static int work_init(struct ms_engine *e, struct work *w)
{
	size_t n = e->nr_cands + 1, i;

	memset(w, 0, sizeof(*w));
	w->aggs = work_alloc(e, w, n * sizeof(*w->aggs));
	w->next = work_alloc(e, w, n * sizeof(*w->next));
	w->order = work_alloc(e, w, n * sizeof(*w->order));
	w->hist = work_alloc(e, w, (size_t)e->nwords * MS_TOK__COUNT * sizeof(*w->hist));
	w->stats = work_alloc(e, w, e->nwords * sizeof(*w->stats));
	if (!w->aggs || !w->next || !w->order || !w->hist || !w->stats)
		return 0;
	for (i = 0; i < e->nr_cands; i++)
		w->order[i] = i;
	qsort_r(w->order, e->nr_cands, sizeof(*w->order), total_cmp, e);
	return 1;
}

/* ---- one cluster's consensus ---- */

static enum ms_token_kind dominant_kind(const uint64_t *hist, enum ms_token_kind prefer)
{
	enum ms_token_kind best = prefer;
	int k;

	for (k = 0; k < MS_TOK__COUNT; k++)
		if (hist[k] > hist[best])
			best = k;
	return best;
}

/* The argument that goes with @kind at word @w: the biggest member pattern's that has it. */
static uint64_t kind_arg(const struct ms_engine *e, const struct work *w, const struct agg *g,
			 uint32_t word, enum ms_token_kind kind)
{
	uint64_t best_count = 0, arg = 0;
	long i;

	for (i = g->first; i >= 0; i = w->next[i]) {
		const struct cand *c = &e->cands[i];

		if (c->tokens[word].kind == kind && c->count > best_count) {
			best_count = c->count;
			arg = c->tokens[word].arg;
		}
	}
	if (e->cands[g->anchor].tokens[word].kind == kind)
		arg = e->cands[g->anchor].tokens[word].arg;
	return arg;
}

static void gather(struct ms_engine *e, struct work *w, const struct agg *g,
		   struct ms_sample *ex, uint64_t *dup)
{
	size_t nh = (size_t)e->nwords * MS_TOK__COUNT, h;
	uint32_t word;
	long i;

	memset(w->hist, 0, nh * sizeof(*w->hist));
	ms_wstat_init(w->stats, e->nwords);
	memset(ex, 0, sizeof(*ex));
	*dup = 0;
	for (i = g->first; i >= 0; i = w->next[i]) {
		const struct cand *c = &e->cands[i];

		for (word = 0; word < e->nwords; word++)
			w->hist[word * MS_TOK__COUNT + c->tokens[word].kind] += c->count;
		for (h = 0; h < nh; h++)
			w->hist[h] += c->hist[h];
		ms_wstat_merge(w->stats, c->stats, e->nwords);
		ms_sample_merge(ex, &c->ex);
		if (c->largest_dup > *dup)
			*dup = c->largest_dup;
	}
}

static int addr_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The member whose representative stands for the cluster: the anchor, else the biggest. */
static const struct cand *rep_member(const struct ms_engine *e, const struct work *w,
				     const struct agg *g)
{
	const struct cand *best = NULL;
	long i;

	if (e->cands[g->anchor].has_rep)
		return &e->cands[g->anchor];
	for (i = g->first; i >= 0; i = w->next[i])
		if (e->cands[i].has_rep && (!best || e->cands[i].count > best->count))
			best = &e->cands[i];
	return best;
}

static void fill_words(struct ms_engine *e, struct work *w, const struct agg *g,
		       struct ms_cluster *out)
{
	const struct cand *a = &e->cands[g->anchor];
	uint32_t word;

	for (word = 0; word < e->nwords; word++) {
		struct ms_word *mw = &out->pattern.words[word];
		const uint64_t *hist = &w->hist[word * MS_TOK__COUNT];
		const struct ms_wstat *st = &w->stats[word];
		uint32_t width;

		mw->offset = 8 * word;
		mw->kind = dominant_kind(hist, a->tokens[word].kind);
		mw->arg = kind_arg(e, w, g, word, mw->kind);
		mw->agree = g->count ? (double)hist[mw->kind] / g->count : 0;
		mw->constant = st->and_ == st->or_;
		mw->varying_bits = st->or_ & ~st->and_;
		mw->min = st->min;
		mw->max = st->max;
		mw->value = out->rep ? ms_object_word(out->rep, e->object_size, word, &width) : 0;
		mw->width = e->object_size - 8 * word < 8 ? e->object_size - 8 * word : 8;
	}
}

static void build_cluster(struct ms_engine *e, struct work *w, const struct agg *g,
			  const struct ms_result *r, struct ms_cluster *out)
{
	uint64_t total = g->cls ? r->free : r->allocated;
	const struct cand *rep = rep_member(e, w, g);
	struct ms_sample ex;

	gather(e, w, g, &ex, &out->largest_dup);
	/* Under a cap the content counts are lower bounds that sweeps may take to 0; but any
	 * object of a cluster is a group of identical objects of at least one. */
	if (g->count && !out->largest_dup)
		out->largest_dup = 1;
	out->count = g->count;
	out->fraction = total ? (double)g->count / total : 0;
	out->bytes = g->count * e->stride;
	out->is_free = g->cls;
	out->own = g->own;
	out->similar = g->count - g->own;
	out->nr_patterns = g->nr_patterns;
	out->largest_dup_exact = e->cont_evictions_final == 0;
	out->nr_examples = ex.n;
	memcpy(out->examples, ex.addr, ex.n * sizeof(ex.addr[0]));
	qsort(out->examples, ex.n, sizeof(out->examples[0]), addr_cmp);
	if (rep) {
		out->rep_addr = rep->rep_addr;
		memcpy(out->rep, rep->rep, e->object_size);
	}
	snprintf(out->pattern.cache_name, sizeof(out->pattern.cache_name), "%s", e->cache_name);
	out->pattern.object_size = e->object_size;
	out->pattern.stride = e->stride;
	out->pattern.count = g->count;
	out->pattern.nr_words = e->nwords;
	fill_words(e, w, g, out);
	if (!rep)
		out->rep_addr = 0;
}

/* ---- the result ---- */

static void fill_totals(struct ms_engine *e, struct ms_result *r)
{
	const uint64_t *seen = e->seen[e->pass - 1];

	snprintf(r->cache_name, sizeof(r->cache_name), "%s", e->cache_name);
	r->cache_addr = e->cache_addr;
	r->object_size = e->object_size;
	r->stride = e->stride;
	r->allocated = seen[0];
	r->free = seen[1];
	r->include_free = e->include_free;
	r->distinct_contents = e->distinct_contents;
	r->distinct_estimated = e->cont_evictions != 0;
	r->distinct_patterns = e->distinct_patterns;
	r->patterns_estimated = e->pat_evictions != 0;
	r->passes = e->pass;
	r->evictions = e->pat_evictions;
	r->unclustered = e->unclustered;
	if (e->pass == 2) {
		uint64_t a = e->seen[0][0] + e->seen[0][1], b = seen[0] + seen[1];

		r->pass_mismatch = a > b ? a - b : b - a;
	}
	r->approximate = e->approximate || r->pass_mismatch;
	r->slabs_skipped = e->slabs_skipped;
	r->top_n = e->top_n;
	r->mem_limit = e->mem.limit;
}

/*
 * For ms_engine_cluster_of(): each candidate's cluster becomes its index in the result, the
 * order and the top_n cut engine_finish() applies, -1 for a cluster not kept.
 */
static void map_kept_clusters(struct ms_engine *e, const struct work *w)
{
	size_t taken[2] = { 0, 0 }, k, j = 0;

	for (k = 0; k < w->nr_aggs; k++) {
		const struct agg *g = &w->aggs[k];
		long idx = taken[g->cls]++ < e->top_n ? (long)j++ : -1, i;

		for (i = g->first; i >= 0; i = w->next[i])
			e->cands[i].cluster = idx;
	}
}

struct ms_error *engine_finish(struct ms_engine *e)
{
	size_t taken[2] = { 0, 0 }, nkeep = 0, k, j = 0;
	struct ms_result *r;
	struct work w;

	if (!work_init(e, &w)) {
		work_free(e, &w);
		return ms_error_new(MS_ERR_LIMIT, "engine: no memory to build clusters");
	}
	assign_clusters(e, &w);
	qsort_r(w.aggs, w.nr_aggs, sizeof(*w.aggs), agg_cmp, e);
	for (k = 0; k < w.nr_aggs; k++)
		if (taken[w.aggs[k].cls]++ < e->top_n)
			nkeep++;
	r = engine_result_alloc(e, nkeep);
	if (!r) {
		work_free(e, &w);
		return ms_error_new(MS_ERR_LIMIT, "engine: no memory for the result");
	}
	fill_totals(e, r);
	taken[0] = taken[1] = 0;
	for (k = 0; k < w.nr_aggs; k++)
		if (taken[w.aggs[k].cls]++ < e->top_n)
			build_cluster(e, &w, &w.aggs[k], r, &r->clusters[j++]);
	r->nr_clusters_total = w.nr_aggs;
	engine_verdict(r);
	if (e->keep_classifier)
		map_kept_clusters(e, &w);
	work_free(e, &w);
	if (!e->keep_classifier)
		engine_cands_free(e);
	r->mem_peak = e->mem.peak;
	e->result = r;
	return NULL;
}
