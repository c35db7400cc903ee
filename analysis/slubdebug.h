/*
 * slubdebug.h - the red zones, poison and padding of a slub_debug cache, checked as the kernel
 * checks them (mm/slub.c check_object(), check_pad_bytes()), offline.
 *
 * Under slub_debug=Z (SLAB_RED_ZONE) each object sits between a left red zone of red_left_pad
 * bytes and a right one from object_size to inuse, both 0xcc while the object is allocated and
 * 0xbb while it is free; a kmalloc cache that keeps orig_size also fills the bytes from the
 * size asked for up to object_size with 0xcc from v6.2 (commit 946fa0dbf2d8, "mm/slub: extend
 * redzone check to extra allocated kmalloc space than requested"; v6.1 kept the size only).  Under slub_debug=P (SLAB_POISON) a free
 * object holds 0x6b with a last byte of 0xa5, unless the cache has a constructor or is
 * SLAB_TYPESAFE_BY_RCU; without Z the bytes from object_size to inuse hold 0x5a; and the
 * metadata's tail up to the slot's end (after the free pointer, tracks and orig_size) is 0x5a
 * padding.  A byte that differs is what the kernel reports as "Redzone overwritten" or
 * "Poison overwritten" when it next looks, which for a leaked object is never: memsim reports
 * it instead, as a finding with the object, the area, the first wrong byte and its value.
 */
#ifndef MEMSIM_SLUBDEBUG_H
#define MEMSIM_SLUBDEBUG_H

#include <stddef.h>
#include <stdint.h>

#define MS_SLUB_RED_ACTIVE 0xcc
#define MS_SLUB_RED_INACTIVE 0xbb
#define MS_POISON_INUSE 0x5a
#define MS_POISON_FREE 0x6b
#define MS_POISON_END 0xa5

/* One cache's debug geometry (from struct kmem_cache and its flags). */
struct ms_debug_layout {
	uint32_t object_size, inuse, size, red_left_pad;
	int red_zone;		/* SLAB_RED_ZONE */
	int poison;		/* SLAB_POISON */
	int poison_objects;	/* free objects hold poison: POISON, no ctor, not TYPESAFE_BY_RCU */
	int32_t orig_size;	/* offset of orig_size from the object's first byte, or -1 */
	int kmalloc_redzone;	/* orig_size .. object_size is red zone too (v6.2+) */
	uint32_t meta_end;	/* end of the metadata from the object's first byte: info_end,
				 * the two tracks with STORE_USER, orig_size (padding follows) */
	uint32_t orig_size_len;	/* 4 (unsigned int) or 8 (unsigned long): see below */
};

enum ms_debug_area {
	MS_DBG_LEFT_REDZONE,
	MS_DBG_RIGHT_REDZONE,
	MS_DBG_KMALLOC_REDZONE,	/* orig_size .. object_size of a kmalloc object */
	MS_DBG_POISON,		/* a free object's 0x6b ... 0xa5 */
	MS_DBG_ALIGN_PADDING,	/* object_size .. inuse without a red zone: 0x5a */
	MS_DBG_PADDING,		/* after the metadata: 0x5a */
	MS_DBG__COUNT
};

/* "left red zone", "right red zone", "kmalloc red zone", "poison", "alignment padding", "padding". */
const char *ms_debug_area_name(enum ms_debug_area area);

/* The first wrong byte found in one object. */
struct ms_debug_fault {
	enum ms_debug_area area;
	int32_t start;		/* the area, from the object's first byte (negative: before it) */
	uint32_t length;
	int32_t first_bad;	/* offset of the first wrong byte, from the object's first byte */
	uint32_t bad_bytes;	/* wrong bytes in the area */
	uint8_t expected, found;	/* for the first wrong byte */
};

/*
 * How wide orig_size is in the slots at hand.  It was an unsigned int from v6.1; "mm/slab: use
 * unsigned long for orig_size to ensure proper metadata align" (2026, also in the stable
 * series: Debian's 6.12.117 has it) made it an unsigned long, moving the padding 4 bytes on.
 * Nothing in debuginfo tells the two apart (the slot size rounds to the same), the bytes do:
 * under slub_debug=P the 4 bytes after the old 32-bit orig_size are 0x5a padding, while the
 * high half of a 64-bit size is 0.  One object's vote: 8, 4, or 0 when its bytes say neither
 * (a size never set, or damage).  @obj's slot must hold orig_size + 8 bytes.
 */
int ms_debug_orig_size_vote(const struct ms_debug_layout *l, const uint8_t *obj);

/*
 * Does the layout check anything (a red zone or poison)?  Is the layout sane for slots of
 * @stride bytes?  A layout that is not is never used.
 */
int ms_debug_layout_valid(const struct ms_debug_layout *l);

/*
 * Check the object whose first byte is @obj (with red_left_pad bytes before it and the rest
 * of its slot after it readable), allocated or free, as check_object() would.  Returns 1 and
 * fills @f for the first area that holds a wrong byte, 0 when all is as the kernel left it.
 */
int ms_debug_check(const struct ms_debug_layout *l, const uint8_t *obj, int allocated,
		   struct ms_debug_fault *f);

#define MS_DEBUG_KEEP 16

/* Findings over a cache: counts by area, and the first ones in full. */
struct ms_debug_finding {
	uint64_t object;	/* the object's address */
	int allocated;
	long cluster;		/* its cluster in the result, -1 when none */
	struct ms_debug_fault fault;
	uint8_t bytes[16];	/* the area's bytes from the first wrong one (up to 16) */
	uint32_t nr_bytes;
};

struct ms_debug_findings {
	uint64_t checked_allocated, checked_free;
	uint64_t objects_bad;			/* objects with at least one wrong byte */
	uint64_t by_area[MS_DBG__COUNT];	/* objects, by the first area found wrong */
	size_t nr;
	struct ms_debug_finding first[MS_DEBUG_KEEP];	/* lowest addresses first once sorted */
};

/* Check one object and count it in @out (its address @addr, cluster @cluster). */
void ms_debug_findings_add(struct ms_debug_findings *out, const struct ms_debug_layout *l,
			   const uint8_t *obj, uint64_t addr, int allocated, long cluster);
/* Sort the kept findings by address (call once, after the pass). */
void ms_debug_findings_finish(struct ms_debug_findings *out);

#endif
