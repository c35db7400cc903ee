/*
 * caches.c - finding a slab cache by name, reading its struct kmem_cache, and saying which
 * names come closest when the user mistyped one.
 */
#include <string.h>

#include "defs.h"

#include "adapter.h"

#define MAX_CACHES 100000	/* guards the slab_caches walk against a corrupt list */
#define NR_SUGGEST 3

static uint32_t buf_u32(const char *buf, long off)
{
	uint32_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static uint64_t buf_u64(const char *buf, long off)
{
	uint64_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

/* Levenshtein distance, capped at 99 for names longer than the row buffer. */
static int name_distance(const char *a, const char *b)
{
	int row[65], i, j, la = strlen(a), lb = strlen(b);

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		int diag = row[0], up;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			int best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

struct suggestion {
	int score;
	char name[64];
};

static void consider(struct suggestion *best, const char *want, const char *name)
{
	int score = name_distance(want, name), i;

	if (strstr(name, want) || strstr(want, name))
		score = score / 2;	/* a substring is a likelier meaning than a typo */
	for (i = 0; i < NR_SUGGEST; i++) {
		if (!best[i].name[0] || score < best[i].score) {
			memmove(&best[i + 1], &best[i], (NR_SUGGEST - 1 - i) * sizeof(best[0]));
			best[i].score = score;
			snprintf(best[i].name, sizeof(best[i].name), "%s", name);
			return;
		}
	}
}

/* kmem_cache_node of node @id: kmem_cache.node[id], or per_node[id].node (v7.1+). */
static uint64_t cache_node(const struct slub_layout *l, const char *kc, int id)
{
	if (l->kc_node >= 0)
		return buf_u64(kc, l->kc_node + id * sizeof(void *));
	if (l->kc_per_node >= 0 && l->kcpn_size > 0 && l->kcpn_node >= 0 &&
	    l->kc_per_node + (id + 1) * l->kcpn_size <= l->kc_struct_size)
		return buf_u64(kc, l->kc_per_node + id * l->kcpn_size + l->kcpn_node);
	return 0;
}

/* The node barn of node @id (v6.18+ sheaves), or 0. */
static uint64_t cache_barn(const struct slub_layout *l, const char *kc, int id, uint64_t node)
{
	uint64_t barn = 0;

	if (l->kc_per_node >= 0 && l->kcpn_barn >= 0 && l->kcpn_size > 0 &&
	    l->kc_per_node + (id + 1) * l->kcpn_size <= l->kc_struct_size)
		return buf_u64(kc, l->kc_per_node + id * l->kcpn_size + l->kcpn_barn);
	if (node && l->kcn_barn >= 0 &&
	    !readmem(node + l->kcn_barn, KVADDR, &barn, sizeof(barn), "kmem_cache_node barn",
		     RETURN_ON_ERROR | QUIET))
		barn = 0;
	return barn;
}

static void fill_node_counters(const struct slub_layout *l, const char *kc, struct cache_info *ci)
{
	int n;

	for (n = 0; n < vt->numnodes && n < CACHE_MAX_NODES; n++) {
		int id = vt->node_table ? vt->node_table[n].node_id : n;

		ci->barns[ci->nr_barns++] = cache_barn(l, kc, id, cache_node(l, kc, id));
	}
	ci->have_node_counters = (l->kc_node >= 0 || l->kcpn_node >= 0) &&
				 l->kcn_nr_slabs >= 0 && l->kcn_total_objects >= 0;
	if (!ci->have_node_counters)
		return;
	for (n = 0; n < vt->numnodes; n++) {
		int id = vt->node_table ? vt->node_table[n].node_id : n;
		uint64_t node = cache_node(l, kc, id), slabs, objects;

		if (!node)
			continue;
		if (!readmem(node + l->kcn_nr_slabs, KVADDR, &slabs, sizeof(slabs),
			     "kmem_cache_node nr_slabs", RETURN_ON_ERROR | QUIET) ||
		    !readmem(node + l->kcn_total_objects, KVADDR, &objects, sizeof(objects),
			     "kmem_cache_node total_objects", RETURN_ON_ERROR | QUIET)) {
			ci->have_node_counters = 0;
			return;
		}
		ci->node_slabs += slabs;
		ci->node_objects += objects;
	}
}

static int read_cache_info(const struct slub_layout *l, uint64_t addr, char *kc,
			   struct cache_info *ci)
{
	uint32_t oo, min_oo;

	memset(ci, 0, sizeof(*ci));
	ci->addr = addr;
	if (!readmem(addr, KVADDR, kc, l->kc_struct_size, "kmem_cache", RETURN_ON_ERROR | QUIET))
		return 0;
	if (!read_string(buf_u64(kc, l->kc_name), ci->name, sizeof(ci->name) - 1))
		return 0;
	ci->object_size = buf_u32(kc, l->kc_object_size);
	ci->size = buf_u32(kc, l->kc_size);
	ci->offset = buf_u32(kc, l->kc_offset);
	ci->red_left_pad = l->kc_red_left_pad >= 0 ? buf_u32(kc, l->kc_red_left_pad) : 0;
	ci->random = l->kc_random >= 0 ? buf_u64(kc, l->kc_random) : 0;
	ci->cpu_slab = l->kc_cpu_slab >= 0 ? buf_u64(kc, l->kc_cpu_slab) : 0;
	ci->cpu_sheaves = l->kc_cpu_sheaves >= 0 ? buf_u64(kc, l->kc_cpu_sheaves) : 0;
	ci->refcount = l->kc_refcount >= 0 ? (int)buf_u32(kc, l->kc_refcount) : 1;
	ci->inuse = l->kc_inuse >= 0 ? buf_u32(kc, l->kc_inuse) : ci->object_size;
	ci->flags = l->kc_flags >= 0 ? buf_u32(kc, l->kc_flags) : 0;
	ci->ctor = l->kc_ctor >= 0 ? buf_u64(kc, l->kc_ctor) : 0;
	oo = l->kc_oo >= 0 ? buf_u32(kc, l->kc_oo) : 0;
	min_oo = l->kc_min >= 0 ? buf_u32(kc, l->kc_min) : 0;
	ci->oo_order = oo >> 16;
	ci->oo_objects = oo & 0xffff;
	ci->max_objects = ci->oo_objects > (min_oo & 0xffff) ? ci->oo_objects : (min_oo & 0xffff);
	if (ci->size == 0 || ci->object_size > ci->size || ci->max_objects == 0)
		return 0;
	fill_node_counters(l, kc, ci);
	return 1;
}

static uint64_t alias_cache(const struct slub_layout *l, const char *name, char *real,
			    size_t len);

/*
 * SLAB_RECLAIM_ACCOUNT in kmem_cache.flags: the bit of _SLAB_RECLAIM_ACCOUNT where the flags
 * are an enum of bit numbers (v6.9+, "mm, slab: introduce kmem_cache flags as an enum" and
 * the patches around it), else 0x00020000, its value as a #define since v2.6.
 */
static uint64_t reclaim_flag(void)
{
	long bit;

	if (enumerator_value("_SLAB_RECLAIM_ACCOUNT", &bit) && bit >= 0 && bit < 64)
		return 1ULL << bit;
	return 0x00020000ULL;
}

int cache_list(const struct slub_layout *l, struct cache_info **out, size_t *nr,
	       size_t *unreadable)
{
	uint64_t head = symbol_value("slab_caches"), next, flag = reclaim_flag();
	char *kc = GETBUF(l->kc_struct_size);
	struct cache_info *cis = NULL;
	size_t n = 0, cap = 0;
	int count = 0;

	*out = NULL;
	*nr = *unreadable = 0;
	if (!readmem(head, KVADDR, &next, sizeof(next), "slab_caches", RETURN_ON_ERROR | QUIET)) {
		error(INFO, "cannot read slab_caches: truncated or incomplete dump?\n");
		return 0;
	}
	for (; next && next != head && count < MAX_CACHES; count++) {
		uint64_t addr = next - l->kc_list;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct cache_info *p = realloc(cis, ncap * sizeof(*p));

			if (!p) {
				free(cis);
				error(INFO, "out of memory for the cache list\n");
				return 0;
			}
			cis = p;
			cap = ncap;
		}
		if (read_cache_info(l, addr, kc, &cis[n])) {
			uint64_t flags = 0;

			if (l->kc_flags >= 0)
				flags = buf_u32(kc, l->kc_flags);
			cis[n].reclaimable = (flags & flag) != 0 ||
					     strncmp(cis[n].name, "kmalloc-rcl-", 12) == 0;
			n++;
		} else {
			(*unreadable)++;
		}
		if (!readmem(next, KVADDR, &next, sizeof(next), "kmem_cache list",
			     RETURN_ON_ERROR | QUIET))
			break;
	}
	*out = cis;
	*nr = n;
	return 1;
}

int cache_lookup(const struct slub_layout *l, const char *name, struct cache_info *ci)
{
	struct suggestion best[NR_SUGGEST + 1];
	uint64_t head = symbol_value("slab_caches"), next;
	char *kc = GETBUF(l->kc_struct_size);
	char cname[64];
	int count = 0, i;

	memset(best, 0, sizeof(best));
	if (!readmem(head, KVADDR, &next, sizeof(next), "slab_caches", RETURN_ON_ERROR | QUIET)) {
		error(INFO, "cannot read slab_caches: truncated or incomplete dump?\n");
		return 0;
	}
	for (; next && next != head && count < MAX_CACHES; count++) {
		uint64_t addr = next - l->kc_list, name_ptr;

		if (!readmem(addr + l->kc_name, KVADDR, &name_ptr, sizeof(name_ptr),
			     "kmem_cache name", RETURN_ON_ERROR | QUIET) ||
		    !read_string(name_ptr, cname, sizeof(cname) - 1))
			break;
		if (strcmp(cname, name) == 0) {
			if (!read_cache_info(l, addr, kc, ci)) {
				error(INFO, "cache %s at %lx is unreadable or corrupt\n", name,
				      (ulong)addr);
				return 0;
			}
			return 1;
		}
		consider(best, name, cname);
		if (!readmem(next, KVADDR, &next, sizeof(next), "kmem_cache list",
			     RETURN_ON_ERROR | QUIET))
			break;
	}
	{
		/* A cache merged into another exists only as a sysfs link: follow it. */
		char real[64];
		uint64_t addr = alias_cache(l, name, real, sizeof(real));

		if (addr) {
			fprintf(fp, "%s is merged into %s (slab alias): walking %s, which holds "
				    "the objects of all its aliases\n", name, real, real);
			if (read_cache_info(l, addr, kc, ci))
				return 1;
			error(INFO, "cache %s at %lx is unreadable or corrupt\n", real, (ulong)addr);
			return 0;
		}
	}
	if (!best[0].name[0]) {
		error(INFO, "no slab cache named \"%s\"\n", name);
		return 0;
	}
	{
		char line[256];
		int len = snprintf(line, sizeof(line), "no slab cache named \"%s\"; closest:", name);

		for (i = 0; i < NR_SUGGEST && best[i].name[0] && len < (int)sizeof(line); i++)
			len += snprintf(line + len, sizeof(line) - len, "%s %s", i ? "," : "",
					best[i].name);
		error(INFO, "%s\n", line);
	}
	return 0;
}

/* kernfs offsets for the alias walk; -1 when this kernel lacks them. */
struct kernfs_offsets {
	long kn_name, kn_flags, kn_rb, kn_children, kn_target, kc_kobj, kobj_sd, kset_kobj;
};

static int kernfs_offsets(struct kernfs_offsets *o)
{
	long dir = MEMBER_OFFSET("kernfs_node", "dir");
	long symlink = MEMBER_OFFSET("kernfs_node", "symlink");
	long children = MEMBER_OFFSET("kernfs_elem_dir", "children");
	long target = MEMBER_OFFSET("kernfs_elem_symlink", "target_kn");

	if (dir < 0)
		dir = ANON_MEMBER_OFFSET("kernfs_node", "dir");
	if (symlink < 0)
		symlink = ANON_MEMBER_OFFSET("kernfs_node", "symlink");
	o->kn_name = MEMBER_OFFSET("kernfs_node", "name");
	o->kn_flags = MEMBER_OFFSET("kernfs_node", "flags");
	o->kn_rb = MEMBER_OFFSET("kernfs_node", "rb");
	o->kn_children = dir + children;
	o->kn_target = symlink + target;
	o->kc_kobj = MEMBER_OFFSET("kmem_cache", "kobj");
	o->kobj_sd = MEMBER_OFFSET("kobject", "sd");
	o->kset_kobj = MEMBER_OFFSET("kset", "kobj");
	return dir >= 0 && symlink >= 0 && o->kn_name >= 0 && o->kn_flags >= 0 && o->kn_rb >= 0 &&
	       o->kc_kobj >= 0 && o->kobj_sd >= 0 && o->kset_kobj >= 0 &&
	       children >= 0 && target >= 0 && symbol_exists("slab_kset");
}

static uint64_t read_ptr(uint64_t addr)
{
	uint64_t v = 0;

	if (!readmem(addr, KVADDR, &v, sizeof(v), "memsim pointer", RETURN_ON_ERROR | QUIET))
		return 0;
	return v;
}

#define MAX_KERNFS_NODES 20000
#define KERNFS_LINK 0x4

/* One kernfs node of /sys/kernel/slab: if it links to @target and is not @own, append its name. */
static void alias_if_link(const struct kernfs_offsets *o, uint64_t kn, uint64_t target,
			  const char *own, char *buf, size_t len)
{
	uint16_t flags = 0;
	char name[64];
	size_t used = strlen(buf);

	if (!readmem(kn + o->kn_flags, KVADDR, &flags, sizeof(flags), "kernfs flags",
		     RETURN_ON_ERROR | QUIET) || !(flags & KERNFS_LINK) ||
	    read_ptr(kn + o->kn_target) != target ||
	    !read_string(read_ptr(kn + o->kn_name), name, sizeof(name) - 1) ||
	    strcmp(name, own) == 0)
		return;
	snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

void cache_aliases(const struct cache_info *ci, char *buf, size_t len)
{
	struct kernfs_offsets o;
	uint64_t kset, dir, target, stack[64];
	size_t depth = 0, visited = 0;

	buf[0] = '\0';
	if (ci->refcount <= 1 || !kernfs_offsets(&o))
		return;
	kset = read_ptr(symbol_value("slab_kset"));
	dir = kset ? read_ptr(kset + o.kset_kobj + o.kobj_sd) : 0;
	target = read_ptr(ci->addr + o.kc_kobj + o.kobj_sd);
	if (!dir || !target)
		return;
	/* Depth-first over the children rbtree: rb_node is { parent_color, right, left }. */
	stack[depth++] = read_ptr(dir + o.kn_children);
	while (depth && visited++ < MAX_KERNFS_NODES) {
		uint64_t rb = stack[--depth];

		if (!rb)
			continue;
		alias_if_link(&o, rb - o.kn_rb, target, ci->name, buf, len);
		if (depth + 2 > 64)
			break;	/* deeper than any balanced tree of this size: corrupt */
		stack[depth++] = read_ptr(rb + 8);
		stack[depth++] = read_ptr(rb + 16);
	}
}

/* The kernfs node that the link /sys/kernel/slab/@name points to, or 0. */
static uint64_t alias_link_target(const struct kernfs_offsets *o, const char *name)
{
	uint64_t kset, dir, stack[64], found = 0;
	size_t depth = 0, visited = 0;
	char kn_name[64];

	kset = read_ptr(symbol_value("slab_kset"));
	dir = kset ? read_ptr(kset + o->kset_kobj + o->kobj_sd) : 0;
	if (!dir)
		return 0;
	stack[depth++] = read_ptr(dir + o->kn_children);
	while (depth && visited++ < MAX_KERNFS_NODES && !found) {
		uint64_t rb = stack[--depth], kn;
		uint16_t flags = 0;

		if (!rb)
			continue;
		kn = rb - o->kn_rb;
		if (readmem(kn + o->kn_flags, KVADDR, &flags, sizeof(flags), "kernfs flags",
			    RETURN_ON_ERROR | QUIET) && (flags & KERNFS_LINK) &&
		    read_string(read_ptr(kn + o->kn_name), kn_name, sizeof(kn_name) - 1) &&
		    !strcmp(kn_name, name))
			found = read_ptr(kn + o->kn_target);
		if (depth + 2 > 64)
			break;
		stack[depth++] = read_ptr(rb + 8);
		stack[depth++] = read_ptr(rb + 16);
	}
	return found;
}

/* The kmem_cache that the alias @name was merged into (its name into @real), or 0. */
static uint64_t alias_cache(const struct slub_layout *l, const char *name, char *real,
			    size_t len)
{
	struct kernfs_offsets o;
	uint64_t head = symbol_value("slab_caches"), next, target;
	int count = 0;

	if (!kernfs_offsets(&o) || !(target = alias_link_target(&o, name)))
		return 0;
	next = read_ptr(head);
	for (; next && next != head && count < MAX_CACHES; count++) {
		uint64_t addr = next - l->kc_list;

		if (read_ptr(addr + o.kc_kobj + o.kobj_sd) == target &&
		    read_string(read_ptr(addr + l->kc_name), real, len - 1))
			return addr;
		next = read_ptr(next);
	}
	return 0;
}
