/*
 * fake_slabs.h - slabs of synthetic objects fed to an engine, for the unit tests.
 *
 * A generator makes object i at its address; fk_feed() lays objects out in slabs from
 * FK_SLABS_A and feeds them, so a pass can be replayed exactly for the engine's second pass.
 */
#ifndef MEMSIM_FAKE_SLABS_H
#define MEMSIM_FAKE_SLABS_H

#include <stdint.h>

#include "engine.h"
#include "fake_kernel.h"

/* Make an object @i of @size bytes at @addr into @obj; return 0 for a free object. */
typedef int (*fk_gen_fn)(void *arg, uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size);

/*
 * Feed @n objects of @size bytes (stride == size) from @gen to @e, in slabs of
 * @per_slab objects laid out from FK_SLABS_A.  Returns the number of allocated objects.
 */
uint64_t fk_feed(struct ms_engine *e, uint64_t n, uint32_t size, uint32_t per_slab,
		 fk_gen_fn gen, void *arg);
/* The same for objects @first .. @first + @n - 1 only (@first a multiple of @per_slab). */
uint64_t fk_feed_range(struct ms_engine *e, uint64_t first, uint64_t n, uint32_t size,
		       uint32_t per_slab, fk_gen_fn gen, void *arg);

/*
 * Run @e to the end: pass 1, and pass 2 if asked.  Returns the number of passes, or -1 when
 * ms_engine_end_pass() failed.
 */
int fk_run(struct ms_engine *e, uint64_t n, uint32_t size, uint32_t per_slab, fk_gen_fn gen,
	   void *arg);

/* Default engine config for cache A with objects of @size bytes. */
struct ms_engine_config fk_config(uint32_t size);

#endif
