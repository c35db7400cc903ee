/*
 * memmap.c - one pass over the memory map: every node's struct pages, read a memory section
 * at a time and handed to a visitor.  The slab walk (memsim CACHE, memsim -a) and the page
 * classification (memsim -i) both ride on it.  A section with no memory is a hole, not a
 * loss; struct pages that cannot be read are retried page by page and the losses counted.
 */
#include "defs.h"

#include "adapter.h"

uint64_t memmap_pages_total(void)
{
	uint64_t total = 0;
	int n;

	for (n = 0; n < vt->numnodes; n++)
		total += vt->node_table[n].size;
	return total;
}

static uint64_t page_struct_addr(const struct node_table *nt, const struct slub_layout *l,
				 uint64_t pfn, uint64_t start_pfn)
{
	if (machdep->flags & VMEMMAP)
		return VMEMMAP_VADDR + pfn * l->page_struct_size;
	return nt->mem_map + (pfn - start_pfn) * l->page_struct_size;
}

/* Read @count struct pages from @addr; on failure retry page by page and count the losses. */
static void read_chunk(const struct memmap_pass *mp, uint64_t addr, uint64_t pfn, uint64_t count)
{
	const struct slub_layout *l = mp->l;
	uint64_t done, n;

	if (readmem(addr, KVADDR, mp->buf, count * l->page_struct_size, "memsim struct pages",
		    RETURN_ON_ERROR | QUIET)) {
		mp->pages(mp->arg, mp->buf, addr, pfn, count);
		return;
	}
	for (done = 0; done < count && !*mp->stop; done += n) {
		uint64_t a = addr + done * l->page_struct_size;
		/* Up to the next page boundary of the memory map: a chunk need not start on one
		 * (node 0 starts at pfn 1 on x86), and a read that straddles an unreadable page
		 * must not lose the readable struct pages next to it. */
		uint64_t to_boundary = (l->page_size - a % l->page_size) / l->page_struct_size;

		n = to_boundary ? to_boundary : 1;
		if (n > count - done)
			n = count - done;
		if (readmem(a, KVADDR, mp->buf, n * l->page_struct_size, "memsim struct pages",
			    RETURN_ON_ERROR | QUIET))
			mp->pages(mp->arg, mp->buf, a, pfn + done, n);
		else
			mp->lost(mp->arg, n);
	}
}

static void walk_node(const struct memmap_pass *mp, const struct node_table *nt, uint64_t *done)
{
	uint64_t start = nt->start_paddr / mp->l->page_size, end = start + nt->size, pfn;

	for (pfn = start; pfn < end && !*mp->stop; ) {
		uint64_t chunk_end = (pfn / MEMMAP_CHUNK_PAGES + 1) * MEMMAP_CHUNK_PAGES;

		if (chunk_end > end)
			chunk_end = end;
		scan_keep_sigint();
		if (!IS_SPARSEMEM() || valid_section_nr(pfn_to_section_nr(pfn)))
			read_chunk(mp, page_struct_addr(nt, mp->l, pfn, start), pfn,
				   chunk_end - pfn);
		*done += chunk_end - pfn;
		pfn = chunk_end;
		if (mp->progress)
			mp->progress(mp->arg, *done);
	}
}

uint64_t memmap_walk(const struct memmap_pass *mp)
{
	uint64_t done = 0;
	int n;

	for (n = 0; n < vt->numnodes && !*mp->stop; n++)
		walk_node(mp, &vt->node_table[n], &done);
	return done;
}
