/*
 * stackdepot.h - reading a stack back from the kernel's stack depot (lib/stackdepot.c).
 *
 * The depot keeps each distinct stack once, as a struct stack_record inside one of its pools
 * (4-page blocks), and hands out a 32-bit handle: a pool index, an offset in the pool in
 * units of 1 << DEPOT_STACK_ALIGN (16) bytes, and a few bits for the depot's users.  How the
 * handle is cut changed over time (the adapter reads the bit fields of union handle_parts
 * from debuginfo):
 *   v5.17-v6.7   slabindex:16 offset:10 valid:1 extra:5, pools in stack_slabs[] (renamed
 *                stack_pools[] in v6.3);
 *   v6.8+        pool_index:N offset:10 extra:5 (no valid bit; the record list-linked and
 *                refcounted), pool_index_plus_1 from v6.10 so that no handle is 0;
 *   later        stack_pools a pointer to an array sized at boot.
 * Each record holds its own handle (union handle_parts handle), which a fetch checks: a
 * handle from a damaged track, or a depot page the dump lacks, gives a status, never frames
 * from elsewhere.
 */
#ifndef MEMSIM_STACKDEPOT_H
#define MEMSIM_STACKDEPOT_H

#include <stdint.h>

#include "layout.h"

struct ms_depot_layout {
	uint64_t pools;		/* address of the pools array, or of the pointer to it */
	int pools_indirect;	/* pools holds a pointer to the array */
	uint32_t nr_pools;	/* a pool index must be below this */
	uint32_t index_shift, index_bits;	/* the pool index field of a handle */
	uint32_t offset_shift, offset_bits;	/* the offset field */
	int index_plus_one;	/* the field holds the index + 1 (pool_index_plus_1) */
	uint32_t align;		/* the offset is in units of 1 << align bytes */
	uint32_t pool_size;	/* bytes of one pool */
	/* struct stack_record */
	uint32_t rec_size;	/* offset of u32 size (frames) */
	int32_t rec_handle;	/* offset of its own handle, or -1 */
	uint32_t rec_entries;	/* offset of unsigned long entries[] */
	uint32_t max_frames;	/* entries a record can hold */
	uint32_t extra_mask;	/* the users' bits of a handle, ignored when comparing */
};

enum ms_depot_status {
	MS_DEPOT_OK = 1,
	MS_DEPOT_NO_HANDLE,	/* handle 0: no stack was saved */
	MS_DEPOT_BAD_HANDLE,	/* pool index or offset out of range */
	MS_DEPOT_UNREADABLE,	/* the pools array, pool or record could not be read */
	MS_DEPOT_MISMATCH,	/* the record there holds another handle, or an impossible size */
};

/* "ok", "no stack saved", "bad handle", "unreadable", "record mismatch". */
const char *ms_depot_status_name(int status);

/*
 * The frames of @handle, read through @env->read into @frames (at most @max); *@nr gets
 * their number.  Returns an enum ms_depot_status.
 */
int ms_depot_fetch(const struct ms_depot_layout *d, const struct ms_env *env, uint32_t handle,
		   uint64_t *frames, uint32_t max, uint32_t *nr);

#endif
