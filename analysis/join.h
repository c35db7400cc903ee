/*
 * join.h - the fuzzy join: when an object's pattern is close enough to a bigger pattern to
 * count as the same kind of object.
 *
 * Objects of one type in one state share most tokens but not all: a counter is 0 in one,
 * 5 in another and 70000 in a third (zero / small / raw), a pointer is NULL or reaches a
 * different cache.  Unrelated objects may share only zeros.  The rule weighs each word by
 * how much it says about type identity, and demands the strongest evidence match exactly.
 *
 * Weights, by token kind:
 *   4  ktext, kdata, self, list_poison, slab_poison   (which function, which ops table,
 *                                                       which list or lifetime state)
 *   2  same_cache, slab, heap, vmalloc, vmemmap, percpu, user, ascii
 *   1  zero, small, raw                                (values)
 * For each word, with a = the bigger pattern's token and b = the other's, the word weighs
 * w = max(weight(a), weight(b)) and earns a credit:
 *   1    a and b identical (kind and argument)
 *   1    both values (zero, small, raw): a counter or flags word
 *   1/2  both pointers of the heap family (same_cache, slab, heap, vmalloc, vmemmap, percpu)
 *        or one such pointer and a zero (a NULL pointer): a differing heap pointer
 *   0    otherwise
 * score = sum(w * credit) / sum(w).  The smaller pattern JOINS the bigger one iff
 *   (1) both are of the same class (allocated or free) and length,
 *   (2) every ktext/kdata word of the bigger pattern is identical in the smaller,
 *   (3) at least one word of weight 4 is identical in both (zeros alone are no evidence),
 *   (4) score >= MS_JOIN_THRESHOLD (0.75).
 * Examples (kmalloc-32): {self+0, self+0, ktext f, small} takes {self+0, self+0, ktext f, raw}
 * (score 1); {heap, ktext f, small, zero} takes {slab c, ktext f, small, zero} (0.875);
 * {self+0, self+0, ktext f, small} refuses {zero, zero, ktext f, zero} (5/13 = 0.38) and
 * anything with another function at +0x10 (rule 2); an all-zero pattern joins nothing, and a
 * pattern without a weight-4 word takes nothing (rule 3).
 */
#ifndef MEMSIM_JOIN_H
#define MEMSIM_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "memacct.h"
#include "pattern.h"

#define MS_JOIN_THRESHOLD 0.75
#define MS_JOIN_STRONG 4

/* The weight of @kind as evidence of type identity (4, 2 or 1, see above). */
unsigned ms_join_weight(enum ms_token_kind kind);

/*
 * Does @tokens (the smaller pattern) join @anchor (the bigger), both @n words of the same
 * class?  Returns 1 or 0 and, if @score is not NULL, the score (0 when rule 2 fails).
 */
int ms_join_match(const struct ms_token *anchor, const struct ms_token *tokens, size_t n,
		  double *score);

/*
 * Finding the best host among many candidate patterns without comparing with each: every
 * host shares an identical weight-4 word with the pattern (rule 3), so candidates are
 * indexed by their weight-4 words (only by their first ktext/kdata word when they have
 * one: rule 2 demands it identical) and only those sharing one are scored.
 */
struct ms_join_index;

/*
 * Index @nr candidate patterns of @nwords tokens each (@patterns[i], class @classes[i]),
 * allocating through @mem.  The arrays must outlive the index.  Returns NULL and sets *@out,
 * or an error (MS_ERR_LIMIT when the budget refuses).
 */
struct ms_error *ms_join_index_new(struct ms_mem *mem, const struct ms_token *const *patterns,
				   const uint8_t *classes, size_t nr, size_t nwords,
				   struct ms_join_index **out);
void ms_join_index_free(struct ms_join_index *ix);
/* Most bytes an index of @nr patterns of @nwords tokens holds (for memory planning). */
size_t ms_join_index_bytes(size_t nr, size_t nwords);

/*
 * The candidate that @tokens (of class @cls) joins with the highest score, the lowest index
 * among equal scores; -1 when it joins none.  Candidate @skip (or -1) is never returned.
 */
long ms_join_index_best(struct ms_join_index *ix, const struct ms_token *tokens, unsigned cls,
			long skip);

#endif
