/* hhtable.c - exact-then-Space-Saving counting of 64-bit keys; see hhtable.h. */
#include <string.h>

#include "hhtable.h"

#define FIRST_CAP 1024u

static uint32_t home(const struct ms_hh *t, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - t->index_bits));
}

static uint64_t entry(uint64_t key, uint32_t slot)
{
	return (key & 0xffffffff00000000ULL) | (slot + 1);
}

static uint32_t entry_slot(uint64_t e)
{
	return (uint32_t)e - 1;
}

/* Where @key is in the index, or the empty entry where it would go. */
static uint32_t probe(const struct ms_hh *t, uint64_t key)
{
	uint32_t mask = t->index_size - 1, i = home(t, key);
	uint64_t high = key & 0xffffffff00000000ULL;

	for (;; i = (i + 1) & mask) {
		uint64_t e = t->index[i];

		if (!e)
			return i;
		if ((e & 0xffffffff00000000ULL) == high && t->slots[entry_slot(e)].key == key)
			return i;
	}
}

static int index_rebuild(struct ms_hh *t, uint32_t size)
{
	uint64_t *index = ms_mem_alloc(t->mem, (size_t)size * sizeof(*index));
	uint32_t s;

	if (!index)
		return 0;
	ms_mem_free(t->mem, t->index, (size_t)t->index_size * sizeof(*t->index));
	t->index = index;
	t->index_size = size;
	t->index_bits = __builtin_ctz(size);
	for (s = 0; s < t->nr; s++)
		t->index[probe(t, t->slots[s].key)] = entry(t->slots[s].key, s);
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
	ms_mem_free(t->mem, t->heap, (size_t)t->cap * sizeof(*t->heap));
	ms_mem_free(t->mem, t->heap_pos, (size_t)t->cap * sizeof(*t->heap_pos));
	memset(t, 0, sizeof(*t));
}

/* Double the table; on any refusal it stops growing for good and evicts from then on. */
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

static uint64_t count_at(const struct ms_hh *t, uint32_t pos)
{
	return t->slots[t->heap[pos]].count;
}

/* The count at heap position @pos went up: move it down towards the leaves. */
static void sift_down(struct ms_hh *t, uint32_t pos)
{
	uint32_t s = t->heap[pos], n = t->nr;
	uint64_t c = t->slots[s].count;

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= n)
			break;
		if (child + 1 < n && count_at(t, child + 1) < count_at(t, child))
			child++;
		if (count_at(t, child) >= c)
			break;
		t->heap[pos] = t->heap[child];
		t->heap_pos[t->heap[pos]] = pos;
		pos = child;
	}
	t->heap[pos] = s;
	t->heap_pos[s] = pos;
}

static int heap_build(struct ms_hh *t)
{
	uint32_t i;

	t->heap = ms_mem_alloc(t->mem, (size_t)t->cap * sizeof(*t->heap));
	t->heap_pos = ms_mem_alloc(t->mem, (size_t)t->cap * sizeof(*t->heap_pos));
	if (!t->heap || !t->heap_pos) {
		ms_mem_free(t->mem, t->heap, (size_t)t->cap * sizeof(*t->heap));
		ms_mem_free(t->mem, t->heap_pos, (size_t)t->cap * sizeof(*t->heap_pos));
		t->heap = t->heap_pos = NULL;
		return 0;
	}
	for (i = 0; i < t->nr; i++) {
		t->heap[i] = i;
		t->heap_pos[i] = i;
	}
	for (i = t->nr / 2; i-- > 0;)
		sift_down(t, i);
	return 1;
}

/* Remove the index entry at @i, shifting later entries of its probe run back. */
static void index_delete(struct ms_hh *t, uint32_t i)
{
	uint32_t mask = t->index_size - 1, j = i;

	for (;;) {
		uint32_t k;

		j = (j + 1) & mask;
		if (!t->index[j])
			break;
		k = home(t, t->slots[entry_slot(t->index[j])].key);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;	/* it sits at or after its home: leave it */
		t->index[i] = t->index[j];
		i = j;
	}
	t->index[i] = 0;
}

/* Space-Saving: @key takes over the slot with the smallest count. */
static uint32_t evict(struct ms_hh *t, uint64_t key)
{
	uint32_t s;

	if (!t->heap && !heap_build(t)) {
		t->dropped++;
		return MS_HH_NONE;
	}
	s = t->heap[0];
	index_delete(t, probe(t, t->slots[s].key));
	t->slots[s].key = key;
	t->slots[s].err = t->slots[s].count;
	t->slots[s].count++;
	t->index[probe(t, key)] = entry(key, s);
	sift_down(t, 0);
	t->evictions++;
	return s;
}

uint32_t ms_hh_add(struct ms_hh *t, uint64_t key, enum ms_hh_event *ev)
{
	uint32_t i = probe(t, key), s;

	if (t->index[i]) {
		s = entry_slot(t->index[i]);
		t->slots[s].count++;
		if (t->heap)
			sift_down(t, t->heap_pos[s]);
		*ev = MS_HH_HIT;
		return s;
	}
	if (t->nr == t->cap && t->cap < t->cap_max) {
		grow(t);
		i = probe(t, key);	/* the index may have been rebuilt */
	}
	if (t->nr == t->cap) {
		*ev = MS_HH_REPLACED;
		return evict(t, key);
	}
	s = t->nr++;
	t->slots[s] = (struct ms_hh_slot){ key, 1, 0 };
	t->index[i] = entry(key, s);
	*ev = MS_HH_NEW;
	return s;
}

uint32_t ms_hh_find(const struct ms_hh *t, uint64_t key)
{
	uint32_t i = probe(t, key);

	return t->index[i] ? entry_slot(t->index[i]) : MS_HH_NONE;
}
