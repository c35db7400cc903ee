/* freelist.c - SLUB freelist decoding and walking; see freelist.h. */
#include <string.h>

#include "freelist.h"

const char *ms_fp_encoding_name(enum ms_fp_encoding enc)
{
	switch (enc) {
	case MS_FP_PLAIN:
		return "plain";
	case MS_FP_XOR:
		return "hardened";
	case MS_FP_XOR_SWAB:
		return "hardened+swab";
	default:
		return "unknown";
	}
}

const char *ms_freelist_status_name(enum ms_freelist_status status)
{
	switch (status) {
	case MS_FL_OK:
		return "ok";
	case MS_FL_OUTSIDE:
		return "pointer outside the slab";
	case MS_FL_CYCLE:
		return "cycle";
	}
	return "unknown";
}

uint64_t ms_fp_decode(const struct ms_fp_format *fmt, uint64_t stored, uint64_t slot_addr)
{
	switch (fmt->encoding) {
	case MS_FP_XOR:
		return stored ^ fmt->random ^ slot_addr;
	case MS_FP_XOR_SWAB:
		return stored ^ fmt->random ^ __builtin_bswap64(slot_addr);
	default:
		return stored;
	}
}

void ms_bitmap_fill(uint64_t *bitmap, uint32_t nr)
{
	size_t words = ms_bitmap_words(nr);

	memset(bitmap, 0xff, words * sizeof(uint64_t));
	if (nr % 64)
		bitmap[words - 1] = (1ULL << (nr % 64)) - 1;
}

/*
 * Index of the object at @ptr, or -1 when @ptr is not an object start of @view.  A view of
 * stride 0 has no object starts (nothing to divide by).
 */
static int64_t object_index(const struct ms_slab_view *view, uint64_t ptr)
{
	uint64_t start = view->addr + view->first;
	uint64_t rel;

	if (!view->stride || ptr < start)
		return -1;
	rel = ptr - start;
	if (rel % view->stride || rel / view->stride >= view->nr_objects)
		return -1;
	return (int64_t)(rel / view->stride);
}

static void set_fault(struct ms_freelist_fault *fault, enum ms_freelist_status status,
		      uint64_t bad, uint64_t holder)
{
	if (fault) {
		fault->status = status;
		fault->bad_pointer = bad;
		fault->holder = holder;
	}
}

enum ms_freelist_status ms_freelist_walk(const struct ms_slab_view *view,
					 const struct ms_fp_format *fmt, uint64_t head,
					 uint64_t *allocated, uint32_t *nfree,
					 struct ms_freelist_fault *fault)
{
	uint64_t ptr = head, holder = 0;
	uint32_t walked = 0;

	*nfree = 0;
	while (ptr) {
		int64_t i = object_index(view, ptr);
		uint64_t stored;

		if (i < 0 || fmt->offset + sizeof(stored) > view->stride) {
			set_fault(fault, MS_FL_OUTSIDE, ptr, holder);
			return MS_FL_OUTSIDE;
		}
		/* A free object already seen means the chain loops back on itself. */
		if (!((allocated[i / 64] >> (i % 64)) & 1) || walked >= view->nr_objects) {
			set_fault(fault, MS_FL_CYCLE, ptr, holder);
			return MS_FL_CYCLE;
		}
		allocated[i / 64] &= ~(1ULL << (i % 64));
		walked++;
		*nfree = walked;
		memcpy(&stored, view->buf + view->first + (uint64_t)i * view->stride + fmt->offset,
		       sizeof(stored));
		holder = ptr;
		ptr = ms_fp_decode(fmt, stored, ptr + fmt->offset);
	}
	set_fault(fault, MS_FL_OK, 0, 0);
	return MS_FL_OK;
}

enum ms_fp_encoding ms_fp_detect(const struct ms_slab_view *view, const struct ms_fp_format *fmt,
				 uint64_t head)
{
	uint64_t scratch[64];	/* 4096 objects: more than any slab holds */
	enum ms_fp_encoding found = MS_FP__COUNT;
	struct ms_fp_format trial = *fmt;
	int fits = 0;

	if (view->nr_objects > 64 * 64 || !head)
		return MS_FP__COUNT;
	for (trial.encoding = 0; trial.encoding < MS_FP__COUNT; trial.encoding++) {
		uint32_t nfree;

		ms_bitmap_fill(scratch, view->nr_objects);
		enum ms_freelist_status st;

		st = ms_freelist_walk(view, &trial, head, scratch, &nfree, NULL);
		/* A loop back onto an object of this slab is decoding too: garbage never lands
		 * on an object boundary. */
		if (st == MS_FL_OK || st == MS_FL_CYCLE) {
			found = trial.encoding;
			fits++;
		}
	}
	return fits == 1 ? found : MS_FP__COUNT;
}
