/*
 * memacct.h - allocations counted against a byte budget.
 *
 * The clustering engine promises a memory bound whatever the cache size.  Every byte it
 * holds goes through these wrappers, which refuse an allocation that would take the total
 * over the limit, and record the peak so tests (and the report) can show the bound held.
 */
#ifndef MEMSIM_MEMACCT_H
#define MEMSIM_MEMACCT_H

#include <stddef.h>

struct ms_mem {
	size_t limit;	/* bytes that may be held at once (0: no limit) */
	size_t used;	/* bytes held now */
	size_t peak;	/* most bytes ever held */
	size_t refused;	/* allocations refused (over the limit or out of memory) */
};

/* Zeroed memory of @size bytes counted in @m; NULL when over the limit or out of memory. */
void *ms_mem_alloc(struct ms_mem *m, size_t size);
/*
 * Resize @p from @old to @new bytes, zeroing any growth; NULL (and @p untouched and still
 * counted) when refused.
 */
void *ms_mem_realloc(struct ms_mem *m, void *p, size_t old, size_t new);
/* Free @p of @size bytes (as allocated); NULL is fine. */
void ms_mem_free(struct ms_mem *m, void *p, size_t size);
/*
 * Count @size bytes that a sub-object allocates for itself (0 when over the limit);
 * ms_mem_uncharge() gives them back.
 */
int ms_mem_charge(struct ms_mem *m, size_t size);
void ms_mem_uncharge(struct ms_mem *m, size_t size);

#endif
