/*
 * fuzz_json.c - the JSON writer on strings of arbitrary bytes.
 *
 * Two checks per input.  ms_json_string() on the input's first string (up to a NUL byte):
 * the output is valid JSON (json_check.h) and decodes back to the same bytes read as
 * Latin-1, as json.h promises.  Then a whole report whose every string (cache name, aliases,
 * symbols, meanings, verdict line, owner types, evidence, note) and number comes from the
 * rest of the input, through ms_report_json(): the output must be valid JSON, and so must
 * ms_report_text() not fail.  Invalid output aborts, with the reason and the text.
 */
#include <math.h>

#include "fuzz.h"
#include "json.h"
#include "json_check.h"

#define MAX_CLUSTERS 4
#define MAX_WORDS 6
#define MAX_TARGET_WORDS 3

struct report_space {
	struct ms_cache_summary summary;
	struct ms_result result;
	struct ms_cluster clusters[MAX_CLUSTERS];
	struct ms_word words[MAX_CLUSTERS][MAX_WORDS];
	struct ms_target targets[MAX_CLUSTERS][MAX_WORDS];
	struct ms_word target_words[MAX_CLUSTERS][MAX_WORDS][MAX_TARGET_WORDS];
	uint8_t rep[MAX_CLUSTERS][64];
	struct ms_owner_guess guesses[MS_OWNER_MAX_GUESSES];
	char note[300];
	struct ms_report report;
};

/* A double: mostly in [0, 1] like the shares it stands for, sometimes any 64 bits. */
static double fz_double(struct fz *f)
{
	uint8_t how = fz_u8(f);
	uint64_t bits;
	double d;

	if (how & 1)
		return fz_u16(f) / 65535.0;
	bits = fz_u64(f);
	memcpy(&d, &bits, sizeof(d));
	return d;
}

static void fill_word(struct fz *f, struct ms_word *w, uint32_t offset)
{
	w->offset = offset;
	w->width = 1 + fz_u8(f) % 8;
	w->kind = (enum ms_token_kind)(fz_u8(f) % MS_TOK__COUNT);
	w->arg = fz_u64(f);
	w->agree = fz_double(f);
	w->constant = fz_u8(f) & 1;
	w->value = fz_u64(f);
	w->varying_bits = fz_u64(f);
	w->min = fz_u64(f);
	w->max = fz_u64(f);
	fz_str(f, w->symbol, sizeof(w->symbol));
	fz_str(f, w->meaning, sizeof(w->meaning));
}

static void fill_report(struct fz *f, struct report_space *s)
{
	struct ms_result *r = &s->result;
	size_t c, i, k;

	fz_str(f, s->summary.name, sizeof(s->summary.name));
	fz_str(f, s->summary.aliases, sizeof(s->summary.aliases));
	s->summary.cache_addr = fz_u64(f);
	s->summary.object_size = fz_u32(f);
	s->summary.allocated = fz_u64(f);
	s->summary.sampled = fz_u8(f) & 1;

	fz_str(f, r->cache_name, sizeof(r->cache_name));
	r->allocated = fz_u64(f);
	r->distinct_contents = fz_u64(f);
	r->verdict = (enum ms_verdict)(fz_u8(f) % 4);
	r->verdict_share = fz_double(f);
	fz_str(f, r->verdict_line, sizeof(r->verdict_line));
	r->nr_clusters = fz_u8(f) % (MAX_CLUSTERS + 1);
	r->clusters = s->clusters;
	for (c = 0; c < r->nr_clusters; c++) {
		struct ms_cluster *cl = &s->clusters[c];

		cl->count = fz_u64(f);
		cl->fraction = fz_double(f);
		cl->is_free = fz_u8(f) & 1;
		cl->pattern.object_size = fz_u8(f) % 65;
		cl->pattern.nr_words = fz_u8(f) % (MAX_WORDS + 1);
		cl->pattern.words = s->words[c];
		cl->nr_examples = fz_u8(f) % (MS_ENGINE_EXAMPLES + 1);
		for (i = 0; i < cl->nr_examples; i++)
			cl->examples[i] = fz_u64(f);
		cl->rep_addr = fz_u64(f);
		cl->rep = s->rep[c];
		for (i = 0; i < 64; i++)
			cl->rep[i] = fz_u8(f);
		for (i = 0; i < cl->pattern.nr_words; i++) {
			struct ms_word *w = &s->words[c][i];
			struct ms_target *t = &s->targets[c][i];

			fill_word(f, w, (uint32_t)i * 8);
			if (!(fz_u8(f) & 1))
				continue;
			w->target = t;
			t->ndistinct = fz_u64(f);
			t->shared_addr = fz_u64(f);
			fz_str(f, t->cache_name, sizeof(t->cache_name));
			t->nr_words = fz_u8(f) % (MAX_TARGET_WORDS + 1);
			t->words = t->nr_words ? s->target_words[c][i] : NULL;
			for (k = 0; k < t->nr_words; k++)
				fill_word(f, &t->words[k], (uint32_t)k * 8);
		}
	}

	s->report.summary = fz_u8(f) & 1 ? &s->summary : NULL;
	s->report.result = fz_u8(f) & 1 ? r : NULL;
	s->report.nr_guesses = fz_u8(f) % (MS_OWNER_MAX_GUESSES + 1);
	s->report.guesses = s->guesses;
	for (i = 0; i < s->report.nr_guesses; i++) {
		struct ms_owner_guess *g = &s->guesses[i];

		fz_str(f, g->type_name, sizeof(g->type_name));
		fz_str(f, g->origin, sizeof(g->origin));
		g->size = fz_u32(f);
		g->score = fz_double(f);
		g->margin = fz_double(f);
		g->nr_evidence = fz_u8(f) % (MS_OWNER_MAX_EVIDENCE + 1);
		for (k = 0; k < g->nr_evidence; k++)
			fz_str(f, g->evidence[k], sizeof(g->evidence[k]));
	}
	fz_str(f, s->note, sizeof(s->note));
	s->report.owner_note = fz_u8(f) & 1 ? s->note : NULL;
	s->report.top_n = fz_u8(f) % 6;
	s->report.nr_examples = fz_u8(f) % 10;
}

static void check_string(struct fz *f)
{
	char in[512], why[256];
	uint32_t cps[512];
	char *out = NULL;
	size_t len = 0, nr, i, n;
	FILE *mem;

	fz_str(f, in, sizeof(in));
	n = strlen(in);
	mem = open_memstream(&out, &len);
	if (!mem)
		return;
	ms_json_string(mem, in);
	fclose(mem);
	FUZZ_CHECK(!json_check_string(out, len, cps, 512, &nr, why, sizeof(why)),
		   "%s", why);
	FUZZ_CHECK(nr == n, "%zu bytes in, %zu characters out: %.*s", n, nr, (int)len, out);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(cps[i] == (unsigned char)in[i], "byte %zu: 0x%02x became U+%04X", i,
			   (unsigned char)in[i], cps[i]);
	free(out);
}

static void check_report(struct fz *f)
{
	struct report_space *s = calloc(1, sizeof(*s));
	char *out = NULL, why[256];
	size_t len = 0;
	FILE *mem;
	int rc;

	if (!s)
		return;
	fill_report(f, s);
	mem = open_memstream(&out, &len);
	if (mem) {
		rc = ms_report_json(&s->report, mem);
		fclose(mem);
		FUZZ_CHECK(rc == 0, "ms_report_json failed");
		FUZZ_CHECK(len && out[len - 1] == '\n', "no newline at the end");
		FUZZ_CHECK(!memchr(out, '\n', len - 1), "more than one line");
		FUZZ_CHECK(!json_check(out, len, why, sizeof(why)), "%s", why);
		free(out);
	}
	out = NULL;
	mem = open_memstream(&out, &len);
	if (mem) {
		rc = ms_report_text(&s->report, mem);
		fclose(mem);
		FUZZ_CHECK(rc == 0, "ms_report_text failed");
		free(out);
	}
	free(s);
}

FUZZ_TARGET(json)
{
	struct fz f = { data, size };

	check_string(&f);
	check_report(&f);
	return 0;
}
