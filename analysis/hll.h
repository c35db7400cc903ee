/*
 * hll.h - estimating how many distinct hashes a stream held, in 16 KiB (HyperLogLog).
 *
 * The engine reports how many distinct object contents and patterns a cache holds.  It
 * counts them exactly while its tables have room; past that it falls back to this estimate
 * (Flajolet, Fusy, Gandouet and Meunier, 2007, with linear counting for small counts):
 * 2^14 one-byte registers, standard error about 0.8 %.
 */
#ifndef MEMSIM_HLL_H
#define MEMSIM_HLL_H

#include <stdint.h>

#define MS_HLL_BITS 14
#define MS_HLL_REGISTERS (1u << MS_HLL_BITS)

struct ms_hll {
	uint8_t reg[MS_HLL_REGISTERS];
};

/* Forget everything added. */
void ms_hll_clear(struct ms_hll *h);
/* Add one well-mixed 64-bit hash. */
void ms_hll_add(struct ms_hll *h, uint64_t hash);
/* Estimated number of distinct hashes added (0 for none). */
uint64_t ms_hll_estimate(const struct ms_hll *h);

#endif
