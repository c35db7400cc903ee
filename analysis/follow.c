/* follow.c - following a cluster's pointers into the objects they reach; see resolve.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "token.h"

struct hit {
	uint64_t object;	/* start of the target object */
	uint32_t offset;	/* where the pointer lands in it */
};

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->object != y->object)
		return x->object < y->object ? -1 : 1;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

static int is_heap_pointer(enum ms_token_kind k)
{
	return k == MS_TOK_SAME_CACHE || k == MS_TOK_SLAB || k == MS_TOK_HEAP;
}

/* Per-offset consensus of @n target objects' tokens into @words. */
static void summarise(struct ms_word *words, uint32_t nwords, uint32_t size,
		      const struct ms_token *tokens, const uint64_t *values, size_t n)
{
	uint32_t k;
	size_t j;

	for (k = 0; k < nwords; k++) {
		struct ms_word *w = &words[k];
		unsigned counts[MS_TOK__COUNT] = { 0 };
		unsigned best = 0;
		enum ms_token_kind kind = MS_TOK_RAW;

		for (j = 0; j < n; j++)
			counts[tokens[j * nwords + k].kind]++;
		for (j = 0; j < MS_TOK__COUNT; j++)
			if (counts[j] > best) {
				best = counts[j];
				kind = (enum ms_token_kind)j;
			}
		memset(w, 0, sizeof(*w));
		w->offset = k * 8;
		w->width = size - k * 8 < 8 ? size - k * 8 : 8;
		w->kind = kind;
		w->agree = (double)best / (double)n;
		w->constant = 1;
		w->value = values[k];
		w->min = w->max = values[k];
		for (j = 0; j < n; j++) {
			uint64_t v = values[j * nwords + k];

			if (tokens[j * nwords + k].kind == kind && !w->arg)
				w->arg = tokens[j * nwords + k].arg;
			w->varying_bits |= v ^ values[k];
			if (v != values[k])
				w->constant = 0;
			if (v < w->min)
				w->min = v;
			if (v > w->max)
				w->max = v;
		}
	}
}

/* ", whose +0x0 is &ops [mod], +0x8 is fn" for the symbols all targets hold. */
static void describe_symbols(const struct ms_target *t, char *buf, size_t len)
{
	size_t used = strlen(buf), i;
	int named = 0;

	for (i = 0; i < t->nr_words && used < len; i++) {
		const struct ms_word *w = &t->words[i];

		if (!w->symbol[0] || !w->constant)
			continue;
		used += snprintf(buf + used, len - used, "%s+0x%x is %s%s", named++ ? ", " : ", whose ",
				 w->offset, w->kind == MS_TOK_KTEXT ? "" : "&", w->symbol);
	}
}

static void describe(struct ms_word *w, const struct ms_target *t, uint64_t count)
{
	if (t->ndistinct == 1 && w->constant)
		snprintf(w->meaning, sizeof(w->meaning),
			 "all %llu point to the same %s object %llx+0x%x",
			 (unsigned long long)count, t->cache_name, (unsigned long long)t->shared_addr,
			 t->offset_in_target);
	else
		snprintf(w->meaning, sizeof(w->meaning),
			 "point into %s at +0x%x: %llu distinct objects in %llu sampled",
			 t->cache_name, t->offset_in_target, (unsigned long long)t->ndistinct,
			 (unsigned long long)t->nsampled);
	describe_symbols(t, w->meaning, sizeof(w->meaning));
}

static void follow_words(struct ms_word *words, size_t nr, const uint64_t *objects, size_t nobj,
			 uint64_t count, const struct ms_layout *layout, const struct ms_env *env,
			 unsigned depth, struct ms_follow_budget *b);

/* What a target node with @nwords words adds to the tree. */
static size_t node_bytes(uint32_t nwords)
{
	return sizeof(struct ms_target) + (size_t)nwords * sizeof(struct ms_word);
}

/* Follow word @w of @nobj objects; fills w->target. */
static void follow_word(struct ms_word *w, const uint64_t *objects, size_t nobj, uint64_t count,
			const struct ms_layout *layout, const struct ms_env *env, unsigned depth,
			struct ms_follow_budget *b)
{
	struct hit *hits = calloc(nobj, sizeof(*hits));
	struct ms_slab_object first, so;
	struct ms_target *t = NULL;
	struct ms_tokenizer *tok = NULL;
	struct ms_error *err;
	struct ms_token *tokens = NULL;
	uint64_t *values = NULL, *targets = NULL;
	uint8_t *buf = NULL;
	size_t nhits = 0, ndistinct = 0, nread = 0, j;
	uint32_t size, nwords;

	if (!hits)
		return;
	memset(&first, 0, sizeof(first));
	for (j = 0; j < nobj; j++) {
		uint64_t v;

		if (env->interrupted && env->interrupted(env->ctx))
			break;
		if (!env->read(env->ctx, objects[j] + w->offset, &v, sizeof(v))) {
			b->reads_failed++;
			continue;
		}
		if (!v || ms_layout_classify(layout, v) != MS_REGION_DIRECTMAP ||
		    !env->slab_object(env->ctx, v, &so))
			continue;
		if (!nhits)
			first = so;
		else if (so.cache != first.cache)
			continue;	/* summarise the targets of the first cache seen */
		hits[nhits].object = so.object;
		hits[nhits++].offset = (uint32_t)(v - so.object);
	}
	if (!nhits)
		goto out;
	qsort(hits, nhits, sizeof(*hits), cmp_hit);
	targets = calloc(nhits, sizeof(*targets));
	t = calloc(1, sizeof(*t));
	if (!targets || !t)
		goto out;
	for (j = 0; j < nhits; j++)
		if (!j || hits[j].object != hits[j - 1].object)
			targets[ndistinct++] = hits[j].object;
	t->ndistinct = ndistinct;
	t->nsampled = nhits;
	t->shared_addr = ndistinct == 1 ? targets[0] : 0;
	snprintf(t->cache_name, sizeof(t->cache_name), "%s", first.cache_name);
	t->object_size = first.object_size;
	t->offset_in_target = hits[0].offset;
	size = first.object_size < MS_FOLLOW_MAX_BYTES ? first.object_size : MS_FOLLOW_MAX_BYTES;
	nwords = ms_token_nr_words(size);
	b->bytes += sizeof(*t);
	if (!size)
		goto done;
	if (b->bytes + node_bytes(nwords) - sizeof(*t) > b->bytes_max) {
		b->not_followed++;	/* the target is named, its words are not summarised */
		goto done;
	}
	err = ms_tokenizer_new(layout, env, first.cache, size, &tok);
	if (err) {
		ms_error_free(err);
		goto done;
	}
	buf = malloc(size);
	tokens = calloc((size_t)MS_FOLLOW_MAX_TARGETS * nwords, sizeof(*tokens));
	values = calloc((size_t)MS_FOLLOW_MAX_TARGETS * nwords, sizeof(*values));
	t->words = calloc(nwords, sizeof(*t->words));
	if (!buf || !tokens || !values || !t->words)
		goto done;
	for (j = 0; j < ndistinct && nread < MS_FOLLOW_MAX_TARGETS; j++) {
		if (!env->read(env->ctx, targets[j], buf, size)) {
			b->reads_failed++;
			continue;
		}
		ms_tokenize(tok, buf, targets[j], tokens + nread * nwords, values + nread * nwords);
		targets[nread++] = targets[j];
	}
	if (!nread)
		goto done;
	summarise(t->words, nwords, size, tokens, values, nread);
	t->nr_words = nwords;
	b->bytes += node_bytes(nwords) - sizeof(*t);
	{
		struct ms_pattern sub = { .object_size = size, .stride = size, .count = nread,
					  .nr_words = nwords, .words = t->words };

		ms_pattern_resolve(&sub, nread, env);
	}
	follow_words(t->words, nwords, targets, nread, nread, layout, env, depth - 1, b);
done:
	if (!t->nr_words) {
		free(t->words);
		t->words = NULL;
	}
	w->target = t;
	describe(w, t, count);
	t = NULL;
out:
	free(t);
	free(hits);
	free(targets);
	free(buf);
	free(tokens);
	free(values);
	ms_tokenizer_free(tok);
}

static void follow_words(struct ms_word *words, size_t nr, const uint64_t *objects, size_t nobj,
			 uint64_t count, const struct ms_layout *layout, const struct ms_env *env,
			 unsigned depth, struct ms_follow_budget *b)
{
	size_t i;

	if (!depth || !nobj)
		return;
	for (i = 0; i < nr; i++) {
		struct ms_word *w = &words[i];

		if (!is_heap_pointer(w->kind) || w->target || w->agree < 0.5 || w->width != 8)
			continue;
		if (b->bytes + sizeof(struct ms_target) > b->bytes_max) {
			b->not_followed++;
			continue;
		}
		follow_word(w, objects, nobj, count, layout, env, depth, b);
	}
}

void ms_pattern_follow(struct ms_pattern *p, const uint64_t *objects, size_t nr,
		       const struct ms_layout *layout, const struct ms_env *env, unsigned depth,
		       struct ms_follow_budget *budget)
{
	struct ms_follow_budget local = { 0 };
	struct ms_follow_budget *b = budget ? budget : &local;

	if (!p || !p->words || !layout || !env || !env->read || !env->slab_object)
		return;
	if (!b->bytes_max)
		b->bytes_max = MS_FOLLOW_TREE_BYTES;
	if (depth > MS_FOLLOW_MAX_DEPTH)
		depth = MS_FOLLOW_MAX_DEPTH;
	follow_words(p->words, p->nr_words, objects, nr, p->count, layout, env, depth, b);
}
