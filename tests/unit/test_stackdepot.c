/*
 * test_stackdepot.c - stack-depot handles back to their frames, on synthetic depot memory
 * for the three layouts: v6.1 (slabindex:16 offset:10 valid:1 extra:5, stack_slabs[]),
 * v6.12 (pool_index_plus_1:17 offset:10 extra:5, stack_pools[]) and v7.x (the same handle,
 * stack_pools a pointer to an array sized at boot), and every status a fetch can give.
 */
#include <stdlib.h>
#include <string.h>

#include "stackdepot.h"
#include "unit.h"

#define POOL_SIZE 16384u		/* 4 pages */
#define ARRAY 0xffffffff82400000ULL	/* stack_pools[] (or what the 7.x pointer points to) */
#define ARRAY_PTR 0xffffffff82500000ULL	/* 7.x: stack_pools, a pointer */
#define NOWHERE 0xffffffff82600000ULL	/* nothing readable there */
#define POOL0 0xffff888040000000ULL	/* only its first 4 KiB in the dump */
#define POOL1 0xffff888040010000ULL
#define POOL3 0xffff888050000000ULL	/* not in the dump */
#define NR_POOLS 4			/* pool 2 was never allocated: NULL */
#define FN(n) (0xffffffff81000000ULL + 0x100 * (uint64_t)(n))

/* ---- a fake kernel memory: a few regions, and a read callback over them ---- */

struct region {
	uint64_t addr;
	size_t len;
	uint8_t *bytes;
};

struct mem {
	struct region r[4];
	int n;
};

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct mem *m = ctx;
	int i;

	for (i = 0; i < m->n; i++)
		if (addr >= m->r[i].addr && addr - m->r[i].addr + len <= m->r[i].len) {
			memcpy(buf, m->r[i].bytes + (addr - m->r[i].addr), len);
			return 1;
		}
	return 0;
}

static uint8_t *mem_add(struct mem *m, uint64_t addr, size_t len)
{
	struct region *r = &m->r[m->n++];

	r->addr = addr;
	r->len = len;
	r->bytes = calloc(1, len);
	return r->bytes;
}

static void mem_free(struct mem *m)
{
	int i;

	for (i = 0; i < m->n; i++)
		free(m->r[i].bytes);
	m->n = 0;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- the three layouts ---- */

enum kver { K61, K612, K7X };

static struct ms_depot_layout layout_of(enum kver k)
{
	struct ms_depot_layout d = {
		.nr_pools = NR_POOLS, .offset_bits = 10, .align = 4, .pool_size = POOL_SIZE,
		.max_frames = 64,
	};

	if (k == K61) {
		/* struct stack_record { next; u32 hash; u32 size; handle; entries[] } */
		d.pools = ARRAY;
		d.index_shift = 0;
		d.index_bits = 16;
		d.offset_shift = 16;
		d.extra_mask = 0x1fu << 27;	/* after valid:1 at bit 26 */
		d.rec_size = 12;
		d.rec_handle = 16;
		d.rec_entries = 24;
	} else {
		/* { list_head hash_list; u32 hash; u32 size; handle; refcount_t count; entries[64] } */
		d.pools = k == K7X ? ARRAY_PTR : ARRAY;
		d.pools_indirect = k == K7X;
		d.index_shift = 0;
		d.index_bits = 17;
		d.index_plus_one = 1;
		d.offset_shift = 17;
		d.extra_mask = 0x1fu << 27;
		d.rec_size = 20;
		d.rec_handle = 24;
		d.rec_entries = 32;
	}
	return d;
}

/* The handle of pool @index, offset @off (in 16-byte units), extra bits @extra. */
static uint32_t handle_of(enum kver k, uint32_t index, uint32_t off, uint32_t extra)
{
	if (k == K61)
		return index | off << 16 | 1u << 26 | extra << 27;
	return (index + 1) | off << 17 | extra << 27;
}

struct depot {
	struct mem mem;
	struct ms_env env;
	struct ms_depot_layout d;
	uint8_t *pool0, *pool1;
};

/* A record at byte @at of @pool: @nr frames FN(first)..., its own handle @self. */
static void put_record(const struct ms_depot_layout *d, uint8_t *pool, uint32_t at, uint32_t self,
		       uint32_t nr, unsigned first)
{
	uint8_t *p = pool + at;
	uint32_t i;

	memset(p, 0xee, d->rec_entries);	/* list links, hash, refcount: anything */
	put_le(p + d->rec_size, nr, 4);
	put_le(p + d->rec_handle, self, 4);
	for (i = 0; i < nr && i < 64; i++)
		put_le(p + d->rec_entries + 8 * i, FN(first + i), 8);
}

static void depot_init(struct depot *dp, enum kver k)
{
	uint8_t *array;

	memset(dp, 0, sizeof(*dp));
	dp->d = layout_of(k);
	dp->env = (struct ms_env){ .ctx = &dp->mem, .read = mem_read };
	array = mem_add(&dp->mem, ARRAY, 8 * NR_POOLS);
	put_le(array + 0, POOL0, 8);
	put_le(array + 8, POOL1, 8);
	put_le(array + 16, 0, 8);
	put_le(array + 24, POOL3, 8);
	if (k == K7X)
		put_le(mem_add(&dp->mem, ARRAY_PTR, 8), ARRAY, 8);
	dp->pool0 = mem_add(&dp->mem, POOL0, 4096);
	dp->pool1 = mem_add(&dp->mem, POOL1, POOL_SIZE);
	/* pool 1, offset 5 units (byte 0x50): 5 frames */
	put_record(&dp->d, dp->pool1, 5 << 4, handle_of(k, 1, 5, 0), 5, 10);
	/* a decoy at byte 5, which a byte offset would read: the same handle, other frames */
	put_record(&dp->d, dp->pool1, 5, handle_of(k, 1, 5, 0), 3, 90);
	/* pool 0, offset 0: 3 frames */
	put_record(&dp->d, dp->pool0, 0, handle_of(k, 0, 0, 0), 3, 20);
	/* pool 0, offset 8 units: a record that says it is offset 9's */
	put_record(&dp->d, dp->pool0, 8 << 4, handle_of(k, 0, 9, 0), 4, 30);
	/* pool 0, offset 16 and 32 units: sizes 0 and 65 */
	put_record(&dp->d, dp->pool0, 16 << 4, handle_of(k, 0, 16, 0), 0, 40);
	put_record(&dp->d, dp->pool0, 32 << 4, handle_of(k, 0, 32, 0), 65, 40);
	/* pool 0, offset 254 units (byte 0xfe0): its head in the dump, its entries past the
	 * 4 KiB that are */
	put_le(dp->pool0 + 0xfe0 + dp->d.rec_size, 5, 4);
	put_le(dp->pool0 + 0xfe0 + dp->d.rec_handle, handle_of(k, 0, 254, 0), 4);
}

static int fetch(const struct depot *dp, uint32_t handle, uint64_t *frames, uint32_t max,
		 uint32_t *nr)
{
	*nr = 12345;
	return ms_depot_fetch(&dp->d, &dp->env, handle, frames, max, nr);
}

static void check_fetch_ok(enum kver k)
{
	struct depot dp;
	uint64_t frames[64];
	uint32_t nr, i;

	depot_init(&dp, k);
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 1, 5, 0), frames, 64, &nr), MS_DEPOT_OK);
	CU_ASSERT_EQUAL(nr, 5);
	/* FN(10).. from pool + (5 << 4), not the decoy's FN(90) at pool + 5 */
	for (i = 0; i < 5 && i < nr; i++)
		CU_ASSERT_EQUAL(frames[i], FN(10 + i));
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 0, 0, 0), frames, 64, &nr), MS_DEPOT_OK);
	CU_ASSERT_EQUAL(nr, 3);
	CU_ASSERT_EQUAL(frames[0], FN(20));
	CU_ASSERT_EQUAL(frames[2], FN(22));
	/* the users' extra bits are not part of the record's identity */
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 1, 5, 0x15), frames, 64, &nr), MS_DEPOT_OK);
	CU_ASSERT_EQUAL(nr, 5);
	/* no more frames than asked for */
	memset(frames, 0, sizeof(frames));
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 1, 5, 0), frames, 2, &nr), MS_DEPOT_OK);
	CU_ASSERT_EQUAL(nr, 2);
	CU_ASSERT_EQUAL(frames[1], FN(11));
	CU_ASSERT_EQUAL(frames[2], 0);
	mem_free(&dp.mem);
}

static void check_fetch_failures(enum kver k)
{
	struct depot dp;
	struct ms_depot_layout d;
	uint64_t frames[64];
	uint32_t nr;

	depot_init(&dp, k);
	CU_ASSERT_EQUAL(fetch(&dp, 0, frames, 64, &nr), MS_DEPOT_NO_HANDLE);
	CU_ASSERT_EQUAL(nr, 0);
	/* pool index past nr_pools, offset past the pool, a pool never allocated */
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, NR_POOLS, 0, 0), frames, 64, &nr),
			MS_DEPOT_BAD_HANDLE);
	CU_ASSERT_EQUAL(nr, 0);
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 1, 1023, 0), frames, 64, &nr),
			MS_DEPOT_BAD_HANDLE);
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 2, 0, 0), frames, 64, &nr),
			MS_DEPOT_BAD_HANDLE);
	/* the last offset whose record head fits the pool is in range (zeros there) */
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 1, (POOL_SIZE - dp.d.rec_entries) >> 4, 0),
			      frames, 64, &nr), MS_DEPOT_MISMATCH);	/* size 0 there */
	if (k != K61)	/* pool_index_plus_1 0: no pool */
		CU_ASSERT_EQUAL(fetch(&dp, 5u << 17, frames, 64, &nr), MS_DEPOT_BAD_HANDLE);
	/* a pool the dump lacks; a record whose entries it lacks */
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 3, 0, 0), frames, 64, &nr),
			MS_DEPOT_UNREADABLE);
	CU_ASSERT_EQUAL(nr, 0);
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 0, 254, 0), frames, 64, &nr),
			MS_DEPOT_UNREADABLE);
	CU_ASSERT_EQUAL(nr, 0);
	/* the pools array (or the pointer to it) unreadable */
	d = dp.d;
	d.pools = NOWHERE;
	nr = 1;
	CU_ASSERT_EQUAL(ms_depot_fetch(&d, &dp.env, handle_of(k, 0, 0, 0), frames, 64, &nr),
			MS_DEPOT_UNREADABLE);
	CU_ASSERT_EQUAL(nr, 0);
	if (k == K7X) {	/* the pointer read, the array it points to not */
		put_le(dp.mem.r[1].bytes, NOWHERE, 8);
		CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 0, 0, 0), frames, 64, &nr),
				MS_DEPOT_UNREADABLE);
		put_le(dp.mem.r[1].bytes, ARRAY, 8);
		CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 0, 0, 0), frames, 64, &nr),
				MS_DEPOT_OK);
	}
	/* the record holds another handle; a size of 0, or more than it can hold */
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 0, 8, 0), frames, 64, &nr),
			MS_DEPOT_MISMATCH);
	CU_ASSERT_EQUAL(nr, 0);
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 0, 16, 0), frames, 64, &nr),
			MS_DEPOT_MISMATCH);
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(k, 0, 32, 0), frames, 64, &nr),
			MS_DEPOT_MISMATCH);
	/* and with a larger record: 65 frames fit, 64 asked for */
	d = dp.d;
	d.max_frames = 65;
	put_le(dp.pool0 + (32 << 4) + d.rec_size, 64, 4);	/* 64 frames written */
	CU_ASSERT_EQUAL(ms_depot_fetch(&d, &dp.env, handle_of(k, 0, 32, 0), frames, 64, &nr),
			MS_DEPOT_OK);
	CU_ASSERT_EQUAL(nr, 64);
	CU_ASSERT_EQUAL(frames[63], FN(40 + 63));
	/* a record layout memsim cannot hold */
	d = dp.d;
	d.rec_entries = 72;
	CU_ASSERT_EQUAL(ms_depot_fetch(&d, &dp.env, handle_of(k, 0, 0, 0), frames, 64, &nr),
			MS_DEPOT_MISMATCH);
	mem_free(&dp.mem);
}

/* v6.1's valid bit is part of a handle: one without it is not the record's. */
static void test_valid_bit_and_units(void)
{
	struct depot dp;
	uint64_t frames[64];
	uint32_t nr;

	depot_init(&dp, K61);
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(K61, 1, 5, 0) & ~(1u << 26), frames, 64, &nr),
			MS_DEPOT_MISMATCH);
	/* Units of 32 bytes: offset 5 is byte 0xa0 now, zeros (size 0), not the record at 0x50;
	 * a record at byte 10 << 5 is found at offset 10 (byte 10 << 4 holds zeros). */
	dp.d.align = 5;
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(K61, 1, 5, 0), frames, 64, &nr), MS_DEPOT_MISMATCH);
	put_record(&dp.d, dp.pool1, 10 << 5, handle_of(K61, 1, 10, 0), 2, 60);
	CU_ASSERT_EQUAL(fetch(&dp, handle_of(K61, 1, 10, 0), frames, 64, &nr), MS_DEPOT_OK);
	CU_ASSERT_EQUAL(nr, 2);
	CU_ASSERT_EQUAL(frames[0], FN(60));
	mem_free(&dp.mem);
}

static void test_fetch_61(void)
{
	check_fetch_ok(K61);
	check_fetch_failures(K61);
}

static void test_fetch_612(void)
{
	check_fetch_ok(K612);
	check_fetch_failures(K612);
}

static void test_fetch_7x(void)
{
	check_fetch_ok(K7X);
	check_fetch_failures(K7X);
}

static void test_status_names(void)
{
	CU_ASSERT_STRING_EQUAL(ms_depot_status_name(MS_DEPOT_OK), "ok");
	CU_ASSERT_STRING_EQUAL(ms_depot_status_name(MS_DEPOT_NO_HANDLE), "no stack saved");
	CU_ASSERT_STRING_EQUAL(ms_depot_status_name(MS_DEPOT_BAD_HANDLE), "bad handle");
	CU_ASSERT_STRING_EQUAL(ms_depot_status_name(MS_DEPOT_UNREADABLE), "unreadable");
	CU_ASSERT_STRING_EQUAL(ms_depot_status_name(MS_DEPOT_MISMATCH), "record mismatch");
	CU_ASSERT_STRING_EQUAL(ms_depot_status_name(0), "not fetched");
}

static CU_TestInfo stackdepot_tests[] = {
	{ "v6.1: stack_slabs[], a valid bit", test_fetch_61 },
	{ "v6.12: stack_pools[], pool_index_plus_1", test_fetch_612 },
	{ "v7.x: stack_pools a pointer", test_fetch_7x },
	{ "the valid bit, and offsets in units of the alignment", test_valid_bit_and_units },
	{ "status names", test_status_names },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(stackdepot, stackdepot_tests)
