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
	double confidence;	/* the probability that it is right, 0..1 (see below) */
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

/*
 * Confidence.  Each guess gets the probability that it is the objects' struct:
 *
 *     P(i) = C(i) * exp(s_i / T) / sum_j exp(s_j / T)
 *
 * the sum over every candidate the ranking scored (not only the five listed), with T
 * MS_OWNER_TEMPERATURE score points: a lead of T over one rival, and no other near, is odds
 * of e to 1.  The softmax alone assumes the right struct is among the candidates and that the
 * score's evidence is what tells structs apart; C(i), the ceiling, bounds what the kinds of
 * evidence behind guess i can prove when that fails (a struct missing from the debuginfo, an
 * object that is no struct):
 *   the allocator's record names it (a hint of MS_OWNER_HINT_NAMES or more)    CEIL_HINT
 *   typed words (text not) scoring MS_OWNER_TYPED_WORDS or more (a function, a typed
 *   global, or two words of lists, poison or page pointers)                     CEIL_TYPED
 *   one typed word, or a member that holds the payload's length                CEIL_SOME
 *   neither                                                                     CEIL_PLAIN
 * T and the ceilings are set from tests/calibrate (real structs of a vmlinux, objects made
 * from their layouts, ranked as memsim ranks a cluster: docs/CALIBRATION.md) and checked on
 * every sample scenario (tests/integration/calibration.py).  Below MS_OWNER_LOW_CONFIDENCE
 * the report says "low confidence".
 */
#ifndef MS_OWNER_TEMPERATURE	/* tests/calibrate builds with others to compare */
#define MS_OWNER_TEMPERATURE 0.7
#endif
#define MS_OWNER_HINT_NAMES 2.0
#define MS_OWNER_TYPED_WORDS 4.0
#define MS_OWNER_TYPED_WORD 2.0
#define MS_OWNER_LENGTH_FIELD 2.0
#define MS_OWNER_CEIL_HINT 0.99
#define MS_OWNER_CEIL_TYPED 0.97
#define MS_OWNER_CEIL_SOME 0.9
#define MS_OWNER_CEIL_PLAIN 0.75
#define MS_OWNER_LOW_CONFIDENCE 0.5

/* exp(s_which / @temperature) / sum_j exp(s_j / @temperature) over @scores (@n of them). */
double ms_owner_share(const double *scores, size_t n, size_t which, double temperature);
/* C(i) above, for a guess's typed word score, length credit and allocator's hint. */
double ms_owner_ceiling(double words, double length, double hint);

#endif
