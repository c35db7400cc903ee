/* owner.c - which struct a cluster's objects are, scored against debuginfo; see owner.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "owner.h"
#include "resolve.h"

#define MAX_SLOTS 4096		/* leaves of one flattened candidate */
#define MAX_DEPTH 2		/* levels of pointed-to objects scored */
#define STRONG 2.0		/* a word scoring this much is typed evidence */
#define MIN_DECISIVE 3.0	/* a guess needs at least this much typed evidence */
#define MAX_VAR_TYPES 8
#define HINT_DECISIVE 2.0	/* an allocator's hint this strong decides a plain pattern */
#define LENGTH_VARYING 4.0	/* a member holds each object's payload length (payload.h) */
#define LENGTH_TEXT 2.5		/* ... the same in every object, and the payload is text */
#define LENGTH_SLOT 2.0		/* ... the slot size minus the header, the payload is text */
#define LENGTH_ADMITS 2.0	/* a header this well proven is a candidate below the class */

struct ranker {
	struct ms_dwarf_index *const *idx;
	size_t nidx;
	const char *cache_name;
	const char *aliases;		/* caches merged into this one, comma-separated */
	uint32_t object_size;
	int dedicated;
	const struct ms_owner_hint *hints;
	size_t nr_hints;
	double *hint_w;			/* each hint's bonus on a candidate it names */
	uint32_t period, nelem;		/* the pattern repeats: nelem periods of period bytes */
};

/* Typed evidence: the words scoring STRONG or more, text apart (any char array takes it). */
struct strength {
	double typed, text;
};

/* One scored word: what decided it, for the evidence lines. */
struct verdict {
	double score;
	char line[560];
};

/* What a candidate's score rests on. */
struct tally {
	double strong;			/* typed evidence: the words', name, origin, hint, length */
	double words;			/* the typed-evidence word scores alone, text not */
	double hint;			/* the allocator's hint among them */
	double length;			/* the credit of a member counting the payload */
};

struct scored {
	size_t index;			/* which ms_dwarf_index */
	const struct ms_dw_struct *s;
	double score;
	struct tally t;
	uint32_t nelem;			/* scored as an array of this many (0: as the object) */
};

/* ---- small helpers ---- */

static const uint32_t kmalloc_classes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024,
					     2048, 4096, 8192, 16384, 32768, 65536, 131072 };

uint32_t ms_owner_min_size(const char *cache_name, uint32_t object_size)
{
	uint32_t prev = 0;
	size_t i;

	/* SLUB merges a cache into one whose slot is less than a pointer bigger: allow that */
	if (!cache_name || !ms_cache_is_general(cache_name))
		return object_size > 16 ? object_size - 15 : 1;
	for (i = 0; i < sizeof(kmalloc_classes) / sizeof(kmalloc_classes[0]); i++)
		if (kmalloc_classes[i] < object_size)
			prev = kmalloc_classes[i];
	return prev + 1;
}

/* Split "name+0xoff [module]" into its parts. */
static int parse_symbol(const char *text, char *name, size_t nlen, uint64_t *offset,
			char *module, size_t mlen)
{
	const char *plus = strstr(text, "+0x"), *br = strchr(text, '[');
	size_t n = strcspn(text, "+ ");

	if (!text[0] || n >= nlen)
		return 0;
	memcpy(name, text, n);
	name[n] = 0;
	*offset = plus ? strtoull(plus + 3, NULL, 16) : 0;
	module[0] = 0;
	if (br) {
		size_t m = strcspn(br + 1, "]");

		if (m < mlen) {
			memcpy(module, br + 1, m);
			module[m] = 0;
		}
	}
	return 1;
}

/* Types of the global @name, from @module's index first, then all. */
static size_t var_types(const struct ranker *r, const char *name, const char *module,
			const char **types, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < r->nidx && !n; i++)
		if (!strcmp(ms_dwarf_index_origin(r->idx[i]), module[0] ? module : "vmlinux"))
			n = ms_dwarf_index_var_types(r->idx[i], name, types, max);
	for (i = 0; i < r->nidx && !n; i++)
		n = ms_dwarf_index_var_types(r->idx[i], name, types, max);
	return n < max ? n : max;
}

/* The definition of "struct NAME" (@key) in any index; *@which gets its index. */
static const struct ms_dw_struct *find_struct(const struct ranker *r, const char *key,
					      size_t *which)
{
	size_t i;

	if (strncmp(key, "struct ", 7))
		return NULL;
	for (i = 0; i < r->nidx; i++) {
		const struct ms_dw_struct *s = ms_dwarf_index_find_struct(r->idx[i], key + 7);

		if (s) {
			*which = i;
			return s;
		}
	}
	return NULL;
}

static int is_link(const struct ms_slot *s)
{
	return s->link == MS_LINK_LIST || s->link == MS_LINK_HLIST_NODE ||
	       s->link == MS_LINK_HLIST_HEAD || s->link == MS_LINK_LLIST;
}

static const char *slot_desc(const struct ms_slot *s, char *buf, size_t len)
{
	static const char *const links[] = { "", "list_head", "hlist_node", "hlist_head",
					      "rb_node", "llist_node", "rcu_head" };

	switch (s->kind) {
	case MS_SLOT_FNPTR:
		snprintf(buf, len, "function pointer");
		break;
	case MS_SLOT_PTR:
		snprintf(buf, len, "%s *", s->pointee);
		break;
	case MS_SLOT_VOIDPTR:
		snprintf(buf, len, "untyped pointer");
		break;
	case MS_SLOT_CHARS:
		snprintf(buf, len, "char[%u]", s->size);
		break;
	case MS_SLOT_FLOAT:
		snprintf(buf, len, "float");
		break;
	default:
		snprintf(buf, len, "%u-byte integer", s->size);
		break;
	}
	if (s->link != MS_LINK_NONE) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " in a %s", links[s->link]);
	}
	return buf;
}

static int word_is_pointer(enum ms_token_kind k)
{
	switch (k) {
	case MS_TOK_SELF:
	case MS_TOK_SAME_CACHE:
	case MS_TOK_SLAB:
	case MS_TOK_HEAP:
	case MS_TOK_KTEXT:
	case MS_TOK_KDATA:
	case MS_TOK_VMALLOC:
	case MS_TOK_VMEMMAP:
	case MS_TOK_PERCPU:
		return 1;
	default:
		return 0;
	}
}

static double score_struct(const struct ranker *r, size_t which, const struct ms_dw_struct *s,
			   const struct ms_word *words, size_t nw, uint32_t limit, int depth,
			   uint32_t payload_from, uint32_t length_word, struct verdict *v,
			   struct strength *strong);

/* Does struct @key's size land in @t's cache, where the pointers land at its start? */
static int fits_target(const struct ms_dw_struct *ts, const struct ms_target *t)
{
	uint32_t min = ms_owner_min_size(t->cache_name, t->object_size);

	if (!ts || !t->object_size)
		return 0;
	if (ts->size >= min && ts->size <= t->object_size)
		return 1;
	return ts->flexible && ts->size < t->object_size;
}

/* A pointer into slab objects (@w->target) against pointer slot @sl. */
static double score_heap_ptr(const struct ranker *r, const char *self, const struct ms_word *w,
			     const struct ms_slot *sl, int depth, char *why, size_t len)
{
	const struct ms_target *t = w->target;
	const struct ms_dw_struct *ts;
	double sc = sl->kind == MS_SLOT_PTR ? 1.0 : 0.7, sub;
	struct strength strong = { 0, 0 };
	size_t which = 0;

	if ((is_link(sl) || sl->link == MS_LINK_RB) && t && w->kind == MS_TOK_SAME_CACHE &&
	    t->offset_in_target == sl->link_offset) {
		snprintf(why, len, "a link to the same member (+0x%x) of other objects of this cache",
			 t->offset_in_target);
		return 2.5;
	}
	if (is_link(sl) || sl->link == MS_LINK_RB) {
		snprintf(why, len, "a pointer to another object");
		return t && t->offset_in_target ? 2.0 : 1.5;
	}
	if (sl->kind != MS_SLOT_PTR || !t) {
		snprintf(why, len, "a pointer to a heap object");
		return sc;
	}
	if (w->kind == MS_TOK_SAME_CACHE && strncmp(sl->pointee, "struct ", 7) == 0 &&
	    strcmp(sl->pointee + 7, self)) {
		/*
		 * Objects of one cluster pointing at each other are alike: a member typed as
		 * another struct gains nothing from matching them.
		 */
		snprintf(why, len, "a pointer to another object of this cache");
		return 0.5;
	}
	ts = find_struct(r, sl->pointee, &which);
	if (!ts) {
		snprintf(why, len, "a pointer into %s", t->cache_name);
		return sc;
	}
	if (t->offset_in_target == 0 && fits_target(ts, t)) {
		sc = 2.5;
		snprintf(why, len, "a pointer into %s, where a %u-byte %s fits", t->cache_name,
			 ts->size, sl->pointee);
	} else if (t->offset_in_target == 0) {
		sc = -0.5;
		snprintf(why, len, "a pointer into %s, where a %u-byte %s does not fit",
			 t->cache_name, ts->size, sl->pointee);
		return sc;
	} else {
		snprintf(why, len, "a pointer to +0x%x of a %s object", t->offset_in_target,
			 t->cache_name);
		return 0.5;
	}
	if (depth < MAX_DEPTH && t->words && t->nr_words) {
		struct verdict *sv = calloc(t->nr_words, sizeof(*sv));
		size_t k, best = 0;

		sub = score_struct(r, which, ts, t->words, t->nr_words, ts->size, depth + 1,
				   UINT32_MAX, UINT32_MAX, sv, &strong);
		if (strong.typed + strong.text > 0) {
			double bonus = fmin(0.5 * (strong.typed + strong.text), 4.0);
			size_t n = strlen(why);

			for (k = 1; sv && k < t->nr_words; k++)
				if (sv[k].score > sv[best].score)
					best = k;
			sc += bonus;
			snprintf(why + n, len - n, "; its objects match %s (%+.1f%s%.120s)",
				 sl->pointee, bonus, sv && sv[best].line[0] ? ", there " : "",
				 sv ? sv[best].line : "");
		}
		free(sv);
		(void)sub;
	}
	return sc;
}

/* Word @w against an 8-byte pointer or integer slot @sl. */
static double score_slot(const struct ranker *r, const char *self, const struct ms_word *w,
			 const struct ms_slot *sl, int depth, char *why, size_t len)
{
	int ptr = sl->kind == MS_SLOT_PTR || sl->kind == MS_SLOT_VOIDPTR || sl->kind == MS_SLOT_FNPTR;
	char name[128], module[64];
	const char *types[MAX_VAR_TYPES];
	uint64_t off = 0;
	size_t n, i;

	why[0] = 0;
	switch (w->kind) {
	case MS_TOK_ZERO:
	case MS_TOK_SLAB_POISON:
		return 0;
	case MS_TOK_SMALL:
		if (sl->kind == MS_SLOT_INT) {
			snprintf(why, len, "small values");
			return 1.0;
		}
		if (ptr && w->value >= 0xfffffffffffff001ULL) {
			snprintf(why, len, "-1..-4095 (a sentinel or ERR_PTR)");
			return 0.3;
		}
		snprintf(why, len, "small values, not a pointer");
		return ptr ? -2.0 : 0;
	case MS_TOK_RAW:
		if (sl->kind == MS_SLOT_INT || sl->kind == MS_SLOT_FLOAT) {
			snprintf(why, len, "64-bit values");
			return 0.5;
		}
		snprintf(why, len, "values that are no pointer");
		return ptr ? -1.0 : 0;
	case MS_TOK_ASCII:
		snprintf(why, len, "text");
		return sl->kind == MS_SLOT_CHARS ? 2.5 : ptr ? -2.0 : 0.2;
	case MS_TOK_USER:
		snprintf(why, len, "user-space addresses");
		return sl->kind == MS_SLOT_VOIDPTR ? 1.0 : sl->kind == MS_SLOT_INT ? 0.7 :
		       sl->kind == MS_SLOT_PTR	   ? 0.5 : -1.0;
	case MS_TOK_LIST_POISON:
		snprintf(why, len, "list poison");
		if (is_link(sl))
			return 3.0;
		return ptr ? 0.5 : -1.0;
	case MS_TOK_SELF:
		if (sl->link == MS_LINK_LIST && sl->link_offset == w->arg) {
			snprintf(why, len, "a pointer to itself (an empty list)");
			return 3.0;
		}
		snprintf(why, len, "a pointer into the object itself");
		if (is_link(sl))
			return 1.0;
		if (sl->kind == MS_SLOT_PTR || sl->kind == MS_SLOT_VOIDPTR)
			return 0.5;
		return sl->kind == MS_SLOT_FNPTR ? -2.0 : -1.5;
	case MS_TOK_KTEXT:
		snprintf(why, len, "function %s", w->symbol[0] ? w->symbol : "pointer");
		if (sl->kind == MS_SLOT_FNPTR)
			return w->symbol[0] && !strstr(w->symbol, "+0x") ? 4.0 : 2.0;
		if (sl->kind == MS_SLOT_VOIDPTR)
			return 1.0;
		return sl->kind == MS_SLOT_INT && sl->size == 8 ? 0.5 : -1.5;
	case MS_TOK_KDATA:
		if (!w->symbol[0] ||
		    !parse_symbol(w->symbol, name, sizeof(name), &off, module, sizeof(module))) {
			snprintf(why, len, "a pointer to kernel data");
			return ptr && sl->kind != MS_SLOT_FNPTR ? 1.0 : -1.0;
		}
		n = var_types(r, name, module, types, MAX_VAR_TYPES);
		if (off == 0 && sl->kind == MS_SLOT_PTR) {
			for (i = 0; i < n; i++)
				if (!strcmp(types[i], sl->pointee)) {
					snprintf(why, len, "&%s, a %s", w->symbol, types[i]);
					return 5.0;
				}
			snprintf(why, len, "&%s, %s%s", w->symbol, n ? "a " : "of unknown type",
				 n ? types[0] : "");
			if (is_link(sl))
				return n && (!strcmp(types[0], "struct list_head") ||
					     !strcmp(types[0], "struct hlist_head")) ? 2.5 : 0.5;
			return n ? -1.0 : 0.5;
		}
		snprintf(why, len, "&%s", w->symbol);
		if (is_link(sl))
			return 1.5;
		if (sl->kind == MS_SLOT_FNPTR)
			return -2.0;
		if (ptr)
			return off ? 0.5 : 1.0;
		return sl->kind == MS_SLOT_INT && sl->size == 8 ? 0.3 : -1.0;
	case MS_TOK_SAME_CACHE:
	case MS_TOK_SLAB:
	case MS_TOK_HEAP:
		if (sl->kind == MS_SLOT_FNPTR) {
			snprintf(why, len, "a heap pointer, not code");
			return -2.0;
		}
		if (!ptr && sl->link == MS_LINK_RB && sl->size == 8) {
			snprintf(why, len, "a parent pointer with colour bits");
			return 1.5;
		}
		if (!ptr) {
			snprintf(why, len, "pointers, not integers");
			return sl->kind == MS_SLOT_INT && sl->size == 8 ? -0.5 : -1.5;
		}
		return score_heap_ptr(r, self, w, sl, depth, why, len);
	case MS_TOK_VMEMMAP:
		snprintf(why, len, "a struct page pointer");
		if (sl->kind == MS_SLOT_PTR)
			return !strcmp(sl->pointee, "struct page") ? 3.0 : -0.5;
		return sl->kind == MS_SLOT_VOIDPTR ? 0.5 : 0;
	case MS_TOK_PERCPU:
		snprintf(why, len, "a per-cpu pointer");
		return sl->kind == MS_SLOT_FNPTR ? -1.0 : ptr ? 1.0 : 0.5;
	case MS_TOK_VMALLOC:
		snprintf(why, len, "a vmalloc address");
		return sl->kind == MS_SLOT_FNPTR ? -1.0 : ptr ? 0.7 : 0.3;
	default:
		return 0;
	}
}

static int printable(uint8_t c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n';
}

/*
 * Word @w against the members smaller than a word that share it (packed integers, bytes of
 * text): each member is read out of the representative's value, so that small numbers in
 * integer members score, non-text in char arrays and non-zero bytes in holes do not.
 */
static double score_packed(const struct ms_flat *flat, const struct ms_word *w, int has_chars,
			   char *why, size_t len)
{
	uint8_t bytes[8], covered[8] = { 0 };
	double sc = 0;
	size_t i;
	int k;

	switch (w->kind) {
	case MS_TOK_ASCII:
		snprintf(why, len, "text");
		return has_chars ? 2.5 : 0.2;
	case MS_TOK_ZERO:
	case MS_TOK_SLAB_POISON:
		return 0;
	case MS_TOK_SMALL:
	case MS_TOK_RAW:
	case MS_TOK_USER:
		break;
	default:
		snprintf(why, len, "a pointer where the members are smaller");
		return word_is_pointer(w->kind) ? -2.0 : 0;
	}
	for (k = 0; k < 8; k++)
		bytes[k] = (uint8_t)(w->value >> (8 * k));
	for (i = 0; i < flat->nr; i++) {
		const struct ms_slot *sl = &flat->slots[i];
		uint32_t from = sl->offset > w->offset ? sl->offset - w->offset : 0;
		uint32_t to = sl->offset + sl->size - w->offset;
		uint64_t v = 0;
		int text = 1, zero = 1;

		if (sl->offset >= w->offset + 8 || sl->offset + sl->size <= w->offset)
			continue;
		if (to > 8)
			to = 8;
		for (k = (int)to - 1; k >= (int)from; k--) {
			covered[k] = 1;
			v = v << 8 | bytes[k];
			text &= printable(bytes[k]) || !bytes[k];
			zero &= !bytes[k];
		}
		if (sl->kind == MS_SLOT_CHARS)
			sc += zero ? 0 : text ? 0.3 : -0.4;
		else if (sl->kind == MS_SLOT_INT || sl->kind == MS_SLOT_FLOAT)
			sc += v == 0 ? 0.05 : v < 0x10000 ? 0.4 : 0.1;
		else
			sc -= v ? 0.5 : 0;	/* part of a pointer: the word should be one */
	}
	for (k = 0; k < 8; k++)
		if (!covered[k] && bytes[k]) {
			sc -= 0.5;	/* data in a hole */
			break;
		}
	snprintf(why, len, "%s", sc > 0 ? "values that fit the members" : "values that do not fit");
	return sc > 1.0 ? 1.0 : sc < -2.0 ? -2.0 : sc;
}

/* Best reading of word @w by the members of @flat; fills @v. */
static void score_word(const struct ranker *r, const char *self, const struct ms_flat *flat,
		       uint32_t size, const struct ms_word *w, int depth, struct verdict *v)
{
	double best = -1e9, sc;
	char why[300], desc[112];
	const struct ms_slot *bs = NULL;
	int small = 0, chars = 0, any = 0;
	size_t i;

	v->score = 0;
	v->line[0] = 0;
	for (i = 0; i < flat->nr; i++) {
		const struct ms_slot *sl = &flat->slots[i];

		if (sl->offset >= w->offset + 8 || sl->offset + sl->size <= w->offset)
			continue;
		any = 1;
		if (sl->kind == MS_SLOT_CHARS) {
			chars = 1;
			continue;
		}
		if (sl->offset != w->offset || sl->size != 8 || w->width != 8) {
			small = 1;
			continue;
		}
		sc = score_slot(r, self, w, sl, depth, why, sizeof(why));
		if (sc > best) {
			best = sc;
			bs = sl;
			snprintf(v->line, sizeof(v->line), "+0x%x %s -> %s (%s)", w->offset, why,
				 sl->path[0] ? sl->path : "?", slot_desc(sl, desc, sizeof(desc)));
		}
	}
	if (small || chars) {
		sc = score_packed(flat, w, chars, why, sizeof(why));
		if (sc > best) {
			best = sc;
			bs = NULL;
			snprintf(v->line, sizeof(v->line), "+0x%x %s -> %s", w->offset, why,
				 chars ? "a char array" : "members smaller than a word");
		}
	}
	if (!any) {
		if (w->offset >= size || w->kind == MS_TOK_ZERO || w->kind == MS_TOK_SLAB_POISON) {
			best = 0;
		} else {
			best = word_is_pointer(w->kind) ? -1.0 : -0.5;
			snprintf(v->line, sizeof(v->line), "+0x%x %s in padding", w->offset,
				 ms_token_kind_name(w->kind));
		}
	}
	(void)bs;
	v->score = best * (w->agree >= 0.5 ? w->agree : w->agree * 0.5);
	if (v->line[0]) {
		size_t n = strlen(v->line);

		snprintf(v->line + n, sizeof(v->line) - n, ": %+.1f", v->score);
	}
}

/*
 * A word of the payload after a header (payload.h): text scores as it would in a char array,
 * anything else is data the header does not describe, neither for nor against.
 */
static void score_payload_word(const struct ms_word *w, struct verdict *v)
{
	v->score = 0;
	v->line[0] = 0;
	if (w->kind != MS_TOK_ASCII)
		return;
	v->score = 2.5 * (w->agree >= 0.5 ? w->agree : w->agree * 0.5);
	snprintf(v->line, sizeof(v->line), "+0x%x text -> the payload after the header: %+.1f",
		 w->offset, v->score);
}

/*
 * Score struct @s against @nw words; per-word verdicts into @v (may be NULL).  Words at
 * @payload_from and past the struct's end are payload (UINT32_MAX: there is none); the word
 * at @length_word holds the length member that length_credit() weighed, and is not counted
 * again (a 2-byte length in a word would score below an 8-byte one for the same value).
 */
static double score_struct(const struct ranker *r, size_t which, const struct ms_dw_struct *s,
			   const struct ms_word *words, size_t nw, uint32_t limit, int depth,
			   uint32_t payload_from, uint32_t length_word, struct verdict *v,
			   struct strength *strong)
{
	struct ms_flat flat = { 0 };
	struct verdict tmp;
	double total = 0;
	size_t i;

	strong->typed = strong->text = 0;
	if (ms_dwarf_index_flatten(r->idx[which], s, limit, MAX_SLOTS, &flat) < 0) {
		ms_flat_release(&flat);
		return -1e9;
	}
	for (i = 0; i < nw; i++) {
		struct verdict *vi = v ? &v[i] : &tmp;

		if (words[i].offset == length_word) {
			vi->score = 0;
			vi->line[0] = 0;
		} else if (words[i].offset >= payload_from && words[i].offset >= s->size)
			score_payload_word(&words[i], vi);
		else
			score_word(r, s->name, &flat, s->size, &words[i], depth, vi);
		total += vi->score;
		if (vi->score >= STRONG && words[i].kind == MS_TOK_ASCII)
			strong->text += vi->score;
		else if (vi->score >= STRONG)
			strong->typed += vi->score;
	}
	ms_flat_release(&flat);
	return total;
}

/* ---- name and origin ---- */

/* The same for the names of caches merged into this one ("eventpoll_epi, pid_namespace"). */
static double alias_bonus(const struct ranker *r, const char *name, char *why, size_t len)
{
	const char *p = r->aliases;
	char alias[64];

	while (p && *p) {
		size_t n = strcspn(p, ", ");

		if (n && n < sizeof(alias)) {
			memcpy(alias, p, n);
			alias[n] = 0;
			if (!strcmp(alias, name)) {
				snprintf(why, len, "named like %s, merged into this cache: +2.0", alias);
				return 2.0;
			}
		}
		p += n;
		p += strspn(p, ", ");
	}
	return 0;
}

/* Bonus for a struct named like a dedicated cache: "inotify_inode_mark", "foo_cache". */
static double name_bonus(const struct ranker *r, const char *name, char *why, size_t len)
{
	char base[64];
	size_t n;

	why[0] = 0;
	if (!r->dedicated || !name[0])
		return 0;
	snprintf(base, sizeof(base), "%s", r->cache_name);
	n = strlen(base);
	if (n > 6 && !strcmp(base + n - 6, "_cache"))
		base[n - 6] = 0;
	else if (n > 7 && !strcmp(base + n - 7, "_cachep"))
		base[n - 7] = 0;
	if (!strcmp(name, r->cache_name) || !strcmp(name, base)) {
		snprintf(why, len, "named like the cache %s: +3.0", r->cache_name);
		return 3.0;
	}
	if (strlen(name) >= 4 && strlen(base) >= 4 && (strstr(base, name) || strstr(name, base))) {
		snprintf(why, len, "name overlaps the cache's, %s: +1.0", r->cache_name);
		return 1.0;
	}
	return alias_bonus(r, name, why, len);
}

/* Symbols of the pattern in module @origin favour that module's structs. */
static double origin_bonus(const char *origin, const struct ms_pattern *p, char *why, size_t len)
{
	char tag[72];
	size_t i, hits = 0;

	why[0] = 0;
	if (!strcmp(origin, "vmlinux"))
		return 0;
	snprintf(tag, sizeof(tag), "[%s]", origin);
	for (i = 0; i < p->nr_words; i++) {
		const struct ms_word *w = &p->words[i];
		const struct ms_target *t = w->target;
		size_t k;

		if (strstr(w->symbol, tag))
			hits++;
		for (k = 0; t && k < t->nr_words; k++)
			if (strstr(t->words[k].symbol, tag))
				hits++;
	}
	if (!hits)
		return 0;
	snprintf(why, len, "defined in %s, whose symbols the objects hold: +%.1f", origin,
		 hits > 1 ? 2.0 : 1.0);
	return hits > 1 ? 2.0 : 1.0;
}

/* ---- the allocator's hints ---- */

static double hint_base(enum ms_code_rel rel)
{
	switch (rel) {
	case MS_CODE_RETURNS:
		return 4.0;
	case MS_CODE_LOCAL:
		return 3.0;
	case MS_CODE_PARAM:
		return 1.5;
	}
	return 0;
}

static int hint_names(const struct ms_owner_hint *h, const struct ms_dw_struct *s)
{
	return !strcmp(h->code.type, s->name) && (!h->code.size || h->code.size == s->size);
}

/*
 * Each hint's bonus (struct ms_owner_hint): a local or parameter shares its weight with the
 * other candidate types of that relation at that site and frame.  @fits[i]: hint i names a
 * candidate.
 */
static void hint_weights(struct ranker *r, const int *fits)
{
	size_t i, j, k;

	for (i = 0; i < r->nr_hints; i++) {
		const struct ms_owner_hint *h = &r->hints[i];
		size_t types = 0;

		r->hint_w[i] = 0;
		if (!fits[i])
			continue;
		for (j = 0; j < r->nr_hints; j++) {
			const struct ms_owner_hint *o = &r->hints[j];
			int seen = 0;

			if (!fits[j] || o->code.rel != h->code.rel || strcmp(o->site, h->site) ||
			    strcmp(o->frame, h->frame))
				continue;
			for (k = 0; k < j && !seen; k++)
				seen = fits[k] && r->hints[k].code.rel == o->code.rel &&
				       !strcmp(r->hints[k].site, o->site) &&
				       !strcmp(r->hints[k].frame, o->frame) &&
				       !strcmp(r->hints[k].code.type, o->code.type);
			types += !seen;
		}
		r->hint_w[i] = hint_base(h->code.rel) * h->share * (h->frame[0] ? 0.5 : 1.0);
		if (h->code.rel != MS_CODE_RETURNS && types > 1)
			r->hint_w[i] /= types;
	}
}

/* The hint naming @s that weighs most (NULL: none), its bonus into *@w. */
static const struct ms_owner_hint *best_hint(const struct ranker *r, const struct ms_dw_struct *s,
					     double *w)
{
	const struct ms_owner_hint *best = NULL;
	size_t i;

	*w = 0;
	for (i = 0; i < r->nr_hints; i++)
		if (r->hint_w[i] > *w && hint_names(&r->hints[i], s)) {
			*w = r->hint_w[i];
			best = &r->hints[i];
		}
	return best;
}

/* The best hint naming @s: its bonus, and why into @why (evidence lines are cut at @len). */
static double hint_bonus(const struct ranker *r, const struct ms_dw_struct *s, char *why,
			 size_t len)
{
	char where[800], what[480], full[1400];
	const struct ms_owner_hint *best;
	const struct ms_code_type *c;
	double w;
	size_t n;

	why[0] = 0;
	best = best_hint(r, s, &w);
	if (!best)
		return 0;
	c = &best->code;
	if (best->frame[0])
		snprintf(where, sizeof(where), "allocated at %s (%.0f%% of the tracks), called from %s",
			 best->site, 100 * best->share, best->frame);
	else
		snprintf(where, sizeof(where), "allocated at %s (%.0f%% of the tracks)", best->site,
			 100 * best->share);
	if (c->rel == MS_CODE_RETURNS)
		snprintf(what, sizeof(what), "%s%s returns struct %s *", c->func,
			 c->inlined ? " (inlined there)" : "", c->type);
	else
		snprintf(what, sizeof(what), "%s%s has %s '%s' of type struct %s *", c->func,
			 c->inlined ? " (inlined there)" : "", ms_code_rel_name(c->rel), c->var,
			 c->type);
	snprintf(full, sizeof(full), "%s, where %s: +%.1f", where, what, w);
	n = strlen(full) < len ? strlen(full) : len - 1;
	memcpy(why, full, n);
	why[n] = 0;
	return w;
}

/* ---- header + payload (payload.h) ---- */

/*
 * Does @s end where field @f's counted bytes begin?  A struct ending in a flexible array may
 * put them at the array, up to a word before its size; a length that counts a text's NUL
 * counts one byte more than the data (*@nul).
 */
static int header_fits(const struct ms_dw_struct *s, const struct ms_length_field *f, int *nul)
{
	*nul = 0;
	if (s->flexible)
		return f->header_end <= s->size && f->header_end + 8 >= s->size;
	if (s->size == f->header_end)
		return 1;
	*nul = !f->slot && s->size == f->header_end + 1;
	return *nul;
}

static double length_weight(const struct ms_length_field *f)
{
	double w;

	if (!f->slot && f->min != f->max)
		w = LENGTH_VARYING;
	else	/* payload.c keeps a constant only where the counted bytes are text */
		w = f->slot ? LENGTH_SLOT : LENGTH_TEXT;
	return f->sampled ? w * f->matched / f->sampled : 0;
}

/*
 * Is @sl declared as a length: of type size_t or ssize_t, or named for one (its own name,
 * after the last '.', holds "len", "size" or "bytes", or ends in "count" or "cnt"; a
 * "counter" is a reference or event count)?
 */
static int length_like(const struct ms_slot *sl)
{
	static const char *const within[] = { "len", "size", "bytes" }, *const ends[] = { "count",
											  "cnt" };
	const char *leaf = strrchr(sl->path, '.');
	size_t i, n;

	leaf = leaf ? leaf + 1 : sl->path;
	n = strlen(leaf);
	if (!strcmp(sl->pointee, "size_t") || !strcmp(sl->pointee, "ssize_t"))
		return 1;
	for (i = 0; i < sizeof(within) / sizeof(within[0]); i++)
		if (strstr(leaf, within[i]))
			return 1;
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		if (n >= strlen(ends[i]) && !strcmp(leaf + n - strlen(ends[i]), ends[i]))
			return 1;
	return 0;
}

/* The slot of @s's flexible array (in @flat, flattened past its size), or NULL. */
static const struct ms_slot *flexible_slot(const struct ms_dw_struct *s, const struct ms_flat *flat)
{
	size_t k;

	for (k = 0; s->flexible && k < flat->nr; k++)
		if (flat->slots[k].offset <= s->size &&
		    flat->slots[k].offset + flat->slots[k].size > s->size)
			return &flat->slots[k];
	return NULL;
}

/*
 * The credit of @s as the header of a header + payload object: an integer member of @s at a
 * length field of @p's payload (the best one, its why into @why), a little more when @s's
 * flexible array begins where the counted bytes do; and where the payload then begins
 * (*@from; UINT32_MAX when no member counts it).
 */
static double length_credit(const struct ranker *r, const struct ms_pattern *p, size_t which,
			    const struct ms_dw_struct *s, uint32_t *from, uint32_t *word, char *why,
			    size_t len)
{
	const struct ms_payload *pl = &p->payload;
	const struct ms_length_field *bf = NULL;
	const struct ms_slot *bs = NULL, *flex;
	struct ms_flat flat = { 0 };
	double best = 0, extra = 0;
	int flat_read = 0, bnul = 0;
	char range[64], tail[160];
	uint32_t i;
	size_t k;

	*from = *word = UINT32_MAX;
	why[0] = 0;
	/* TRACE_EVENT's records live in the trace ring buffer, never kmalloc'd with a payload */
	if (!strncmp(s->name, "trace_event_raw_", 16))
		return 0;
	for (i = 0; i < pl->nr_fields; i++) {
		const struct ms_length_field *f = &pl->fields[i];
		double w = length_weight(f);
		int nul;

		if (!header_fits(s, f, &nul) || w <= best)
			continue;
		if (!flat_read++ &&
		    ms_dwarf_index_flatten(r->idx[which], s, s->flexible ? p->object_size : s->size,
					   MAX_SLOTS, &flat) < 0)
			break;
		for (k = 0; k < flat.nr; k++) {
			const struct ms_slot *sl = &flat.slots[k];

			if (sl->kind != MS_SLOT_INT || sl->offset != f->offset || !sl->size ||
			    sl->size > 8 || !(f->widths & (1u << (sl->size - 1))) || w <= best)
				continue;
			best = w;
			bf = f;
			bs = sl;
			bnul = nul;
		}
	}
	if (bf) {
		*from = bf->header_end;
		*word = bf->offset & ~7u;
		tail[0] = 0;
		flex = flexible_slot(s, &flat);
		if (flex && flex->offset == bf->header_end) {
			extra += 0.5;	/* the struct declares the payload where it is */
			snprintf(tail, sizeof(tail), ", where its flexible array %s begins", flex->path);
		}
		if (length_like(bs)) {	/* and the member is declared as a length */
			size_t n = strlen(tail);

			extra += 0.5;
			snprintf(tail + n, sizeof(tail) - n, "%s a %s", n ? "; it is" : ", it is",
				 bs->pointee[0] ? bs->pointee : "length by its name");
		}
		if (bf->min == bf->max)
			snprintf(range, sizeof(range), "%llu", (unsigned long long)bf->min);
		else
			snprintf(range, sizeof(range), "%llu..%llu", (unsigned long long)bf->min,
				 (unsigned long long)bf->max);
		if (bf->slot)
			snprintf(why, len, "+0x%x %s holds %s, the slot size less the %u-byte header%s, "
				 "in %u of %u objects: %+.1f", bf->offset, bs->path, range,
				 bf->header_end, tail, bf->matched, bf->sampled, best + extra);
		else
			snprintf(why, len, "+0x%x %s holds the length of the %s bytes%s that follow "
				 "the header at +0x%x%s%s, in %u of %u objects: %+.1f", bf->offset,
				 bs->path, range, bf->text == bf->matched ? " of text" : "",
				 bf->header_end, bnul ? " (and their NUL)" : "", tail, bf->matched,
				 bf->sampled, best + extra);
	}
	ms_flat_release(&flat);
	return best + extra;
}

/* ---- arrays ---- */

/* Is word @b what @a is, @step bytes further on (an array's next element)? */
static int word_repeats(const struct ms_word *a, const struct ms_word *b, uint32_t step)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case MS_TOK_KTEXT:
	case MS_TOK_KDATA:
		return a->arg == b->arg;
	case MS_TOK_SELF:
		return b->arg == a->arg + step;
	default:
		return 1;
	}
}

static int word_typed(enum ms_token_kind k)
{
	return k == MS_TOK_KTEXT || k == MS_TOK_KDATA || k == MS_TOK_SELF ||
	       k == MS_TOK_LIST_POISON || k == MS_TOK_VMEMMAP || k == MS_TOK_SLAB ||
	       k == MS_TOK_SAME_CACHE;
}

/*
 * The period of @p's used words (up to the last non-zero one), in bytes: the smallest
 * multiple of 8 from 16 on with which they repeat at least twice, whose first period holds a
 * typed word (word_typed()); *@nelem gets the number of periods.  0 when there is none.
 */
static uint32_t pattern_period(const struct ms_pattern *p, uint32_t *nelem)
{
	size_t used = 0, i, per, n;

	*nelem = 0;
	for (i = 0; i < p->nr_words; i++)
		if (p->words[i].kind != MS_TOK_ZERO)
			used = i + 1;
	for (per = 2; per * 2 <= used; per++) {
		int ok = 1, typed = 0;

		n = (used + per - 1) / per;
		if (n * per > p->nr_words)
			continue;
		for (i = 0; i < per; i++)
			typed |= word_typed(p->words[i].kind);
		for (i = per; ok && i < n * per; i++)
			ok = word_repeats(&p->words[i - per], &p->words[i], (uint32_t)per * 8);
		if (ok && typed) {
			*nelem = (uint32_t)n;
			return (uint32_t)per * 8;
		}
	}
	return 0;
}

/*
 * Score @s as the element of an array of @nelem filling @p's first words: each element's
 * words against @s, offsets (and self-pointers) taken from the element's start; the verdicts
 * of the first element only into @v (NULL: none), its words the evidence.
 */
static double score_array(const struct ranker *r, size_t which, const struct ms_dw_struct *s,
			  const struct ms_pattern *p, uint32_t nelem, struct verdict *v,
			  struct strength *strong)
{
	size_t per = s->size / 8, i;
	struct ms_word *w = malloc(per * sizeof(*w));
	struct strength st;
	double total = 0;
	uint32_t k;

	strong->typed = strong->text = 0;
	if (!w || (size_t)nelem * per > p->nr_words) {
		free(w);
		return -1e9;
	}
	for (k = 0; k < nelem; k++) {
		uint32_t base = k * s->size;

		for (i = 0; i < per; i++) {
			w[i] = p->words[k * per + i];
			w[i].offset -= base;
			if (w[i].kind == MS_TOK_SELF && w[i].arg >= base)
				w[i].arg -= base;
		}
		total += score_struct(r, which, s, w, per, s->size, 0, UINT32_MAX, UINT32_MAX,
				      k ? NULL : v, &st);
		strong->typed += st.typed;
		strong->text += st.text;
	}
	free(w);
	return total;
}

void ms_owner_guess_command(const struct ms_owner_guess *g, uint64_t addr, char *buf, size_t len)
{
	int prefixed = !strncmp(g->type_name, "struct ", 7) || !strncmp(g->type_name, "union ", 6);
	size_t n = strcspn(g->type_name, "[");

	if (g->array)
		snprintf(buf, len, "%s%.*s %016llx %u", prefixed ? "" : "struct ", (int)n,
			 g->type_name, (unsigned long long)addr, g->array);
	else
		snprintf(buf, len, "%s%s %016llx", prefixed ? "" : "struct ", g->type_name,
			 (unsigned long long)addr);
}

/* ---- ranking ---- */

static int cmp_scored(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->s->size != y->s->size)
		return x->s->size > y->s->size ? -1 : 1;
	return strcmp(x->s->name, y->s->name);
}

/* Extra evidence lines besides the words': name, origin, hint, length. */
struct extras {
	char name[320], origin[320], hint[320], length[320];
};

static double total_score(const struct ranker *r, const struct ms_pattern *p, size_t which,
			  const struct ms_dw_struct *s, uint32_t nelem, struct verdict *v,
			  struct tally *t, struct extras *x)
{
	uint32_t from = UINT32_MAX, word = UINT32_MAX;
	struct strength st;
	double lc = 0, sc;
	double nb = name_bonus(r, s->name, x->name, sizeof(x->name));
	double ob = origin_bonus(ms_dwarf_index_origin(r->idx[which]), p, x->origin,
				 sizeof(x->origin));
	double hb = hint_bonus(r, s, x->hint, sizeof(x->hint));

	x->length[0] = 0;
	if (nelem) {
		sc = score_array(r, which, s, p, nelem, v, &st);
	} else {
		lc = length_credit(r, p, which, s, &from, &word, x->length, sizeof(x->length));
		/* a flexible array describes its own payload: its elements are scored as they are */
		sc = score_struct(r, which, s, p->words, p->nr_words, p->object_size, 0,
				  lc >= LENGTH_ADMITS && !s->flexible ? from : UINT32_MAX,
				  lc >= LENGTH_ADMITS ? word : UINT32_MAX, v, &st);
	}
	if (r->dedicated && s->size + 8 <= r->object_size)
		sc -= 0.5;	/* a merged cache's slot, not this struct's own size */
	t->words = st.typed;
	t->strong = st.typed + st.text + nb + ob + hb + lc;
	t->hint = hb;
	t->length = lc;
	return sc + nb + ob + hb + lc;
}

static int cmp_verdict(const void *a, const void *b)
{
	double x = fabs(((const struct verdict *)a)->score);
	double y = fabs(((const struct verdict *)b)->score);

	return x > y ? -1 : x < y;
}

static void fill_guess(const struct ranker *r, const struct ms_pattern *p,
		       const struct scored *c, struct ms_owner_guess *g)
{
	struct verdict *v = calloc(p->nr_words ? p->nr_words : 1, sizeof(*v));
	const struct ms_owner_hint *h;
	struct extras x;
	struct tally t;
	size_t i;

	memset(g, 0, sizeof(*g));
	if (c->nelem)
		snprintf(g->type_name, sizeof(g->type_name), "struct %s[%u]", c->s->name, c->nelem);
	else
		snprintf(g->type_name, sizeof(g->type_name), "struct %s", c->s->name);
	g->array = c->nelem;
	snprintf(g->origin, sizeof(g->origin), "%s", ms_dwarf_index_origin(r->idx[c->index]));
	g->size = c->s->size;
	g->score = c->score;
	h = best_hint(r, c->s, &g->hint_bonus);
	if (h) {
		g->hinted = 1;
		g->hint = *h;
	}
	if (!v)
		return;
	total_score(r, p, c->index, c->s, c->nelem, v, &t, &x);
	if (x.hint[0])	/* the allocator's own record first: it is not a guess from the bytes */
		snprintf(g->evidence[g->nr_evidence++], sizeof(g->evidence[0]), "%.319s", x.hint);
	if (x.length[0])
		snprintf(g->evidence[g->nr_evidence++], sizeof(g->evidence[0]), "%.319s",
			 x.length);
	if (x.name[0])
		snprintf(g->evidence[g->nr_evidence++], sizeof(g->evidence[0]), "%.319s", x.name);
	if (x.origin[0])
		snprintf(g->evidence[g->nr_evidence++], sizeof(g->evidence[0]), "%.319s",
			 x.origin);
	/* the words that weighed most, either way */
	qsort(v, p->nr_words, sizeof(*v), cmp_verdict);
	for (i = 0; i < p->nr_words && g->nr_evidence < MS_OWNER_MAX_EVIDENCE; i++)
		if (v[i].line[0] && fabs(v[i].score) >= 0.25)
			snprintf(g->evidence[g->nr_evidence++], sizeof(g->evidence[0]), "%.319s",
				 v[i].line);
	free(v);
}

static int add_candidate(struct scored **cands, size_t *n, size_t *cap, size_t which,
			 const struct ms_dw_struct *s)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		struct scored *p = realloc(*cands, c * sizeof(*p));

		if (!p)
			return -1;
		*cands = p;
		*cap = c;
	}
	(*cands)[(*n)++] = (struct scored){ .index = which, .s = s };
	return 0;
}

/*
 * A module's debuginfo repeats every kernel struct its code uses: such a struct is the
 * kernel's (index 0 is the vmlinux when there is one), not the module's own.
 */
static int also_in_kernel(const struct ranker *r, size_t which, const struct ms_dw_struct *s)
{
	const struct ms_dw_struct *k;

	if (!which || strcmp(ms_dwarf_index_origin(r->idx[0]), "vmlinux"))
		return 0;
	k = ms_dwarf_index_find_struct(r->idx[0], s->name);
	return k && k->size == s->size;
}

/* Is @s among the candidates from @from on? */
static int listed(const struct scored *cands, size_t from, size_t n, const struct ms_dw_struct *s)
{
	for (; from < n; from++)
		if (cands[from].s == s)
			return 1;
	return 0;
}

/*
 * Candidates: sizes that land in the cache, flexible structs, a struct named like it; and,
 * below the cache's size class, the headers of @p's payload: structs that end where a length
 * field's counted bytes begin and have an integer member there (length_credit()).
 */
static int gather(const struct ranker *r, const struct ms_pattern *p, uint32_t min,
		  struct scored **cands, size_t *n)
{
	size_t cap = 0, i, k, m, first_header;
	uint32_t f, z, from, word;
	char nb[320];

	for (i = 0; i < r->nidx; i++) {
		const struct ms_dw_struct *s = ms_dwarf_index_by_size(r->idx[i], min, r->object_size,
								      &m);

		for (k = 0; k < m; k++)
			if (!also_in_kernel(r, i, &s[k]) && add_candidate(cands, n, &cap, i, &s[k]))
				return -1;
		s = ms_dwarf_index_by_size(r->idx[i], 8, min ? min - 1 : 0, &m);
		for (k = 0; k < m; k++)
			if (((s[k].flexible && !r->dedicated) ||
			     name_bonus(r, s[k].name, nb, sizeof(nb)) > 0) &&
			    !also_in_kernel(r, i, &s[k]))
				if (add_candidate(cands, n, &cap, i, &s[k]))
					return -1;
	}
	/* arrays: structs of the period's size, scored element by element */
	for (i = 0; r->period && i < r->nidx; i++) {
		const struct ms_dw_struct *s = ms_dwarf_index_by_size(r->idx[i], r->period,
								      r->period, &m);

		for (k = 0; k < m; k++)
			if (!also_in_kernel(r, i, &s[k])) {
				if (add_candidate(cands, n, &cap, i, &s[k]))
					return -1;
				(*cands)[*n - 1].nelem = r->nelem;
			}
	}
	first_header = *n;
	for (f = 0; f < p->payload.nr_fields; f++) {
		const struct ms_length_field *lf = &p->payload.fields[f];

		for (z = lf->header_end; z <= lf->header_end + 1 && z < min; z++)
			for (i = 0; i < r->nidx; i++) {
				const struct ms_dw_struct *s = ms_dwarf_index_by_size(r->idx[i], z, z,
										      &m);

				for (k = 0; k < m; k++)
					if (!(s[k].flexible && !r->dedicated) &&
					    name_bonus(r, s[k].name, nb, sizeof(nb)) <= 0 &&
					    !also_in_kernel(r, i, &s[k]) &&
					    !listed(*cands, first_header, *n, &s[k]) &&
					    length_credit(r, p, i, &s[k], &from, &word, nb, sizeof(nb)) >=
						    LENGTH_ADMITS &&
					    add_candidate(cands, n, &cap, i, &s[k]))
						return -1;
			}
	}
	return 0;
}

static int pattern_is_plain(const struct ms_pattern *p)
{
	size_t i;

	for (i = 0; i < p->nr_words; i++)
		if (p->words[i].kind != MS_TOK_ZERO && p->words[i].kind != MS_TOK_SMALL &&
		    p->words[i].kind != MS_TOK_RAW && p->words[i].kind != MS_TOK_SLAB_POISON)
			return 0;
	return 1;
}

/* Text and the small tail of text, nothing else: a string, not a struct. */
static int pattern_is_text(const struct ms_pattern *p)
{
	size_t i, text = 0;

	for (i = 0; i < p->nr_words; i++) {
		enum ms_token_kind k = p->words[i].kind;

		if (k == MS_TOK_ASCII)
			text++;
		else if (k != MS_TOK_ZERO && k != MS_TOK_SMALL && k != MS_TOK_SLAB_POISON)
			return 0;
	}
	return text > 0;
}

/* The first module named by a symbol in @words (or what they point to) without an index. */
static int missing_module(const struct ranker *r, const struct ms_word *words, size_t nr,
			  int depth, char *mod, size_t len)
{
	size_t i, k;

	for (i = 0; i < nr; i++) {
		const char *br = strchr(words[i].symbol, '[');
		const struct ms_target *t = words[i].target;
		int have = 0;
		size_t m;

		if (br && (m = strcspn(br + 1, "]")) < len) {
			memcpy(mod, br + 1, m);
			mod[m] = 0;
			for (k = 0; k < r->nidx; k++)
				if (!strcmp(ms_dwarf_index_origin(r->idx[k]), mod))
					have = 1;
			if (!have)
				return 1;
		}
		if (t && t->words && depth < MS_FOLLOW_MAX_DEPTH &&
		    missing_module(r, t->words, t->nr_words, depth + 1, mod, len))
			return 1;
	}
	return 0;
}

static void module_note(const struct ranker *r, const struct ms_pattern *p, char *note,
			size_t len)
{
	char mod[64];

	if (missing_module(r, p->words, p->nr_words, 0, mod, sizeof(mod)))
		snprintf(note, len, "module %s holds symbols of these objects but its debuginfo is "
			 "not loaded (crash> mod -s %s PATH.ko), so its structs are not candidates",
			 mod, mod);
}

struct ms_error *ms_owner_rank(struct ms_dwarf_index *const *indexes, size_t nr,
			       const struct ms_pattern *pattern, const char *aliases,
			       struct ms_owner_guess *guesses, size_t max, size_t *nr_out,
			       char *note, size_t note_len)
{
	return ms_owner_rank_hinted(indexes, nr, pattern, aliases, NULL, 0, guesses, max, nr_out,
				    note, note_len);
}

/* Which hints name a candidate, and so each hint's weight (r->hint_w). */
static int weigh_hints(struct ranker *r, const struct scored *cands, size_t n)
{
	int *fits;
	size_t i, k;

	if (!r->nr_hints)
		return 0;
	fits = calloc(r->nr_hints, sizeof(*fits));
	r->hint_w = calloc(r->nr_hints, sizeof(*r->hint_w));
	if (!fits || !r->hint_w) {
		free(fits);
		return -1;
	}
	for (i = 0; i < r->nr_hints; i++)
		for (k = 0; k < n && !fits[i]; k++)
			fits[i] = hint_names(&r->hints[i], cands[k].s);
	hint_weights(r, fits);
	free(fits);
	return 0;
}

struct ms_error *ms_owner_rank_hinted(struct ms_dwarf_index *const *indexes, size_t nr,
				      const struct ms_pattern *pattern, const char *aliases,
				      const struct ms_owner_hint *hints, size_t nr_hints,
				      struct ms_owner_guess *guesses, size_t max, size_t *nr_out,
				      char *note, size_t note_len)
{
	struct ranker r = { indexes, nr, pattern->cache_name, aliases, pattern->object_size, 0,
			    hints, hints ? nr_hints : 0, NULL, 0, 0 };
	struct scored *cands = NULL;
	double *scores;
	size_t n = 0, i, k, shown, headers = 0, arrays = 0, used;
	char scored[240];
	uint32_t min;
	struct extras x;

	*nr_out = 0;
	if (note_len)
		note[0] = 0;
	if (!nr) {
		snprintf(note, note_len, "no debuginfo to take struct types from");
		return NULL;
	}
	r.dedicated = !ms_cache_is_general(pattern->cache_name);
	min = ms_owner_min_size(pattern->cache_name, pattern->object_size);
	r.period = pattern_period(pattern, &r.nelem);
	if (gather(&r, pattern, min, &cands, &n))
		goto nomem;
	if (r.dedicated && !n) {	/* no struct of exactly that size: widen */
		r.dedicated = 1;
		min = pattern->object_size / 2 ? pattern->object_size / 2 : 1;
		if (gather(&r, pattern, min, &cands, &n))
			goto nomem;
	}
	if (!n) {
		snprintf(note, note_len, "no struct of %u..%u bytes in the debuginfo", min,
			 pattern->object_size);
		goto out;
	}
	if (weigh_hints(&r, cands, n))
		goto nomem;
	for (i = 0; i < n; i++) {
		struct verdict *none = NULL;

		cands[i].score = total_score(&r, pattern, cands[i].index, cands[i].s, cands[i].nelem,
					     none, &cands[i].t, &x);
	}
	qsort(cands, n, sizeof(*cands), cmp_scored);
	module_note(&r, pattern, note, note_len);
	/*
	 * strings live in kmalloc-*, unless the allocating function names a struct or a header
	 * before the text counts it
	 */
	if (!r.dedicated && pattern_is_text(pattern) && cands[0].t.hint < HINT_DECISIVE &&
	    cands[0].t.length < LENGTH_ADMITS) {
		snprintf(note, note_len, "the objects hold text and no pointer: likely strings "
			 "(kstrdup, kasprintf, kmemdup of a name), which have no struct type");
		goto out;
	}
	if (cands[0].t.strong < MIN_DECISIVE ||
	    (pattern_is_plain(pattern) && cands[0].t.hint < HINT_DECISIVE &&
	     cands[0].t.length < LENGTH_VARYING)) {
		size_t ties = 0;

		for (i = 0; i < n && cands[i].score >= cands[0].score - 0.5; i++)
			ties++;
		if (!note[0])
			snprintf(note, note_len, "too generic to decide: the pattern holds no typed "
				 "evidence (function or typed pointers, lists, text) and %zu of %zu "
				 "structs of %u..%u bytes fit it about as well", ties, n, min,
				 pattern->object_size);
		goto out;
	}
	shown = n < max ? n : max;
	scores = malloc(n * sizeof(*scores));
	if (!scores)
		goto nomem;
	for (i = 0; i < n; i++)
		scores[i] = cands[i].score;
	for (i = 0; i < shown; i++) {
		fill_guess(&r, pattern, &cands[i], &guesses[i]);
		guesses[i].margin = i + 1 < n ? cands[i].score - cands[i + 1].score : cands[i].score;
		guesses[i].confidence = ms_owner_share(scores, n, i, MS_OWNER_TEMPERATURE) *
					ms_owner_ceiling(cands[i].t.words, cands[i].t.length,
							 cands[i].t.hint);
	}
	free(scores);
	*nr_out = shown;
	for (i = 1; i < n && cands[i].score >= cands[0].score - 0.25; i++)
		;
	for (k = 0; k < n; k++) {
		arrays += cands[k].nelem != 0;
		headers += !cands[k].nelem && cands[k].s->size < min &&
			   cands[k].t.length >= LENGTH_ADMITS;
	}
	used = (size_t)snprintf(scored, sizeof(scored), "%zu structs of %u..%u bytes",
				n - headers - arrays, min, pattern->object_size);
	if (headers && used < sizeof(scored))
		used += (size_t)snprintf(scored + used, sizeof(scored) - used, ", %zu smaller headers "
					 "whose member counts the data after them", headers);
	if (arrays && used < sizeof(scored))
		used += (size_t)snprintf(scored + used, sizeof(scored) - used, ", %zu of %u bytes "
					 "as arrays of %u", arrays, r.period, r.nelem);
	if (used < sizeof(scored))
		snprintf(scored + used, sizeof(scored) - used, " scored");
	if (!note[0] && i > 1)
		snprintf(note, note_len, "ambiguous: %zu structs share the top score; the evidence "
			 "does not single one out (%s)", i, scored);
	else if (!note[0])
		snprintf(note, note_len, "%s", scored);
out:
	free(cands);
	free(r.hint_w);
	return NULL;
nomem:
	free(cands);
	free(r.hint_w);
	return ms_error_new(MS_ERR_NOMEM, "out of memory ranking owner structs");
}
