/* dwarf_index.c - struct types and global variables of a debuginfo file; see dwarf_index.h. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "dwarf_cache.h"
#include "dwarf_index.h"
#include "dwarf_int.h"

#define MAX_TYPE_DEPTH 32
#define MAX_FLATTEN_DEPTH 12

struct ms_dwarf_index {
	char origin[64];
	char path[PATH_MAX];
	char *strings;		/* NUL-separated; offset 0 is "" */
	size_t strings_len, strings_cap;
	struct ms_dwarf_cache_struct *raw_structs;	/* records as the cache file holds them */
	struct ms_dw_struct *structs;	/* by size, then name */
	size_t nr_structs, structs_cap;
	struct ms_dw_struct **by_name;	/* by name, then size */
	struct ms_dwarf_cache_var *vars;		/* by name */
	size_t nr_vars, vars_cap;
	int cached;
	char cache_note[256];	/* why the cache file was not used, or "" */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf *dw;
};

/* ---- interning: an open-addressing set of string offsets ---- */

struct intern {
	uint32_t *slots;	/* offset + 1; 0 is empty */
	size_t cap, used;
};

static int intern_grow(struct intern *in, const char *strings)
{
	size_t cap = in->cap ? in->cap * 2 : 1 << 16, i;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < in->cap; i++) {
		uint32_t v = in->slots[i];
		size_t j;

		if (!v)
			continue;
		j = XXH3_64bits(strings + v - 1, strlen(strings + v - 1)) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = v;
	}
	free(in->slots);
	in->slots = slots;
	in->cap = cap;
	return 0;
}

/* Offset of @s in idx->strings, added if new; (uint32_t)-1 on ENOMEM. */
static uint32_t intern_str(struct ms_dwarf_index *idx, struct intern *in, const char *s)
{
	size_t len = strlen(s), j;
	uint32_t off;

	if (!len)
		return 0;
	if ((in->used + 1) * 2 > in->cap && intern_grow(in, idx->strings))
		return (uint32_t)-1;
	j = XXH3_64bits(s, len) & (in->cap - 1);
	while (in->slots[j]) {
		if (!strcmp(idx->strings + in->slots[j] - 1, s))
			return in->slots[j] - 1;
		j = (j + 1) & (in->cap - 1);
	}
	if (idx->strings_len + len + 1 > idx->strings_cap) {
		size_t cap = idx->strings_cap * 2 + len + 4096;
		char *p = realloc(idx->strings, cap);

		if (!p || cap > UINT32_MAX)
			return (uint32_t)-1;
		idx->strings = p;
		idx->strings_cap = cap;
	}
	off = (uint32_t)idx->strings_len;
	memcpy(idx->strings + off, s, len + 1);
	idx->strings_len += len + 1;
	in->slots[j] = off + 1;
	in->used++;
	return off;
}

/* ---- types ---- */

static int follow_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, out);
}

static int is_qualifier(int tag)
{
	return tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type || tag == DW_TAG_typedef;
}

/*
 * The name of type @type as the index keys it (see dwarf_index.h), into @buf; @strip_arrays
 * makes an array stand for its element.  Sets *@tag_out (if not NULL) to the tag reached.
 */
static void type_key(Dwarf_Die *type, int strip_arrays, char *buf, size_t len, int *tag_out)
{
	Dwarf_Die cur = *type, next;
	const char *typedef_name = NULL, *name;
	int depth, tag = 0;

	buf[0] = 0;
	for (depth = 0; depth < MAX_TYPE_DEPTH; depth++) {
		tag = dwarf_tag(&cur);
		if (is_qualifier(tag) || (strip_arrays && tag == DW_TAG_array_type)) {
			if (tag == DW_TAG_typedef)
				typedef_name = dwarf_diename(&cur);
			if (!follow_type(&cur, &next)) {
				snprintf(buf, len, "%s", typedef_name ? typedef_name : "void");
				break;
			}
			cur = next;
			continue;
		}
		name = dwarf_diename(&cur);
		switch (tag) {
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_enumeration_type:
			if (name)
				snprintf(buf, len, "%s %s",
					 tag == DW_TAG_structure_type ? "struct" :
					 tag == DW_TAG_union_type ? "union" : "enum", name);
			else if (typedef_name)
				snprintf(buf, len, "%s", typedef_name);
			break;
		case DW_TAG_base_type:
			snprintf(buf, len, "%s", name ? name : "");
			break;
		case DW_TAG_pointer_type:
			snprintf(buf, len, "pointer");
			break;
		case DW_TAG_subroutine_type:
			snprintf(buf, len, "function");
			break;
		default:
			break;
		}
		break;
	}
	if (tag_out)
		*tag_out = tag;
}

/* Does struct @die end in an array without bounds (a flexible array member)? */
static int ends_flexible(Dwarf_Die *die)
{
	Dwarf_Die child, last, type, sub;
	int have = 0;

	if (dwarf_child(die, &child) != 0)
		return 0;
	do {
		if (dwarf_tag(&child) == DW_TAG_member) {
			last = child;
			have = 1;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	if (!have || !follow_type(&last, &type))
		return 0;
	while (is_qualifier(dwarf_tag(&type)))
		if (!follow_type(&type, &type))
			return 0;
	if (dwarf_tag(&type) != DW_TAG_array_type || dwarf_child(&type, &sub) != 0)
		return 0;
	if (dwarf_hasattr(&sub, DW_AT_count)) {
		Dwarf_Word n = 0;
		Dwarf_Attribute a;

		return dwarf_formudata(dwarf_attr(&sub, DW_AT_count, &a), &n) == 0 && n == 0;
	}
	if (dwarf_hasattr(&sub, DW_AT_upper_bound)) {
		Dwarf_Sword ub = 0;
		Dwarf_Attribute a;

		return dwarf_formsdata(dwarf_attr(&sub, DW_AT_upper_bound, &a), &ub) == 0 && ub < 0;
	}
	return 1;
}

/* ---- opening ELF files through libdwfl ---- */

static int no_separate_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
				 Dwarf_Addr base, const char *file_name, const char *debuglink,
				 GElf_Word crc, char **debuginfo_file_name)
{
	return -1;
}

static char *no_debuginfo_path;
static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = no_separate_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &no_debuginfo_path,
};

static struct ms_error *open_dwarf(struct ms_dwarf_index *idx)
{
	Dwfl_Module *mod;
	Dwarf_Addr bias;

	if (idx->dw)
		return NULL;
	if (idx->dwfl) {	/* tried before and failed: a handle is not opened twice */
		dwfl_end(idx->dwfl);
		idx->dwfl = NULL;
	}
	idx->dwfl = dwfl_begin(&offline_callbacks);
	if (!idx->dwfl)
		return ms_error_new(MS_ERR_NOMEM, "libdwfl: %s", dwfl_errmsg(-1));
	mod = dwfl_report_offline(idx->dwfl, idx->origin, idx->path, -1);
	if (!mod)
		return ms_error_new(MS_ERR_IO, "%s: %s", idx->path, dwfl_errmsg(-1));
	dwfl_report_end(idx->dwfl, NULL, NULL);
	idx->dw = dwfl_module_getdwarf(mod, &bias);
	if (!idx->dw)
		return ms_error_new(MS_ERR_DWARF, "%s: no debuginfo (%s)", idx->path,
				    dwfl_errmsg(-1));
	idx->mod = mod;
	return NULL;
}

Dwfl_Module *ms_dwarf_index_dwfl_module(struct ms_dwarf_index *idx)
{
	struct ms_error *err = open_dwarf(idx);

	if (err) {
		ms_error_free(err);
		return NULL;
	}
	return idx->mod;
}

int ms_dw_follow_type(Dwarf_Die *die, Dwarf_Die *out)
{
	return follow_type(die, out);
}

int ms_dw_is_qualifier(int tag)
{
	return is_qualifier(tag);
}

void ms_dw_type_key(Dwarf_Die *type, char *buf, size_t len, int *tag_out)
{
	type_key(type, 0, buf, len, tag_out);
}

/* ---- building ---- */

struct builder {
	struct intern names;
	/* (name, size) of structs and (name, type) of vars already seen */
	uint64_t *seen;
	size_t seen_cap, seen_used;
};

/* 1 if the pair is new (and now remembered), 0 if seen, -1 on ENOMEM. */
static int seen_add(struct builder *b, uint64_t key)
{
	size_t j;

	key |= 1;	/* 0 marks an empty slot */
	if ((b->seen_used + 1) * 2 > b->seen_cap) {
		size_t cap = b->seen_cap ? b->seen_cap * 2 : 1 << 16, i;
		uint64_t *s = calloc(cap, sizeof(*s));

		if (!s)
			return -1;
		for (i = 0; i < b->seen_cap; i++) {
			if (!b->seen[i])
				continue;
			j = (b->seen[i] * 0x9e3779b97f4a7c15ULL) >> 20 & (cap - 1);
			while (s[j])
				j = (j + 1) & (cap - 1);
			s[j] = b->seen[i];
		}
		free(b->seen);
		b->seen = s;
		b->seen_cap = cap;
	}
	j = (key * 0x9e3779b97f4a7c15ULL) >> 20 & (b->seen_cap - 1);
	while (b->seen[j]) {
		if (b->seen[j] == key)
			return 0;
		j = (j + 1) & (b->seen_cap - 1);
	}
	b->seen[j] = key;
	b->seen_used++;
	return 1;
}

/* Make room for one more element in the array *@arr of @used elements; -1 on ENOMEM. */
static int grow(void **arr, size_t *cap, size_t used, size_t elem)
{
	size_t n;
	void *p;

	if (used < *cap)
		return 0;
	n = *cap ? *cap * 2 : 4096;
	p = realloc(*arr, n * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = n;
	return 0;
}

static int add_struct(struct ms_dwarf_index *idx, struct builder *b, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	Dwarf_Word size;
	Dwarf_Attribute a;
	uint32_t off;
	int r;

	if (!name || !*name || dwarf_hasattr(die, DW_AT_declaration) ||
	    dwarf_formudata(dwarf_attr(die, DW_AT_byte_size, &a), &size) != 0 || size > UINT32_MAX)
		return 0;
	off = intern_str(idx, &b->names, name);
	if (off == (uint32_t)-1)
		return -1;
	r = seen_add(b, ((uint64_t)off << 32 | (uint32_t)size) * 4 + 1);
	if (r <= 0)
		return r;
	if (grow((void **)&idx->raw_structs, &idx->structs_cap, idx->nr_structs,
		 sizeof(*idx->raw_structs)))
		return -1;
	idx->raw_structs[idx->nr_structs++] = (struct ms_dwarf_cache_struct){
		.name = off, .size = (uint32_t)size, .flexible = (uint32_t)ends_flexible(die),
		.die = dwarf_dieoffset(die),
	};
	return 0;
}

static int add_var(struct ms_dwarf_index *idx, struct builder *b, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	Dwarf_Die type;
	char key[160];
	uint32_t n, t;
	int r;

	if (!name || !*name || !follow_type(die, &type))
		return 0;
	type_key(&type, 1, key, sizeof(key), NULL);
	if (!key[0])
		return 0;
	n = intern_str(idx, &b->names, name);
	t = intern_str(idx, &b->names, key);
	if (n == (uint32_t)-1 || t == (uint32_t)-1)
		return -1;
	r = seen_add(b, ((uint64_t)n << 32 | t) * 4 + 3);
	if (r <= 0)
		return r;
	if (grow((void **)&idx->vars, &idx->vars_cap, idx->nr_vars, sizeof(*idx->vars)))
		return -1;
	idx->vars[idx->nr_vars++] = (struct ms_dwarf_cache_var){ .name = n, .type = t };
	return 0;
}

static struct ms_error *build(struct ms_dwarf_index *idx)
{
	struct builder b;
	Dwarf_Off off = 0, next;
	size_t header;
	struct ms_error *err = open_dwarf(idx);

	if (err)
		return err;
	memset(&b, 0, sizeof(b));
	idx->strings = malloc(4096);
	if (!idx->strings)
		return ms_error_new(MS_ERR_NOMEM, "out of memory");
	idx->strings[0] = 0;
	idx->strings_len = 1;
	idx->strings_cap = 4096;
	while (dwarf_nextcu(idx->dw, off, &next, &header, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;

		if (dwarf_offdie(idx->dw, off + header, &cu) && dwarf_child(&cu, &child) == 0) {
			do {
				int tag = dwarf_tag(&child), r = 0;

				if (tag == DW_TAG_structure_type)
					r = add_struct(idx, &b, &child);
				else if (tag == DW_TAG_variable)
					r = add_var(idx, &b, &child);
				if (r < 0) {
					err = ms_error_new(MS_ERR_NOMEM, "out of memory indexing %s",
							   idx->path);
					goto out;
				}
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		off = next;
	}
	if (!idx->nr_structs)
		err = ms_error_new(MS_ERR_DWARF, "%s: no struct types in its debuginfo", idx->path);
out:
	free(b.names.slots);
	free(b.seen);
	return err;
}

/* ---- sorting and lookups ---- */

static int cmp_struct_size(const void *a, const void *b)
{
	const struct ms_dw_struct *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_struct_name(const void *a, const void *b)
{
	const struct ms_dw_struct *x = *(struct ms_dw_struct *const *)a;
	const struct ms_dw_struct *y = *(struct ms_dw_struct *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->size < y->size ? -1 : x->size > y->size);
}

static const char *sort_strings;

static int cmp_var(const void *a, const void *b)
{
	const struct ms_dwarf_cache_var *x = a, *y = b;

	return strcmp(sort_strings + x->name, sort_strings + y->name);
}

static struct ms_error *finish(struct ms_dwarf_index *idx)
{
	size_t i;

	idx->structs = calloc(idx->nr_structs ? idx->nr_structs : 1, sizeof(*idx->structs));
	idx->by_name = calloc(idx->nr_structs ? idx->nr_structs : 1, sizeof(*idx->by_name));
	if (!idx->structs || !idx->by_name)
		return ms_error_new(MS_ERR_NOMEM, "out of memory");
	for (i = 0; i < idx->nr_structs; i++) {
		const struct ms_dwarf_cache_struct *d = &idx->raw_structs[i];

		if (d->name >= idx->strings_len)
			return ms_error_new(MS_ERR_INVALID, "corrupt index of %s", idx->path);
		idx->structs[i] = (struct ms_dw_struct){ idx->strings + d->name, d->size,
							 (int)d->flexible, d->die };
	}
	qsort(idx->structs, idx->nr_structs, sizeof(*idx->structs), cmp_struct_size);
	for (i = 0; i < idx->nr_structs; i++)
		idx->by_name[i] = &idx->structs[i];
	qsort(idx->by_name, idx->nr_structs, sizeof(*idx->by_name), cmp_struct_name);
	for (i = 0; i < idx->nr_vars; i++)
		if (idx->vars[i].name >= idx->strings_len || idx->vars[i].type >= idx->strings_len)
			return ms_error_new(MS_ERR_INVALID, "corrupt index of %s", idx->path);
	/* qsort has no context argument; the index is built by one thread at a time */
	sort_strings = idx->strings;
	qsort(idx->vars, idx->nr_vars, sizeof(*idx->vars), cmp_var);
	return NULL;
}

/* ---- the cache file ---- */

static void cache_file_name(const struct ms_dwarf_index *idx, const char *dir, char *buf,
			    size_t len)
{
	char real[PATH_MAX];
	const char *p = realpath(idx->path, real) ? real : idx->path;

	snprintf(buf, len, "%s/%s-%016llx.idx", dir, idx->origin,
		 (unsigned long long)XXH3_64bits(p, strlen(p)));
}

/*
 * Read the whole of @file into *@buf (malloc()ed, so 8-byte aligned) of *@len bytes.
 * Returns 0, or -1: *@err says why, or is NULL when there is no such file.
 */
static int read_file(const char *file, void **buf, size_t *len, struct ms_error **err)
{
	struct stat st;
	size_t done = 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	uint8_t *p;

	*buf = NULL;
	*err = NULL;
	if (fd < 0) {
		if (errno != ENOENT)
			*err = ms_error_new(MS_ERR_IO, "cache file %s: %s", file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*err = ms_error_new(MS_ERR_IO, "cache file %s: not a regular file", file);
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > ms_dwarf_cache_size(MS_DWARF_CACHE_MAX_STRINGS,
							MS_DWARF_CACHE_MAX_STRUCTS,
							MS_DWARF_CACHE_MAX_VARS)) {
		*err = ms_error_new(MS_ERR_INVALID, "cache file of %lld bytes, larger than any index",
				    (long long)st.st_size);
		close(fd);
		return -1;
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p) {
		*err = ms_error_new(MS_ERR_NOMEM, "out of memory reading the cache file");
		close(fd);
		return -1;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, p + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	*buf = p;
	*len = done;	/* shorter if the file shrank meanwhile: the check says truncated */
	return 0;
}

/* Take the records of a checked cache image into @idx. */
static struct ms_error *take_parts(struct ms_dwarf_index *idx,
				   const struct ms_dwarf_cache_parts *parts)
{
	idx->strings = malloc(parts->strings_len);
	idx->raw_structs = malloc((parts->nr_structs ? parts->nr_structs : 1) *
				  sizeof(*idx->raw_structs));
	idx->vars = malloc((parts->nr_vars ? parts->nr_vars : 1) * sizeof(*idx->vars));
	if (!idx->strings || !idx->raw_structs || !idx->vars) {
		free(idx->strings);
		free(idx->raw_structs);
		free(idx->vars);
		idx->strings = NULL;
		idx->raw_structs = NULL;
		idx->vars = NULL;
		return ms_error_new(MS_ERR_NOMEM, "out of memory loading the index cache");
	}
	memcpy(idx->strings, parts->strings, parts->strings_len);
	memcpy(idx->raw_structs, parts->structs, parts->nr_structs * sizeof(*idx->raw_structs));
	memcpy(idx->vars, parts->vars, parts->nr_vars * sizeof(*idx->vars));
	idx->strings_len = idx->strings_cap = parts->strings_len;
	idx->nr_structs = idx->structs_cap = parts->nr_structs;
	idx->nr_vars = idx->vars_cap = parts->nr_vars;
	return NULL;
}

static struct ms_dwarf_cache_key key_of(const struct stat *st)
{
	struct ms_dwarf_cache_key key = { (uint64_t)st->st_size, st->st_mtim.tv_sec,
					  st->st_mtim.tv_nsec };

	return key;
}

/*
 * Load @file into @idx: NULL with *@loaded 1, or NULL with *@loaded 0 when there is no such
 * file (then build), or the reason the file cannot be used (then build too).
 */
static struct ms_error *load_cache(struct ms_dwarf_index *idx, const char *file,
				   const struct stat *st, int *loaded)
{
	struct ms_dwarf_cache_key key = key_of(st);
	struct ms_dwarf_cache_parts parts;
	struct ms_error *err;
	void *buf;
	size_t len;

	*loaded = 0;
	if (read_file(file, &buf, &len, &err))
		return err;
	err = ms_dwarf_cache_check(buf, len, &key, &parts);
	if (!err)
		err = take_parts(idx, &parts);
	free(buf);
	*loaded = !err;
	return err;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

/* Best effort: a cache that cannot be written only costs the next run the build. */
static void save_cache(const struct ms_dwarf_index *idx, const char *dir, const char *file,
		       const struct stat *st)
{
	struct ms_dwarf_cache_key key = key_of(st);
	struct ms_dwarf_cache_parts parts;
	size_t len = ms_dwarf_cache_size(idx->strings_len, idx->nr_structs, idx->nr_vars);
	char tmp[PATH_MAX + 160];
	void *buf;
	FILE *f;
	int ok;

	if (!len || mkdir_p(dir))
		return;
	buf = malloc(len);
	if (!buf)
		return;
	ms_dwarf_cache_layout(buf, idx->strings_len, idx->nr_structs, idx->nr_vars, &key, &parts);
	memcpy((char *)parts.strings, idx->strings, idx->strings_len);
	memcpy((struct ms_dwarf_cache_struct *)parts.structs, idx->raw_structs,
	       idx->nr_structs * sizeof(*idx->raw_structs));
	memcpy((struct ms_dwarf_cache_var *)parts.vars, idx->vars,
	       idx->nr_vars * sizeof(*idx->vars));
	ms_dwarf_cache_seal(buf, len);
	snprintf(tmp, sizeof(tmp), "%s.%d", file, (int)getpid());
	f = fopen(tmp, "wb");
	if (f) {
		ok = fwrite(buf, 1, len, f) == len;
		if (fclose(f) || !ok || rename(tmp, file))
			unlink(tmp);
	}
	free(buf);
}

/* ---- public ---- */

struct ms_error *ms_dwarf_index_open(const char *path, const char *origin, const char *cache_dir,
				     struct ms_dwarf_index **out)
{
	struct ms_dwarf_index *idx;
	struct ms_error *err = NULL;
	char file[PATH_MAX + 128];
	struct stat st;

	*out = NULL;
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return ms_error_new(MS_ERR_IO, "%s: %s", path,
				    errno ? strerror(errno) : "not a regular file");
	idx = calloc(1, sizeof(*idx));
	if (!idx)
		return ms_error_new(MS_ERR_NOMEM, "out of memory");
	snprintf(idx->origin, sizeof(idx->origin), "%s", origin && *origin ? origin : "vmlinux");
	snprintf(idx->path, sizeof(idx->path), "%s", path);
	if (cache_dir) {
		cache_file_name(idx, cache_dir, file, sizeof(file));
		err = load_cache(idx, file, &st, &idx->cached);
		if (err) {	/* not used: built again below, and the file rewritten */
			snprintf(idx->cache_note, sizeof(idx->cache_note), "%s", err->message);
			ms_error_free(err);
			err = NULL;
		}
	}
	if (!idx->cached) {
		err = build(idx);
		if (!err && cache_dir)
			save_cache(idx, cache_dir, file, &st);
	}
	if (!err)
		err = finish(idx);
	if (err) {
		ms_dwarf_index_free(idx);
		return err;
	}
	*out = idx;
	return NULL;
}

struct ms_error *ms_dwarf_index_from_cache(const void *buf, size_t len,
					   struct ms_dwarf_index **out)
{
	struct ms_dwarf_cache_parts parts;
	struct ms_dwarf_index *idx;
	struct ms_error *err;
	void *copy;

	*out = NULL;
	copy = malloc(len ? len : 1);	/* the records want 8-byte alignment */
	if (!copy)
		return ms_error_new(MS_ERR_NOMEM, "out of memory");
	memcpy(copy, buf, len);
	err = ms_dwarf_cache_check(copy, len, NULL, &parts);
	if (err) {
		free(copy);
		return err;
	}
	idx = calloc(1, sizeof(*idx));
	if (!idx) {
		free(copy);
		return ms_error_new(MS_ERR_NOMEM, "out of memory");
	}
	snprintf(idx->origin, sizeof(idx->origin), "cache");
	idx->cached = 1;
	err = take_parts(idx, &parts);
	free(copy);
	if (!err)
		err = finish(idx);
	if (err) {
		ms_dwarf_index_free(idx);
		return err;
	}
	*out = idx;
	return NULL;
}

void ms_dwarf_index_free(struct ms_dwarf_index *idx)
{
	if (!idx)
		return;
	if (idx->dwfl)
		dwfl_end(idx->dwfl);
	free(idx->strings);
	free(idx->raw_structs);
	free(idx->structs);
	free(idx->by_name);
	free(idx->vars);
	free(idx);
}

const char *ms_dwarf_index_origin(const struct ms_dwarf_index *idx)
{
	return idx->origin;
}

const char *ms_dwarf_index_path(const struct ms_dwarf_index *idx)
{
	return idx->path;
}

size_t ms_dwarf_index_nr_structs(const struct ms_dwarf_index *idx)
{
	return idx->nr_structs;
}

size_t ms_dwarf_index_nr_vars(const struct ms_dwarf_index *idx)
{
	return idx->nr_vars;
}

int ms_dwarf_index_cached(const struct ms_dwarf_index *idx)
{
	return idx->cached;
}

const char *ms_dwarf_index_cache_note(const struct ms_dwarf_index *idx)
{
	return idx->cache_note[0] ? idx->cache_note : NULL;
}

const struct ms_dw_struct *ms_dwarf_index_by_size(const struct ms_dwarf_index *idx, uint32_t min,
						  uint32_t max, size_t *nr_out)
{
	size_t lo = 0, hi = idx->nr_structs, first;

	*nr_out = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (idx->structs[mid].size < min)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < idx->nr_structs && idx->structs[lo].size <= max)
		lo++;
	*nr_out = lo - first;
	return idx->structs + first;
}

const struct ms_dw_struct *ms_dwarf_index_find_struct(const struct ms_dwarf_index *idx,
						      const char *name)
{
	size_t lo = 0, hi = idx->nr_structs;
	const struct ms_dw_struct *best = NULL;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(idx->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < idx->nr_structs && !strcmp(idx->by_name[lo]->name, name); lo++)
		best = idx->by_name[lo];	/* ascending sizes: the last is the largest */
	return best;
}

size_t ms_dwarf_index_var_types(const struct ms_dwarf_index *idx, const char *name,
				const char **types, size_t max)
{
	size_t lo = 0, hi = idx->nr_vars, n = 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(idx->strings + idx->vars[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < idx->nr_vars && !strcmp(idx->strings + idx->vars[lo].name, name); lo++, n++)
		if (n < max)
			types[n] = idx->strings + idx->vars[lo].type;
	return n;
}

const char *ms_dwarf_index_var_of_type(const struct ms_dwarf_index *idx, const char *type)
{
	size_t i;

	for (i = 0; i < idx->nr_vars; i++)
		if (!strcmp(idx->strings + idx->vars[i].type, type))
			return idx->strings + idx->vars[i].name;
	return NULL;
}

/* ---- flattening ---- */

struct flattener {
	struct ms_flat *flat;
	uint32_t limit;
	size_t max_slots;
};

static struct ms_slot *new_slot(struct flattener *f, uint32_t offset, uint32_t size,
				enum ms_slot_kind kind, const char *path, enum ms_link_kind link,
				uint32_t link_offset)
{
	struct ms_flat *fl = f->flat;
	struct ms_slot *s;

	if (offset >= f->limit)
		return NULL;
	if (fl->nr >= f->max_slots) {
		fl->truncated = 1;
		return NULL;
	}
	if (fl->nr == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 64;

		s = realloc(fl->slots, cap * sizeof(*s));
		if (!s) {
			fl->truncated = 1;
			return NULL;
		}
		fl->slots = s;
		fl->cap = cap;
	}
	s = &fl->slots[fl->nr++];
	memset(s, 0, sizeof(*s));
	s->offset = offset;
	s->size = size;
	s->kind = kind;
	s->link = link;
	s->link_offset = link_offset;
	snprintf(s->path, sizeof(s->path), "%s", path);
	return s;
}

static enum ms_link_kind link_of(const char *struct_name)
{
	static const struct {
		const char *name;
		enum ms_link_kind link;
	} links[] = {
		{ "list_head", MS_LINK_LIST },	 { "hlist_node", MS_LINK_HLIST_NODE },
		{ "hlist_head", MS_LINK_HLIST_HEAD }, { "rb_node", MS_LINK_RB },
		{ "llist_node", MS_LINK_LLIST }, { "callback_head", MS_LINK_RCU },
	};
	size_t i;

	for (i = 0; struct_name && i < sizeof(links) / sizeof(links[0]); i++)
		if (!strcmp(struct_name, links[i].name))
			return links[i].link;
	return MS_LINK_NONE;
}

static int is_char_type(Dwarf_Die *type)
{
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	Dwarf_Die t = *type;

	while (is_qualifier(dwarf_tag(&t)))
		if (!follow_type(&t, &t))
			return 0;
	return dwarf_tag(&t) == DW_TAG_base_type && dwarf_bytesize(&t) == 1 &&
	       dwarf_formudata(dwarf_attr(&t, DW_AT_encoding, &a), &enc) == 0 &&
	       (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char);
}

/* Elements of array @type (all dimensions); -1 when unbounded. */
static long long array_count(Dwarf_Die *type)
{
	Dwarf_Die sub;
	long long total = 1;
	int any = 0;

	if (dwarf_child(type, &sub) != 0)
		return -1;
	do {
		Dwarf_Attribute a;
		Dwarf_Word n;
		Dwarf_Sword ub;

		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		any = 1;
		if (dwarf_formudata(dwarf_attr(&sub, DW_AT_count, &a), &n) == 0)
			total *= (long long)n;
		else if (dwarf_formsdata(dwarf_attr(&sub, DW_AT_upper_bound, &a), &ub) == 0)
			total *= ub + 1 > 0 ? ub + 1 : 0;
		else
			return -1;
	} while (dwarf_siblingof(&sub, &sub) == 0);
	return any ? total : -1;
}

static void flatten_type(struct flattener *f, Dwarf_Die *type, uint32_t base, const char *path,
			 enum ms_link_kind link, uint32_t link_offset, int depth);

static void flatten_members(struct flattener *f, Dwarf_Die *agg, uint32_t base, const char *path,
			    enum ms_link_kind link, uint32_t link_offset, int depth)
{
	Dwarf_Die child, mtype;
	char sub[96];

	if (dwarf_child(agg, &child) != 0)
		return;
	do {
		Dwarf_Attribute a;
		Dwarf_Word loc = 0, bits;
		const char *name;

		if (dwarf_tag(&child) != DW_TAG_member || !follow_type(&child, &mtype))
			continue;
		name = dwarf_diename(&child);
		snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] && name ? "." : "",
			 name ? name : "");
		if (dwarf_formudata(dwarf_attr(&child, DW_AT_bit_size, &a), &bits) == 0) {
			Dwarf_Word bitoff;

			if (dwarf_formudata(dwarf_attr(&child, DW_AT_data_bit_offset, &a), &bitoff) ==
			    0)
				new_slot(f, base + (uint32_t)(bitoff / 8),
					 (uint32_t)((bitoff % 8 + bits + 7) / 8), MS_SLOT_INT, sub,
					 link, link_offset);
			else if (dwarf_formudata(dwarf_attr(&child, DW_AT_data_member_location, &a),
						 &loc) == 0)
				new_slot(f, base + (uint32_t)loc, 1, MS_SLOT_INT, sub, link,
					 link_offset);
			continue;
		}
		if (dwarf_formudata(dwarf_attr(&child, DW_AT_data_member_location, &a), &loc) != 0)
			loc = 0;	/* union members */
		if (base + loc >= f->limit)
			continue;
		flatten_type(f, &mtype, base + (uint32_t)loc, sub, link, link_offset, depth + 1);
	} while (dwarf_siblingof(&child, &child) == 0);
}

static void flatten_pointer(struct flattener *f, Dwarf_Die *ptr, uint32_t base, const char *path,
			    enum ms_link_kind link, uint32_t link_offset)
{
	Dwarf_Die to;
	char key[160];
	int tag = 0;
	struct ms_slot *s;

	if (!follow_type(ptr, &to)) {
		new_slot(f, base, 8, MS_SLOT_VOIDPTR, path, link, link_offset);
		return;
	}
	type_key(&to, 0, key, sizeof(key), &tag);
	if (tag == DW_TAG_subroutine_type) {
		new_slot(f, base, 8, MS_SLOT_FNPTR, path, link, link_offset);
	} else if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type) && key[0]) {
		s = new_slot(f, base, 8, MS_SLOT_PTR, path, link, link_offset);
		if (s)
			snprintf(s->pointee, sizeof(s->pointee), "%.*s", (int)sizeof(s->pointee) - 1, key);
	} else {
		new_slot(f, base, 8, MS_SLOT_VOIDPTR, path, link, link_offset);
	}
}

static void flatten_type(struct flattener *f, Dwarf_Die *type, uint32_t base, const char *path,
			 enum ms_link_kind link, uint32_t link_offset, int depth)
{
	Dwarf_Die t = *type, elem;
	Dwarf_Word size;
	const char *typedef_name = NULL;
	struct ms_slot *s;
	int tag;

	if (depth > MAX_FLATTEN_DEPTH || base >= f->limit)
		return;
	while (is_qualifier(dwarf_tag(&t))) {
		if (dwarf_tag(&t) == DW_TAG_typedef && !typedef_name)
			typedef_name = dwarf_diename(&t);	/* the outermost: size_t, not ulong */
		if (!follow_type(&t, &t))
			return;
	}
	tag = dwarf_tag(&t);
	switch (tag) {
	case DW_TAG_base_type: {
		Dwarf_Attribute a;
		Dwarf_Word enc = 0;
		int bytes = dwarf_bytesize(&t);

		dwarf_formudata(dwarf_attr(&t, DW_AT_encoding, &a), &enc);
		s = new_slot(f, base, bytes > 0 ? (uint32_t)bytes : 1,
			     enc == DW_ATE_float ? MS_SLOT_FLOAT : MS_SLOT_INT, path, link,
			     link_offset);
		if (s && typedef_name)
			snprintf(s->pointee, sizeof(s->pointee), "%.*s", (int)sizeof(s->pointee) - 1,
				 typedef_name);
		break;
	}
	case DW_TAG_enumeration_type: {
		int bytes = dwarf_bytesize(&t);

		new_slot(f, base, bytes > 0 ? (uint32_t)bytes : 4, MS_SLOT_INT, path, link,
			 link_offset);
		break;
	}
	case DW_TAG_pointer_type:
		flatten_pointer(f, &t, base, path, link, link_offset);
		break;
	case DW_TAG_structure_type:
	case DW_TAG_union_type: {
		enum ms_link_kind l = tag == DW_TAG_structure_type ? link_of(dwarf_diename(&t)) :
								     MS_LINK_NONE;

		if (l != MS_LINK_NONE)
			flatten_members(f, &t, base, path, l, base, depth);
		else
			flatten_members(f, &t, base, path, link, link_offset, depth);
		break;
	}
	case DW_TAG_array_type: {
		long long n = array_count(&t), i;
		char sub[96];

		if (!follow_type(&t, &elem))
			break;
		/* A flexible array (the last member, no bound) runs to the end of the object. */
		if (is_char_type(&elem)) {
			if (n <= 0)
				n = f->limit > base ? f->limit - base : 0;
			if (n > 0)
				new_slot(f, base, (uint32_t)n, MS_SLOT_CHARS, path, link, link_offset);
			break;
		}
		if (dwarf_aggregate_size(&elem, &size) != 0 || !size)
			break;
		if (n <= 0)
			n = f->limit > base ? (f->limit - base) / size : 0;
		for (i = 0; i < n && base + i * size < f->limit; i++) {
			snprintf(sub, sizeof(sub), "%s[%lld]", path, i);
			flatten_type(f, &elem, base + (uint32_t)(i * size), sub, link, link_offset,
				     depth + 1);
		}
		break;
	}
	default:
		break;
	}
}

int ms_dwarf_index_flatten(struct ms_dwarf_index *idx, const struct ms_dw_struct *s,
			   uint32_t limit, size_t max_slots, struct ms_flat *flat)
{
	struct flattener f = { flat, limit, max_slots };
	struct ms_error *err = open_dwarf(idx);
	Dwarf_Die die;

	if (err) {
		ms_error_free(err);
		return -1;
	}
	if (!dwarf_offdie(idx->dw, s->die, &die))
		return -1;
	flatten_members(&f, &die, 0, "", link_of(s->name), 0, 0);
	return 0;
}

void ms_flat_release(struct ms_flat *flat)
{
	free(flat->slots);
	memset(flat, 0, sizeof(*flat));
}
