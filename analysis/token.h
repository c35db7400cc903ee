/*
 * token.h - the normaliser: what each word of a slab object is.
 *
 * Leaked objects are many and alike but rarely identical: an empty list_head points to
 * itself, a counter varies, a pointer reaches a different heap object.  Hashing their bytes
 * finds almost no duplicates (100,407 distinct contents among 100,504 kmalloc-32 objects of
 * a real dump).  The normaliser maps each 8-byte word (and a trailing partial word) to a
 * struct ms_token (pattern.h) that keeps what identifies a type and state and drops what
 * varies between instances, so that alike objects get the same token sequence.
 *
 * Rules, first match wins (v = the word, little-endian, zero-extended when partial):
 *   zero          v == 0
 *   list_poison   LIST_POISON1/2 of any kernel generation (0x100, 0x122, 0x100100,
 *                 0x200200) plus POISON_POINTER_DELTA 0xdead000000000000, TIMER_ENTRY_STATIC
 *                 (0x300 + delta), and raw 0x100/0x122 (kernels without the delta)
 *   slab_poison   every byte one slab poison or red-zone byte (0x6b free, 0x5a in use,
 *                 0xbb/0xcc red zones), the last byte possibly 0xa5 (end of object);
 *                 at least 4 bytes
 *   small         |v| < 2^16 as a signed number of the word's width (counters, flags, -1)
 *   self          object <= v < object + object_size (arg: v - object); full words only
 *   by address, full words only, from struct ms_layout:
 *     ktext, kdata  kernel or module text / data (arg: v)
 *     percpu, vmemmap, vmalloc
 *     direct map: same_cache when env->page_cache(v) is this cache, slab (arg: that cache)
 *                 for another cache, heap when no cache owns the page or there is no callback
 *   ascii         4 to 8 printable bytes (0x20-0x7e, tab, newline) followed only by NULs
 *   user          MS_USER_MIN (4 MiB) <= v < the layout's user_top: lower values are far
 *                 likelier counters or sizes than pointers (x86-64 executables load at
 *                 0x400000 and mappings sit above them); not when both 32-bit halves are
 *                 below 2^16, which is two packed small fields (0x0000000400000001)
 *   raw           anything else
 * The answer of env->page_cache is memoised per page in a bounded table (MS_PAGE_MEMO_SLOTS,
 * direct-mapped) so the callback runs about once per page, not once per word; the layout's
 * region per 64 KiB block (MS_REGION_MEMO_SLOTS) when the block lies in one segment.  And a
 * word equal to the previous object's word at the same offset takes its token unclassified
 * (after the self test, the one rule that depends on the object's address).
 */
#ifndef MEMSIM_TOKEN_H
#define MEMSIM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "layout.h"
#include "pattern.h"

#define MS_PAGE_MEMO_SLOTS 4096
#define MS_REGION_MEMO_SLOTS 1024	/* regions memoised by 64 KiB block */
#define MS_REGION_MEMO_SHIFT 16
#define MS_POISON_POINTER_DELTA 0xdead000000000000ULL
#define MS_USER_MIN 0x400000ULL

struct ms_tokenizer;

/*
 * A normaliser for objects of the cache at @cache_addr whose payload is @object_size bytes.
 * @layout and @env must outlive it (@env and its callbacks may be NULL).  @layout is indexed
 * for binary search unless it already carries an index.  Returns NULL and sets *@out, or an
 * error (MS_ERR_INVALID for object_size 0, MS_ERR_NOMEM).
 */
struct ms_error *ms_tokenizer_new(const struct ms_layout *layout, const struct ms_env *env,
				  uint64_t cache_addr, uint32_t object_size,
				  struct ms_tokenizer **out);
/* Free a normaliser; NULL is fine. */
void ms_tokenizer_free(struct ms_tokenizer *t);
/* Bytes the normaliser holds (memo and layout index), for memory accounting. */
size_t ms_tokenizer_bytes(const struct ms_tokenizer *t);
/* How many times env->page_cache was called (memo misses). */
uint64_t ms_tokenizer_page_queries(const struct ms_tokenizer *t);

/* Words in an object of @object_size bytes: 8-byte words plus a trailing partial one. */
static inline uint32_t ms_token_nr_words(uint32_t object_size)
{
	return (object_size + 7) / 8;
}

/* Word @i of object bytes @obj (little-endian); *@width gets its width (1..8). */
uint64_t ms_object_word(const uint8_t *obj, uint32_t object_size, uint32_t i, uint32_t *width);

/*
 * The rules that need no address space: zero, list_poison, slab_poison, small or ascii for
 * @value of @width bytes; MS_TOK_RAW when none applies.
 */
enum ms_token_kind ms_token_value_kind(uint64_t value, uint32_t width);

/* Classify one word @value of @width bytes found in the object at kernel address @object. */
struct ms_token ms_token_classify(struct ms_tokenizer *t, uint64_t value, uint32_t width,
				  uint64_t object);

/*
 * Classify every word of the object @obj (object_size bytes) at kernel address @addr into
 * @tokens and, if @values is not NULL, its words into @values (both ms_token_nr_words()
 * long).
 */
void ms_tokenize(struct ms_tokenizer *t, const uint8_t *obj, uint64_t addr,
		 struct ms_token *restrict tokens, uint64_t *restrict values);

/*
 * The same normaliser for objects of another cache (@cache_addr, @object_size): the page and
 * region memos stay (what owns a page does not depend on who asks), the previous object's
 * words are forgotten.  Returns 0, or -1 when out of memory (the normaliser is unchanged).
 */
int ms_tokenizer_retarget(struct ms_tokenizer *t, uint64_t cache_addr, uint32_t object_size);

/*
 * Like ms_tokenize() but only the first @max_words words (all when the object has fewer);
 * returns how many were written.  Self pointers still count the whole object.
 */
uint32_t ms_tokenize_prefix(struct ms_tokenizer *t, const uint8_t *obj, uint64_t addr,
			    uint32_t max_words, struct ms_token *restrict tokens,
			    uint64_t *restrict values);

#endif
