/* memsim_cmd.h - the options of one memsim command and the run that carries it out. */
#ifndef MEMSIM_CMD_H
#define MEMSIM_CMD_H

#include <stdint.h>

#include "adapter.h"

#ifndef MEMSIM_VERSION
#define MEMSIM_VERSION "unknown"
/* -i: where the memory went: counters, vmalloc callers and the memory map classified. */
void memsim_meminfo(const struct slub_layout *l, const struct memsim_options *opt,
		    volatile int *stop);

#endif

struct memsim_options {
	const char *cache;
	int include_free, json, summary_only, timing;
	int all_caches;		/* -a: rank every cache */
	int meminfo;		/* -i: where the memory went */
	int top_given;		/* -n was given */
	int version;		/* -V: print the version */
	unsigned brief_rank;	/* > 0: the brief report of suspect number brief_rank (-a) */
	uint64_t top, mem_mib, depth;
	struct walk_options walk;
};

/* Walk, analyse and report one cache; prints its own errors. */
void memsim_run(const struct slub_layout *l, const struct memsim_options *opt,
		volatile int *stop);

/* A monotonic clock in seconds, for -t. */
double now_seconds(void);

/* The full scan of one cache found already (the brief report with brief_rank). */
void memsim_analyse_cache(const struct slub_layout *l, const struct cache_info *ci,
			  const struct memsim_options *opt, volatile int *stop);

/* -a: every cache in one memory-map pass, ranked; the top suspects in short. */
void memsim_triage(const struct slub_layout *l, const struct memsim_options *opt,
		   volatile int *stop);

/* -i: where the memory went: counters, vmalloc callers and the memory map classified. */
void memsim_meminfo(const struct slub_layout *l, const struct memsim_options *opt,
		    volatile int *stop);

#endif
