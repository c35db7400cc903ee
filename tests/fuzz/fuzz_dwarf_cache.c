/*
 * fuzz_dwarf_cache.c - the debuginfo index's cache loader on arbitrary file contents.
 *
 * The first input byte chooses how the rest is taken: as is, or "sealed" first (its header's
 * total size set to the length and the checksum recomputed, dwarf_cache.h), so that the
 * checks behind the checksum are reached too.  A file the loader accepts becomes an index,
 * and its lookups run over it: by size (the results in range and ascending), by name (every
 * struct findable), globals' types.
 */
#include "dwarf_cache.h"
#include "dwarf_index.h"
#include "fuzz.h"

static void exercise(struct ms_dwarf_index *idx)
{
	size_t nr = ms_dwarf_index_nr_structs(idx), n, i;
	const struct ms_dw_struct *all = ms_dwarf_index_by_size(idx, 0, UINT32_MAX, &n), *s;
	const char *types[4];

	FUZZ_CHECK(n == nr, "by_size gives %zu of %zu", n, nr);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(!i || all[i - 1].size <= all[i].size, "by_size not ascending at %zu", i);
		s = ms_dwarf_index_find_struct(idx, all[i].name);
		FUZZ_CHECK(s && !strcmp(s->name, all[i].name) && s->size >= all[i].size,
			   "struct %zu (%s) not found by name", i, all[i].name);
		ms_dwarf_index_var_types(idx, all[i].name, types, 4);
	}
	if (n) {
		uint32_t lo = all[n / 2].size;

		s = ms_dwarf_index_by_size(idx, lo, lo + 8, &n);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(s[i].size >= lo && s[i].size <= lo + 8, "by_size out of range");
	}
	ms_dwarf_index_var_types(idx, "", types, 4);
}

FUZZ_TARGET(dwarf_cache)
{
	struct ms_dwarf_index *idx = NULL;
	struct ms_error *err;
	uint8_t *buf;
	size_t len;

	if (!size)
		return 0;
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if ((data[0] & 1) && len >= sizeof(struct ms_dwarf_cache_header)) {
		uint64_t total = len;

		memcpy(buf + offsetof(struct ms_dwarf_cache_header, total_size), &total, 8);
		ms_dwarf_cache_seal(buf, len);
	}
	err = ms_dwarf_index_from_cache(buf, len, &idx);
	FUZZ_CHECK(!err == !!idx, "an error and an index, or neither");
	if (err)
		FUZZ_CHECK(err->code == MS_ERR_INVALID || err->code == MS_ERR_NOMEM,
			   "unexpected error code %d: %s", err->code, err->message);
	ms_error_free(err);
	if (idx)
		exercise(idx);
	ms_dwarf_index_free(idx);
	free(buf);
	return 0;
}
