/*
 * pattern.h - the words of an object, normalised, and a cluster's per-offset pattern.
 *
 * This is the shared vocabulary of the analysis library: the normaliser (token.c) turns each
 * 8-byte word into a token, the clustering engine summarises a cluster into a struct
 * ms_pattern (one struct ms_word per 8-byte offset), pointer resolution (follow.c) fills in
 * symbols, meanings and what pointers reach, and owner scoring (owner.c) reads it.
 */
#ifndef MEMSIM_PATTERN_H
#define MEMSIM_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* What one 8-byte word of an object is.  Stable numbering: used in hashes and JSON. */
enum ms_token_kind {
	MS_TOK_ZERO = 0,	/* 0 */
	MS_TOK_SMALL,		/* small integer, positive or negative (|v| < 2^16) */
	MS_TOK_SELF,		/* points into this very object (arg: offset pointed at) */
	MS_TOK_SAME_CACHE,	/* points into another object of the same cache */
	MS_TOK_SLAB,		/* points into an object of another slab cache (arg: cache) */
	MS_TOK_HEAP,		/* direct map, not known to be a slab object */
	MS_TOK_KTEXT,		/* kernel or module text (arg: the address) */
	MS_TOK_KDATA,		/* kernel or module data/rodata/bss (arg: the address) */
	MS_TOK_VMALLOC,		/* vmalloc space */
	MS_TOK_VMEMMAP,		/* a struct page */
	MS_TOK_PERCPU,		/* a per-cpu area */
	MS_TOK_USER,		/* a user-space address */
	MS_TOK_LIST_POISON,	/* LIST_POISON1/2 (0xdead000000000100/122 and friends) */
	MS_TOK_SLAB_POISON,	/* slab poison / red zone / use-after-free bytes */
	MS_TOK_ASCII,		/* eight bytes of printable text (a NUL may end it) */
	MS_TOK_RAW,		/* anything else */
	MS_TOK__COUNT
};

/* Short stable names for token kinds ("zero", "small", "self", ...); used in text and JSON. */
const char *ms_token_kind_name(enum ms_token_kind kind);

struct ms_token {
	enum ms_token_kind kind;
	uint64_t arg;	/* SELF: offset; SLAB: cache; KTEXT/KDATA: address; else 0 */
};

struct ms_target;

/* The pattern of one 8-byte word across a cluster. */
struct ms_word {
	uint32_t offset;		/* byte offset in the object */
	uint32_t width;			/* 8, or less for a trailing partial word */
	enum ms_token_kind kind;	/* the kind most objects have here */
	uint64_t arg;			/* that token's argument (see struct ms_token) */
	double agree;			/* share of the cluster's objects with that kind */
	int constant;			/* 1 if every object holds the same value */
	uint64_t value;			/* the value of the representative object */
	uint64_t varying_bits;		/* OR over objects of (value ^ representative) */
	uint64_t min, max;		/* range of the value over the cluster */
	/* Filled by resolution (follow.c); empty until then. */
	char symbol[160];		/* "name+0xoff [module]" for text/data, or "" */
	char meaning[200];		/* one line for a human: "function pointer", ... */
	struct ms_target *target;	/* what a pointer here reaches, or NULL */
};

/* What the pointers at one offset of a cluster reach (pointer following). */
struct ms_target {
	uint64_t ndistinct;		/* distinct target objects (saturates at a cap) */
	uint64_t nsampled;		/* pointers looked at */
	uint64_t shared_addr;		/* the target when ndistinct == 1, else 0 */
	char cache_name[64];		/* cache of the targets ("" when not slab) */
	uint32_t object_size;		/* their object size, 0 if unknown */
	uint32_t offset_in_target;	/* where in the target the pointers land */
	size_t nr_words;		/* the targets' own words, summarised */
	struct ms_word *words;
};

/*
 * An integer field that counts the data after a header (see payload.h): in @matched of
 * @sampled example objects, the value at @offset is the number of bytes from @header_end to
 * the object's data end (its last non-zero byte), so a struct of @header_end bytes with a
 * length member there is the header of kmalloc(sizeof(*hdr) + len), or one of
 * @header_end + 1 bytes whose length counts a text's NUL; or, when @slot, the value is the
 * slot size minus @header_end in every object.
 */
struct ms_length_field {
	uint32_t offset;		/* of the field in the object */
	uint32_t widths;		/* bit w-1 set: a w-byte field there holds it (w = 2, 4, 8) */
	uint32_t header_end;		/* where the counted bytes begin */
	int slot;			/* the value is the slot size minus @header_end */
	uint32_t matched, sampled;
	uint32_t text;			/* of the matched, those whose counted bytes are text */
	uint64_t min, max;		/* the field's values where it holds */
};

#define MS_PAYLOAD_MAX_FIELDS 8

/* What example objects of a cluster show of a header + payload shape (payload.h). */
struct ms_payload {
	uint32_t sampled;		/* example objects read (0: not looked at) */
	uint32_t end_min, end_max;	/* their data end: last non-zero byte + 1 */
	uint32_t nr_fields;
	struct ms_length_field fields[MS_PAYLOAD_MAX_FIELDS];
};

/* A cluster's pattern: one word per 8-byte offset of the payload. */
struct ms_pattern {
	char cache_name[64];
	uint32_t object_size;
	uint32_t stride;
	uint64_t count;			/* objects in the cluster */
	size_t nr_words;
	struct ms_word *words;
	struct ms_payload payload;	/* filled by ms_pattern_payload() (payload.h), else zero */
};

/*
 * Free @p->words and what resolution hung on them: each word's target and the target's own
 * words (resolution must therefore allocate both with malloc()).  Leaves @p without words.
 */
void ms_pattern_release(struct ms_pattern *p);

#endif
