/*
 * test_payload.c - header + payload objects: the length field found from example objects
 * (payload.h), and the owner guess that takes a header smaller than the cache's size class
 * (owner.h) on the fixture's structs shaped like msg_msg and user_key_payload; and objects
 * that are arrays of a smaller struct.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owner_util.h"
#include "payload.h"
#include "unit.h"

#define NOBJ 16

static void put_le(uint8_t *p, uint64_t v, unsigned width)
{
	unsigned k;

	for (k = 0; k < width; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

/* Text of @len bytes at @p, different per object (@seed). */
static void put_text(uint8_t *p, uint32_t len, unsigned seed)
{
	uint32_t k;

	for (k = 0; k < len; k++)
		p[k] = (uint8_t)('a' + (k * 7 + seed) % 26);
}

/*
 * @NOBJ msg_msg-like objects of @size bytes in @buf: two list pointers, m_type 1, m_ts the
 * text's length (plus @extra), text from +0x30 (lengths 90 + 7 * i, @text_len when not 0).
 */
static void make_msgs(uint8_t *buf, uint32_t size, uint32_t extra, uint32_t text_len)
{
	unsigned i;

	memset(buf, 0, (size_t)NOBJ * size);
	for (i = 0; i < NOBJ; i++) {
		uint8_t *o = buf + (size_t)i * size;
		uint32_t len = text_len ? text_len : 90 + 7 * i;

		put_le(o, 0xffff888004000000ULL + 0x100 * (i + 1), 8);
		put_le(o + 8, 0xffff888004000000ULL + 0x100 * i, 8);
		put_le(o + 16, 1, 8);
		put_le(o + 24, len + extra, 8);
		put_text(o + 48, len, i);
	}
}

static const struct ms_length_field *field_at(const struct ms_payload *pl, uint32_t off)
{
	uint32_t i;

	for (i = 0; i < pl->nr_fields; i++)
		if (pl->fields[i].offset == off && !pl->fields[i].slot)
			return &pl->fields[i];
	return NULL;
}

static void test_scan_length(void)
{
	uint8_t *buf = malloc((size_t)NOBJ * 256);
	const struct ms_length_field *f;
	struct ms_payload pl;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	make_msgs(buf, 256, 0, 0);
	ms_payload_scan(buf, NOBJ, 256, &pl);
	CU_ASSERT_EQUAL(pl.sampled, NOBJ);
	CU_ASSERT_EQUAL(pl.end_min, 48 + 90);
	CU_ASSERT_EQUAL(pl.end_max, 48 + 90 + 7 * (NOBJ - 1));
	f = field_at(&pl, 24);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->header_end, 48);
	CU_ASSERT_EQUAL(f->matched, NOBJ);
	CU_ASSERT_EQUAL(f->text, NOBJ);
	CU_ASSERT_EQUAL(f->min, 90);
	CU_ASSERT_EQUAL(f->max, 90 + 7 * (NOBJ - 1));
	CU_ASSERT_TRUE(f->widths & (1u << 7));	/* an 8-byte member holds it */
	CU_ASSERT_TRUE(f->widths & (1u << 1));	/* and so does its low half-word */
	/* m_type is 1 in all: too small a constant to count anything */
	CU_ASSERT_PTR_NULL(field_at(&pl, 16));

	/* a length that counts the NUL: the header ends a byte later than the data implies */
	make_msgs(buf, 256, 1, 0);
	ms_payload_scan(buf, NOBJ, 256, &pl);
	f = field_at(&pl, 24);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->header_end, 47);

	/* two objects in sixteen that disagree still leave 14/16 < 90 %: nothing */
	make_msgs(buf, 256, 0, 0);
	put_le(buf + 3 * 256 + 24, 5, 8);
	put_le(buf + 9 * 256 + 24, 6, 8);
	ms_payload_scan(buf, NOBJ, 256, &pl);
	CU_ASSERT_PTR_NULL(field_at(&pl, 24));
	/* one does not: 15/16 */
	make_msgs(buf, 256, 0, 0);
	put_le(buf + 3 * 256 + 24, 5, 8);
	ms_payload_scan(buf, NOBJ, 256, &pl);
	f = field_at(&pl, 24);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->matched, NOBJ - 1);
	free(buf);
}

static void test_scan_no_header(void)
{
	uint8_t *buf = calloc(NOBJ, 64);
	struct ms_payload pl;
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	/* strings (kstrdup): text from +0x0, NUL, zeros: no field counts anything */
	for (i = 0; i < NOBJ; i++)
		put_text(buf + i * 64, 20 + i * 2, i);
	ms_payload_scan(buf, NOBJ, 64, &pl);
	CU_ASSERT_EQUAL(pl.sampled, NOBJ);
	CU_ASSERT_EQUAL(pl.nr_fields, 0);
	/* nothing to scan */
	ms_payload_scan(NULL, 0, 64, &pl);
	CU_ASSERT_EQUAL(pl.sampled, 0);
	ms_payload_scan(buf, 2, 64, &pl);	/* two objects cannot show a relation */
	CU_ASSERT_EQUAL(pl.nr_fields, 0);
	free(buf);
}

/* A consensus word of kind @kind at @off whose value varies over the cluster. */
static struct ms_word varying(uint32_t off, enum ms_token_kind kind, uint64_t value)
{
	struct ms_word w = fx_word(off, kind, 0, value, NULL);

	w.constant = 0;
	return w;
}

static void test_rank_msg_header(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	uint8_t *buf = malloc((size_t)NOBJ * 256);
	struct ms_word w[32];
	struct ms_pattern p;
	char note[400];
	size_t n, i;

	if (!idx || !buf) {
		free(buf);
		return;
	}
	make_msgs(buf, 256, 0, 0);
	w[0] = varying(0, MS_TOK_SAME_CACHE, 0xffff888004000100ULL);
	w[1] = varying(8, MS_TOK_SAME_CACHE, 0xffff888004000000ULL);
	w[2] = fx_word(16, MS_TOK_SMALL, 0, 1, NULL);
	w[3] = varying(24, MS_TOK_SMALL, 90);
	w[4] = fx_word(32, MS_TOK_ZERO, 0, 0, NULL);
	w[5] = fx_word(40, MS_TOK_ZERO, 0, 0, NULL);
	for (i = 6; i < 32; i++)	/* text to +0x8a..+0xf0, then the zero tail */
		w[i] = i < 18 ? varying(8 * i, MS_TOK_ASCII, 0x6161616161616161ULL) :
				fx_word(8 * i, MS_TOK_ZERO, 0, 0, NULL);
	p = fx_pattern("kmalloc-256", 256, w, 32);

	/* the bytes alone: a 248-byte struct with a list and a char array "explains" them */
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_TRUE(n == 0 || strcmp(g[0].type_name, "struct fx_msg") != 0);

	/* with the examples' length field, the 48-byte header wins, the payload is its text */
	ms_payload_scan(buf, NOBJ, 256, &p.payload);
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_FATAL(n >= 1);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_msg");
	CU_ASSERT_TRUE(g[0].margin > 1.0);
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "+0x18 m_ts holds the length of the 90..195 bytes "
					       "of text that follow the header at +0x30"));
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "+0x30 text -> the payload"));
	free(buf);
	ms_dwarf_index_free(idx);
}

static void test_rank_text_after_header(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	uint8_t *buf = calloc(NOBJ, 96);
	struct ms_word w[12];
	struct ms_pattern p;
	char note[400];
	size_t n, i;

	if (!idx || !buf) {
		free(buf);
		return;
	}
	/* a zeroed 16-byte head, a 2-byte length, text from +0x18: 40..70 bytes in kmalloc-96 */
	for (i = 0; i < NOBJ; i++) {
		put_le(buf + i * 96 + 16, 40 + 2 * i, 2);
		put_text(buf + i * 96 + 24, 40 + 2 * (uint32_t)i, (unsigned)i);
	}
	w[0] = fx_word(0, MS_TOK_ZERO, 0, 0, NULL);
	w[1] = fx_word(8, MS_TOK_ZERO, 0, 0, NULL);
	w[2] = varying(16, MS_TOK_SMALL, 40);
	for (i = 3; i < 12; i++)
		w[i] = i < 8 ? varying(8 * i, MS_TOK_ASCII, 0x6161616161616161ULL) :
			       fx_word(8 * i, MS_TOK_ZERO, 0, 0, NULL);
	p = fx_pattern("kmalloc-96", 96, w, 12);

	/* without the examples: text and no pointer, "likely strings" */
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "strings"));

	ms_payload_scan(buf, NOBJ, 96, &p.payload);
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_FATAL(n >= 1);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_keyload");
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "+0x10 datalen holds the length"));

	/* real strings stay strings: text from +0x0 */
	memset(buf, 0, (size_t)NOBJ * 96);
	for (i = 0; i < NOBJ; i++)
		put_text(buf + i * 96, 40 + 2 * (uint32_t)i, (unsigned)i);
	for (i = 0; i < 12; i++)
		w[i] = i < 6 ? varying(8 * i, MS_TOK_ASCII, 0x6161616161616161ULL) :
			       fx_word(8 * i, MS_TOK_ZERO, 0, 0, NULL);
	ms_payload_scan(buf, NOBJ, 96, &p.payload);
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "strings"));
	free(buf);
	ms_dwarf_index_free(idx);
}

/* Objects read through the adapter's interface: failed reads are left out. */
struct fake_mem {
	const uint8_t *buf;
	uint32_t size;
	uint64_t base;
	uint64_t bad;		/* an address whose read fails */
};

static int fake_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	const struct fake_mem *m = ctx;

	if (addr == m->bad || addr < m->base || addr + len > m->base + (uint64_t)NOBJ * m->size)
		return 0;
	memcpy(out, m->buf + (addr - m->base), len);
	return 1;
}

static void test_pattern_payload_reads(void)
{
	uint8_t *buf = malloc((size_t)NOBJ * 256);
	struct fake_mem m = { NULL, 256, 0xffff888004000000ULL, 0 };
	struct ms_env env = { &m, fake_read, NULL, NULL, NULL, NULL };
	uint64_t addrs[NOBJ];
	struct ms_pattern p;
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	make_msgs(buf, 256, 0, 0);
	m.buf = buf;
	m.bad = m.base + 5 * 256;
	for (i = 0; i < NOBJ; i++)
		addrs[i] = m.base + (uint64_t)i * 256;
	memset(&p, 0, sizeof(p));
	p.object_size = 256;
	ms_pattern_payload(&p, addrs, NOBJ, &env);
	CU_ASSERT_EQUAL(p.payload.sampled, NOBJ - 1);
	CU_ASSERT_PTR_NOT_NULL(field_at(&p.payload, 24));
	/* objects too big to read are not read */
	p.object_size = MS_PAYLOAD_MAX_OBJECT + 8;
	ms_pattern_payload(&p, addrs, NOBJ, &env);
	CU_ASSERT_EQUAL(p.payload.sampled, 0);
	free(buf);
}

/* Four fx_entry side by side in a kmalloc-128 slot: an array, guessed as struct fx_entry[4]. */
static void test_rank_array(void)
{
	struct ms_dwarf_index *idx = fx_open_fixture(NULL);
	struct ms_owner_guess g[MS_OWNER_MAX_GUESSES];
	struct ms_word w[16], one[4];
	struct ms_pattern p, single = fx_entry_pattern(one);
	char note[400], cmd[192];
	size_t n, k;

	if (!idx)
		return;
	for (k = 0; k < 4; k++) {
		w[4 * k] = fx_word(32 * k, MS_TOK_KTEXT, 0xffffffffc0001000ULL, 0xffffffffc0001000ULL,
				   "fx_open [fixture]");
		w[4 * k + 1] = fx_word(32 * k + 8, MS_TOK_SELF, 32 * k + 8, 0, NULL);
		w[4 * k + 2] = fx_word(32 * k + 16, MS_TOK_SELF, 32 * k + 8, 0, NULL);
		w[4 * k + 3] = varying(32 * k + 24, MS_TOK_RAW, 0x42b25 + k);
	}
	p = fx_pattern("kmalloc-128", 128, w, 16);
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_FATAL(n >= 1);
	CU_ASSERT_STRING_EQUAL(g[0].type_name, "struct fx_entry[4]");
	CU_ASSERT_EQUAL(g[0].array, 4);
	CU_ASSERT_EQUAL(g[0].size, 32);
	CU_ASSERT_TRUE(g[0].margin > 1.0);
	CU_ASSERT_TRUE(fx_has_evidence(&g[0], "+0x8 a pointer to itself"));
	ms_owner_guess_command(&g[0], 0xffff888001000000ULL, cmd, sizeof(cmd));
	CU_ASSERT_STRING_EQUAL(cmd, "struct fx_entry ffff888001000000 4");

	/* a self-pointer of the second element that points into the first breaks the period */
	w[5].arg = 8;
	n = fx_rank(idx, &p, g, note);
	CU_ASSERT_TRUE(n == 0 || g[0].array == 0);
	/* one element is no array */
	n = fx_rank(idx, &single, g, note);
	CU_ASSERT_FATAL(n >= 1);
	CU_ASSERT_EQUAL(g[0].array, 0);
	ms_owner_guess_command(&g[0], 0xffff888001000000ULL, cmd, sizeof(cmd));
	CU_ASSERT_STRING_EQUAL(cmd, "struct fx_entry ffff888001000000");
	ms_dwarf_index_free(idx);
}

static CU_TestInfo tests[] = {
	{ "scan: a length that counts the data after a header", test_scan_length },
	{ "scan: strings and too few objects show no header", test_scan_no_header },
	{ "scan: objects read through the env, failed reads left out", test_pattern_payload_reads },
	{ "rank: a header below the size class, text its payload", test_rank_msg_header },
	{ "rank: text after a zeroed header and a length is no string", test_rank_text_after_header },
	{ "rank: an array of a smaller struct, and its crash command", test_rank_array },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(payload, tests)
