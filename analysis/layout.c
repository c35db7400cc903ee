/* layout.c - classifying an address by the layout's ranges; see layout.h. */
#include "layout.h"

static int in_range(const struct ms_range *r, uint64_t addr)
{
	return addr >= r->start && addr < r->end;
}

enum ms_region ms_layout_classify(const struct ms_layout *layout, uint64_t addr)
{
	enum ms_region found = MS_REGION_NONE;
	size_t i;

	for (i = 0; i < layout->nr_ranges; i++) {
		const struct ms_range *r = &layout->ranges[i];

		if (!in_range(r, addr))
			continue;
		if (r->region == MS_REGION_PERCPU)
			return MS_REGION_PERCPU;
		found = r->region;
	}
	if (found != MS_REGION_NONE)
		return found;
	if (in_range(&layout->vmemmap, addr))
		return MS_REGION_VMEMMAP;
	if (in_range(&layout->vmalloc, addr))
		return MS_REGION_VMALLOC;
	if (in_range(&layout->directmap, addr))
		return MS_REGION_DIRECTMAP;
	if (addr < layout->user_top)
		return MS_REGION_USER;
	return MS_REGION_NONE;
}
