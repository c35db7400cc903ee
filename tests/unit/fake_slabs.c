/* fake_slabs.c - synthetic slabs fed to an engine; see fake_slabs.h. */
#include <stdlib.h>
#include <string.h>

#include "fake_slabs.h"

struct ms_engine_config fk_config(uint32_t size)
{
	struct ms_engine_config cfg = {
		.cache_name = "kmalloc-test",
		.cache_addr = FK_CACHE_A,
		.object_size = size,
		.stride = size,
		.layout = &fk_layout,
		.env = &fk_env,
	};

	return cfg;
}

uint64_t fk_feed(struct ms_engine *e, uint64_t n, uint32_t size, uint32_t per_slab,
		 fk_gen_fn gen, void *arg)
{
	return fk_feed_range(e, 0, n, size, per_slab, gen, arg);
}

uint64_t fk_feed_range(struct ms_engine *e, uint64_t first, uint64_t n, uint32_t size,
		       uint32_t per_slab, fk_gen_fn gen, void *arg)
{
	uint8_t *buf = calloc(per_slab, size);
	uint64_t *bitmap = calloc((per_slab + 63) / 64, 8), i = first, allocated = 0;
	uint64_t addr = FK_SLABS_A + first * size;

	n += first;

	while (buf && bitmap && i < n) {
		struct ms_slab_view v = { buf, addr, 0, size, size, 0, bitmap };

		memset(bitmap, 0, (per_slab + 63) / 64 * 8);
		for (; v.nr_objects < per_slab && i < n; v.nr_objects++, i++) {
			uint32_t k = v.nr_objects;
			uint64_t a = addr + (uint64_t)k * size;

			memset(buf + (size_t)k * size, 0, size);
			if (gen(arg, i, a, buf + (size_t)k * size, size)) {
				bitmap[k / 64] |= 1ULL << (k % 64);
				allocated++;
			}
		}
		ms_engine_feed_slab(e, &v);
		addr += (uint64_t)per_slab * size;
	}
	free(buf);
	free(bitmap);
	return allocated;
}

int fk_run(struct ms_engine *e, uint64_t n, uint32_t size, uint32_t per_slab, fk_gen_fn gen,
	   void *arg)
{
	int passes = 0, again;

	do {
		ms_engine_begin_pass(e);
		fk_feed(e, n, size, per_slab, gen, arg);
		passes++;
		again = ms_engine_end_pass(e);
	} while (again == 1 && passes < 3);
	return again < 0 ? -1 : passes;
}
