/*
 * dwarf_index.h - the struct types and global variables of one debuginfo file (libdw).
 *
 * Guessing which struct a cluster of objects is needs two things from debuginfo: every
 * struct type with its size (the candidates), and the type of every global variable (so that
 * a pointer to &some_ops says "a struct some_operations lives here").  A debug vmlinux holds
 * ~600,000 struct definitions, one copy per compilation unit that sees them; the index keeps
 * one per (name, size), with the offset of its DIE, and one type name per global.
 *
 * Building the index reads only the top-level DIEs of each compilation unit (a few seconds on
 * a 590 MB vmlinux); the result is written to a cache directory, keyed by the file's path,
 * size and modification time, so the next run on the same file loads it in milliseconds.
 * The cache file is checked whole before use (dwarf_cache.h: sizes, offsets, a checksum);
 * one that fails is not used: the index is built again and the file rewritten.
 * Members are read later, for the few thousand candidates that fit a cache, straight from
 * the DIEs (ms_dwarf_index_flatten()).  Modules (relocatable .ko files) are opened through
 * libdwfl, which applies their debug-section relocations.
 *
 * Type names are "struct NAME" or "union NAME" for tagged types, the typedef name for an
 * anonymous struct behind a typedef, the base type's name otherwise; qualifiers and typedefs
 * are looked through, and an array stands for its element type.
 */
#ifndef MEMSIM_DWARF_INDEX_H
#define MEMSIM_DWARF_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ms_dwarf_index;

/* One struct type of the index. */
struct ms_dw_struct {
	const char *name;	/* without "struct " */
	uint32_t size;		/* sizeof */
	int flexible;		/* ends in an array of unknown length */
	uint64_t die;		/* offset of its DIE in .debug_info */
};

/* What one leaf of a flattened struct is. */
enum ms_slot_kind {
	MS_SLOT_INT = 0,	/* integer, enum, bool (any size; bit fields included) */
	MS_SLOT_FLOAT,
	MS_SLOT_CHARS,		/* an array of char: text */
	MS_SLOT_FNPTR,		/* pointer to a function */
	MS_SLOT_PTR,		/* pointer to a struct or union (pointee: its type name) */
	MS_SLOT_VOIDPTR,	/* void *, char *, pointer to pointer or to a base type */
};

/* Which list-like kernel struct a slot belongs to (its pointers have telltale values). */
enum ms_link_kind {
	MS_LINK_NONE = 0,
	MS_LINK_LIST,		/* struct list_head: next, prev */
	MS_LINK_HLIST_NODE,	/* struct hlist_node: next, pprev */
	MS_LINK_HLIST_HEAD,	/* struct hlist_head: first */
	MS_LINK_RB,		/* struct rb_node */
	MS_LINK_LLIST,		/* struct llist_node */
	MS_LINK_RCU,		/* struct callback_head (rcu_head) */
};

/* One leaf of a flattened struct: a scalar or pointer at a byte offset. */
struct ms_slot {
	uint32_t offset, size;
	enum ms_slot_kind kind;
	enum ms_link_kind link;
	uint32_t link_offset;	/* where the list_head (etc.) holding this slot starts */
	char pointee[80];	/* MS_SLOT_PTR: the pointed-to type's name; MS_SLOT_INT and
				   MS_SLOT_FLOAT: the typedef it is declared with ("size_t"), or "" */
	char path[96];		/* "list.next", "name[0]" */
};

/* A flattened struct: every leaf, in DIE order (union members overlap). */
struct ms_flat {
	struct ms_slot *slots;
	size_t nr, cap;
	int truncated;		/* stopped at the slot limit */
};

/*
 * Open (or build) the index of the debuginfo in the ELF file at @path, naming it @origin
 * ("vmlinux" or a module name).  With @cache_dir (may be NULL), a cached index is used when
 * it matches the file, and a new one is written there (failure to write is not an error).
 * Errors: MS_ERR_IO (cannot open), MS_ERR_DWARF (no DWARF in the file: "no debuginfo"),
 * MS_ERR_NOMEM.
 */
struct ms_error *ms_dwarf_index_open(const char *path, const char *origin, const char *cache_dir,
				     struct ms_dwarf_index **out);
void ms_dwarf_index_free(struct ms_dwarf_index *index);

const char *ms_dwarf_index_origin(const struct ms_dwarf_index *index);
const char *ms_dwarf_index_path(const struct ms_dwarf_index *index);
size_t ms_dwarf_index_nr_structs(const struct ms_dwarf_index *index);
size_t ms_dwarf_index_nr_vars(const struct ms_dwarf_index *index);
/* 1 when the index was loaded from the cache directory, 0 when built from the DWARF. */
int ms_dwarf_index_cached(const struct ms_dwarf_index *index);
/*
 * Why a cache file that was there was not used ("cache file checksum mismatch", "... stale:
 * ..."; the index was built from the DWARF and the file rewritten), or NULL when it was used
 * or there was none.  The file's checks are in dwarf_cache.h.
 */
const char *ms_dwarf_index_cache_note(const struct ms_dwarf_index *index);

/*
 * An index from the bytes of a cache file (dwarf_cache.h), checked as ms_dwarf_index_open()
 * checks one, except that it may be for any debuginfo file; for tests and fuzzing.  It has
 * no DWARF behind it: ms_dwarf_index_flatten() fails on it.  Errors: MS_ERR_INVALID (the
 * check's reason), MS_ERR_NOMEM.
 */
struct ms_error *ms_dwarf_index_from_cache(const void *buf, size_t len,
					   struct ms_dwarf_index **out);

/* The structs whose size is in [@min, @max], ascending by size: *@nr_out of them (no copy). */
const struct ms_dw_struct *ms_dwarf_index_by_size(const struct ms_dwarf_index *index,
						  uint32_t min, uint32_t max, size_t *nr_out);
/* The struct named @name (without "struct "), the largest if several sizes; NULL if none. */
const struct ms_dw_struct *ms_dwarf_index_find_struct(const struct ms_dwarf_index *index,
						      const char *name);
/*
 * The type names of the global variables named @name ("struct file_operations"): a static
 * name may be defined in several files with different types.  Fills up to @max of them into
 * @types and returns how many there are.
 */
size_t ms_dwarf_index_var_types(const struct ms_dwarf_index *index, const char *name,
				const char **types, size_t max);

/*
 * Flatten struct @s of @index into @flat (appending; reset ->nr to reuse): every leaf whose
 * offset is below @limit, at most @max_slots.  A flexible array member runs to @limit (the
 * object's size: kmalloc(sizeof(*p) + n) puts the array's elements there).  Returns 0, or -1 when its DIE cannot be read.
 */
/*
 * The name of a global variable of type @type ("struct file_operations"), the first by name;
 * NULL if none.  A linear scan of the variables: for tests and tools, not for ranking.
 */
const char *ms_dwarf_index_var_of_type(const struct ms_dwarf_index *index, const char *type);

int ms_dwarf_index_flatten(struct ms_dwarf_index *index, const struct ms_dw_struct *s,
			   uint32_t limit, size_t max_slots, struct ms_flat *flat);
void ms_flat_release(struct ms_flat *flat);

#endif
