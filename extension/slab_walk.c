/*
 * slab_walk.c - every slab of one cache, read in bulk, with the exact allocated/free split.
 *
 * crash's own kmem -S walks only the lists SLUB keeps (per-cpu and partial slabs); full
 * slabs are on no list, and leaked objects live mostly in full slabs.  So we scan the whole
 * memory map: struct pages are read a memory section at a time, slab head pages of the cache
 * are picked out, and each slab is read with one readmem.  An object is free when it is on
 * its slab's freelist or on a CPU's lockless freelist for that slab; everything else is
 * allocated.  Unreadable pages and corrupt freelists are counted, never fatal.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "defs.h"

#include "adapter.h"
#include "held.h"

struct cpu_freelist {
	int cpu;
	uint64_t slab;		/* struct slab (or page) address of the CPU's active slab */
	uint64_t freelist;	/* its lockless freelist head */
	int met;		/* the walk found that slab in the memory map */
};

struct scan;

/* One cache's walk: its CPUs' freelists, its free-pointer format, its counts. */
struct walker {
	const struct slub_layout *l;
	const struct cache_info *ci;
	const struct walk_options *opt;
	volatile int *stop;
	slab_fn fn;
	void *arg;
	struct walk_result *res;
	struct ms_cache_summary *sum;
	struct scan *sc;	/* the memory-map pass this walk is part of */

	struct cpu_freelist *cpus;
	int ncpus;
	uint64_t *sheaf;	/* objects held in sheaves and barns, sorted */
	size_t nsheaf, sheaf_cap;
	struct ms_fp_format fmt;

	uint64_t heads_seen;	/* slab heads of the cache met so far (sampling) */
	uint64_t bytes_read;	/* slab bytes read */
};

/*
 * One pass over the memory map for one or many caches: the buffers all walks share (one
 * slab is read at a time) and the walks, sorted by kmem_cache address, so that each slab
 * head page goes to its cache's walk by one binary search.
 */
struct scan {
	const struct slub_layout *l;
	const struct walk_options *opt;
	volatile int *stop;
	struct walker **walks;	/* sorted by ci->addr */
	size_t nr_walks;
	char *pages;		/* a chunk of struct pages */
	uint8_t *slab_buf;	/* one slab's bytes */
	size_t slab_buf_len;
	uint64_t *bitmap;	/* allocated bits of one slab */
	uint64_t pages_total, pages_done;
	uint64_t slabs, objects;	/* over all walks, for the progress line */
	time_t last_progress;
};

static uint64_t rd64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int slab_page_is_marked(const struct slub_layout *l, const char *page)
{
	uint64_t flags = rd64(page + l->page_flags);
	uint32_t type;

	switch (l->mark) {
	case SLAB_MARK_FLAG:
		return (flags >> l->mark_value) & 1;
	case SLAB_MARK_TYPE_INV:
		type = rd32(page + l->page_type);
		return (type & (0xf0000000u | (uint32_t)l->mark_value)) == 0xf0000000u;
	case SLAB_MARK_TYPE_BYTE:
		type = rd32(page + l->page_type);
		return (type >> 24) == l->mark_value;
	}
	return 0;
}

/* Each CPU's active slab and lockless freelist for this cache. */
static void read_cpu_freelists(struct walker *w)
{
	const struct slub_layout *l = w->l;
	int cpu;

	w->ncpus = 0;
	if (!w->ci->cpu_slab || l->kcc_freelist < 0 || l->kcc_slab < 0)
		return;
	w->cpus = calloc(kt->cpus, sizeof(*w->cpus));
	if (!w->cpus)
		return;
	for (cpu = 0; cpu < kt->cpus; cpu++) {
		uint64_t c = w->ci->cpu_slab + kt->__per_cpu_offset[cpu];
		struct cpu_freelist *cf = &w->cpus[w->ncpus];

		if (!readmem(c + l->kcc_slab, KVADDR, &cf->slab, sizeof(cf->slab),
			     "kmem_cache_cpu slab", RETURN_ON_ERROR | QUIET) ||
		    !readmem(c + l->kcc_freelist, KVADDR, &cf->freelist, sizeof(cf->freelist),
			     "kmem_cache_cpu freelist", RETURN_ON_ERROR | QUIET))
			continue;
		cf->cpu = cpu;
		if (cf->slab)
			w->ncpus++;
	}
}

#define MAX_SHEAF_OBJECTS 4096	/* a sheaf's capacity is far below this */
#define MAX_BARN_SHEAVES 65536
#define MAX_SHEAF_SET (1UL << 22)	/* objects held in sheaves we keep: 32 MiB at most */

static void sheaf_add(struct walker *w, uint64_t obj)
{
	if (w->nsheaf == w->sheaf_cap) {
		size_t cap = w->sheaf_cap ? w->sheaf_cap * 2 : 1024;
		uint64_t *p = cap <= MAX_SHEAF_SET ? realloc(w->sheaf, cap * sizeof(*p)) : NULL;

		if (!p) {
			/* Not kept: this free object will count as allocated; said in the notes. */
			w->sum->sheaf_objects_dropped++;
			return;
		}
		w->sheaf = p;
		w->sheaf_cap = cap;
	}
	w->sheaf[w->nsheaf++] = obj;
}

/* The objects of the sheaf at @sheaf: objects[0..size). */
static void read_sheaf(struct walker *w, uint64_t sheaf)
{
	const struct slub_layout *l = w->l;
	uint32_t size = 0, i;
	uint64_t *objs;

	if (!sheaf || !readmem(sheaf + l->sheaf_size, KVADDR, &size, sizeof(size), "slab_sheaf size",
			       RETURN_ON_ERROR | QUIET) || !size)
		return;
	if (size > MAX_SHEAF_OBJECTS) {
		w->sum->freelist_errors++;	/* a corrupt sheaf: say so, trust none of it */
		return;
	}
	objs = malloc(size * sizeof(*objs));
	if (objs && readmem(sheaf + l->sheaf_objects, KVADDR, objs, size * sizeof(*objs),
			    "slab_sheaf objects", RETURN_ON_ERROR | QUIET))
		for (i = 0; i < size; i++)
			sheaf_add(w, objs[i]);
	free(objs);
}

/* The sheaves on the list at @head (a barn's full or empty list). */
static void read_sheaf_list(struct walker *w, uint64_t head)
{
	uint64_t next = 0;
	int n = 0;

	if (!readmem(head, KVADDR, &next, sizeof(next), "barn list", RETURN_ON_ERROR | QUIET))
		return;
	while (next && next != head && n++ < MAX_BARN_SHEAVES) {
		read_sheaf(w, next - w->l->sheaf_barn_list);
		if (!readmem(next, KVADDR, &next, sizeof(next), "barn list", RETURN_ON_ERROR | QUIET))
			break;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * v6.18+: objects in each CPU's sheaves (main, spare, rcu_free) and in the node barns'
 * sheaves were taken out of their slabs (the slab counts them in use) but are free: collect
 * them, sorted, so that each slab can mark its own as free.
 */
static void read_sheaves(struct walker *w)
{
	const struct slub_layout *l = w->l;
	const long slots[] = { l->pcs_main, l->pcs_spare, l->pcs_rcu_free };
	int cpu, k;

	if (w->ci->cpu_sheaves && l->sheaf_size >= 0 && l->sheaf_objects >= 0) {
		for (cpu = 0; cpu < kt->cpus; cpu++) {
			uint64_t pcs = w->ci->cpu_sheaves + kt->__per_cpu_offset[cpu];

			for (k = 0; k < 3; k++) {
				uint64_t sheaf = 0;

				if (slots[k] >= 0 &&
				    readmem(pcs + slots[k], KVADDR, &sheaf, sizeof(sheaf),
					    "percpu sheaf", RETURN_ON_ERROR | QUIET))
					read_sheaf(w, sheaf);
			}
		}
	}
	if (l->sheaf_barn_list >= 0 && l->barn_full >= 0)
		for (k = 0; k < w->ci->nr_barns; k++) {
			if (!w->ci->barns[k])
				continue;
			read_sheaf_list(w, w->ci->barns[k] + l->barn_full);
			if (l->barn_empty >= 0)
				read_sheaf_list(w, w->ci->barns[k] + l->barn_empty);
		}
	qsort(w->sheaf, w->nsheaf, sizeof(*w->sheaf), cmp_u64);
	w->res->sheaf_objects = w->nsheaf;
}

/* Mark the sheaf-held objects that lie in slab @v as free. */
static void clear_sheaf_objects(struct walker *w, const struct ms_slab_view *v)
{
	uint64_t first = v->addr + v->first, end = first + (uint64_t)v->nr_objects * v->stride;
	size_t lo = 0, hi = w->nsheaf;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (w->sheaf[mid] < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < w->nsheaf && w->sheaf[lo] < end; lo++) {
		uint64_t off = w->sheaf[lo] - first;

		if (off % v->stride)
			continue;
		w->sc->bitmap[off / v->stride / 64] &= ~(1ULL << (off / v->stride % 64));
		w->res->sheaf_objects_matched++;
	}
}

static void note_fault(struct walker *w, uint64_t slab, uint64_t base, int cpu,
		       const struct ms_freelist_fault *fault)
{
	struct walk_result *res = w->res;

	w->sum->freelist_errors++;
	if (res->nr_faults < WALK_MAX_FAULTS) {
		struct walk_fault *f = &res->faults[res->nr_faults++];

		f->slab = slab;
		f->base = base;
		f->cpu = cpu;
		f->fault = *fault;
	}
}

/* Settle the free-pointer encoding on the first chain that decodes under exactly one. */
static void settle_encoding(struct walker *w, const struct ms_slab_view *v, uint64_t head)
{
	enum ms_fp_encoding enc;

	if (w->res->encoding != MS_FP__COUNT || !head)
		return;
	enc = ms_fp_detect(v, &w->fmt, head);
	if (enc != MS_FP__COUNT) {
		w->fmt.encoding = enc;
		w->res->encoding = enc;
	}
}

static void walk_chain(struct walker *w, const struct ms_slab_view *v, uint64_t slab,
		       uint64_t head, int cpu)
{
	struct ms_freelist_fault fault;
	uint32_t nfree;

	if (!head)
		return;
	settle_encoding(w, v, head);
	if (w->res->encoding == MS_FP__COUNT) {
		/* No encoding decodes this chain: it is corrupt (or the cache is). */
		fault.status = MS_FL_OUTSIDE;
		fault.bad_pointer = head;
		fault.holder = 0;
		note_fault(w, slab, v->addr, cpu, &fault);
		return;
	}
	if (ms_freelist_walk(v, &w->fmt, head, w->sc->bitmap, &nfree, &fault) != MS_FL_OK)
		note_fault(w, slab, v->addr, cpu, &fault);
}

static int ensure_slab_buf(struct scan *sc, size_t len)
{
	uint8_t *buf;

	if (len <= sc->slab_buf_len)
		return 1;
	buf = realloc(sc->slab_buf, len);
	if (!buf)
		return 0;
	sc->slab_buf = buf;
	sc->slab_buf_len = len;
	return 1;
}

/* One line of -l: the slab, its memory, its counts, and whose active slab it is. */
static void list_slab(struct walker *w, uint64_t page_addr, uint64_t base, uint32_t objects,
		      uint32_t allocated)
{
	int cpu;

	if (w->sum->slabs == 1)
		fprintf(fp, "SLAB              MEMORY            TOTAL  ALLOCATED  FREE  NOTE\n");
	fprintf(fp, "%016lx  %016lx  %5u  %9u  %4u", (ulong)page_addr, (ulong)base, objects,
		allocated, objects - allocated);
	for (cpu = 0; cpu < w->ncpus; cpu++)
		if (w->cpus[cpu].slab == page_addr)
			fprintf(fp, "  cpu %d slab", w->cpus[cpu].cpu);
	fprintf(fp, "\n");
}

static void note_bad_slab(struct walker *w, uint64_t slab, uint64_t counters, int cpu)
{
	struct walk_result *res = w->res;

	if (res->nr_bad < WALK_MAX_FAULTS) {
		res->bad[res->nr_bad].slab = slab;
		res->bad[res->nr_bad].counters = counters;
		res->bad[res->nr_bad].cpu = cpu;
		res->nr_bad++;
	}
}

/*
 * The slab's object count from its counters word (inuse:16 objects:15 frozen:1), or 0 when
 * the word cannot be right: no objects, more than any slab of the cache holds (the larger of
 * its oo and min geometries), or more in use than there are.
 */
static uint32_t slab_objects(struct walker *w, const char *page)
{
	uint64_t counters = rd64(page + w->l->slab_counters);
	uint32_t objects = (counters >> 16) & 0x7fff, inuse = counters & 0xffff;

	if (objects == 0 || objects > w->ci->max_objects || inuse > objects)
		return 0;
	return objects;
}

/*
 * Read the slab's bytes.  On a live system the slab may change while we read it: re-read its
 * struct page afterwards and, if freelist or counters moved, read both again (a bounded number
 * of times); *@page_now then holds the struct page that matches the bytes.
 */
static int read_slab(struct walker *w, uint64_t page_addr, uint64_t base, size_t len,
		     char *page_now)
{
	const struct slub_layout *l = w->l;
	int tries;

	for (tries = 0;; tries++) {
		char again[256];

		if (!readmem(base, KVADDR, w->sc->slab_buf, len, "memsim slab",
			     RETURN_ON_ERROR | QUIET))
			return 0;
		if (tries >= w->opt->live_retries || l->page_struct_size > (long)sizeof(again) ||
		    !readmem(page_addr, KVADDR, again, l->page_struct_size, "memsim page",
			     RETURN_ON_ERROR | QUIET))
			break;
		if (rd64(again + l->slab_freelist) == rd64(page_now + l->slab_freelist) &&
		    rd64(again + l->slab_counters) == rd64(page_now + l->slab_counters))
			return 1;
		memcpy(page_now, again, l->page_struct_size);
	}
	if (w->opt->live_retries)
		w->sum->inconsistent++;
	return 1;
}

/* Mark the free objects of @v (its slab's freelist and any CPU's lockless one) in the pass bitmap. */
static uint32_t count_allocated(struct walker *w, const struct ms_slab_view *v, uint64_t page_addr,
				const char *page)
{
	uint32_t allocated = 0, i;
	int cpu;

	ms_bitmap_fill(w->sc->bitmap, v->nr_objects);
	walk_chain(w, v, page_addr, rd64(page + w->l->slab_freelist), -1);
	for (cpu = 0; cpu < w->ncpus; cpu++)
		if (w->cpus[cpu].slab == page_addr)
			walk_chain(w, v, page_addr, w->cpus[cpu].freelist, w->cpus[cpu].cpu);
	if (w->nsheaf)
		clear_sheaf_objects(w, v);
	for (i = 0; i < ms_bitmap_words(v->nr_objects); i++)
		allocated += __builtin_popcountll(w->sc->bitmap[i]);
	return allocated;
}

/* Read one slab whose head struct page is @page (at @page_addr, frame @pfn) and hand it on. */
static void walk_slab(struct walker *w, const char *page, uint64_t page_addr, uint64_t pfn)
{
	const struct cache_info *ci = w->ci;
	uint64_t base = PTOV(pfn * (uint64_t)w->l->page_size);
	uint32_t objects = slab_objects(w, page), allocated;
	size_t len = ci->red_left_pad + (size_t)objects * ci->size;
	char page_now[256];
	struct ms_slab_view v;
	int cpu;

	for (cpu = 0; cpu < w->ncpus; cpu++)
		if (w->cpus[cpu].slab == page_addr)
			w->cpus[cpu].met = 1;
	w->sum->slabs++;
	w->sc->slabs++;
	if (!objects) {
		/* Counters that cannot be right: skip it, count it, by the usual geometry. */
		w->sum->slabs_implausible++;
		w->sum->total += ci->oo_objects;
		note_bad_slab(w, page_addr, rd64(page + w->l->slab_counters), -1);
		return;
	}
	len = (len + w->l->page_size - 1) / w->l->page_size * w->l->page_size;
	w->sum->total += objects;
	w->sc->objects += objects;
	w->bytes_read += len;
	memcpy(page_now, page, w->l->page_struct_size < 256 ? w->l->page_struct_size : 256);
	if (!ensure_slab_buf(w->sc, len) || !read_slab(w, page_addr, base, len, page_now)) {
		w->sum->slabs_unreadable++;
		return;
	}
	if (w->opt->read_only)
		return;
	v.buf = w->sc->slab_buf;
	v.addr = base;
	v.first = ci->red_left_pad;
	v.stride = ci->size;
	v.object_size = ci->object_size;
	v.nr_objects = objects;
	v.allocated = w->sc->bitmap;
	allocated = count_allocated(w, &v, page_addr, page_now);
	if (w->opt->list_slabs)
		list_slab(w, page_addr, base, objects, allocated);
	w->sum->allocated += allocated;
	w->sum->free += objects - allocated;
	w->fn(w->arg, &v);
}

/* With -S N: is the k-th slab head (0-based) one of N spread evenly over all of them? */
static int sampled(const struct walker *w, uint64_t k)
{
	uint64_t n = w->opt->sample, total = w->sum->slabs_in_cache;

	if (!n || n >= total)
		return 1;
	return (k + 1) * n / total > k * n / total;
}

/* The walk of the cache at @cache, or NULL when the pass walks no such cache. */
static struct walker *walk_of(const struct scan *sc, uint64_t cache)
{
	size_t lo = 0, hi = sc->nr_walks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint64_t a = sc->walks[mid]->ci->addr;

		if (a == cache)
			return sc->walks[mid];
		if (a < cache)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void scan_pages(void *arg, const char *pages, uint64_t first_page_addr,
		       uint64_t first_pfn, uint64_t count)
{
	struct scan *sc = arg;
	const struct slub_layout *l = sc->l;
	uint64_t i;

	for (i = 0; i < count && !*sc->stop; i++) {
		const char *page = pages + i * l->page_struct_size;
		struct walker *w;

		if (!slab_page_is_marked(l, page))
			continue;
		w = walk_of(sc, rd64(page + l->slab_cache));
		if (!w)
			continue;
		if (l->page_compound_head >= 0 && (rd64(page + l->page_compound_head) & 1))
			continue;	/* a tail page */
		if (sampled(w, w->heads_seen++))
			walk_slab(w, page, first_page_addr + i * l->page_struct_size,
				  first_pfn + i);
	}
}

static void show_progress(struct scan *sc, int done)
{
	time_t now;

	if (!sc->opt->progress)
		return;
	now = time(NULL);
	if (!done && now == sc->last_progress)
		return;
	sc->last_progress = now;
	fprintf(stderr, "\rmemsim: %3lu%% of memory map, %lu slabs, %lu objects%s",
		(ulong)(sc->pages_total ? sc->pages_done * 100 / sc->pages_total : 100),
		(ulong)sc->slabs, (ulong)sc->objects, done ? "\n" : "");
}

/* Struct pages that could not be read: any cache's slabs may have been there. */
static void scan_lost(void *arg, uint64_t count)
{
	struct scan *sc = arg;
	size_t k;

	for (k = 0; k < sc->nr_walks; k++)
		sc->walks[k]->sum->pages_unreadable += count;
}

static void scan_progress(void *arg, uint64_t done)
{
	struct scan *sc = arg;

	sc->pages_done = done;
	show_progress(sc, 0);
}

/*
 * After a whole walk: what the cache's own counters count against what the memory map gave.
 * A struct slab overwritten (its slab_cache or its flags) hides its slab from the scan; the
 * node counters still count it, so the difference is said, never silent.  A CPU's active slab
 * the walk never met is named too.
 */
static void cross_check(struct walker *w)
{
	struct ms_cache_summary *s = w->sum;
	int cpu;

	s->node_counters = w->ci->have_node_counters;
	s->node_slabs = w->ci->node_slabs;
	s->node_objects = w->ci->node_objects;
	s->live = w->opt->live_retries > 0;
	if (s->interrupted || w->opt->sample)
		return;
	for (cpu = 0; cpu < w->ncpus; cpu++)
		if (!w->cpus[cpu].met) {
			s->cpu_slabs_missing++;
			note_bad_slab(w, w->cpus[cpu].slab, 0, w->cpus[cpu].cpu);
		}
	if (!s->node_counters)
		return;
	if (s->node_slabs > s->slabs) {
		s->slabs_missing = s->node_slabs - s->slabs;
		s->objects_missing = s->node_objects > s->total ? s->node_objects - s->total : 0;
	} else if (s->slabs > s->node_slabs) {
		s->slabs_extra = s->slabs - s->node_slabs;
	}
}

/* One cache's walk: its free-pointer format, CPU freelists and sheaves. */
static void walker_init(struct walker *w)
{
	w->fmt.random = w->ci->random;
	w->fmt.offset = w->ci->offset;
	w->fmt.encoding = w->ci->random ? MS_FP__COUNT : MS_FP_PLAIN;
	w->res->encoding = w->fmt.encoding;
	read_cpu_freelists(w);
	read_sheaves(w);
}

static void walker_free(struct walker *w)
{
	if (!w)
		return;
	free(w->cpus);
	free(w->sheaf);
	free(w);
}

/* Everything the pass holds: its buffers, every walk, and the pass itself. */
static void scan_free(void *p)
{
	struct scan *sc = p;
	size_t k;

	for (k = 0; k < sc->nr_walks; k++)
		walker_free(sc->walks[k]);
	free(sc->walks);
	free(sc->pages);
	free(sc->bitmap);
	free(sc->slab_buf);
	free(sc);
}

static int cmp_walk(const void *a, const void *b)
{
	uint64_t x = (*(struct walker *const *)a)->ci->addr;
	uint64_t y = (*(struct walker *const *)b)->ci->addr;

	return x < y ? -1 : x > y;
}

static void start_summary(const struct slub_layout *l, const struct cache_info *ci,
			  const struct walk_options *opt, struct walk_result *res)
{
	struct ms_cache_summary *sum = &res->summary;

	memset(res, 0, sizeof(*res));
	snprintf(sum->name, sizeof(sum->name), "%s", ci->name);
	sum->cache_addr = ci->addr;
	sum->object_size = ci->object_size;
	sum->stride = ci->size;
	sum->slab_size = l->page_size << ci->oo_order;
	sum->slabs_in_cache = ci->have_node_counters ? ci->node_slabs : 0;
	sum->sampled = opt->sample && ci->have_node_counters && opt->sample < ci->node_slabs;
}

int slab_walk_caches(const struct slub_layout *l, const struct cache_info *cis, size_t nr,
		     const struct walk_options *opt, volatile int *stop, slab_fn fn,
		     void *const *args, struct walk_result *res)
{
	/* On the heap and registered: a crash error mid-walk must not lose its buffers. */
	struct scan *sc = calloc(1, sizeof(*sc));
	size_t k;

	for (k = 0; k < nr; k++)
		start_summary(l, &cis[k], opt, &res[k]);
	if (!sc) {
		error(INFO, "out of memory for the walk\n");
		return 0;
	}
	sc->l = l;
	sc->opt = opt;
	sc->stop = stop;
	held_take(sc, scan_free, "the walk buffers");
	sc->walks = calloc(nr ? nr : 1, sizeof(*sc->walks));
	sc->pages = malloc(MEMMAP_CHUNK_PAGES * l->page_struct_size);
	sc->bitmap = calloc(ms_bitmap_words(0x7fff), sizeof(uint64_t)); /* objects:15 */
	for (k = 0; sc->walks && k < nr; k++) {
		struct walker *w = calloc(1, sizeof(*w));

		if (!w)
			break;
		*w = (struct walker){ l, &cis[k], opt, stop, fn, args ? args[k] : NULL, &res[k],
				      &res[k].summary, sc };
		sc->walks[sc->nr_walks++] = w;
	}
	if (!sc->walks || sc->nr_walks < nr || !sc->pages || !sc->bitmap) {
		error(INFO, "out of memory for the walk buffers\n");
		held_drop(sc);
		scan_free(sc);
		return 0;
	}
	scan_keep_sigint();	/* the cache lookup or the layout may have asked gdb */
	for (k = 0; k < nr && !*stop; k++)
		walker_init(sc->walks[k]);
	qsort(sc->walks, sc->nr_walks, sizeof(*sc->walks), cmp_walk);
	sc->pages_total = memmap_pages_total();
	if (!*stop) {
		struct memmap_pass mp = { l, stop, sc->pages, scan_pages, scan_lost, scan_progress,
					  sc };

		sc->pages_done = memmap_walk(&mp);
	}
	show_progress(sc, 1);
	for (k = 0; k < sc->nr_walks; k++) {
		struct walker *w = sc->walks[k];

		w->sum->interrupted = *stop != 0;
		cross_check(w);
		w->res->bytes_read = w->bytes_read;
		w->res->struct_page_bytes = sc->pages_done * l->page_struct_size;
	}
	held_drop(sc);
	scan_free(sc);
	return 1;
}

int slab_walk_cache(const struct slub_layout *l, const struct cache_info *ci,
		    const struct walk_options *opt, volatile int *stop, slab_fn fn, void *arg,
		    struct walk_result *res)
{
	void *args[1] = { arg };

	return slab_walk_caches(l, ci, 1, opt, stop, fn, args, res);
}
