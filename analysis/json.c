/* json.c - the report as JSON; the schema is in docs/json-schema.md. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"
#include "stackdepot.h"
#include "token.h"

/* The build's version, from the Makefile (VERSION and the commit); as memsim -V prints it. */
#ifndef MEMSIM_VERSION
#define MEMSIM_VERSION "unknown"
#endif

/* A tiny writer: it only has to know whether a comma is due. */
struct jw {
	FILE *out;
	int comma;
};

void ms_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', out);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void sep(struct jw *w)
{
	if (w->comma)
		fputc(',', w->out);
	w->comma = 1;
}

static void key(struct jw *w, const char *k)
{
	sep(w);
	ms_json_string(w->out, k);
	fputc(':', w->out);
	w->comma = 0;
}

/* Open an object or array, as member @k of the enclosing object, or as an element. */
static void jw_open(struct jw *w, const char *k, char bracket)
{
	if (k)
		key(w, k);
	else
		sep(w);
	fputc(bracket, w->out);
	w->comma = 0;
}

static void jw_close(struct jw *w, char bracket)
{
	fputc(bracket, w->out);
	w->comma = 1;
}

static void kv_u64(struct jw *w, const char *k, uint64_t v)
{
	key(w, k);
	fprintf(w->out, "%" PRIu64, v);
	w->comma = 1;
}

/* A number; one that is not finite has no JSON form and is written as null. */
static void kv_num(struct jw *w, const char *k, double v)
{
	key(w, k);
	if (isfinite(v))
		fprintf(w->out, "%.6g", v);
	else
		fputs("null", w->out);
	w->comma = 1;
}

static void kv_bool(struct jw *w, const char *k, int v)
{
	key(w, k);
	fputs(v ? "true" : "false", w->out);
	w->comma = 1;
}

static void hex(struct jw *w, uint64_t v)
{
	fprintf(w->out, "\"0x%016" PRIx64 "\"", v);
	w->comma = 1;
}

static void kv_hex(struct jw *w, const char *k, uint64_t v)
{
	key(w, k);
	hex(w, v);
}

/* A string member; NULL or "" (when @empty_is_null) is written as null. */
static void kv_str(struct jw *w, const char *k, const char *s, int empty_is_null)
{
	key(w, k);
	if (!s || (empty_is_null && !s[0]))
		fputs("null", w->out);
	else
		ms_json_string(w->out, s);
	w->comma = 1;
}

static void kv_null(struct jw *w, const char *k)
{
	key(w, k);
	fputs("null", w->out);
	w->comma = 1;
}

/* ---- cache and counts ---- */

static void aliases(struct jw *w, const char *list)
{
	char buf[sizeof(((struct ms_cache_summary *)0)->aliases)], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	jw_open(w, "aliases", '[');
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		sep(w);
		ms_json_string(w->out, tok);
	}
	jw_close(w, ']');
}

static void cache(struct jw *w, const struct ms_cache_summary *s)
{
	jw_open(w, "cache", '{');
	kv_str(w, "name", s->name, 0);
	kv_hex(w, "address", s->cache_addr);
	kv_u64(w, "object_size", s->object_size);
	kv_u64(w, "stride", s->stride);
	kv_u64(w, "slab_size", s->slab_size);
	kv_u64(w, "slabs", s->slabs);
	kv_u64(w, "allocated", s->allocated);
	kv_u64(w, "total", s->total);
	kv_u64(w, "free", s->free);
	aliases(w, s->aliases);
	jw_open(w, "notes", '{');
	kv_u64(w, "slabs_unreadable", s->slabs_unreadable);
	kv_u64(w, "pages_unreadable", s->pages_unreadable);
	kv_u64(w, "freelist_errors", s->freelist_errors);
	kv_u64(w, "inconsistent", s->inconsistent);
	kv_bool(w, "sampled", s->sampled);
	kv_u64(w, "slabs_in_cache", s->sampled ? s->slabs_in_cache : s->slabs);
	kv_bool(w, "interrupted", s->interrupted);
	if (s->node_counters) {
		kv_u64(w, "node_slabs", s->node_slabs);
		kv_u64(w, "node_objects", s->node_objects);
	}
	kv_u64(w, "slabs_missing", s->slabs_missing);
	kv_u64(w, "objects_missing", s->objects_missing);
	kv_u64(w, "slabs_extra", s->slabs_extra);
	kv_u64(w, "slabs_implausible", s->slabs_implausible);
	kv_u64(w, "cpu_slabs_missing", s->cpu_slabs_missing);
	kv_u64(w, "sheaf_objects_dropped", s->sheaf_objects_dropped);
	jw_close(w, '}');
	jw_close(w, '}');
}

static void counts(struct jw *w, const struct ms_result *r)
{
	jw_open(w, "counts", '{');
	kv_u64(w, "allocated", r->allocated);
	kv_u64(w, "free", r->free);
	kv_bool(w, "free_analysed", r->include_free);
	kv_u64(w, "distinct_contents", r->distinct_contents);
	kv_bool(w, "distinct_contents_estimated", r->distinct_estimated);
	kv_u64(w, "distinct_patterns", r->distinct_patterns);
	kv_bool(w, "distinct_patterns_estimated", r->patterns_estimated);
	kv_u64(w, "passes", r->passes);
	kv_bool(w, "approximate", r->approximate);
	kv_u64(w, "evictions", r->evictions);
	kv_u64(w, "unclustered", r->unclustered);
	kv_u64(w, "pass_mismatch", r->pass_mismatch);
	kv_u64(w, "slabs_skipped", r->slabs_skipped);
	kv_u64(w, "clusters_total", r->nr_clusters_total);
	kv_u64(w, "memory_peak", r->mem_peak);
	kv_u64(w, "memory_limit", r->mem_limit);
	jw_close(w, '}');
}

static const char *verdict_id(enum ms_verdict v)
{
	static const char *const ids[] = {
		[MS_VERDICT_NONE] = "no_dominant_pattern", [MS_VERDICT_WEAK] = "weak",
		[MS_VERDICT_DOMINANT] = "dominant_pattern", [MS_VERDICT_LEAK] = "likely_leak",
	};

	return (unsigned)v <= MS_VERDICT_LEAK ? ids[v] : ids[MS_VERDICT_NONE];
}

static void verdict(struct jw *w, const struct ms_report *rep)
{
	const struct ms_result *r = rep->result;
	const struct ms_cluster *d = ms_result_dominant(r);
	char tracks[400] = "";

	jw_open(w, "verdict", '{');
	kv_str(w, "kind", verdict_id(r->verdict), 0);
	kv_num(w, "share", r->verdict_share);
	kv_str(w, "line", r->verdict_line, 0);
	if (rep->tracks) {
		if (d)
			ms_tracks_verdict(rep, (size_t)(d - r->clusters), tracks, sizeof(tracks));
		kv_str(w, "tracks", tracks, 1);
	}
	jw_close(w, '}');
}

/* ---- SLUB's tracks and checks (slub_debug caches) ---- */

static void track_stack(struct jw *w, const struct ms_report *rep, const struct ms_track_stack *st)
{
	char name[256];
	uint32_t i;

	if (!st || st->status != MS_DEPOT_OK) {
		kv_null(w, "stack");
		return;
	}
	jw_open(w, "stack", '[');
	for (i = 0; i < st->nr_frames; i++) {
		ms_report_symbol(rep->env, st->frames[i], name, sizeof(name));
		sep(w);
		ms_json_string(w->out, name);
	}
	jw_close(w, ']');
	kv_u64(w, "stack_count", st->count);
}

static void track_sites(struct jw *w, const struct ms_report *rep, const char *k,
			const struct ms_track_agg *a)
{
	uint64_t recorded = a->objects - a->empty;
	char name[256];
	double old_s, young_s;
	size_t i;

	jw_open(w, k, '[');
	for (i = 0; i < a->nr_sites; i++) {
		const struct ms_track_count *s = &a->sites[i];

		ms_report_symbol(rep->env, s->key, name, sizeof(name));
		jw_open(w, NULL, '{');
		kv_str(w, "site", name, 0);
		kv_hex(w, "address", s->key);
		kv_u64(w, "count", s->count);
		kv_u64(w, "error", s->error);
		kv_num(w, "share", recorded ? (double)s->count / recorded : 0);
		ms_track_site_ages(rep->tracks, s, &old_s, &young_s);
		kv_num(w, "age_min_s", young_s);
		kv_num(w, "age_max_s", old_s);
		track_stack(w, rep, ms_track_site_stack(a, s->key));
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

static void track_counts(struct jw *w, const char *k, const char *name,
			 const struct ms_track_count *c, size_t n)
{
	size_t i;

	jw_open(w, k, '[');
	for (i = 0; i < n; i++) {
		jw_open(w, NULL, '{');
		kv_u64(w, name, c[i].key);
		kv_u64(w, "count", c[i].count);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

/* One kind of track of one cluster: its sites (under @sites_key), ages, pids and cpus. */
static void track_agg(struct jw *w, const struct ms_report *rep, const char *sites_key,
		      const char *prefix, const struct ms_track_agg *a)
{
	char k[64], cpus[256], name[256];
	size_t i;

	track_sites(w, rep, sites_key, a);
	snprintf(k, sizeof(k), "%sage_s", prefix);
	if (a->objects > a->empty) {
		jw_open(w, k, '{');
		kv_num(w, "min", a->age_min_s);
		kv_num(w, "median", a->age_median_s);
		kv_num(w, "max", a->age_max_s);
		kv_bool(w, "median_sampled", a->median_sampled);
		jw_close(w, '}');
	} else {
		kv_null(w, k);
	}
	snprintf(k, sizeof(k), "%stracks", prefix);
	jw_open(w, k, '{');
	kv_u64(w, "objects", a->objects);
	kv_u64(w, "not_recorded", a->empty);
	kv_bool(w, "sites_exact", !a->sites_overflow);
	kv_u64(w, "distinct_stacks", a->nr_stacks);
	kv_bool(w, "stacks_exact", !a->stacks_overflow);
	track_counts(w, "pids", "pid", a->pids, a->nr_pids);
	ms_track_cpus(a, cpus, sizeof(cpus));
	kv_str(w, "cpus", cpus, 1);
	if (a->nr_sizes && a->sizes[0].key)
		track_counts(w, "requested_sizes", "size", a->sizes, a->nr_sizes);
	jw_open(w, "stacks", '[');
	for (i = 0; i < a->nr_stacks; i++) {
		const struct ms_track_stack *st = &a->stacks[i];

		ms_report_symbol(rep->env, st->site, name, sizeof(name));
		jw_open(w, NULL, '{');
		kv_u64(w, "count", st->count);
		kv_u64(w, "error", st->error);
		kv_str(w, "site", name, 0);
		if (st->handle)
			kv_hex(w, "handle", st->handle);
		else
			kv_null(w, "handle");
		kv_str(w, "status", ms_depot_status_name(st->status), 0);
		track_stack(w, rep, st);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static void cluster_tracks(struct jw *w, const struct ms_report *rep, const struct ms_cluster *c,
			   size_t index)
{
	const struct ms_track_agg *a = ms_tracks_get(rep->tracks, index, 0);

	if (!a)
		return;
	track_agg(w, rep, "alloc_sites", "", a);
	if (c->is_free)
		track_agg(w, rep, "free_sites", "free_", ms_tracks_get(rep->tracks, index, 1));
}

static void slub_debug(struct jw *w, const struct ms_report *rep)
{
	const struct ms_debug_findings *f = rep->debug;
	size_t i;
	int a;

	jw_open(w, "slub_debug", '{');
	kv_str(w, "flags", rep->debug_flags, 1);
	kv_bool(w, "tracks", rep->tracks != NULL);
	kv_str(w, "note", rep->debug_note, 1);
	if (rep->tracks) {
		kv_u64(w, "jiffies", rep->tracks->now);
		kv_u64(w, "hz", rep->tracks->hz);
		kv_str(w, "hz_source", rep->hz_source, 1);
		kv_u64(w, "stacks_failed", rep->stacks_failed);
		kv_bool(w, "interrupted", rep->tracks->interrupted);
	}
	if (f) {
		jw_open(w, "checks", '{');
		if (rep->orig_size_bytes)
			kv_u64(w, "orig_size_bytes", rep->orig_size_bytes);
		else
			kv_str(w, "orig_size_bytes", NULL, 1);
		kv_u64(w, "allocated_checked", f->checked_allocated);
		kv_u64(w, "free_checked", f->checked_free);
		kv_u64(w, "objects_damaged", f->objects_bad);
		jw_open(w, "by_area", '{');
		for (a = 0; a < MS_DBG__COUNT; a++)
			kv_u64(w, ms_debug_area_name((enum ms_debug_area)a), f->by_area[a]);
		jw_close(w, '}');
		jw_open(w, "findings", '[');
		for (i = 0; i < f->nr; i++) {
			const struct ms_debug_finding *k = &f->first[i];
			char bytes[40] = "";
			size_t used = 0;
			uint32_t b;

			for (b = 0; b < k->nr_bytes; b++)
				used += snprintf(bytes + used, sizeof(bytes) - used, "%02x", k->bytes[b]);
			jw_open(w, NULL, '{');
			kv_hex(w, "object", k->object);
			kv_str(w, "state", k->allocated ? "allocated" : "free", 0);
			if (k->cluster >= 0)
				kv_u64(w, "cluster", (uint64_t)k->cluster + 1);
			else
				kv_null(w, "cluster");
			kv_str(w, "area", ms_debug_area_name(k->fault.area), 0);
			kv_num(w, "area_offset", k->fault.start);
			kv_u64(w, "area_length", k->fault.length);
			kv_num(w, "first_bad_offset", k->fault.first_bad);
			kv_u64(w, "bad_bytes", k->fault.bad_bytes);
			kv_str(w, "found", bytes, 0);
			kv_u64(w, "expected", k->fault.expected);
			jw_close(w, '}');
		}
		jw_close(w, ']');
		jw_close(w, '}');
	}
	jw_close(w, '}');
}

/* ---- clusters ---- */

static void words(struct jw *w, const char *k, const struct ms_word *ws, size_t nr);

static void target(struct jw *w, const struct ms_target *t)
{
	if (!t) {
		kv_null(w, "target");
		return;
	}
	jw_open(w, "target", '{');
	kv_u64(w, "distinct", t->ndistinct);
	kv_u64(w, "sampled", t->nsampled);
	if (t->shared_addr)
		kv_hex(w, "shared_address", t->shared_addr);
	else
		kv_null(w, "shared_address");
	kv_str(w, "cache", t->cache_name, 1);
	kv_u64(w, "object_size", t->object_size);
	kv_u64(w, "offset_in_target", t->offset_in_target);
	words(w, "words", t->words, t->words ? t->nr_words : 0);
	jw_close(w, '}');
}

static void word(struct jw *w, const struct ms_word *ws, size_t nr, size_t i)
{
	const struct ms_word *x = &ws[i];
	char meaning[400];

	ms_word_meaning(ws, nr, i, meaning, sizeof(meaning));
	jw_open(w, NULL, '{');
	kv_u64(w, "offset", x->offset);
	kv_u64(w, "width", x->width);
	kv_str(w, "kind", ms_token_kind_name(x->kind), 0);
	kv_hex(w, "arg", x->arg);
	kv_hex(w, "value", x->value);
	kv_str(w, "symbol", x->symbol, 1);
	kv_str(w, "meaning", meaning, 0);
	kv_num(w, "agreement", x->agree);
	kv_bool(w, "constant", x->constant);
	kv_hex(w, "varying_bits", x->varying_bits);
	kv_hex(w, "min", x->min);
	kv_hex(w, "max", x->max);
	target(w, x->target);
	jw_close(w, '}');
}

static void words(struct jw *w, const char *k, const struct ms_word *ws, size_t nr)
{
	size_t i;

	jw_open(w, k, '[');
	for (i = 0; i < nr; i++)
		word(w, ws, nr, i);
	jw_close(w, ']');
}

static void representative(struct jw *w, const struct ms_cluster *c)
{
	uint32_t b;

	if (!c->rep_addr) {
		kv_null(w, "representative");
		return;
	}
	jw_open(w, "representative", '{');
	kv_hex(w, "address", c->rep_addr);
	key(w, "bytes");
	fputc('"', w->out);
	for (b = 0; b < c->pattern.object_size; b++)
		fprintf(w->out, "%02x", c->rep[b]);
	fputc('"', w->out);
	w->comma = 1;
	jw_close(w, '}');
}

static void guess(struct jw *w, const struct ms_owner_guess *g, size_t rank, uint64_t addr);

/* Cluster @c's own owner guesses (every listed cluster has them; the top-level owner too). */
static void cluster_owner(struct jw *w, const struct ms_report *rep, const struct ms_cluster *c,
			  size_t index)
{
	const struct ms_cluster_owner *o;
	size_t i;

	if (!rep->owners || index >= rep->nr_owners || !rep->owners[index].ranked)
		return;
	o = &rep->owners[index];
	jw_open(w, "owner", '{');
	kv_str(w, "note", o->note, 1);
	jw_open(w, "guesses", '[');
	for (i = 0; i < o->nr_guesses; i++)
		guess(w, &o->guesses[i], i + 1, c->rep_addr);
	jw_close(w, ']');
	jw_close(w, '}');
}

/* What the examples show of a header + payload shape (payload.h), once they were read. */
static void payload(struct jw *w, const struct ms_payload *pl)
{
	uint32_t i, b;

	if (!pl->sampled)
		return;
	jw_open(w, "payload", '{');
	kv_u64(w, "sampled", pl->sampled);
	kv_u64(w, "data_end_min", pl->end_min);
	kv_u64(w, "data_end_max", pl->end_max);
	jw_open(w, "length_fields", '[');
	for (i = 0; i < pl->nr_fields; i++) {
		const struct ms_length_field *f = &pl->fields[i];

		jw_open(w, NULL, '{');
		kv_u64(w, "offset", f->offset);
		jw_open(w, "widths", '[');
		for (b = 1; b <= 8; b++)
			if (f->widths & (1u << (b - 1))) {
				sep(w);
				fprintf(w->out, "%u", b);
			}
		jw_close(w, ']');
		kv_u64(w, "header_end", f->header_end);
		kv_str(w, "counts", f->slot ? "slot_rest" : "data_after", 0);
		kv_u64(w, "matched", f->matched);
		kv_u64(w, "text", f->text);
		kv_u64(w, "min", f->min);
		kv_u64(w, "max", f->max);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static void cluster(struct jw *w, const struct ms_report *rep, const struct ms_cluster *c,
		    size_t rank)
{
	size_t k;

	jw_open(w, NULL, '{');
	kv_u64(w, "rank", rank);
	kv_str(w, "state", c->is_free ? "free" : "allocated", 0);
	kv_u64(w, "count", c->count);
	kv_num(w, "fraction", c->fraction);
	kv_u64(w, "bytes", c->bytes);
	kv_u64(w, "own", c->own);
	kv_u64(w, "similar", c->similar);
	kv_u64(w, "patterns_merged", c->nr_patterns);
	kv_u64(w, "largest_identical", c->largest_dup);
	kv_bool(w, "largest_identical_exact", c->largest_dup_exact);
	representative(w, c);
	jw_open(w, "examples", '[');
	for (k = 0; k < c->nr_examples; k++) {
		sep(w);
		hex(w, c->examples[k]);
	}
	jw_close(w, ']');
	words(w, "pattern", c->pattern.words, c->pattern.nr_words);
	payload(w, &c->pattern.payload);
	if (rep->tracks)
		cluster_tracks(w, rep, c, rank - 1);
	cluster_owner(w, rep, c, rank - 1);
	jw_close(w, '}');
}

static void clusters(struct jw *w, const struct ms_report *rep)
{
	const struct ms_result *r = rep->result;
	const struct ms_cluster *d = ms_result_dominant(r);
	size_t i, n = ms_result_listed(r, rep->top_n);

	jw_open(w, "clusters", '[');
	for (i = 0; i < n; i++)
		cluster(w, rep, &r->clusters[i], i + 1);
	/* The owner guesses are about the dominant allocated cluster: always list it. */
	if (d && (size_t)(d - r->clusters) >= n)
		cluster(w, rep, d, d - r->clusters + 1);
	jw_close(w, ']');
}

/* ---- owner guesses ---- */

/* The allocator's hint that counted for a guess (SLUB's tracks, owner.h). */
static void allocated_at(struct jw *w, const struct ms_owner_guess *g)
{
	const struct ms_owner_hint *h = &g->hint;
	char type[140];

	snprintf(type, sizeof(type), "struct %s", h->code.type);
	jw_open(w, "allocated_at", '{');
	kv_str(w, "site", h->site, 0);
	kv_str(w, "frame", h->frame, 1);
	kv_str(w, "function", h->code.func, 0);
	kv_bool(w, "inlined", h->code.inlined);
	kv_str(w, "relation", ms_code_rel_name(h->code.rel), 0);
	kv_str(w, "variable", h->code.var, 1);
	kv_str(w, "type", type, 0);
	kv_num(w, "share", h->share);
	kv_num(w, "bonus", g->hint_bonus);
	jw_close(w, '}');
}

static void guess(struct jw *w, const struct ms_owner_guess *g, size_t rank, uint64_t addr)
{
	char command[192];
	size_t k;

	ms_owner_guess_command(g, addr, command, sizeof(command));
	jw_open(w, NULL, '{');
	kv_u64(w, "rank", rank);
	kv_str(w, "type", g->type_name, 0);
	kv_str(w, "origin", g->origin[0] ? g->origin : "vmlinux", 0);
	kv_u64(w, "size", g->size);
	if (g->array)
		kv_u64(w, "array", g->array);
	kv_num(w, "score", g->score);
	kv_num(w, "margin", g->margin);
	kv_num(w, "confidence", g->confidence);
	jw_open(w, "evidence", '[');
	for (k = 0; k < g->nr_evidence && k < MS_OWNER_MAX_EVIDENCE; k++) {
		sep(w);
		ms_json_string(w->out, g->evidence[k]);
	}
	jw_close(w, ']');
	kv_str(w, "command", command, 0);
	if (g->hinted)
		allocated_at(w, g);
	jw_close(w, '}');
}

static void owner(struct jw *w, const struct ms_report *rep)
{
	const struct ms_cluster *d = rep->result ? ms_result_dominant(rep->result) : NULL;
	size_t i;

	jw_open(w, "owner", '{');
	if (d)
		kv_u64(w, "cluster", d - rep->result->clusters + 1);
	else
		kv_null(w, "cluster");
	kv_str(w, "note", rep->owner_note, 1);
	jw_open(w, "guesses", '[');
	for (i = 0; d && rep->guesses && i < rep->nr_guesses; i++)
		guess(w, &rep->guesses[i], i + 1, d->rep_addr);
	jw_close(w, ']');
	jw_close(w, '}');
}

int ms_report_json(const struct ms_report *rep, FILE *out)
{
	struct jw w = { out, 0 };

	jw_open(&w, NULL, '{');
	kv_str(&w, "schema", MS_JSON_SCHEMA, 0);
	kv_u64(&w, "version", MS_JSON_VERSION);
	kv_str(&w, "memsim_version", MEMSIM_VERSION, 0);
	if (rep->summary)
		cache(&w, rep->summary);
	else
		kv_null(&w, "cache");
	if (rep->result) {
		counts(&w, rep->result);
		verdict(&w, rep);
		clusters(&w, rep);
	} else {
		kv_null(&w, "counts");
		kv_null(&w, "verdict");
		jw_open(&w, "clusters", '[');
		jw_close(&w, ']');
	}
	owner(&w, rep);
	if (rep->tracks || rep->debug || rep->debug_flags)
		slub_debug(&w, rep);
	if (rep->follow) {
		jw_open(&w, "follow", '{');
		kv_u64(&w, "bytes", rep->follow->bytes);
		kv_u64(&w, "bytes_max", rep->follow->bytes_max);
		kv_u64(&w, "reads_failed", rep->follow->reads_failed);
		kv_u64(&w, "not_followed", rep->follow->not_followed);
		jw_close(&w, '}');
	}
	jw_close(&w, '}');
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}
