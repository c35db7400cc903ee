/*
 * run.c - one memsim scan: look the cache up, walk it, analyse, report.
 */
#include <string.h>
#include <time.h>

#include "defs.h"

#include "adapter.h"
#include "crash_env.h"
#include "debuginfo.h"
#include "engine.h"
#include "fault.h"
#include "feeder.h"
#include "held.h"
#include "json.h"
#include "owner.h"
#include "payload.h"
#include "owner_hints.h"
#include "memsim_cmd.h"
#include "report.h"
#include "resolve.h"
#include "slub_debug.h"

static void print_walk_notes(const struct walk_result *res);
static void print_faults(const struct walk_result *res);

static void count_slab(void *arg, const struct ms_slab_view *view)
{
	fault_slab();
}

/* Where the walk's slabs go: the feeder's ring (counting on its worker), else the engine. */
struct sink {
	struct ms_engine *e;
	struct ms_feeder *f;
};

static void feed_engine(void *arg, const struct ms_slab_view *view)
{
	struct sink *k = arg;

	if (k->f)
		ms_feeder_feed(k->f, view);
	else
		ms_engine_feed_slab(k->e, view);
	fault_slab();
}

/* Release functions for held.h, and the command's own way of giving each back. */
static void release_feeder(void *p)
{
	ms_feeder_free(p);	/* drains the ring, stops and joins the counting thread */
}

static void release_engine(void *p)
{
	ms_engine_free(p);
}

static void release_result(void *p)
{
	ms_result_free(p);
}

static void release_crash_env(void *p)
{
	crash_env_free(p);
}

static void release_debuginfo(void *p)
{
	debuginfo_close(p);
	free(p);
}

static void feeder_done(struct ms_feeder *f)
{
	held_drop(f);
	ms_feeder_free(f);
}

/*
 * crash's resident memory (VmRSS) or its peak (VmHWM) in kB, from /proc/self/status; 0 if
 * unreadable.  With -t the peak is reset before the scan (clear_refs 5, Linux 4.0+), so the
 * peak after it is the scan's own.
 */
static unsigned long proc_kb(const char *field)
{
	char line[256];
	unsigned long kb = 0;
	size_t len = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtoul(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static int reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok;

	if (!f)
		return 0;
	ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

/* Build the engine for @ci; NULL after printing why. */
static struct ms_engine *engine_for(const struct cache_info *ci, const struct memsim_options *opt,
				    const struct ms_layout *layout, const struct ms_env *env,
				    int keep_classifier)
{
	struct ms_engine_config cfg;
	struct ms_engine *e = NULL;
	struct ms_error *err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.cache_name = ci->name;
	cfg.cache_addr = ci->addr;
	cfg.object_size = ci->object_size;
	cfg.stride = ci->size;
	cfg.layout = layout;
	cfg.env = env;
	cfg.include_free = opt->include_free;
	cfg.top_n = opt->top;
	cfg.mem_limit = (size_t)opt->mem_mib << 20;
	cfg.keep_classifier = keep_classifier;
	err = ms_engine_new(&cfg, &e);
	if (!err)
		held_take(e, release_engine, "the clustering engine");
	if (err && err->code == MS_ERR_LIMIT) {
		error(INFO, "-m %lu: %s: give a larger -m\n", (ulong)opt->mem_mib, err->message);
		ms_error_free(err);
		return NULL;
	}
	if (err) {
		error(INFO, "%s\n", err->message);
		ms_error_free(err);
		return NULL;
	}
	return e;
}

/*
 * Walk as many times as the engine needs for exact counts (two at most); Ctrl-C settles.
 * Slabs are counted on the feeder's worker thread while the walk reads the next ones; the
 * engine is touched again here only after the feeder drained.
 */
static int walk_and_cluster(const struct slub_layout *l, const struct cache_info *ci,
			    const struct memsim_options *opt, volatile int *stop,
			    struct ms_engine *e, struct walk_result *res)
{
	struct sink k = { e, NULL };
	struct ms_error *err = ms_feeder_new(e, 0, &k.f);
	int rc, walked;

	if (err) {	/* one thread then: the same result, only slower */
		if (opt->timing)
			fprintf(fp, "analysis: on one thread (%s)\n", err->message);
		ms_error_free(err);
		k.f = NULL;
	}
	held_take(k.f, release_feeder, "the counting thread and its ring");
	do {
		ms_engine_begin_pass(e);
		walked = slab_walk_cache(l, ci, &opt->walk, stop, feed_engine, &k, res);
		if (k.f)
			ms_feeder_drain(k.f);
		if (!walked) {
			feeder_done(k.f);
			return 0;
		}
		if (*stop) {
			feeder_done(k.f);
			ms_engine_settle(e);
			return 1;
		}
		rc = ms_engine_end_pass(e);
	} while (rc == 1);
	if (k.f && opt->timing) {
		struct ms_feeder_stats st;

		ms_feeder_stats(k.f, &st);
		fprintf(fp, "analysis: counting thread busy %.3f s; the walk waited %.3f s for it "
			    "(%lu times)\n", st.counting_s, st.waiting_s, st.full);
	}
	feeder_done(k.f);
	if (rc < 0) {
		error(INFO, "%s\n", ms_engine_error(e) ? ms_engine_error(e)->message : "analysis failed");
		return 0;
	}
	return 1;
}

/*
 * The allocator's hints for cluster @c of @r: the struct types in scope at its leading
 * allocation sites, when the cache keeps SLUB's tracks (*@out: NULL otherwise).
 */
static size_t owner_hints(const struct ms_result *r, const struct ms_cluster *c,
			  const struct ms_report *rep, const struct debuginfo *di,
			  struct ms_owner_hint **out, char *note, size_t len)
{
	const struct ms_track_agg *agg;
	size_t n;

	*out = NULL;
	note[0] = 0;
	agg = rep->tracks ? ms_tracks_get(rep->tracks, (size_t)(c - r->clusters), 0) : NULL;
	if (!agg || !agg->nr_sites || !di->nr)
		return 0;
	*out = calloc(MS_OWNER_MAX_HINTS, sizeof(**out));
	if (!*out) {
		snprintf(note, len, "out of memory for the allocation sites' types");
		return 0;
	}
	held_take(*out, free, "the allocation sites' types");
	n = ms_owner_hints_from_tracks(di->indexes, di->nr, agg, rep->env, *out,
				       MS_OWNER_MAX_HINTS, note, len);
	scan_keep_sigint();
	return n;
}

/* @note += "; " @what (when there is room). */
static void note_append(char *note, size_t len, const char *what)
{
	size_t used = strlen(note);

	if (what[0] && used + 3 < len)
		snprintf(note + used, len - used, "%s%s", used ? "; " : "", what);
}

/* Rank cluster @c of @r into @o, with the allocator's hints from its tracks. */
static void rank_cluster(const struct ms_result *r, const struct ms_cluster *c,
			 const char *aliases, const struct ms_report *rep,
			 const struct debuginfo *di, struct ms_cluster_owner *o)
{
	struct ms_owner_hint *hints = NULL;
	struct ms_error *err;
	size_t nr_hints;
	char hints_note[400];

	nr_hints = owner_hints(r, c, rep, di, &hints, hints_note, sizeof(hints_note));
	err = ms_owner_rank_hinted(di->indexes, di->nr, &c->pattern, aliases, hints, nr_hints,
				   o->guesses, MS_OWNER_MAX_GUESSES, &o->nr_guesses, o->note,
				   sizeof(o->note));
	if (hints) {
		held_drop(hints);
		free(hints);
	}
	if (err) {
		snprintf(o->note, sizeof(o->note), "%s", err->message);
		ms_error_free(err);
	}
	note_append(o->note, sizeof(o->note), di->note);
	note_append(o->note, sizeof(o->note), hints_note);	/* a site could not be asked */
	o->ranked = 1;
}

/*
 * The owner guesses of every listed cluster (@listed of them, and the dominant allocated one
 * wherever it is) into a new array, one per cluster of @r; the dominant one's also as @rep's
 * top-level guesses and note (@note, @len bytes).  NULL when nothing was ranked.
 */
static struct ms_cluster_owner *guess_owners(const struct ms_result *r, const char *aliases,
					     size_t listed, const struct memsim_options *opt,
					     volatile int *stop, struct ms_report *rep, char *note,
					     size_t len)
{
	const struct ms_cluster *d = ms_result_dominant(r);
	struct ms_cluster_owner *owners;
	struct debuginfo *di;
	double t0 = now_seconds();
	size_t i, ranked = 0;

	rep->owner_note = note;
	snprintf(note, len, "%s", d ? "" : "no allocated cluster to guess the owner of");
	if (!r || !r->nr_clusters)
		return NULL;
	owners = calloc(r->nr_clusters, sizeof(*owners));
	di = calloc(1, sizeof(*di));
	if (!owners || !di) {
		snprintf(note, len, "out of memory for the owner guesses");
		free(owners);
		free(di);
		return NULL;
	}
	held_take(owners, free, "the owner guesses");
	held_take(di, release_debuginfo, "the owner guess's debuginfo");
	debuginfo_open(di);
	scan_keep_sigint();
	/*
	 * After a Ctrl-C'd walk the partial report still names its dominant cluster (as it
	 * always has); the other listed ones are ranked only in a whole scan, and a Ctrl-C
	 * during their ranking stops it.
	 */
	if (d) {
		rank_cluster(r, d, aliases, rep, di, &owners[d - r->clusters]);
		ranked++;
	}
	for (i = 0; i < r->nr_clusters && i < listed && !*stop; i++)
		if (&r->clusters[i] != d) {
			rank_cluster(r, &r->clusters[i], aliases, rep, di, &owners[i]);
			ranked++;
		}
	if (d && owners[d - r->clusters].ranked) {
		const struct ms_cluster_owner *o = &owners[d - r->clusters];

		rep->guesses = o->guesses;
		rep->nr_guesses = o->nr_guesses;
		snprintf(note, len, "%s", o->note);
	}
	rep->owners = owners;
	rep->nr_owners = r->nr_clusters;
	if (opt->timing)
		fprintf(fp, "owner guess: %.3f s for %zu clusters (%zu debuginfo files, %zu modules; "
			    "vmlinux index %s)\n", now_seconds() - t0, ranked, di->nr, di->nr_modules,
			di->vmlinux_built ? "built now" : "from the cache");
	if (opt->timing && di->cache_note[0])	/* the index was built again instead */
		fprintf(fp, "owner guess: index cache not used, rebuilt (%s)\n", di->cache_note);
	held_drop(di);
	debuginfo_close(di);
	free(di);
	return owners;
}

/*
 * The JSON report without its newline, as one element of memsim -a's "suspects" array (the
 * whole -a answer stays one line).
 */
static void json_inline(const struct ms_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		error(INFO, "out of memory for the JSON report\n");
		fprintf(fp, "null");
		return;
	}
	ms_report_json(rep, m);
	fclose(m);
	while (len && buf[len - 1] == '\n')
		len--;
	fwrite(buf, 1, len, fp);
	free(buf);
}

static void release_debug_result(void *p)
{
	slub_debug_result_free(p);
	free(p);
}

/*
 * A slub_debug cache: one more walk for SLUB's tracks and the red zone and poison checks,
 * put into @rep (with @flags, the letters of the cache's debug flags).
 */
static void slub_debug_report(const struct slub_layout *l, const struct cache_info *ci,
			      const struct memsim_options *opt, volatile int *stop,
			      const struct slub_debug_info *sd, struct ms_engine *e,
			      const struct ms_result *result, const struct ms_env *env,
			      struct slub_debug_result **out, struct ms_report *rep, char *flags)
{
	struct slub_debug_result *dres;
	double t0 = now_seconds();
	size_t n = 0;

	if (sd->red_zone)
		flags[n++] = 'Z';
	if (sd->poison)
		flags[n++] = 'P';
	if (sd->store_user)
		flags[n++] = 'U';
	flags[n] = 0;
	rep->debug_flags = flags;
	rep->debug_note = sd->note[0] ? sd->note : NULL;
	rep->env = env;
	if (!sd->have_tracks && !sd->have_checks)
		return;
	dres = *out = calloc(1, sizeof(*dres));
	if (!dres) {
		error(INFO, "out of memory for the tracks and checks: left out\n");
		return;
	}
	held_take(dres, release_debug_result, "the tracks and checks");
	if (!slub_debug_pass(l, ci, sd, e, result->nr_clusters, &opt->walk, opt->include_free,
			     env, stop, dres)) {
		error(INFO, "out of memory for the tracks and checks: left out\n");
		return;
	}
	scan_keep_sigint();
	rep->tracks = dres->tracks;
	rep->debug = dres->findings;
	rep->stacks_failed = dres->stacks_failed;
	rep->hz_source = dres->hz_source;
	rep->orig_size_bytes = dres->orig_size_len;
	if (opt->timing && rep->orig_size_bytes)
		fprintf(fp, "slub_debug: orig_size is %u bytes wide (%s)\n", rep->orig_size_bytes,
			dres->orig_size_votes ? "from the bytes of the first slab's objects" :
			"no object told otherwise");
	if (opt->timing)
		fprintf(fp, "slub_debug: %lu slabs walked again for tracks and checks, %lu depot "
			    "stacks read (%lu failed), HZ %u from %s, in %.3f s\n", (ulong)dres->slabs,
			(ulong)dres->stacks_read, (ulong)dres->stacks_failed, dres->hz,
			dres->hz_source ? dres->hz_source : "-", now_seconds() - t0);
}

/* The full scan: walk, cluster, report. */
static void analyse(const struct slub_layout *l, const struct cache_info *ci,
		    const struct memsim_options *opt, volatile int *stop, struct walk_result *res)
{
	struct scan_space *sp = scan_space_new();
	struct crash_env *ce;
	struct ms_engine *e = NULL;
	struct ms_report rep;
	struct ms_follow_budget follow = { 0 };
	struct ms_result *result = NULL;
	struct ms_cluster_owner *owners = NULL;
	struct slub_debug_info sd;
	struct slub_debug_result *dres = NULL;
	char note[800], flags[8];
	size_t i, listed = 0;
	int debug;

	if (!sp)
		return;
	if (opt->timing && sp->el.nr_percpu)
		fprintf(fp, "layout: %lu per-cpu areas of %lu bytes from %016llx (unit %lu bytes; "
			    "the rest of each unit is page-allocator memory)\n",
			(ulong)sp->el.nr_percpu, (ulong)sp->el.percpu_used,
			(unsigned long long)sp->el.percpu_first, (ulong)sp->el.percpu_unit);
	ce = crash_env_new(l, stop, &sp->env);
	held_take(ce, release_crash_env, "the page and object caches");
	debug = slub_debug_discover(ci, &sd);
	if (ce)
		e = engine_for(ci, opt, &sp->el.layout, &sp->env, debug && sd.have_tracks);
	int peak_reset = opt->timing && reset_peak_rss();
	unsigned long rss0 = opt->timing ? proc_kb("VmRSS") : 0;
	double t0 = now_seconds();

	if (e && walk_and_cluster(l, ci, opt, stop, e, res)) {
		if (opt->timing && peak_reset && rss0)
			fprintf(fp, "analysis: crash resident %.1f MB before the scan, peak %.1f MB "
				    "during it (+%.1f MB)\n", rss0 / 1024.0, proc_kb("VmHWM") / 1024.0,
				(proc_kb("VmHWM") > rss0 ? proc_kb("VmHWM") - rss0 : 0) / 1024.0);
		if (opt->timing) {
			double t = now_seconds() - t0;
			unsigned passes = ms_engine_result(e)->passes;

			fprintf(fp, "analysis: %lu objects in %.3f s end to end (%u pass%s, walk and "
				    "clustering): %.0f objects/s; clustering memory peak %.1f MB\n",
				(ulong)res->summary.total, t, passes, passes > 1 ? "es" : "",
				res->summary.total / (t > 0 ? t : 1e-9), ms_engine_mem_peak(e) / 1e6);
		}
		cache_aliases(ci, res->summary.aliases, sizeof(res->summary.aliases));
		scan_keep_sigint();
		memset(&rep, 0, sizeof(rep));
		rep.summary = &res->summary;
		result = ms_engine_take_result(e);
		held_take(result, release_result, "the clustering result");
		/* every listed cluster (memsim -a's brief: the dominant's three) is named */
		listed = opt->brief_rank ? 3 : ms_result_listed(result, opt->top);
		for (i = 0; result && i < result->nr_clusters && i < listed && !*stop; i++) {
			struct ms_cluster *c = &result->clusters[i];

			ms_pattern_resolve(&c->pattern, c->count, &sp->env);
			ms_pattern_follow(&c->pattern, c->examples, c->nr_examples, &sp->el.layout,
					  &sp->env, (unsigned)opt->depth, &follow);
			/* a header's length member, for the owner guess (payload.h) */
			ms_pattern_payload(&c->pattern, c->examples, c->nr_examples, &sp->env);
			scan_keep_sigint();
		}
		rep.follow = &follow;
		rep.result = result;
		if (debug && result && !*stop)
			slub_debug_report(l, ci, opt, stop, &sd, e, result, &sp->env, &dres, &rep,
					  flags);
		owners = guess_owners(result, res->summary.aliases, opt->brief_rank ? 0 : listed, opt,
				      stop, &rep, note, sizeof(note));
		rep.top_n = opt->top;
		rep.nr_examples = 4;
		if (opt->json && opt->brief_rank)
			json_inline(&rep);
		else if (opt->json)
			ms_report_json(&rep, fp);
		else if (opt->brief_rank)
			ms_report_brief(&rep, opt->brief_rank, fp);
		else
			ms_report_text(&rep, fp);
		if (!opt->json && !opt->brief_rank)
			print_faults(res);
		if (opt->timing)
			fprintf(fp, "total: %.3f s for the whole command (walks, clustering, pointers "
				    "followed, owner guess, report)\n", now_seconds() - t0);
	} else if (!ce) {
		error(INFO, "out of memory\n");
	}
	if (dres) {
		held_drop(dres);
		release_debug_result(dres);
	}
	if (owners) {
		held_drop(owners);
		free(owners);
	}
	held_drop(result);
	ms_result_free(result);
	held_drop(e);
	ms_engine_free(e);
	held_drop(ce);
	crash_env_free(ce);
	scan_space_free(sp);
}

void memsim_analyse_cache(const struct slub_layout *l, const struct cache_info *ci,
			  const struct memsim_options *opt, volatile int *stop)
{
	struct walk_result *res = calloc(1, sizeof(*res));

	if (!res) {
		error(INFO, "out of memory\n");
		return;
	}
	held_take(res, free, "the walk's counts");
	fault_scan_begin();
	analyse(l, ci, opt, stop, res);
	held_drop(res);
	free(res);
}

static void print_summary(const struct walk_result *res)
{
	struct ms_report rep;

	memset(&rep, 0, sizeof(rep));
	rep.summary = &res->summary;
	ms_report_text(&rep, fp);
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -t: how long the walk took and how fast it went. */
static void print_timing(const struct walk_result *res, double seconds, int read_only)
{
	const struct ms_cache_summary *s = &res->summary;
	double mb = res->bytes_read / 1e6, pmb = res->struct_page_bytes / 1e6;

	if (seconds <= 0)
		seconds = 1e-9;
	fprintf(fp, "%s: %lu slabs, %lu objects, %.1f MB slab data + %.1f MB struct pages "
		    "in %.3f s: %.0f objects/s, %.1f MB/s\n",
		read_only ? "floor (read only)" : "walk", (ulong)s->slabs, (ulong)s->total, mb, pmb,
		seconds, s->total / seconds, (mb + pmb) / seconds);
}

/*
 * What the summary notes (printed with the cache line) do not already say: the free-pointer
 * encoding with -l, sheaf-held objects, and the faults and bad slabs with their addresses.
 */
static void print_walk_notes(const struct walk_result *res)
{
	if (res->list_encoding)
		fprintf(fp, "  free pointers: %s\n", res->encoding == MS_FP__COUNT ? "not seen" :
			ms_fp_encoding_name(res->encoding));
	if (res->sheaf_objects)
		fprintf(fp, "  %lu free objects held in per-CPU sheaves and node barns (counted free; "
			    "/proc/slabinfo counts them active)\n", (ulong)res->sheaf_objects_matched);
	print_faults(res);
}

/* The freelist faults, with addresses: printed under either report. */
static void print_faults(const struct walk_result *res)
{
	const struct ms_cache_summary *s = &res->summary;
	size_t i;

	if (s->freelist_errors)
		fprintf(fp, "  %lu corrupt freelists (objects behind a fault count as allocated):\n",
			(ulong)s->freelist_errors);
	for (i = 0; i < res->nr_faults; i++) {
		const struct walk_fault *f = &res->faults[i];
		char who[32];

		if (f->cpu >= 0)
			snprintf(who, sizeof(who), "cpu %d freelist", f->cpu);
		else
			snprintf(who, sizeof(who), "freelist");
		fprintf(fp, "    slab %016lx memory %016lx %s: %s: %016lx", (ulong)f->slab,
			(ulong)f->base, who, ms_freelist_status_name(f->fault.status),
			(ulong)f->fault.bad_pointer);
		if (f->fault.holder)
			fprintf(fp, " (next of free object %016lx)", (ulong)f->fault.holder);
		else
			fprintf(fp, " (the list head)");
		fprintf(fp, "\n");
	}
	if (res->nr_bad)
		fprintf(fp, "  slabs skipped or not found%s:\n",
			res->nr_bad == WALK_MAX_FAULTS ? " (the first ones)" : "");
	for (i = 0; i < res->nr_bad; i++) {
		const struct walk_bad_slab *b = &res->bad[i];

		if (b->cpu >= 0)
			fprintf(fp, "    slab %016lx: cpu %d's active slab, not in the memory map\n",
				(ulong)b->slab, b->cpu);
		else
			fprintf(fp, "    slab %016lx: counters %016lx (objects %lu, inuse %lu) cannot "
				    "be right: skipped\n", (ulong)b->slab, (ulong)b->counters,
				(ulong)((b->counters >> 16) & 0x7fff), (ulong)(b->counters & 0xffff));
	}
}

void memsim_run(const struct slub_layout *l, const struct memsim_options *opt,
		volatile int *stop)
{
	struct walk_result *res = calloc(1, sizeof(*res));
	struct cache_info ci;

	if (!res) {
		error(INFO, "out of memory\n");
		return;
	}
	held_take(res, free, "the walk's counts");
	memset(&ci, 0, sizeof(ci));
	if (!cache_lookup(l, opt->cache, &ci)) {
		held_drop(res);
		free(res);
		return;
	}
	fault_scan_begin();
	if (!opt->summary_only) {
		analyse(l, &ci, opt, stop, res);
	} else {
		double t0 = now_seconds();

		if (!slab_walk_cache(l, &ci, &opt->walk, stop, count_slab, NULL, res)) {
			held_drop(res);
			free(res);
			return;
		}
		if (!res->summary.slabs && ci.have_node_counters && ci.node_slabs)
			error(INFO, "%s: none of its %lu slabs found in the memory map: "
				    "truncated or filtered dump?\n", ci.name, (ulong)ci.node_slabs);
		cache_aliases(&ci, res->summary.aliases, sizeof(res->summary.aliases));
		res->list_encoding = opt->walk.list_slabs;
		if (opt->timing)
			print_timing(res, now_seconds() - t0, opt->walk.read_only);
		if (!opt->walk.read_only) {
			print_summary(res);
			print_walk_notes(res);
		}
	}
	held_drop(res);
	free(res);
}
