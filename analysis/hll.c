/* hll.c - HyperLogLog distinct counting; see hll.h. */
#include <math.h>
#include <string.h>

#include "hll.h"

void ms_hll_clear(struct ms_hll *h)
{
	memset(h->reg, 0, sizeof(h->reg));
}

void ms_hll_add(struct ms_hll *h, uint64_t hash)
{
	uint32_t i = hash >> (64 - MS_HLL_BITS);
	/* The guard bit caps the rank when the remaining bits are all zero. */
	uint64_t rest = (hash << MS_HLL_BITS) | (1ULL << (MS_HLL_BITS - 1));
	uint8_t rank = __builtin_clzll(rest) + 1;

	if (rank > h->reg[i])
		h->reg[i] = rank;
}

uint64_t ms_hll_estimate(const struct ms_hll *h)
{
	const double m = MS_HLL_REGISTERS, alpha = 0.7213 / (1.0 + 1.079 / m);
	double sum = 0, e;
	uint32_t i, zeros = 0;

	for (i = 0; i < MS_HLL_REGISTERS; i++) {
		sum += ldexp(1.0, -h->reg[i]);
		zeros += h->reg[i] == 0;
	}
	e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log(m / zeros);	/* linear counting is better while registers are empty */
	return (uint64_t)(e + 0.5);
}
