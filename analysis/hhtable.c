/* hhtable.c - exact-then-Misra-Gries counting of 64-bit keys; see hhtable.h. */
#include <stdlib.h>
#include <string.h>

#include "hhtable.h"

#define FIRST_CAP 1024u
#define SWEEP_SAMPLE 255u	/* counts sampled to choose a sweep's decrement (odd: a median) */

static uint64_t entry(uint64_t key, uint32_t slot)
{
	return (key & 0xffffffff00000000ULL) | (slot + 1);
}

static uint32_t entry_slot(uint64_t e)
{
	return (uint32_t)e - 1;
}
/* Fill the index (of t->index_size entries, zeroed) with every live slot. */
static void index_fill(struct ms_hh *t)
{
	uint32_t s;

	for (s = 0; s < t->nr; s++)
		if (ms_hh_live(t, s))
			t->index[ms_hh_probe(t, t->slots[s].key)] = entry(t->slots[s].key, s);
}

static int index_rebuild(struct ms_hh *t, uint32_t size)
{
	uint64_t *index = ms_mem_alloc(t->mem, (size_t)size * sizeof(*index));

	if (!index)
		return 0;
	ms_mem_free(t->mem, t->index, (size_t)t->index_size * sizeof(*t->index));
	t->index = index;
	t->index_size = size;
	t->index_bits = __builtin_ctz(size);
	index_fill(t);
	return 1;
}

int ms_hh_init(struct ms_hh *t, struct ms_mem *mem, uint32_t cap_max, ms_hh_grow_fn grow,
	       void *grow_arg)
{
	uint32_t first;

	memset(t, 0, sizeof(*t));
	if (cap_max < 16)
		cap_max = 16;
	t->cap_max = 1u << (31 - __builtin_clz(cap_max));
	t->mem = mem;
	t->grow = grow;
	t->grow_arg = grow_arg;
	first = t->cap_max < FIRST_CAP ? t->cap_max : FIRST_CAP;
	if (grow && !grow(grow_arg, first))
		return -1;
	t->slots = ms_mem_alloc(mem, (size_t)first * sizeof(*t->slots));
	if (!t->slots || !index_rebuild(t, 2 * first)) {
		ms_hh_destroy(t);
		return -1;
	}
	t->slots_alloc = t->cap = first;
	return 0;
}

void ms_hh_destroy(struct ms_hh *t)
{
	ms_mem_free(t->mem, t->slots, (size_t)t->slots_alloc * sizeof(*t->slots));
	ms_mem_free(t->mem, t->index, (size_t)t->index_size * sizeof(*t->index));
	memset(t, 0, sizeof(*t));
}

/* Double the table; on any refusal it stops growing for good and sweeps from then on. */
static void grow(struct ms_hh *t)
{
	uint32_t new_cap = t->cap * 2;
	struct ms_hh_slot *slots;

	if (t->grow && !t->grow(t->grow_arg, new_cap))
		goto stop;
	if (t->slots_alloc < new_cap) {
		slots = ms_mem_realloc(t->mem, t->slots, (size_t)t->slots_alloc * sizeof(*slots),
				       (size_t)new_cap * sizeof(*slots));
		if (!slots)
			goto stop;
		t->slots = slots;
		t->slots_alloc = new_cap;
	}
	if (t->index_size < 2 * new_cap && !index_rebuild(t, 2 * new_cap))
		goto stop;
	t->cap = new_cap;
	return;
stop:
	t->cap_max = t->cap;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of SWEEP_SAMPLE live counts spread evenly over the slots (the table is full). */
static uint64_t sweep_decrement(const struct ms_hh *t)
{
	uint64_t sample[SWEEP_SAMPLE];
	uint32_t n = 0, s, step = t->nr / SWEEP_SAMPLE ? t->nr / SWEEP_SAMPLE : 1;

	for (s = 0; s < t->nr && n < SWEEP_SAMPLE; s += step)
		if (ms_hh_live(t, s))
			sample[n++] = t->slots[s].count;
	if (!n)
		return 1;
	qsort(sample, n, sizeof(*sample), u64_cmp);
	return sample[n / 2] ? sample[n / 2] : 1;
}

/* Take d from every count, free the slots that reach 0, and index the rest again. */
static void sweep(struct ms_hh *t)
{
	uint64_t d = sweep_decrement(t);
	uint32_t s;

	for (s = t->nr; s-- > 0;) {
		struct ms_hh_slot *slot = &t->slots[s];

		if (!slot->count)
			continue;
		if (slot->count > d) {
			slot->count -= d;
			continue;
		}
		slot->count = 0;
		slot->key = t->free_head;
		t->free_head = s + 1;
		t->live--;
		t->evictions++;
	}
	t->decrement += d;
	t->sweeps++;
	memset(t->index, 0, (size_t)t->index_size * sizeof(*t->index));
	index_fill(t);
}

uint32_t ms_hh_make_room(struct ms_hh *t, uint64_t key)
{
	if (t->cap < t->cap_max)
		grow(t);
	if (t->live == t->cap)	/* growth refused or at its cap */
		sweep(t);
	return ms_hh_probe(t, key);	/* the index was rebuilt */
}

uint32_t ms_hh_find(const struct ms_hh *t, uint64_t key)
{
	uint32_t i = ms_hh_probe(t, key);

	return t->index[i] ? entry_slot(t->index[i]) : MS_HH_NONE;
}
