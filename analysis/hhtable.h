/*
 * hhtable.h - counting 64-bit keys in bounded memory: exact until full, then Misra-Gries.
 *
 * The clustering engine counts the exact contents and the patterns of up to hundreds of
 * millions of objects in a memory budget.  A table grows by doubling up to @cap_max slots;
 * while it has room every count is exact.  Once full, a new key makes the table sweep
 * (Misra-Gries' "frequent" algorithm with batched decrements): a decrement d, the median of
 * a spread sample of the live counts (at least 1), is taken from every count, the slots
 * whose count falls to 0 are freed, and the key takes one of them.  What that guarantees,
 * with D the sum of every sweep's d (@decrement): a key's true count lies in
 * [count, count + D], and D <= 2N / cap_max after N keys, so every key seen more than
 * 2N / cap_max times is in the table.  The engine uses that to pick candidates and then
 * counts them exactly in a second pass.  Keys are hashes already (xxh3): equal keys are
 * taken to be equal items.
 *
 * Why not Space-Saving's min-heap: once every key is new (every object's content differs,
 * the usual case for a leak whose objects hold self pointers) each key would evict the
 * minimum and sift through ~20 heap levels, every one a cache miss.  A sweep costs one
 * sequential pass over the slots per cap_max / 2 new keys: O(1) per key, and a key that
 * is new costs one index probe, which the caller can prefetch (ms_hh_prefetch()).
 *
 * The index keeps part of each key beside its slot number, so a probe touches the slots
 * only on a likely match.  Slot numbers are stable: a sweep frees slots (count 0) but never
 * moves a live one, so the owner's per-slot data stays where it is; a freed slot is reused
 * by a later key (MS_HH_NEW again: the owner's data there is stale).
 */
#ifndef MEMSIM_HHTABLE_H
#define MEMSIM_HHTABLE_H

#include <stdint.h>

#include "memacct.h"

#define MS_HH_NONE UINT32_MAX

enum ms_hh_event {
	MS_HH_HIT,	/* the key was in the table: its count went up */
	MS_HH_NEW,	/* a free slot took the key: count 1; the owner's slot data is stale */
};

struct ms_hh_slot {
	uint64_t key;	/* for a free slot: the next free slot + 1 (0: the last) */
	uint64_t count;	/* occurrences counted; 0: a free slot */
};

/*
 * Called before the table grows to @new_cap slots so the owner can grow its own per-slot
 * data; returning 0 refuses, and the table then stays at its size and sweeps from then on.
 */
typedef int (*ms_hh_grow_fn)(void *arg, uint32_t new_cap);

struct ms_hh {
	struct ms_mem *mem;
	uint32_t cap_max;	/* slots it may grow to (a power of two) */
	uint32_t cap;		/* slots usable now */
	uint32_t nr;		/* slots ever handed out: live and free ones are below it */
	uint32_t live;		/* slots holding a key */
	uint32_t free_head;	/* first free slot below nr + 1; 0: none */
	uint32_t slots_alloc;	/* slots allocated */
	struct ms_hh_slot *slots;
	uint64_t *index;	/* linear probing: key's high 32 bits << 32 | slot + 1; 0 empty */
	uint32_t index_size;	/* a power of two, at least 2 * cap */
	unsigned index_bits;
	uint64_t decrement;	/* D: every sweep's decrement added up */
	uint64_t evictions;	/* keys a sweep removed from the table */
	uint64_t sweeps;
	ms_hh_grow_fn grow;
	void *grow_arg;
};

/* Bytes one slot may cost at most: the slot and two index entries. */
#define MS_HH_SLOT_BYTES (sizeof(struct ms_hh_slot) + 2 * sizeof(uint64_t))

/*
 * Start an empty table that may grow to @cap_max slots (rounded down to a power of two, at
 * least 16), allocating through @mem; @grow (may be NULL) is told before each growth.
 * Returns 0, or -1 when even the first slots cannot be allocated.
 */
int ms_hh_init(struct ms_hh *t, struct ms_mem *mem, uint32_t cap_max, ms_hh_grow_fn grow,
	       void *grow_arg);
/* Free what the table holds; the struct may be initialised again. */
void ms_hh_destroy(struct ms_hh *t);
/* The slot holding @key, or MS_HH_NONE. */
uint32_t ms_hh_find(const struct ms_hh *t, uint64_t key);
/*
 * ms_hh_add() with @key not in a full table: grow, or sweep when it cannot; returns the
 * index entry where @key now goes.
 */
uint32_t ms_hh_make_room(struct ms_hh *t, uint64_t key);

/* Does slot @s (below t->nr) hold a key? */
static inline int ms_hh_live(const struct ms_hh *t, uint32_t s)
{
	return t->slots[s].count != 0;
}

/* Where @key's probe starts in the index. */
static inline uint32_t ms_hh_home(const struct ms_hh *t, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - t->index_bits));
}

/* Where @key is in the index, or the empty entry where it would go. */
static inline uint32_t ms_hh_probe(const struct ms_hh *t, uint64_t key)
{
	uint32_t mask = t->index_size - 1, i = ms_hh_home(t, key);
	uint64_t high = key & 0xffffffff00000000ULL;

	for (;; i = (i + 1) & mask) {
		uint64_t e = t->index[i];

		if (!e)
			return i;
		if ((e & 0xffffffff00000000ULL) == high && t->slots[(uint32_t)e - 1].key == key)
			return i;
	}
}

/* Count one more @key.  Returns its slot and says in *@ev what happened. */
static inline uint32_t ms_hh_add(struct ms_hh *t, uint64_t key, enum ms_hh_event *ev)
{
	uint32_t i = ms_hh_probe(t, key), s;

	if (t->index[i]) {
		s = (uint32_t)t->index[i] - 1;
		t->slots[s].count++;
		*ev = MS_HH_HIT;
		return s;
	}
	if (t->live == t->cap)
		i = ms_hh_make_room(t, key);
	if (t->free_head) {	/* a slot a sweep freed, else the next unused one */
		s = t->free_head - 1;
		t->free_head = (uint32_t)t->slots[s].key;
	} else {
		s = t->nr++;
	}
	t->slots[s].key = key;
	t->slots[s].count = 1;
	t->index[i] = (key & 0xffffffff00000000ULL) | (s + 1);
	t->live++;
	*ev = MS_HH_NEW;
	return s;
}

/* Start loading the index entry @key's probe will read first (a hint; never faults). */
static inline void ms_hh_prefetch(const struct ms_hh *t, uint64_t key)
{
	__builtin_prefetch(&t->index[ms_hh_home(t, key)]);
}

#endif
