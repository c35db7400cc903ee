/* synth.c - synthetic leaks and noise for the engine tests; see synth.h. */
#include "synth.h"

int is_planted(const struct mix *m, uint64_t i)
{
	return (i * 7919) % m->total < m->planted;
}

/* The leak: an empty list_head, a callback, a counter that is mostly small, sometimes 0 or big. */
void planted_object(uint64_t i, uint64_t addr, uint8_t *obj)
{
	uint64_t counter = i % 5000;

	if (i % 100 == 7)
		counter = i * 0x100000001ULL;	/* raw */
	fk_put(obj, 0, addr);
	fk_put(obj, 8, addr);
	fk_put(obj, 16, FN_LEAK);
	fk_put(obj, 24, counter);
}

/* Noise: every word drawn from a mix of kinds; never the leak's callback. */
static uint64_t noise_word(uint64_t *st, uint64_t addr, uint32_t size)
{
	uint64_t r = fk_rand(st);

	switch (r % 9) {
	case 0:
		return 0;
	case 1:
		return 1 + (r >> 8) % 1000;
	case 2:
		return (r >> 4) | 0x0100000000000000ULL;
	case 3:
		return FK_HEAP + ((r >> 8) % (1 << 20)) * 64;
	case 4:
		return FK_SLABS_B + ((r >> 8) % (1 << 20)) * 64;
	case 5:
		return FK_KTEXT + ((r >> 8) % 50) * 0x40;
	case 6:
		return FK_KDATA + ((r >> 8) % 20) * 0x100;
	case 7:
		return addr + 8 * ((r >> 8) % (size / 8));
	default:
		return FK_SLABS_A + ((r >> 8) % (1 << 24)) * 8;
	}
}

void noise_object(uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size)
{
	uint64_t st = i * 0x9e3779b97f4a7c15ULL + 1;
	uint32_t off;

	for (off = 0; off + 8 <= size; off += 8)
		fk_put(obj, off, noise_word(&st, addr, size));
}

int mix_gen(void *arg, uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size)
{
	const struct mix *m = arg;

	if (is_planted(m, i))
		planted_object(i, addr, obj);
	else
		noise_object(i, addr, obj, size);
	return 1;
}

uint64_t addr_index(uint64_t addr, uint32_t size)
{
	return (addr - FK_SLABS_A) / size;
}
