/*
 * meminfo.c - where the memory went: page classes, vmalloc callers, the rebuilt
 * /proc/meminfo rows, the unaccounted pages and the verdict (see meminfo.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "meminfo.h"
#include "triage.h"

#ifndef MEMSIM_VERSION
#define MEMSIM_VERSION "unknown"
#endif

static const char *const class_names[MS_PG_NR] = {
	[MS_PG_FREE] = "free",
	[MS_PG_UNREF] = "unref",
	[MS_PG_HUGETLB] = "hugetlb",
	[MS_PG_SLAB] = "slab",
	[MS_PG_SLAB_RECLAIMABLE] = "slab reclaimable",
	[MS_PG_ANON] = "anon",
	[MS_PG_SHMEM] = "shmem",
	[MS_PG_FILE] = "file",
	[MS_PG_PAGETABLE] = "page table",
	[MS_PG_VMALLOC] = "vmalloc",
	[MS_PG_LARGE_KMALLOC] = "large kmalloc",
	[MS_PG_MOVABLE] = "movable",
	[MS_PG_RESERVED] = "reserved",
	[MS_PG_OFFLINE] = "offline",
	[MS_PG_OTHER] = "other",
};

const char *ms_page_class_name(enum ms_page_class c)
{
	return c < MS_PG_NR ? class_names[c] : "?";
}

int ms_page_is_tail(const struct ms_page_desc *d)
{
	return d->compound_head & 1;
}

uint64_t ms_compound_head_of(uint64_t info, uint64_t addr)
{
	uint64_t x = info & ~1ULL, low = ~x;

	/* ~x + 1 a power of two: x is a mask of the folio's struct pages. */
	if (x >> 63 && low && !(low & (low + 1)))
		return addr & x;
	return x;
}

uint64_t ms_page_tail_head(const struct ms_page_desc *d, uint64_t addr)
{
	return ms_compound_head_of(d->compound_head, addr);
}

static int flag(const struct ms_page_desc *d, int bit)
{
	return bit >= 0 && bit < 64 && ((d->flags >> bit) & 1);
}

static int typed(const struct ms_page_rules *r, const struct ms_page_desc *d, int64_t ty)
{
	if (ty < 0)
		return 0;
	switch (r->scheme) {
	case MS_PTYPE_INV_BITS:
		return (d->page_type & (r->type_base | (uint32_t)ty)) == r->type_base;
	case MS_PTYPE_TOP_BYTE:
		return (d->page_type >> 24) == (uint32_t)ty;
	case MS_PTYPE_NONE:
		break;
	}
	return 0;
}

enum ms_page_class ms_page_classify(const struct ms_page_rules *r, const struct ms_page_desc *d)
{
	if (flag(d, r->pg_reserved))
		return MS_PG_RESERVED;
	if (typed(r, d, r->ty_buddy))
		return MS_PG_FREE;
	if (typed(r, d, r->ty_offline))
		return MS_PG_OFFLINE;
	if (typed(r, d, r->ty_table))
		return MS_PG_PAGETABLE;
	if (typed(r, d, r->ty_slab) || flag(d, r->pg_slab))
		return MS_PG_SLAB;
	if (typed(r, d, r->ty_hugetlb))
		return MS_PG_HUGETLB;
	if (typed(r, d, r->ty_zsmalloc))
		return MS_PG_MOVABLE;
	if (typed(r, d, r->ty_large_kmalloc))
		return MS_PG_LARGE_KMALLOC;
	if (d->refcount == 0)	/* a compound head nobody holds is a hugetlb pool's free page */
		return flag(d, r->pg_head) ? MS_PG_HUGETLB : MS_PG_UNREF;
	if (d->mapping & 1)	/* PAGE_MAPPING_ANON (and KSM) */
		return MS_PG_ANON;
	if (d->mapping & 2)	/* PAGE_MAPPING_MOVABLE: a non-LRU movable page */
		return MS_PG_MOVABLE;
	if (d->mapping)
		return flag(d, r->pg_swapbacked) ? MS_PG_SHMEM : MS_PG_FILE;
	return MS_PG_OTHER;
}

struct ms_meminfo *ms_meminfo_new(uint64_t page_size)
{
	struct ms_meminfo *m = calloc(1, sizeof(*m));

	if (m) {
		m->page_size = page_size ? page_size : 4096;
		m->flag_bits = 32;
		m->c.page_size = m->page_size;
	}
	return m;
}

void ms_meminfo_free(struct ms_meminfo *m)
{
	if (!m)
		return;
	free(m->callers);
	free(m);
}

static struct ms_page_shape *shape_of(struct ms_meminfo *m, const struct ms_page_desc *d, int add)
{
	uint32_t flags = (uint32_t)(m->flag_bits < 32 ? d->flags & ((1ULL << m->flag_bits) - 1) :
				     d->flags);
	int32_t ref = d->refcount > MS_SHAPE_REFCAP ? MS_SHAPE_REFCAP : d->refcount;
	int has_mapping = d->mapping != 0;
	unsigned i;

	for (i = 0; i < m->nr_shapes; i++) {
		struct ms_page_shape *s = &m->shapes[i];

		if (s->flags == flags && s->refcount == ref && s->has_mapping == has_mapping &&
		    s->compound == (add < 0))
			return s;
	}
	if (!add || m->nr_shapes == MS_MEMINFO_SHAPES)
		return NULL;
	m->shapes[m->nr_shapes] = (struct ms_page_shape){ .flags = flags, .refcount = ref,
							   .compound = add < 0,
							   .has_mapping = has_mapping };
	return &m->shapes[m->nr_shapes++];
}

void ms_meminfo_add_page(struct ms_meminfo *m, enum ms_page_class c, const struct ms_page_desc *d,
			 uint64_t addr, int is_tail, int compound)
{
	struct ms_page_shape *s;

	if (c >= MS_PG_NR)
		c = MS_PG_OTHER;
	m->map_pages[c]++;
	if (c != MS_PG_OTHER || !d)
		return;
	/* A shape is found by its head's words; compound says whether it has tails. */
	s = shape_of(m, d, compound ? -1 : 1);
	if (!s) {
		m->shape_overflow++;
		return;
	}
	s->pages++;
	/* The example: the block numbered by the last power of two met, so it comes from the
	 * bulk of the shape (a leak's pages), not from the few met first at boot. */
	if (!is_tail) {
		s->blocks++;
		if (!(s->blocks & (s->blocks - 1)))
			s->example = addr;
	}
}

void ms_meminfo_add_vmalloc(struct ms_meminfo *m, uint64_t caller, uint64_t size, uint64_t pages)
{
	struct ms_vmalloc_caller *c;
	size_t i;

	m->vm_areas++;
	m->vm_bytes += size;
	m->vm_pages += pages;
	/* Callers are few (tens to hundreds): a linear search from the last hit is enough. */
	for (i = 0; i < m->nr_callers; i++)
		if (m->callers[i].addr == caller)
			break;
	if (i == m->nr_callers) {
		if (m->nr_callers == MS_VMALLOC_CALLERS_MAX) {
			m->callers_overflow_areas++;
			return;
		}
		if (!(m->nr_callers & (m->nr_callers - 1)) || !m->callers) {
			size_t cap = m->nr_callers ? m->nr_callers * 2 : 64;
			void *p = realloc(m->callers, cap * sizeof(*m->callers));

			if (!p) {
				m->callers_overflow_areas++;
				return;
			}
			m->callers = p;
		}
		memset(&m->callers[i], 0, sizeof(m->callers[i]));
		m->callers[i].addr = caller;
		m->nr_callers++;
	}
	c = &m->callers[i];
	c->areas++;
	c->bytes += size;
	c->pages += pages;
}

void ms_meminfo_add_cache(struct ms_meminfo *m, const char *name, uint64_t bytes, int reclaimable)
{
	unsigned i, at;

	if (!reclaimable && bytes > m->top_unrec.bytes) {
		snprintf(m->top_unrec.name, sizeof(m->top_unrec.name), "%s", name);
		m->top_unrec.bytes = bytes;
	}
	for (at = 0; at < m->nr_top && m->top[at].bytes >= bytes; at++)
		;
	if (at == MS_MEMINFO_TOP_CACHES)
		return;
	if (m->nr_top < MS_MEMINFO_TOP_CACHES)
		m->nr_top++;
	for (i = m->nr_top - 1; i > at; i--)
		m->top[i] = m->top[i - 1];
	snprintf(m->top[at].name, sizeof(m->top[at].name), "%s", name);
	m->top[at].bytes = bytes;
	m->top[at].reclaimable = reclaimable;
}

/* "symbol [module]" of a caller; callers of one function merge into one. */
static void name_caller(struct ms_vmalloc_caller *c, const struct ms_env *env, uint64_t *func)
{
	struct ms_symbol sym;

	*func = c->addr;
	if (!c->addr) {
		snprintf(c->name, sizeof(c->name), "-");
		return;
	}
	if (!env || !env->symbol || !env->symbol(env->ctx, c->addr, &sym)) {
		snprintf(c->name, sizeof(c->name), "0x%016" PRIx64, c->addr);
		return;
	}
	if (!sym.name[0] && sym.module[0]) {
		/* In a module the adapter knows no symbols of: the address, and why. */
		snprintf(c->name, sizeof(c->name), "0x%016" PRIx64 " [%s]", c->addr, sym.module);
		return;
	}
	if (sym.name[0]) {
		*func = c->addr - sym.offset;
		if (sym.module[0])
			snprintf(c->name, sizeof(c->name), "%s [%s]", sym.name, sym.module);
		else
			snprintf(c->name, sizeof(c->name), "%s", sym.name);
		return;
	}
	snprintf(c->name, sizeof(c->name), "0x%016" PRIx64, c->addr);
}

static int cmp_caller(const void *a, const void *b)
{
	const struct ms_vmalloc_caller *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages > y->pages ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void finish_callers(struct ms_meminfo *m, const struct ms_env *env)
{
	uint64_t *func = calloc(m->nr_callers ? m->nr_callers : 1, sizeof(*func));
	size_t i, j, n = 0;

	if (!func)
		return;
	for (i = 0; i < m->nr_callers; i++)
		name_caller(&m->callers[i], env, &func[i]);
	/* Merge the callers inside one function (one vmalloc() call site or several). */
	for (i = 0; i < m->nr_callers; i++) {
		for (j = 0; j < n; j++)
			if (func[j] == func[i] && !strcmp(m->callers[j].name, m->callers[i].name))
				break;
		if (j < n) {
			m->callers[j].areas += m->callers[i].areas;
			m->callers[j].bytes += m->callers[i].bytes;
			m->callers[j].pages += m->callers[i].pages;
			continue;
		}
		m->callers[n] = m->callers[i];
		m->callers[n].addr = func[i];
		func[n++] = func[i];
	}
	m->nr_callers = n;
	free(func);
	if (n)
		qsort(m->callers, n, sizeof(*m->callers), cmp_caller);
}

static struct ms_meminfo_row *row(struct ms_meminfo *m, const char *name, const char *proc,
				  const char *counter)
{
	struct ms_meminfo_row *r;

	if (m->nr_rows == MS_MEMINFO_ROWS)
		return NULL;
	r = &m->rows[m->nr_rows++];
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->proc = proc;
	r->counter = counter;
	return r;
}

static void set_map(struct ms_meminfo_row *r, uint64_t bytes)
{
	if (!r)
		return;
	r->have_map = 1;
	r->map_bytes = bytes;
	if (!r->have_counter)
		r->bytes = bytes;
}

static void set_counter(struct ms_meminfo_row *r, int have, uint64_t bytes)
{
	if (!r || !have)
		return;
	r->have_counter = 1;
	r->counter_bytes = bytes;
	r->bytes = bytes;
}

/* Do the map and the counter agree: within 2 % or a megabyte (per-cpu counter drift)? */
static int agree(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a, big = a > b ? a : b;

	return d <= (1ULL << 20) || d * 50 <= big;
}

static void note_differ(struct ms_meminfo_row *r, const char *why)
{
	char b1[32];
	uint64_t d;

	if (!r || !r->have_map || !r->have_counter || agree(r->map_bytes, r->counter_bytes))
		return;
	d = r->map_bytes > r->counter_bytes ? r->map_bytes - r->counter_bytes :
					      r->counter_bytes - r->map_bytes;
	ms_human_bytes(d, b1, sizeof(b1));
	snprintf(r->note, sizeof(r->note), "map %s %s than the counter%s%s",
		 r->map_bytes > r->counter_bytes ? "counts" : "finds", b1, why ? ": " : "",
		 why ? why : "");
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

struct suspect {
	uint64_t bytes;
	char what[320];
	char next[160];
};

static void consider(struct suspect *best, uint64_t weighed, const char *what, const char *next)
{
	if (weighed <= best->bytes)
		return;
	best->bytes = weighed;
	snprintf(best->what, sizeof(best->what), "%s", what);
	snprintf(best->next, sizeof(best->next), "%s", next);
}

static const struct ms_page_shape *top_shape(const struct ms_meminfo *m)
{
	const struct ms_page_shape *best = NULL;
	unsigned i;

	for (i = 0; i < m->nr_shapes; i++)
		if (!best || m->shapes[i].pages > best->pages)
			best = &m->shapes[i];
	return best;
}

static void verdict(struct ms_meminfo *m)
{
	const struct ms_meminfo_counters *c = &m->c;
	const struct ms_page_shape *s = top_shape(m);
	struct suspect best = { 0 };
	char b1[32], b2[32], what[320], next[160];
	uint64_t ps = m->page_size;

	if (m->unaccounted) {
		ms_human_bytes(m->unaccounted, b1, sizeof(b1));
		if (s && s->example) {
			ms_human_bytes(s->pages * ps, b2, sizeof(b2));
			snprintf(what, sizeof(what), "%s in use that no counter explains (unaccounted); "
				 "the most alike: %" PRIu64 " %s pages, flags 0x%x, refcount %d%s, "
				 "mapping %s (%s)", b1, s->pages, s->compound ? "compound" : "single",
				 s->flags, s->refcount, s->refcount >= MS_SHAPE_REFCAP ? "+" : "",
				 s->has_mapping ? "set" : "none", b2);
			snprintf(next, sizeof(next), "kmem 0x%016" PRIx64 "; search -k 0x%016" PRIx64
				 " (who holds it)", s->example, s->example);
		} else {
			snprintf(what, sizeof(what), "%s in use that no counter explains "
				 "(unaccounted)", b1);
			snprintf(next, sizeof(next), "kmem -i");
		}
		consider(&best, m->unaccounted, what, next);
	}
	if (c->have_slab_unrec) {
		ms_human_bytes(c->slab_unrec, b1, sizeof(b1));
		ms_human_bytes(m->top_unrec.bytes, b2, sizeof(b2));
		snprintf(what, sizeof(what), "%s of unreclaimable slab (SUnreclaim)%s%s%s%s%s", b1,
			 m->top_unrec.bytes ? "; biggest cache " : "", m->top_unrec.name,
			 m->top_unrec.bytes ? " (" : "", m->top_unrec.bytes ? b2 : "",
			 m->top_unrec.bytes ? ")" : "");
		if (m->top_unrec.bytes)
			snprintf(next, sizeof(next), "memsim -a (every cache ranked); memsim %s (the "
				 "biggest unreclaimable cache)", m->top_unrec.name);
		else
			snprintf(next, sizeof(next), "memsim -a");
		consider(&best, c->slab_unrec, what, next);
	}
	if (c->have_slab_rec) {
		ms_human_bytes(c->slab_rec, b1, sizeof(b1));
		snprintf(what, sizeof(what), "%s of reclaimable slab (SReclaimable: dentries, "
			 "inodes; the shrinkers give it back)", b1);
		consider(&best, c->slab_rec / 2, what, "memsim -a");
	}
	if (m->nr_callers && m->callers[0].pages) {
		ms_human_bytes(m->callers[0].pages * ps, b1, sizeof(b1));
		snprintf(what, sizeof(what), "%s of vmalloc pages from %s (%" PRIu64 " areas)", b1,
			 m->callers[0].name, m->callers[0].areas);
		consider(&best, m->callers[0].pages * ps, what, "kmem -v");
	}
	if (c->have_shmem) {
		ms_human_bytes(c->shmem, b1, sizeof(b1));
		snprintf(what, sizeof(what), "%s of shmem (tmpfs, memfd, SysV shm)", b1);
		consider(&best, c->shmem, what, "ipcs -M; mount (tmpfs); foreach files");
	}
	if (c->have_percpu) {
		ms_human_bytes(c->percpu, b1, sizeof(b1));
		snprintf(what, sizeof(what), "%s of per-cpu memory", b1);
		consider(&best, c->percpu, what, "p pcpu_nr_populated pcpu_nr_units (the chunks are "
			 "on pcpu_chunk_lists)");
	}
	if (c->have_stack) {
		ms_human_bytes(c->stack, b1, sizeof(b1));
		snprintf(what, sizeof(what), "%s of kernel stacks", b1);
		consider(&best, c->stack, what, "ps (how many tasks)");
	}
	if (c->have_pagetable) {
		ms_human_bytes(c->pagetable, b1, sizeof(b1));
		snprintf(what, sizeof(what), "%s of page tables", b1);
		consider(&best, c->pagetable, what, "ps -G (processes and their RSS)");
	}
	if (!best.bytes) {
		snprintf(m->verdict, sizeof(m->verdict), "no kernel consumer found");
		snprintf(m->next, sizeof(m->next), "kmem -i");
		return;
	}
	/* Under 5 % of MemTotal the largest consumer is named, but not as a finding. */
	if (c->have_total && best.bytes * 20 < c->total)
		snprintf(m->verdict, sizeof(m->verdict), "no kernel consumer holds 5 %% of MemTotal; "
			 "the largest: %s", best.what);
	else
		snprintf(m->verdict, sizeof(m->verdict), "largest kernel consumer: %s", best.what);
	snprintf(m->next, sizeof(m->next), "%s", best.next);
}

void ms_meminfo_finish(struct ms_meminfo *m, const struct ms_env *env)
{
	const struct ms_meminfo_counters *c = &m->c;
	uint64_t ps = m->page_size, *p = m->map_pages, other, large_est = 0, explained;
	struct ms_meminfo_row *r, *unrec;

	finish_callers(m, env);
	m->nr_rows = 0;
	m->loose = 0;

	r = row(m, "MemTotal", "MemTotal", "totalram_pages");
	set_map(r, (m->pages_walked - p[MS_PG_RESERVED] - p[MS_PG_OFFLINE]) * ps);
	set_counter(r, c->have_total, c->total);
	note_differ(r, "pages freed to the buddy allocator at boot are MemTotal; reserved pages "
		       "released later are counted here");

	/* Free in the map: buddy blocks, and of the refcount-0 pages outside them as many as
	 * the per-cpu lists hold; the rest are tails of non-compound allocations, in use. */
	if (c->have_pcp) {
		uint64_t unref = p[MS_PG_UNREF] * ps;

		m->loose = sub0(unref, c->pcp);
	}
	r = row(m, "MemFree", "MemFree", "NR_FREE_PAGES");
	set_map(r, p[MS_PG_FREE] * ps + p[MS_PG_UNREF] * ps - m->loose);
	set_counter(r, c->have_free, c->free);
	if (r && c->have_pcp && r->have_counter) {
		/* The map's free pages include the per-cpu lists, which NR_FREE_PAGES does not. */
		char b1[32];
		uint64_t on_lists = c->pcp < p[MS_PG_UNREF] * ps ? c->pcp : p[MS_PG_UNREF] * ps;

		ms_human_bytes(on_lists, b1, sizeof(b1));
		if (agree(sub0(r->map_bytes, on_lists), r->counter_bytes))
			snprintf(r->note, sizeof(r->note), "map includes %s on per-cpu free lists",
				 b1);
		else
			note_differ(r, "pages being freed or allocated, or a damaged memory map");
	} else {
		note_differ(r, "the map counts the per-cpu free lists too");
	}

	r = row(m, "File pages", "Buffers+Cached-Shmem", "NR_FILE_PAGES-NR_SHMEM-NR_SWAPCACHE");
	set_map(r, p[MS_PG_FILE] * ps);
	if (c->have_file)
		set_counter(r, 1, sub0(sub0(c->file, c->have_shmem ? c->shmem : 0),
				       c->have_swapcache ? c->swapcache : 0));
	note_differ(r, NULL);

	r = row(m, "Shmem", "Shmem", "NR_SHMEM");
	set_map(r, p[MS_PG_SHMEM] * ps);
	set_counter(r, c->have_shmem, c->shmem);
	note_differ(r, NULL);

	r = row(m, "AnonPages", "AnonPages", "NR_ANON_MAPPED");
	set_map(r, p[MS_PG_ANON] * ps);
	set_counter(r, c->have_anon, c->anon);
	note_differ(r, "the map counts unmapped anon pages in the swap cache too");

	r = row(m, "Slab reclaimable", "SReclaimable", "NR_SLAB_RECLAIMABLE_B");
	set_map(r, p[MS_PG_SLAB_RECLAIMABLE] * ps);
	set_counter(r, c->have_slab_rec, c->slab_rec);
	note_differ(r, NULL);

	unrec = r = row(m, "Slab unreclaimable", "SUnreclaim", "NR_SLAB_UNRECLAIMABLE_B");
	set_map(r, (p[MS_PG_SLAB] + p[MS_PG_LARGE_KMALLOC]) * ps);
	set_counter(r, c->have_slab_unrec, c->slab_unrec);
	/*
	 * Large kmallocs (above the biggest kmalloc cache) count in NR_SLAB_UNRECLAIMABLE_B
	 * only, in no slab page; estimated from both slab rows together, so that a reclaimable
	 * cache the map could not tell apart moves bytes between the rows, not into the estimate.
	 */
	if (c->have_slab_unrec && !p[MS_PG_LARGE_KMALLOC])
		large_est = sub0(c->slab_unrec + (c->have_slab_rec ? c->slab_rec : 0),
				 (p[MS_PG_SLAB] + p[MS_PG_SLAB_RECLAIMABLE]) * ps);
	if (r && r->have_counter && r->counter_bytes > r->map_bytes && !p[MS_PG_LARGE_KMALLOC]) {
		char b1[32];

		ms_human_bytes(r->counter_bytes - r->map_bytes, b1, sizeof(b1));
		snprintf(r->note, sizeof(r->note), "the counter also counts large kmalloc()s (above "
			 "the biggest kmalloc cache, straight from the page allocator): %s", b1);
	} else {
		note_differ(r, NULL);
	}
	(void)unrec;

	r = row(m, "KernelStack", "KernelStack", "NR_KERNEL_STACK_KB");
	set_counter(r, c->have_stack, c->stack);
	if (r && c->stack_in_vmalloc)
		snprintf(r->note, sizeof(r->note), "vmalloc areas (CONFIG_VMAP_STACK): part of "
			 "VmallocUsed");

	r = row(m, "PageTables", "PageTables", "NR_PAGETABLE");
	set_map(r, p[MS_PG_PAGETABLE] * ps);
	set_counter(r, c->have_pagetable, c->pagetable);
	note_differ(r, NULL);

	if (c->have_sec_pagetable && c->sec_pagetable) {
		r = row(m, "SecPageTables", "SecPageTables", "NR_SECONDARY_PAGETABLE");
		set_counter(r, 1, c->sec_pagetable);
	}

	r = row(m, "VmallocUsed", "VmallocUsed", "nr_vmalloc_pages");
	if (m->vm_walked)
		set_map(r, p[MS_PG_VMALLOC] * ps);
	set_counter(r, c->have_vmalloc, c->vmalloc);
	if (r && m->vm_walked && m->vm_pages * ps != r->map_bytes && !agree(m->vm_pages * ps,
									    r->map_bytes))
		note_differ(r, "areas whose pages the map could not read");
	else
		note_differ(r, NULL);

	r = row(m, "Percpu", "Percpu", "pcpu_nr_populated");
	set_counter(r, c->have_percpu, c->percpu);

	if (c->have_hugetlb && (c->hugetlb || p[MS_PG_HUGETLB])) {
		r = row(m, "Hugetlb", "Hugetlb", "nr_huge_pages");
		set_map(r, p[MS_PG_HUGETLB] * ps);
		set_counter(r, 1, c->hugetlb);
		note_differ(r, "gigantic pages from memblock are outside the map's count");
	}

	if (p[MS_PG_MOVABLE]) {
		r = row(m, "Movable non-LRU", NULL, c->have_zspages ? "NR_ZSPAGES" : NULL);
		set_map(r, p[MS_PG_MOVABLE] * ps);
		if (r) {
			r->bytes = r->map_bytes;
			snprintf(r->note, sizeof(r->note), "zsmalloc, balloon: pages with a movable "
				 "mapping");
		}
	}

	/*
	 * Unaccounted: the other pages (in use, no flag or type or mapping that names an owner)
	 * less those a counter explains without marking them: large kmallocs (counted in the
	 * slab counters, above what the slab pages hold), per-cpu chunks after the first (the
	 * first is memblock, outside MemTotal), page tables no page type marks, kernel stacks
	 * not in vmalloc areas, zsmalloc pages not marked movable.
	 */
	other = p[MS_PG_OTHER] * ps + m->loose;
	explained = large_est;
	if (c->have_percpu)
		explained += sub0(c->percpu, c->percpu_first);
	if (c->have_pagetable)
		explained += sub0(c->pagetable, p[MS_PG_PAGETABLE] * ps);
	if (c->have_sec_pagetable)
		explained += c->sec_pagetable;
	if (c->have_stack && !c->stack_in_vmalloc)
		explained += c->stack;
	if (c->have_zspages)
		explained += sub0(c->zspages, p[MS_PG_MOVABLE] * ps);
	m->unaccounted = sub0(other, explained);
	r = row(m, "Unaccounted", NULL, NULL);
	set_map(r, m->unaccounted);
	if (r) {
		char b1[32], b2[32];

		ms_human_bytes(other, b1, sizeof(b1));
		ms_human_bytes(other - m->unaccounted, b2, sizeof(b2));
		snprintf(r->note, sizeof(r->note), "in use, in no row: %s of other pages%s less %s "
			 "that counters explain (large kmalloc, per-cpu, ...)", b1,
			 m->loose ? " (tails of non-compound allocations too)" : "", b2);
	}

	r = row(m, "Reserved", NULL, NULL);
	set_map(r, (p[MS_PG_RESERVED] + p[MS_PG_OFFLINE]) * ps);
	if (r)
		snprintf(r->note, sizeof(r->note), "outside MemTotal: kernel image, memblock, "
			 "first per-cpu chunk, holes%s", p[MS_PG_OFFLINE] ? ", offline pages" : "");

	/* The counters alone: MemTotal less every counter row (drgn-tools' memstate idea). */
	m->counters_unexplained = (int64_t)c->total - (int64_t)c->free - (int64_t)c->pcp -
				  (int64_t)sub0(c->file, c->swapcache) - (int64_t)c->anon -
				  (int64_t)c->slab_rec - (int64_t)c->slab_unrec -
				  (int64_t)(c->stack_in_vmalloc ? 0 : c->stack) -
				  (int64_t)c->pagetable - (int64_t)c->sec_pagetable -
				  (int64_t)c->vmalloc - (int64_t)sub0(c->percpu, c->percpu_first) -
				  (int64_t)c->hugetlb - (int64_t)c->zspages;
	verdict(m);
}

static int cmp_shape(const void *a, const void *b)
{
	const struct ms_page_shape *x = a, *y = b;

	return x->pages != y->pages ? (x->pages > y->pages ? -1 : 1) : 0;
}

static void col(uint64_t v, int have, char *buf, size_t len)
{
	if (have)
		ms_human_bytes(v, buf, len);
	else
		snprintf(buf, len, "-");
}

int ms_meminfo_text(const struct ms_meminfo *m, size_t callers, FILE *out)
{
	const struct ms_meminfo_counters *c = &m->c;
	char b1[32], b2[32], b3[32];
	size_t i;

	ms_human_bytes(c->total, b1, sizeof(b1));
	fprintf(out, "MEMORY: %s in MemTotal; memory map: %" PRIu64 " struct pages walked, %" PRIu64
		     " unreadable%s\n", b1, m->pages_walked, m->pages_unreadable,
		m->interrupted ? "; INTERRUPTED: the map rows cover the part walked" : "");
	if (m->pages_unreadable) {
		ms_human_bytes(m->pages_unreadable * m->page_size, b2, sizeof(b2));
		fprintf(out, "  the map rows miss the %s the unreadable struct pages describe\n", b2);
	}
	fprintf(out, "\nROW                       BYTES        MAP    COUNTER  NOTE\n");
	for (i = 0; i < m->nr_rows; i++) {
		const struct ms_meminfo_row *r = &m->rows[i];

		col(r->bytes, 1, b1, sizeof(b1));
		col(r->map_bytes, r->have_map, b2, sizeof(b2));
		col(r->counter_bytes, r->have_counter, b3, sizeof(b3));
		fprintf(out, "%-22s %8s %10s %10s  %s%s%s\n", r->name, b1, b2, b3,
			r->counter ? r->counter : "", r->counter && r->note[0] ? "; " : "",
			r->note);
	}
	if (c->have_total && m->counters_unexplained >= 0) {
		ms_human_bytes((uint64_t)m->counters_unexplained, b1, sizeof(b1));
		fprintf(out, "  the counters alone leave %s of MemTotal in no row\n", b1);
	} else if (c->have_total) {
		ms_human_bytes((uint64_t)-m->counters_unexplained, b1, sizeof(b1));
		fprintf(out, "  the counters alone add up to %s more than MemTotal (they overlap)\n",
			b1);
	}
	if (m->nr_shapes) {
		fprintf(out, "\nOTHER PAGES BY SHAPE (in use, no owner in the struct page; the "
			     "unaccounted are among them)\n");
		fprintf(out, "    PAGES     BLOCKS  KIND      FLAGS       REFCOUNT  MAPPING  "
			     "EXAMPLE PAGE\n");
		struct ms_page_shape by_pages[MS_MEMINFO_SHAPES];

		memcpy(by_pages, m->shapes, m->nr_shapes * sizeof(*by_pages));
		qsort(by_pages, m->nr_shapes, sizeof(*by_pages), cmp_shape);
		for (i = 0; i < m->nr_shapes && i < 8; i++) {
			const struct ms_page_shape *s = &by_pages[i];

			fprintf(out, "%9" PRIu64 "  %9" PRIu64 "  %-8s  0x%08x  %4d%-4s  %-7s  %016"
				     PRIx64 "\n", s->pages, s->blocks, s->compound ? "compound" : "single",
				s->flags, s->refcount, s->refcount >= MS_SHAPE_REFCAP ? "+" : "",
				s->has_mapping ? "set" : "none", s->example);
		}
		if (m->nr_shapes > 8)
			fprintf(out, "  ... %u more shapes\n", m->nr_shapes - 8);
		if (m->shape_overflow)
			fprintf(out, "  %" PRIu64 " other pages of further shapes are not kept\n",
				m->shape_overflow);
	}
	if (m->nr_top) {
		fprintf(out, "\nSLAB CACHES BY BYTES (memsim -a ranks them by suspicion)\n");
		for (i = 0; i < m->nr_top; i++) {
			ms_human_bytes(m->top[i].bytes, b1, sizeof(b1));
			fprintf(out, "  %-24s %8s%s\n", m->top[i].name, b1,
				m->top[i].reclaimable ? "  reclaimable" : "");
		}
	}
	if (m->vm_walked) {
		ms_human_bytes(m->vm_pages * m->page_size, b1, sizeof(b1));
		ms_human_bytes(m->vm_bytes, b2, sizeof(b2));
		fprintf(out, "\nVMALLOC BY CALLER: %" PRIu64 " areas, %s of pages in %s of areas%s\n",
			m->vm_areas, b1, b2, m->vm_areas_unreadable ? " (some unreadable)" : "");
		if (m->vm_areas_unreadable)
			fprintf(out, "  %" PRIu64 " areas could not be read\n",
				m->vm_areas_unreadable);
		fprintf(out, "     PAGES      BYTES   AREAS  CALLER\n");
		for (i = 0; i < m->nr_callers && i < callers; i++) {
			const struct ms_vmalloc_caller *v = &m->callers[i];

			ms_human_bytes(v->pages * m->page_size, b1, sizeof(b1));
			ms_human_bytes(v->bytes, b2, sizeof(b2));
			fprintf(out, "%10s %10s %7" PRIu64 "  %s\n", b1, b2, v->areas, v->name);
		}
		if (m->nr_callers > callers)
			fprintf(out, "  ... %zu more callers (memsim -i -j lists every one)\n",
				m->nr_callers - callers);
		if (m->callers_overflow_areas)
			fprintf(out, "  %" PRIu64 " areas of further callers are not grouped\n",
				m->callers_overflow_areas);
	}
	fprintf(out, "\nVERDICT: %s\nNEXT: %s\n", m->verdict, m->next);
	return ferror(out) ? -1 : 0;
}

static void j_u64(FILE *out, const char *k, uint64_t v)
{
	fprintf(out, "\"%s\":%" PRIu64 ",", k, v);
}

static void j_str(FILE *out, const char *k, const char *v)
{
	fprintf(out, "\"%s\":", k);
	if (v)
		ms_json_string(out, v);
	else
		fprintf(out, "null");
	fprintf(out, ",");
}

int ms_meminfo_json(const struct ms_meminfo *m, FILE *out)
{
	size_t i;
	int k;

	fprintf(out, "{\"schema\":\"memsim-meminfo\",\"version\":1,");
	j_str(out, "memsim_version", MEMSIM_VERSION);
	j_u64(out, "page_size", m->page_size);
	fprintf(out, "\"memory_map\":{");
	j_u64(out, "pages_walked", m->pages_walked);
	j_u64(out, "pages_unreadable", m->pages_unreadable);
	fprintf(out, "\"classes\":{");
	for (k = 0; k < MS_PG_NR; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", class_names[k], m->map_pages[k]);
	fprintf(out, "},\"interrupted\":%s},\"meminfo\":[", m->interrupted ? "true" : "false");
	for (i = 0; i < m->nr_rows; i++) {
		const struct ms_meminfo_row *r = &m->rows[i];

		fprintf(out, "%s{", i ? "," : "");
		j_str(out, "name", r->name);
		j_str(out, "proc", r->proc);
		j_str(out, "counter", r->counter);
		if (r->have_map)
			j_u64(out, "map_bytes", r->map_bytes);
		if (r->have_counter)
			j_u64(out, "counter_bytes", r->counter_bytes);
		j_str(out, "note", r->note);
		fprintf(out, "\"bytes\":%" PRIu64 "}", r->bytes);
	}
	fprintf(out, "],");
	j_u64(out, "unaccounted_bytes", m->unaccounted);
	j_u64(out, "unref_in_use_bytes", m->loose);
	fprintf(out, "\"counters_unexplained_bytes\":%" PRId64 ",\"unaccounted_shapes\":[",
		m->counters_unexplained);
	for (i = 0; i < m->nr_shapes; i++) {
		const struct ms_page_shape *s = &m->shapes[i];

		fprintf(out, "%s{\"pages\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"compound\":%s,"
			     "\"flags\":%u,\"refcount\":%d,\"mapping\":%s,\"example\":\"0x%016"
			     PRIx64 "\"}", i ? "," : "", s->pages, s->blocks,
			s->compound ? "true" : "false", s->flags, s->refcount,
			s->has_mapping ? "true" : "false", s->example);
	}
	fprintf(out, "],");
	j_u64(out, "shape_overflow_pages", m->shape_overflow);
	fprintf(out, "\"slab_top\":[");
	for (i = 0; i < m->nr_top; i++) {
		fprintf(out, "%s{", i ? "," : "");
		j_str(out, "name", m->top[i].name);
		fprintf(out, "\"reclaimable\":%s,\"bytes\":%" PRIu64 "}",
			m->top[i].reclaimable ? "true" : "false", m->top[i].bytes);
	}
	fprintf(out, "],\"vmalloc\":{\"walked\":%s,", m->vm_walked ? "true" : "false");
	j_u64(out, "areas", m->vm_areas);
	j_u64(out, "areas_unreadable", m->vm_areas_unreadable);
	j_u64(out, "bytes", m->vm_bytes);
	j_u64(out, "callers_overflow_areas", m->callers_overflow_areas);
	fprintf(out, "\"pages\":%" PRIu64 "},\"vmalloc_callers\":[", m->vm_pages);
	for (i = 0; i < m->nr_callers; i++) {
		const struct ms_vmalloc_caller *v = &m->callers[i];

		fprintf(out, "%s{", i ? "," : "");
		j_str(out, "caller", v->name);
		fprintf(out, "\"address\":\"0x%016" PRIx64 "\",", v->addr);
		j_u64(out, "areas", v->areas);
		j_u64(out, "pages", v->pages);
		fprintf(out, "\"bytes\":%" PRIu64 "}", v->bytes);
	}
	fprintf(out, "],\"verdict\":{");
	j_str(out, "text", m->verdict);
	fprintf(out, "\"next\":");
	ms_json_string(out, m->next);
	fprintf(out, "}}\n");
	return ferror(out) ? -1 : 0;
}
