/*
 * dwarf_code.h - the struct types that the code at one address of a function refers to.
 *
 * SLUB's allocation track names the allocator's caller ("new_fn_entry+0x2a [mod]").  The
 * function that calls kmalloc() keeps what it allocates in a local of the struct's pointer
 * type (p = kmalloc(sizeof(*p), ...)), takes it as a parameter of a constructor, or returns
 * it; its debuginfo says which types those are.  Taken at the byte before the address (a
 * return address, as a backtrace takes it: the call may end an inlined body), the scopes
 * that hold the code are the lexical blocks, inlined functions and the function itself
 * (dwarf_getscopes()); each contributes its return type, parameters and locals that point
 * to a struct or union.
 */
#ifndef MEMSIM_DWARF_CODE_H
#define MEMSIM_DWARF_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "dwarf_index.h"
#include "error.h"

#define MS_CODE_MAX_TYPES 32

enum ms_code_rel {
	MS_CODE_RETURNS = 0,	/* a function in scope returns T * */
	MS_CODE_LOCAL,		/* a local variable is a T * */
	MS_CODE_PARAM,		/* a parameter is a T * */
};

/* One pointer-to-struct type in scope at the address. */
struct ms_code_type {
	char type[128];		/* the struct's name as the index keys it, without "struct " */
	uint32_t size;		/* its byte size; 0 when the DIE there is only a declaration */
	enum ms_code_rel rel;
	char var[64];		/* the variable or parameter; "" for a return type */
	char func[128];		/* the function whose scope holds it */
	int inlined;		/* 1: that function is inlined at the address */
};

/* "returns", "local", "parameter". */
const char *ms_code_rel_name(enum ms_code_rel rel);

/*
 * The pointer-to-struct types in scope at byte @offset of function @func, an ELF function
 * symbol of @idx's file (@offset: a return address's distance from the symbol, > 0): up to
 * @max of them into @out, innermost scope first, each (type, relation, variable) once, and
 * *@nr_out set.  Errors (nothing filled): MS_ERR_DWARF when the file has no function symbol
 * @func covering @offset, more than one (static functions of one name in several files: the
 * name cannot say which), or no DWARF for that address; MS_ERR_NOMEM.
 */
struct ms_error *ms_dwarf_code_types(struct ms_dwarf_index *idx, const char *func,
				     uint64_t offset, struct ms_code_type *out, size_t max,
				     size_t *nr_out);

#endif
