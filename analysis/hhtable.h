/*
 * hhtable.h - counting 64-bit keys in bounded memory: exact until full, then Space-Saving.
 *
 * The clustering engine counts the exact contents and the patterns of up to hundreds of
 * millions of objects in a memory budget.  A table grows by doubling up to @cap_max slots;
 * while it has room every count is exact.  Once full, a new key takes over the slot with the
 * smallest count (Space-Saving, Metwally, Agrawal and El Abbadi, 2005): its count becomes
 * that minimum + 1 and its error the minimum.  What that guarantees: a key's true count lies
 * in [count - err, count], and every key seen more than N / cap_max times out of N is in the
 * table.  The engine uses that to pick candidates and then counts them exactly in a second
 * pass.  Keys are hashes already (xxh3): equal keys are taken to be equal items.
 *
 * A min-heap of slots by count finds the smallest count; it exists only once the table has
 * been full, so the exact phase costs one hash probe per key.  The index keeps part of each
 * key beside its slot number, so a probe touches the slots only on a likely match: with a
 * million slots every touch is a cache miss.
 */
#ifndef MEMSIM_HHTABLE_H
#define MEMSIM_HHTABLE_H

#include <stdint.h>

#include "memacct.h"

#define MS_HH_NONE UINT32_MAX

enum ms_hh_event {
	MS_HH_HIT,	/* the key was in the table: its count went up */
	MS_HH_NEW,	/* a free slot took the key: count 1, err 0 */
	MS_HH_REPLACED,	/* the key evicted the smallest count: the slot's old data is stale */
};

struct ms_hh_slot {
	uint64_t key;
	uint64_t count;	/* upper bound of the key's count */
	uint64_t err;	/* count - err is a lower bound */
};

/*
 * Called before the table grows to @new_cap slots so the owner can grow its own per-slot
 * data; returning 0 refuses, and the table then stays at its size and starts evicting.
 */
typedef int (*ms_hh_grow_fn)(void *arg, uint32_t new_cap);

struct ms_hh {
	struct ms_mem *mem;
	uint32_t cap_max;	/* slots it may grow to (a power of two) */
	uint32_t cap;		/* slots usable now */
	uint32_t nr;		/* slots in use */
	uint32_t slots_alloc;	/* slots allocated */
	struct ms_hh_slot *slots;
	uint64_t *index;	/* linear probing: key's high 32 bits << 32 | slot + 1; 0 empty */
	uint32_t index_size;	/* a power of two, at least 2 * cap */
	unsigned index_bits;
	uint32_t *heap;		/* slots as a min-heap by count, once the table is full */
	uint32_t *heap_pos;	/* position of each slot in @heap */
	uint64_t evictions;	/* keys that took over another key's slot */
	uint64_t dropped;	/* keys not counted at all (the heap could not be allocated) */
	ms_hh_grow_fn grow;
	void *grow_arg;
};

/* Bytes one slot may cost at most: the slot, two heap words and two index entries. */
#define MS_HH_SLOT_BYTES (sizeof(struct ms_hh_slot) + 2 * sizeof(uint32_t) + 2 * sizeof(uint64_t))

/*
 * Start an empty table that may grow to @cap_max slots (rounded down to a power of two, at
 * least 16), allocating through @mem; @grow (may be NULL) is told before each growth.
 * Returns 0, or -1 when even the first slots cannot be allocated.
 */
int ms_hh_init(struct ms_hh *t, struct ms_mem *mem, uint32_t cap_max, ms_hh_grow_fn grow,
	       void *grow_arg);
/* Free what the table holds; the struct may be initialised again. */
void ms_hh_destroy(struct ms_hh *t);
/*
 * Count one more @key.  Returns its slot and says in *@ev what happened, or MS_HH_NONE when
 * the key could not be counted (see @dropped).
 */
uint32_t ms_hh_add(struct ms_hh *t, uint64_t key, enum ms_hh_event *ev);
/* The slot holding @key, or MS_HH_NONE. */
uint32_t ms_hh_find(const struct ms_hh *t, uint64_t key);

#endif
