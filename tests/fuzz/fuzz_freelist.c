/*
 * fuzz_freelist.c - the SLUB freelist decoder on arbitrary slabs.
 *
 * The input gives the slab's geometry (first object, stride, object count), the free-pointer
 * format (encoding, random, offset), the head and the slab's bytes.  The bytes are copied
 * into a buffer of exactly first + nr * stride bytes, so a read outside the view is an
 * AddressSanitizer report.  In "chain" mode the target writes a chain of its own (object i
 * points to object next[i], taken from the input) in the chosen encoding first, and checks
 * that the walk follows it: to its NULL end, or to the loop it closes.
 */
#include "freelist.h"
#include "fuzz.h"

#define MAX_OBJECTS 4200	/* a bit over ms_fp_detect's 4096 */

static uint32_t count_free(const uint64_t *bitmap, uint32_t nr)
{
	uint32_t i, n = 0;

	for (i = 0; i < nr; i++)
		n += !((bitmap[i / 64] >> (i % 64)) & 1);
	return n;
}

FUZZ_TARGET(freelist)
{
	struct fz f = { data, size };
	struct ms_fp_format fmt;
	struct ms_slab_view v;
	struct ms_freelist_fault fault;
	uint8_t mode = fz_u8(&f), *buf;
	uint64_t head, *bitmap;
	uint32_t nfree, nr_max, i;
	size_t len;
	enum ms_freelist_status st;

	fmt.encoding = (enum ms_fp_encoding)(fz_u8(&f) % MS_FP__COUNT);
	fmt.random = mode & 1 ? fz_u64(&f) : 0;
	fmt.offset = mode & 2 ? fz_u32(&f) : fz_u8(&f);
	memset(&v, 0, sizeof(v));
	v.first = fz_u16(&f) % 512;
	v.stride = fz_u16(&f) % 8192;
	v.object_size = v.stride;
	nr_max = fz_u16(&f) % MAX_OBJECTS;
	v.addr = mode & 4 ? fz_u64(&f) : 0xffff888100000000ULL;
	head = fz_u64(&f);
	if (f.n < v.first)
		return 0;
	v.nr_objects = v.stride ? (uint32_t)((f.n - v.first) / v.stride) : nr_max;
	if (v.nr_objects > nr_max)
		v.nr_objects = nr_max;
	len = v.first + (size_t)v.nr_objects * v.stride;
	buf = malloc(len ? len : 1);
	bitmap = malloc(ms_bitmap_words(v.nr_objects) * sizeof(*bitmap) + 8);
	if (!buf || !bitmap)
		goto out;
	memcpy(buf, f.p, len);
	v.buf = buf;
	v.allocated = bitmap;

	/* Chain mode: the low 16 bits of each object's first word say where it points. */
	if ((mode & 8) && v.nr_objects && (uint64_t)fmt.offset + 8 <= v.stride) {
		for (i = 0; i < v.nr_objects; i++) {
			uint16_t k = 0;
			uint64_t next, slot = ms_slab_view_object_addr(&v, i) + fmt.offset, stored;

			memcpy(&k, buf + v.first + (size_t)i * v.stride, v.stride >= 2 ? 2 : 1);
			k %= v.nr_objects + 1;
			next = k ? ms_slab_view_object_addr(&v, k - 1) : 0;
			/* encode: the decoder's inverse for each format */
			stored = fmt.encoding == MS_FP_XOR ? next ^ fmt.random ^ slot :
				 fmt.encoding == MS_FP_XOR_SWAB ?
				 next ^ fmt.random ^ __builtin_bswap64(slot) : next;
			memcpy(buf + v.first + (size_t)i * v.stride + fmt.offset, &stored, 8);
		}
		head = ms_slab_view_object_addr(&v, (uint32_t)(head % v.nr_objects));
	} else if (!(mode & 16) && v.nr_objects) {
		/* a head on (or near) an object boundary, so walks get going */
		head = ms_slab_view_object_addr(&v, (uint32_t)(head % v.nr_objects)) +
		       (mode & 32 ? (head >> 32) % 16 : 0);
	}

	ms_bitmap_fill(bitmap, v.nr_objects);
	st = ms_freelist_walk(&v, &fmt, head, bitmap, &nfree, &fault);
	FUZZ_CHECK(st == MS_FL_OK || st == MS_FL_OUTSIDE || st == MS_FL_CYCLE, "status %d", st);
	FUZZ_CHECK(fault.status == st, "fault %d, status %d", fault.status, st);
	FUZZ_CHECK(nfree <= v.nr_objects, "%u free of %u", nfree, v.nr_objects);
	FUZZ_CHECK(count_free(bitmap, v.nr_objects) == nfree, "bitmap says %u, walk %u",
		   count_free(bitmap, v.nr_objects), nfree);
	if (v.nr_objects % 64)
		FUZZ_CHECK(!(bitmap[v.nr_objects / 64] >> (v.nr_objects % 64)),
			   "bits past the last object changed");
	if ((mode & 8) && v.nr_objects && (uint64_t)fmt.offset + 8 <= v.stride && v.addr &&
	    v.addr + len > v.addr) {
		/* A chain of our making is walked to its end or to the object it loops onto (in a
		 * slab that neither wraps around the address space nor holds address 0, NULL). */
		FUZZ_CHECK(st == MS_FL_OK || st == MS_FL_CYCLE, "own chain: %s",
			   ms_freelist_status_name(st));
		FUZZ_CHECK(nfree >= 1, "own chain walked %u", nfree);
	}
	FUZZ_CHECK(ms_fp_detect(&v, &fmt, head) <= MS_FP__COUNT, "detect out of range");
out:
	free(buf);
	free(bitmap);
	return 0;
}
