/* memsim_cmd.h - the options of one memsim command and the run that carries it out. */
#ifndef MEMSIM_CMD_H
#define MEMSIM_CMD_H

#include <stdint.h>

#include "adapter.h"

struct memsim_options {
	const char *cache;
	int include_free, json, summary_only, timing;
	uint64_t top, mem_mib, depth;
	struct walk_options walk;
};

/* Walk, analyse and report one cache; prints its own errors. */
void memsim_run(const struct slub_layout *l, const struct memsim_options *opt,
		volatile int *stop);

#endif
