/* test_report.c - the text report: cache line, cluster table, per-offset table, owners, verdict. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report_fixture.h"
#include "unit.h"

/* The runner has no suite set-up hook, so each test analyses the fixture itself. */
static struct report_fixture fx;

/* The line of @text that starts with @prefix, copied into @buf. */
static int line_starting(const char *text, const char *prefix, char *buf, size_t len)
{
	const char *p = text;

	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (!strncmp(p, prefix, strlen(prefix))) {
			snprintf(buf, len, "%.*s", (int)n, p);
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static void test_cache_line_and_notes(void)
{
	struct ms_cache_summary s;
	struct ms_report r = { .summary = &s };
	char *text, line[256];

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	s = fx.summary;
	s.interrupted = 1;
	s.sampled = 1;
	s.slabs_in_cache = 1000;
	s.slabs_unreadable = 3;
	s.freelist_errors = 2;
	text = rf_render(ms_report_text, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  "
			    "NAME\n"));
	CU_ASSERT(line_starting(text, "ffff888003c41b00 ", line, sizeof(line)));
	CU_ASSERT_STRING_EQUAL(line, "ffff888003c41b00       32       4000      4096     32     4k"
				     "  kmalloc-32");
	CU_ASSERT(rf_has(text, "slab aliases): fs_cache, io_cache"));
	CU_ASSERT(rf_has(text, "INTERRUPTED"));
	CU_ASSERT(rf_has(text, "SAMPLED: 32 of 1000 slabs"));
	CU_ASSERT(rf_has(text, "3 slabs unreadable"));
	CU_ASSERT(rf_has(text, "2 corrupt freelists"));
	CU_ASSERT_PTR_NULL(strstr(text, "VERDICT"));	/* summary only */
	free(text);
	rf_teardown(&fx);
}

/* The cross-check with the node counters: missing, extra, implausible and CPU slabs said. */
static void test_counter_notes(void)
{
	struct ms_cache_summary s;
	struct ms_report r = { .summary = &s };
	char *text;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	s = fx.summary;
	text = rf_render(ms_report_text, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NULL(strstr(text, "MISSING"));	/* nothing to say: nothing said */
	CU_ASSERT_PTR_NULL(strstr(text, "impossible"));
	free(text);
	s.node_counters = 1;
	s.node_slabs = 52;
	s.node_objects = 52 * 128;
	s.slabs_missing = 20;
	s.objects_missing = 20 * 128;
	s.slabs_implausible = 4;
	s.cpu_slabs_missing = 1;
	text = rf_render(ms_report_text, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "MISSING: the node counters count 52 slabs (6656 objects), the memory "
			    "map gave 32: 20 slabs (2560 objects) not seen"));
	CU_ASSERT(rf_has(text, "struct slabs overwritten"));
	CU_ASSERT(rf_has(text, "4 struct slabs with impossible counters"));
	CU_ASSERT(rf_has(text, "1 CPU active slabs of this cache not found"));
	free(text);
	s.slabs_missing = s.objects_missing = 0;
	s.slabs_extra = 3;
	s.live = 1;
	text = rf_render(ms_report_text, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "3 slabs more in the memory map than the node counters count (52): "
			    "live system"));
	free(text);
	rf_teardown(&fx);
}

static void test_clusters_and_verdict(void)
{
	char *text, line[256], want[256];
	const struct ms_cluster *d;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	text = rf_render(ms_report_text, &fx.report);
	d = &fx.result->clusters[0];
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "  #  STATE       COUNT  %CLASS           BYTES  PATTERNS  WORDS\n"));
	CU_ASSERT(line_starting(text, "  1  alloc", line, sizeof(line)));
	CU_ASSERT_STRING_EQUAL(line, "  1  alloc        3000  75.00%           96000         1  "
				     "self+0x0 self+0x0 ktext small");
	CU_ASSERT(rf_has(text, "CLUSTER #1: 3000 objects (75.00% of allocated), 96000 bytes"));
	CU_ASSERT(rf_has(text, "OFFSET   CONSENSUS      AGREE  REPRESENTATIVE    MEANING\n"));
	snprintf(want, sizeof(want), "+0x0     self+0x0      100.0%%  %016" PRIx64
		 "  self-pointer to +0x0 (empty list_head?)", d->rep_addr);
	CU_ASSERT(rf_has(text, want));
	CU_ASSERT(rf_has(text, "+0x10    ktext         100.0%  ffffffffc0001230  function pointer, "
			    "the same in all"));
	/* 2 zero counters and 4 that hit raw LIST_POISON values (0x100, 0x122) joined. */
	CU_ASSERT(rf_has(text, "+0x18    small          99.8%  "));
	CU_ASSERT(rf_has(text, "small integer, varies: bits 0xfff, 0x0..0xbb6"));
	CU_ASSERT(rf_has(text, "VERDICT: likely leak: 75.0% of allocated objects (3000 of 4000"));
	/* The bar of the biggest cluster is full width. */
	CU_ASSERT(rf_has(text, "  1 alloc |########################################| 3000\n"));
	free(text);
	rf_teardown(&fx);
}

static void test_examples_and_dump(void)
{
	const struct ms_cluster *d;
	size_t i, shown = 0;
	char *text, *examples, *end, want[128];

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	text = rf_render(ms_report_text, &fx.report);
	d = &fx.result->clusters[0];
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "EXAMPLES (spread over the cache; crash> rd -64 ADDR 4):"));
	/* Count them in the EXAMPLES block only: the representative is one of them too. */
	examples = strdup(strstr(text, "EXAMPLES"));
	end = strstr(examples, "\n\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	*end = 0;
	for (i = 0; i < d->nr_examples; i++) {
		snprintf(want, sizeof(want), "  %016" PRIx64, d->examples[i]);
		shown += strstr(examples, want) != NULL;
	}
	free(examples);
	CU_ASSERT_EQUAL(shown, MS_REPORT_DEFAULT_EXAMPLES);
	snprintf(want, sizeof(want), "REPRESENTATIVE %016" PRIx64 ":\n%016" PRIx64 ":  %016" PRIx64
		 " %016" PRIx64 "   ", d->rep_addr, d->rep_addr, d->rep_addr, d->rep_addr);
	CU_ASSERT(rf_has(text, want));
	snprintf(want, sizeof(want), "%016" PRIx64 ":  ffffffffc0001230 ", d->rep_addr + 16);
	CU_ASSERT(rf_has(text, want));
	free(text);
	rf_teardown(&fx);
}

static void test_owner_guesses(void)
{
	const struct ms_cluster *d;
	struct ms_report r;
	char *text, want[128];

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	r = fx.report;
	d = &fx.result->clusters[0];
	text = rf_render(ms_report_text, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "OWNER GUESSES for cluster #1:"));
	CU_ASSERT(rf_has(text, "  1. struct leak_obj (leakmod), 32 bytes, score 12.50, margin 4.25, confidence 96%"));
	CU_ASSERT(rf_has(text, "       +0x0 self ptr -> member 'node' (list_head)"));
	CU_ASSERT(rf_has(text, "     crash> mod -s leakmod\n"));
	snprintf(want, sizeof(want), "     crash> struct leak_obj %016" PRIx64 "\n", d->rep_addr);
	CU_ASSERT(rf_has(text, want));
	snprintf(want, sizeof(want), "     crash> struct callback_head %016" PRIx64 "\n",
		 d->rep_addr);
	CU_ASSERT(rf_has(text, want));
	free(text);
	r.nr_guesses = 0;
	r.owner_note = "no debuginfo for module leakmod";
	text = rf_render(ms_report_text, &r);
	CU_ASSERT(rf_has(text, "OWNER GUESSES: none: no debuginfo for module leakmod\n"));
	free(text);
	rf_teardown(&fx);
}

/* Owner guesses for each listed cluster (the dominant one's, then one line for the others). */
static struct ms_cluster_owner *cluster_owners(size_t n)
{
	struct ms_cluster_owner *o = calloc(n, sizeof(*o));
	struct ms_owner_guess *g;

	if (!o || n < 3) {
		free(o);
		return NULL;
	}
	o[0].ranked = 1;
	o[0].nr_guesses = 2;
	memcpy(o[0].guesses, fx.guesses, sizeof(fx.guesses));
	o[1].ranked = 1;
	snprintf(o[1].note, sizeof(o[1].note), "too generic to decide");
	o[2].ranked = 1;
	o[2].nr_guesses = 1;
	g = &o[2].guesses[0];
	snprintf(g->type_name, sizeof(g->type_name), "struct net_name");
	snprintf(g->origin, sizeof(g->origin), "vmlinux");
	g->size = 32;
	g->score = 5;
	g->margin = 0.125;
	g->confidence = 0.31;
	g->nr_evidence = 2;
	snprintf(g->evidence[0], sizeof(g->evidence[0]), "defined in vmlinux: +1.0");
	snprintf(g->evidence[1], sizeof(g->evidence[1]), "+0x8 text -> name (char array): +2.5");
	return o;
}

static void test_other_clusters_owners(void)
{
	struct ms_cluster_owner *owners;
	struct ms_report r;
	char *text;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	CU_ASSERT_FATAL(fx.result->nr_clusters >= 3);
	owners = cluster_owners(fx.result->nr_clusters);
	CU_ASSERT_PTR_NOT_NULL_FATAL(owners);
	r = fx.report;
	r.owners = owners;
	r.nr_owners = fx.result->nr_clusters;
	text = rf_render(ms_report_text, &r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "\nOWNER GUESSES for the other listed clusters (the best of each; "
			 "memsim -j has them all):\n"
			 "  #2   none: too generic to decide\n"
			 "  #3   struct net_name (vmlinux), 32 bytes, score 5.00, margin 0.12, "
			 "low confidence 31% (ambiguous)\n"
			 "         +0x8 text -> name (char array): +2.5\n"));
	free(text);
	/* listed only: with -n 2, cluster #3 is not named */
	r.top_n = 2;
	text = rf_render(ms_report_text, &r);
	CU_ASSERT(rf_has(text, "  #2   none: too generic to decide\n\nCLUSTER SIZES"));
	free(text);
	/* none for the others: no section */
	r.owners = NULL;
	text = rf_render(ms_report_text, &r);
	CU_ASSERT_PTR_NULL(strstr(text, "other listed clusters"));
	free(text);
	free(owners);
	rf_teardown(&fx);
}

/* Runs of alike words are one line in the text (a 1 KiB object is not 128 lines of zeros). */
static void test_alike_words_folded(void)
{
	struct ms_word w[128];
	struct ms_pattern saved;
	struct ms_cluster *d;
	char *text;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	d = &fx.result->clusters[0];
	saved = d->pattern;
	memset(w, 0, sizeof(w));
	for (i = 0; i < 128; i++)
		w[i] = (struct ms_word){ .offset = 8 * i, .width = 8, .kind = MS_TOK_ZERO,
					 .constant = 1, .agree = 1 };
	w[0].kind = MS_TOK_SMALL;	/* two alike small values: too few to fold */
	w[0].value = w[1].value = 7;
	w[1].kind = MS_TOK_SMALL;
	w[2].agree = w[3].agree = w[4].agree = 0.5;	/* zero, but agreed on by half */
	d->pattern.words = w;
	d->pattern.nr_words = 128;
	text = rf_render(ms_report_text, &fx.report);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "OFFSET         CONSENSUS      AGREE"));
	CU_ASSERT(rf_has(text, "\n+0x0           small"));
	CU_ASSERT(rf_has(text, "\n+0x8           small"));
	CU_ASSERT(rf_has(text, "\n+0x10..+0x20   zero           50.0%  0000000000000000  "));
	CU_ASSERT(rf_has(text, "(3 words)\n+0x28..+0x3f8  zero          100.0%  "));
	CU_ASSERT(rf_has(text, " (123 words)\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "\n+0x30 "));
	free(text);
	d->pattern = saved;
	rf_teardown(&fx);
}

static void test_meanings(void)
{
	struct ms_word w[4];
	char buf[256];

	memset(w, 0, sizeof(w));
	w[0] = (struct ms_word){ .offset = 0, .width = 8, .kind = MS_TOK_LIST_POISON,
				 .value = 0xdead000000000100ULL, .constant = 1, .agree = 1 };
	w[1] = (struct ms_word){ .offset = 8, .width = 8, .kind = MS_TOK_ASCII,
				 .value = 0x30687465, .constant = 1 };
	w[2] = (struct ms_word){ .offset = 16, .width = 8, .kind = MS_TOK_SLAB,
				 .arg = 0xffff888003c41c00ULL };
	w[3] = (struct ms_word){ .offset = 24, .width = 8, .kind = MS_TOK_KTEXT };
	ms_word_meaning(w, 4, 0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "list poison: a deleted list entry");
	ms_word_meaning(w, 4, 1, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "text \"eth0\"");
	ms_word_meaning(w, 4, 2, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "pointer into slab cache ffff888003c41c00");
	/* Resolution's symbol and meaning win over the derived one. */
	snprintf(w[3].symbol, sizeof(w[3].symbol), "leak_cb+0x0 [leakmod]");
	ms_word_meaning(w, 4, 3, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "function pointer leak_cb+0x0 [leakmod]");
	snprintf(w[3].meaning, sizeof(w[3].meaning), "timer callback");
	ms_word_meaning(w, 4, 3, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "timer callback leak_cb+0x0 [leakmod]");
	/* A self pointer alone is no list_head. */
	w[0] = (struct ms_word){ .offset = 0, .width = 8, .kind = MS_TOK_SELF, .arg = 16 };
	ms_word_meaning(w, 4, 0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "self-pointer to +0x10");
}

static void test_write_error_is_reported(void)
{
	FILE *ro = fopen("/dev/null", "r");

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ro);
	CU_ASSERT_EQUAL(ms_report_text(&fx.report, ro), -1);
	fclose(ro);
	rf_teardown(&fx);
}

static CU_TestInfo report_tests[] = {
	{ "cache line and notes", test_cache_line_and_notes },
	{ "node counter cross-check notes", test_counter_notes },
	{ "clusters and verdict", test_clusters_and_verdict },
	{ "examples and dump", test_examples_and_dump },
	{ "owner guesses", test_owner_guesses },
	{ "owner guesses of the other listed clusters", test_other_clusters_owners },
	{ "runs of alike words folded into one line", test_alike_words_folded },
	{ "meanings", test_meanings },
	{ "write error is reported", test_write_error_is_reported },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(report, report_tests)
