/*
 * owner.h - guessing the struct that a cluster's objects are, from debuginfo (libdw).
 *
 * An ms_dwarf_index holds every struct type of the vmlinux and of loaded modules' debuginfo
 * (name, size, members with offsets and type classes), built once per debuginfo file and
 * cached on disk.  ms_owner_rank() scores candidates whose size fits the cache against a
 * cluster's per-offset pattern (see pattern.h) and explains each score.
 */
#ifndef MEMSIM_OWNER_H
#define MEMSIM_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "pattern.h"

#define MS_OWNER_MAX_EVIDENCE 12

struct ms_owner_guess {
	char type_name[128];	/* "struct inotify_event_info" */
	char origin[64];	/* "vmlinux" or the module name */
	uint32_t size;		/* sizeof the struct */
	double score;		/* higher is better; comparable within one ranking */
	double margin;		/* score minus the next candidate's */
	size_t nr_evidence;
	char evidence[MS_OWNER_MAX_EVIDENCE][200]; /* "+0x8 fn ptr -> member 'ops' (fn ptr)" */
};

struct ms_dwarf_index;

/* Index the struct types of the debuginfo file at @path (cached under @cache_dir). */
struct ms_error *ms_dwarf_index_open(const char *path, const char *origin, const char *cache_dir,
				     struct ms_dwarf_index **out);
void ms_dwarf_index_free(struct ms_dwarf_index *index);

/*
 * Rank the struct types of @indexes (@nr of them) as owners of @pattern, whose objects come
 * from a cache of object size @pattern->object_size; @min_size is the smallest struct size
 * that would land in that cache (the kmalloc size class's lower bound; object_size itself for
 * a dedicated cache).  Fills up to @max guesses, best first, and sets *@nr_out.
 */
struct ms_error *ms_owner_rank(struct ms_dwarf_index *const *indexes, size_t nr,
			       const struct ms_pattern *pattern, uint32_t min_size,
			       struct ms_owner_guess *guesses, size_t max, size_t *nr_out);

#endif
