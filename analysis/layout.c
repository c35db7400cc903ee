/*
 * layout.c - classifying an address by the layout's ranges; see layout.h.
 *
 * The normaliser classifies every 8-byte word of every object, hundreds of millions of
 * times per cache, so the ranges are flattened once into disjoint segments sorted by start
 * and each lookup is a binary search.  The plain scan stays as the reference the index is
 * tested against and as the answer for a layout nobody prepared.
 */
#include <stdlib.h>

#include "error.h"
#include "layout.h"

/* Higher wins where ranges overlap: per-cpu areas sit inside the kernel image or the direct map. */
static const unsigned char region_rank[] = {
	[MS_REGION_NONE] = 0,	   [MS_REGION_USER] = 1,    [MS_REGION_DIRECTMAP] = 2,
	[MS_REGION_VMALLOC] = 3,   [MS_REGION_VMEMMAP] = 4, [MS_REGION_KDATA] = 5,
	[MS_REGION_KTEXT] = 6,	   [MS_REGION_PERCPU] = 7,
};
#define NR_RANKS 8

static const enum ms_region rank_region[NR_RANKS] = {
	MS_REGION_NONE,	   MS_REGION_USER,    MS_REGION_DIRECTMAP, MS_REGION_VMALLOC,
	MS_REGION_VMEMMAP, MS_REGION_KDATA,   MS_REGION_KTEXT,	   MS_REGION_PERCPU,
};

struct ms_layout_index {
	size_t nr;
	uint64_t *start;	/* segment i covers [start[i], start[i + 1]) */
	unsigned char *region;
};

static int in_range(const struct ms_range *r, uint64_t addr)
{
	return addr >= r->start && addr < r->end;
}

static enum ms_region better(enum ms_region a, enum ms_region b)
{
	return region_rank[b] > region_rank[a] ? b : a;
}

static enum ms_region classify_scan(const struct ms_layout *layout, uint64_t addr)
{
	enum ms_region found = MS_REGION_NONE;
	size_t i;

	for (i = 0; i < layout->nr_ranges; i++)
		if (in_range(&layout->ranges[i], addr))
			found = better(found, layout->ranges[i].region);
	if (in_range(&layout->vmemmap, addr))
		found = better(found, MS_REGION_VMEMMAP);
	if (in_range(&layout->vmalloc, addr))
		found = better(found, MS_REGION_VMALLOC);
	if (in_range(&layout->directmap, addr))
		found = better(found, MS_REGION_DIRECTMAP);
	if (addr < layout->user_top)
		found = better(found, MS_REGION_USER);
	return found;
}

enum ms_region ms_layout_classify(const struct ms_layout *layout, uint64_t addr)
{
	if (layout->index)
		return ms_layout_index_classify(layout->index, addr);
	return classify_scan(layout, addr);
}

/* A range's start (+1) or end (-1) at @addr, for the sweep that flattens the ranges. */
struct edge {
	uint64_t addr;
	int delta;
	unsigned rank;
};

static int edge_cmp(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static size_t add_edges(struct edge *e, size_t n, uint64_t start, uint64_t end,
			enum ms_region region)
{
	if (end <= start || region == MS_REGION_NONE)
		return n;
	e[n++] = (struct edge){ start, 1, region_rank[region] };
	e[n++] = (struct edge){ end, -1, region_rank[region] };
	return n;
}

static unsigned top_rank(const long *active)
{
	unsigned r;

	for (r = NR_RANKS - 1; r > 0; r--)
		if (active[r] > 0)
			return r;
	return 0;
}

/* Sweep the sorted edges, emitting a segment wherever the winning region changes. */
static void sweep(struct ms_layout_index *ix, const struct edge *e, size_t n)
{
	long active[NR_RANKS] = { 0 };
	size_t i = 0;

	ix->nr = 0;
	ix->start[ix->nr] = 0;
	ix->region[ix->nr++] = MS_REGION_NONE;
	while (i < n) {
		uint64_t at = e[i].addr;
		enum ms_region r;

		for (; i < n && e[i].addr == at; i++)
			active[e[i].rank] += e[i].delta;
		r = rank_region[top_rank(active)];
		if (r == ix->region[ix->nr - 1])
			continue;
		if (ix->start[ix->nr - 1] == at)
			ix->region[ix->nr - 1] = r;	/* the previous segment was empty */
		else {
			ix->start[ix->nr] = at;
			ix->region[ix->nr++] = r;
		}
	}
}

struct ms_error *ms_layout_index_new(const struct ms_layout *layout, struct ms_layout_index **out)
{
	size_t max = 2 * (layout->nr_ranges + 4), n = 0, i;
	struct ms_layout_index *ix = calloc(1, sizeof(*ix));
	struct edge *e = malloc(max * sizeof(*e));

	if (ix) {
		ix->start = malloc((max + 1) * sizeof(*ix->start));
		ix->region = malloc(max + 1);
	}
	if (!ix || !e || !ix->start || !ix->region) {
		free(e);
		ms_layout_index_free(ix);
		return ms_error_new(MS_ERR_NOMEM, "no memory for a layout index of %zu ranges",
				    layout->nr_ranges);
	}
	for (i = 0; i < layout->nr_ranges; i++)
		n = add_edges(e, n, layout->ranges[i].start, layout->ranges[i].end,
			      layout->ranges[i].region);
	n = add_edges(e, n, layout->vmemmap.start, layout->vmemmap.end, MS_REGION_VMEMMAP);
	n = add_edges(e, n, layout->vmalloc.start, layout->vmalloc.end, MS_REGION_VMALLOC);
	n = add_edges(e, n, layout->directmap.start, layout->directmap.end, MS_REGION_DIRECTMAP);
	n = add_edges(e, n, 0, layout->user_top, MS_REGION_USER);
	qsort(e, n, sizeof(*e), edge_cmp);
	sweep(ix, e, n);
	free(e);
	*out = ix;
	return NULL;
}

enum ms_region ms_layout_index_classify(const struct ms_layout_index *ix, uint64_t addr)
{
	uint64_t first, end;

	return ms_layout_index_segment(ix, addr, &first, &end);
}

enum ms_region ms_layout_index_segment(const struct ms_layout_index *ix, uint64_t addr,
				       uint64_t *first, uint64_t *end)
{
	size_t lo = 0, hi = ix->nr;	/* start[0] == 0 <= addr: the answer is in [lo, hi) */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->start[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*first = ix->start[lo];
	*end = lo + 1 < ix->nr ? ix->start[lo + 1] : 0;	/* 0: up to the top */
	return ix->region[lo];
}

size_t ms_layout_index_bytes(const struct ms_layout_index *ix)
{
	return ix ? sizeof(*ix) + ix->nr * (sizeof(*ix->start) + 1) : 0;
}

void ms_layout_index_free(struct ms_layout_index *ix)
{
	if (!ix)
		return;
	free(ix->start);
	free(ix->region);
	free(ix);
}

struct ms_error *ms_layout_prepare(struct ms_layout *layout)
{
	struct ms_layout_index *ix;
	struct ms_error *err;

	ms_layout_unprepare(layout);
	err = ms_layout_index_new(layout, &ix);
	if (!err)
		layout->index = ix;
	return err;
}

void ms_layout_unprepare(struct ms_layout *layout)
{
	ms_layout_index_free(layout->index);
	layout->index = NULL;
}
