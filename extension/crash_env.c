/*
 * crash_env.c - describing the kernel to the analysis library.
 *
 * Builds the struct ms_layout of address ranges once per command (kernel and module text and
 * data, per-cpu areas, direct map, vmalloc, vmemmap, user space) and answers the slow
 * questions of struct ms_env through crash: symbols, which slab cache owns a page, reading.
 */
#include <string.h>

#include "defs.h"

#include "crash_env.h"
#include "error.h"
#include "held.h"
#include "meminfo.h"

#define PAGE_CACHE_SLOTS 65536	/* direct-mapped pfn -> cache memo */
#define CACHE_INFO_SLOTS 64

struct page_memo {
	uint64_t pfn_plus_one;	/* 0: empty */
	uint64_t cache;
	uint64_t slab_base;
};

struct cache_memo {
	uint64_t addr;
	char name[64];
	uint32_t object_size, size, red_left_pad;
};

struct crash_env {
	const struct slub_layout *l;
	struct page_memo *pages;
	struct cache_memo caches[CACHE_INFO_SLOTS];
	size_t nr_caches;
	volatile int *stop;
	char *kc_buf;
};

static int add_range(struct crash_env_layout *el, uint64_t start, uint64_t end,
		     enum ms_region region)
{
	struct ms_range *r;

	if (end <= start)
		return 1;
	if (el->nr == el->cap) {
		size_t cap = el->cap ? el->cap * 2 : 64;

		r = realloc(el->ranges, cap * sizeof(*r));
		if (!r)
			return 0;
		el->ranges = r;
		el->cap = cap;
	}
	r = &el->ranges[el->nr++];
	r->start = start;
	r->end = end;
	r->region = region;
	return 1;
}

static void add_kernel_ranges(struct crash_env_layout *el)
{
	uint64_t stext = symbol_value("_stext"), etext = symbol_value("_etext");
	uint64_t end = symbol_exists("_end") ? symbol_value("_end") : etext;
	int i;

	add_range(el, stext, etext, MS_REGION_KTEXT);
	add_range(el, etext, end, MS_REGION_KDATA);
	for (i = 0; i < st->mods_installed; i++) {
		struct load_module *lm = &st->load_modules[i];
		uint64_t base = lm->mod_base, stop = lm->mod_base + lm->mod_size;

#ifdef MOD_TEXT
		/* v6.4+ modules: separate memory per type; crash >= 8.0.3 records each. */
		if (MODULE_MEMORY()) {
			int t;

			for (t = MOD_TEXT; t < MOD_MEM_NUM_TYPES; t++)
				add_range(el, lm->mem[t].base, lm->mem[t].base + lm->mem[t].size,
					  t == MOD_TEXT || t == MOD_INIT_TEXT ? MS_REGION_KTEXT :
										MS_REGION_KDATA);
			continue;
		}
#endif
		uint64_t text_end = lm->mod_etext_guess > base && lm->mod_etext_guess <= stop ?
					    lm->mod_etext_guess : base;

		add_range(el, base, text_end, MS_REGION_KTEXT);
		add_range(el, text_end, stop, MS_REGION_KDATA);
	}
}

/*
 * How many bytes at the start of each first-chunk unit hold per-cpu data: static + reserved +
 * dynamic.  pcpu_embed_first_chunk() gives the rest of every unit (unit_size - that sum) back
 * to the page allocator, so slab pages and other heap memory live there; counting the whole
 * unit as per-cpu would call a pointer to such an object a per-cpu pointer.  The dynamic
 * region is pcpu_first_chunk's: pcpu_alloc_first_chunk() sets base_addr = its start rounded
 * down to a page, nr_pages = that region rounded up, end_offset = the round-up (start_offset
 * and end_offset since v4.14, "percpu: introduce start_offset to pcpu_chunk").  Returns 0 when
 * the kernel does not say, and the caller keeps the whole unit.
 */
static uint64_t percpu_used_size(uint64_t unit)
{
	long o_base = MEMBER_OFFSET("pcpu_chunk", "base_addr");
	long o_pages = MEMBER_OFFSET("pcpu_chunk", "nr_pages");
	long o_end = MEMBER_OFFSET("pcpu_chunk", "end_offset");
	uint64_t chunk = 0, base = 0, pcpu_base = 0, used;
	int nr_pages = 0, end_offset = 0;

	if (o_base < 0 || o_pages < 0 || o_end < 0 || !symbol_exists("pcpu_first_chunk") ||
	    !symbol_exists("pcpu_base_addr"))
		return 0;
	if (!readmem(symbol_value("pcpu_first_chunk"), KVADDR, &chunk, sizeof(chunk),
		     "pcpu_first_chunk", RETURN_ON_ERROR | QUIET) ||
	    !readmem(symbol_value("pcpu_base_addr"), KVADDR, &pcpu_base, sizeof(pcpu_base),
		     "pcpu_base_addr", RETURN_ON_ERROR | QUIET) ||
	    !chunk ||
	    !readmem(chunk + o_base, KVADDR, &base, sizeof(base), "pcpu_chunk base_addr",
		     RETURN_ON_ERROR | QUIET) ||
	    !readmem(chunk + o_pages, KVADDR, &nr_pages, sizeof(nr_pages), "pcpu_chunk nr_pages",
		     RETURN_ON_ERROR | QUIET) ||
	    !readmem(chunk + o_end, KVADDR, &end_offset, sizeof(end_offset),
		     "pcpu_chunk end_offset", RETURN_ON_ERROR | QUIET))
		return 0;
	if (nr_pages <= 0 || end_offset < 0 || base < pcpu_base)
		return 0;
	used = base + (uint64_t)nr_pages * PAGESIZE() - (uint64_t)end_offset - pcpu_base;
	return used > 0 && used <= unit ? used : 0;
}

static void add_percpu_ranges(struct crash_env_layout *el)
{
	uint64_t start = symbol_exists("__per_cpu_start") ? symbol_value("__per_cpu_start") : 0;
	uint64_t used;
	int unit = 0, cpu;

	if (!symbol_exists("pcpu_unit_size") ||
	    !readmem(symbol_value("pcpu_unit_size"), KVADDR, &unit, sizeof(unit),
		     "pcpu_unit_size", RETURN_ON_ERROR | QUIET) || unit <= 0)
		return;
	used = percpu_used_size((uint64_t)unit);
	if (!used)
		used = (uint64_t)unit;
	el->percpu_used = used;
	el->percpu_unit = (uint64_t)unit;
	for (cpu = 0; cpu < kt->cpus; cpu++) {
		uint64_t base = kt->__per_cpu_offset[cpu] + start;

		if (kt->__per_cpu_offset[cpu] && add_range(el, base, base + used, MS_REGION_PERCPU)) {
			if (!el->nr_percpu++)
				el->percpu_first = base;
		}
	}
}

int crash_env_layout_build(struct crash_env_layout *el)
{
	uint64_t max_phys = 0;
	int n;

	memset(el, 0, sizeof(*el));
	for (n = 0; n < vt->numnodes; n++) {
		struct node_table *nt = &vt->node_table[n];
		uint64_t end = nt->start_paddr + (uint64_t)nt->size * PAGESIZE();

		if (end > max_phys)
			max_phys = end;
	}
	el->layout.user_top = USERSPACE_TOP;
	el->layout.page_size = PAGESIZE();
	el->layout.directmap = (struct ms_range){ PAGE_OFFSET, PAGE_OFFSET + max_phys,
						  MS_REGION_DIRECTMAP };
	el->layout.vmalloc = (struct ms_range){ VMALLOC_START, VMALLOC_END, MS_REGION_VMALLOC };
	if (machdep->flags & VMEMMAP)
		el->layout.vmemmap = (struct ms_range){ VMEMMAP_VADDR, VMEMMAP_END,
							MS_REGION_VMEMMAP };
	add_kernel_ranges(el);
	add_percpu_ranges(el);
	el->layout.ranges = el->ranges;
	el->layout.nr_ranges = el->nr;
	return 1;
}

void crash_env_layout_free(struct crash_env_layout *el)
{
	free(el->ranges);
	memset(el, 0, sizeof(*el));
}

static int env_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return readmem(addr, KVADDR, buf, len, "memsim read", RETURN_ON_ERROR | QUIET);
}

static int env_symbol(void *ctx, uint64_t addr, struct ms_symbol *sym)
{
	struct syment *sp;
	ulong offset = 0;
	char modname[BUFSIZE];

	memset(sym, 0, sizeof(*sym));
	sp = value_search(addr, &offset);
	if (!sp)
		return 0;
	snprintf(sym->name, sizeof(sym->name), "%s", sp->name);
	sym->offset = offset;
	sym->is_text = is_kernel_text(addr);
	if (is_module_address(addr, modname))
		snprintf(sym->module, sizeof(sym->module), "%.63s", modname);
	else if (sp->name && addr >= PAGE_OFFSET) {
		int i;

		/* Module data outside the core text guess: find the module by its range. */
		for (i = 0; i < st->mods_installed; i++) {
			struct load_module *lm = &st->load_modules[i];

			if (addr >= lm->mod_base && addr < lm->mod_base + lm->mod_size)
				snprintf(sym->module, sizeof(sym->module), "%.63s", lm->mod_name);
#ifdef MOD_TEXT
			if (MODULE_MEMORY()) {
				int t;

				for (t = MOD_TEXT; t < MOD_MEM_NUM_TYPES; t++)
					if (addr >= lm->mem[t].base &&
					    addr < lm->mem[t].base + lm->mem[t].size)
						snprintf(sym->module, sizeof(sym->module), "%.63s",
							 lm->mod_name);
			}
#endif
		}
	}
	return 1;
}

static const struct cache_memo *cache_memo_get(struct crash_env *ce, uint64_t cache)
{
	const struct slub_layout *l = ce->l;
	struct cache_memo *m;
	uint64_t name_ptr;
	size_t i;

	for (i = 0; i < ce->nr_caches; i++)
		if (ce->caches[i].addr == cache)
			return &ce->caches[i];
	m = &ce->caches[ce->nr_caches < CACHE_INFO_SLOTS ? ce->nr_caches++ : cache % CACHE_INFO_SLOTS];
	memset(m, 0, sizeof(*m));
	if (!readmem(cache + l->kc_name, KVADDR, &name_ptr, sizeof(name_ptr), "kmem_cache name",
		     RETURN_ON_ERROR | QUIET) ||
	    !read_string(name_ptr, m->name, sizeof(m->name) - 1) ||
	    !readmem(cache + l->kc_object_size, KVADDR, &m->object_size, 4, "object_size",
		     RETURN_ON_ERROR | QUIET) ||
	    !readmem(cache + l->kc_size, KVADDR, &m->size, 4, "size", RETURN_ON_ERROR | QUIET))
		return NULL;
	if (l->kc_red_left_pad >= 0)
		readmem(cache + l->kc_red_left_pad, KVADDR, &m->red_left_pad, 4, "red_left_pad",
			RETURN_ON_ERROR | QUIET);
	m->addr = cache;
	return m->size ? m : NULL;
}

/* The slab cache owning the page of direct-map address @addr, memoised per page frame. */
static const struct page_memo *page_lookup(struct crash_env *ce, uint64_t addr)
{
	const struct slub_layout *l = ce->l;
	uint64_t pfn = VTOP(addr) / PAGESIZE(), page, head;
	struct page_memo *m = &ce->pages[pfn % PAGE_CACHE_SLOTS];
	char buf[256];

	if (m->pfn_plus_one == pfn + 1)
		return m;
	m->pfn_plus_one = pfn + 1;
	m->cache = m->slab_base = 0;
	if (!(machdep->flags & VMEMMAP) || l->page_struct_size > (long)sizeof(buf))
		return m;
	page = VMEMMAP_VADDR + pfn * l->page_struct_size;
	if (!readmem(page, KVADDR, buf, l->page_struct_size, "page", RETURN_ON_ERROR | QUIET))
		return m;
	head = page;
	if (l->page_compound_head >= 0 && (*(uint64_t *)(buf + l->page_compound_head) & 1)) {
		head = ms_compound_head_of(*(uint64_t *)(buf + l->page_compound_head), page);
		if (!readmem(head, KVADDR, buf, l->page_struct_size, "page", RETURN_ON_ERROR | QUIET))
			return m;
	}
	if (!slab_page_is_marked(l, buf))
		return m;
	m->cache = *(uint64_t *)(buf + l->slab_cache);
	m->slab_base = PTOV((head - VMEMMAP_VADDR) / l->page_struct_size * PAGESIZE());
	return m;
}

static uint64_t env_page_cache(void *ctx, uint64_t addr)
{
	struct crash_env *ce = ctx;

	if (addr < PAGE_OFFSET)
		return 0;
	return page_lookup(ce, addr)->cache;
}

static int env_slab_object(void *ctx, uint64_t addr, struct ms_slab_object *obj)
{
	struct crash_env *ce = ctx;
	const struct page_memo *pm;
	const struct cache_memo *cm;
	uint64_t rel;

	if (addr < PAGE_OFFSET)
		return 0;
	pm = page_lookup(ce, addr);
	if (!pm->cache || !(cm = cache_memo_get(ce, pm->cache)))
		return 0;
	if (addr < pm->slab_base + cm->red_left_pad)
		return 0;
	rel = addr - pm->slab_base - cm->red_left_pad;
	memset(obj, 0, sizeof(*obj));
	obj->cache = cm->addr;
	snprintf(obj->cache_name, sizeof(obj->cache_name), "%s", cm->name);
	obj->object = pm->slab_base + cm->red_left_pad + rel / cm->size * cm->size;
	obj->object_size = cm->object_size;
	obj->stride = cm->size;
	obj->allocated = -1;
	return 1;
}

static int env_interrupted(void *ctx)
{
	struct crash_env *ce = ctx;

	return *ce->stop;
}

struct crash_env *crash_env_new(const struct slub_layout *l, volatile int *stop,
				struct ms_env *env)
{
	struct crash_env *ce = calloc(1, sizeof(*ce));

	if (!ce)
		return NULL;
	ce->pages = calloc(PAGE_CACHE_SLOTS, sizeof(*ce->pages));
	if (!ce->pages) {
		free(ce);
		return NULL;
	}
	ce->l = l;
	ce->stop = stop;
	env->ctx = ce;
	env->read = env_read;
	env->symbol = env_symbol;
	env->slab_object = env_slab_object;
	env->page_cache = env_page_cache;
	env->interrupted = env_interrupted;
	return ce;
}

void crash_env_free(struct crash_env *ce)
{
	if (!ce)
		return;
	free(ce->pages);
	free(ce);
}

static void release_space(void *p)
{
	struct scan_space *sp = p;

	ms_layout_unprepare(&sp->el.layout);
	crash_env_layout_free(&sp->el);
	free(sp);
}

struct scan_space *scan_space_new(void)
{
	struct scan_space *sp = calloc(1, sizeof(*sp));
	struct ms_error *err;

	if (!sp) {
		error(INFO, "out of memory\n");
		return NULL;
	}
	held_take(sp, release_space, "the address-space layout");
	crash_env_layout_build(&sp->el);
	err = ms_layout_prepare(&sp->el.layout);
	if (err)	/* the scan still answers, only slower */
		ms_error_free(err);
	return sp;
}

void scan_space_free(struct scan_space *sp)
{
	if (!sp)
		return;
	held_drop(sp);
	release_space(sp);
}
