/*
 * test_dwarf_cache.c - the debuginfo index's cache file is checked whole before use: a
 * truncated file, a flipped byte, a size field past the file or the bounds, another version,
 * the previous format, misplaced offsets and bad name offsets are each rejected with the
 * reason, the index is built from the DWARF instead, and the file is rewritten good.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf_cache.h"
#include "dwarf_index.h"
#include "unit.h"

struct cache_dir {
	char dir[64];
	char file[512];
	uint8_t *good;		/* the file as the saver wrote it */
	size_t len;
};

static uint8_t *slurp(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static int spill(const char *file, const void *buf, size_t len)
{
	FILE *f = fopen(file, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static struct ms_dwarf_index *open_in(const char *dir)
{
	struct ms_dwarf_index *idx = NULL;
	struct ms_error *err = ms_dwarf_index_open(MS_OWNER_FIXTURE, "fixture", dir, &idx);

	CU_ASSERT_PTR_NULL(err);
	ms_error_free(err);
	return idx;
}

/* A cache directory holding the fixture's index file, and that file's bytes. */
static int setup(struct cache_dir *c)
{
	struct ms_dwarf_index *idx;
	char cmd[128];
	FILE *fp;

	memset(c, 0, sizeof(*c));
	snprintf(c->dir, sizeof(c->dir), "/tmp/memsim-cache-XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	idx = open_in(c->dir);
	if (!idx)
		return -1;
	CU_ASSERT_FALSE(ms_dwarf_index_cached(idx));
	CU_ASSERT_PTR_NULL(ms_dwarf_index_cache_note(idx));	/* none there: no note */
	ms_dwarf_index_free(idx);
	snprintf(cmd, sizeof(cmd), "ls %s/*.idx", c->dir);
	fp = popen(cmd, "r");
	if (!fp)
		return -1;
	if (!fgets(c->file, sizeof(c->file), fp))
		c->file[0] = 0;
	pclose(fp);
	c->file[strcspn(c->file, "\n")] = 0;
	c->good = c->file[0] ? slurp(c->file, &c->len) : NULL;
	return c->good && c->len > sizeof(struct ms_dwarf_cache_header) ? 0 : -1;
}

static void teardown(struct cache_dir *c)
{
	char cmd[128];

	free(c->good);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/*
 * Write @bad (@len bytes) as the cache file: the next open must reject it saying @reason,
 * build the index (same contents as the good one), and rewrite the file, which the open
 * after that uses.
 */
static void expect_rebuilt(struct cache_dir *c, const void *bad, size_t len, const char *reason)
{
	struct ms_dwarf_index *idx;
	const char *note;
	uint8_t *now;
	size_t now_len = 0;

	CU_ASSERT_EQUAL_FATAL(spill(c->file, bad, len), 0);
	idx = open_in(c->dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(idx);
	CU_ASSERT_FALSE(ms_dwarf_index_cached(idx));
	note = ms_dwarf_index_cache_note(idx);
	CU_ASSERT_PTR_NOT_NULL(note);
	if (note && !strstr(note, reason)) {
		fprintf(stderr, "\n  note \"%s\", expected \"%s\"\n", note, reason);
		CU_FAIL("wrong reason");
	}
	CU_ASSERT_PTR_NOT_NULL(ms_dwarf_index_find_struct(idx, "fx_group"));
	ms_dwarf_index_free(idx);
	now = slurp(c->file, &now_len);
	CU_ASSERT_TRUE(now && now_len == c->len && !memcmp(now, c->good, c->len));
	free(now);
	idx = open_in(c->dir);
	CU_ASSERT_TRUE(idx && ms_dwarf_index_cached(idx) && !ms_dwarf_index_cache_note(idx));
	ms_dwarf_index_free(idx);
}

/* The good file with its header changed by @edit, sealed again so only @edit is wrong. */
static uint8_t *edited(const struct cache_dir *c, void (*edit)(struct ms_dwarf_cache_header *))
{
	uint8_t *b = malloc(c->len);
	struct ms_dwarf_cache_header h;

	if (!b)
		return NULL;
	memcpy(b, c->good, c->len);
	memcpy(&h, b, sizeof(h));
	edit(&h);
	memcpy(b, &h, sizeof(h));
	ms_dwarf_cache_seal(b, c->len);
	return b;
}

static void huge_structs(struct ms_dwarf_cache_header *h)
{
	h->nr_structs = 1ULL << 40;
}

static void huge_strings(struct ms_dwarf_cache_header *h)
{
	h->strings_len = 0xfffffff0ULL;	/* the old loader took up to 4 GiB */
}

static void more_vars(struct ms_dwarf_cache_header *h)
{
	h->nr_vars += 1;	/* in bounds, but past the file's end */
}

static void old_version(struct ms_dwarf_cache_header *h)
{
	h->version = 2;
}

static void moved_structs(struct ms_dwarf_cache_header *h)
{
	h->structs_off -= 8;
}

static void test_truncated(void)
{
	struct cache_dir c;

	if (setup(&c) == 0) {
		expect_rebuilt(&c, c.good, c.len - 1, "truncated");
		expect_rebuilt(&c, c.good, 40, "truncated");	/* inside the header */
		expect_rebuilt(&c, c.good, 0, "truncated");
	}
	teardown(&c);
}

static void test_flipped_byte(void)
{
	struct cache_dir c;
	uint8_t *b;
	size_t at[3], i;

	if (setup(&c) == 0 && (b = malloc(c.len))) {
		/* in the strings, in the records, in the last byte */
		at[0] = sizeof(struct ms_dwarf_cache_header) + 5;
		at[1] = c.len - 12;
		at[2] = c.len - 1;
		for (i = 0; i < 3; i++) {
			memcpy(b, c.good, c.len);
			b[at[i]] ^= 0x10;
			expect_rebuilt(&c, b, c.len, "checksum mismatch");
		}
		free(b);
	}
	teardown(&c);
}

static void test_huge_size_fields(void)
{
	struct cache_dir c;
	uint8_t *b;

	if (setup(&c) == 0) {
		b = edited(&c, huge_structs);
		expect_rebuilt(&c, b, c.len, "past the bounds");
		free(b);
		b = edited(&c, huge_strings);
		expect_rebuilt(&c, b, c.len, "past the bounds");
		free(b);
		b = edited(&c, more_vars);
		expect_rebuilt(&c, b, c.len, "sizes add up to");
		free(b);
		b = edited(&c, moved_structs);
		expect_rebuilt(&c, b, c.len, "offsets out of place");
		free(b);
	}
	teardown(&c);
}

static void test_wrong_version(void)
{
	struct cache_dir c;
	uint8_t *b;

	if (setup(&c) == 0) {
		b = edited(&c, old_version);
		expect_rebuilt(&c, b, c.len, "version 2, expected 3");
		/* the previous format, whose magic carried its version */
		memcpy(b, "MSDWIDX2", 8);
		expect_rebuilt(&c, b, c.len, "older format (2)");
		memcpy(b, "NOTANIDX", 8);
		expect_rebuilt(&c, b, c.len, "bad magic");
		free(b);
	}
	teardown(&c);
}

/* A sealed image with a name offset that points inside a string, or past the blob. */
static void test_bad_records(void)
{
	struct ms_dwarf_cache_key key = { 1, 2, 3 };
	struct ms_dwarf_cache_parts parts;
	struct ms_dwarf_index *idx = NULL;
	struct ms_error *err;
	size_t len = ms_dwarf_cache_size(16, 1, 1);
	uint8_t *b = calloc(1, len);
	struct ms_dwarf_cache_struct *s;
	struct ms_dwarf_cache_var *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	ms_dwarf_cache_layout(b, 16, 1, 1, &key, &parts);
	memcpy((char *)parts.strings, "\0list_head\0int\0", 16);
	s = (struct ms_dwarf_cache_struct *)parts.structs;
	v = (struct ms_dwarf_cache_var *)parts.vars;
	*s = (struct ms_dwarf_cache_struct){ .name = 1, .size = 16, .die = 0x42 };
	*v = (struct ms_dwarf_cache_var){ .name = 1, .type = 11 };
	ms_dwarf_cache_seal(b, len);
	err = ms_dwarf_index_from_cache(b, len, &idx);
	CU_ASSERT_PTR_NULL(err);
	CU_ASSERT_TRUE(idx && ms_dwarf_index_find_struct(idx, "list_head") &&
		       ms_dwarf_index_find_struct(idx, "list_head")->size == 16);
	ms_dwarf_index_free(idx);
	ms_error_free(err);
	/* the key is checked when given: another file's cache is stale */
	key.mtime_nsec = 4;
	err = ms_dwarf_cache_check(b, len, &key, &parts);
	CU_ASSERT_TRUE(err && strstr(err->message, "stale"));
	ms_error_free(err);

	s->name = 2;	/* inside "list_head" */
	ms_dwarf_cache_seal(b, len);
	err = ms_dwarf_index_from_cache(b, len, &idx);
	CU_ASSERT_TRUE(err && strstr(err->message, "struct record 0"));
	CU_ASSERT_PTR_NULL(idx);
	ms_error_free(err);
	s->name = 1;
	v->type = 16;	/* past the blob */
	ms_dwarf_cache_seal(b, len);
	err = ms_dwarf_index_from_cache(b, len, &idx);
	CU_ASSERT_TRUE(err && strstr(err->message, "global record 0"));
	ms_error_free(err);
	v->type = 0;	/* the empty string: no global has an empty type */
	ms_dwarf_cache_seal(b, len);
	err = ms_dwarf_index_from_cache(b, len, &idx);
	CU_ASSERT_TRUE(err && strstr(err->message, "global record 0"));
	ms_error_free(err);
	free(b);
}

static CU_TestInfo tests[] = {
	{ "cache file truncated: rejected, rebuilt", test_truncated },
	{ "cache file with a flipped byte: checksum, rebuilt", test_flipped_byte },
	{ "cache file with huge or wrong sizes: rejected, rebuilt", test_huge_size_fields },
	{ "cache file of another version: rejected, rebuilt", test_wrong_version },
	{ "cache records with bad name offsets, stale key", test_bad_records },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(dwarf_cache, tests)
