/*
 * resolve.h - naming what a cluster's words point at.
 *
 * After clustering, the words of a pattern say only what kind of thing they hold.  Resolution
 * asks the adapter (struct ms_env) what is there: the symbol a text or data pointer names, and
 * for a pointer that is the same in every object of the cluster, the object it reaches and the
 * symbols inside that object ("all objects point to the same kmalloc-128 object ..., whose +0x0
 * is &ops [module]").  This turns objects that hold no symbol themselves into a named trail.
 */
#ifndef MEMSIM_RESOLVE_H
#define MEMSIM_RESOLVE_H

#include "layout.h"
#include "pattern.h"

/*
 * Fill each word's symbol and meaning in @p (only words that have none yet) through @env;
 * words @env cannot answer for are left as they are.  @count is the cluster's size, for
 * "all N objects".  Never fails; reads at most one small object per shared pointer.
 */
void ms_pattern_resolve(struct ms_pattern *p, uint64_t count, const struct ms_env *env);

/* Format @sym as "name+0xoff [module]" (no offset when 0, no module for the kernel). */
void ms_symbol_format(const struct ms_symbol *sym, char *buf, size_t len);

#endif
