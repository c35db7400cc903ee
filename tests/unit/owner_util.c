/* owner_util.c - what the owner and owner-hint unit tests share; see owner_util.h. */
#include <stdio.h>
#include <string.h>

#include "owner_util.h"
#include "unit.h"

struct ms_dwarf_index *fx_open_fixture(const char *cache_dir)
{
	struct ms_dwarf_index *idx = NULL;
	struct ms_error *err = ms_dwarf_index_open(MS_OWNER_FIXTURE, "fixture", cache_dir, &idx);

	CU_ASSERT_PTR_NULL(err);
	if (err)
		fprintf(stderr, "\n  %s\n", err->message);
	ms_error_free(err);
	return idx;
}

struct ms_word fx_word(uint32_t off, enum ms_token_kind kind, uint64_t arg, uint64_t value,
		       const char *symbol)
{
	struct ms_word w;

	memset(&w, 0, sizeof(w));
	w.offset = off;
	w.width = 8;
	w.kind = kind;
	w.arg = arg;
	w.value = value;
	w.agree = 1.0;
	w.constant = 1;
	if (symbol)
		snprintf(w.symbol, sizeof(w.symbol), "%s", symbol);
	return w;
}

struct ms_pattern fx_pattern(const char *cache, uint32_t size, struct ms_word *words,
			     size_t nr)
{
	struct ms_pattern p;

	memset(&p, 0, sizeof(p));
	snprintf(p.cache_name, sizeof(p.cache_name), "%s", cache);
	p.object_size = p.stride = size;
	p.count = 100000;
	p.nr_words = nr;
	p.words = words;
	return p;
}

struct ms_pattern fx_entry_pattern(struct ms_word *w)
{
	w[0] = fx_word(0, MS_TOK_KTEXT, 0xffffffffc0001000ULL, 0xffffffffc0001000ULL,
		       "fx_open [fixture]");
	w[1] = fx_word(8, MS_TOK_SELF, 8, 0, NULL);
	w[2] = fx_word(16, MS_TOK_SELF, 8, 0, NULL);
	w[3] = fx_word(24, MS_TOK_RAW, 0, 0x42b25, NULL);
	return fx_pattern("kmalloc-32", 32, w, 4);
}

size_t fx_rank(struct ms_dwarf_index *idx, const struct ms_pattern *p, struct ms_owner_guess *g,
	       char *note)
{
	size_t n = 0;
	struct ms_error *err = ms_owner_rank(&idx, 1, p, NULL, g, MS_OWNER_MAX_GUESSES, &n, note,
					     400);

	CU_ASSERT_PTR_NULL(err);
	ms_error_free(err);
	return n;
}

int fx_has_evidence(const struct ms_owner_guess *g, const char *prefix)
{
	size_t i;

	for (i = 0; i < g->nr_evidence; i++)
		if (!strncmp(g->evidence[i], prefix, strlen(prefix)))
			return 1;
	return 0;
}
