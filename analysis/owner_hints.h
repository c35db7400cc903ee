/*
 * owner_hints.h - from SLUB's allocation tracks of a cluster to the owner guess's hints.
 *
 * A cluster's leading allocation sites (tracks.h) are return addresses in the functions that
 * called the allocator.  Each site is named through the adapter (struct ms_env's symbol: name,
 * offset, module), its function found in the debuginfo of the vmlinux or of that module, and
 * the struct pointer types in scope there (dwarf_code.h) become hints (owner.h).  When the
 * site's own function holds none (a helper returning void *, kmemdup-like), the frame above
 * it in the site's most common stack is asked instead, at half weight.
 */
#ifndef MEMSIM_OWNER_HINTS_H
#define MEMSIM_OWNER_HINTS_H

#include <stddef.h>

#include "dwarf_index.h"
#include "layout.h"
#include "owner.h"
#include "tracks.h"

#define MS_OWNER_HINT_SITES 3		/* sites asked, each with >= 10 % of the allocations */
#define MS_OWNER_MAX_HINTS (MS_OWNER_HINT_SITES * MS_CODE_MAX_TYPES)

/*
 * The hints for a cluster whose allocation tracks are @agg, from @indexes (@nr: the vmlinux
 * and modules, origin "vmlinux" or the module's name), symbols through @env: up to @max into
 * @hints; returns how many.  What could not be asked (a site without a symbol, a module
 * without debuginfo, a function name that several static functions share) is said in @note
 * (@note_len bytes; "" when nothing was left out).
 */
size_t ms_owner_hints_from_tracks(struct ms_dwarf_index *const *indexes, size_t nr,
				  const struct ms_track_agg *agg, const struct ms_env *env,
				  struct ms_owner_hint *hints, size_t max, char *note,
				  size_t note_len);

#endif
