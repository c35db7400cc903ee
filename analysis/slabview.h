/*
 * slabview.h - one slab's contents as the walker hands them to the analysis library.
 *
 * The walker reads a whole slab with one read into a buffer and marks which objects are
 * allocated.  Object i starts at @buf + @first + i * @stride, at kernel address
 * @addr + @first + i * @stride, and its payload is @object_size bytes.
 */
#ifndef MEMSIM_SLABVIEW_H
#define MEMSIM_SLABVIEW_H

#include <stdint.h>

struct ms_slab_view {
	const uint8_t *buf;	/* the slab's bytes, from its first byte */
	uint64_t addr;		/* kernel virtual address of buf[0] */
	uint32_t first;		/* offset of object 0 (red_left_pad) */
	uint32_t stride;	/* slot size (kmem_cache.size) */
	uint32_t object_size;	/* payload size (kmem_cache.object_size) */
	uint32_t nr_objects;	/* objects in this slab */
	const uint64_t *allocated; /* bitmap: bit i set = object i is allocated */
};

static inline int ms_slab_view_allocated(const struct ms_slab_view *v, uint32_t i)
{
	return (v->allocated[i / 64] >> (i % 64)) & 1;
}

static inline const uint8_t *ms_slab_view_object(const struct ms_slab_view *v, uint32_t i)
{
	return v->buf + v->first + (uint64_t)i * v->stride;
}

static inline uint64_t ms_slab_view_object_addr(const struct ms_slab_view *v, uint32_t i)
{
	return v->addr + v->first + (uint64_t)i * v->stride;
}

#endif
