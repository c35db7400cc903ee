/* report_fixture.c - the report tests' analysed cache; see report_fixture.h. */
#include <stdlib.h>
#include <string.h>

#include "fake_slabs.h"
#include "report_fixture.h"

static int gen(void *arg, uint64_t i, uint64_t addr, uint8_t *obj, uint32_t size)
{
	uint64_t st = i + 77;

	if (i % 4 != 3) {
		fk_put(obj, 0, addr);
		fk_put(obj, 8, addr);
		fk_put(obj, 16, RF_FN);
		fk_put(obj, 24, i % 3000);
		return 1;
	}
	fk_put(obj, 0, FK_HEAP + (fk_rand(&st) % 4096) * 64);
	fk_put(obj, 8, fk_rand(&st) % 3 ? 0 : 0x30687465);	/* "eth0" now and then */
	fk_put(obj, 16, FK_KTEXT + (fk_rand(&st) % 40) * 0x40);
	return 1;
}

static void fill_guesses(struct report_fixture *f)
{
	struct ms_owner_guess *g = &f->guesses[0];

	snprintf(g->type_name, sizeof(g->type_name), "struct leak_obj");
	snprintf(g->origin, sizeof(g->origin), "leakmod");
	g->size = 32;
	g->score = 12.5;
	g->margin = 4.25;
	g->confidence = 0.9625;
	g->nr_evidence = 2;
	snprintf(g->evidence[0], sizeof(g->evidence[0]),
		 "+0x0 self ptr -> member 'node' (list_head)");
	snprintf(g->evidence[1], sizeof(g->evidence[1]), "+0x10 fn ptr -> member \"cb\" (fn ptr)");
	g = &f->guesses[1];
	snprintf(g->type_name, sizeof(g->type_name), "callback_head");
	snprintf(g->origin, sizeof(g->origin), "vmlinux");
	g->size = 16;
	g->score = 8.25;
}

static void fill_summary(struct ms_cache_summary *s)
{
	snprintf(s->name, sizeof(s->name), "kmalloc-32");
	s->cache_addr = FK_CACHE_A;
	s->object_size = s->stride = 32;
	s->slab_size = 4096;
	s->slabs = RF_OBJECTS / 128 + 1;
	s->allocated = RF_OBJECTS;
	s->total = s->slabs * 128;
	s->free = s->total - s->allocated;
	snprintf(s->aliases, sizeof(s->aliases), "fs_cache, io_cache");
}

int rf_setup(struct report_fixture *f)
{
	struct ms_engine_config cfg = fk_config(32);
	struct ms_error *err;

	memset(f, 0, sizeof(*f));
	err = ms_engine_new(&cfg, &f->engine);
	if (err) {
		ms_error_free(err);
		return -1;
	}
	if (fk_run(f->engine, RF_OBJECTS, 32, 128, gen, NULL) != 1)
		return -1;
	f->result = ms_engine_take_result(f->engine);
	fill_summary(&f->summary);
	fill_guesses(f);
	f->report = (struct ms_report){ .summary = &f->summary, .result = f->result,
					.guesses = f->guesses, .nr_guesses = 2, .top_n = 5 };
	return f->result ? 0 : -1;
}

void rf_teardown(struct report_fixture *f)
{
	ms_result_free(f->result);
	ms_engine_free(f->engine);
}

char *rf_render(int (*fn)(const struct ms_report *, FILE *), const struct ms_report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	if (fn(r, out)) {
		fclose(out);
		free(text);
		return NULL;
	}
	fclose(out);
	return text;
}

int rf_has(const char *text, const char *needle)
{
	int found = text && strstr(text, needle);

	if (!found)
		fprintf(stderr, "\n  missing: \"%s\"\n", needle);
	return found;
}
