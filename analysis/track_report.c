/*
 * track_report.c - the text report's slub_debug sections: SLUB's tracks per cluster and the
 * red zone and poison damage found (see report.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "stackdepot.h"

#define SITES_SHOWN 5
#define STACKS_SHOWN 2

void ms_report_symbol(const struct ms_env *env, uint64_t addr, char *buf, size_t len)
{
	struct ms_symbol sym;

	memset(&sym, 0, sizeof(sym));
	if (env && env->symbol && env->symbol(env->ctx, addr, &sym) && sym.name[0])
		ms_symbol_format(&sym, buf, len);
	else
		snprintf(buf, len, "%016" PRIx64, addr);
}

static size_t listed(const struct ms_report *rep)
{
	size_t n = ms_result_listed(rep->result, rep->top_n);

	if (rep->tracks && n > rep->tracks->nr_clusters)
		n = rep->tracks->nr_clusters;
	return n;
}

/* "7.4 s", "3 min 12 s", "2.1 h", "3.2 days": ages as a person reads them. */
static void age_text(double s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%d min %02d s", (int)(s / 60), (int)s % 60);
	else if (s < 172800)
		snprintf(buf, len, "%.1f h", s / 3600);
	else
		snprintf(buf, len, "%.1f days", s / 86400);
}

static void print_stack(FILE *out, const struct ms_report *rep, const struct ms_track_stack *st,
			const char *indent)
{
	char name[256];
	uint32_t i;

	if (st->status != MS_DEPOT_OK) {
		fprintf(out, "%sstack %08x: %s\n", indent, st->handle,
			ms_depot_status_name(st->status));
		return;
	}
	for (i = 0; i < st->nr_frames; i++) {
		ms_report_symbol(rep->env, st->frames[i], name, sizeof(name));
		fprintf(out, "%s[<%016" PRIx64 ">] %s\n", indent, st->frames[i], name);
	}
}

static void print_agg(FILE *out, const struct ms_report *rep, const struct ms_track_agg *a,
		      const char *what, int full)
{
	uint64_t recorded = a->objects - a->empty;
	char name[256], oldest[32], median[32], youngest[32], cpus[128];
	size_t i;

	if (!a->objects)
		return;
	if (!recorded) {
		fprintf(out, "    %s: no track recorded in any of its %" PRIu64 " objects\n", what,
			a->objects);
		return;
	}
	fprintf(out, "    %s%s:\n", what, a->sites_overflow ? " (more sites than memsim "
		"keeps: counts are upper bounds, each within its +-)" : "");
	for (i = 0; i < a->nr_sites && i < SITES_SHOWN; i++) {
		const struct ms_track_count *s = &a->sites[i];
		double old_s, young_s;

		ms_report_symbol(rep->env, s->key, name, sizeof(name));
		ms_track_site_ages(rep->tracks, s, &old_s, &young_s);
		age_text(old_s, oldest, sizeof(oldest));
		age_text(young_s, youngest, sizeof(youngest));
		fprintf(out, "      %9" PRIu64 "  %5.1f%%  %s", s->count,
			100.0 * s->count / recorded, name);
		if (s->error)
			fprintf(out, "  (+-%" PRIu64 ")", s->error);
		if (strcmp(youngest, oldest))
			fprintf(out, "  age %s..%s", youngest, oldest);
		else
			fprintf(out, "  age %s", oldest);
		fprintf(out, "\n");
	}
	if (a->nr_sites > SITES_SHOWN)
		fprintf(out, "      ... %zu more call sites\n", a->nr_sites - SITES_SHOWN);
	if (a->empty)
		fprintf(out, "      %9" PRIu64 "  %5.1f%%  (no track recorded)\n", a->empty,
			100.0 * a->empty / a->objects);
	age_text(a->age_max_s, oldest, sizeof(oldest));
	age_text(a->age_median_s, median, sizeof(median));
	age_text(a->age_min_s, youngest, sizeof(youngest));
	fprintf(out, "      age: oldest %s, median %s%s, youngest %s before the dump\n", oldest,
		median, a->median_sampled ? " (of a uniform sample)" : "", youngest);
	ms_track_cpus(a, cpus, sizeof(cpus));
	fprintf(out, "      pids:");
	for (i = 0; i < a->nr_pids && i < 4; i++)
		fprintf(out, "%s %" PRIu64 " (%" PRIu64 ")", i ? "," : "", a->pids[i].key,
			a->pids[i].count);
	fprintf(out, "%s; cpus: %s\n", a->nr_pids > 4 ? ", ..." : "", cpus[0] ? cpus : "-");
	if (a->nr_sizes && a->sizes[0].key) {
		fprintf(out, "      size asked for:");
		for (i = 0; i < a->nr_sizes && i < 4; i++)
			fprintf(out, "%s %" PRIu64 " bytes (%" PRIu64 ")", i ? "," : "",
				a->sizes[i].key, a->sizes[i].count);
		fprintf(out, "\n");
	}
	for (i = 0; full && i < a->nr_stacks && i < STACKS_SHOWN; i++) {
		const struct ms_track_stack *st = &a->stacks[i];

		fprintf(out, "      stack of %" PRIu64 " objects (%.1f%%)%s:\n", st->count,
			100.0 * st->count / recorded, i == 0 && a->nr_stacks > 1 ?
			", the commonest" : "");
		print_stack(out, rep, st, "        ");
	}
	if (full && a->nr_stacks > STACKS_SHOWN)
		fprintf(out, "      ... %zu more distinct stacks\n", a->nr_stacks - STACKS_SHOWN);
}

static void print_tracks(FILE *out, const struct ms_report *rep)
{
	const struct ms_result *r = rep->result;
	const struct ms_cluster *d = ms_result_dominant(r);
	size_t i, n = listed(rep);

	fprintf(out, "\nSLUB TRACKS (slub_debug=%s: the allocator's record of every object)%s:\n",
		rep->debug_flags ? rep->debug_flags : "U",
		rep->tracks->interrupted ? " (interrupted: partial)" : "");
	if (rep->stacks_failed)
		fprintf(out, "  %" PRIu64 " stacks could not be read from the stack depot\n",
			rep->stacks_failed);
	for (i = 0; i < n; i++) {
		const struct ms_cluster *c = &r->clusters[i];
		int full = c == d || (i == 0 && !d);

		fprintf(out, "  CLUSTER #%zu (%" PRIu64 " %s objects)\n", i + 1, c->count,
			c->is_free ? "free" : "allocated");
		print_agg(out, rep, ms_tracks_get(rep->tracks, i, 0),
			  c->is_free ? "last allocated by" : "allocated by", full || c->is_free);
		if (c->is_free)
			print_agg(out, rep, ms_tracks_get(rep->tracks, i, 1), "freed by", 1);
	}
}

static void print_findings(FILE *out, const struct ms_report *rep)
{
	const struct ms_debug_findings *f = rep->debug;
	size_t i;
	int a;

	fprintf(out, "\nSLUB DEBUG CHECKS (slub_debug=%s): %" PRIu64 " allocated and %" PRIu64
		     " free objects checked: ", rep->debug_flags ? rep->debug_flags : "",
		f->checked_allocated, f->checked_free);
	if (!f->objects_bad) {
		fprintf(out, "every red zone, poison and padding byte as the kernel left it\n");
		return;
	}
	fprintf(out, "%" PRIu64 " objects damaged (", f->objects_bad);
	for (a = 0, i = 0; a < MS_DBG__COUNT; a++)
		if (f->by_area[a])
			fprintf(out, "%s%s %" PRIu64, i++ ? ", " : "",
				ms_debug_area_name((enum ms_debug_area)a), f->by_area[a]);
	fprintf(out, ")\n  OBJECT            STATE      AREA               BAD BYTES        FOUND"
		     "                    EXPECTED\n");
	for (i = 0; i < f->nr; i++) {
		const struct ms_debug_finding *k = &f->first[i];
		char bytes[64] = "";
		size_t used = 0;
		uint32_t b;

		for (b = 0; b < k->nr_bytes && b < 8; b++)
			used += snprintf(bytes + used, sizeof(bytes) - used, "%02x", k->bytes[b]);
		fprintf(out, "  %016" PRIx64 "  %-9s  %-17s  %s0x%x..+0x%x  %-23s  %02x (%u of %u)\n",
			k->object, k->allocated ? "allocated" : "free",
			ms_debug_area_name(k->fault.area), k->fault.first_bad < 0 ? "-" : "+",
			(unsigned)(k->fault.first_bad < 0 ? -k->fault.first_bad : k->fault.first_bad),
			(unsigned)(k->fault.start + (int32_t)k->fault.length - 1), bytes,
			k->fault.expected, k->fault.bad_bytes, k->fault.length);
	}
	if (f->objects_bad > f->nr)
		fprintf(out, "  ... %" PRIu64 " more (the first %zu the walk met are listed)\n",
			f->objects_bad - f->nr, f->nr);
}

void ms_report_tracks_text(const struct ms_report *rep, FILE *out)
{
	if (rep->debug_note && rep->debug_note[0])
		fprintf(out, "\nSLUB DEBUG: %s\n", rep->debug_note);
	if (rep->tracks && rep->result)
		print_tracks(out, rep);
	if (rep->debug)
		print_findings(out, rep);
}

void ms_tracks_verdict(const struct ms_report *rep, size_t cluster, char *buf, size_t len)
{
	const struct ms_track_agg *a = ms_tracks_get(rep->tracks, cluster, 0);
	uint64_t recorded;
	char site[256], span[32], oldest[32];
	double old_s, young_s;

	buf[0] = 0;
	if (!a || !a->nr_sites)
		return;
	recorded = a->objects - a->empty;
	ms_report_symbol(rep->env, a->sites[0].key, site, sizeof(site));
	/* The site's own ages: a cluster may hold a few objects of other sites, older or not. */
	ms_track_site_ages(rep->tracks, &a->sites[0], &old_s, &young_s);
	age_text(old_s - young_s, span, sizeof(span));
	age_text(old_s, oldest, sizeof(oldest));
	if (a->sites[0].count == a->objects && !a->sites_overflow)
		snprintf(buf, len, "all %" PRIu64 " allocated by %s over %s, the oldest %s before "
			 "the dump", a->objects, site, span, oldest);
	else
		snprintf(buf, len, "%" PRIu64 " of %" PRIu64 " (%.1f%%) allocated by %s, over %s, "
			 "the oldest %s before the dump", a->sites[0].count, a->objects,
			 100.0 * a->sites[0].count / (recorded ? recorded : 1), site, span, oldest);
}
