/* result.c - the engine's result: its memory, and the verdict rule of engine.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define LEAK_SHARE 0.50
#define INFORMATIVE_SHARE 0.25
#define WEAK_SHARE 0.10
#define EVIDENCE_AGREE 0.90

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static size_t result_bytes(const struct ms_engine *e, size_t nr)
{
	return sizeof(struct ms_result) +
	       nr * (sizeof(struct ms_cluster) + e->nwords * sizeof(struct ms_word) +
		     align8(e->object_size));
}

struct ms_result *engine_result_alloc(struct ms_engine *e, size_t nr)
{
	size_t bytes = result_bytes(e, nr), i;
	struct ms_result *r;

	if (!ms_mem_charge(&e->mem, bytes))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r)
		r->clusters = calloc(nr + 1, sizeof(*r->clusters));
	if (!r || !r->clusters)
		goto fail;
	r->nr_clusters = nr;
	for (i = 0; i < nr; i++) {
		struct ms_cluster *c = &r->clusters[i];

		c->pattern.words = calloc(e->nwords, sizeof(*c->pattern.words));
		c->rep = calloc(1, align8(e->object_size));
		if (!c->pattern.words || !c->rep)
			goto fail;
		c->pattern.nr_words = e->nwords;
	}
	e->result_bytes = bytes;
	return r;
fail:
	ms_result_free(r);
	ms_mem_uncharge(&e->mem, bytes);
	return NULL;
}

void engine_result_free(struct ms_engine *e)
{
	if (!e->result)
		return;
	ms_result_free(e->result);
	e->result = NULL;
	ms_mem_uncharge(&e->mem, e->result_bytes);
	e->result_bytes = 0;
}

void ms_result_free(struct ms_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; r->clusters && i < r->nr_clusters; i++) {
		ms_pattern_release(&r->clusters[i].pattern);
		free(r->clusters[i].rep);
	}
	free(r->clusters);
	free(r);
}

size_t ms_result_listed(const struct ms_result *r, unsigned top_n)
{
	size_t n = r ? r->nr_clusters : 0;

	return top_n && top_n < n ? top_n : n;
}

const struct ms_cluster *ms_result_dominant(const struct ms_result *r)
{
	size_t i;

	for (i = 0; r && i < r->nr_clusters; i++)
		if (!r->clusters[i].is_free)
			return &r->clusters[i];
	return NULL;
}

const char *ms_verdict_name(enum ms_verdict verdict)
{
	switch (verdict) {
	case MS_VERDICT_LEAK:
		return "likely leak";
	case MS_VERDICT_DOMINANT:
		return "dominant pattern";
	case MS_VERDICT_WEAK:
		return "weak";
	default:
		return "no dominant pattern";
	}
}

static const char *evidence_name(enum ms_token_kind kind)
{
	switch (kind) {
	case MS_TOK_KTEXT:
		return "function pointers";
	case MS_TOK_KDATA:
		return "kernel data pointers";
	case MS_TOK_SELF:
		return "self pointers";
	case MS_TOK_LIST_POISON:
		return "list poison";
	case MS_TOK_SLAB_POISON:
		return "slab poison";
	case MS_TOK_ASCII:
		return "text";
	default:
		return NULL;
	}
}

/* Which kinds of evidence the cluster's consensus carries, as "self pointers, ..."; 0 if none. */
static int evidence(const struct ms_cluster *c, char *buf, size_t len)
{
	int seen[MS_TOK__COUNT] = { 0 }, n = 0, k;
	size_t i, used = 0;

	buf[0] = 0;
	int shared = 0;

	for (i = 0; i < c->pattern.nr_words; i++) {
		const struct ms_word *w = &c->pattern.words[i];

		if (evidence_name(w->kind) && w->agree >= EVIDENCE_AGREE)
			seen[w->kind] = 1;
		/* Every object pointing at one and the same object (their group, their owner)
		 * is as telling as a function pointer: unrelated objects do not share it. */
		if ((w->kind == MS_TOK_SLAB || w->kind == MS_TOK_SAME_CACHE ||
		     w->kind == MS_TOK_HEAP) && w->constant && w->value)
			shared = 1;
	}
	if (shared) {
		used += snprintf(buf, len, "one object all of them point to");
		n++;
	}
	for (k = 0; k < MS_TOK__COUNT; k++) {
		if (!seen[k] || used >= len)
			continue;
		used += snprintf(buf + used, len - used, "%s%s", n ? ", " : "", evidence_name(k));
		n++;
	}
	return n;
}

int ms_cache_is_general(const char *name)
{
	return !strncmp(name, "kmalloc-", 8) || !strncmp(name, "dma-kmalloc-", 12) ||
	       !strncmp(name, "size-", 5);
}

static enum ms_verdict classify(double share, int informative, uint64_t count, int general)
{
	if (share >= LEAK_SHARE && informative && count >= MS_VERDICT_MIN_OBJECTS && general)
		return MS_VERDICT_LEAK;
	if (share >= LEAK_SHARE || (share >= INFORMATIVE_SHARE && informative))
		return MS_VERDICT_DOMINANT;
	if (share >= WEAK_SHARE)
		return MS_VERDICT_WEAK;
	return MS_VERDICT_NONE;
}

static const char *dominant_reason(int informative, uint64_t count, int general)
{
	if (!general)
		return ", as objects of a dedicated cache do: one type by design, weigh its size";
	if (!informative)
		return " of plain values, no pointer or poison evidence";
	if (count < MS_VERDICT_MIN_OBJECTS)
		return ", too few objects to call it a leak";
	return ", short of half the cache";
}

void engine_verdict(struct ms_result *r)
{
	const struct ms_cluster *d = ms_result_dominant(r);
	char ev[160], *line = r->verdict_line;
	size_t len = sizeof(r->verdict_line);
	int informative, general;

	if (!d || !r->allocated) {
		r->verdict = MS_VERDICT_NONE;
		snprintf(line, len, "%s: no allocated objects analysed",
			 ms_verdict_name(r->verdict));
		return;
	}
	informative = evidence(d, ev, sizeof(ev)) > 0;
	r->verdict_share = d->fraction;
	general = ms_cache_is_general(r->cache_name);
	r->verdict = classify(d->fraction, informative, d->count, general);
	switch (r->verdict) {
	case MS_VERDICT_LEAK:
		snprintf(line, len, "%s: %.1f%% of allocated objects (%lu of %lu, %lu bytes) share "
			 "one pattern with %s", ms_verdict_name(r->verdict), 100 * d->fraction,
			 (unsigned long)d->count, (unsigned long)r->allocated,
			 (unsigned long)d->bytes, ev);
		break;
	case MS_VERDICT_DOMINANT:
		snprintf(line, len, "%s: %.1f%% of allocated objects (%lu of %lu) share one "
			 "pattern%s", ms_verdict_name(r->verdict), 100 * d->fraction,
			 (unsigned long)d->count, (unsigned long)r->allocated,
			 dominant_reason(informative, d->count, general));
		break;
	default:
		snprintf(line, len, "%s: the biggest pattern holds %.1f%% of allocated objects "
			 "(%lu of %lu)", ms_verdict_name(r->verdict), 100 * d->fraction,
			 (unsigned long)d->count, (unsigned long)r->allocated);
		break;
	}
}
