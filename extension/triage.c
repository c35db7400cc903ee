/*
 * triage.c - memsim -a: every slab cache in one pass over the memory map, ranked.
 *
 * Each struct page is read once and each slab once: a slab head page goes to its cache's
 * walk (slab_walk_caches), which works out its free objects exactly as for one cache, and
 * the allocated objects are counted by pattern in fixed-size per-cache state (triage.h).
 * Then the ranked table, and for the top suspects the full scan of that cache, printed in
 * brief, with the command for the full report.
 */
#include <string.h>

#include "defs.h"

#include "adapter.h"
#include "crash_env.h"
#include "fault.h"
#include "held.h"
#include "memsim_cmd.h"
#include "triage.h"

#define TRIAGE_ROWS 20		/* rows of the table (JSON lists every cache) */
#define TRIAGE_SUSPECTS 3	/* suspects analysed in full unless -n says otherwise */

struct triage_run {
	struct cache_info *cis;
	size_t nr;
	struct walk_result *res;
	struct ms_triage *t;
	struct ms_triage_cache *in;
	struct feed_arg {
		struct ms_triage *t;
		size_t i;
	} *feeds;
	void **args;
	size_t *order;
	struct scan_space *sp;
	struct crash_env *ce;
};

static void triage_slab(void *arg, const struct ms_slab_view *v)
{
	struct feed_arg *f = arg;

	ms_triage_feed_slab(f->t, f->i, v);
	fault_slab();
}

static void run_free(void *p)
{
	struct triage_run *r = p;

	ms_triage_free(r->t);
	crash_env_free(r->ce);
	free(r->cis);
	free(r->res);
	free(r->in);
	free(r->feeds);
	free(r->args);
	free(r->order);
	free(r);
}

/* The per-cache state and the walk's arguments; 0 after saying why. */
static int prepare(struct triage_run *r, const struct slub_layout *l, volatile int *stop)
{
	struct ms_error *err;
	size_t i;

	r->res = calloc(r->nr, sizeof(*r->res));
	r->in = calloc(r->nr, sizeof(*r->in));
	r->feeds = calloc(r->nr, sizeof(*r->feeds));
	r->args = calloc(r->nr, sizeof(*r->args));
	r->order = calloc(r->nr, sizeof(*r->order));
	if (!r->res || !r->in || !r->feeds || !r->args || !r->order) {
		error(INFO, "out of memory for %zu caches\n", r->nr);
		return 0;
	}
	for (i = 0; i < r->nr; i++) {
		const struct cache_info *ci = &r->cis[i];
		struct ms_triage_cache *c = &r->in[i];

		snprintf(c->name, sizeof(c->name), "%s", ci->name);
		c->addr = ci->addr;
		c->object_size = ci->object_size;
		c->stride = ci->size;
		c->slab_size = l->page_size << ci->oo_order;
		c->reclaimable = ci->reclaimable;
	}
	r->ce = crash_env_new(l, stop, &r->sp->env);
	if (!r->ce) {
		error(INFO, "out of memory\n");
		return 0;
	}
	err = ms_triage_new(r->in, r->nr, &r->sp->el.layout, &r->sp->env, &r->t);
	if (err) {
		error(INFO, "%s\n", err->message);
		ms_error_free(err);
		return 0;
	}
	for (i = 0; i < r->nr; i++) {
		r->feeds[i] = (struct feed_arg){ r->t, i };
		r->args[i] = &r->feeds[i];
	}
	return 1;
}

/* The walk's counts into the triage, and the pass's totals. */
static void collect(struct triage_run *r, struct ms_triage_totals *tot)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		const struct ms_cache_summary *s = &r->res[i].summary;
		struct ms_triage_cache *c = ms_triage_cache(r->t, i);

		c->slabs = s->slabs;
		c->total = s->total;
		c->allocated = s->allocated;
		c->bytes = s->slabs * (uint64_t)s->slab_size;
		if (r->cis[i].refcount > 1 && s->allocated)	/* sysfs links: merged caches */
			cache_aliases(&r->cis[i], c->aliases, sizeof(c->aliases));
		tot->slabs_unreadable += s->slabs_unreadable;
		tot->freelist_errors += s->freelist_errors;
		if (s->slabs_missing || s->slabs_extra)
			tot->caches_disagree++;
		if (s->pages_unreadable > tot->pages_unreadable)
			tot->pages_unreadable = s->pages_unreadable;	/* the same pages for all */
	}
	ms_triage_totals(r->t, tot);
}

/* The top suspects, each scanned in full and printed in brief (or as a JSON report). */
static void suspects(struct triage_run *r, const struct slub_layout *l,
		     const struct memsim_options *opt, unsigned want, volatile int *stop)
{
	struct memsim_options sub = *opt;
	unsigned done = 0;
	size_t k;

	sub.all_caches = 0;
	sub.timing = 0;		/* the suspects' time is one line of the triage's own */
	sub.top = 5;
	sub.walk.sample = 0;
	for (k = 0; k < r->nr && done < want && !*stop; k++) {
		const struct ms_triage_cache *c = ms_triage_cache(r->t, r->order[k]);

		if (!c->allocated || c->score <= 0)
			break;
		if (opt->json && done)
			fprintf(fp, ",");
		sub.brief_rank = done + 1;
		memsim_analyse_cache(l, &r->cis[r->order[k]], &sub, stop);
		done++;
	}
}

void memsim_triage(const struct slub_layout *l, const struct memsim_options *opt,
		   volatile int *stop)
{
	struct triage_run *r = calloc(1, sizeof(*r));
	struct ms_triage_totals tot;
	size_t unreadable = 0;
	unsigned want = opt->top_given ? (unsigned)opt->top : TRIAGE_SUSPECTS;
	double t0 = now_seconds(), t1;

	if (!r) {
		error(INFO, "out of memory\n");
		return;
	}
	held_take(r, run_free, "the per-cache triage state");
	memset(&tot, 0, sizeof(tot));
	if (!cache_list(l, &r->cis, &r->nr, &unreadable))
		goto out;
	if (!r->nr) {
		error(INFO, "no readable slab cache on slab_caches (%zu unreadable)\n", unreadable);
		goto out;
	}
	tot.caches_unreadable = unreadable;
	r->sp = scan_space_new();
	if (!r->sp || !prepare(r, l, stop))
		goto out;
	fault_scan_begin();
	if (!slab_walk_caches(l, r->cis, r->nr, &opt->walk, stop, triage_slab, r->args, r->res))
		goto out;
	tot.interrupted = *stop != 0;
	collect(r, &tot);
	scan_keep_sigint();
	ms_triage_finish(r->t);
	ms_triage_rank(r->t, r->order);
	t1 = now_seconds();
	if (opt->timing)
		fprintf(fp, "triage: %zu caches, %lu slabs, %lu objects in one pass over the memory "
			    "map: %.3f s (%.0f objects/s)\n", r->nr, (ulong)tot.slabs,
			(ulong)tot.objects, t1 - t0, tot.objects / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
	if (opt->json)
		ms_triage_json_begin(r->t, r->order, &tot, fp);
	else
		ms_triage_text(r->t, r->order, TRIAGE_ROWS, &tot, fp);
	if (!tot.interrupted)
		suspects(r, l, opt, want, stop);
	if (opt->json)
		ms_triage_json_end(fp);
	if (opt->timing)
		fprintf(fp, "triage: suspects analysed in %.3f s; %.3f s in all\n", now_seconds() - t1,
			now_seconds() - t0);
out:
	scan_space_free(r->sp);
	r->sp = NULL;
	held_drop(r);
	run_free(r);
}
