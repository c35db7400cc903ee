/* dwarf_code.c - the struct types the code at an address refers to; see dwarf_code.h. */
#include <dwarf.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_code.h"
#include "dwarf_int.h"

#define MAX_TYPE_DEPTH 32

const char *ms_code_rel_name(enum ms_code_rel rel)
{
	switch (rel) {
	case MS_CODE_RETURNS:
		return "returns";
	case MS_CODE_LOCAL:
		return "local";
	case MS_CODE_PARAM:
		return "parameter";
	}
	return "?";
}

/* Qualifiers and typedefs looked through; 0 when a link is missing (void). */
static int strip(Dwarf_Die *die)
{
	int depth;

	for (depth = 0; depth < MAX_TYPE_DEPTH; depth++) {
		if (!ms_dw_is_qualifier(dwarf_tag(die)))
			return 1;
		if (!ms_dw_follow_type(die, die))
			return 0;
	}
	return 0;
}

/*
 * If the type of @die (a variable, a parameter or a function: its return type) is a pointer
 * to a struct, its name as the index keys it into @name and its size (0: a declaration).
 */
static int struct_pointer(Dwarf_Die *die, char *name, size_t len, uint32_t *size)
{
	Dwarf_Die t;
	int tag = 0, bytes;

	if (!ms_dw_follow_type(die, &t) || !strip(&t) || dwarf_tag(&t) != DW_TAG_pointer_type)
		return 0;
	if (!ms_dw_follow_type(&t, &t))
		return 0;		/* void * */
	ms_dw_type_key(&t, name, len, &tag);
	if (tag != DW_TAG_structure_type || !strip(&t) || !name[0])
		return 0;
	if (!strncmp(name, "struct ", 7))
		memmove(name, name + 7, strlen(name + 7) + 1);
	bytes = dwarf_bytesize(&t);
	*size = bytes > 0 ? (uint32_t)bytes : 0;
	return 1;
}

struct collector {
	struct ms_code_type *out;
	size_t max, nr;
	const char *func;
	int inlined;
};

static void add(struct collector *c, Dwarf_Die *die, enum ms_code_rel rel)
{
	struct ms_code_type t;
	const char *var = rel == MS_CODE_RETURNS ? "" : dwarf_diename(die);
	size_t i;

	memset(&t, 0, sizeof(t));
	if (!struct_pointer(die, t.type, sizeof(t.type), &t.size))
		return;
	t.rel = rel;
	snprintf(t.var, sizeof(t.var), "%s", var ? var : "");
	snprintf(t.func, sizeof(t.func), "%s", c->func ? c->func : "");
	t.inlined = c->inlined;
	for (i = 0; i < c->nr; i++)
		if (c->out[i].rel == rel && !strcmp(c->out[i].type, t.type) &&
		    !strcmp(c->out[i].var, t.var))
			return;
	if (c->nr < c->max)
		c->out[c->nr++] = t;
}

/* The parameters and variables declared directly in scope @scope. */
static void add_children(struct collector *c, Dwarf_Die *scope)
{
	Dwarf_Die child;

	if (dwarf_child(scope, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);

		if (tag == DW_TAG_formal_parameter)
			add(c, &child, MS_CODE_PARAM);
		else if (tag == DW_TAG_variable)
			add(c, &child, MS_CODE_LOCAL);
	} while (dwarf_siblingof(&child, &child) == 0);
}

static int is_function(int tag)
{
	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

/* Each scope from the innermost out to the function: what it declares. */
static void collect(struct collector *c, Dwarf_Die *scopes, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);
		Dwarf_Attribute a;
		Dwarf_Die origin;

		if (tag == DW_TAG_compile_unit || tag == DW_TAG_partial_unit)
			break;
		for (j = i; j < n && !is_function(dwarf_tag(&scopes[j])); j++)
			;
		c->func = j < n ? dwarf_diename(&scopes[j]) : NULL;
		c->inlined = j < n && dwarf_tag(&scopes[j]) == DW_TAG_inlined_subroutine;
		if (is_function(tag))
			add(c, &scopes[i], MS_CODE_RETURNS);
		add_children(c, &scopes[i]);
		/* a concrete instance may leave out what its abstract origin declares */
		if (dwarf_attr(&scopes[i], DW_AT_abstract_origin, &a) &&
		    dwarf_formref_die(&a, &origin))
			add_children(c, &origin);
		if (tag == DW_TAG_subprogram)
			break;		/* the function that holds the code: nothing further in */
	}
}

/* The address in @mod's space of the one function symbol @func covering @offset. */
static struct ms_error *find_function(Dwfl_Module *mod, const char *func, uint64_t offset,
				      GElf_Addr *at)
{
	int n = dwfl_module_getsymtab(mod), i, found = 0;

	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *elf;
		Dwarf_Addr bias;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx, &elf, &bias);

		if (!name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    strcmp(name, func) || (sym.st_size && offset > sym.st_size))
			continue;
		if (found && addr == *at)
			continue;	/* an alias of the same code */
		*at = addr;
		found++;
	}
	if (!found)
		return ms_error_new(MS_ERR_DWARF, "no function %s of at least 0x%llx bytes", func,
				    (unsigned long long)offset + 1);
	if (found > 1)
		return ms_error_new(MS_ERR_DWARF, "%d functions are named %s: which one is not known",
				    found, func);
	return NULL;
}

struct ms_error *ms_dwarf_code_types(struct ms_dwarf_index *idx, const char *func,
				     uint64_t offset, struct ms_code_type *out, size_t max,
				     size_t *nr_out)
{
	Dwfl_Module *mod = ms_dwarf_index_dwfl_module(idx);
	struct collector c = { out, max, 0, NULL, 0 };
	struct ms_error *err;
	Dwarf_Die *cu, *scopes = NULL;
	Dwarf_Addr bias, pc;
	GElf_Addr at = 0;
	int n;

	*nr_out = 0;
	if (!mod)
		return ms_error_new(MS_ERR_DWARF, "%s: no debuginfo", ms_dwarf_index_path(idx));
	if (!func || !func[0] || !offset)
		return ms_error_new(MS_ERR_DWARF, "no return address inside a function");
	err = find_function(mod, func, offset, &at);
	if (err)
		return err;
	/* the byte before the return address: the call itself */
	cu = dwfl_module_addrdie(mod, at + offset - 1, &bias);
	if (!cu)
		return ms_error_new(MS_ERR_DWARF, "no DWARF for %s+0x%llx", func,
				    (unsigned long long)offset);
	pc = at + offset - 1 - bias;
	/*
	 * dwarf_getscopes() continues from an inlined function to where its definition sits
	 * (the file); the DIEs that physically hold the innermost one lead to its caller.
	 */
	n = dwarf_getscopes(cu, pc, &scopes);
	if (n > 0) {
		Dwarf_Die inner = scopes[0];

		free(scopes);
		scopes = NULL;
		n = dwarf_getscopes_die(&inner, &scopes);
	}
	if (n <= 0) {
		free(scopes);
		return ms_error_new(MS_ERR_DWARF, "no DWARF scope holds %s+0x%llx", func,
				    (unsigned long long)offset);
	}
	collect(&c, scopes, n);
	free(scopes);
	*nr_out = c.nr;
	return NULL;
}
