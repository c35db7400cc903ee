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

static void fill_node_counters(const struct slub_layout *l, const char *kc, struct cache_info *ci)
{
	int n;

	ci->have_node_counters = l->kc_node >= 0 && l->kcn_nr_slabs >= 0 &&
				 l->kcn_total_objects >= 0;
	if (!ci->have_node_counters)
		return;
	for (n = 0; n < vt->numnodes; n++) {
		int id = vt->node_table ? vt->node_table[n].node_id : n;
		uint64_t node = buf_u64(kc, l->kc_node + id * sizeof(void *)), slabs, objects;

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
	ci->refcount = l->kc_refcount >= 0 ? (int)buf_u32(kc, l->kc_refcount) : 1;
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
