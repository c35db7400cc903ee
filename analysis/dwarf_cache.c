/* dwarf_cache.c - the cache file of a debuginfo index: layout and checks; see dwarf_cache.h. */
#include <string.h>
#include <xxhash.h>

#include "dwarf_cache.h"

#define HEADER_SIZE sizeof(struct ms_dwarf_cache_header)

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

size_t ms_dwarf_cache_size(size_t strings_len, size_t nr_structs, size_t nr_vars)
{
	if (strings_len > MS_DWARF_CACHE_MAX_STRINGS || nr_structs > MS_DWARF_CACHE_MAX_STRUCTS ||
	    nr_vars > MS_DWARF_CACHE_MAX_VARS)
		return 0;
	return HEADER_SIZE + align8(strings_len) + nr_structs * sizeof(struct ms_dwarf_cache_struct) +
	       nr_vars * sizeof(struct ms_dwarf_cache_var);
}

static void parts_of(const struct ms_dwarf_cache_header *h, const uint8_t *base,
		     struct ms_dwarf_cache_parts *parts)
{
	parts->strings = (const char *)base + h->strings_off;
	parts->strings_len = h->strings_len;
	parts->structs = (const struct ms_dwarf_cache_struct *)(base + h->structs_off);
	parts->nr_structs = h->nr_structs;
	parts->vars = (const struct ms_dwarf_cache_var *)(base + h->vars_off);
	parts->nr_vars = h->nr_vars;
}

void ms_dwarf_cache_layout(void *buf, size_t strings_len, size_t nr_structs, size_t nr_vars,
			   const struct ms_dwarf_cache_key *key, struct ms_dwarf_cache_parts *parts)
{
	struct ms_dwarf_cache_header h;
	size_t total = ms_dwarf_cache_size(strings_len, nr_structs, nr_vars);

	memset(buf, 0, total);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MS_DWARF_CACHE_MAGIC, sizeof(MS_DWARF_CACHE_MAGIC));
	h.version = MS_DWARF_CACHE_VERSION;
	h.header_size = HEADER_SIZE;
	h.total_size = total;
	h.file_size = key->file_size;
	h.mtime_sec = key->mtime_sec;
	h.mtime_nsec = key->mtime_nsec;
	h.strings_off = HEADER_SIZE;
	h.strings_len = strings_len;
	h.structs_off = HEADER_SIZE + align8(strings_len);
	h.nr_structs = nr_structs;
	h.vars_off = h.structs_off + nr_structs * sizeof(struct ms_dwarf_cache_struct);
	h.nr_vars = nr_vars;
	memcpy(buf, &h, sizeof(h));
	parts_of(&h, buf, parts);
}

static uint64_t checksum(const uint8_t *buf, size_t len)
{
	struct ms_dwarf_cache_header h;

	memcpy(&h, buf, sizeof(h));
	h.checksum = 0;
	return XXH3_64bits_withSeed(buf + HEADER_SIZE, len - HEADER_SIZE,
				    XXH3_64bits(&h, sizeof(h)));
}

void ms_dwarf_cache_seal(void *buf, size_t len)
{
	uint64_t sum;

	if (len < HEADER_SIZE)
		return;
	sum = checksum(buf, len);
	memcpy((uint8_t *)buf + offsetof(struct ms_dwarf_cache_header, checksum), &sum,
	       sizeof(sum));
}

/* Does @off start a string of the blob (0 is the empty string)? */
static int string_start(const struct ms_dwarf_cache_parts *p, uint32_t off, int nonempty)
{
	if (off >= p->strings_len)
		return 0;
	if (off && p->strings[off - 1])
		return 0;
	return !nonempty || p->strings[off];
}

static struct ms_error *bad(const char *what)
{
	return ms_error_new(MS_ERR_INVALID, "cache file %s", what);
}

struct ms_error *ms_dwarf_cache_check(const void *buf, size_t len,
				      const struct ms_dwarf_cache_key *key,
				      struct ms_dwarf_cache_parts *parts)
{
	const uint8_t *base = buf;
	struct ms_dwarf_cache_header h;
	struct ms_dwarf_cache_parts p;
	size_t i, expect;

	memset(parts, 0, sizeof(*parts));
	if (len < HEADER_SIZE)
		return ms_error_new(MS_ERR_INVALID, "cache file truncated: %zu bytes, shorter than "
				    "its header", len);
	memcpy(&h, base, sizeof(h));
	if (memcmp(h.magic, MS_DWARF_CACHE_MAGIC, sizeof(MS_DWARF_CACHE_MAGIC))) {
		if (!memcmp(h.magic, "MSDWIDX", 7))
			return ms_error_new(MS_ERR_INVALID, "cache file of an older format (%c)",
					    h.magic[7] >= 0x20 && h.magic[7] < 0x7f ? h.magic[7] : '?');
		return bad("is not a memsim index (bad magic)");
	}
	if (h.version != MS_DWARF_CACHE_VERSION)
		return ms_error_new(MS_ERR_INVALID, "cache file version %u, expected %u", h.version,
				    MS_DWARF_CACHE_VERSION);
	if (h.header_size != HEADER_SIZE)
		return ms_error_new(MS_ERR_INVALID, "cache file header of %u bytes, expected %zu",
				    h.header_size, HEADER_SIZE);
	if (h.total_size != len)
		return ms_error_new(MS_ERR_INVALID, "cache file truncated or extended: %zu bytes, "
				    "its header says %llu", len, (unsigned long long)h.total_size);
	if (h.strings_len > MS_DWARF_CACHE_MAX_STRINGS || h.nr_structs > MS_DWARF_CACHE_MAX_STRUCTS ||
	    h.nr_vars > MS_DWARF_CACHE_MAX_VARS)
		return ms_error_new(MS_ERR_INVALID, "cache file sizes past the bounds: %llu bytes of "
				    "names, %llu structs, %llu globals",
				    (unsigned long long)h.strings_len,
				    (unsigned long long)h.nr_structs, (unsigned long long)h.nr_vars);
	if (!h.strings_len)
		return bad("has no strings");
	/* Within the bounds, the sizes cannot overflow; the layout fixes every offset. */
	expect = ms_dwarf_cache_size(h.strings_len, h.nr_structs, h.nr_vars);
	if (h.strings_off != HEADER_SIZE || h.structs_off != HEADER_SIZE + align8(h.strings_len) ||
	    h.vars_off != h.structs_off + h.nr_structs * sizeof(struct ms_dwarf_cache_struct))
		return bad("offsets out of place");
	if (expect != len)
		return ms_error_new(MS_ERR_INVALID, "cache file sizes add up to %zu bytes, the file "
				    "has %zu", expect, len);
	if (checksum(base, len) != h.checksum)
		return bad("checksum mismatch");
	if (key && (h.file_size != key->file_size || h.mtime_sec != key->mtime_sec ||
		    h.mtime_nsec != key->mtime_nsec))
		return bad("stale: made for another version of the debuginfo file");
	parts_of(&h, base, &p);
	if (p.strings[0] || p.strings[p.strings_len - 1])
		return bad("strings not NUL-delimited");
	for (i = h.strings_off + h.strings_len; i < h.structs_off; i++)
		if (base[i])
			return bad("padding not zero");
	for (i = 0; i < p.nr_structs; i++) {
		const struct ms_dwarf_cache_struct *s = &p.structs[i];

		if (!string_start(&p, s->name, 1) || s->flexible > 1 || s->pad)
			return ms_error_new(MS_ERR_INVALID, "cache file struct record %zu corrupt", i);
	}
	for (i = 0; i < p.nr_vars; i++)
		if (!string_start(&p, p.vars[i].name, 1) || !string_start(&p, p.vars[i].type, 1))
			return ms_error_new(MS_ERR_INVALID, "cache file global record %zu corrupt", i);
	*parts = p;
	return NULL;
}
