/* memacct.c - allocations counted against a byte budget; see memacct.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memacct.h"

/*
 * Big blocks (the engine's tables) are mapped on their own and asked for transparent huge
 * pages: the tables are probed at random, and with 4 KiB pages nearly every probe of a
 * 16 MiB index also misses the TLB, which under a hypervisor's nested paging costs more
 * than the cache miss itself.  Whether a block is mapped follows from its size alone.
 */
#define BIG_BLOCK (2UL << 20)

static size_t map_len(size_t size)
{
	return (size + BIG_BLOCK - 1) & ~(BIG_BLOCK - 1);
}

static void *big_alloc(size_t size)
{
	void *p = mmap(NULL, map_len(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, map_len(size), MADV_HUGEPAGE);
#endif
	return p;
}

static void block_free(void *p, size_t size)
{
	if (size >= BIG_BLOCK)
		munmap(p, map_len(size));
	else
		free(p);
}

/* A block of @size bytes, zeroed. */
static void *block_alloc(size_t size)
{
	return size >= BIG_BLOCK ? big_alloc(size) : calloc(1, size ? size : 1);
}

/* Resize @p from @old to @new bytes; the growth is zeroed by the caller. */
static void *block_realloc(void *p, size_t old, size_t new)
{
	void *q;

	if (old < BIG_BLOCK && new < BIG_BLOCK)
		return realloc(p, new ? new : 1);
	q = block_alloc(new);
	if (!q)
		return NULL;
	if (p)
		memcpy(q, p, old < new ? old : new);
	block_free(p, old);
	return q;
}

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
	p = block_alloc(size);
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
	q = block_realloc(p, old, new);
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
	block_free(p, size);
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
