/*
 * freelist.h - decoding a SLUB freelist inside a slab's bytes.
 *
 * A free SLUB object stores the address of the next free object at offset s->offset.  With
 * CONFIG_SLAB_FREELIST_HARDENED the stored value is obfuscated: ptr ^ s->random ^ slot, where
 * slot is the address of the stored value itself, byte-swapped since v5.7 and plain before.
 * Distribution kernels backported either way, so the encoding is detected by decoding, not by
 * version.  Chains are walked in a buffer already read from the dump and are guarded against
 * cycles and pointers outside the slab: a corrupt freelist is a finding, never a hang.
 */
#ifndef MEMSIM_FREELIST_H
#define MEMSIM_FREELIST_H

#include <stddef.h>
#include <stdint.h>

#include "slabview.h"

enum ms_fp_encoding {
	MS_FP_PLAIN = 0,	/* stored value is the pointer */
	MS_FP_XOR,		/* ptr ^ random ^ slot address */
	MS_FP_XOR_SWAB,		/* ptr ^ random ^ bswap64(slot address) (v5.7+) */
	MS_FP__COUNT
};

const char *ms_fp_encoding_name(enum ms_fp_encoding enc);

/* How a cache stores its free pointers. */
struct ms_fp_format {
	enum ms_fp_encoding encoding;
	uint64_t random;	/* kmem_cache.random (0 when not hardened) */
	uint32_t offset;	/* kmem_cache.offset: where in the slot the pointer lives */
};

enum ms_freelist_status {
	MS_FL_OK = 0,
	MS_FL_OUTSIDE,		/* a pointer outside this slab, or not on an object boundary */
	MS_FL_CYCLE,		/* an object appears twice: the chain loops */
};

const char *ms_freelist_status_name(enum ms_freelist_status status);

/* What went wrong in a chain: the status, the bad pointer, and the object that held it. */
struct ms_freelist_fault {
	enum ms_freelist_status status;
	uint64_t bad_pointer;	/* decoded next pointer that was rejected */
	uint64_t holder;	/* object whose free pointer held it (0: the chain head) */
};

/* Decode the free pointer stored at kernel address @slot_addr with value @stored. */
uint64_t ms_fp_decode(const struct ms_fp_format *fmt, uint64_t stored, uint64_t slot_addr);

/*
 * Walk the chain starting at @head (a plain pointer, as in slab->freelist or a CPU's
 * freelist) through the objects of @view, clearing each free object's bit in @allocated
 * (which the caller initialises to all objects allocated; @view->allocated may alias it).
 * Returns MS_FL_OK and the number of objects walked in *@nfree, or the first fault in *@fault;
 * on a fault the objects walked before it stay marked free.  Never reads outside @view.
 */
enum ms_freelist_status ms_freelist_walk(const struct ms_slab_view *view,
					 const struct ms_fp_format *fmt, uint64_t head,
					 uint64_t *allocated, uint32_t *nfree,
					 struct ms_freelist_fault *fault);

/*
 * Try each encoding on the chain at @head and return the only one that walks it to its NULL
 * end, or into a loop back onto an object of the slab (a corrupt chain, but a decoded one).  A
 * chain of one object is enough: under a wrong encoding its stored value decodes to 64-bit
 * garbage, not to NULL or an object boundary.  MS_FP__COUNT when none or more than one fits, so
 * the caller tries another slab.  @fmt supplies random and offset; its encoding is
 * ignored.
 */
enum ms_fp_encoding ms_fp_detect(const struct ms_slab_view *view, const struct ms_fp_format *fmt,
				 uint64_t head);

/* Set the first @nr bits of @bitmap (of ms_bitmap_words(@nr) words) and clear the rest. */
void ms_bitmap_fill(uint64_t *bitmap, uint32_t nr);

static inline size_t ms_bitmap_words(uint32_t nr)
{
	return ((size_t)nr + 63) / 64;
}

#endif
