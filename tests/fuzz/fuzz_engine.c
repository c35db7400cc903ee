/*
 * fuzz_engine.c - the normaliser, the clustering engine, resolution and both reports on
 * objects of arbitrary bytes, through the calls the crash adapter makes (extension/run.c):
 * engine from a config, passes until the engine has what it needs (or a Ctrl-C settle),
 * the result taken, its first clusters resolved and followed through an env, the JSON and
 * text reports written.  The layout is the unit tests' fake kernel (tests/unit/fake_kernel.c);
 * the env answers from the input: symbols with names of arbitrary bytes, slab objects of
 * another cache with an arbitrary name, memory reads from the slabs themselves.
 *
 * Checked: no sanitizer report, no leak, the engine ends, counts add up (clusters within the
 * objects fed, shares in [0, 1], examples ascending), and the JSON report is valid.
 */
#include <math.h>

#include "engine.h"
#include "fake_kernel.h"
#include "fuzz.h"
#include "json.h"
#include "json_check.h"
#include "report.h"
#include "resolve.h"

#define MAX_OBJECT_SIZE 512
#define MAX_OBJECTS 2048
#define MAX_BYTES (512u << 10)

struct world {
	uint8_t *slabs;			/* every slab, one after another, from FK_SLABS_A */
	uint64_t *bitmaps;		/* per slab, words_per_slab words */
	size_t words_per_slab;
	uint32_t nr_slabs, per_slab, first, stride, object_size;
	size_t slab_bytes;
	char symbols[4][128];		/* names the env gives text and data addresses */
	char module[64];
	char other_cache[64];		/* the cache of FK_SLABS_B objects */
	uint32_t other_size;
	const uint8_t *pool;		/* bytes of memory outside the slabs */
	size_t pool_len;
	uint32_t interrupt_after;	/* 0: never */
	uint32_t interrupt_calls;
};

static uint64_t slab_addr(const struct world *w, uint32_t s)
{
	return FK_SLABS_A + (uint64_t)s * w->slab_bytes;
}

static int w_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct world *w = ctx;
	uint64_t span = (uint64_t)w->nr_slabs * w->slab_bytes;
	size_t i;

	if (addr >= FK_SLABS_A && addr - FK_SLABS_A <= span && len <= span - (addr - FK_SLABS_A)) {
		memcpy(buf, w->slabs + (addr - FK_SLABS_A), len);
		return 1;
	}
	if (!w->pool_len || addr < FK_DIRECTMAP || addr >= FK_DIRECTMAP_END)
		return 0;
	for (i = 0; i < len; i++)
		((uint8_t *)buf)[i] = w->pool[(addr + i) % w->pool_len];
	return 1;
}

static int w_symbol(void *ctx, uint64_t addr, struct ms_symbol *sym)
{
	struct world *w = ctx;
	enum ms_region r = ms_layout_classify(&fk_layout, addr);

	if (r != MS_REGION_KTEXT && r != MS_REGION_KDATA)
		return 0;
	memset(sym, 0, sizeof(*sym));
	snprintf(sym->name, sizeof(sym->name), "%s", w->symbols[(addr >> 4) % 4]);
	if (addr >= FK_MODTEXT)
		snprintf(sym->module, sizeof(sym->module), "%s", w->module);
	sym->offset = addr & 0xf;
	sym->is_text = r == MS_REGION_KTEXT;
	return 1;
}

static int w_slab_object(void *ctx, uint64_t addr, struct ms_slab_object *obj)
{
	struct world *w = ctx;
	uint64_t span = (uint64_t)w->nr_slabs * w->slab_bytes, rel, slot;

	memset(obj, 0, sizeof(*obj));
	if (addr >= FK_SLABS_A && addr - FK_SLABS_A < span) {
		rel = (addr - FK_SLABS_A) % w->slab_bytes;
		if (rel < w->first)
			return 0;
		slot = (rel - w->first) / w->stride;
		if (slot >= w->per_slab)
			return 0;
		obj->cache = FK_CACHE_A;
		snprintf(obj->cache_name, sizeof(obj->cache_name), "kmalloc-fuzz");
		obj->object = addr - (rel - w->first) % w->stride;
		obj->object_size = w->object_size;
		obj->stride = w->stride;
		obj->allocated = 1;
		return 1;
	}
	if (addr >= FK_SLABS_B && addr < FK_SLABS_B + (1ULL << 32) && w->other_size) {
		obj->cache = FK_CACHE_B;
		snprintf(obj->cache_name, sizeof(obj->cache_name), "%s", w->other_cache);
		obj->object = addr - (addr - FK_SLABS_B) % w->other_size;
		obj->object_size = w->other_size;
		obj->stride = w->other_size;
		obj->allocated = -1;
		return 1;
	}
	return 0;
}

static uint64_t w_page_cache(void *ctx, uint64_t addr)
{
	if (addr >= FK_SLABS_A && addr < FK_SLABS_A + (1ULL << 32))
		return FK_CACHE_A;
	if (addr >= FK_SLABS_B && addr < FK_SLABS_B + (1ULL << 32))
		return FK_CACHE_B;
	return 0;
}

static int w_interrupted(void *ctx)
{
	struct world *w = ctx;

	return w->interrupt_after && ++w->interrupt_calls >= w->interrupt_after;
}

/* Object bytes from the input, cycled; a word whose top 16 bits are 0xfffe becomes a
 * pointer into its own object (low bits: the offset), so self pointers are easy to make. */
static void make_slabs(struct world *w, const uint8_t *src, size_t n, uint64_t alloc_seed)
{
	uint32_t s, k, off;
	size_t pos = 0;

	for (s = 0; s < w->nr_slabs; s++) {
		uint8_t *slab = w->slabs + (size_t)s * w->slab_bytes;
		uint64_t *bm = w->bitmaps + (size_t)s * w->words_per_slab;

		for (off = 0; off < w->slab_bytes; off++)
			slab[off] = n ? src[pos++ % n] : 0;
		for (k = 0; k < w->per_slab; k++) {
			uint8_t *obj = slab + w->first + (size_t)k * w->stride;
			uint64_t addr = slab_addr(w, s) + w->first + (uint64_t)k * w->stride;

			for (off = 0; off + 8 <= w->object_size; off += 8) {
				uint64_t v;

				memcpy(&v, obj + off, 8);
				if (v >> 48 == 0xfffe) {
					v = addr + (v & 0xffff) % w->object_size;
					memcpy(obj + off, &v, 8);
				}
			}
			/* allocated unless the seed's bit for it says free */
			if (!((alloc_seed >> ((s * 7 + k) % 64)) & 1) || k % 3)
				bm[k / 64] |= 1ULL << (k % 64);
		}
	}
}

static uint64_t feed_all(struct ms_engine *e, const struct world *w, int odd_view)
{
	uint64_t allocated = 0;
	uint32_t s, k;

	for (s = 0; s < w->nr_slabs; s++) {
		struct ms_slab_view v = {
			.buf = w->slabs + (size_t)s * w->slab_bytes,
			.addr = slab_addr(w, s),
			.first = w->first,
			.stride = w->stride,
			.object_size = w->object_size,
			.nr_objects = w->per_slab,
			.allocated = w->bitmaps + (size_t)s * w->words_per_slab,
		};

		for (k = 0; k < w->per_slab; k++)
			allocated += ms_slab_view_allocated(&v, k);
		ms_engine_feed_slab(e, &v);
	}
	if (odd_view && w->nr_slabs) {
		/* a view of another geometry: skipped and counted, never read */
		struct ms_slab_view v = { w->slabs, FK_SLABS_A, 0, w->object_size - 1 ? w->object_size - 1 : 1,
					  w->object_size + 1, w->per_slab, w->bitmaps };

		ms_engine_feed_slab(e, &v);
	}
	return allocated;
}

static void check_result(const struct ms_result *r, uint64_t allocated, uint64_t total)
{
	size_t i, k;

	FUZZ_CHECK(r->allocated == allocated, "allocated %lu, fed %lu",
		   (unsigned long)r->allocated, (unsigned long)allocated);
	FUZZ_CHECK(r->allocated + r->free == total, "allocated + free %lu, fed %lu",
		   (unsigned long)(r->allocated + r->free), (unsigned long)total);
	FUZZ_CHECK(r->distinct_contents <= r->allocated, "%lu distinct of %lu",
		   (unsigned long)r->distinct_contents, (unsigned long)r->allocated);
	FUZZ_CHECK(r->nr_clusters <= r->nr_clusters_total, "kept more than found");
	FUZZ_CHECK(r->verdict_share >= 0 && r->verdict_share <= 1, "share %g", r->verdict_share);
	for (i = 0; i < r->nr_clusters; i++) {
		const struct ms_cluster *c = &r->clusters[i];

		FUZZ_CHECK(c->count <= (c->is_free ? r->free : r->allocated),
			   "cluster %zu: %lu objects", i, (unsigned long)c->count);
		FUZZ_CHECK(c->fraction >= 0 && c->fraction <= 1, "cluster %zu: fraction %g", i,
			   c->fraction);
		FUZZ_CHECK(c->own + c->similar == c->count, "cluster %zu: own + similar", i);
		FUZZ_CHECK(c->nr_examples <= MS_ENGINE_EXAMPLES && c->nr_examples <= c->count,
			   "cluster %zu: %zu examples", i, c->nr_examples);
		for (k = 1; k < c->nr_examples; k++)
			FUZZ_CHECK(c->examples[k - 1] < c->examples[k], "examples not ascending");
		for (k = 0; k < c->pattern.nr_words; k++)
			FUZZ_CHECK(c->pattern.words[k].agree >= 0 && c->pattern.words[k].agree <= 1,
				   "agreement %g", c->pattern.words[k].agree);
	}
}

static void report(const struct ms_result *r, struct world *w, int json)
{
	struct ms_cache_summary summary;
	struct ms_report rep;
	char *out = NULL, why[256];
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	int rc;

	if (!mem)
		return;
	memset(&summary, 0, sizeof(summary));
	snprintf(summary.name, sizeof(summary.name), "%s", r->cache_name);
	summary.object_size = w->object_size;
	summary.stride = w->stride;
	summary.allocated = r->allocated;
	memset(&rep, 0, sizeof(rep));
	rep.summary = &summary;
	rep.result = r;
	rep.owner_note = w->other_cache;
	rep.nr_examples = 4;
	rc = json ? ms_report_json(&rep, mem) : ms_report_text(&rep, mem);
	fclose(mem);
	FUZZ_CHECK(rc == 0, "report failed");
	if (json)
		FUZZ_CHECK(!json_check(out, len, why, sizeof(why)), "%s", why);
	free(out);
}

FUZZ_TARGET(engine)
{
	struct fz f = { data, size };
	struct world w;
	struct ms_env env = { &w, w_read, w_symbol, w_slab_object, w_page_cache, w_interrupted };
	struct ms_engine_config cfg;
	struct ms_engine *e = NULL;
	struct ms_result *result = NULL;
	struct ms_follow_budget follow = { 0 };
	struct ms_error *err;
	uint8_t flags;
	uint64_t alloc_seed, allocated = 0, total;
	uint32_t nr_objects, passes = 0, i;
	int rc;

	memset(&w, 0, sizeof(w));
	memset(&cfg, 0, sizeof(cfg));
	flags = fz_u8(&f);
	w.object_size = 1 + fz_u16(&f) % MAX_OBJECT_SIZE;
	w.stride = w.object_size + fz_u8(&f) % 32;
	w.first = flags & 1 ? fz_u8(&f) % 64 : 0;
	w.per_slab = 1 + fz_u8(&f);
	nr_objects = fz_u16(&f) % MAX_OBJECTS;
	alloc_seed = fz_u64(&f);
	cfg.include_free = !!(flags & 2);
	cfg.top_n = fz_u8(&f) % 70;
	cfg.pattern_slots = fz_u16(&f) % 2048;
	cfg.content_slots = fz_u16(&f) % 4096;
	cfg.mem_limit = flags & 4 ? (size_t)(fz_u16(&f) + 1) << 10 : (size_t)6 << 20;
	w.interrupt_after = flags & 8 ? fz_u8(&f) : 0;
	w.other_size = fz_u16(&f) % 2048;
	for (i = 0; i < 4; i++)
		fz_str(&f, w.symbols[i], sizeof(w.symbols[i]));
	fz_str(&f, w.module, sizeof(w.module));
	fz_str(&f, w.other_cache, sizeof(w.other_cache));

	w.nr_slabs = (nr_objects + w.per_slab - 1) / w.per_slab;
	w.slab_bytes = w.first + (size_t)w.per_slab * w.stride;
	if (!w.nr_slabs || w.nr_slabs * w.slab_bytes > MAX_BYTES)
		return 0;
	w.words_per_slab = (w.per_slab + 63) / 64;
	w.slabs = malloc(w.nr_slabs * w.slab_bytes);
	w.bitmaps = calloc((size_t)w.nr_slabs * w.words_per_slab, sizeof(uint64_t));
	if (!w.slabs || !w.bitmaps)
		goto out;
	w.pool = f.p;
	w.pool_len = f.n;
	make_slabs(&w, f.p, f.n, alloc_seed);
	total = (uint64_t)w.nr_slabs * w.per_slab;

	cfg.cache_name = w.other_cache[0] ? w.other_cache : "kmalloc-fuzz";
	cfg.cache_addr = FK_CACHE_A;
	cfg.object_size = w.object_size;
	cfg.stride = w.stride;
	cfg.layout = &fk_layout;
	cfg.env = &env;
	err = ms_engine_new(&cfg, &e);
	if (err) {
		FUZZ_CHECK(err->code == MS_ERR_LIMIT || err->code == MS_ERR_NOMEM,
			   "ms_engine_new: %s", err->message);
		ms_error_free(err);
		goto out;
	}
	do {
		ms_engine_begin_pass(e);
		allocated = feed_all(e, &w, flags & 16);
		passes++;
		if ((flags & 32) && passes == 1) {	/* Ctrl-C during the walk */
			rc = ms_engine_settle(e);
			break;
		}
		rc = ms_engine_end_pass(e);
		if (rc == 1 && (flags & 64)) {		/* Ctrl-C before pass 2 */
			rc = ms_engine_settle(e);
			break;
		}
	} while (rc == 1 && passes < 3);
	FUZZ_CHECK(rc != 1, "the engine asked for a third pass");
	if (rc < 0) {
		const struct ms_error *ee = ms_engine_error(e);

		FUZZ_CHECK(ee && ee->code == MS_ERR_LIMIT, "engine failed: %s",
			   ee ? ee->message : "without an error");
		goto out;
	}
	result = ms_engine_take_result(e);
	FUZZ_CHECK(result, "no result after the passes");
	if (getenv("FUZZ_VERBOSE"))	/* what a seed exercises */
		fprintf(stderr, "%u objects of %u bytes, %u pass(es), %zu clusters, %lu evictions:"
			" %s\n", nr_objects, w.object_size, result->passes, result->nr_clusters,
			(unsigned long)result->evictions, result->verdict_line);
	for (i = 0; getenv("FUZZ_VERBOSE") && i < result->nr_clusters; i++)
		fprintf(stderr, "  cluster %u: %s, %lu objects (own %lu, similar %lu), %u patterns, "
			"%zu examples\n", i, result->clusters[i].is_free ? "free" : "allocated",
			(unsigned long)result->clusters[i].count,
			(unsigned long)result->clusters[i].own,
			(unsigned long)result->clusters[i].similar, result->clusters[i].nr_patterns,
			result->clusters[i].nr_examples);
	check_result(result, allocated, cfg.include_free ? total : total);
	for (i = 0; i < result->nr_clusters && i < 3; i++) {
		struct ms_cluster *c = &result->clusters[i];

		ms_pattern_resolve(&c->pattern, c->count, &env);
		ms_pattern_follow(&c->pattern, c->examples, c->nr_examples, &fk_layout, &env,
				  flags & 128 ? MS_FOLLOW_MAX_DEPTH : MS_FOLLOW_DEFAULT_DEPTH,
				  &follow);
		if (follow.bytes > follow.bytes_max)
			abort();	/* the trees must stay within their cap */
	}
	report(result, &w, 1);
	report(result, &w, 0);
out:
	ms_result_free(result);
	ms_engine_free(e);
	free(w.slabs);
	free(w.bitmaps);
	return 0;
}
