/*
 * owner.h - guessing the struct that a cluster's objects are, from debuginfo (libdw).
 *
 * An ms_dwarf_index holds every struct type of the vmlinux and of loaded modules' debuginfo
 * (name, size, members with offsets and type classes), built once per debuginfo file and
 * cached on disk.  ms_owner_rank() scores candidates whose size fits the cache against a
 * cluster's per-offset pattern (see pattern.h) and explains each score.
 */
#ifndef MEMSIM_OWNER_H
#define MEMSIM_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "dwarf_code.h"
#include "dwarf_index.h"
#include "error.h"
#include "pattern.h"

#define MS_OWNER_MAX_EVIDENCE 12
#define MS_OWNER_MAX_GUESSES 5

/*
 * What the allocator's own record says about a cluster: a struct type in scope where its
 * objects were allocated (SLUB's tracks name the call site; dwarf_code.h finds the types;
 * owner_hints.h makes these).  A candidate of that name (and size, when known) gains
 *   returned by the allocating function (or a function inlined there)     +4
 *   a local variable of its pointer type there                             +3
 *   a parameter of its pointer type there                                  +1.5
 * divided, for locals and parameters, among the distinct types of that relation at that site
 * that are candidates, times the site's share of the cluster's allocations; a hint from the
 * frame above the site (the site's own function holds no struct pointer) counts half.  The
 * best hint per candidate counts, as typed evidence.
 */
struct ms_owner_hint {
	struct ms_code_type code;
	char site[192];		/* the call site, "new_fn_entry+0x2a [memsim_leak]" */
	char frame[192];	/* the frame the types come from, if not the site ("" otherwise) */
	double share;		/* the site's share of the cluster's recorded allocations, 0..1 */
};

struct ms_owner_guess {
	char type_name[128];	/* "struct inotify_event_info" */
	char origin[64];	/* "vmlinux" or the module name */
	uint32_t size;		/* sizeof the struct */
	double score;		/* higher is better; comparable within one ranking */
	double margin;		/* score minus the next candidate's */
	size_t nr_evidence;
	char evidence[MS_OWNER_MAX_EVIDENCE][320]; /* "+0x8 fn ptr -> member 'ops' (fn ptr)" */
	uint32_t array;		/* the objects are arrays of this many of the struct (0: not) */
	/* the allocator's hint that counted for it (struct ms_owner_hint), if any */
	int hinted;
	double hint_bonus;
	struct ms_owner_hint hint;
};


/*
 * The smallest struct size that lands in cache @cache_name of object size @object_size: one
 * more than the next smaller kmalloc size class for the general-purpose caches (kmalloc-64
 * holds 33..64-byte allocations); for a dedicated cache @object_size - 15, since SLUB merges
 * caches whose slots differ by less than a pointer (after alignment) into one.
 */
uint32_t ms_owner_min_size(const char *cache_name, uint32_t object_size);

/*
 * The crash command that shows guess @g on the object at @addr, into @buf: "struct NAME ADDR",
 * or "struct NAME ADDR COUNT" for an array of COUNT of the struct ("union NAME" kept).
 */
void ms_owner_guess_command(const struct ms_owner_guess *g, uint64_t addr, char *buf, size_t len);

/*
 * Rank the struct types of @indexes (@nr of them) as owners of @pattern, the per-offset
 * consensus of a cluster from cache @pattern->cache_name (words resolved and followed, see
 * resolve.h); @aliases names the caches merged into it (comma-separated, may be NULL), whose
 * names count like the cache's own.  Candidates are the structs whose size lands in that cache
 * (ms_owner_min_size() .. object_size; structs ending in a flexible array may be smaller;
 * for a dedicated cache also a struct named like the cache).  Each candidate is scored word
 * by word against its members:
 *   function pointer            vs function-pointer member                      +4
 *   pointer to a global of type T vs member of type T *                          +5
 *   pointer into cache C        vs member T * where sizeof(T) lands in C        +2.5, plus
 *                               T scored against the target objects' words (depth)
 *   self-pointer to +k          vs the list_head at +k (an empty list)          +3
 *   list poison                 vs list_head / hlist_node                       +3
 *   small integers, raw values  vs integer members                              +1, +0.5
 *   text                        vs char arrays                                  +2.5
 * and against it where they clash (a pointer in an integer, a small value in a pointer,
 * non-zero bytes in padding).  Objects whose used words repeat with a period of P bytes, at
 * least twice, each period holding a typed word (a function, a global, a self-pointer, list
 * poison, a struct page or slab pointer), may be arrays: structs of exactly P bytes are
 * candidates too, scored element by element over the N periods, and guessed as
 * "struct T[N]".  A header smaller than the size class is a candidate when the pattern's
 * payload (payload.h) shows a length field that one of its members holds.  Symbols of a module favour that module's structs a little; a
 * dedicated cache favours the struct named like it.  Fills up to @max guesses, best first,
 * each with its score, margin to the next and the evidence lines that weighed most, and
 * sets *@nr_out.  When the pattern is too plain to decide (no typed evidence) or nothing
 * fits, no guess is made and @note (@note_len bytes) says what is lacking; @note may carry a
 * remark with guesses too.  Errors only for MS_ERR_NOMEM.
 */
struct ms_error *ms_owner_rank(struct ms_dwarf_index *const *indexes, size_t nr,
			       const struct ms_pattern *pattern, const char *aliases,
			       struct ms_owner_guess *guesses, size_t max, size_t *nr_out,
			       char *note, size_t note_len);

/*
 * ms_owner_rank() with @hints (@nr_hints of them, see struct ms_owner_hint) weighed in as
 * evidence.  A pattern too plain to decide on its own (no typed word) gets a guess when a
 * hint's bonus on the best candidate is at least 2 (a return type or a sole local of the
 * allocating function, on most of the cluster).
 */
struct ms_error *ms_owner_rank_hinted(struct ms_dwarf_index *const *indexes, size_t nr,
				      const struct ms_pattern *pattern, const char *aliases,
				      const struct ms_owner_hint *hints, size_t nr_hints,
				      struct ms_owner_guess *guesses, size_t max, size_t *nr_out,
				      char *note, size_t note_len);

#endif
