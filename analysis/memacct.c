/* memacct.c - allocations counted against a byte budget; see memacct.h. */
#include <stdlib.h>
#include <string.h>

#include "memacct.h"

static int fits(struct ms_mem *m, size_t more)
{
	if (m->limit && (more > m->limit || m->used > m->limit - more)) {
		m->refused++;
		return 0;
	}
	return 1;
}

static void count(struct ms_mem *m, size_t size)
{
	m->used += size;
	if (m->used > m->peak)
		m->peak = m->used;
}

void *ms_mem_alloc(struct ms_mem *m, size_t size)
{
	void *p;

	if (!fits(m, size))
		return NULL;
	p = calloc(1, size ? size : 1);
	if (!p) {
		m->refused++;
		return NULL;
	}
	count(m, size);
	return p;
}

void *ms_mem_realloc(struct ms_mem *m, void *p, size_t old, size_t new)
{
	void *q;

	if (new > old && !fits(m, new - old))
		return NULL;
	q = realloc(p, new ? new : 1);
	if (!q) {
		m->refused++;
		return NULL;
	}
	if (new > old)
		memset((char *)q + old, 0, new - old);
	m->used -= old;
	count(m, new);
	return q;
}

void ms_mem_free(struct ms_mem *m, void *p, size_t size)
{
	if (!p)
		return;
	free(p);
	m->used -= size;
}

int ms_mem_charge(struct ms_mem *m, size_t size)
{
	if (!fits(m, size))
		return 0;
	count(m, size);
	return 1;
}

void ms_mem_uncharge(struct ms_mem *m, size_t size)
{
	m->used -= size;
}
