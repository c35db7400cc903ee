/*
 * stackdepot.c - a stack-depot handle back to its frames (see stackdepot.h).
 */
#include <string.h>

#include "stackdepot.h"

const char *ms_depot_status_name(int status)
{
	switch (status) {
	case MS_DEPOT_OK:
		return "ok";
	case MS_DEPOT_NO_HANDLE:
		return "no stack saved";
	case MS_DEPOT_BAD_HANDLE:
		return "bad handle";
	case MS_DEPOT_UNREADABLE:
		return "unreadable";
	case MS_DEPOT_MISMATCH:
		return "record mismatch";
	default:
		return "not fetched";
	}
}

static uint32_t field(uint32_t handle, uint32_t shift, uint32_t bits)
{
	return bits >= 32 ? handle >> shift : (handle >> shift) & ((1u << bits) - 1);
}

static int read_u64(const struct ms_env *env, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	int i;

	if (!env->read || !env->read(env->ctx, addr, b, 8))
		return 0;
	for (*v = 0, i = 7; i >= 0; i--)
		*v = *v << 8 | b[i];
	return 1;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The record's address for @handle, or 0 with *@status set. */
static uint64_t record_addr(const struct ms_depot_layout *d, const struct ms_env *env,
			    uint32_t handle, int *status)
{
	uint32_t index = field(handle, d->index_shift, d->index_bits);
	uint64_t offset = (uint64_t)field(handle, d->offset_shift, d->offset_bits) << d->align;
	uint64_t array = d->pools, pool;

	if (d->index_plus_one) {
		if (!index) {
			*status = MS_DEPOT_BAD_HANDLE;
			return 0;
		}
		index--;
	}
	if (index >= d->nr_pools || offset + d->rec_entries > d->pool_size) {
		*status = MS_DEPOT_BAD_HANDLE;
		return 0;
	}
	if (d->pools_indirect && !read_u64(env, d->pools, &array)) {
		*status = MS_DEPOT_UNREADABLE;
		return 0;
	}
	if (!array || !read_u64(env, array + 8ull * index, &pool)) {
		*status = MS_DEPOT_UNREADABLE;
		return 0;
	}
	if (!pool) {	/* a pool never allocated: no record can be there */
		*status = MS_DEPOT_BAD_HANDLE;
		return 0;
	}
	return pool + offset;
}

int ms_depot_fetch(const struct ms_depot_layout *d, const struct ms_env *env, uint32_t handle,
		   uint64_t *frames, uint32_t max, uint32_t *nr)
{
	uint8_t head[64], entries[8 * 64];
	uint32_t size, i, want;
	uint64_t rec;
	int status = MS_DEPOT_OK;

	*nr = 0;
	if (!handle)
		return MS_DEPOT_NO_HANDLE;
	if (d->rec_entries > sizeof(head) || (d->rec_handle >= 0 && d->rec_handle + 4 > (int32_t)d->rec_entries))
		return MS_DEPOT_MISMATCH;
	rec = record_addr(d, env, handle, &status);
	if (!rec)
		return status;
	if (!env->read(env->ctx, rec, head, d->rec_entries))
		return MS_DEPOT_UNREADABLE;
	size = le32(head + d->rec_size);
	if (!size || size > d->max_frames)
		return MS_DEPOT_MISMATCH;
	if (d->rec_handle >= 0 &&
	    (le32(head + d->rec_handle) | d->extra_mask) != (handle | d->extra_mask))
		return MS_DEPOT_MISMATCH;
	want = size < max ? size : max;
	if (want > sizeof(entries) / 8)
		want = sizeof(entries) / 8;
	if (!env->read(env->ctx, rec + d->rec_entries, entries, 8ull * want))
		return MS_DEPOT_UNREADABLE;
	for (i = 0; i < want; i++)
		frames[i] = (uint64_t)le32(entries + 8 * i) | (uint64_t)le32(entries + 8 * i + 4) << 32;
	*nr = want;
	return MS_DEPOT_OK;
}
