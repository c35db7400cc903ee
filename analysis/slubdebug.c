/*
 * slubdebug.c - red zone, poison and padding checks of slub_debug objects (see slubdebug.h).
 */
#include <stdlib.h>
#include <string.h>

#include "slubdebug.h"

const char *ms_debug_area_name(enum ms_debug_area area)
{
	static const char *const names[MS_DBG__COUNT] = {
		[MS_DBG_LEFT_REDZONE] = "left red zone",
		[MS_DBG_RIGHT_REDZONE] = "right red zone",
		[MS_DBG_KMALLOC_REDZONE] = "kmalloc red zone",
		[MS_DBG_POISON] = "poison",
		[MS_DBG_ALIGN_PADDING] = "alignment padding",
		[MS_DBG_PADDING] = "padding",
	};

	return (unsigned)area < MS_DBG__COUNT ? names[area] : "?";
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int ms_debug_layout_valid(const struct ms_debug_layout *l)
{
	if (!l->red_zone && !l->poison)
		return 0;
	if (!l->object_size || l->inuse < l->object_size || l->size < l->red_left_pad)
		return 0;
	if (l->meta_end < l->inuse || l->meta_end > l->size - l->red_left_pad)
		return 0;
	if (l->orig_size_len && l->orig_size_len != 4 && l->orig_size_len != 8)
		return 0;
	return l->orig_size < 0 ||
	       (uint32_t)l->orig_size + (l->orig_size_len ? l->orig_size_len : 4) <= l->meta_end;
}

int ms_debug_orig_size_vote(const struct ms_debug_layout *l, const uint8_t *obj)
{
	const uint8_t *p;
	uint32_t size, high;

	if (l->orig_size < 0 || !l->poison ||
	    (uint32_t)l->orig_size + 8 > l->size - l->red_left_pad)
		return 0;
	p = obj + l->orig_size;
	size = get_le32(p);
	high = get_le32(p + 4);
	if (!size || size > l->object_size)
		return 0;
	if (high == 0)
		return 8;
	if (high == 0x5a5a5a5au)
		return 4;
	return 0;
}

/* Bytes of [@p, @p + @n) that are not @want: their number and the first one's offset. */
static uint32_t wrong_bytes(const uint8_t *p, uint32_t n, uint8_t want, uint32_t *first)
{
	uint32_t i, bad = 0;

	for (i = 0; i < n; i++)
		if (p[i] != want && !bad++)
			*first = i;
	return bad;
}

static int check_area(const uint8_t *obj, int32_t start, uint32_t length, uint8_t want,
		      enum ms_debug_area area, struct ms_debug_fault *f)
{
	uint32_t first = 0, bad;

	if (!length)
		return 0;
	bad = wrong_bytes(obj + start, length, want, &first);
	if (!bad)
		return 0;
	f->area = area;
	f->start = start;
	f->length = length;
	f->first_bad = start + (int32_t)first;
	f->bad_bytes = bad;
	f->expected = want;
	f->found = obj[start + (int32_t)first];
	return 1;
}

int ms_debug_check(const struct ms_debug_layout *l, const uint8_t *obj, int allocated,
		   struct ms_debug_fault *f)
{
	uint8_t red = allocated ? MS_SLUB_RED_ACTIVE : MS_SLUB_RED_INACTIVE;
	uint32_t slot_end = l->size - l->red_left_pad;

	if (l->red_zone) {
		if (check_area(obj, -(int32_t)l->red_left_pad, l->red_left_pad, red,
			       MS_DBG_LEFT_REDZONE, f) ||
		    check_area(obj, l->object_size, l->inuse - l->object_size, red,
			       MS_DBG_RIGHT_REDZONE, f))
			return 1;
		if (allocated && l->orig_size >= 0 && l->kmalloc_redzone) {
			uint32_t orig = get_le32(obj + l->orig_size);

			if (orig < l->object_size &&
			    check_area(obj, orig, l->object_size - orig, red, MS_DBG_KMALLOC_REDZONE, f))
				return 1;
		}
	} else if (l->poison &&
		   check_area(obj, l->object_size, l->inuse - l->object_size, MS_POISON_INUSE,
			      MS_DBG_ALIGN_PADDING, f)) {
		return 1;
	}
	if (!l->poison)
		return 0;
	if (!allocated && l->poison_objects &&
	    (check_area(obj, 0, l->object_size - 1, MS_POISON_FREE, MS_DBG_POISON, f) ||
	     check_area(obj, l->object_size - 1, 1, MS_POISON_END, MS_DBG_POISON, f)))
		return 1;
	return check_area(obj, l->meta_end, slot_end - l->meta_end, MS_POISON_INUSE,
			  MS_DBG_PADDING, f);
}

void ms_debug_findings_add(struct ms_debug_findings *out, const struct ms_debug_layout *l,
			   const uint8_t *obj, uint64_t addr, int allocated, long cluster)
{
	struct ms_debug_fault f;
	struct ms_debug_finding *k;
	uint32_t n;

	if (allocated)
		out->checked_allocated++;
	else
		out->checked_free++;
	if (!ms_debug_check(l, obj, allocated, &f))
		return;
	out->objects_bad++;
	out->by_area[f.area]++;
	if (out->nr >= MS_DEBUG_KEEP)
		return;
	k = &out->first[out->nr++];
	k->object = addr;
	k->allocated = allocated;
	k->cluster = cluster;
	k->fault = f;
	n = (uint32_t)(f.start + (int32_t)f.length - f.first_bad);
	k->nr_bytes = n < sizeof(k->bytes) ? n : sizeof(k->bytes);
	memcpy(k->bytes, obj + f.first_bad, k->nr_bytes);
}

static int finding_cmp(const void *a, const void *b)
{
	const struct ms_debug_finding *x = a, *y = b;

	return x->object < y->object ? -1 : x->object > y->object;
}

void ms_debug_findings_finish(struct ms_debug_findings *out)
{
	qsort(out->first, out->nr, sizeof(out->first[0]), finding_cmp);
}
