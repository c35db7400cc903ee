/*
 * candidates.c - from pass 1's tables to candidate patterns, and pass 2's exact counting.
 *
 * The biggest patterns of each class (up to max_cands) become candidates.  When the pattern
 * table never evicted, its counts are exact: the candidates take them, every other pattern
 * joins its best candidate (join.h) with all its objects, and the result is ready after one
 * pass.  Otherwise the candidates keep only their token sequences, the tables are dropped,
 * and pass 2 counts every object again: an object with a candidate's pattern counts for it,
 * any other object for the candidate its pattern joins (memoised per pattern), so the same
 * rule gives the same clusters either way, now with exact counts.  Pass 1's tables live until
 * pass 2 begins, so a caller that cannot make pass 2 can still settle for pass 1's counts.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static int slot_cmp(const void *a, const void *b, void *arg)
{
	struct ms_engine *e = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct ms_hh_slot *sx = &e->pat.slots[x], *sy = &e->pat.slots[y];
	unsigned cx = engine_rec(e, x)->cls, cy = engine_rec(e, y)->cls;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (sx->count != sy->count)
		return sx->count > sy->count ? -1 : 1;
	return sx->key < sy->key ? -1 : sx->key > sy->key;
}

/* The biggest max_cands patterns of each class become candidates, biggest first. */
static struct ms_error *select_cands(struct ms_engine *e)
{
	uint32_t *order = ms_mem_alloc(&e->mem, (e->pat.nr + 1) * sizeof(*order));
	size_t taken[2] = { 0, 0 }, n = 0, live = 0, i;
	struct ms_error *err;

	if (!order)
		return ms_error_new(MS_ERR_LIMIT, "engine: no memory to rank patterns");
	for (i = 0; i < e->pat.nr; i++)
		if (ms_hh_live(&e->pat, i))
			order[live++] = i;
	qsort_r(order, live, sizeof(*order), slot_cmp, e);
	for (i = 0; i < live; i++) {
		unsigned cls = engine_rec(e, order[i])->cls;

		if (taken[cls] < e->max_cands) {
			taken[cls]++;
			order[n++] = order[i];
		}
	}
	err = engine_cands_alloc(e, n);
	for (i = 0; !err && i < n; i++) {
		struct cand *c = &e->cands[i];
		struct prec *r = engine_rec(e, order[i]);

		c->slot = order[i];
		c->key = e->pat.slots[c->slot].key;
		c->cls = r->cls;
		memcpy(c->tokens, engine_rec_tokens(e, r), e->nwords * sizeof(*c->tokens));
	}
	ms_mem_free(&e->mem, order, (e->pat.nr + 1) * sizeof(*order));
	return err;
}

/*
 * Objects of the pattern in slot @slot: its count, exact when the table never evicted.  Once
 * it did, Misra-Gries' count is a lower bound that a sweep's decrement may have taken below
 * the objects the record's own sample holds (distinct objects of the pattern, all seen since
 * the record was made): the larger of the two is still a lower bound, and no cluster then
 * lists more examples than it counts objects.
 */
static uint64_t record_count(struct ms_engine *e, uint32_t slot)
{
	uint64_t count = e->pat.slots[slot].count;
	uint32_t held = engine_rec(e, slot)->ex.n;

	return count > held ? count : held;
}

/* One pass sufficed: a candidate takes its record's exact counts and statistics. */
static void take_record(struct ms_engine *e, struct cand *c)
{
	struct prec *r = engine_rec(e, c->slot);

	c->count = record_count(e, c->slot);
	memcpy(c->stats, engine_rec_stats(e, r), e->nwords * sizeof(*c->stats));
	memcpy(c->rep, engine_rec_rep(e, r), e->object_size);
	c->rep_addr = r->rep_addr;
	c->rep_hash = r->rep_hash;
	c->has_rep = 1;
	c->ex = r->ex;
}

/* A whole non-candidate pattern (its record) joins candidate @c. */
static void join_record(struct ms_engine *e, struct cand *c, uint32_t slot)
{
	struct prec *r = engine_rec(e, slot);
	const struct ms_token *tokens = engine_rec_tokens(e, r);
	uint64_t count = record_count(e, slot);
	uint32_t w;

	c->fringe += count;
	for (w = 0; w < e->nwords; w++)
		c->hist[w * MS_TOK__COUNT + tokens[w].kind] += count;
	ms_wstat_merge(c->stats, engine_rec_stats(e, r), e->nwords);
	ms_sample_merge(&c->ex, &r->ex);
}

static void largest_dups_one_pass(struct ms_engine *e, const int32_t *host)
{
	uint32_t s;

	for (s = 0; s < e->cont.nr; s++) {
		const struct ms_hh_slot *cs = &e->cont.slots[s];
		uint32_t p;
		struct cand *c;

		if (!ms_hh_live(&e->cont, s))
			continue;
		p = ms_hh_find(&e->pat, e->cont_host[s]);
		if (p == MS_HH_NONE || host[p] < 0)
			continue;
		c = &e->cands[host[p]];
		if (cs->count > c->largest_dup)
			c->largest_dup = cs->count;
	}
	e->cont_evictions_final = e->cont.evictions + e->dk.first_sights;
}

static struct ms_error *finish_one_pass(struct ms_engine *e)
{
	int32_t *host = ms_mem_alloc(&e->mem, (e->pat.nr + 1) * sizeof(*host));
	struct ms_error *err;
	uint32_t s;
	size_t i;

	if (!host)
		return ms_error_new(MS_ERR_LIMIT, "engine: no memory to join patterns");
	err = engine_join_index(e);
	for (s = 0; s < e->pat.nr; s++)
		host[s] = -2;
	for (i = 0; i < e->nr_cands; i++) {
		take_record(e, &e->cands[i]);
		host[e->cands[i].slot] = i;
	}
	for (s = 0; !err && s < e->pat.nr; s++) {
		struct prec *r = engine_rec(e, s);

		if (host[s] != -2 || !ms_hh_live(&e->pat, s))
			continue;
		host[s] = ms_join_index_best(e->jix, engine_rec_tokens(e, r), r->cls, -1);
		if (host[s] >= 0)
			join_record(e, &e->cands[host[s]], s);
		else
			e->unclustered += record_count(e, s);
	}
	if (!err)
		largest_dups_one_pass(e, host);
	ms_mem_free(&e->mem, host, (e->pat.nr + 1) * sizeof(*host));
	return err;
}

static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct ms_engine *e = arg;
	uint64_t x = e->cands[*(const uint32_t *)a].key, y = e->cands[*(const uint32_t *)b].key;

	return x < y ? -1 : x > y;
}

/*
 * Slots for pass 2's host memo: about two per distinct pattern pass 1 saw (so that a
 * pattern met again finds its host without a join), within what the dropped pattern table
 * leaves free beside the content table; never fewer than MS_HOST_MEMO_SLOTS.
 */
static uint32_t memo_slots(const struct ms_engine *e)
{
	size_t cont = (size_t)e->content_cap * (MS_HH_SLOT_BYTES + sizeof(uint64_t));
	size_t avail = e->mem.limit > e->mem.used + cont ? e->mem.limit - e->mem.used - cont : 0;
	uint64_t want = 2 * e->distinct_patterns;
	uint32_t n = MS_HOST_MEMO_SLOTS;

	while (n < MS_HOST_MEMO_MAX && n < want && 2 * (size_t)n * sizeof(struct host_memo) <= avail / 2)
		n *= 2;
	return n;
}

/* Pass 2 looks candidates up by key and memoises the host of every other pattern. */
struct ms_error *engine_begin_pass2(struct ms_engine *e)
{
	size_t i;

	engine_tables_free(e);	/* first: their room goes to the memo */
	e->memo_slots = memo_slots(e);
	e->cand_keys = ms_mem_alloc(&e->mem, (e->nr_cands + 1) * sizeof(*e->cand_keys));
	e->cand_order = ms_mem_alloc(&e->mem, (e->nr_cands + 1) * sizeof(*e->cand_order));
	e->memo = ms_mem_alloc(&e->mem, (size_t)e->memo_slots * sizeof(*e->memo));
	if (!e->cand_keys || !e->cand_order || !e->memo)
		return ms_error_new(MS_ERR_LIMIT, "engine: no memory for the second pass");
	for (i = 0; i < e->nr_cands; i++) {
		struct cand *c = &e->cands[i];

		e->cand_order[i] = i;
		ms_wstat_init(c->stats, e->nwords);
	}
	qsort_r(e->cand_order, e->nr_cands, sizeof(*e->cand_order), key_cmp, e);
	for (i = 0; i < e->nr_cands; i++)
		e->cand_keys[i] = e->cands[e->cand_order[i]].key;
	for (i = 0; i < e->memo_slots; i++)
		e->memo[i].host = -2;
	if (!engine_content_init(e))
		return ms_error_new(MS_ERR_LIMIT, "engine: no memory for the second pass");
	return engine_join_index(e);
}

struct ms_error *engine_end_pass1(struct ms_engine *e, int *again)
{
	struct ms_error *err;

	e->pat_evictions = e->pat.evictions;
	e->cont_evictions = e->cont.evictions;
	/* Estimates, never more than the allocated objects counted. */
	if (e->cont_evictions) {
		e->distinct_contents = ms_hll_estimate(e->hll_content);
		if (e->distinct_contents > e->seen[0][0])
			e->distinct_contents = e->seen[0][0];
	}
	if (e->pat_evictions) {
		e->distinct_patterns = ms_hll_estimate(e->hll_pattern);
		if (e->distinct_patterns > e->seen[0][0])
			e->distinct_patterns = e->seen[0][0];
	}
	err = select_cands(e);
	if (err)
		return err;
	*again = e->pat_evictions != 0;
	return *again ? NULL : engine_settle_pass1(e);
}

/*
 * Clusters from pass 1's tables: exact when they never evicted; otherwise (the second pass
 * cannot be made) the same joins over Misra-Gries' lower-bound counts.
 */
struct ms_error *engine_settle_pass1(struct ms_engine *e)
{
	struct ms_error *err = finish_one_pass(e);

	engine_tables_free(e);
	return err;
}

static long cand_find(const struct ms_engine *e, uint64_t key)
{
	size_t lo = 0, hi = e->nr_cands;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->cand_keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->nr_cands && e->cand_keys[lo] == key ? (long)e->cand_order[lo] : -1;
}

static long memo_host(struct ms_engine *e, uint64_t pkey, unsigned cls)
{
	struct host_memo *m = &e->memo[pkey & (e->memo_slots - 1)];

	if (m->host != -2 && m->key == pkey)
		return m->host;
	m->key = pkey;
	m->host = ms_join_index_best(e->jix, e->cur_tokens, cls, -1);
	return m->host;
}

static void cand_add_object(struct ms_engine *e, struct cand *c, const uint8_t *obj,
			    uint64_t addr, int own)
{
	uint64_t h = ms_addr_hash(addr);
	uint32_t w;

	ms_wstat_add(c->stats, e->values, e->nwords);
	ms_sample_add(&c->ex, addr, h);
	if (!own) {
		c->fringe++;
		for (w = 0; w < e->nwords; w++)
			c->hist[w * MS_TOK__COUNT + e->cur_tokens[w].kind]++;
		return;
	}
	c->count++;
	if (!c->has_rep || h < c->rep_hash) {
		c->has_rep = 1;
		c->rep_hash = h;
		c->rep_addr = addr;
		memcpy(c->rep, obj, e->object_size);
	}
}

void engine_pass2_object(struct ms_engine *e, const uint8_t *obj, uint64_t addr, unsigned cls,
			 uint64_t pkey, uint64_t ckey, int same)
{
	long c;
	int own;

	if (same) {	/* the previous object's pattern: its candidate too */
		c = e->last_host;
		own = e->last_own;
	} else {
		c = cand_find(e, pkey);
		own = c >= 0;
		if (!own)
			c = memo_host(e, pkey, cls);
		e->last_host = c;
		e->last_own = own;
	}
	if (c < 0) {
		e->unclustered++;
		return;
	}
	cand_add_object(e, &e->cands[c], obj, addr, own);
	engine_count_content(e, ckey, c, cls);
}

struct ms_error *engine_end_pass2(struct ms_engine *e)
{
	uint32_t s;

	for (s = 0; s < e->cont.nr; s++) {
		const struct ms_hh_slot *cs = &e->cont.slots[s];
		struct cand *c;

		if (!ms_hh_live(&e->cont, s))
			continue;
		c = &e->cands[e->cont_host[s]];
		if (cs->count > c->largest_dup)
			c->largest_dup = cs->count;
	}
	e->cont_evictions_final = e->cont.evictions + e->dk.first_sights;
	engine_content_free(e);
	return NULL;
}

/* ---- after the result: which kept cluster an object belongs to ---- */

/* The sorted keys and the memo pass 2 uses, for an engine whose result came from pass 1. */
static int classifier_prepare(struct ms_engine *e)
{
	size_t i;

	if (e->classifier_ready)
		return 1;
	if (!e->cands || !e->jix)
		return 0;
	if (!e->cand_keys) {
		e->cand_keys = ms_mem_alloc(&e->mem, (e->nr_cands + 1) * sizeof(*e->cand_keys));
		e->cand_order = ms_mem_alloc(&e->mem, (e->nr_cands + 1) * sizeof(*e->cand_order));
		if (!e->cand_keys || !e->cand_order)
			return 0;
		for (i = 0; i < e->nr_cands; i++)
			e->cand_order[i] = i;
		qsort_r(e->cand_order, e->nr_cands, sizeof(*e->cand_order), key_cmp, e);
		for (i = 0; i < e->nr_cands; i++)
			e->cand_keys[i] = e->cands[e->cand_order[i]].key;
	}
	if (!e->memo) {
		e->memo_slots = MS_HOST_MEMO_SLOTS;
		e->memo = ms_mem_alloc(&e->mem, (size_t)e->memo_slots * sizeof(*e->memo));
		if (!e->memo)
			return 0;
	}
	for (i = 0; i < e->memo_slots; i++)	/* pass 2's entries hold the same hosts: cheap */
		e->memo[i].host = -2;
	e->classifier_ready = 1;
	return 1;
}

long ms_engine_cluster_of(struct ms_engine *e, const uint8_t *obj, uint64_t addr, int is_free)
{
	unsigned cls = !!is_free;
	uint64_t pkey;
	long c;

	if (!e || !e->done)
		return -1;
	if (!e->keep_classifier || (cls && !e->include_free) || !classifier_prepare(e))
		return -1;
	ms_tokenize(e->tok, obj, addr, e->tokens, NULL);
	e->cur_tokens = e->tokens;
	pkey = engine_pattern_key(e, e->tokens, cls);
	c = cand_find(e, pkey);
	if (c < 0)
		c = memo_host(e, pkey, cls);
	return c < 0 ? -1 : e->cands[c].cluster;
}
