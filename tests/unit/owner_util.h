/*
 * owner_util.h - what the owner and owner-hint unit tests share: the fixture's index
 * (tests/unit/fixtures/owner_fixture.c, compiled with -g into a relocatable object), and
 * consensus words and patterns made by hand.
 */
#ifndef MEMSIM_OWNER_UTIL_H
#define MEMSIM_OWNER_UTIL_H

#include "dwarf_index.h"
#include "owner.h"
#include "pattern.h"

/* The fixture's index, origin "fixture" (@cache_dir may be NULL); NULL, asserted, on error. */
struct ms_dwarf_index *fx_open_fixture(const char *cache_dir);
/* A consensus word at @off, in full agreement and constant. */
struct ms_word fx_word(uint32_t off, enum ms_token_kind kind, uint64_t arg, uint64_t value,
		       const char *symbol);
/* A pattern of @nr @words for cache @cache of @size-byte objects, 100,000 of them. */
struct ms_pattern fx_pattern(const char *cache, uint32_t size, struct ms_word *words,
			     size_t nr);
/*
 * The kmalloc32-fn shape in kmalloc-32, as struct fx_entry is laid out: a module function at
 * +0x0, an empty list at +0x8, a counter; @w (4 words) holds the words.
 */
struct ms_pattern fx_entry_pattern(struct ms_word *w);
/*
 * ms_owner_rank() of @p against the fixture's @idx alone, no aliases: the guesses into @g
 * (MS_OWNER_MAX_GUESSES), the note into @note (400 bytes); asserts no error; returns how many.
 */
size_t fx_rank(struct ms_dwarf_index *idx, const struct ms_pattern *p, struct ms_owner_guess *g,
	       char *note);
/* Does an evidence line of @g begin with @prefix? */
int fx_has_evidence(const struct ms_owner_guess *g, const char *prefix);

#endif
