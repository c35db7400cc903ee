/*
 * test_track_report.c - the text report's slub_debug sections and the verdict's sentence on
 * SLUB's tracks, for the report fixture's clusters with tracks made up to match them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fake_kernel.h"
#include "report_fixture.h"
#include "stackdepot.h"
#include "unit.h"

#define LEAK_FN (FK_MODTEXT + 0x1200)		/* "leak_alloc [leakmod]" */
#define SITE_LEAK (LEAK_FN + 0x10)
#define KMALLOC_FN (FK_KTEXT + 0x8000)		/* "__kmalloc" */
#define SITE_X (KMALLOC_FN + 0x3c)
#define SITE_Y (FK_KTEXT + 0x9040)		/* no symbol */
#define NOW 100000ULL
#define HZ 100

static struct report_fixture fx;

static int fake_symbol(void *ctx, uint64_t addr, struct ms_symbol *sym)
{
	if (addr >= LEAK_FN && addr < LEAK_FN + 0x100) {
		snprintf(sym->name, sizeof(sym->name), "leak_alloc");
		snprintf(sym->module, sizeof(sym->module), "leakmod");
		sym->offset = addr - LEAK_FN;
	} else if (addr >= KMALLOC_FN && addr < KMALLOC_FN + 0x100) {
		snprintf(sym->name, sizeof(sym->name), "__kmalloc");
		sym->offset = addr - KMALLOC_FN;
	} else {
		return 0;
	}
	sym->is_text = 1;
	return 1;
}

static const struct ms_env sym_env = { .symbol = fake_symbol };

/* v6.1+ tracks after a 32-byte object and its free pointer; orig_size after them. */
static const struct ms_track_layout tl = {
	.info_end = 40, .size = 32, .addr = 0, .handle = 8, .cpu = 12, .pid = 16, .when = 24,
	.addrs = -1, .orig_size = 104,
};

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void add(struct ms_tracks *t, long cluster, uint64_t j, uint64_t site, uint32_t handle,
		int cpu, int pid, uint64_t when, uint32_t orig)
{
	uint8_t slot[128] = { 0 };
	uint8_t *p = slot + tl.info_end;

	put_le(p + tl.addr, site, 8);
	put_le(p + tl.handle, handle, 4);
	put_le(p + tl.cpu, (uint32_t)cpu, 4);
	put_le(p + tl.pid, (uint32_t)pid, 4);
	put_le(p + tl.when, when, 8);
	put_le(slot + tl.orig_size, orig, 4);
	ms_tracks_add(t, cluster, 0, slot, FK_SLABS_A + 32 * j);
}

/*
 * Tracks for the fixture's clusters: #1 (the planted leak) all from leak_alloc+0x10 on cpus
 * 0 and 1, by pid 4242, 0.1 s to 7.4 s before the dump, 24 bytes asked for; #2 its first
 * object never recorded, then __kmalloc+0x3c and an unnamed site in turn.
 */
static struct ms_tracks *make_tracks(const struct ms_result *r, uint64_t *x, uint64_t *y)
{
	struct ms_tracks *t = ms_tracks_new(&tl, r->nr_clusters);
	struct ms_track_stack *st;
	uint64_t j;

	if (!t)
		return NULL;
	/* 7 is prime to 731, and 3000 > 731: (j * 7) % 731 takes every value 0..730 */
	for (j = 0; j < r->clusters[0].count; j++)
		add(t, 0, j, SITE_LEAK, 0x4a0001, (int)(j % 2), 4242, NOW - 10 - (j * 7) % 731, 24);
	*x = *y = 0;
	for (j = 0; j < r->clusters[1].count; j++) {
		if (!j) {
			add(t, 1, j, 0, 0, 0, 0, 0, 0);
			continue;
		}
		add(t, 1, j, j % 2 ? SITE_X : SITE_Y, 0x4b0000 + (uint32_t)(j % 2), 3, 1, NOW - HZ, 64);
		if (j % 2)
			++*x;
		else
			++*y;
	}
	ms_tracks_finish(t, NOW, HZ);
	/* the stack as the pass would have fetched it from the depot */
	st = &t->clusters[0].kind[0].stacks[0];
	st->status = MS_DEPOT_OK;
	st->nr_frames = 2;
	st->frames[0] = SITE_LEAK;
	st->frames[1] = KMALLOC_FN + 0x80;
	return t;
}

static void test_verdict_sentence(void)
{
	struct ms_tracks *t;
	struct ms_report rep;
	uint64_t x, y, top, recorded;
	char buf[400], want[400];

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	CU_ASSERT_FATAL(fx.result->nr_clusters >= 2);
	CU_ASSERT_EQUAL(fx.result->clusters[0].count, RF_PLANTED);
	t = make_tracks(fx.result, &x, &y);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	rep = fx.report;
	rep.tracks = t;
	rep.env = &sym_env;
	/* ages 10 .. 740 jiffies at 100 Hz: over 7.3 s, the oldest 7.4 s */
	ms_tracks_verdict(&rep, 0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "all 3000 allocated by leak_alloc+0x10 [leakmod] over 7.3 s, "
				    "the oldest 7.4 s before the dump");
	/* #2: the commoner site, of the objects recorded; all 1 s old */
	ms_tracks_verdict(&rep, 1, buf, sizeof(buf));
	top = x >= y ? x : y;
	recorded = fx.result->clusters[1].count - 1;
	snprintf(want, sizeof(want), "%" PRIu64 " of %" PRIu64 " (%.1f%%) allocated by %s, over "
		 "0.0 s, the oldest 1.0 s before the dump", top, fx.result->clusters[1].count,
		 100.0 * top / recorded, x >= y ? "__kmalloc+0x3c" : "ffffffff81009040");
	CU_ASSERT_STRING_EQUAL(buf, want);
	ms_tracks_free(t);
	/* one object never recorded, the other four at one site: not "all" */
	t = ms_tracks_new(&tl, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (x = 0; x < 4; x++)
		add(t, 0, x, SITE_LEAK, 1, 0, 1, NOW - 2 * HZ, 24);
	add(t, 0, 4, 0, 0, 0, 0, 0, 0);
	ms_tracks_finish(t, NOW, HZ);
	rep.tracks = t;
	ms_tracks_verdict(&rep, 0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "4 of 5 (100.0%) allocated by leak_alloc+0x10 [leakmod], over "
				    "0.0 s, the oldest 2.0 s before the dump");
	ms_tracks_free(t);
	/* the site's own ages, not the cluster's: one older object of another site (9 s) does
	 * not stretch the leading site's 2 s */
	t = ms_tracks_new(&tl, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	add(t, 0, 0, SITE_X, 1, 0, 0, NOW - 9 * HZ, 48);
	for (x = 1; x < 5; x++)
		add(t, 0, x, SITE_LEAK, 1, 0, 1, NOW - 2 * HZ - x, 24);
	ms_tracks_finish(t, NOW, HZ);
	rep.tracks = t;
	ms_tracks_verdict(&rep, 0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "4 of 5 (80.0%) allocated by leak_alloc+0x10 [leakmod], over "
				    "0.0 s, the oldest 2.0 s before the dump");
	CU_ASSERT_DOUBLE_EQUAL(t->clusters[0].kind[0].age_max_s, 9.0, 1e-9);
	/* no tracks for a cluster past the aggregate's: "" */
	strcpy(buf, "x");
	ms_tracks_verdict(&rep, t->nr_clusters, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
	ms_tracks_free(t);
	rf_teardown(&fx);
}

static void test_tracks_text(void)
{
	struct ms_tracks *t;
	struct ms_report rep;
	char *text, want[256];
	uint64_t x, y;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	t = make_tracks(fx.result, &x, &y);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	rep = fx.report;
	rep.tracks = t;
	rep.env = &sym_env;
	text = rf_render(ms_report_text, &rep);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "\nSLUB TRACKS (slub_debug=U: the allocator's record of every "
			    "object):\n  CLUSTER #1 (3000 allocated objects)\n    allocated by:\n"
			    "           3000  100.0%  leak_alloc+0x10 [leakmod]  age 0.1 s..7.4 s\n"));
	CU_ASSERT(rf_has(text, "      age: oldest 7.4 s, median "));
	CU_ASSERT(rf_has(text, " s (of a uniform sample), youngest 0.1 s before the dump\n"));
	CU_ASSERT(rf_has(text, "      pids: 4242 (3000); cpus: 0-1\n"));
	CU_ASSERT(rf_has(text, "      size asked for: 24 bytes (3000)\n"));
	CU_ASSERT(rf_has(text, "      stack of 3000 objects (100.0%):\n"
			    "        [<ffffffffc0001210>] leak_alloc+0x10 [leakmod]\n"
			    "        [<ffffffff81008080>] __kmalloc+0x80\n"));
	/* #2: both sites, the unrecorded object, its age; no stack (not the dominant one) */
	snprintf(want, sizeof(want), "  CLUSTER #2 (%" PRIu64 " allocated objects)\n    "
		 "allocated by:\n", fx.result->clusters[1].count);
	CU_ASSERT(rf_has(text, want));
	CU_ASSERT(rf_has(text, "  __kmalloc+0x3c  age 1.0 s\n"));
	CU_ASSERT(rf_has(text, "  ffffffff81009040  age 1.0 s\n"));
	snprintf(want, sizeof(want), "              1  %5.1f%%  (no track recorded)\n",
		 100.0 / fx.result->clusters[1].count);
	CU_ASSERT(rf_has(text, want));
	CU_ASSERT(rf_has(text, "      age: oldest 1.0 s, median 1.0 s, youngest 1.0 s before the "
			    "dump\n      pids: 1 ("));
	CU_ASSERT(rf_has(text, "; cpus: 3\n      size asked for: 64 bytes ("));
	CU_ASSERT_PTR_NULL(strstr(text, "stack 004b"));
	/* the verdict line carries the sentence */
	CU_ASSERT(rf_has(text, "; SLUB's tracks: all 3000 allocated by leak_alloc+0x10 [leakmod] "
			    "over 7.3 s, the oldest 7.4 s before the dump\n"));
	free(text);

	/* a stack not read, failures counted, an interrupted pass, the flags shown */
	t->clusters[0].kind[0].stacks[0].status = MS_DEPOT_UNREADABLE;
	t->interrupted = 1;
	rep.stacks_failed = 3;
	rep.debug_flags = "FZPU";
	text = rf_render(ms_report_text, &rep);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "SLUB TRACKS (slub_debug=FZPU: the allocator's record of every "
			    "object) (interrupted: partial):\n"
			    "  3 stacks could not be read from the stack depot\n"));
	CU_ASSERT(rf_has(text, "        stack 004a0001: unreadable\n"));
	free(text);
	ms_tracks_free(t);
	rf_teardown(&fx);
}

static void test_findings_text(void)
{
	/* a 32-byte object, 8-byte right red zone, padding from +48 to the 64-byte slot's end */
	const struct ms_debug_layout l = {
		.object_size = 32, .inuse = 40, .size = 64, .red_zone = 1, .poison = 1,
		.poison_objects = 1, .orig_size = -1, .meta_end = 48,
	};
	struct ms_debug_findings f;
	struct ms_report rep = { 0 };
	uint8_t obj[64];
	char *text;

	memset(&f, 0, sizeof(f));
	memset(obj, 0x11, 32);
	memset(obj + 32, 0xcc, 8);
	memset(obj + 40, 0x77, 8);
	memset(obj + 48, 0x5a, 16);
	ms_debug_findings_add(&f, &l, obj, 0xffff888004000040ULL, 1, 0);
	memset(obj + 32, 0x41, 4);
	ms_debug_findings_add(&f, &l, obj, 0xffff888004000080ULL, 1, 0);
	memset(obj, 0x6b, 31);
	obj[31] = 0xa5;
	memset(obj + 32, 0xbb, 8);
	ms_debug_findings_add(&f, &l, obj, 0xffff8880040000c0ULL, 0, -1);
	ms_debug_findings_finish(&f);
	rep.debug = &f;
	rep.debug_flags = "FZPU";
	rep.debug_note = "the tracks do not fit the slot";
	text = rf_render(ms_report_text, &rep);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "\nSLUB DEBUG: the tracks do not fit the slot\n"));
	CU_ASSERT(rf_has(text, "SLUB DEBUG CHECKS (slub_debug=FZPU): 2 allocated and 1 free objects "
			    "checked: 1 objects damaged (right red zone 1)\n"));
	/* +0x20 .. +0x27, the bytes from the first wrong one, expected cc: 4 of the 8 wrong */
	CU_ASSERT(rf_has(text, "  ffff888004000080  allocated  right red zone     +0x20..+0x27  "
			    "41414141cccccccc         cc (4 of 8)\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "more (the first"));
	free(text);

	memset(&f, 0, sizeof(f));
	memset(obj + 32, 0xcc, 8);
	memset(obj, 0x22, 32);
	ms_debug_findings_add(&f, &l, obj, 0xffff888004000040ULL, 1, 0);
	rep.debug_note = NULL;
	text = rf_render(ms_report_text, &rep);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(rf_has(text, "1 allocated and 0 free objects checked: every red zone, poison and "
			    "padding byte as the kernel left it\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "SLUB DEBUG:"));
	free(text);
}

static CU_TestInfo track_report_tests[] = {
	{ "the verdict's sentence on the tracks", test_verdict_sentence },
	{ "tracks in the text report", test_tracks_text },
	{ "red zone and poison findings in the text report", test_findings_text },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(track_report, track_report_tests)
