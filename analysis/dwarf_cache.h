/*
 * dwarf_cache.h - the cache file of a debuginfo index (dwarf_index.h): its layout and checks.
 *
 * The file holds, in native endianness (the cache never leaves the machine):
 *   the header (struct ms_dwarf_cache_header), header_size bytes
 *   the strings: strings_len bytes, NUL-separated, the first and the last byte NUL
 *   zeros up to a multiple of 8
 *   the structs: nr_structs records (struct ms_dwarf_cache_struct)
 *   the globals: nr_vars records (struct ms_dwarf_cache_var)
 * and nothing after them.  The checksum is XXH3-64 over the payload (everything after the
 * header), seeded with XXH3-64 of the header with its checksum field zero.
 *
 * The loader trusts nothing in it: ms_dwarf_cache_check() accepts a file only when the
 * magic, version and header size are this format's, every offset is where the layout puts
 * it, every count fits both the file's length and a sane bound, every name offset starts a
 * string inside the blob, and the checksum matches.  A file that fails is reported, and the
 * index is built from the DWARF again (and the cache rewritten).
 */
#ifndef MEMSIM_DWARF_CACHE_H
#define MEMSIM_DWARF_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MS_DWARF_CACHE_MAGIC "MSDWIDX"	/* 7 characters and a NUL */
#define MS_DWARF_CACHE_VERSION 3
/*
 * Sane bounds: a distribution's debug vmlinux makes a cache of a few MB (tens of thousands of
 * structs and globals); a file past these is not one of ours.  The largest file they allow
 * is what the loader may read into memory: about 400 MB.
 */
#define MS_DWARF_CACHE_MAX_STRUCTS (1u << 22)
#define MS_DWARF_CACHE_MAX_VARS (1u << 22)
#define MS_DWARF_CACHE_MAX_STRINGS (1u << 28)

struct ms_dwarf_cache_header {
	char magic[8];		/* MS_DWARF_CACHE_MAGIC */
	uint32_t version;	/* MS_DWARF_CACHE_VERSION */
	uint32_t header_size;	/* sizeof(struct ms_dwarf_cache_header) */
	uint64_t total_size;	/* bytes in the file */
	uint64_t checksum;
	/* The debuginfo file indexed: the cache is stale when it changed. */
	uint64_t file_size;
	int64_t mtime_sec, mtime_nsec;
	uint64_t strings_off, strings_len;
	uint64_t structs_off, nr_structs;
	uint64_t vars_off, nr_vars;
};

struct ms_dwarf_cache_struct {
	uint32_t name;		/* offset in the strings */
	uint32_t size;
	uint32_t flexible;	/* 0 or 1 */
	uint32_t pad;		/* 0 */
	uint64_t die;
};

struct ms_dwarf_cache_var {
	uint32_t name;		/* offsets in the strings */
	uint32_t type;
};

/* The debuginfo file a cache must have been made from. */
struct ms_dwarf_cache_key {
	uint64_t file_size;
	int64_t mtime_sec, mtime_nsec;
};

/* The parts of a checked cache image (pointers into it). */
struct ms_dwarf_cache_parts {
	const char *strings;
	size_t strings_len;
	const struct ms_dwarf_cache_struct *structs;
	size_t nr_structs;
	const struct ms_dwarf_cache_var *vars;
	size_t nr_vars;
};

/* Bytes of a cache file with these contents (the layout above); 0 when past the bounds. */
size_t ms_dwarf_cache_size(size_t strings_len, size_t nr_structs, size_t nr_vars);

/*
 * Lay out a cache image of ms_dwarf_cache_size() bytes into @buf, which the caller then
 * fills through @parts' pointers (cast away const) and seals.  The header gets @key.
 */
void ms_dwarf_cache_layout(void *buf, size_t strings_len, size_t nr_structs, size_t nr_vars,
			   const struct ms_dwarf_cache_key *key, struct ms_dwarf_cache_parts *parts);

/* Set the checksum of the cache image @buf of @len bytes (at least a header). */
void ms_dwarf_cache_seal(void *buf, size_t len);

/*
 * Check the cache image @buf of @len bytes (8-byte aligned) and fill @parts.  With @key,
 * the image must also have been made from that file.  Returns NULL, or MS_ERR_INVALID
 * saying what is wrong ("truncated", "checksum mismatch", "stale: made for ...").
 */
struct ms_error *ms_dwarf_cache_check(const void *buf, size_t len,
				      const struct ms_dwarf_cache_key *key,
				      struct ms_dwarf_cache_parts *parts);

#endif
