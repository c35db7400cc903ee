/*
 * test_tracks.c - SLUB's tracks (SLAB_STORE_USER): decoding both struct track layouts from
 * synthetic slot bytes, and the per-cluster aggregates: exact then Space-Saving counts of
 * call sites, stacks, pids and requested sizes, the cpu set, and the ages (exact oldest and
 * youngest, the median exact or from the sample of lowest address hashes).
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"	/* ms_addr_hash(), which picks the age sample */
#include "fake_kernel.h"
#include "tracks.h"
#include "unit.h"

/*
 * v5.10: struct track { unsigned long addr; unsigned long addrs[16]; int cpu; int pid;
 * unsigned long when; }, 152 bytes, after a 64-byte object and its free pointer.
 */
static const struct ms_track_layout inline_layout = {
	.info_end = 72, .size = 152, .addr = 0, .cpu = 136, .pid = 140, .when = 144,
	.handle = -1, .addrs = 8, .nr_addrs = 16, .orig_size = -1,
};

/*
 * v6.1+: struct track { unsigned long addr; depot_stack_handle_t handle; int cpu; int pid;
 * unsigned long when; }, 32 bytes, after a 32-byte object and its free pointer; orig_size
 * (kmalloc) right after the two tracks.
 */
static const struct ms_track_layout depot_layout = {
	.info_end = 40, .size = 32, .addr = 0, .handle = 8, .cpu = 12, .pid = 16, .when = 24,
	.addrs = -1, .nr_addrs = 0, .orig_size = 40 + 2 * 32,
};

#define SLOT 384	/* holds either layout's slot: 72 + 2 * 152 */
#define SITE(n) (FK_KTEXT + 0x1000 + 0x40 * (uint64_t)(n))
#define OBJ(i) (FK_SLABS_A + 64 * (uint64_t)(i))

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct tk {
	uint64_t addr;
	uint32_t handle;
	int32_t cpu, pid;
	uint64_t when;
	const uint64_t *frames;
	unsigned nr_frames;
};

/* Write track @which of the object at @obj as the kernel would under layout @l. */
static void put_track(const struct ms_track_layout *l, uint8_t *obj, int which, const struct tk *k)
{
	uint8_t *p = obj + l->info_end + (size_t)which * l->size;
	unsigned i;

	put_le(p + l->addr, k->addr, 8);
	put_le(p + l->cpu, (uint32_t)k->cpu, 4);
	put_le(p + l->pid, (uint32_t)k->pid, 4);
	put_le(p + l->when, k->when, 8);
	if (l->handle >= 0)
		put_le(p + l->handle, k->handle, 4);
	if (l->addrs >= 0)
		for (i = 0; i < l->nr_addrs; i++)
			put_le(p + l->addrs + 8 * i, i < k->nr_frames ? k->frames[i] : 0, 8);
}

/* A slot with junk in the object and around the tracks, and track 0 from @k. */
static void make_slot(const struct ms_track_layout *l, uint8_t *slot, const struct tk *alloc,
		      const struct tk *freed, uint32_t orig_size)
{
	memset(slot, 0x5a, SLOT);
	if (alloc)
		put_track(l, slot, 0, alloc);
	else
		memset(slot + l->info_end, 0, l->size);
	if (freed)
		put_track(l, slot, 1, freed);
	else
		memset(slot + l->info_end + l->size, 0, l->size);
	if (l->orig_size >= 0)
		put_le(slot + l->orig_size, orig_size, 4);
}

/* ---- decoding ---- */

static void test_decode_inline_frames(void)
{
	static const uint64_t fa[3] = { SITE(1), FK_KTEXT + 0x2000, FK_MODTEXT + 0x10 };
	uint64_t ff[16];
	struct tk a = { SITE(1), 0, 3, 1234, 4295000000ULL, fa, 3 };
	struct tk f = { SITE(2), 0, 1, 99, 4295000500ULL, ff, 16 };
	uint8_t slot[SLOT];
	struct ms_track t;
	unsigned i;

	for (i = 0; i < 16; i++)
		ff[i] = FK_KTEXT + 0x100 * (i + 1);
	make_slot(&inline_layout, slot, &a, &f, 0);
	CU_ASSERT_EQUAL(ms_track_decode(&inline_layout, slot, 0, &t), 1);
	CU_ASSERT_EQUAL(t.addr, SITE(1));
	CU_ASSERT_EQUAL(t.cpu, 3);
	CU_ASSERT_EQUAL(t.pid, 1234);
	CU_ASSERT_EQUAL(t.when, 4295000000ULL);
	CU_ASSERT_EQUAL(t.handle, 0);
	/* addrs[] up to its first 0 */
	CU_ASSERT_EQUAL(t.nr_frames, 3);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(t.frames[i], fa[i]);
	/* track[1] is one struct track further: all 16 frames, none zero */
	CU_ASSERT_EQUAL(ms_track_decode(&inline_layout, slot, 1, &t), 1);
	CU_ASSERT_EQUAL(t.addr, SITE(2));
	CU_ASSERT_EQUAL(t.cpu, 1);
	CU_ASSERT_EQUAL(t.pid, 99);
	CU_ASSERT_EQUAL(t.when, 4295000500ULL);
	CU_ASSERT_EQUAL(t.nr_frames, 16);
	CU_ASSERT_EQUAL(t.frames[0], ff[0]);
	CU_ASSERT_EQUAL(t.frames[15], ff[15]);
	CU_ASSERT_EQUAL(ms_track_orig_size(&inline_layout, slot), 0);	/* no orig_size */
}

static void test_decode_depot_handle(void)
{
	struct tk a = { SITE(7), 0x00a41234, 15, 4242, 1000, NULL, 0 };
	struct tk f = { SITE(8), 0x00b00001, -1, -7, 2000, NULL, 0 };
	uint8_t slot[SLOT];
	struct ms_track t;

	make_slot(&depot_layout, slot, &a, &f, 17);
	/* the 4 padding bytes between pid and when hold junk (0x5a): not part of any field */
	CU_ASSERT_EQUAL(slot[depot_layout.info_end + 20], 0x5a);
	CU_ASSERT_EQUAL(ms_track_decode(&depot_layout, slot, 0, &t), 1);
	CU_ASSERT_EQUAL(t.addr, SITE(7));
	CU_ASSERT_EQUAL(t.handle, 0x00a41234);
	CU_ASSERT_EQUAL(t.cpu, 15);
	CU_ASSERT_EQUAL(t.pid, 4242);
	CU_ASSERT_EQUAL(t.when, 1000);
	CU_ASSERT_EQUAL(t.nr_frames, 0);	/* the stack is in the depot */
	CU_ASSERT_EQUAL(ms_track_decode(&depot_layout, slot, 1, &t), 1);
	CU_ASSERT_EQUAL(t.addr, SITE(8));
	CU_ASSERT_EQUAL(t.handle, 0x00b00001);
	CU_ASSERT_EQUAL(t.cpu, -1);	/* signed ints read back signed */
	CU_ASSERT_EQUAL(t.pid, -7);
	CU_ASSERT_EQUAL(t.when, 2000);
	CU_ASSERT_EQUAL(ms_track_orig_size(&depot_layout, slot), 17);
}

static void test_decode_never_written(void)
{
	uint8_t slot[SLOT];
	struct ms_track t;
	uint8_t *p;

	/* addr 0, but every other field holds something: still "never recorded", all zero */
	make_slot(&depot_layout, slot, NULL, NULL, 0);
	p = slot + depot_layout.info_end;
	put_le(p + depot_layout.handle, 0x1234, 4);
	put_le(p + depot_layout.cpu, 5, 4);
	put_le(p + depot_layout.when, 777, 8);
	memset(&t, 0xff, sizeof(t));
	CU_ASSERT_EQUAL(ms_track_decode(&depot_layout, slot, 0, &t), 0);
	CU_ASSERT_EQUAL(t.addr, 0);
	CU_ASSERT_EQUAL(t.handle, 0);
	CU_ASSERT_EQUAL(t.cpu, 0);
	CU_ASSERT_EQUAL(t.when, 0);
	CU_ASSERT_EQUAL(t.nr_frames, 0);
	make_slot(&inline_layout, slot, NULL, NULL, 0);
	CU_ASSERT_EQUAL(ms_track_decode(&inline_layout, slot, 1, &t), 0);
}

/* ---- aggregation ---- */

static void add_alloc(struct ms_tracks *t, const struct ms_track_layout *l, long cluster,
		      uint64_t i, const struct tk *a, uint32_t orig_size)
{
	uint8_t slot[SLOT];

	make_slot(l, slot, a, NULL, orig_size);
	ms_tracks_add(t, cluster, 0, slot, OBJ(i));
}

static void test_sites_exact_and_sorted(void)
{
	struct ms_tracks *t = ms_tracks_new(&depot_layout, 1);
	const struct ms_track_agg *a;
	/* 5 at site 1, 3 at site 2, 7 at site 3, interleaved; 2 never recorded */
	static const int order[] = { 1, 3, 2, 3, 1, 3, 2, 1, 3, 3, 1, 2, 3, 1, 3, 0, 0 };
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct tk k = { order[i] ? SITE(order[i]) : 0, 0x100 + (uint32_t)order[i], 0, 1, 10,
				NULL, 0 };

		if (order[i])
			add_alloc(t, &depot_layout, 0, i, &k, 32);
		else
			add_alloc(t, &depot_layout, 0, i, NULL, 32);
	}
	ms_tracks_finish(t, 100, 100);
	a = ms_tracks_get(t, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(t->objects, 17);
	CU_ASSERT_EQUAL(a->objects, 17);
	CU_ASSERT_EQUAL(a->empty, 2);
	CU_ASSERT_EQUAL(a->nr_sites, 3);
	CU_ASSERT_FALSE(a->sites_overflow);
	CU_ASSERT_EQUAL(a->sites[0].key, SITE(3));
	CU_ASSERT_EQUAL(a->sites[0].count, 7);
	CU_ASSERT_EQUAL(a->sites[1].key, SITE(1));
	CU_ASSERT_EQUAL(a->sites[1].count, 5);
	CU_ASSERT_EQUAL(a->sites[2].key, SITE(2));
	CU_ASSERT_EQUAL(a->sites[2].count, 3);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(a->sites[i].error, 0);
	/* one stack per site here (handle 0x100 + site), sorted the same way */
	CU_ASSERT_EQUAL(a->nr_stacks, 3);
	CU_ASSERT_EQUAL(a->stacks[0].handle, 0x103);
	CU_ASSERT_EQUAL(a->stacks[0].count, 7);
	CU_ASSERT_EQUAL(a->stacks[0].site, SITE(3));
	CU_ASSERT_EQUAL(a->stacks[0].nr_frames, 0);	/* not fetched yet */
	CU_ASSERT_EQUAL(a->stacks[2].handle, 0x102);
	/* the free tracks of allocated objects are never read */
	CU_ASSERT_EQUAL(ms_tracks_get(t, 0, 1)->objects, 0);
	ms_tracks_free(t);
}

/* Keys in a shuffled order: site 0 2000 times, site 1 1000 times, sites 2..99 10 times each. */
#define SS_DISTINCT 100
#define SS_TOTAL (2000 + 1000 + 98 * 10)

static void test_sites_space_saving(void)
{
	struct ms_tracks *t = ms_tracks_new(&depot_layout, 1);
	const struct ms_track_agg *a;
	uint64_t truth[SS_DISTINCT] = { 0 }, sum = 0, st = 12345;
	int *keys = malloc(SS_TOTAL * sizeof(*keys));
	size_t i, n = 0, j;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
	for (i = 0; i < 2000; i++)
		keys[n++] = 0;
	for (i = 0; i < 1000; i++)
		keys[n++] = 1;
	for (j = 2; j < SS_DISTINCT; j++)
		for (i = 0; i < 10; i++)
			keys[n++] = (int)j;
	CU_ASSERT_EQUAL_FATAL(n, SS_TOTAL);
	for (i = n - 1; i > 0; i--) {	/* Fisher-Yates */
		size_t r = fk_rand(&st) % (i + 1);
		int x = keys[i];

		keys[i] = keys[r];
		keys[r] = x;
	}
	for (i = 0; i < n; i++) {
		/* 12 pids: more than MS_TRACK_PIDS */
		struct tk k = { SITE(keys[i]), 1 + (uint32_t)keys[i], 0, 100 + keys[i] % 12, 5,
				NULL, 0 };

		truth[keys[i]]++;
		add_alloc(t, &depot_layout, 0, i, &k, 8);
	}
	ms_tracks_finish(t, 10, 100);
	a = ms_tracks_get(t, 0, 0);
	CU_ASSERT_TRUE(a->sites_overflow);
	CU_ASSERT_EQUAL(a->nr_sites, MS_TRACK_SITES);
	/* the two heavy sites stay, first and second */
	CU_ASSERT_EQUAL(a->sites[0].key, SITE(0));
	CU_ASSERT_EQUAL(a->sites[1].key, SITE(1));
	for (i = 0; i < a->nr_sites; i++) {
		const struct ms_track_count *s = &a->sites[i];
		uint64_t k = (s->key - SITE(0)) / 0x40;

		CU_ASSERT_FATAL(k < SS_DISTINCT);
		/* Space-Saving: the true count within [count - error, count] */
		CU_ASSERT(s->error <= s->count);
		CU_ASSERT(truth[k] <= s->count);
		CU_ASSERT(truth[k] >= s->count - s->error);
		if (i)
			CU_ASSERT(a->sites[i - 1].count >= s->count);
		sum += s->count;
	}
	/* every add increments exactly one counter */
	CU_ASSERT_EQUAL(sum, SS_TOTAL);
	/* the smallest counter is at most N / m, and the heavy sites are tight */
	CU_ASSERT(a->sites[a->nr_sites - 1].count <= SS_TOTAL / MS_TRACK_SITES);
	CU_ASSERT(a->sites[0].count - a->sites[0].error >= 2000 - SS_TOTAL / MS_TRACK_SITES);
	/* the stacks overflowed as well (one handle per site), the heavy ones kept */
	CU_ASSERT_TRUE(a->stacks_overflow);
	CU_ASSERT_EQUAL(a->nr_stacks, MS_TRACK_STACKS);
	CU_ASSERT_EQUAL(a->stacks[0].handle, 1);
	CU_ASSERT_EQUAL(a->stacks[1].handle, 2);
	CU_ASSERT_EQUAL(ms_track_site_stack(a, SITE(0))->handle, 1);
	/* pids: 12 distinct into 8 */
	CU_ASSERT_TRUE(a->pids_overflow);
	CU_ASSERT_EQUAL(a->nr_pids, MS_TRACK_PIDS);
	/* pid 100: site 0's 2000 and 80 from the light sites 12, 24, ..., 96 */
	CU_ASSERT_EQUAL(a->pids[0].key, 100);
	CU_ASSERT(a->pids[0].count >= 2080);
	CU_ASSERT_EQUAL(a->nr_sizes, 1);
	CU_ASSERT_EQUAL(a->sizes[0].count, SS_TOTAL);
	free(keys);
	ms_tracks_free(t);
}

static void test_stacks_per_site(void)
{
	static const uint64_t s1[3] = { SITE(1), FK_KTEXT + 0x500, FK_KTEXT + 0x600 };
	static const uint64_t s2[2] = { SITE(1), FK_KTEXT + 0x700 };
	struct ms_tracks *t = ms_tracks_new(&depot_layout, 1), *ti = ms_tracks_new(&inline_layout, 1);
	const struct ms_track_agg *a;
	const struct ms_track_stack *st;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ti);
	/* depot: site 1 through handle 0x11 twice and 0x12 four times; site 2 through 0x21 3x */
	for (i = 0; i < 9; i++) {
		struct tk k = { i < 6 ? SITE(1) : SITE(2), i < 2 ? 0x11 : i < 6 ? 0x12 : 0x21, 0, 1,
				1, NULL, 0 };

		add_alloc(t, &depot_layout, 0, (uint64_t)i, &k, 8);
	}
	/* a track with neither handle nor frames has no stack */
	{
		struct tk k = { SITE(3), 0, 0, 1, 1, NULL, 0 };

		add_alloc(t, &depot_layout, 0, 9, &k, 8);
	}
	ms_tracks_finish(t, 10, 100);
	a = ms_tracks_get(t, 0, 0);
	CU_ASSERT_EQUAL(a->nr_stacks, 3);
	CU_ASSERT_EQUAL(a->nr_sites, 3);
	st = ms_track_site_stack(a, SITE(1));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(st->handle, 0x12);
	CU_ASSERT_EQUAL(st->count, 4);
	CU_ASSERT_EQUAL(st->key, 0x12);
	st = ms_track_site_stack(a, SITE(2));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(st->handle, 0x21);
	CU_ASSERT_EQUAL(st->count, 3);
	CU_ASSERT_PTR_NULL(ms_track_site_stack(a, SITE(3)));
	CU_ASSERT_PTR_NULL(ms_track_site_stack(a, SITE(4)));

	/* inline frames: keyed by their content, frames kept, no handle */
	for (i = 0; i < 5; i++) {
		struct tk k = { SITE(1), 0, 0, 1, 1, i < 3 ? s2 : s1, i < 3 ? 2 : 3 };

		add_alloc(ti, &inline_layout, 0, (uint64_t)i, &k, 0);
	}
	ms_tracks_finish(ti, 10, 100);
	a = ms_tracks_get(ti, 0, 0);
	CU_ASSERT_EQUAL(a->nr_stacks, 2);
	CU_ASSERT_EQUAL(a->nr_sites, 1);
	CU_ASSERT_EQUAL(a->nr_sizes, 0);	/* no orig_size in this layout */
	st = ms_track_site_stack(a, SITE(1));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(st->count, 3);
	CU_ASSERT_EQUAL(st->handle, 0);
	CU_ASSERT_EQUAL(st->nr_frames, 2);
	CU_ASSERT_EQUAL(st->frames[0], s2[0]);
	CU_ASSERT_EQUAL(st->frames[1], s2[1]);
	CU_ASSERT_EQUAL(a->stacks[1].count, 2);
	CU_ASSERT_EQUAL(a->stacks[1].nr_frames, 3);
	CU_ASSERT_EQUAL(a->stacks[1].frames[2], s1[2]);
	CU_ASSERT_NOT_EQUAL(a->stacks[0].key, a->stacks[1].key);
	ms_tracks_free(t);
	ms_tracks_free(ti);
}

static void test_pids_sizes_cpus(void)
{
	/* cpu of each object; 1024 and -1 are beyond the set */
	static const int cpus[] = { 2, 0, 1, 3, 6, 1, 63, 64, 65, 1023, 1024, -1 };
	static const uint32_t sizes[] = { 24, 24, 17, 24, 30, 17, 24, 24, 24, 17, 24, 24 };
	struct ms_tracks *t = ms_tracks_new(&depot_layout, 2);
	const struct ms_track_agg *a;
	char buf[64];
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		struct tk k = { SITE(1), 1, cpus[i], i < 7 ? 300 : 301, 1, NULL, 0 };

		add_alloc(t, &depot_layout, 0, i, &k, sizes[i]);
	}
	/* cluster 1: cpus 0-3 and 6 only */
	for (i = 0; i < 5; i++) {
		struct tk k = { SITE(1), 1, i < 4 ? (int)i : 6, 1, 1, NULL, 0 };

		add_alloc(t, &depot_layout, 1, i, &k, 8);
	}
	ms_tracks_finish(t, 10, 100);
	a = ms_tracks_get(t, 0, 0);
	CU_ASSERT_EQUAL(a->cpus_beyond, 2);
	ms_track_cpus(a, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "0-3,6,63-65,1023");
	ms_track_cpus(ms_tracks_get(t, 1, 0), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "0-3,6");
	CU_ASSERT_EQUAL(ms_tracks_get(t, 1, 0)->cpus_beyond, 0);
	/* too small a buffer: what fits, terminated */
	ms_track_cpus(ms_tracks_get(t, 1, 0), buf, 4);
	CU_ASSERT_STRING_EQUAL(buf, "0-3");
	/* pids sorted by count: 300 seven times, 301 five */
	CU_ASSERT_EQUAL(a->nr_pids, 2);
	CU_ASSERT_FALSE(a->pids_overflow);
	CU_ASSERT_EQUAL(a->pids[0].key, 300);
	CU_ASSERT_EQUAL(a->pids[0].count, 7);
	CU_ASSERT_EQUAL(a->pids[1].key, 301);
	CU_ASSERT_EQUAL(a->pids[1].count, 5);
	/* requested sizes: 24 eight times, 17 three, 30 once */
	CU_ASSERT_EQUAL(a->nr_sizes, 3);
	CU_ASSERT_FALSE(a->sizes_overflow);
	CU_ASSERT_EQUAL(a->sizes[0].key, 24);
	CU_ASSERT_EQUAL(a->sizes[0].count, 8);
	CU_ASSERT_EQUAL(a->sizes[1].key, 17);
	CU_ASSERT_EQUAL(a->sizes[1].count, 3);
	CU_ASSERT_EQUAL(a->sizes[2].key, 30);
	CU_ASSERT_EQUAL(a->sizes[2].count, 1);
	/* nothing seen: "" */
	ms_track_cpus(ms_tracks_get(t, 1, 1), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
	ms_tracks_free(t);
}

static void test_ages_exact_and_future(void)
{
	/* hz 250: ages of 10 s, 4 s, 1 s, 0.5 s and 0.2 s, added out of order */
	static const uint64_t ago[] = { 250, 2500, 50, 1000, 125 };
	const uint64_t now = 1000000;
	struct ms_tracks *t = ms_tracks_new(&depot_layout, 2);
	const struct ms_track_agg *a;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 5; i++) {
		struct tk k = { SITE(1), 1, 0, 1, now - ago[i], NULL, 0 };

		add_alloc(t, &depot_layout, 0, i, &k, 8);
		add_alloc(t, &depot_layout, 1, i, &k, 8);
	}
	/* cluster 1: one more, 100 jiffies after the dump's clock (a clock that moved on) */
	{
		struct tk k = { SITE(1), 1, 0, 1, now + 100, NULL, 0 };

		add_alloc(t, &depot_layout, 1, 5, &k, 8);
	}
	ms_tracks_finish(t, now, 250);
	a = ms_tracks_get(t, 0, 0);
	CU_ASSERT_EQUAL(a->when_min, now - 2500);
	CU_ASSERT_EQUAL(a->when_max, now - 50);
	CU_ASSERT_DOUBLE_EQUAL(a->age_max_s, 10.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(a->age_min_s, 0.2, 1e-9);
	/* ages sorted: 10, 4, 1, 0.5, 0.2: the median 1 s, from every object */
	CU_ASSERT_DOUBLE_EQUAL(a->age_median_s, 1.0, 1e-9);
	CU_ASSERT_FALSE(a->median_sampled);
	CU_ASSERT_EQUAL(a->nr_sample, 5);
	CU_ASSERT_EQUAL(a->future, 0);
	a = ms_tracks_get(t, 1, 0);
	CU_ASSERT_EQUAL(a->future, 1);
	CU_ASSERT_DOUBLE_EQUAL(a->age_min_s, 0.0, 1e-12);	/* the future one: age 0 */
	CU_ASSERT_DOUBLE_EQUAL(a->age_max_s, 10.0, 1e-9);
	/* whens ascending: now-2500, -1000, -250, -125, -50, +100: element (6-1)/2 = 2 */
	CU_ASSERT_DOUBLE_EQUAL(a->age_median_s, 1.0, 1e-9);
	CU_ASSERT_EQUAL(t->now, now);
	CU_ASSERT_EQUAL(t->hz, 250);
	ms_tracks_free(t);
}

/* Object i of a cluster of @n: allocated (1 + (i * 7919) % n) jiffies before @now. */
static uint64_t spread_when(uint64_t now, uint64_t i, uint64_t n)
{
	return now - 1 - (i * 7919) % n;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct hw {
	uint64_t hash, when;
};

static int hw_cmp(const void *a, const void *b)
{
	const struct hw *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static void test_ages_at_the_sample_size(void)
{
	const uint64_t now = 5000000, n = MS_TRACK_AGE_SAMPLE;
	struct ms_tracks *t = ms_tracks_new(&depot_layout, 3);
	const struct ms_track_agg *a;
	uint64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* 7919 is prime, so (i * 7919) % n takes every value below n once: ages 1..n jiffies */
	for (i = 0; i < n; i++) {
		struct tk k = { SITE(1), 1, 0, 1, spread_when(now, i, n), NULL, 0 };

		add_alloc(t, &depot_layout, 0, i, &k, 8);
		add_alloc(t, &depot_layout, 1, i, &k, 8);
		add_alloc(t, &depot_layout, 2, i, &k, 8);
	}
	{	/* one object more in cluster 1, 5 jiffies old */
		struct tk k = { SITE(1), 1, 0, 1, now - 5, NULL, 0 };

		add_alloc(t, &depot_layout, 1, n, &k, 8);
	}
	/* three more in cluster 2 whose tracks were never written: no age, not in the sample */
	for (i = n; i < n + 3; i++)
		add_alloc(t, &depot_layout, 2, i, NULL, 8);
	ms_tracks_finish(t, now, 1000);
	a = ms_tracks_get(t, 0, 0);
	CU_ASSERT_EQUAL(a->nr_sample, n);
	CU_ASSERT_FALSE(a->median_sampled);
	/* whens ascending now-n .. now-1; element (n-1)/2 = 1023 is now-n+1023: 1025 jiffies */
	CU_ASSERT_DOUBLE_EQUAL(a->age_median_s, 1.025, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(a->age_max_s, 2.048, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(a->age_min_s, 0.001, 1e-9);
	a = ms_tracks_get(t, 1, 0);
	CU_ASSERT_EQUAL(a->nr_sample, n);
	CU_ASSERT_TRUE(a->median_sampled);	/* one object more than the sample holds */
	a = ms_tracks_get(t, 2, 0);
	CU_ASSERT_EQUAL(a->objects, n + 3);
	CU_ASSERT_EQUAL(a->empty, 3);
	CU_ASSERT_EQUAL(a->nr_sample, n);
	CU_ASSERT_FALSE(a->median_sampled);	/* every recorded track is in the sample */
	CU_ASSERT_DOUBLE_EQUAL(a->age_median_s, 1.025, 1e-9);
	ms_tracks_free(t);
}

#define BIG 100000

static void test_ages_sampled_in_a_big_cluster(void)
{
	const uint64_t now = 10000000;
	struct ms_tracks *t = ms_tracks_new(&depot_layout, 1);
	struct hw *all = malloc(BIG * sizeof(*all));
	uint64_t heap_max = 0, want[MS_TRACK_AGE_SAMPLE], got[MS_TRACK_AGE_SAMPLE];
	const struct ms_track_agg *a;
	size_t i, nfuture = 0;
	uint64_t oldest = now;
	double want_median;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	for (i = 0; i < BIG; i++) {
		struct tk k = { SITE(1), 1, 0, 1, spread_when(now, i, BIG), NULL, 0 };

		add_alloc(t, &depot_layout, 0, i, &k, 8);
		all[i].hash = ms_addr_hash(OBJ(i));
		all[i].when = k.when;
	}
	a = ms_tracks_get(t, 0, 0);
	/* Before finishing: the sample is the MS_TRACK_AGE_SAMPLE lowest address hashes, each
	 * with its own object's when. */
	qsort(all, BIG, sizeof(*all), hw_cmp);
	CU_ASSERT_EQUAL_FATAL(a->nr_sample, MS_TRACK_AGE_SAMPLE);
	for (i = 0; i < MS_TRACK_AGE_SAMPLE; i++) {
		if (a->sample_hash[i] > heap_max)
			heap_max = a->sample_hash[i];
		want[i] = all[i].when;
		got[i] = a->sample_when[i];
	}
	CU_ASSERT_EQUAL(a->sample_hash[0], heap_max);	/* a max-heap */
	CU_ASSERT_EQUAL(heap_max, all[MS_TRACK_AGE_SAMPLE - 1].hash);
	qsort(want, MS_TRACK_AGE_SAMPLE, sizeof(want[0]), u64_cmp);
	qsort(got, MS_TRACK_AGE_SAMPLE, sizeof(got[0]), u64_cmp);
	CU_ASSERT_EQUAL(memcmp(want, got, sizeof(want)), 0);
	want_median = (double)(now - want[(MS_TRACK_AGE_SAMPLE - 1) / 2]) / 1000;

	ms_tracks_finish(t, now, 1000);
	CU_ASSERT_TRUE(a->median_sampled);
	CU_ASSERT_EQUAL(a->objects, BIG);
	/* oldest and youngest exact: ages 1 .. BIG jiffies at 1000 Hz */
	CU_ASSERT_DOUBLE_EQUAL(a->age_max_s, 100.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(a->age_min_s, 0.001, 1e-9);
	/* the median is the sample's, and that is near the true one, 50.001 s: uniform ages over
	 * 100 s, 2048 sampled, the sample median's standard deviation 100 / (2 sqrt(2048)), 1.1 s */
	CU_ASSERT_DOUBLE_EQUAL(a->age_median_s, want_median, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(a->age_median_s, 50.001, 5.0);
	CU_ASSERT_EQUAL(a->future, 0);

	/*
	 * Every 10th object later than the dump's jiffies: the future ones of the sample are
	 * counted (the pass learns the dump's jiffies only at its end), and they are about a
	 * tenth of it.
	 */
	ms_tracks_free(t);
	t = ms_tracks_new(&depot_layout, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < BIG; i++) {
		struct tk k = { SITE(1), 1, 0, 1, i % 10 ? spread_when(now, i, BIG) : now + 1 + i,
				NULL, 0 };

		if (k.when < oldest)
			oldest = k.when;
		add_alloc(t, &depot_layout, 0, i, &k, 8);
	}
	a = ms_tracks_get(t, 0, 0);
	for (i = 0; i < a->nr_sample; i++)
		nfuture += a->sample_when[i] > now;
	ms_tracks_finish(t, now, 1000);
	CU_ASSERT_EQUAL(a->future, nfuture);
	CU_ASSERT(a->future > MS_TRACK_AGE_SAMPLE / 10 - 60 && a->future < MS_TRACK_AGE_SAMPLE / 10 + 60);
	CU_ASSERT_DOUBLE_EQUAL(a->age_min_s, 0.0, 1e-12);	/* the youngest is in the future */
	CU_ASSERT_DOUBLE_EQUAL(a->age_max_s, (double)(now - oldest) / 1000, 1e-9);
	free(all);
	ms_tracks_free(t);
}

static void test_free_objects_and_unclustered(void)
{
	struct ms_tracks *t = ms_tracks_new(&depot_layout, 2);
	const struct ms_track_agg *al, *fr;
	uint8_t slot[SLOT];
	uint64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* cluster 1: 3 free objects allocated at site 1 by pid 10 and freed at site 9 by pid
	 * 77; one free object whose free track was never written; 2 allocated at site 2 */
	for (i = 0; i < 3; i++) {
		struct tk k = { SITE(1), 0x11, 0, 10, 100 + i, NULL, 0 };
		struct tk f = { SITE(9), 0x99, 4, 77, 200 + i, NULL, 0 };

		make_slot(&depot_layout, slot, &k, &f, 40);
		ms_tracks_add(t, 1, 1, slot, OBJ(i));
	}
	{
		struct tk k = { SITE(1), 0x11, 0, 10, 150, NULL, 0 };

		make_slot(&depot_layout, slot, &k, NULL, 40);
		ms_tracks_add(t, 1, 1, slot, OBJ(3));
	}
	for (i = 4; i < 6; i++) {
		struct tk k = { SITE(2), 0x22, 1, 11, 300, NULL, 0 };

		add_alloc(t, &depot_layout, 1, i, &k, 40);
	}
	/* no kept cluster: counted, not added */
	{
		struct tk k = { SITE(5), 0x55, 0, 1, 1, NULL, 0 };

		add_alloc(t, &depot_layout, -1, 10, &k, 40);
		add_alloc(t, &depot_layout, 2, 11, &k, 40);	/* beyond nr_clusters */
	}
	ms_tracks_finish(t, 1000, 100);
	CU_ASSERT_EQUAL(t->objects, 6);
	CU_ASSERT_EQUAL(t->unclustered, 2);
	CU_ASSERT_EQUAL(ms_tracks_get(t, 0, 0)->objects, 0);
	CU_ASSERT_EQUAL(ms_tracks_get(t, 0, 1)->objects, 0);
	al = ms_tracks_get(t, 1, 0);
	fr = ms_tracks_get(t, 1, 1);
	CU_ASSERT_EQUAL(al->objects, 6);
	CU_ASSERT_EQUAL(al->empty, 0);
	CU_ASSERT_EQUAL(al->nr_sites, 2);
	CU_ASSERT_EQUAL(al->sites[0].key, SITE(1));
	CU_ASSERT_EQUAL(al->sites[0].count, 4);
	CU_ASSERT_EQUAL(al->sites[1].key, SITE(2));
	CU_ASSERT_EQUAL(al->nr_sizes, 1);
	CU_ASSERT_EQUAL(al->sizes[0].key, 40);
	CU_ASSERT_EQUAL(al->sizes[0].count, 6);
	CU_ASSERT_EQUAL(fr->objects, 4);
	CU_ASSERT_EQUAL(fr->empty, 1);
	CU_ASSERT_EQUAL(fr->nr_sites, 1);
	CU_ASSERT_EQUAL(fr->sites[0].key, SITE(9));
	CU_ASSERT_EQUAL(fr->sites[0].count, 3);
	CU_ASSERT_EQUAL(fr->nr_pids, 1);
	CU_ASSERT_EQUAL(fr->pids[0].key, 77);
	CU_ASSERT_EQUAL(fr->nr_sizes, 0);	/* the size asked for belongs to the allocation */
	CU_ASSERT_EQUAL(fr->nr_stacks, 1);
	CU_ASSERT_EQUAL(fr->stacks[0].handle, 0x99);
	CU_ASSERT_EQUAL(fr->when_min, 200);
	CU_ASSERT_EQUAL(fr->when_max, 202);
	CU_ASSERT_DOUBLE_EQUAL(fr->age_max_s, 8.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(fr->age_min_s, 7.98, 1e-9);
	CU_ASSERT_EQUAL(fr->cpus[0], 1ull << 4);
	/* out of range */
	CU_ASSERT_PTR_NULL(ms_tracks_get(t, 2, 0));
	CU_ASSERT_PTR_NULL(ms_tracks_get(t, 0, 2));
	CU_ASSERT_PTR_NULL(ms_tracks_get(t, 0, -1));
	CU_ASSERT_PTR_NULL(ms_tracks_get(NULL, 0, 0));
	ms_tracks_free(t);
	ms_tracks_free(NULL);
}

static CU_TestInfo tracks_tests[] = {
	{ "decode inline frames (v5.10 layout)", test_decode_inline_frames },
	{ "decode a depot handle and orig_size (v6.1+ layout)", test_decode_depot_handle },
	{ "a track never written", test_decode_never_written },
	{ "call sites exact and sorted while few", test_sites_exact_and_sorted },
	{ "call sites Space-Saving past MS_TRACK_SITES", test_sites_space_saving },
	{ "stacks per call site", test_stacks_per_site },
	{ "pids, sizes and cpus", test_pids_sizes_cpus },
	{ "ages exact, and tracks later than the dump", test_ages_exact_and_future },
	{ "ages at the sample's size", test_ages_at_the_sample_size },
	{ "ages sampled in a big cluster", test_ages_sampled_in_a_big_cluster },
	{ "free objects and unclustered ones", test_free_objects_and_unclustered },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(tracks, tracks_tests)
