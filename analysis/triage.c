/* triage.c - every slab cache ranked; the rules are in triage.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "engine.h"
#include "json.h"
#include "resolve.h"
#include "token.h"

#ifndef MEMSIM_VERSION
#define MEMSIM_VERSION "unknown"
#endif
#include "triage.h"

struct ms_triage {
	struct ms_triage_cache *caches;
	size_t nr;
	const struct ms_layout *layout;
	const struct ms_env *env;
	struct ms_tokenizer *tok;	/* retargeted to each slab's cache */
	size_t tok_cache;		/* the cache it is set for, or nr */
	struct ms_token tokens[MS_TRIAGE_KEY_WORDS];
	uint64_t packed[2 * MS_TRIAGE_KEY_WORDS];	/* kind, arg: no padding in the hash */
};

struct ms_error *ms_triage_new(const struct ms_triage_cache *caches, size_t nr,
			       const struct ms_layout *layout, const struct ms_env *env,
			       struct ms_triage **out)
{
	struct ms_triage *t;
	struct ms_error *err;
	size_t i;

	*out = NULL;
	if (!layout)
		return ms_error_new(MS_ERR_INVALID, "triage needs a layout");
	t = calloc(1, sizeof(*t));
	if (!t || !(t->caches = calloc(nr ? nr : 1, sizeof(*t->caches)))) {
		free(t);
		return ms_error_new(MS_ERR_NOMEM, "no memory for the per-cache state");
	}
	for (i = 0; i < nr; i++) {
		struct ms_triage_cache *c = &t->caches[i];

		memcpy(c->name, caches[i].name, sizeof(c->name));
		c->name[sizeof(c->name) - 1] = 0;
		c->addr = caches[i].addr;
		c->object_size = caches[i].object_size;
		c->stride = caches[i].stride;
		c->slab_size = caches[i].slab_size;
		c->reclaimable = caches[i].reclaimable;
	}
	t->nr = nr;
	t->layout = layout;
	t->env = env;
	t->tok_cache = nr;
	err = ms_tokenizer_new(layout, env, 0, 8, &t->tok);
	if (err) {
		ms_triage_free(t);
		return err;
	}
	*out = t;
	return NULL;
}

void ms_triage_free(struct ms_triage *t)
{
	if (!t)
		return;
	ms_tokenizer_free(t->tok);
	free(t->caches);
	free(t);
}

struct ms_triage_cache *ms_triage_cache(struct ms_triage *t, size_t i)
{
	return i < t->nr ? &t->caches[i] : NULL;
}

size_t ms_triage_count(const struct ms_triage *t)
{
	return t->nr;
}

/* Space-Saving: the slot of @key, else the least counted one taken over. */
static void count_key(struct ms_triage_cache *c, uint64_t key, uint64_t addr)
{
	struct ms_triage_slot *s;
	unsigned i, min = 0;

	if (c->nr_slots && c->slots[c->last].key == key) {
		c->slots[c->last].count++;
		return;
	}
	for (i = 0; i < c->nr_slots; i++) {
		if (c->slots[i].key == key) {
			c->slots[i].count++;
			c->last = i;
			return;
		}
		if (c->slots[i].count < c->slots[min].count)
			min = i;
	}
	if (c->nr_slots < MS_TRIAGE_SLOTS) {
		s = &c->slots[c->nr_slots];
		c->last = c->nr_slots++;
		*s = (struct ms_triage_slot){ key, 1, 0, addr };
		return;
	}
	s = &c->slots[min];
	*s = (struct ms_triage_slot){ key, s->count + 1, s->count, addr };
	c->last = min;
}

void ms_triage_feed_slab(struct ms_triage *t, size_t i, const struct ms_slab_view *v)
{
	struct ms_triage_cache *c;
	uint32_t k, n, w;

	if (i >= t->nr)
		return;
	c = &t->caches[i];
	if (v->object_size != c->object_size || v->stride < v->object_size || !v->object_size) {
		c->slabs_skipped++;
		return;
	}
	/* Past the first objects of a big cache, one slab in MS_TRIAGE_SAMPLE_EVERY. */
	if (c->slabs_fed++ % MS_TRIAGE_SAMPLE_EVERY && c->keyed >= MS_TRIAGE_FULL_OBJECTS) {
		c->sampled = 1;
		return;
	}
	if (t->tok_cache != i) {
		if (ms_tokenizer_retarget(t->tok, c->addr, c->object_size)) {
			c->slabs_skipped++;
			return;
		}
		t->tok_cache = i;
	}
	for (k = 0; k < v->nr_objects; k++) {
		const uint8_t *obj = v->buf + v->first + (size_t)k * v->stride;
		uint64_t addr = v->addr + v->first + (uint64_t)k * v->stride;

		if (!(v->allocated[k / 64] >> (k % 64) & 1))
			continue;
		n = ms_tokenize_prefix(t->tok, obj, addr, MS_TRIAGE_KEY_WORDS, t->tokens, NULL);
		for (w = 0; w < n; w++) {
			enum ms_token_kind kind = t->tokens[w].kind;

			/* NULL or a sibling in this cache: one key (see triage.h). */
			t->packed[2 * w] = kind == MS_TOK_ZERO ? MS_TOK_SAME_CACHE : kind;
			t->packed[2 * w + 1] = t->tokens[w].arg;
		}
		count_key(c, XXH3_64bits(t->packed, 2 * n * sizeof(t->packed[0])), addr);
		c->keyed++;
	}
}

double ms_triage_score(uint64_t dominant, uint32_t stride, int general, int informative,
		       int reclaimable)
{
	double s = (double)dominant * stride / (1 << 20);

	if (!general)
		s *= 0.25;
	if (!informative)
		s *= 0.5;
	if (reclaimable)
		s *= 0.5;
	return s;
}

/* Append ", item" (or "item" first) to @buf; 0 once it is full. */
static int add_item(char *buf, size_t len, const char *item)
{
	size_t used = strlen(buf), need = strlen(item) + (used ? 2 : 0);

	if (used + need + 1 > len)
		return 0;
	snprintf(buf + used, len - used, "%s%s", used ? ", " : "", item);
	return 1;
}

/* Printable text of the words from @i on that are ascii, quoted; returns words taken. */
static size_t text_of(const struct ms_token *tok, const uint64_t *val, size_t nr, size_t i,
		      char *out, size_t len)
{
	size_t n = 0, o = 0, w;
	int b;

	if (len < 4)
		return 1;
	out[o++] = '"';
	for (w = i; w < nr && tok[w].kind == MS_TOK_ASCII && n < 4; w++, n++)
		for (b = 0; b < 8 && o + 3 < len; b++) {
			unsigned char ch = val[w] >> (8 * b) & 0xff;

			if (!ch)
				break;
			out[o++] = ch >= 0x20 && ch < 0x7f && ch != '"' ? ch : '.';
		}
	out[o++] = '"';
	out[o] = 0;
	return n ? n : 1;
}

int ms_triage_describe(const struct ms_token *tok, const uint64_t *val, size_t nr,
		       const struct ms_env *env,
		       const char *(*cache_name)(void *ctx, uint64_t cache), void *ctx,
		       char *buf, size_t len)
{
	char item[200], name[160], text[48];
	int found = 0, items = 0, full = 0;
	size_t i, step;

	if (!len)
		return 0;
	buf[0] = 0;
	for (i = 0; i < nr; i += step) {
		uint32_t off = (uint32_t)i * 8;
		struct ms_symbol sym;

		step = 1;
		item[0] = 0;
		switch (tok[i].kind) {
		case MS_TOK_KTEXT:
		case MS_TOK_KDATA:
			memset(&sym, 0, sizeof(sym));
			if (env && env->symbol && env->symbol(env->ctx, val[i], &sym) && sym.name[0]) {
				ms_symbol_format(&sym, name, sizeof(name));
				snprintf(item, sizeof(item), "&%s +0x%x", name, off);
			} else {
				snprintf(item, sizeof(item), "%s %016llx +0x%x",
					 tok[i].kind == MS_TOK_KTEXT ? "text" : "data",
					 (unsigned long long)val[i], off);
			}
			break;
		case MS_TOK_SELF:
			/* An empty list_head: both words point at the first. */
			if (tok[i].arg == off && i + 1 < nr && tok[i + 1].kind == MS_TOK_SELF &&
			    tok[i + 1].arg == off) {
				snprintf(item, sizeof(item), "empty list +0x%x", off);
				step = 2;
			} else {
				snprintf(item, sizeof(item), "self pointer +0x%x -> +0x%llx", off,
					 (unsigned long long)tok[i].arg);
			}
			break;
		case MS_TOK_LIST_POISON:
			snprintf(item, sizeof(item), "list poison +0x%x", off);
			break;
		case MS_TOK_ASCII:
			step = text_of(tok, val, nr, i, text, sizeof(text));
			snprintf(item, sizeof(item), "text %s +0x%x", text, off);
			break;
		case MS_TOK_SLAB: {
			const char *cn = cache_name ? cache_name(ctx, tok[i].arg) : NULL;

			if (cn)
				snprintf(item, sizeof(item), "-> %s +0x%x", cn, off);
			break;
		}
		default:
			break;
		}
		if (!item[0])
			continue;
		if (tok[i].kind != MS_TOK_SLAB)
			found = 1;
		/* Full: keep looking, since whether the object is informative must not
		 * depend on the room to describe it. */
		if (!full && (items == MS_TRIAGE_DESC_ITEMS || !add_item(buf, len, item)))
			full = 1;
		else if (!full)
			items++;
	}
	if (buf[0] || found)
		return found;
	/* Nothing typed: the kinds of the first words. */
	for (i = 0; i < nr && i < 8; i++)
		if (!add_item(buf, len, ms_token_kind_name(tok[i].kind)))
			break;
	for (step = strlen(buf), i = 0; i < step; i++)	/* "zero small raw", not commas */
		if (buf[i] == ',')
			memmove(buf + i, buf + i + 1, step-- - i);
	return 0;
}

static const char *name_of(void *ctx, uint64_t cache)
{
	struct ms_triage *t = ctx;
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->caches[i].addr == cache)
			return t->caches[i].name;
	return NULL;
}

/* Read the representative of @c's dominant pattern and describe it. */
static void describe(struct ms_triage *t, size_t i)
{
	struct ms_triage_cache *c = &t->caches[i];
	uint32_t n;
	uint64_t values[MS_TRIAGE_KEY_WORDS];
	uint8_t *obj;

	if (!c->dominant_rep || !t->env || !t->env->read)
		return;
	obj = malloc(c->object_size);
	if (!obj)
		return;
	if (t->env->read(t->env->ctx, c->dominant_rep, obj, c->object_size) &&
	    !ms_tokenizer_retarget(t->tok, c->addr, c->object_size)) {
		t->tok_cache = i;
		n = ms_tokenize_prefix(t->tok, obj, c->dominant_rep, MS_TRIAGE_KEY_WORDS, t->tokens,
				       values);
		c->informative = ms_triage_describe(t->tokens, values, n, t->env, name_of, t,
						    c->desc, sizeof(c->desc));
		c->described = 1;
	}
	free(obj);
}

void ms_triage_finish(struct ms_triage *t)
{
	size_t i;
	unsigned k;

	for (i = 0; i < t->nr; i++) {
		struct ms_triage_cache *c = &t->caches[i];
		const struct ms_triage_slot *best = NULL;

		c->general = ms_cache_is_general(c->name);
		for (k = 0; k < c->nr_slots; k++)
			if (!best || c->slots[k].count - c->slots[k].err > best->count - best->err)
				best = &c->slots[k];
		c->dominant = best ? best->count - best->err : 0;
		c->dominant_rep = best ? best->rep : 0;
		if (c->sampled && c->keyed) {	/* the sample's share of every allocated object */
			c->share = (double)c->dominant / c->keyed;
			c->dominant = (uint64_t)(c->share * c->allocated + 0.5);
		} else {
			c->share = c->allocated ? (double)c->dominant / c->allocated : 0;
		}
		if (c->share > 1)
			c->share = 1;
		if (c->dominant > c->allocated)
			c->dominant = c->allocated;
		c->desc[0] = 0;
		c->informative = 0;
		describe(t, i);
		c->score = ms_triage_score(c->dominant, c->stride, c->general, c->informative,
					   c->reclaimable);
	}
}

static int cmp_rank(const void *a, const void *b, void *ctx)
{
	const struct ms_triage *t = ctx;
	const struct ms_triage_cache *x = &t->caches[*(const size_t *)a];
	const struct ms_triage_cache *y = &t->caches[*(const size_t *)b];

	if ((x->allocated > 0) != (y->allocated > 0))
		return x->allocated > 0 ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->name, y->name);
}

void ms_triage_rank(const struct ms_triage *t, size_t *order)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		order[i] = i;
	qsort_r(order, t->nr, sizeof(*order), cmp_rank, (void *)t);
}

void ms_triage_totals(const struct ms_triage *t, struct ms_triage_totals *tot)
{
	size_t i;

	tot->slabs = tot->objects = tot->allocated = tot->bytes = tot->bytes_reclaimable = 0;
	tot->caches_sampled = 0;
	for (i = 0; i < t->nr; i++) {
		const struct ms_triage_cache *c = &t->caches[i];

		tot->slabs += c->slabs;
		tot->objects += c->total;
		tot->allocated += c->allocated;
		tot->bytes += c->bytes;
		if (c->reclaimable)
			tot->bytes_reclaimable += c->bytes;
		if (c->sampled)
			tot->caches_sampled++;
	}
}

/* @v bytes as kmem prints sizes: "512k", "3.1M", "1.2G". */
void ms_human_bytes(uint64_t v, char *buf, size_t len)
{
	if (v >= (1ULL << 30))
		snprintf(buf, len, "%.1fG", v / (double)(1ULL << 30));
	else if (v >= (1ULL << 20))
		snprintf(buf, len, "%.1fM", v / (double)(1ULL << 20));
	else
		snprintf(buf, len, "%" PRIu64 "k", (v + 1023) >> 10);
}

int ms_triage_text(const struct ms_triage *t, const size_t *order, size_t rows,
		   const struct ms_triage_totals *tot, FILE *out)
{
	char b1[32], b2[32], b3[32];
	size_t i, shown = 0, with = 0;

	ms_human_bytes(tot->bytes, b1, sizeof(b1));
	ms_human_bytes(tot->bytes_reclaimable, b2, sizeof(b2));
	ms_human_bytes(tot->bytes - tot->bytes_reclaimable, b3, sizeof(b3));
	fprintf(out, "SLAB CACHES: %zu, %" PRIu64 " slabs, %s (reclaimable %s, unreclaimable %s); "
		     "%" PRIu64 " of %" PRIu64 " objects allocated%s\n", t->nr, tot->slabs, b1, b2,
		b3, tot->allocated, tot->objects, tot->interrupted ? "; INTERRUPTED: counts cover "
		"the memory map walked so far" : "");
	if (tot->caches_unreadable)
		fprintf(out, "  %" PRIu64 " caches on slab_caches could not be read: not ranked\n",
			tot->caches_unreadable);
	if (tot->pages_unreadable)
		fprintf(out, "  %" PRIu64 " struct pages could not be read: slabs there are not "
			     "counted\n", tot->pages_unreadable);
	if (tot->slabs_unreadable)
		fprintf(out, "  %" PRIu64 " slabs could not be read: their objects are counted "
			     "neither way\n", tot->slabs_unreadable);
	if (tot->caches_disagree)
		fprintf(out, "  %" PRIu64 " caches count other slabs in their node counters than "
			     "the memory map holds (memsim -s CACHE says more)\n",
			tot->caches_disagree);
	if (tot->freelist_errors)
		fprintf(out, "  %" PRIu64 " corrupt freelists (memsim -s CACHE says where)\n",
			tot->freelist_errors);
	if (tot->caches_sampled)
		fprintf(out, "  %" PRIu64 " big caches: patterns counted in %u of their first objects, "
			     "then in 1 slab of %u (shares estimated; the suspects are scanned in "
			     "full)\n", tot->caches_sampled, MS_TRIAGE_FULL_OBJECTS,
			MS_TRIAGE_SAMPLE_EVERY);
	fprintf(out, "RANKED by suspicion: MiB held by one pattern; x1/4 dedicated cache, x1/2 no "
		     "typed words, x1/2 reclaimable\n\n");
	fprintf(out, "RANK  CACHE             NAME                 OBJSIZE  ALLOCATED      TOTAL  "
		     "SLABS  BYTES   RCL  DOMINANT    SCORE  PATTERN\n");
	for (i = 0; i < t->nr; i++) {
		const struct ms_triage_cache *c = &t->caches[order[i]];

		if (!c->allocated)
			continue;
		with++;
		if (rows && shown >= rows)
			continue;
		ms_human_bytes(c->bytes, b1, sizeof(b1));
		fprintf(out, "%4zu  %016" PRIx64 "  %-20s %7u  %9" PRIu64 "  %9" PRIu64
			     "  %5" PRIu64 "  %-6s  %-3s  %7.2f%%  %7.2f  %s\n", shown + 1, c->addr,
			c->name, c->object_size, c->allocated, c->total, c->slabs, b1,
			c->reclaimable ? "yes" : "-", 100 * c->share, c->score,
			c->desc[0] ? c->desc : "(not read)");
		shown++;
	}
	for (i = 0, shown = 0; i < t->nr && (!rows || shown < rows); i++) {
		const struct ms_triage_cache *c = &t->caches[order[i]];

		if (!c->allocated)
			continue;
		shown++;
		if (c->aliases[0])
			fprintf(out, "  %s holds the objects of the caches merged into it: %s\n",
				c->name, c->aliases);
	}
	if (with > shown)
		fprintf(out, "  ... %zu more caches with objects allocated (memsim -a -j lists "
			     "every cache)\n", with - shown);
	if (t->nr > with)
		fprintf(out, "  %zu caches hold no allocated object\n", t->nr - with);
	return ferror(out) ? -1 : 0;
}

static void j_u64(FILE *out, const char *k, uint64_t v, int comma)
{
	fprintf(out, "\"%s\":%" PRIu64 "%s", k, v, comma ? "," : "");
}

static void j_addr(FILE *out, const char *k, uint64_t v, int comma)
{
	fprintf(out, "\"%s\":\"0x%016" PRIx64 "\"%s", k, v, comma ? "," : "");
}

static void j_str(FILE *out, const char *k, const char *v, int comma)
{
	fprintf(out, "\"%s\":", k);
	ms_json_string(out, v);
	if (comma)
		fputc(',', out);
}

/* "a, b" as JSON strings "a","b". */
static void alias_list(FILE *out, const char *list)
{
	char name[128];
	const char *p = list;
	int first = 1;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p, n);
		name[n] = 0;
		if (name[0]) {
			if (!first)
				fputc(',', out);
			ms_json_string(out, name);
			first = 0;
		}
		p += strcspn(p, ",");
		while (*p == ',' || *p == ' ')
			p++;
	}
}

int ms_triage_json_begin(const struct ms_triage *t, const size_t *order,
			 const struct ms_triage_totals *tot, FILE *out)
{
	char cmd[100];
	size_t i;

	fprintf(out, "{\"schema\":\"memsim-triage\",\"version\":1,");
	j_str(out, "memsim_version", MEMSIM_VERSION, 1);
	fprintf(out, "\"totals\":{");
	j_u64(out, "caches", t->nr, 1);
	j_u64(out, "caches_unreadable", tot->caches_unreadable, 1);
	j_u64(out, "slabs", tot->slabs, 1);
	j_u64(out, "objects", tot->objects, 1);
	j_u64(out, "allocated", tot->allocated, 1);
	j_u64(out, "bytes", tot->bytes, 1);
	j_u64(out, "bytes_reclaimable", tot->bytes_reclaimable, 1);
	j_u64(out, "pages_unreadable", tot->pages_unreadable, 1);
	j_u64(out, "slabs_unreadable", tot->slabs_unreadable, 1);
	j_u64(out, "caches_disagree", tot->caches_disagree, 1);
	j_u64(out, "caches_sampled", tot->caches_sampled, 1);
	j_u64(out, "freelist_errors", tot->freelist_errors, 1);
	fprintf(out, "\"interrupted\":%s},\"caches\":[", tot->interrupted ? "true" : "false");
	for (i = 0; i < t->nr; i++) {
		const struct ms_triage_cache *c = &t->caches[order[i]];

		fprintf(out, "%s{", i ? "," : "");
		j_u64(out, "rank", i + 1, 1);
		j_str(out, "name", c->name, 1);
		j_addr(out, "address", c->addr, 1);
		j_u64(out, "object_size", c->object_size, 1);
		j_u64(out, "stride", c->stride, 1);
		j_u64(out, "slab_size", c->slab_size, 1);
		j_u64(out, "allocated", c->allocated, 1);
		j_u64(out, "total", c->total, 1);
		j_u64(out, "slabs", c->slabs, 1);
		j_u64(out, "bytes", c->bytes, 1);
		fprintf(out, "\"aliases\":[");
		alias_list(out, c->aliases);
		fprintf(out, "],\"sampled\":%s,", c->sampled ? "true" : "false");
		j_u64(out, "keyed", c->keyed, 1);
		fprintf(out, "\"reclaimable\":%s,\"general\":%s,\"informative\":%s,",
			c->reclaimable ? "true" : "false", c->general ? "true" : "false",
			c->informative ? "true" : "false");
		j_u64(out, "dominant", c->dominant, 1);
		fprintf(out, "\"dominant_share\":%.6f,\"score\":%.4f,", c->share, c->score);
		if (c->dominant_rep)
			j_addr(out, "dominant_representative", c->dominant_rep, 1);
		j_str(out, "description", c->desc, 1);
		snprintf(cmd, sizeof(cmd), "memsim %s", c->name);
		j_str(out, "command", cmd, 0);
		fputc('}', out);
	}
	fprintf(out, "],\"suspects\":[");
	return ferror(out) ? -1 : 0;
}

int ms_triage_json_end(FILE *out)
{
	fprintf(out, "]}\n");
	return ferror(out) ? -1 : 0;
}
