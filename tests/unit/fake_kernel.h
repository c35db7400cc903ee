/*
 * fake_kernel.h - a made-up x86-64 address space and slab cache for the unit tests.
 *
 * The layout has kernel text and data, one module, a per-cpu area inside the direct map,
 * vmalloc and vmemmap.  The env's page_cache says which 1 GiB-aligned direct-map window
 * belongs to which cache and counts its calls.
 */
#ifndef MEMSIM_FAKE_KERNEL_H
#define MEMSIM_FAKE_KERNEL_H

#include <stdint.h>

#include "layout.h"

#define FK_USER_TOP 0x0000800000000000ULL
#define FK_DIRECTMAP 0xffff888000000000ULL
#define FK_DIRECTMAP_END 0xffff889000000000ULL
#define FK_PERCPU 0xffff888f00000000ULL		/* inside the direct map */
#define FK_PERCPU_END 0xffff888f00200000ULL
#define FK_VMALLOC 0xffffc90000000000ULL
#define FK_VMEMMAP 0xffffea0000000000ULL
#define FK_KTEXT 0xffffffff81000000ULL
#define FK_KDATA 0xffffffff82000000ULL
#define FK_KEND 0xffffffff83000000ULL
#define FK_MODTEXT 0xffffffffc0000000ULL
#define FK_MODDATA 0xffffffffc0010000ULL
#define FK_MODEND 0xffffffffc0020000ULL

/* Our cache's objects live at FK_SLABS_A; another cache's at FK_SLABS_B. */
#define FK_CACHE_A 0xffff888003c41b00ULL
#define FK_CACHE_B 0xffff888003c41c00ULL
#define FK_SLABS_A 0xffff888100000000ULL
#define FK_SLABS_B 0xffff888200000000ULL
#define FK_HEAP 0xffff888300000000ULL		/* direct map, no slab cache */

extern struct ms_layout fk_layout;
extern struct ms_env fk_env;
extern uint64_t fk_page_cache_calls;

/* Deterministic pseudo-random numbers (xorshift64*). */
uint64_t fk_rand(uint64_t *state);

static inline void fk_put(uint8_t *obj, uint32_t off, uint64_t v)
{
	__builtin_memcpy(obj + off, &v, 8);
}

#endif
