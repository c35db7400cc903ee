/*
 * slub_layout.c - discovering SLUB's data structures from the kernel's debuginfo.
 *
 * Every offset comes from crash's MEMBER_OFFSET/STRUCT_SIZE, asked once per session: the
 * slab fields moved from struct page into struct slab in v5.17, the slab page mark moved from
 * a page flag to the page type in v6.10 and changed encoding in v6.12.
 */
#include "defs.h"

#include "adapter.h"

/* Offset of @member in @type, looking through anonymous unions/structs too; -1 if absent. */
static long member_offset(const char *type, const char *member)
{
	long off = MEMBER_OFFSET((char *)type, (char *)member);

	if (off < 0)
		off = ANON_MEMBER_OFFSET((char *)type, (char *)member);
	return off;
}

static int detect_slab_mark(struct slub_layout *l)
{
	long value;

	/* v6.12+: enum pagetype { ..., PGTY_slab = 0xf5, ... } in the top byte of page_type. */
	if (l->page_type >= 0 && enumerator_value("PGTY_slab", &value)) {
		l->mark = SLAB_MARK_TYPE_BYTE;
		l->mark_value = (uint64_t)value;
		return 1;
	}
	if (!enumerator_value("PG_slab", &value))
		return 0;
	/* v6.10/6.11: PG_slab is a page-type bit (>= 0x80) cleared under PAGE_TYPE_BASE. */
	if (l->page_type >= 0 && value >= 0x80) {
		l->mark = SLAB_MARK_TYPE_INV;
		l->mark_value = (uint64_t)value;
		return 1;
	}
	l->mark = SLAB_MARK_FLAG;
	l->mark_value = (uint64_t)value;
	return 1;
}

static int detect_slab_fields(struct slub_layout *l)
{
	l->slab_struct = "slab";
	if (!STRUCT_EXISTS("slab") || !MEMBER_EXISTS("slab", "slab_cache"))
		l->slab_struct = "page";
	l->slab_cache = member_offset(l->slab_struct, "slab_cache");
	l->slab_freelist = member_offset(l->slab_struct, "freelist");
	l->slab_counters = member_offset(l->slab_struct, "counters");
	return l->slab_cache >= 0 && l->slab_freelist >= 0 && l->slab_counters >= 0;
}

static void detect_cache_fields(struct slub_layout *l)
{
	l->kc_struct_size = STRUCT_SIZE("kmem_cache");
	l->kc_name = member_offset("kmem_cache", "name");
	l->kc_object_size = member_offset("kmem_cache", "object_size");
	l->kc_size = member_offset("kmem_cache", "size");
	l->kc_offset = member_offset("kmem_cache", "offset");
	l->kc_random = member_offset("kmem_cache", "random");
	l->kc_red_left_pad = member_offset("kmem_cache", "red_left_pad");
	l->kc_cpu_slab = member_offset("kmem_cache", "cpu_slab");
	l->kc_node = member_offset("kmem_cache", "node");
	l->kc_oo = member_offset("kmem_cache", "oo");
	l->kc_min = member_offset("kmem_cache", "min");
	l->kc_list = member_offset("kmem_cache", "list");
	l->kc_refcount = member_offset("kmem_cache", "refcount");
	l->kc_flags = member_offset("kmem_cache", "flags");
	l->kc_inuse = member_offset("kmem_cache", "inuse");
	l->kc_ctor = member_offset("kmem_cache", "ctor");
	l->kcc_freelist = member_offset("kmem_cache_cpu", "freelist");
	l->kcc_slab = member_offset("kmem_cache_cpu", "slab");
	if (l->kcc_slab < 0)
		l->kcc_slab = member_offset("kmem_cache_cpu", "page");
	l->kcn_nr_slabs = member_offset("kmem_cache_node", "nr_slabs");
	l->kcn_total_objects = member_offset("kmem_cache_node", "total_objects");
	l->kcn_nr_partial = member_offset("kmem_cache_node", "nr_partial");
	l->kc_cpu_sheaves = member_offset("kmem_cache", "cpu_sheaves");
	l->kc_per_node = member_offset("kmem_cache", "per_node");
	l->kcpn_size = STRUCT_SIZE("kmem_cache_per_node_ptrs");
	l->kcpn_node = member_offset("kmem_cache_per_node_ptrs", "node");
	l->kcpn_barn = member_offset("kmem_cache_per_node_ptrs", "barn");
	l->kcn_barn = member_offset("kmem_cache_node", "barn");
	l->pcs_main = member_offset("slub_percpu_sheaves", "main");
	l->pcs_spare = member_offset("slub_percpu_sheaves", "spare");
	l->pcs_rcu_free = member_offset("slub_percpu_sheaves", "rcu_free");
	l->sheaf_size = member_offset("slab_sheaf", "size");
	l->sheaf_objects = member_offset("slab_sheaf", "objects");
	l->sheaf_barn_list = member_offset("slab_sheaf", "barn_list");
	l->barn_full = member_offset("node_barn", "sheaves_full");
	l->barn_empty = member_offset("node_barn", "sheaves_empty");
}

int slub_layout_init(struct slub_layout *l)
{
	if (l->ready)
		return 1;
	if (!STRUCT_EXISTS("kmem_cache") || !STRUCT_EXISTS("page")) {
		error(INFO, "no debuginfo for struct kmem_cache/struct page: "
			    "load a vmlinux with debuginfo\n");
		return 0;
	}
	if (!symbol_exists("slab_caches") || (!MEMBER_EXISTS("kmem_cache", "cpu_slab") &&
					       !MEMBER_EXISTS("kmem_cache", "cpu_sheaves"))) {
		error(INFO, "this kernel does not use SLUB (SLAB or SLOB): not supported\n");
		return 0;
	}
	l->page_size = PAGESIZE();
	l->page_struct_size = STRUCT_SIZE("page");
	l->page_flags = member_offset("page", "flags");
	/* v7.x renamed it compound_info (a mask instead of the head's address where struct
	 * page's size is a power of two: ms_compound_head_of() reads both). */
	l->page_compound_head = member_offset("page", "compound_head");
	if (l->page_compound_head < 0)
		l->page_compound_head = member_offset("page", "compound_info");
	l->page_type = member_offset("page", "page_type");
	detect_cache_fields(l);
	if (!detect_slab_fields(l) || l->kc_name < 0 || l->kc_size < 0 || l->kc_list < 0 ||
	    l->kc_object_size < 0 || l->kc_offset < 0 || l->page_flags < 0) {
		error(INFO, "unrecognised SLUB layout (struct %s/kmem_cache members missing)\n",
		      l->slab_struct);
		return 0;
	}
	if (!detect_slab_mark(l)) {
		error(INFO, "cannot tell slab pages apart: no PG_slab or PGTY_slab in debuginfo\n");
		return 0;
	}
	l->ready = 1;
	return 1;
}
