/* join.c - the fuzzy join rule and the index that finds a pattern's best host; see join.h. */
#include <stdlib.h>

#include "join.h"

unsigned ms_join_weight(enum ms_token_kind kind)
{
	switch (kind) {
	case MS_TOK_KTEXT:
	case MS_TOK_KDATA:
	case MS_TOK_SELF:
	case MS_TOK_LIST_POISON:
	case MS_TOK_SLAB_POISON:
		return MS_JOIN_STRONG;
	case MS_TOK_ZERO:
	case MS_TOK_SMALL:
	case MS_TOK_RAW:
		return 1;
	default:
		return 2;
	}
}

static int is_value(enum ms_token_kind k)
{
	return k == MS_TOK_ZERO || k == MS_TOK_SMALL || k == MS_TOK_RAW;
}

static int is_heap_family(enum ms_token_kind k)
{
	return k == MS_TOK_SAME_CACHE || k == MS_TOK_SLAB || k == MS_TOK_HEAP ||
	       k == MS_TOK_VMALLOC || k == MS_TOK_VMEMMAP || k == MS_TOK_PERCPU;
}

static int is_symbol(enum ms_token_kind k)
{
	return k == MS_TOK_KTEXT || k == MS_TOK_KDATA;
}

static int same(const struct ms_token *a, const struct ms_token *b)
{
	return a->kind == b->kind && a->arg == b->arg;
}

/* Twice the credit of a word pair (2, 1 or 0), to stay in integers. */
static unsigned credit2(const struct ms_token *a, const struct ms_token *b)
{
	if (same(a, b) || (is_value(a->kind) && is_value(b->kind)))
		return 2;
	if ((is_heap_family(a->kind) || a->kind == MS_TOK_ZERO) &&
	    (is_heap_family(b->kind) || b->kind == MS_TOK_ZERO))
		return 1;	/* both zero was handled above: one of them is a pointer */
	return 0;
}

int ms_join_match(const struct ms_token *anchor, const struct ms_token *tokens, size_t n,
		  double *score)
{
	uint64_t total = 0, earned = 0;
	int strong_match = 0;
	size_t i;

	if (score)
		*score = 0;
	for (i = 0; i < n; i++) {
		const struct ms_token *a = &anchor[i], *b = &tokens[i];
		unsigned wa = ms_join_weight(a->kind), wb = ms_join_weight(b->kind);
		unsigned w = wa > wb ? wa : wb;

		if (is_symbol(a->kind) && !same(a, b))
			return 0;
		if (wa == MS_JOIN_STRONG && same(a, b))
			strong_match = 1;
		total += 2 * w;
		earned += w * credit2(a, b);
	}
	if (!total)
		return 0;
	if (score)
		*score = (double)earned / total;
	return strong_match && (double)earned >= MS_JOIN_THRESHOLD * total;
}

/* One weight-4 word of a candidate, for lookup by (word, token). */
struct strong_word {
	uint32_t word;
	uint32_t cand;
	struct ms_token tok;
};

struct ms_join_index {
	struct ms_mem *mem;
	const struct ms_token *const *patterns;
	const uint8_t *classes;
	size_t nr, nwords;
	struct strong_word *words;
	size_t nr_words;
	uint32_t *stamp;	/* per candidate: the lookup that last scored it */
	uint32_t generation;
};

static int word_cmp(const struct strong_word *x, uint32_t word, const struct ms_token *t)
{
	if (x->word != word)
		return x->word < word ? -1 : 1;
	if (x->tok.kind != t->kind)
		return x->tok.kind < t->kind ? -1 : 1;
	if (x->tok.arg != t->arg)
		return x->tok.arg < t->arg ? -1 : 1;
	return 0;
}

static int strong_word_cmp(const void *a, const void *b)
{
	const struct strong_word *x = a, *y = b;
	int c = word_cmp(x, y->word, &y->tok);

	if (c)
		return c;
	return x->cand < y->cand ? -1 : x->cand > y->cand;
}

/*
 * The words candidate @p is indexed by.  A host's every ktext/kdata word must be identical
 * in the joining pattern (rule 2), so a candidate with one is reached through its first
 * (a symbol is a weight-4 word, so the lookup meets it); one without any is reached through
 * each of its weight-4 words (rule 3).  The same candidates are scored as when indexing every
 * weight-4 word, but a pattern with another function or ops table meets none of them: with
 * a million distinct patterns, most meet no candidate at all.
 */
static int indexed_word(const struct ms_token *p, size_t nwords, size_t w, size_t first_symbol)
{
	if (first_symbol < nwords)
		return w == first_symbol;
	return ms_join_weight(p[w].kind) == MS_JOIN_STRONG;
}

static size_t first_symbol(const struct ms_token *p, size_t nwords)
{
	size_t w;

	for (w = 0; w < nwords && !is_symbol(p[w].kind); w++)
		;
	return w;
}

static size_t count_strong(const struct ms_token *const *patterns, size_t nr, size_t nwords)
{
	size_t c, w, n = 0;

	for (c = 0; c < nr; c++) {
		size_t fs = first_symbol(patterns[c], nwords);

		for (w = 0; w < nwords; w++)
			n += indexed_word(patterns[c], nwords, w, fs);
	}
	return n;
}

struct ms_error *ms_join_index_new(struct ms_mem *mem, const struct ms_token *const *patterns,
				   const uint8_t *classes, size_t nr, size_t nwords,
				   struct ms_join_index **out)
{
	struct ms_join_index *ix = ms_mem_alloc(mem, sizeof(*ix));
	size_t c, w, n = 0;

	if (!ix)
		return ms_error_new(MS_ERR_LIMIT, "join index: over the memory budget");
	ix->mem = mem;
	ix->patterns = patterns;
	ix->classes = classes;
	ix->nr = nr;
	ix->nwords = nwords;
	ix->nr_words = count_strong(patterns, nr, nwords);
	ix->words = ms_mem_alloc(mem, (ix->nr_words + 1) * sizeof(*ix->words));
	ix->stamp = ms_mem_alloc(mem, (nr + 1) * sizeof(*ix->stamp));
	if (!ix->words || !ix->stamp) {
		ms_join_index_free(ix);
		return ms_error_new(MS_ERR_LIMIT, "join index: over the memory budget");
	}
	for (c = 0; c < nr; c++) {
		size_t fs = first_symbol(patterns[c], nwords);

		for (w = 0; w < nwords; w++)
			if (indexed_word(patterns[c], nwords, w, fs))
				ix->words[n++] = (struct strong_word){ w, c, patterns[c][w] };
	}
	qsort(ix->words, n, sizeof(*ix->words), strong_word_cmp);
	*out = ix;
	return NULL;
}

size_t ms_join_index_bytes(size_t nr, size_t nwords)
{
	return sizeof(struct ms_join_index) + (nr * nwords + 1) * sizeof(struct strong_word) +
	       (nr + 1) * sizeof(uint32_t);
}

void ms_join_index_free(struct ms_join_index *ix)
{
	if (!ix)
		return;
	ms_mem_free(ix->mem, ix->words, (ix->nr_words + 1) * sizeof(*ix->words));
	ms_mem_free(ix->mem, ix->stamp, (ix->nr + 1) * sizeof(*ix->stamp));
	ms_mem_free(ix->mem, ix, sizeof(*ix));
}

/* First index entry for (@word, @t), or nr_words. */
static size_t lower_bound(const struct ms_join_index *ix, uint32_t word, const struct ms_token *t)
{
	size_t lo = 0, hi = ix->nr_words;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (word_cmp(&ix->words[mid], word, t) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void consider(struct ms_join_index *ix, const struct ms_token *tokens, unsigned cls,
		     uint32_t cand, long *best, double *best_score)
{
	double score;

	if (ix->stamp[cand] == ix->generation || ix->classes[cand] != cls)
		return;
	ix->stamp[cand] = ix->generation;
	if (!ms_join_match(ix->patterns[cand], tokens, ix->nwords, &score))
		return;
	if (score > *best_score || (score == *best_score && (long)cand < *best)) {
		*best = cand;
		*best_score = score;
	}
}

long ms_join_index_best(struct ms_join_index *ix, const struct ms_token *tokens, unsigned cls,
			long skip)
{
	double best_score = -1;
	long best = -1;
	uint32_t w;

	if (++ix->generation == 0) {	/* wrapped: forget every stamp */
		size_t c;

		for (c = 0; c < ix->nr; c++)
			ix->stamp[c] = 0;
		ix->generation = 1;
	}
	if (skip >= 0 && (size_t)skip < ix->nr)
		ix->stamp[skip] = ix->generation;
	for (w = 0; w < ix->nwords; w++) {
		size_t i;

		if (ms_join_weight(tokens[w].kind) != MS_JOIN_STRONG)
			continue;
		for (i = lower_bound(ix, w, &tokens[w]);
		     i < ix->nr_words && !word_cmp(&ix->words[i], w, &tokens[w]); i++)
			consider(ix, tokens, cls, ix->words[i].cand, &best, &best_score);
	}
	return best;
}
