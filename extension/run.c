/*
 * run.c - one memsim scan: look the cache up, walk it, analyse, report.
 */
#include <string.h>

#include "defs.h"

#include "adapter.h"
#include "memsim_cmd.h"

static void count_slab(void *arg, const struct ms_slab_view *view)
{
}

static void print_summary(const struct walk_result *res)
{
	const struct ms_cache_summary *s = &res->summary;

	fprintf(fp, "CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME\n");
	fprintf(fp, "%016lx %8u %10lu %9lu %6lu %5uk  %s\n", (ulong)s->cache_addr, s->object_size,
		(ulong)s->allocated, (ulong)s->total, (ulong)s->slabs, s->slab_size / 1024, s->name);
}

void memsim_run(const struct slub_layout *l, const struct memsim_options *opt,
		volatile int *stop)
{
	struct walk_result *res = calloc(1, sizeof(*res));
	struct cache_info ci;

	if (!res) {
		error(INFO, "out of memory\n");
		return;
	}
	if (cache_lookup(l, opt->cache, &ci)) {
		if (!slab_walk_cache(l, &ci, &opt->walk, stop, count_slab, NULL, res))
			error(INFO, "%s: no slab could be walked\n", ci.name);
		print_summary(res);
	}
	free(res);
}
