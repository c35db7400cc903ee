/*
 * seeds.c - seed inputs for the fuzz targets, made from the unit tests' data: the planted
 * leak and noise objects of tests/unit/synth.c, freelist chains in each encoding, the owner
 * fixture's index cache file, strings with every kind of awkward byte.
 *
 * Usage: seeds-gen DIR   (writes DIR/<target>/<name>; the layouts follow each target's
 * parsing, see the comments at the top of tests/fuzz/fuzz_<target>.c)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dwarf_index.h"
#include "freelist.h"
#include "synth.h"

struct out {
	uint8_t buf[1 << 16];
	size_t n;
};

static void put(struct out *o, uint64_t v, size_t bytes)
{
	size_t i;

	for (i = 0; i < bytes && o->n < sizeof(o->buf); i++)
		o->buf[o->n++] = (uint8_t)(v >> (8 * i));
}

static void put_str(struct out *o, const char *s)
{
	size_t n = strlen(s) + 1;

	if (o->n + n <= sizeof(o->buf)) {
		memcpy(o->buf + o->n, s, n);
		o->n += n;
	}
}

static void put_bytes(struct out *o, const void *p, size_t n)
{
	if (o->n + n <= sizeof(o->buf)) {
		memcpy(o->buf + o->n, p, n);
		o->n += n;
	}
}

static int save(const char *dir, const char *target, const char *name, const struct out *o)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(dir, 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ok = fwrite(o->buf, 1, o->n, f) == o->n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* ---- freelist: mode, encoding, [random], offset, first, stride, nr, [addr], head, bytes */

static int freelist_seeds(const char *dir)
{
	static struct out o;
	const uint64_t base = 0xffff888100000000ULL, random = 0x5a5aa5a5deadbeefULL;
	const uint32_t stride = 64, nr = 64, offset = 16;
	uint8_t slab[64 * 64];
	int rc = 0;
	uint32_t i;

	/* chain mode: object i's first word names object i + 2 (1-based), the last none */
	memset(slab, 0, sizeof(slab));
	for (i = 0; i < nr; i++)
		slab[i * stride] = (uint8_t)(i + 1 < nr ? i + 2 : 0);
	o.n = 0;
	put(&o, 1 | 8, 1);
	put(&o, MS_FP_XOR_SWAB, 1);
	put(&o, random, 8);
	put(&o, offset, 1);
	put(&o, 0, 2);
	put(&o, stride, 2);
	put(&o, nr, 2);
	put(&o, 0, 8);
	put_bytes(&o, slab, sizeof(slab));
	rc |= save(dir, "freelist", "chain-swab", &o);

	/* chain mode closing a loop: object 40 points back to object 5 */
	slab[40 * stride] = 6;
	o.n = 0;
	put(&o, 8, 1);
	put(&o, MS_FP_PLAIN, 1);
	put(&o, offset, 1);
	put(&o, 0, 2);
	put(&o, stride, 2);
	put(&o, nr, 2);
	put(&o, 3, 8);
	put_bytes(&o, slab, sizeof(slab));
	rc |= save(dir, "freelist", "chain-cycle", &o);

	/* raw mode: a hardened chain as SLUB stores it, 3 -> 7 -> 11 -> ... -> NULL, red zone 8 */
	memset(slab, 0x6b, sizeof(slab));
	for (i = 3; i < nr - 1; i += 4) {
		uint64_t obj = base + 8 + (uint64_t)i * stride, slot = obj + offset;
		uint64_t next = i + 4 < nr - 1 ? obj + 4 * stride : 0;
		uint64_t stored = next ^ random ^ slot;

		memcpy(slab + 8 + (size_t)i * stride + offset, &stored, 8);
	}
	o.n = 0;
	put(&o, 1 | 16, 1);
	put(&o, MS_FP_XOR, 1);
	put(&o, random, 8);
	put(&o, offset, 1);
	put(&o, 8, 2);
	put(&o, stride, 2);
	put(&o, nr - 1, 2);
	put(&o, base + 8 + 3 * stride, 8);
	put_bytes(&o, slab, 8 + (size_t)(nr - 1) * stride);
	rc |= save(dir, "freelist", "hardened-raw", &o);
	return rc;
}

/* ---- engine: flags, size - 1, stride - size, [first], per_slab - 1, nr, alloc_seed,
 * top_n, pattern_slots, content_slots, [mem KiB - 1], [interrupt after], other_size,
 * 4 symbols, module, other cache, then the bytes the objects are cut from */

static void engine_head(struct out *o, uint8_t flags, uint32_t size, uint32_t extra,
			uint32_t first, uint32_t per_slab, uint32_t nr, uint64_t alloc_seed,
			uint32_t pattern_slots, uint32_t content_slots)
{
	o->n = 0;
	put(o, flags, 1);
	put(o, size - 1, 2);
	put(o, extra, 1);
	if (flags & 1)
		put(o, first, 1);
	put(o, per_slab - 1, 1);
	put(o, nr, 2);
	put(o, alloc_seed, 8);
	put(o, 0, 1);
	put(o, pattern_slots, 2);
	put(o, content_slots, 2);
	if (flags & 4)
		put(o, 2047, 2);	/* 2 MiB */
	if (flags & 8)
		put(o, 5, 1);
	put(o, 128, 2);
	put_str(o, "leak_callback");
	put_str(o, "leak_ops");
	put_str(o, "odd\xff\x01\"name\\");
	put_str(o, "init_task");
	put_str(o, "leakmod");
	put_str(o, "kmalloc-128");
}

/* @nr objects of 32 bytes: @planted of every 10 the leak (self pointers by the 0xfffe
 * marker, the callback, a counter), the rest synth.c's noise. */
static void engine_pool(struct out *o, uint32_t nr, uint32_t planted, uint32_t size)
{
	uint8_t obj[64];
	uint32_t i;

	for (i = 0; i < nr; i++) {
		memset(obj, 0, sizeof(obj));
		if (i % 10 < planted) {
			uint64_t self = 0xfffe000000000000ULL;

			memcpy(obj, &self, 8);
			memcpy(obj + 8, &self, 8);
			planted_object(i, 0, obj);
			memcpy(obj, &self, 8);
			memcpy(obj + 8, &self, 8);
		} else {
			noise_object(i, FK_SLABS_A + (uint64_t)i * size, obj, size);
		}
		put_bytes(o, obj, size);
	}
}

static int engine_seeds(const char *dir)
{
	static struct out o;
	int rc = 0;

	engine_head(&o, 0, 32, 0, 0, 128, 2000, 0, 0, 0);
	engine_pool(&o, 40, 7, 32);
	rc |= save(dir, "engine", "leak", &o);

	/* small tables: pass 1 evicts, a second pass counts exactly */
	engine_head(&o, 0, 32, 0, 0, 128, 2040, 0, 64, 64);
	engine_pool(&o, 300, 3, 32);
	rc |= save(dir, "engine", "two-passes", &o);

	/* free objects analysed, an odd view, deep following, Ctrl-C during the walk */
	engine_head(&o, 2 | 16 | 32 | 128, 32, 0, 0, 64, 2000, 0x8421, 0, 0);
	engine_pool(&o, 40, 6, 32);
	rc |= save(dir, "engine", "free-settle", &o);

	/* a partial last word, padding after it, a red zone before the first object, a small
	 * memory limit, Ctrl-C during resolution */
	engine_head(&o, 1 | 4 | 8, 24, 8, 16, 32, 1000, 0, 0, 0);
	engine_pool(&o, 30, 8, 32);
	rc |= save(dir, "engine", "odd-geometry", &o);
	return rc;
}

/* ---- dwarf_cache: 0 (as is) or 1 (sealed), then the file ---- */

static int dwarf_cache_seeds(const char *dir)
{
	static struct out o;
	char tmp[] = "/tmp/memsim-seeds-XXXXXX", cmd[256], file[512];
	struct ms_dwarf_index *idx = NULL;
	struct ms_error *err;
	FILE *p, *f;
	int rc = -1;
	size_t n;

	if (!mkdtemp(tmp))
		return -1;
	err = ms_dwarf_index_open(MS_OWNER_FIXTURE, "fixture", tmp, &idx);
	ms_dwarf_index_free(idx);
	snprintf(cmd, sizeof(cmd), "ls %s/*.idx", tmp);
	if (!err && (p = popen(cmd, "r"))) {
		if (fgets(file, sizeof(file), p) && (file[strcspn(file, "\n")] = 0, 1) &&
		    (f = fopen(file, "rb"))) {
			o.n = 0;
			put(&o, 0, 1);
			n = fread(o.buf + 1, 1, sizeof(o.buf) - 1, f);
			fclose(f);
			o.n = 1 + n;
			rc = save(dir, "dwarf_cache", "fixture", &o);
			o.buf[0] = 1;
			rc |= save(dir, "dwarf_cache", "fixture-sealed", &o);
		}
		pclose(p);
	}
	ms_error_free(err);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		rc = -1;
	return rc;
}

/* ---- json: a string, then the bytes a report is made from ---- */

static int json_seeds(const char *dir)
{
	static const char *const strings[] = {
		"kmalloc-32",
		"quote\" back\\slash tab\t nl\n cr\r del\x7f",
		"\x01\x02\x1f latin-1 \xe9\xff utf-8 \xc3\xa9 surrogate \xed\xa0\x80 overlong \xc0\xaf",
		"struct leak_obj [leakmod]",
	};
	static struct out o;
	uint64_t st = 42;
	size_t i, k;
	int rc = 0;
	char name[32];

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		o.n = 0;
		put_str(&o, strings[i]);
		/* the report: strings of the same kinds, numbers from the unit tests' generator */
		for (k = 0; k < 400; k++) {
			if (k % 16 == 0)
				put_str(&o, strings[(i + k / 16) % 4]);
			else
				put(&o, fk_rand(&st), 8);
		}
		snprintf(name, sizeof(name), "strings-%zu", i);
		rc |= save(dir, "json", name, &o);
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	mkdir(argv[1], 0755);
	if (freelist_seeds(argv[1]) || engine_seeds(argv[1]) || dwarf_cache_seeds(argv[1]) ||
	    json_seeds(argv[1])) {
		fprintf(stderr, "%s: could not write the seeds\n", argv[0]);
		return 1;
	}
	return 0;
}
