/* token.c - the normaliser; the rules are listed in token.h. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

struct page_memo {
	uint64_t page_plus_one;	/* 0: empty slot */
	uint64_t cache;
};

struct ms_tokenizer {
	const struct ms_layout *layout;
	const struct ms_env *env;
	struct ms_layout_index *own_index;	/* built when the layout had none */
	const struct ms_layout_index *index;
	uint64_t cache_addr;
	uint32_t object_size;
	unsigned page_shift;
	uint64_t page_queries;
	/*
	 * The last object's word values and tokens, per word: a value seen at the same
	 * offset in the previous object has the same token (unless it points into this
	 * object, which is tested first), so constants cost no classification.
	 */
	uint32_t nwords;	/* words of an object of this cache */
	uint32_t cap_words;	/* room in last_value and last_token */
	uint64_t *last_value;
	struct ms_token *last_token;
	struct page_memo memo[MS_PAGE_MEMO_SLOTS];
	/* Regions by 64 KiB block, for blocks that lie inside one segment of the index. */
	struct region_memo {
		uint64_t block_plus_one;
		enum ms_region region;
	} regions[MS_REGION_MEMO_SLOTS];
};

static const char *const kind_names[MS_TOK__COUNT] = {
	[MS_TOK_ZERO] = "zero",		  [MS_TOK_SMALL] = "small",
	[MS_TOK_SELF] = "self",		  [MS_TOK_SAME_CACHE] = "same_cache",
	[MS_TOK_SLAB] = "slab",		  [MS_TOK_HEAP] = "heap",
	[MS_TOK_KTEXT] = "ktext",	  [MS_TOK_KDATA] = "kdata",
	[MS_TOK_VMALLOC] = "vmalloc",	  [MS_TOK_VMEMMAP] = "vmemmap",
	[MS_TOK_PERCPU] = "percpu",	  [MS_TOK_USER] = "user",
	[MS_TOK_LIST_POISON] = "list_poison", [MS_TOK_SLAB_POISON] = "slab_poison",
	[MS_TOK_ASCII] = "ascii",	  [MS_TOK_RAW] = "raw",
};

const char *ms_token_kind_name(enum ms_token_kind kind)
{
	if ((unsigned)kind >= MS_TOK__COUNT)
		return "unknown";
	return kind_names[kind];
}

static unsigned log2_page(uint32_t page_size)
{
	unsigned shift = 12;

	if (page_size && !(page_size & (page_size - 1)))
		shift = __builtin_ctz(page_size);
	return shift;
}

struct ms_error *ms_tokenizer_new(const struct ms_layout *layout, const struct ms_env *env,
				  uint64_t cache_addr, uint32_t object_size,
				  struct ms_tokenizer **out)
{
	struct ms_tokenizer *t;
	struct ms_error *err;

	if (!layout || !object_size)
		return ms_error_new(MS_ERR_INVALID, "tokenizer needs a layout and an object size");
	t = calloc(1, sizeof(*t));
	if (!t)
		return ms_error_new(MS_ERR_NOMEM, "no memory for the normaliser");
	t->nwords = t->cap_words = ms_token_nr_words(object_size);
	t->last_value = calloc(t->nwords, sizeof(*t->last_value));
	t->last_token = calloc(t->nwords, sizeof(*t->last_token));
	if (!t->last_value || !t->last_token) {
		ms_tokenizer_free(t);
		return ms_error_new(MS_ERR_NOMEM, "no memory for the normaliser");
	}
	t->layout = layout;
	t->env = env;
	t->cache_addr = cache_addr;
	t->object_size = object_size;
	t->page_shift = log2_page(layout->page_size);
	t->index = layout->index;
	if (!t->index) {
		err = ms_layout_index_new(layout, &t->own_index);
		if (err) {
			ms_tokenizer_free(t);
			return err;
		}
		t->index = t->own_index;
	}
	*out = t;
	return NULL;
}

void ms_tokenizer_free(struct ms_tokenizer *t)
{
	if (!t)
		return;
	ms_layout_index_free(t->own_index);
	free(t->last_value);
	free(t->last_token);
	free(t);
}

size_t ms_tokenizer_bytes(const struct ms_tokenizer *t)
{
	return sizeof(*t) + ms_layout_index_bytes(t->own_index) +
	       t->cap_words * (sizeof(*t->last_value) + sizeof(*t->last_token));
}

uint64_t ms_tokenizer_page_queries(const struct ms_tokenizer *t)
{
	return t->page_queries;
}

uint64_t ms_object_word(const uint8_t *obj, uint32_t object_size, uint32_t i, uint32_t *width)
{
	uint32_t off = i * 8, w = object_size - off < 8 ? object_size - off : 8;
	uint64_t v = 0;

	if (w == 8) {
		memcpy(&v, obj + off, 8);
		v = le64toh(v);
	} else {
		uint32_t b;

		for (b = 0; b < w; b++)
			v |= (uint64_t)obj[off + b] << (8 * b);
	}
	*width = w;
	return v;
}

static int is_list_poison(uint64_t v)
{
	uint64_t low = v - MS_POISON_POINTER_DELTA;

	if (v == 0x100 || v == 0x122)
		return 1;
	if (v < MS_POISON_POINTER_DELTA)
		return 0;
	return low == 0x100 || low == 0x122 || low == 0x100100 || low == 0x200200 ||
	       low == 0x300;
}

static int is_poison_byte(unsigned b)
{
	return b == 0x6b || b == 0x5a || b == 0xbb || b == 0xcc;
}

/* One poison byte repeated, the last byte possibly POISON_END (0xa5). */
static int is_slab_poison(uint64_t v, uint32_t width)
{
	unsigned p = v & 0xff, last = (v >> (8 * (width - 1))) & 0xff;
	uint32_t b;

	if (width < 4 || !is_poison_byte(p))
		return 0;
	for (b = 1; b + 1 < width; b++)
		if (((v >> (8 * b)) & 0xff) != p)
			return 0;
	return last == p || last == 0xa5;
}

static int is_small(uint64_t v, uint32_t width)
{
	int64_t s = (int64_t)v;

	if (width < 8) {
		unsigned shift = 64 - 8 * width;

		s = (int64_t)(v << shift) >> shift;	/* sign-extend the partial word */
	}
	return s > -65536 && s < 65536;
}

/* Two 32-bit fields, both small: a struct's packed counters, not an address. */
static int packed_small_pair(uint64_t v)
{
	return (v >> 32) < 65536 && (v & 0xffffffff) < 65536;
}

static int is_printable(unsigned b)
{
	return (b >= 0x20 && b < 0x7f) || b == '\t' || b == '\n';
}

static int is_ascii(uint64_t v, uint32_t width)
{
	uint32_t b, printable = 0;

	while (printable < width && is_printable((v >> (8 * printable)) & 0xff))
		printable++;
	for (b = printable; b < width; b++)
		if ((v >> (8 * b)) & 0xff)
			return 0;
	return printable >= 4;
}

enum ms_token_kind ms_token_value_kind(uint64_t value, uint32_t width)
{
	if (value == 0)
		return MS_TOK_ZERO;
	if (width == 8 && is_list_poison(value))
		return MS_TOK_LIST_POISON;
	if (is_slab_poison(value, width))
		return MS_TOK_SLAB_POISON;
	if (is_small(value, width))
		return MS_TOK_SMALL;
	if (is_ascii(value, width))
		return MS_TOK_ASCII;
	return MS_TOK_RAW;
}

/* The cache owning the page of @addr, asking env->page_cache once per page in the memo. */
static uint64_t page_cache(struct ms_tokenizer *t, uint64_t addr)
{
	uint64_t page = addr >> t->page_shift;
	struct page_memo *m = &t->memo[(page ^ (page >> 12)) % MS_PAGE_MEMO_SLOTS];

	if (m->page_plus_one != page + 1) {
		t->page_queries++;
		m->page_plus_one = page + 1;
		m->cache = t->env->page_cache(t->env->ctx, addr);
	}
	return m->cache;
}

static struct ms_token heap_token(struct ms_tokenizer *t, uint64_t v)
{
	struct ms_token tok = { MS_TOK_HEAP, 0 };
	uint64_t cache;

	if (!t->env || !t->env->page_cache)
		return tok;
	cache = page_cache(t, v);
	if (cache && cache == t->cache_addr)
		tok.kind = MS_TOK_SAME_CACHE;
	else if (cache) {
		tok.kind = MS_TOK_SLAB;
		tok.arg = cache;
	}
	return tok;
}

/*
 * The region of @v: a binary search of the layout index, memoised per 64 KiB block when the
 * whole block lies in the segment found (pointers into the same text, data or heap area
 * repeat, and most words that change from object to object are such pointers).
 */
static enum ms_region region_of(struct ms_tokenizer *t, uint64_t v)
{
	uint64_t block = v >> MS_REGION_MEMO_SHIFT, first, end;
	struct region_memo *m = &t->regions[(block ^ (block >> 10)) % MS_REGION_MEMO_SLOTS];
	enum ms_region r;

	if (m->block_plus_one == block + 1)
		return m->region;
	r = ms_layout_index_segment(t->index, v, &first, &end);
	if (first <= block << MS_REGION_MEMO_SHIFT &&
	    (!end || ((block + 1) << MS_REGION_MEMO_SHIFT) - 1 < end)) {
		m->block_plus_one = block + 1;
		m->region = r;
	}
	return r;
}

/* The address rules for a full word; kind MS_TOK__COUNT when no kernel region holds it. */
static struct ms_token by_address(struct ms_tokenizer *t, uint64_t v, enum ms_region *region)
{
	struct ms_token tok = { MS_TOK__COUNT, 0 };

	*region = region_of(t, v);
	switch (*region) {
	case MS_REGION_KTEXT:
		tok = (struct ms_token){ MS_TOK_KTEXT, v };
		break;
	case MS_REGION_KDATA:
		tok = (struct ms_token){ MS_TOK_KDATA, v };
		break;
	case MS_REGION_PERCPU:
		tok.kind = MS_TOK_PERCPU;
		break;
	case MS_REGION_VMEMMAP:
		tok.kind = MS_TOK_VMEMMAP;
		break;
	case MS_REGION_VMALLOC:
		tok.kind = MS_TOK_VMALLOC;
		break;
	case MS_REGION_DIRECTMAP:
		tok = heap_token(t, v);
		break;
	default:
		break;
	}
	return tok;
}

/* ms_token_classify(), inlined into ms_tokenize(): no call through the PLT per word. */
static inline __attribute__((always_inline)) struct ms_token
classify(struct ms_tokenizer *t, uint64_t v, uint32_t width, uint64_t object)
{
	enum ms_region region = MS_REGION_NONE;
	struct ms_token tok = { MS_TOK_ZERO, 0 };

	if (v == 0)
		return tok;
	if (is_small(v, width)) {	/* counters first: the commonest varying word */
		tok.kind = width == 8 && (v == 0x100 || v == 0x122) ? MS_TOK_LIST_POISON : MS_TOK_SMALL;
		return tok;
	}
	if ((width == 8 && is_list_poison(v)) || is_slab_poison(v, width)) {
		tok.kind = ms_token_value_kind(v, width);
		return tok;
	}
	if (width == 8 && v - object < t->object_size) {
		tok.kind = MS_TOK_SELF;
		tok.arg = v - object;
		return tok;
	}
	if (width == 8) {
		struct ms_token a = by_address(t, v, &region);

		if (a.kind != MS_TOK__COUNT) {
			tok.kind = a.kind;
			tok.arg = a.arg;
			return tok;
		}
	}
	if (is_ascii(v, width))
		tok.kind = MS_TOK_ASCII;
	else if (region == MS_REGION_USER && v >= MS_USER_MIN && !packed_small_pair(v))
		tok.kind = MS_TOK_USER;
	else
		tok.kind = MS_TOK_RAW;
	return tok;
}

struct ms_token ms_token_classify(struct ms_tokenizer *t, uint64_t v, uint32_t width,
				  uint64_t object)
{
	return classify(t, v, width, object);
}

/*
 * Each token is built in a register and stored whole to both arrays: storing its two
 * fields one by one and reading the pair back at once (to copy it) stalls store-to-load
 * forwarding, and that stall was most of this function's time.
 */
static inline __attribute__((always_inline)) uint32_t
tokenize_words(struct ms_tokenizer *t, const uint8_t *obj, uint64_t addr, uint32_t full,
	       int partial, struct ms_token *restrict tokens, uint64_t *restrict values)
{
	const uint32_t size = t->object_size;
	uint64_t *restrict last_value = t->last_value;
	struct ms_token *restrict last_token = t->last_token;
	/* Self before the value rules: an object address is never zero or small. */
	const int can_be_self = addr >= 65536;
	uint32_t i, width;

	for (i = 0; i < full; i++) {
		uint64_t v;

		memcpy(&v, obj + 8 * i, 8);
		v = le64toh(v);
		if (values)
			values[i] = v;
		if (v - addr < size && can_be_self) {
			struct ms_token tok = { MS_TOK_SELF, v - addr };

			tokens[i] = tok;
			last_token[i] = tok;
		} else if (v == last_value[i] && last_token[i].kind != MS_TOK_SELF) {
			tokens[i] = last_token[i];
		} else {
			struct ms_token tok = classify(t, v, 8, addr);

			tokens[i] = tok;
			last_value[i] = v;
			last_token[i] = tok;
		}
	}
	if (partial && i < t->nwords) {	/* a trailing partial word: never self or an address */
		uint64_t v = ms_object_word(obj, size, i, &width);

		tokens[i] = classify(t, v, width, addr);
		if (values)
			values[i] = v;
		i++;
	}
	return i;
}

void ms_tokenize(struct ms_tokenizer *t, const uint8_t *obj, uint64_t addr,
		 struct ms_token *restrict tokens, uint64_t *restrict values)
{
	tokenize_words(t, obj, addr, t->object_size / 8, 1, tokens, values);
}

uint32_t ms_tokenize_prefix(struct ms_tokenizer *t, const uint8_t *obj, uint64_t addr,
			    uint32_t max_words, struct ms_token *restrict tokens,
			    uint64_t *restrict values)
{
	uint32_t full = t->object_size / 8;

	if (max_words >= t->nwords)
		return tokenize_words(t, obj, addr, full, 1, tokens, values);
	return tokenize_words(t, obj, addr, max_words, 0, tokens, values);
}

int ms_tokenizer_retarget(struct ms_tokenizer *t, uint64_t cache_addr, uint32_t object_size)
{
	uint32_t nwords = ms_token_nr_words(object_size);

	if (!object_size)
		return -1;
	if (nwords > t->cap_words) {
		uint64_t *v = calloc(nwords, sizeof(*v));
		struct ms_token *k = calloc(nwords, sizeof(*k));

		if (!v || !k) {
			free(v);
			free(k);
			return -1;
		}
		free(t->last_value);
		free(t->last_token);
		t->last_value = v;
		t->last_token = k;
		t->cap_words = nwords;
	} else {
		/* Zero value, zero token: a consistent memo entry for any cache. */
		memset(t->last_value, 0, nwords * sizeof(*t->last_value));
		memset(t->last_token, 0, nwords * sizeof(*t->last_token));
	}
	t->nwords = nwords;
	t->cache_addr = cache_addr;
	t->object_size = object_size;
	return 0;
}
