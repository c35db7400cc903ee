/*
 * dwarf_int.h - what the debuginfo modules share inside the analysis library (libdw types):
 * the libdwfl module behind an index, and the index's way of naming a type.
 */
#ifndef MEMSIM_DWARF_INT_H
#define MEMSIM_DWARF_INT_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "dwarf_index.h"

/* The libdwfl module of @idx's file, opened on first use; NULL when it cannot be opened. */
Dwfl_Module *ms_dwarf_index_dwfl_module(struct ms_dwarf_index *idx);

/* The type DIE of @die (through DW_AT_abstract_origin / specification); 0 when none. */
int ms_dw_follow_type(Dwarf_Die *die, Dwarf_Die *out);
/* const, volatile, restrict, _Atomic and typedef: looked through when naming a type. */
int ms_dw_is_qualifier(int tag);
/* The name of type @type as the index keys it (dwarf_index.h); *@tag_out: the tag reached. */
void ms_dw_type_key(Dwarf_Die *type, char *buf, size_t len, int *tag_out);

#endif
