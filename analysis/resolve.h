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
 * Fill the symbol and meaning of each text or data pointer word of @p (only words that have
 * none yet) through @env; words @env cannot answer for are left as they are.  @count is the
 * cluster's size.  Never fails.
 */
void ms_pattern_resolve(struct ms_pattern *p, uint64_t count, const struct ms_env *env);

#define MS_FOLLOW_DEFAULT_DEPTH 2
#define MS_FOLLOW_MAX_DEPTH 4
#define MS_FOLLOW_MAX_TARGETS 16	/* distinct target objects read per offset */
#define MS_FOLLOW_MAX_BYTES 512		/* bytes read of each target object */
#define MS_FOLLOW_TREE_BYTES (16u << 20)	/* default cap on the trees' bytes, all clusters */

/*
 * What following costs and what it could not do, over every cluster followed with it.  The
 * trees (targets and their words) grow with the word count to the power of the depth, so they
 * are charged here and following stops at @bytes_max: a pointer word it would have followed
 * then stays as it is and is counted in @not_followed.  A read that failed (a pointer word of
 * an object, or a target object) is counted, never dropped silently.
 */
struct ms_follow_budget {
	size_t bytes_max;		/* 0: MS_FOLLOW_TREE_BYTES */
	size_t bytes;			/* held by the trees built */
	uint64_t reads_failed;		/* reads through ms_env that failed */
	uint64_t not_followed;		/* pointer words left unfollowed at the cap */
};

/*
 * Follow the pointers into slab objects that @p's words hold, @depth levels deep (0: none):
 * at each pointer word, read that word in each of @objects (@nr addresses of the cluster's
 * objects, e.g. its examples), find the slab object each value lands in, and summarise the
 * targets into the word's struct ms_target: how many distinct, their cache, where in them the
 * pointers land, and their own words (consensus over up to MS_FOLLOW_MAX_TARGETS of them,
 * symbols resolved, followed again one level less deep).  The word's meaning becomes "all N
 * point to the same kmalloc-128 object ffff...+0x0, whose +0x0 is &ops" or "point into
 * kmalloc-128 at +0x10: 3 distinct objects in 64 sampled".  Never fails; what cannot be read
 * is left out, and counted in @budget (NULL: a budget of the default cap for this call).
 * Call after ms_pattern_resolve().
 */
void ms_pattern_follow(struct ms_pattern *p, const uint64_t *objects, size_t nr,
		       const struct ms_layout *layout, const struct ms_env *env, unsigned depth,
		       struct ms_follow_budget *budget);

/* Format @sym as "name+0xoff [module]" (no offset when 0, no module for the kernel). */
void ms_symbol_format(const struct ms_symbol *sym, char *buf, size_t len);

#endif
