/* fake_kernel.c - the unit tests' made-up kernel; see fake_kernel.h. */
#include "fake_kernel.h"

static const struct ms_range fk_ranges[] = {
	{ FK_KTEXT, FK_KDATA, MS_REGION_KTEXT },
	{ FK_KDATA, FK_KEND, MS_REGION_KDATA },
	{ FK_MODTEXT, FK_MODDATA, MS_REGION_KTEXT },
	{ FK_MODDATA, FK_MODEND, MS_REGION_KDATA },
	{ FK_PERCPU, FK_PERCPU_END, MS_REGION_PERCPU },
};

struct ms_layout fk_layout = {
	.user_top = FK_USER_TOP,
	.directmap = { FK_DIRECTMAP, FK_DIRECTMAP_END, MS_REGION_DIRECTMAP },
	.vmalloc = { FK_VMALLOC, FK_VMALLOC + (32ULL << 40), MS_REGION_VMALLOC },
	.vmemmap = { FK_VMEMMAP, FK_VMEMMAP + (1ULL << 40), MS_REGION_VMEMMAP },
	.ranges = fk_ranges,
	.nr_ranges = sizeof(fk_ranges) / sizeof(fk_ranges[0]),
	.page_size = 4096,
};

uint64_t fk_page_cache_calls;

static uint64_t fk_page_cache(void *ctx, uint64_t addr)
{
	fk_page_cache_calls++;
	if (addr >= FK_SLABS_A && addr < FK_SLABS_A + (1ULL << 32))
		return FK_CACHE_A;
	if (addr >= FK_SLABS_B && addr < FK_SLABS_B + (1ULL << 32))
		return FK_CACHE_B;
	return 0;
}

struct ms_env fk_env = { .page_cache = fk_page_cache };

uint64_t fk_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}
