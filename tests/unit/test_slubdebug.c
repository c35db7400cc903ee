/*
 * test_slubdebug.c - red zones, poison and padding checked as check_object() does, on
 * synthetic slots of a kmalloc-64 cache under slub_debug=FZPU (and of one with poison only):
 * clean objects pass, and each kind of damage is reported with its area, offsets and bytes.
 */
#include <string.h>

#include "slubdebug.h"
#include "unit.h"

/*
 * The slot, from its first byte: a 16-byte left red zone, the 64-byte object, an 8-byte
 * right red zone (object_size .. inuse), the free pointer (8 bytes, outside the object), the
 * two tracks (2 x 32 bytes), orig_size (4 bytes, at +144 from the object), then 0x5a
 * padding up to the slot's end, 176 bytes from its start: +148 .. +160 from the object.
 */
#define LEFT 16
#define OSIZE 64
#define INUSE 72
#define ORIG_AT 144
#define META_END 148
#define SIZE 176
#define END (SIZE - LEFT)	/* the slot's end from the object's first byte */

static const struct ms_debug_layout fzpu = {
	.object_size = OSIZE, .inuse = INUSE, .size = SIZE, .red_left_pad = LEFT,
	.red_zone = 1, .poison = 1, .poison_objects = 1, .orig_size = ORIG_AT,
	.kmalloc_redzone = 1, .meta_end = META_END,
};

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * A slot as the kernel leaves it: allocated with @orig bytes asked for (its payload 0x11,
 * then 0xcc up to object_size), or free (0x6b ... 0xa5); red zones 0xcc or 0xbb; free
 * pointer and tracks anything; padding 0x5a.  Returns the object's first byte.
 */
static uint8_t *make_slot(const struct ms_debug_layout *l, uint8_t *slot, int allocated,
			  uint32_t orig)
{
	uint8_t *obj = slot + l->red_left_pad, red = allocated ? 0xcc : 0xbb;
	uint32_t i;

	memset(slot, 0x77, l->size);	/* free pointer and tracks: anything */
	memset(slot, red, l->red_left_pad);
	if (allocated) {
		memset(obj, 0x11, orig);
		memset(obj + orig, 0xcc, l->object_size - orig);
	} else {
		memset(obj, 0x6b, l->object_size - 1);
		obj[l->object_size - 1] = 0xa5;
	}
	for (i = l->object_size; i < l->inuse; i++)
		obj[i] = l->red_zone ? red : 0x5a;
	if (l->orig_size >= 0)
		put_le32(obj + l->orig_size, orig);
	memset(obj + l->meta_end, 0x5a, l->size - l->red_left_pad - l->meta_end);
	return obj;
}

static void test_layout_valid(void)
{
	struct ms_debug_layout l = fzpu;

	CU_ASSERT_TRUE(ms_debug_layout_valid(&l));
	l.red_zone = l.poison = 0;	/* nothing to check */
	CU_ASSERT_FALSE(ms_debug_layout_valid(&l));
	l = fzpu;
	l.inuse = OSIZE - 8;
	CU_ASSERT_FALSE(ms_debug_layout_valid(&l));
	l = fzpu;
	l.meta_end = END + 1;	/* past the slot */
	CU_ASSERT_FALSE(ms_debug_layout_valid(&l));
	l = fzpu;
	l.meta_end = END;	/* no padding at all: fine */
	CU_ASSERT_TRUE(ms_debug_layout_valid(&l));
	l = fzpu;
	l.orig_size = META_END - 2;	/* orig_size past the metadata */
	CU_ASSERT_FALSE(ms_debug_layout_valid(&l));
	l = fzpu;
	l.object_size = 0;
	CU_ASSERT_FALSE(ms_debug_layout_valid(&l));
	CU_ASSERT_STRING_EQUAL(ms_debug_area_name(MS_DBG_RIGHT_REDZONE), "right red zone");
	CU_ASSERT_STRING_EQUAL(ms_debug_area_name(MS_DBG_KMALLOC_REDZONE), "kmalloc red zone");
	CU_ASSERT_STRING_EQUAL(ms_debug_area_name(MS_DBG__COUNT), "?");
}

static void test_clean_objects(void)
{
	uint8_t slot[SIZE];
	struct ms_debug_fault f;
	uint8_t *obj;

	obj = make_slot(&fzpu, slot, 1, 50);
	CU_ASSERT_EQUAL(ms_debug_check(&fzpu, obj, 1, &f), 0);
	obj = make_slot(&fzpu, slot, 1, OSIZE);	/* asked for all of it: no kmalloc red zone */
	CU_ASSERT_EQUAL(ms_debug_check(&fzpu, obj, 1, &f), 0);
	obj = make_slot(&fzpu, slot, 0, 50);
	CU_ASSERT_EQUAL(ms_debug_check(&fzpu, obj, 0, &f), 0);
	/* the free pointer and tracks (+72 .. +148) are never checked */
	memset(obj + INUSE, 0, META_END - INUSE);
	CU_ASSERT_EQUAL(ms_debug_check(&fzpu, obj, 0, &f), 0);
	/* an allocated object's payload is anything */
	obj = make_slot(&fzpu, slot, 1, 50);
	memset(obj, 0xbb, 50);
	CU_ASSERT_EQUAL(ms_debug_check(&fzpu, obj, 1, &f), 0);
}

/* Bytes written past the object's end: the right red zone. */
static void test_right_redzone_overrun(void)
{
	uint8_t slot[SIZE];
	struct ms_debug_findings out;
	struct ms_debug_fault f;
	const struct ms_debug_finding *k;
	uint8_t *obj = make_slot(&fzpu, slot, 1, OSIZE);

	memset(obj + OSIZE, 0x41, 4);	/* 4 bytes past the end */
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, obj, 1, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_RIGHT_REDZONE);
	CU_ASSERT_EQUAL(f.start, OSIZE);
	CU_ASSERT_EQUAL(f.length, INUSE - OSIZE);
	CU_ASSERT_EQUAL(f.first_bad, OSIZE);
	CU_ASSERT_EQUAL(f.bad_bytes, 4);
	CU_ASSERT_EQUAL(f.expected, 0xcc);
	CU_ASSERT_EQUAL(f.found, 0x41);

	memset(&out, 0, sizeof(out));
	ms_debug_findings_add(&out, &fzpu, obj, 0xffff888004001010ULL, 1, 3);
	CU_ASSERT_EQUAL(out.checked_allocated, 1);
	CU_ASSERT_EQUAL(out.objects_bad, 1);
	CU_ASSERT_EQUAL(out.by_area[MS_DBG_RIGHT_REDZONE], 1);
	CU_ASSERT_EQUAL_FATAL(out.nr, 1);
	k = &out.first[0];
	CU_ASSERT_EQUAL(k->object, 0xffff888004001010ULL);
	CU_ASSERT_EQUAL(k->cluster, 3);
	CU_ASSERT_TRUE(k->allocated);
	/* the area's bytes from the first wrong one to its end: 41 41 41 41 cc cc cc cc */
	CU_ASSERT_EQUAL(k->nr_bytes, 8);
	CU_ASSERT_EQUAL(k->bytes[0], 0x41);
	CU_ASSERT_EQUAL(k->bytes[3], 0x41);
	CU_ASSERT_EQUAL(k->bytes[4], 0xcc);
	CU_ASSERT_EQUAL(k->bytes[7], 0xcc);

	/* a free object overrun (use after free): 0xbb expected, one byte in the middle */
	obj = make_slot(&fzpu, slot, 0, 0);
	obj[OSIZE + 5] = 0xcc;
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, obj, 0, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_RIGHT_REDZONE);
	CU_ASSERT_EQUAL(f.first_bad, OSIZE + 5);
	CU_ASSERT_EQUAL(f.bad_bytes, 1);
	CU_ASSERT_EQUAL(f.expected, 0xbb);
	CU_ASSERT_EQUAL(f.found, 0xcc);
}

/* Past the size asked for but within object_size: the kmalloc red zone (v6.2+). */
static void test_kmalloc_redzone(void)
{
	uint8_t slot[SIZE];
	struct ms_debug_layout l = fzpu;
	struct ms_debug_findings out;
	struct ms_debug_fault f;
	uint8_t *obj = make_slot(&fzpu, slot, 1, 50);

	memset(obj + 50, 0x00, 8);	/* 8 bytes past the 50 asked for */
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, obj, 1, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_KMALLOC_REDZONE);
	CU_ASSERT_EQUAL(f.start, 50);
	CU_ASSERT_EQUAL(f.length, OSIZE - 50);
	CU_ASSERT_EQUAL(f.first_bad, 50);
	CU_ASSERT_EQUAL(f.bad_bytes, 8);
	CU_ASSERT_EQUAL(f.expected, 0xcc);
	CU_ASSERT_EQUAL(f.found, 0x00);
	memset(&out, 0, sizeof(out));
	ms_debug_findings_add(&out, &fzpu, obj, 0x1000, 1, -1);
	CU_ASSERT_EQUAL(out.by_area[MS_DBG_KMALLOC_REDZONE], 1);
	CU_ASSERT_EQUAL(out.first[0].nr_bytes, OSIZE - 50);	/* 14: all fit */
	CU_ASSERT_EQUAL(out.first[0].bytes[7], 0x00);
	CU_ASSERT_EQUAL(out.first[0].bytes[8], 0xcc);
	CU_ASSERT_EQUAL(out.first[0].cluster, -1);
	/* v6.1 kept the size but filled nothing */
	l.kmalloc_redzone = 0;
	CU_ASSERT_EQUAL(ms_debug_check(&l, obj, 1, &f), 0);
	/* a free object's orig_size means nothing: only its poison counts */
	obj = make_slot(&fzpu, slot, 0, 50);
	CU_ASSERT_EQUAL(ms_debug_check(&fzpu, obj, 0, &f), 0);
	/* no orig_size: no kmalloc red zone */
	l = fzpu;
	l.orig_size = -1;
	obj = make_slot(&fzpu, slot, 1, 50);
	memset(obj + 50, 0x00, 8);
	CU_ASSERT_EQUAL(ms_debug_check(&l, obj, 1, &f), 0);
	/* the right red zone is checked first: overrun past both, the right one reported */
	obj = make_slot(&fzpu, slot, 1, 50);
	memset(obj + 50, 0x00, 20);
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, obj, 1, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_RIGHT_REDZONE);
	CU_ASSERT_EQUAL(f.bad_bytes, 6);	/* 50 + 20 = 70: +64 .. +69 */
}

static void test_poison(void)
{
	uint8_t slot[SIZE];
	struct ms_debug_layout l = fzpu;
	struct ms_debug_fault f;
	uint8_t *obj = make_slot(&fzpu, slot, 0, 0);

	obj[10] = 0x00;	/* written after it was freed */
	obj[20] = 0x42;
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, obj, 0, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_POISON);
	CU_ASSERT_EQUAL(f.start, 0);
	CU_ASSERT_EQUAL(f.length, OSIZE - 1);
	CU_ASSERT_EQUAL(f.first_bad, 10);
	CU_ASSERT_EQUAL(f.bad_bytes, 2);
	CU_ASSERT_EQUAL(f.expected, 0x6b);
	CU_ASSERT_EQUAL(f.found, 0x00);
	/* the last byte must be POISON_END */
	obj = make_slot(&fzpu, slot, 0, 0);
	obj[OSIZE - 1] = 0x6b;
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, obj, 0, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_POISON);
	CU_ASSERT_EQUAL(f.start, OSIZE - 1);
	CU_ASSERT_EQUAL(f.length, 1);
	CU_ASSERT_EQUAL(f.first_bad, OSIZE - 1);
	CU_ASSERT_EQUAL(f.expected, 0xa5);
	CU_ASSERT_EQUAL(f.found, 0x6b);
	/* a cache with a constructor (or TYPESAFE_BY_RCU) keeps no poison in its objects */
	l.poison_objects = 0;
	obj = make_slot(&fzpu, slot, 0, 0);
	memset(obj, 0x33, OSIZE);
	CU_ASSERT_EQUAL(ms_debug_check(&l, obj, 0, &f), 0);
	/* an allocated object holds no poison */
	CU_ASSERT_EQUAL(ms_debug_check(&fzpu, make_slot(&fzpu, slot, 1, OSIZE), 1, &f), 0);
}

static void test_left_redzone_and_padding(void)
{
	uint8_t slot[SIZE];
	struct ms_debug_fault f;
	uint8_t *obj = make_slot(&fzpu, slot, 1, OSIZE);

	obj[-3] = 0x00;	/* an underrun */
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, obj, 1, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_LEFT_REDZONE);
	CU_ASSERT_EQUAL(f.start, -LEFT);
	CU_ASSERT_EQUAL(f.length, LEFT);
	CU_ASSERT_EQUAL(f.first_bad, -3);
	CU_ASSERT_EQUAL(f.bad_bytes, 1);
	CU_ASSERT_EQUAL(f.found, 0x00);
	CU_ASSERT_EQUAL(f.expected, 0xcc);
	/* an allocated object's red zones checked as a free one's: all 16 bytes wrong */
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, make_slot(&fzpu, slot, 1, OSIZE), 0, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_LEFT_REDZONE);
	CU_ASSERT_EQUAL(f.first_bad, -LEFT);
	CU_ASSERT_EQUAL(f.bad_bytes, LEFT);
	CU_ASSERT_EQUAL(f.expected, 0xbb);
	CU_ASSERT_EQUAL(f.found, 0xcc);
	/* the padding after the metadata */
	obj = make_slot(&fzpu, slot, 1, OSIZE);
	obj[META_END + 2] = 0x5b;
	obj[END - 1] = 0x00;
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&fzpu, obj, 1, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_PADDING);
	CU_ASSERT_EQUAL(f.start, META_END);
	CU_ASSERT_EQUAL(f.length, END - META_END);
	CU_ASSERT_EQUAL(f.first_bad, META_END + 2);
	CU_ASSERT_EQUAL(f.bad_bytes, 2);
	CU_ASSERT_EQUAL(f.expected, 0x5a);
	CU_ASSERT_EQUAL(f.found, 0x5b);
}

/* slub_debug=P alone: no red zones; object_size .. inuse is 0x5a alignment padding. */
static void test_poison_only(void)
{
	const struct ms_debug_layout p = {
		.object_size = 60, .inuse = 64, .size = 96, .red_left_pad = 0, .red_zone = 0,
		.poison = 1, .poison_objects = 1, .orig_size = -1, .meta_end = 72,
	};
	uint8_t slot[96];
	struct ms_debug_fault f;
	uint8_t *obj;

	CU_ASSERT_TRUE(ms_debug_layout_valid(&p));
	obj = make_slot(&p, slot, 1, 60);
	CU_ASSERT_EQUAL(ms_debug_check(&p, obj, 1, &f), 0);
	obj = make_slot(&p, slot, 0, 0);
	CU_ASSERT_EQUAL(ms_debug_check(&p, obj, 0, &f), 0);
	obj[61] = 0xcc;
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&p, obj, 0, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_ALIGN_PADDING);
	CU_ASSERT_EQUAL(f.start, 60);
	CU_ASSERT_EQUAL(f.length, 4);
	CU_ASSERT_EQUAL(f.first_bad, 61);
	CU_ASSERT_EQUAL(f.expected, 0x5a);
	obj = make_slot(&p, slot, 1, 60);
	obj[95] = 0;	/* the last byte of the slot's padding (+72 .. +96) */
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&p, obj, 1, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_PADDING);
	CU_ASSERT_EQUAL(f.first_bad, 95);
	CU_ASSERT_EQUAL(f.length, 24);
}

/* slub_debug=Z alone: red zones, but no poison and no padding check. */
static void test_redzone_only(void)
{
	struct ms_debug_layout z = fzpu;
	uint8_t slot[SIZE];
	struct ms_debug_fault f;
	uint8_t *obj = make_slot(&fzpu, slot, 0, 0);

	z.poison = z.poison_objects = 0;
	memset(obj, 0x00, OSIZE);			/* no poison expected */
	memset(obj + META_END, 0x00, END - META_END);	/* nor padding */
	CU_ASSERT_EQUAL(ms_debug_check(&z, obj, 0, &f), 0);
	obj[INUSE - 1] = 0;
	CU_ASSERT_EQUAL_FATAL(ms_debug_check(&z, obj, 0, &f), 1);
	CU_ASSERT_EQUAL(f.area, MS_DBG_RIGHT_REDZONE);
	CU_ASSERT_EQUAL(f.first_bad, INUSE - 1);
}

/* 20 damaged objects among clean ones, met in no address order: the first 16 kept, sorted. */
static void test_findings_counts_and_order(void)
{
	struct ms_debug_findings out;
	uint8_t slot[SIZE];
	uint64_t base = 0xffff888004000000ULL, addr;
	size_t i;
	int n = 0;

	memset(&out, 0, sizeof(out));
	for (i = 0; i < 40; i++) {
		int allocated = i % 4 != 3;
		uint8_t *obj = make_slot(&fzpu, slot, allocated, allocated ? 40 : 0);

		/* addresses descending, so the kept ones must be sorted */
		addr = base + (40 - i) * SIZE + LEFT;
		if (i % 2 == 0) {	/* every other one damaged, all allocated (i % 4 is 0 or 2) */
			if (n % 3 == 0)
				obj[OSIZE] = 0;			/* right red zone */
			else if (n % 3 == 1)
				obj[45] = 0;			/* kmalloc red zone */
			else
				obj[META_END] = 0;		/* padding */
			n++;
		}
		ms_debug_findings_add(&out, &fzpu, obj, addr, allocated, (long)(i % 3));
	}
	ms_debug_findings_finish(&out);
	CU_ASSERT_EQUAL(n, 20);
	CU_ASSERT_EQUAL(out.checked_allocated, 30);
	CU_ASSERT_EQUAL(out.checked_free, 10);
	CU_ASSERT_EQUAL(out.objects_bad, 20);	/* counted past the 16 kept */
	CU_ASSERT_EQUAL(out.nr, MS_DEBUG_KEEP);
	/* the 20 go right, kmalloc, padding in turn: 7, 7 and 6 */
	CU_ASSERT_EQUAL(out.by_area[MS_DBG_RIGHT_REDZONE], 7);
	CU_ASSERT_EQUAL(out.by_area[MS_DBG_KMALLOC_REDZONE], 7);
	CU_ASSERT_EQUAL(out.by_area[MS_DBG_PADDING], 6);
	CU_ASSERT_EQUAL(out.by_area[MS_DBG_POISON], 0);
	/* the first 16 met (i = 0, 2, ..., 30) at ascending addresses: i = 30 first */
	for (i = 0; i < out.nr; i++) {
		uint64_t want_i = 30 - 2 * i;

		CU_ASSERT_EQUAL(out.first[i].object, base + (40 - want_i) * SIZE + LEFT);
		CU_ASSERT_EQUAL(out.first[i].cluster, (long)(want_i % 3));
		if (i)
			CU_ASSERT(out.first[i - 1].object < out.first[i].object);
	}
	/* i = 30, 28, 26 were damaged as n = 15, 14, 13: right, padding, kmalloc */
	CU_ASSERT_EQUAL(out.first[0].fault.area, MS_DBG_RIGHT_REDZONE);
	CU_ASSERT_EQUAL(out.first[1].fault.area, MS_DBG_PADDING);
	CU_ASSERT_EQUAL(out.first[1].fault.first_bad, META_END);
	CU_ASSERT_EQUAL(out.first[2].fault.area, MS_DBG_KMALLOC_REDZONE);
	CU_ASSERT_EQUAL(out.first[2].fault.first_bad, 45);
	CU_ASSERT_EQUAL(out.first[2].fault.start, 40);
	/* i = 0, the first met (n = 0): right red zone, now last */
	CU_ASSERT_EQUAL(out.first[MS_DEBUG_KEEP - 1].fault.area, MS_DBG_RIGHT_REDZONE);
}

/*
 * orig_size an unsigned int (the 4 bytes after it 0x5a padding) or an unsigned long (its high
 * half 0): each object's bytes vote for a width.
 */
static void test_orig_size_width_vote(void)
{
	struct ms_debug_layout l = fzpu;
	uint8_t slot[SIZE];
	uint8_t *obj = make_slot(&fzpu, slot, 1, 50);

	/* 50, then the padding: 32 bits */
	CU_ASSERT_EQUAL(obj[ORIG_AT + 4], 0x5a);
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&fzpu, obj), 4);
	/* 50 as an unsigned long: 64 bits */
	memset(obj + ORIG_AT + 4, 0, 4);
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&fzpu, obj), 8);
	/* neither: a high half of something else, a size 0 or past object_size */
	obj[ORIG_AT + 5] = 0x12;
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&fzpu, obj), 0);
	obj = make_slot(&fzpu, slot, 1, 0);
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&fzpu, obj), 0);
	obj = make_slot(&fzpu, slot, 1, OSIZE);
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&fzpu, obj), 4);
	obj[ORIG_AT] = OSIZE + 1;
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&fzpu, obj), 0);
	/* no poison (nothing tells the widths apart), no orig_size, no room for 8 bytes */
	obj = make_slot(&fzpu, slot, 1, 50);
	l.poison = 0;
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&l, obj), 0);
	l = fzpu;
	l.orig_size = -1;
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&l, obj), 0);
	l = fzpu;
	l.orig_size = END - 6;
	CU_ASSERT_EQUAL(ms_debug_orig_size_vote(&l, obj), 0);
	/* the width in the layout: 8 bytes must end within the metadata; 4 or 8 only */
	l = fzpu;
	l.orig_size_len = 8;
	CU_ASSERT_FALSE(ms_debug_layout_valid(&l));	/* 144 + 8 > 148 */
	l.meta_end = ORIG_AT + 8;
	CU_ASSERT_TRUE(ms_debug_layout_valid(&l));
	l.orig_size_len = 4;
	CU_ASSERT_TRUE(ms_debug_layout_valid(&l));
	l.orig_size_len = 6;
	CU_ASSERT_FALSE(ms_debug_layout_valid(&l));
}

static CU_TestInfo slubdebug_tests[] = {
	{ "layout validity and area names", test_layout_valid },
	{ "clean objects", test_clean_objects },
	{ "right red zone overrun", test_right_redzone_overrun },
	{ "kmalloc red zone", test_kmalloc_redzone },
	{ "poison of a free object", test_poison },
	{ "left red zone and padding", test_left_redzone_and_padding },
	{ "poison only: alignment padding", test_poison_only },
	{ "red zone only", test_redzone_only },
	{ "findings: counts and the first ones by address", test_findings_counts_and_order },
	{ "orig_size's width, from the bytes", test_orig_size_width_vote },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(slubdebug, slubdebug_tests)
