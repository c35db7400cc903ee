/*
 * engine_bench.c - the clustering engine alone, on synthetic kmalloc-32 slabs held in memory.
 *
 *   tests/bench/engine_bench [MILLIONS] [WORKLOAD...]   (default 20 million, all workloads)
 *
 * Workloads (the same three shapes make bench measures on real dumps):
 *   one       every object the planted leak (self pointers, one callback, a counter):
 *             one pattern, every content distinct
 *   patterns  about a million distinct patterns (a distinct kernel-data pointer per
 *             object modulo 2^20): the pattern table overflows, so two passes
 *   mixed     a quarter of the objects the leak, the rest noise of every kind
 * Objects are made before the clock starts; the figure is the engine's own cost per
 * object (all passes), without reading a dump.  Prints two lines per workload: the engine
 * fed on one thread, and through a feeder (feeder.h: preparing here, counting on a worker),
 * as memsim feeds it while it walks.  CS=N in the environment caps the content table at N
 * slots (ms_engine_config.content_slots), to see what the table costs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "fake_kernel.h"
#include "feeder.h"
#include "synth.h"

#define SIZE 32u
#define PER_SLAB 128u

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make_objects(const char *workload, uint8_t *buf, uint64_t n)
{
	struct mix m = { n, n / 4, SIZE };
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint8_t *obj = buf + i * SIZE;
		uint64_t addr = FK_SLABS_A + i * SIZE;

		memset(obj, 0, SIZE);
		if (!strcmp(workload, "one")) {
			planted_object(i, addr, obj);
		} else if (!strcmp(workload, "patterns")) {
			fk_put(obj, 0, FK_KDATA + (i % (1u << 20)) * 8);
			fk_put(obj, 8, addr + 8);
			fk_put(obj, 16, i);
		} else {
			mix_gen(&m, i, addr, obj, SIZE);
		}
	}
}

static int feed_all(struct ms_engine *e, const uint8_t *buf, uint64_t n, const uint64_t *bitmap,
		    struct ms_feeder *f)
{
	uint64_t i;
	int again, passes = 0;

	do {
		ms_engine_begin_pass(e);
		for (i = 0; i < n; i += PER_SLAB) {
			struct ms_slab_view v = { buf + i * SIZE, FK_SLABS_A + i * SIZE, 0, SIZE, SIZE,
						  (uint32_t)(n - i < PER_SLAB ? n - i : PER_SLAB),
						  bitmap };

			if (f)
				ms_feeder_feed(f, &v);
			else
				ms_engine_feed_slab(e, &v);
		}
		if (f)
			ms_feeder_drain(f);
		passes++;
		again = ms_engine_end_pass(e);
	} while (again == 1);
	return again < 0 ? -1 : passes;
}

/* One engine over @buf, on one thread or (@two) through a feeder; prints its line. */
static int measure(const char *workload, const uint8_t *buf, uint64_t n, const uint64_t *bitmap,
		   int two)
{
	struct ms_engine_config cfg = {
		.cache_name = "kmalloc-32", .cache_addr = FK_CACHE_A, .object_size = SIZE,
		.stride = SIZE, .layout = &fk_layout, .env = &fk_env,
		.content_slots = getenv("CS") ? atoi(getenv("CS")) : 0,
	};
	struct ms_feeder *f = NULL;
	const struct ms_result *r;
	struct ms_engine *e;
	struct ms_error *err;
	double t0, t;
	int passes;

	err = ms_engine_new(&cfg, &e);
	if (!err && two)
		err = ms_feeder_new(e, 0, &f);
	if (err) {
		fprintf(stderr, "%s\n", err->message);
		ms_engine_free(e);
		return 1;
	}
	t0 = now();
	passes = feed_all(e, buf, n, bitmap, f);
	t = now() - t0;
	ms_feeder_free(f);
	r = ms_engine_result(e);
	if (passes < 0 || !r) {
		fprintf(stderr, "%s: engine failed\n", workload);
		ms_engine_free(e);
		return 1;
	}
	printf("engine %-8s %-10s %lu objects in %.3f s (%d pass%s): %.1f M objects/s, "
	       "%.1f ns/object; %zu clusters, top %lu; distinct contents %s%lu, patterns %s%lu; "
	       "peak %.1f MB\n",
	       workload, two ? "2 threads" : "1 thread", (unsigned long)n, t, passes,
	       passes > 1 ? "es" : "", n / t / 1e6, t * 1e9 / n, r->nr_clusters,
	       (unsigned long)(r->nr_clusters ? r->clusters[0].count : 0),
	       r->distinct_estimated ? "~" : "", (unsigned long)r->distinct_contents,
	       r->patterns_estimated ? "~" : "", (unsigned long)r->distinct_patterns,
	       ms_engine_mem_peak(e) / 1e6);
	ms_engine_free(e);
	return 0;
}

static int run(const char *workload, uint64_t n)
{
	uint8_t *buf = malloc(n * SIZE);
	uint64_t bitmap[PER_SLAB / 64];
	int rc;

	if (!buf)
		return 1;
	memset(bitmap, 0xff, sizeof(bitmap));
	make_objects(workload, buf, n);
	rc = measure(workload, buf, n, bitmap, 0);
	rc |= measure(workload, buf, n, bitmap, 1);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	const char *all[] = { "one", "patterns", "mixed" };
	uint64_t n = (argc > 1 ? strtoull(argv[1], NULL, 0) : 20) * 1000000ULL;
	int i, rc = 0;

	if (argc > 2) {
		for (i = 2; i < argc; i++)
			rc |= run(argv[i], n);
	} else {
		for (i = 0; i < 3; i++)
			rc |= run(all[i], n);
	}
	return rc;
}
