/*
 * meminfo.c - memsim -i: where the memory went.  (Being written.)
 */
#include "defs.h"

#include "memsim_cmd.h"

void memsim_meminfo(const struct slub_layout *l, const struct memsim_options *opt,
		    volatile int *stop)
{
	error(INFO, "-i: not built yet\n");
}
