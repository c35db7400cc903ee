/* debuginfo.h - the debuginfo files crash has loaded, as analysis/dwarf_index.h indexes. */
#ifndef MEMSIM_DEBUGINFO_H
#define MEMSIM_DEBUGINFO_H

#include <stddef.h>

#include "dwarf_index.h"

#define DEBUGINFO_MAX 256

struct debuginfo {
	struct ms_dwarf_index *indexes[DEBUGINFO_MAX];	/* vmlinux first, then modules */
	size_t nr;
	size_t nr_modules;	/* modules whose debuginfo crash loaded (mod -s / mod -S) */
	int vmlinux_built;	/* 1: the vmlinux index was built now, not read from the cache */
	char cache_note[300];	/* why a cache file there was not used (then rebuilt), or "" */
	char note[400];		/* what could not be opened */
};

/* Open the indexes of the vmlinux and of every module loaded with debuginfo; returns nr. */
int debuginfo_open(struct debuginfo *di);
/* Release what debuginfo_open() opened for this command (the vmlinux index stays). */
void debuginfo_close(struct debuginfo *di);
/* Free the session's vmlinux index (extension unload). */
void debuginfo_unload(void);

#endif
