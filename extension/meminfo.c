/*
 * meminfo.c - memsim -i: where the memory went, rebuilt from the dump.
 *
 * Three reads, then analysis/meminfo.c does the accounting:
 *   the kernel's counters: totalram, vm_zone_stat[] and vm_node_stat[] (each item found in
 *     its enum through gdb: NR_PAGETABLE, for one, moved from the zone to the node items in
 *     v5.11, f0c0c115fb81 "mm: memcontrol: account pagetables per node"), nr_vmalloc_pages,
 *     the per-cpu allocator's populated pages, hugetlb's hstates, the per-cpu free lists;
 *   the vmalloc areas: every busy vmap_area (vmap_area_list before v6.9; each vmap_node's
 *     busy list since, d093602919ad "mm: vmalloc: remove global vmap_area_root rb-tree"),
 *     its vm_struct's caller, size and pages[];
 *   the memory map: every struct page classified (flags, refcount, mapping, page_type); a
 *     slab page is split by its cache's SLAB_RECLAIM_ACCOUNT and counted per cache; a page no
 *     flag names but a vm_struct holds is vmalloc.
 * Bounded memory: the vmalloc pages' struct page addresses (8 bytes per vmalloc page, sorted
 * for lookup), the caches' table, fixed-size state otherwise.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "defs.h"

#include "adapter.h"
#include "crash_env.h"
#include "held.h"
#include "meminfo.h"
#include "memsim_cmd.h"

#define VMALLOC_CALLERS_SHOWN 10
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define VMAP_AREAS_MAX (64UL << 20)	/* a list longer than this is a loop */

struct mi_layout {
	long pg_flags, pg_refcount, pg_mapping, pg_head, pg_type, pg_private;
	struct ms_page_rules rules;
};

struct mi_run {
	const struct slub_layout *l;
	struct mi_layout ml;
	volatile int *stop;
	struct ms_meminfo *m;
	struct crash_env *ce;
	struct ms_env env;
	char *pages_buf;
	char *head_buf;			/* one struct page, for a head outside the chunk */
	uint64_t *vm_pages;		/* struct page addresses vmalloc areas hold, sorted */
	size_t nr_vm_pages, cap_vm_pages, max_vm_pages;
	char *stat_enums[2];		/* ptype of enum node_stat_item, zone_stat_item */
	struct cache_info *cis;		/* sorted by address */
	uint64_t *cache_pages;		/* slab pages per cache, from the map */
	size_t nr_cis;
	/* the compound page being walked */
	uint64_t buddy_end;		/* struct page address past the buddy block walked */
	uint64_t last_head;
	enum ms_page_class last_class;
	struct ms_page_desc last_desc;
	long last_cache;
	int last_compound;
	time_t last_progress;
	int progress;
	uint64_t pages_total;		/* struct pages the memory map spans (progress) */
};

/*
 * Symbols for the callers: crash's, and for an address in module space crash has no symbol
 * for (7.x dumps open only with --no_modules; a module whose init text is freed) the reason.
 */
static int (*crash_symbol)(void *ctx, uint64_t addr, struct ms_symbol *sym);

static int caller_symbol(void *ctx, uint64_t addr, struct ms_symbol *sym)
{
	if (crash_symbol(ctx, addr, sym))
		return 1;
	memset(sym, 0, sizeof(*sym));
	if (addr < MODULES_VADDR || addr >= MODULES_END)
		return 0;
	snprintf(sym->module, sizeof(sym->module), "%s", st->mods_installed ?
		 "module space, no symbol" : "no module symbols");
	return 1;
}

static void run_free(void *p)
{
	struct mi_run *r = p;

	ms_meminfo_free(r->m);
	crash_env_free(r->ce);
	free(r->pages_buf);
	free(r->head_buf);
	free(r->vm_pages);
	free(r->cis);
	free(r->cache_pages);
	free(r->stat_enums[0]);
	free(r->stat_enums[1]);
	free(r);
}

static int rd(uint64_t addr, void *buf, size_t len, const char *what)
{
	return readmem(addr, KVADDR, buf, len, (char *)what, RETURN_ON_ERROR | QUIET);
}

static int64_t enum_or(const char *name, int64_t dflt)
{
	long v;

	return enumerator_value((char *)name, &v) ? v : dflt;
}

/* ---- the struct page rules ---- */

static int page_rules(struct mi_run *r)
{
	const struct slub_layout *l = r->l;
	struct mi_layout *ml = &r->ml;
	struct ms_page_rules *pr = &ml->rules;

	ml->pg_flags = l->page_flags;
	ml->pg_refcount = MEMBER_OFFSET("page", "_refcount");
	ml->pg_mapping = MEMBER_OFFSET("page", "mapping");
	ml->pg_head = l->page_compound_head;
	ml->pg_type = l->page_type;
	ml->pg_private = MEMBER_OFFSET("page", "private");	/* a buddy block's order */
	if (ml->pg_refcount < 0 || ml->pg_mapping < 0) {
		error(INFO, "-i: no page._refcount or page.mapping in debuginfo\n");
		return 0;
	}
	pr->pg_lru = enum_or("PG_lru", -1);
	pr->pg_head = enum_or("PG_head", -1);
	pr->pg_reserved = enum_or("PG_reserved", -1);
	pr->pg_swapbacked = enum_or("PG_swapbacked", -1);
	pr->pg_slab = l->mark == SLAB_MARK_FLAG ? (int)l->mark_value : -1;
	pr->ty_buddy = pr->ty_table = pr->ty_slab = pr->ty_offline = pr->ty_hugetlb = -1;
	pr->ty_zsmalloc = pr->ty_large_kmalloc = -1;
	if (ml->pg_type < 0) {
		pr->scheme = MS_PTYPE_NONE;
	} else if (enum_or("PGTY_buddy", -1) >= 0) {
		/* v6.12+: one type per page, in the top byte (enum pagetype PGTY_*). */
		pr->scheme = MS_PTYPE_TOP_BYTE;
		pr->ty_buddy = enum_or("PGTY_buddy", -1);
		pr->ty_offline = enum_or("PGTY_offline", -1);
		pr->ty_table = enum_or("PGTY_table", -1);
		pr->ty_hugetlb = enum_or("PGTY_hugetlb", -1);
		pr->ty_slab = enum_or("PGTY_slab", -1);
		pr->ty_zsmalloc = enum_or("PGTY_zsmalloc", -1);
		pr->ty_large_kmalloc = enum_or("PGTY_large_kmalloc", -1);
	} else {
		/*
		 * v4.18-v6.11: a type is a bit cleared under PAGE_TYPE_BASE.  v6.10 made them
		 * enum pagetype (debuginfo has them); before, they were #defines, which
		 * debuginfo does not keep: PAGE_TYPE_BASE 0xf0000000, PG_buddy 0x80, PG_offline
		 * 0x100, then PG_kmemcg 0x200 and PG_table 0x400 until v5.11 dropped PG_kmemcg
		 * (MEMCG_DATA_KMEM, "mm: memcg: introduce MEMCG_DATA_KMEM"), PG_table 0x200 since.
		 */
		int64_t buddy = enum_or("PG_buddy", -1);

		pr->scheme = MS_PTYPE_INV_BITS;
		if (buddy >= 0x80) {
			pr->type_base = (uint32_t)enum_or("PAGE_TYPE_BASE", 0x80000000);
			pr->ty_buddy = buddy;
			pr->ty_offline = enum_or("PG_offline", -1);
			pr->ty_table = enum_or("PG_table", -1);
			pr->ty_hugetlb = enum_or("PG_hugetlb", -1);
			pr->ty_slab = l->mark == SLAB_MARK_TYPE_INV ? (int64_t)l->mark_value : -1;
			pr->ty_zsmalloc = enum_or("PG_zsmalloc", -1);
		} else {
			pr->type_base = 0xf0000000u;
			pr->ty_buddy = 0x80;
			pr->ty_offline = 0x100;
			pr->ty_table = THIS_KERNEL_VERSION < LINUX(5, 11, 0) ? 0x400 : 0x200;
		}
	}
	return 1;
}

static void read_desc(const struct mi_run *r, const char *page, struct ms_page_desc *d)
{
	const struct mi_layout *ml = &r->ml;
	uint32_t u32;

	memcpy(&d->flags, page + ml->pg_flags, sizeof(d->flags));
	memcpy(&d->refcount, page + ml->pg_refcount, sizeof(d->refcount));
	memcpy(&d->mapping, page + ml->pg_mapping, sizeof(d->mapping));
	d->compound_head = 0;
	if (ml->pg_head >= 0)
		memcpy(&d->compound_head, page + ml->pg_head, sizeof(d->compound_head));
	d->page_type = 0xffffffffu;
	if (ml->pg_type >= 0) {
		memcpy(&u32, page + ml->pg_type, sizeof(u32));
		d->page_type = u32;
	}
}

/* ---- the counters ---- */

/* gdb's ptype of enum @type (its enumerators), malloc'd; NULL when gdb knows no such enum. */
static char *enum_text(const char *type)
{
	char cmd[128], line[BUFSIZE], *text = NULL;
	size_t len = 0;
	FILE *out;

	snprintf(cmd, sizeof(cmd), "ptype enum %s", type);
	out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	open_tmpfile();
	if (gdb_pass_through(cmd, pc->tmpfile, GNU_RETURN_ON_ERROR)) {
		rewind(pc->tmpfile);
		while (fgets(line, sizeof(line), pc->tmpfile))
			fputs(line, out);
	}
	close_tmpfile();
	fclose(out);
	if (text && !strstr(text, "enum")) {
		free(text);
		text = NULL;
	}
	return text;
}

/* Is @item one of the enumerators in @text (enum_text)? */
static int enum_has(const char *text, const char *item)
{
	size_t n = strlen(item);
	const char *p = text;

	while (p && (p = strstr(p, item))) {
		int before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');

		if (before && after)
			return 1;
		p += n;
	}
	return 0;
}

/* A vm_zone_stat[] or vm_node_stat[] item, in bytes: the array holds pages, kB for _KB items. */
static int vm_stat(struct mi_run *r, const char *item, uint64_t *out)
{
	static const char *const arrays[] = { "vm_node_stat", "vm_zone_stat" };
	uint64_t page_size = r->m->page_size;
	size_t n = strlen(item), i;
	long idx;
	int64_t v;

	if (!enumerator_value((char *)item, &idx) || idx < 0)
		return 0;
	for (i = 0; i < NELEM(arrays); i++) {
		if (!r->stat_enums[i] || !symbol_exists((char *)arrays[i]) ||
		    !enum_has(r->stat_enums[i], item))
			continue;
		if (!rd(symbol_value((char *)arrays[i]) + idx * sizeof(v), &v, sizeof(v), item))
			return 0;
		if (v < 0)	/* per-cpu deltas not folded in can leave a small negative */
			v = 0;
		/* The _B items count bytes per CPU but pages in the global array (v5.9+,
		 * d42f3245c7e2 "mm: memcg: convert vmstat slab counters to bytes"). */
		if (n > 3 && !strcmp(item + n - 3, "_KB"))
			*out = (uint64_t)v << 10;
		else
			*out = (uint64_t)v * page_size;
		return 1;
	}
	return 0;
}

static int read_long_sym(const char *sym, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!symbol_exists((char *)sym) || !rd(symbol_value((char *)sym), &v, len, sym))
		return 0;
	if (len == 4)
		v = (uint64_t)(int64_t)(int32_t)v;
	*out = v;
	return 1;
}

static int chunk_populated(const char *sym, uint64_t *out)
{
	long o = MEMBER_OFFSET("pcpu_chunk", "nr_populated");
	uint64_t chunk = 0;
	int32_t v = 0;

	*out = 0;
	if (o < 0 || !read_long_sym(sym, 8, &chunk))
		return 0;
	if (!chunk)
		return 1;
	if (!rd(chunk + o, &v, sizeof(v), "pcpu_chunk nr_populated") || v < 0)
		return 0;
	*out = (uint64_t)v;
	return 1;
}

static void read_percpu(struct ms_meminfo_counters *c)
{
	uint64_t populated, units, first = 0, reserved = 0;

	if (!read_long_sym("pcpu_nr_populated", 4, &populated) ||
	    !read_long_sym("pcpu_nr_units", 4, &units))
		return;
	c->have_percpu = 1;
	c->percpu = populated * units * c->page_size;
	chunk_populated("pcpu_first_chunk", &first);
	chunk_populated("pcpu_reserved_chunk", &reserved);
	c->percpu_first = (first + reserved) * units * c->page_size;
	if (c->percpu_first > c->percpu)
		c->percpu_first = c->percpu;
}

static void read_hugetlb(struct ms_meminfo_counters *c)
{
	long o_order = MEMBER_OFFSET("hstate", "order");
	long o_nr = MEMBER_OFFSET("hstate", "nr_huge_pages");
	long sz = STRUCT_SIZE("hstate");
	uint64_t max = 0, nr, i;
	uint32_t order;

	if (o_order < 0 || o_nr < 0 || sz <= 0 || !symbol_exists("hstates") ||
	    !read_long_sym("hugetlb_max_hstate", 4, &max) || max > 16)
		return;
	c->have_hugetlb = 1;
	for (i = 0; i < max; i++) {
		uint64_t hs = symbol_value("hstates") + i * sz;

		if (rd(hs + o_order, &order, sizeof(order), "hstate order") &&
		    rd(hs + o_nr, &nr, sizeof(nr), "hstate nr_huge_pages") && order < 40)
			c->hugetlb += (nr << order) * c->page_size;
	}
}

/* Pages on every zone's per-cpu free lists: free, yet not in NR_FREE_PAGES. */
static void read_pcp(struct ms_meminfo_counters *c)
{
	long o_zones = MEMBER_OFFSET("pglist_data", "node_zones"), zsz = STRUCT_SIZE("zone");
	long o_set = MEMBER_OFFSET("zone", "per_cpu_pageset"), o_count;
	int64_t nzones = enum_or("__MAX_NR_ZONES", -1);
	int n, z, cpu, pcp_inside = 0;

	if (o_set >= 0) {
		o_count = MEMBER_OFFSET("per_cpu_pages", "count");	/* v5.14+ */
	} else {
		/* Before v5.14: zone.pageset -> per_cpu_pageset { pcp { count } } */
		o_set = MEMBER_OFFSET("zone", "pageset");
		o_count = MEMBER_OFFSET("per_cpu_pageset", "pcp");
		pcp_inside = MEMBER_OFFSET("per_cpu_pages", "count");
		if (o_count < 0 || pcp_inside < 0)
			return;
		o_count += pcp_inside;
	}
	if (o_zones < 0 || zsz <= 0 || o_set < 0 || o_count < 0 || nzones <= 0 || nzones > 16 ||
	    !(kt->flags & PER_CPU_OFF))
		return;
	for (n = 0; n < vt->numnodes; n++) {
		for (z = 0; z < nzones; z++) {
			uint64_t zone = vt->node_table[n].pgdat + o_zones + z * zsz, set = 0;

			if (!rd(zone + o_set, &set, sizeof(set), "zone per_cpu_pageset") || !set)
				continue;
			for (cpu = 0; cpu < kt->cpus; cpu++) {
				int32_t count = 0;

				if (rd(set + kt->__per_cpu_offset[cpu] + o_count, &count,
				       sizeof(count), "per_cpu_pages count") && count > 0)
					c->pcp += (uint64_t)count * c->page_size;
			}
		}
	}
	c->have_pcp = 1;
}

static void read_counters(struct mi_run *r)
{
	struct ms_meminfo_counters *c = &r->m->c;
	uint64_t ps = c->page_size, v;

	r->stat_enums[0] = enum_text("node_stat_item");
	r->stat_enums[1] = enum_text("zone_stat_item");

	if (read_long_sym("_totalram_pages", 8, &v) || read_long_sym("totalram_pages", 8, &v)) {
		c->have_total = 1;
		c->total = v * ps;
	}
	c->have_free = vm_stat(r, "NR_FREE_PAGES", &c->free);
	c->have_file = vm_stat(r, "NR_FILE_PAGES", &c->file);
	c->have_shmem = vm_stat(r, "NR_SHMEM", &c->shmem);
	c->have_anon = vm_stat(r, "NR_ANON_MAPPED", &c->anon);
	c->have_swapcache = vm_stat(r, "NR_SWAPCACHE", &c->swapcache);
	c->have_slab_rec = vm_stat(r, "NR_SLAB_RECLAIMABLE_B", &c->slab_rec) ||
			   vm_stat(r, "NR_SLAB_RECLAIMABLE", &c->slab_rec);
	c->have_slab_unrec = vm_stat(r, "NR_SLAB_UNRECLAIMABLE_B", &c->slab_unrec) ||
			     vm_stat(r, "NR_SLAB_UNRECLAIMABLE", &c->slab_unrec);
	c->have_stack = vm_stat(r, "NR_KERNEL_STACK_KB", &c->stack);
	c->stack_in_vmalloc = symbol_exists("cached_stacks");	/* CONFIG_VMAP_STACK */
	c->have_pagetable = vm_stat(r, "NR_PAGETABLE", &c->pagetable);
	c->have_sec_pagetable = vm_stat(r, "NR_SECONDARY_PAGETABLE", &c->sec_pagetable);
	c->have_zspages = vm_stat(r, "NR_ZSPAGES", &c->zspages);
	if (read_long_sym("nr_vmalloc_pages", 8, &v)) {
		c->have_vmalloc = 1;
		c->vmalloc = v * ps;
	} else {
		c->have_vmalloc = vm_stat(r, "NR_VMALLOC", &c->vmalloc);
	}
	read_percpu(c);
	read_hugetlb(c);
	read_pcp(c);
	scan_keep_sigint();	/* gdb ran */
}

/* ---- the vmalloc areas ---- */

struct vm_layout {
	long va_list, va_vm, vm_size, vm_pages, vm_nr_pages, vm_caller;
};

static int vm_page_add(struct mi_run *r, uint64_t page)
{
	/* No more vmalloc pages than pages: past that, damaged vm_structs (bounded memory). */
	if (r->nr_vm_pages >= r->max_vm_pages)
		return 0;
	if (r->nr_vm_pages == r->cap_vm_pages) {
		size_t cap = r->cap_vm_pages ? r->cap_vm_pages * 2 : 4096;
		uint64_t *p = realloc(r->vm_pages, cap * sizeof(*p));

		if (!p)
			return 0;
		r->vm_pages = p;
		r->cap_vm_pages = cap;
	}
	r->vm_pages[r->nr_vm_pages++] = page;
	return 1;
}

/* One busy vmap_area: its vm_struct's caller, size and pages. */
static void vm_area(struct mi_run *r, const struct vm_layout *vl, uint64_t va)
{
	uint64_t vm = 0, size = 0, pages = 0, caller = 0, done, want;
	uint32_t nr = 0;
	uint64_t buf[512];

	if (!rd(va + vl->va_vm, &vm, sizeof(vm), "vmap_area vm")) {
		r->m->vm_areas_unreadable++;
		return;
	}
	if (!vm)	/* vm_map_ram's areas: no vm_struct, pages the caller owns */
		return;
	if (!rd(vm + vl->vm_size, &size, sizeof(size), "vm_struct size") ||
	    !rd(vm + vl->vm_pages, &pages, sizeof(pages), "vm_struct pages") ||
	    !rd(vm + vl->vm_nr_pages, &nr, sizeof(nr), "vm_struct nr_pages") ||
	    !rd(vm + vl->vm_caller, &caller, sizeof(caller), "vm_struct caller")) {
		r->m->vm_areas_unreadable++;
		return;
	}
	if (!pages)
		nr = 0;	/* ioremap, per-cpu chunks, vmap(): no pages of its own */
	if (nr > size / r->m->page_size + 1) {	/* a damaged vm_struct: believe the size */
		r->m->vm_areas_unreadable++;
		nr = 0;
	}
	ms_meminfo_add_vmalloc(r->m, caller, size, nr);
	for (done = 0; done < nr && !*r->stop; done += want) {
		size_t k;

		want = nr - done < NELEM(buf) ? nr - done : NELEM(buf);
		if (!rd(pages + done * 8, buf, want * 8, "vm_struct pages[]")) {
			r->m->vm_areas_unreadable++;
			return;
		}
		for (k = 0; k < want; k++)
			if (buf[k] && !vm_page_add(r, buf[k])) {
				r->m->vm_areas_unreadable++;
				return;
			}
	}
}

/* The areas on one list_head list of vmap_areas (linked through vmap_area.list). */
static void vm_list(struct mi_run *r, const struct vm_layout *vl, uint64_t head)
{
	uint64_t next = 0, n = 0;

	if (!rd(head, &next, sizeof(next), "vmap_area list")) {
		r->m->vm_areas_unreadable++;
		return;
	}
	while (next && next != head && !*r->stop) {
		if (++n > VMAP_AREAS_MAX) {
			error(INFO, "-i: the vmap_area list at %lx does not end: stopped after %lu "
			      "areas\n", (ulong)head, (ulong)VMAP_AREAS_MAX);
			r->m->vm_areas_unreadable++;
			return;
		}
		vm_area(r, vl, next - vl->va_list);
		if (!rd(next, &next, sizeof(next), "vmap_area list next")) {
			r->m->vm_areas_unreadable++;
			return;
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void read_vmalloc(struct mi_run *r)
{
	struct vm_layout vl = {
		MEMBER_OFFSET("vmap_area", "list"), MEMBER_OFFSET("vmap_area", "vm"),
		MEMBER_OFFSET("vm_struct", "size"), MEMBER_OFFSET("vm_struct", "pages"),
		MEMBER_OFFSET("vm_struct", "nr_pages"), MEMBER_OFFSET("vm_struct", "caller"),
	};

	if (vl.va_list < 0 || vl.va_vm < 0 || vl.vm_size < 0 || vl.vm_pages < 0 ||
	    vl.vm_nr_pages < 0 || vl.vm_caller < 0) {
		error(INFO, "-i: no vmap_area or vm_struct layout in debuginfo: vmalloc not "
		      "walked\n");
		return;
	}
	if (symbol_exists("vmap_nodes")) {
		/* v6.9+: each vmap_node keeps its busy areas on busy.head. */
		long o_busy = MEMBER_OFFSET("vmap_node", "busy");
		long o_head = MEMBER_OFFSET("rb_list", "head");
		long sz = STRUCT_SIZE("vmap_node");
		uint64_t nodes = 0, nr = 0, i;

		if (o_busy < 0 || o_head < 0 || sz <= 0 || !read_long_sym("vmap_nodes", 8, &nodes) ||
		    !read_long_sym("nr_vmap_nodes", 4, &nr) || !nodes || nr > 4096) {
			error(INFO, "-i: cannot read vmap_nodes: vmalloc not walked\n");
			return;
		}
		for (i = 0; i < nr && !*r->stop; i++)
			vm_list(r, &vl, nodes + i * sz + o_busy + o_head);
	} else if (symbol_exists("vmap_area_list")) {
		vm_list(r, &vl, symbol_value("vmap_area_list"));
	} else {
		error(INFO, "-i: no vmap_area_list or vmap_nodes: vmalloc not walked\n");
		return;
	}
	r->m->vm_walked = 1;
	if (r->nr_vm_pages)
		qsort(r->vm_pages, r->nr_vm_pages, sizeof(*r->vm_pages), cmp_u64);
}

static int is_vm_page(const struct mi_run *r, uint64_t page)
{
	return r->nr_vm_pages &&
	       bsearch(&page, r->vm_pages, r->nr_vm_pages, sizeof(page), cmp_u64) != NULL;
}

/* ---- the slab caches ---- */

static int cmp_cache(const void *a, const void *b)
{
	uint64_t x = ((const struct cache_info *)a)->addr, y = ((const struct cache_info *)b)->addr;

	return x < y ? -1 : x > y;
}

static long cache_index(const struct mi_run *r, uint64_t addr)
{
	struct cache_info key = { .addr = addr };
	const struct cache_info *ci = r->nr_cis ? bsearch(&key, r->cis, r->nr_cis,
							  sizeof(*r->cis), cmp_cache) : NULL;

	return ci ? (long)(ci - r->cis) : -1;
}

/* ---- the memory map ---- */

static void classify_head(struct mi_run *r, const char *page, uint64_t addr,
			  struct ms_page_desc *d)
{
	enum ms_page_class c;

	read_desc(r, page, d);
	c = ms_page_classify(&r->ml.rules, d);
	r->last_cache = -1;
	if (c == MS_PG_FREE && r->ml.pg_private >= 0) {
		/* A buddy block's head: page->private is its order; its pages are free. */
		uint64_t order;

		memcpy(&order, page + r->ml.pg_private, sizeof(order));
		if (order < 20)
			r->buddy_end = addr + (r->l->page_struct_size << order);
	} else if (c == MS_PG_UNREF && addr < r->buddy_end) {
		c = MS_PG_FREE;
	} else if (c == MS_PG_SLAB) {
		uint64_t cache;

		memcpy(&cache, page + r->l->slab_cache, sizeof(cache));
		r->last_cache = cache_index(r, cache);
		if (r->last_cache >= 0 && r->cis[r->last_cache].reclaimable)
			c = MS_PG_SLAB_RECLAIMABLE;
	} else if (c == MS_PG_OTHER && is_vm_page(r, addr)) {
		c = MS_PG_VMALLOC;
	}
	r->last_head = addr;
	r->last_class = c;
	r->last_desc = *d;
	r->last_compound = r->ml.rules.pg_head >= 0 && ((d->flags >> r->ml.rules.pg_head) & 1);
}

static void count(struct mi_run *r, uint64_t addr, int tail)
{
	ms_meminfo_add_page(r->m, r->last_class, &r->last_desc, addr, tail, r->last_compound);
	if (r->last_cache >= 0)
		r->cache_pages[r->last_cache]++;
}

static void map_pages(void *arg, const char *pages, uint64_t first_addr, uint64_t first_pfn,
		      uint64_t n)
{
	struct mi_run *r = arg;
	long psz = r->l->page_struct_size;
	uint64_t i;

	for (i = 0; i < n; i++) {
		const char *page = pages + i * psz;
		uint64_t addr = first_addr + i * psz, ch = 0, head;
		struct ms_page_desc d;

		r->m->pages_walked++;
		if (r->ml.pg_head >= 0)
			memcpy(&ch, page + r->ml.pg_head, sizeof(ch));
		if (!(ch & 1)) {
			classify_head(r, page, addr, &d);
			count(r, addr, 0);
			continue;
		}
		/* A tail: its head's class (the head is just before it, or read now). */
		head = ms_compound_head_of(ch, addr);
		if (head != r->last_head) {
			if (!rd(head, r->head_buf, psz, "compound head")) {
				r->m->pages_unreadable++;
				r->last_head = 0;
				continue;
			}
			classify_head(r, r->head_buf, head, &d);
		}
		count(r, addr, 1);
	}
}

static void map_lost(void *arg, uint64_t n)
{
	((struct mi_run *)arg)->m->pages_unreadable += n;
}

static void map_progress(void *arg, uint64_t done)
{
	struct mi_run *r = arg;
	time_t now = time(NULL);

	if (!r->progress || now == r->last_progress)
		return;
	r->last_progress = now;
	fprintf(stderr, "\rmemsim: %3lu%% of memory map",
		(ulong)(done * 100 / (r->pages_total ? r->pages_total : 1)));
}

static void add_caches(struct mi_run *r)
{
	size_t i;

	for (i = 0; i < r->nr_cis; i++)
		if (r->cache_pages[i])
			ms_meminfo_add_cache(r->m, r->cis[i].name,
					     r->cache_pages[i] * r->m->page_size,
					     r->cis[i].reclaimable);
}

void memsim_meminfo(const struct slub_layout *l, const struct memsim_options *opt,
		    volatile int *stop)
{
	struct mi_run *r = calloc(1, sizeof(*r));
	size_t unreadable = 0;
	double t0 = now_seconds(), t1, t2;

	if (!r) {
		error(INFO, "out of memory\n");
		return;
	}
	held_take(r, run_free, "the memsim -i state");
	r->l = l;
	r->stop = stop;
	r->progress = opt->walk.progress;
	r->m = ms_meminfo_new(l->page_size);
	r->pages_buf = malloc(MEMMAP_CHUNK_PAGES * l->page_struct_size);
	r->head_buf = malloc(l->page_struct_size);
	r->ce = crash_env_new(l, stop, &r->env);
	if (!r->m || !r->pages_buf || !r->head_buf || !r->ce) {
		error(INFO, "out of memory\n");
		goto out;
	}
	crash_symbol = r->env.symbol;
	r->env.symbol = caller_symbol;
	if (!page_rules(r))
		goto out;
	/* The page flags proper: above __NR_PAGEFLAGS sit the zone, node and section. */
	r->m->flag_bits = (unsigned)enum_or("__NR_PAGEFLAGS", 32);
	if (cache_list(l, &r->cis, &r->nr_cis, &unreadable) && r->nr_cis) {
		qsort(r->cis, r->nr_cis, sizeof(*r->cis), cmp_cache);
		r->cache_pages = calloc(r->nr_cis, sizeof(*r->cache_pages));
		if (!r->cache_pages)
			r->nr_cis = 0;
	} else {
		r->nr_cis = 0;
	}
	read_counters(r);
	r->pages_total = memmap_pages_total();
	r->max_vm_pages = r->pages_total;
	read_vmalloc(r);
	t1 = now_seconds();
	if (!*stop) {
		struct memmap_pass mp = { l, stop, r->pages_buf, map_pages, map_lost,
					  map_progress, r };

		memmap_walk(&mp);
		if (r->progress)
			fprintf(stderr, "\rmemsim: 100%% of memory map\n");
	}
	r->m->interrupted = *stop != 0;
	add_caches(r);
	ms_meminfo_finish(r->m, &r->env);
	t2 = now_seconds();
	if (opt->json)
		ms_meminfo_json(r->m, fp);
	else
		ms_meminfo_text(r->m, opt->top_given ? opt->top : VMALLOC_CALLERS_SHOWN, fp);
	if (opt->timing)
		fprintf(fp, "meminfo: counters and %lu vmalloc areas %.3f s, %lu struct pages %.3f "
			    "s; %.3f s in all\n", (ulong)r->m->vm_areas, t1 - t0,
			(ulong)r->m->pages_walked, t2 - t1, now_seconds() - t0);
out:
	held_drop(r);
	run_free(r);
}
