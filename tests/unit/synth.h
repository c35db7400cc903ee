/*
 * synth.h - synthetic slab objects for the engine tests: a planted leak (an empty
 * list_head, a module callback, a counter that is mostly small, sometimes 0 or past 2^16)
 * among noise objects whose words are drawn from every kind but the leak's callback.
 */
#ifndef MEMSIM_SYNTH_H
#define MEMSIM_SYNTH_H

#include <stdint.h>

#include "fake_slabs.h"

#define FN_LEAK (FK_MODTEXT + 0x1230)	/* the leaking module's callback */
#define OPS_LEAK (FK_MODDATA + 0x200)

/* A planted leak among noise: object i is planted when its slot in a permutation is low. */
struct mix {
	uint64_t total, planted;
	uint32_t size;
};

int is_planted(const struct mix *m, uint64_t i);
/* The leak's object number @i at @addr (32 bytes or more). */
void planted_object(uint64_t i, uint64_t addr, uint8_t *obj);
/* A noise object of @size bytes, determined by @i and @addr. */
void noise_object(uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size);
/* fk_gen_fn for a struct mix: planted or noise objects, all allocated. */
int mix_gen(void *arg, uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size);
/* Object number of @addr when objects of @size bytes are laid out from FK_SLABS_A. */
uint64_t addr_index(uint64_t addr, uint32_t size);

#endif
