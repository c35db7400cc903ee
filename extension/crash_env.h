/*
 * crash_env.h - the analysis library's view of the kernel (struct ms_layout, struct ms_env),
 * answered through crash.
 */
#ifndef MEMSIM_CRASH_ENV_H
#define MEMSIM_CRASH_ENV_H

#include <stddef.h>

#include "adapter.h"
#include "layout.h"

struct crash_env_layout {
	struct ms_layout layout;
	struct ms_range *ranges;
	size_t nr, cap;
	/* Per-cpu areas: how many, the bytes of each that hold per-cpu data, the unit size. */
	size_t nr_percpu;
	uint64_t percpu_used, percpu_unit, percpu_first;
};

/* Describe the address space of the kernel crash has open. */
int crash_env_layout_build(struct crash_env_layout *el);
void crash_env_layout_free(struct crash_env_layout *el);

struct crash_env;

/* Fill @env's callbacks; *@stop is what env->interrupted reports.  NULL on ENOMEM. */
struct crash_env *crash_env_new(const struct slub_layout *l, volatile int *stop,
				struct ms_env *env);
void crash_env_free(struct crash_env *ce);

/*
 * A scan's description of the address space and its callbacks' table, on the heap and held
 * (held.h) while the scan runs: the layout built and indexed.  NULL after saying why.
 */
struct scan_space {
	struct crash_env_layout el;
	struct ms_env env;
};

struct scan_space *scan_space_new(void);
/* Give it back (and drop it from held.h); NULL is fine. */
void scan_space_free(struct scan_space *sp);

#endif
