/* report.c - the text report in crash's style; see report.h. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "report.h"
#include "token.h"

#define BAR_WIDTH 40

/* ---- the cache line and its notes ---- */

static void print_cache_line(FILE *out, const struct ms_cache_summary *s)
{
	fprintf(out, "CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME\n");
	fprintf(out, "%016" PRIx64 " %8u %10" PRIu64 " %9" PRIu64 " %6" PRIu64 " %5uk  %s\n",
		s->cache_addr, s->object_size, s->allocated, s->total, s->slabs,
		s->slab_size / 1024, s->name);
}

static void print_cache_notes(FILE *out, const struct ms_cache_summary *s)
{
	if (s->aliases[0])
		fprintf(out, "  merged into this cache (slab aliases): %s\n", s->aliases);
	if (s->interrupted)
		fprintf(out, "  INTERRUPTED: everything below covers only the slabs walked before "
			     "Ctrl-C\n");
	if (s->sampled)
		fprintf(out, "  SAMPLED: %" PRIu64 " of %" PRIu64 " slabs read; counts are for "
			     "those slabs only\n", s->slabs, s->slabs_in_cache);
	if (s->pages_unreadable)
		fprintf(out, "  %" PRIu64 " struct pages unreadable: slabs there were not seen\n",
			s->pages_unreadable);
	if (s->slabs_unreadable)
		fprintf(out, "  %" PRIu64 " slabs unreadable: their objects are in TOTAL, not in "
			     "ALLOCATED\n", s->slabs_unreadable);
	if (s->inconsistent)
		fprintf(out, "  %" PRIu64 " slabs kept changing while read (live system)\n",
			s->inconsistent);
	if (s->freelist_errors)
		fprintf(out, "  %" PRIu64 " corrupt freelists: objects behind a fault count as "
			     "allocated\n", s->freelist_errors);
	if (s->slabs_implausible)
		fprintf(out, "  %" PRIu64 " struct slabs with impossible counters (objects, inuse) "
			     "skipped: their objects are in TOTAL by the cache's geometry, not in "
			     "ALLOCATED\n", s->slabs_implausible);
	if (s->slabs_missing)
		fprintf(out, "  MISSING: the node counters count %" PRIu64 " slabs (%" PRIu64
			     " objects), the memory map gave %" PRIu64 ": %" PRIu64 " slabs (%" PRIu64
			     " objects) not seen and in no count above (%s)\n", s->node_slabs,
			s->node_objects, s->slabs, s->slabs_missing, s->objects_missing,
			s->live ? "live system: slabs come and go during the walk" :
				  "struct slabs overwritten, or struct pages missing from the dump");
	if (s->slabs_extra)
		fprintf(out, "  %" PRIu64 " slabs more in the memory map than the node counters count "
			     "(%" PRIu64 "): %s\n", s->slabs_extra, s->node_slabs,
			s->live ? "live system: slabs come and go during the walk" :
				  "stale or forged struct slabs naming this cache");
	if (s->sheaf_objects_dropped)
		fprintf(out, "  %" PRIu64 " free objects held in per-CPU sheaves and node barns could "
			     "not be kept (memory): they count as allocated\n",
			s->sheaf_objects_dropped);
	if (s->cpu_slabs_missing)
		fprintf(out, "  %" PRIu64 " CPU active slabs of this cache not found in the memory "
			     "map\n", s->cpu_slabs_missing);
}

/* ---- totals and the cluster table ---- */

static size_t shown(const struct ms_report *rep)
{
	return ms_result_listed(rep->result, rep->top_n);
}

static void print_totals(FILE *out, const struct ms_report *rep)
{
	const struct ms_result *r = rep->result;

	fprintf(out, "\nOBJECTS: %" PRIu64 " allocated analysed, %" PRIu64 " free %s\n",
		r->allocated, r->free,
		r->include_free ? "analysed as their own class" : "counted, not analysed");
	fprintf(out, "DISTINCT: %s%" PRIu64 " contents, %s%" PRIu64 " patterns; %u pass%s; "
		     "%zu clusters, %zu shown\n",
		r->distinct_estimated ? "~" : "", r->distinct_contents,
		r->patterns_estimated ? "~" : "", r->distinct_patterns, r->passes,
		r->passes == 1 ? "" : "es", r->nr_clusters_total, shown(rep));
	if (r->unclustered)
		fprintf(out, "  %" PRIu64 " objects close to none of the biggest patterns\n",
			r->unclustered);
	if (r->approximate && !r->pass_mismatch)
		fprintf(out, "  APPROXIMATE: the exact second pass was not made; counts are upper "
			     "bounds\n");
	if (r->pass_mismatch)
		fprintf(out, "  the second pass saw %" PRIu64 " objects more or fewer than the "
			     "first (live system?)\n", r->pass_mismatch);
	if (r->slabs_skipped)
		fprintf(out, "  %" PRIu64 " slabs skipped: geometry differs from the cache's\n",
			r->slabs_skipped);
}

void ms_pattern_kinds(const struct ms_pattern *p, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < p->nr_words && used < len; i++) {
		const struct ms_word *w = &p->words[i];
		const char *sep = i ? " " : "";

		if (w->kind == MS_TOK_SELF)
			used += snprintf(buf + used, len - used, "%sself+0x%" PRIx64, sep, w->arg);
		else
			used += snprintf(buf + used, len - used, "%s%s", sep,
					 ms_token_kind_name(w->kind));
	}
}

static void print_cluster_table(FILE *out, const struct ms_report *rep)
{
	const struct ms_result *r = rep->result;
	size_t i, n = shown(rep);
	char kinds[512];

	fprintf(out, "\n  #  STATE       COUNT  %%CLASS           BYTES  PATTERNS  WORDS\n");
	for (i = 0; i < n; i++) {
		const struct ms_cluster *c = &r->clusters[i];

		ms_pattern_kinds(&c->pattern, kinds, sizeof(kinds));
		fprintf(out, "%3zu  %-5s %11" PRIu64 " %6.2f%% %15" PRIu64 " %9u  %s\n", i + 1,
			c->is_free ? "free" : "alloc", c->count, 100 * c->fraction, c->bytes,
			c->nr_patterns, kinds);
	}
}

/* ---- meanings ---- */

static int is_list_head(const struct ms_word *words, size_t nr, size_t i)
{
	const struct ms_word *w = &words[i];

	if (w->kind != MS_TOK_SELF)
		return 0;
	if (w->arg == w->offset && i + 1 < nr && words[i + 1].kind == MS_TOK_SELF &&
	    words[i + 1].arg == w->offset)
		return 1;	/* next at the list_head itself, prev right after it */
	return i > 0 && w->arg + 8 == w->offset && words[i - 1].kind == MS_TOK_SELF &&
	       words[i - 1].arg == w->arg;
}

static void value_meaning(const struct ms_word *w, const char *what, char *buf, size_t len)
{
	if (w->constant)
		snprintf(buf, len, "%s, constant %" PRId64, what, (int64_t)w->value);
	else
		snprintf(buf, len, "%s, varies: bits 0x%" PRIx64 ", 0x%" PRIx64 "..0x%" PRIx64,
			 what, w->varying_bits, w->min, w->max);
}

static void ascii_meaning(const struct ms_word *w, char *buf, size_t len)
{
	char text[9] = { 0 };
	uint32_t b;

	for (b = 0; b < 8 && b < w->width; b++) {
		char ch = (w->value >> (8 * b)) & 0xff;

		text[b] = ch >= 0x20 && ch < 0x7f ? ch : 0;
		if (!ch)
			break;
	}
	snprintf(buf, len, "text \"%s\"%s", text, w->constant ? "" : ", varies");
}

static const char *pointer_meaning(enum ms_token_kind kind)
{
	switch (kind) {
	case MS_TOK_SAME_CACHE:
		return "pointer to another object of this cache";
	case MS_TOK_HEAP:
		return "pointer into the direct map, not a slab object";
	case MS_TOK_KTEXT:
		return "function pointer";
	case MS_TOK_KDATA:
		return "pointer to kernel data (ops table, global)";
	case MS_TOK_VMALLOC:
		return "vmalloc pointer";
	case MS_TOK_VMEMMAP:
		return "struct page pointer";
	case MS_TOK_PERCPU:
		return "per-cpu pointer";
	case MS_TOK_USER:
		return "user-space address";
	case MS_TOK_LIST_POISON:
		return "list poison: a deleted list entry";
	case MS_TOK_SLAB_POISON:
		return "slab poison or red zone";
	default:
		return "data";
	}
}

static void derived_meaning(const struct ms_word *words, size_t nr, size_t i, char *buf,
			    size_t len)
{
	const struct ms_word *w = &words[i];

	switch (w->kind) {
	case MS_TOK_ZERO:
		value_meaning(w, "zero", buf, len);
		break;
	case MS_TOK_SMALL:
		value_meaning(w, "small integer", buf, len);
		break;
	case MS_TOK_RAW:
		value_meaning(w, "data", buf, len);
		break;
	case MS_TOK_ASCII:
		ascii_meaning(w, buf, len);
		break;
	case MS_TOK_SELF:
		snprintf(buf, len, "self-pointer to +0x%" PRIx64 "%s", w->arg,
			 is_list_head(words, nr, i) ? " (empty list_head?)" : "");
		break;
	case MS_TOK_SLAB:
		snprintf(buf, len, "pointer into slab cache %016" PRIx64, w->arg);
		break;
	default:
		snprintf(buf, len, "%s%s", pointer_meaning(w->kind),
			 w->constant && w->kind != MS_TOK_LIST_POISON ? ", the same in all" : "");
		break;
	}
}

void ms_word_meaning(const struct ms_word *words, size_t nr, size_t i, char *buf, size_t len)
{
	const struct ms_word *w = &words[i];

	if (w->meaning[0] && w->symbol[0])	/* "... the same in all: &" + "ops" */
		snprintf(buf, len, "%s%s%s", w->meaning,
			 w->meaning[strlen(w->meaning) - 1] == '&' ? "" : " ", w->symbol);
	else if (w->meaning[0])
		snprintf(buf, len, "%s", w->meaning);
	else if (w->symbol[0])
		snprintf(buf, len, "%s %s", pointer_meaning(w->kind), w->symbol);
	else
		derived_meaning(words, nr, i, buf, len);
}

/* ---- the dominant cluster ---- */

/* Does a followed object's word @w name something: a symbol, text, or a target that does? */
static int target_word_tells(const struct ms_word *w, int depth)
{
	size_t i;

	if (w->agree < 0.5)
		return 0;
	if (w->symbol[0] || w->kind == MS_TOK_ASCII)
		return 1;
	if (!w->target || !w->target->words || depth >= 2)
		return 0;
	for (i = 0; i < w->target->nr_words; i++)
		if (target_word_tells(&w->target->words[i], depth + 1))
			return 1;
	return 0;
}

#define TARGET_LINES 4	/* lines per followed object */

/* The telling words of the objects a pointer reaches, indented by @depth, and deeper. */
static void print_target(FILE *out, const struct ms_target *t, int depth)
{
	char meaning[400];
	size_t i, shown = 0;

	for (i = 0; t->words && i < t->nr_words && shown < TARGET_LINES; i++) {
		const struct ms_word *w = &t->words[i];

		if (!target_word_tells(w, depth))
			continue;
		ms_word_meaning(t->words, t->nr_words, i, meaning, sizeof(meaning));
		fprintf(out, "%*s-> %s +0x%-4x %s%s\n", 8 + 4 * depth, "", t->cache_name, w->offset,
			t->ndistinct > 1 && w->constant ? "in all targets: " : "", meaning);
		shown++;
		if (w->target)
			print_target(out, w->target, depth + 1);
	}
}

/*
 * Do words @a and @b of @p say the same thing: one constant value of one kind, in full word
 * width, agreed on alike, with nothing behind them (no symbol, no followed target) and the
 * same meaning?  Runs of them are folded into one line.
 */
static int alike_words(const struct ms_pattern *p, size_t a, size_t b)
{
	const struct ms_word *x = &p->words[a], *y = &p->words[b];
	char ma[400], mb[400];

	if (x->kind != y->kind || x->value != y->value || !x->constant || !y->constant ||
	    x->width != 8 || y->width != 8 || x->symbol[0] || y->symbol[0] || x->target ||
	    y->target || fabs(x->agree - y->agree) >= 0.0005 || x->kind == MS_TOK_SELF)
		return 0;
	ms_word_meaning(p->words, p->nr_words, a, ma, sizeof(ma));
	ms_word_meaning(p->words, p->nr_words, b, mb, sizeof(mb));
	return !strcmp(ma, mb);
}

#define FOLD_MIN 3	/* alike words in a row that make one line */

/*
 * The per-offset table is a line per word, with what a pointer reaches under it; a run of at
 * least FOLD_MIN alike words (zeros, poison) is one line, "+0x28..+0x3f8" and how many (JSON
 * keeps every word), and the offset column widens to the widest range.
 */
/* The words from @i that one line stands for: a run of alike ones, or just @i. */
static size_t run_at(const struct ms_pattern *p, size_t i)
{
	size_t run;

	for (run = 1; i + run < p->nr_words && alike_words(p, i, i + run); run++)
		;
	return run < FOLD_MIN ? 1 : run;
}

/* The offset column of the line for words @i..@i+@run-1: "+0x28" or "+0x28..+0x3f8". */
static void offset_text(const struct ms_pattern *p, size_t i, size_t run, char *buf, size_t len)
{
	if (run > 1)
		snprintf(buf, len, "+0x%x..+0x%x", p->words[i].offset, p->words[i + run - 1].offset);
	else
		snprintf(buf, len, "+0x%x", p->words[i].offset);
}

static void print_words(FILE *out, const struct ms_cluster *c)
{
	const struct ms_pattern *p = &c->pattern;
	char kind[32], meaning[400], off[40];
	size_t i, run;
	int width = 7;	/* "+0x" and four hex digits, or the widest folded range */

	for (i = 0; i < p->nr_words; i += run) {
		run = run_at(p, i);
		offset_text(p, i, run, off, sizeof(off));
		if ((int)strlen(off) > width)
			width = (int)strlen(off);
	}
	fprintf(out, "%-*s  CONSENSUS      AGREE  REPRESENTATIVE    MEANING\n", width, "OFFSET");
	for (i = 0; i < p->nr_words; i += run) {
		const struct ms_word *w = &p->words[i];

		run = run_at(p, i);
		if (w->kind == MS_TOK_SELF)
			snprintf(kind, sizeof(kind), "self+0x%" PRIx64, w->arg);
		else
			snprintf(kind, sizeof(kind), "%s", ms_token_kind_name(w->kind));
		ms_word_meaning(p->words, p->nr_words, i, meaning, sizeof(meaning));
		offset_text(p, i, run, off, sizeof(off));
		fprintf(out, "%-*s  %-12s %6.1f%%  %016" PRIx64 "  %s", width, off, kind,
			100 * w->agree, w->value, meaning);
		if (run > 1)
			fprintf(out, " (%zu words)", run);
		fprintf(out, "\n");
		if (w->target)
			print_target(out, w->target, 1);
	}
}

static void print_cluster_head(FILE *out, const struct ms_cluster *c, size_t rank)
{
	fprintf(out, "\nCLUSTER #%zu: %" PRIu64 " objects (%.2f%% of allocated), %" PRIu64
		     " bytes\n", rank, c->count, 100 * c->fraction, c->bytes);
	fprintf(out, "  %" PRIu64 " with its main pattern, %" PRIu64 " joined by similarity "
		     "(%u of the biggest patterns merged); largest group of identical "
		     "objects: %s%" PRIu64 "\n", c->own, c->similar, c->nr_patterns,
		c->largest_dup_exact ? "" : ">= ", c->largest_dup);
}

static void print_examples(FILE *out, const struct ms_cluster *c, unsigned want)
{
	size_t k, n = c->nr_examples < want ? c->nr_examples : want;

	fprintf(out, "\nEXAMPLES (spread over the cache; crash> rd -64 ADDR %u):\n",
		(c->pattern.object_size + 7) / 8);
	for (k = 0; k < n; k++) {
		/* Evenly spaced through the sorted sample, so they span the cache. */
		size_t at = c->nr_examples > n ? k * c->nr_examples / n : k;

		fprintf(out, "  %016" PRIx64 "%s", c->examples[at],
			k % 4 == 3 || k + 1 == n ? "\n" : "");
	}
}

static void print_dump_line(FILE *out, const uint8_t *bytes, uint32_t size, uint64_t addr,
			    uint32_t off)
{
	char ascii[17] = { 0 };
	uint32_t k, b;

	fprintf(out, "%016" PRIx64 ":  ", addr + off);
	for (k = 0; k < 2; k++) {
		uint32_t at = off + 8 * k, w = at < size ? (size - at < 8 ? size - at : 8) : 0;
		uint64_t v = 0;

		for (b = 0; b < w; b++)
			v |= (uint64_t)bytes[at + b] << (8 * b);
		if (w)
			fprintf(out, "%0*" PRIx64 "%*s ", (int)(2 * w), v, (int)(16 - 2 * w), "");
		else
			fprintf(out, "%16s ", "");
	}
	for (b = 0; b < 16 && off + b < size; b++) {
		uint8_t ch = bytes[off + b];

		ascii[b] = ch >= 0x20 && ch < 0x7f ? ch : '.';
	}
	fprintf(out, "  %s\n", ascii);
}

static void print_representative(FILE *out, const struct ms_cluster *c)
{
	uint32_t off, size = c->pattern.object_size;

	if (!c->rep_addr)
		return;
	fprintf(out, "\nREPRESENTATIVE %016" PRIx64 ":\n", c->rep_addr);
	for (off = 0; off < size; off += 16)
		print_dump_line(out, c->rep, size, c->rep_addr, off);
}

/* ---- sizes, owners, verdict ---- */

static void print_bars(FILE *out, const struct ms_report *rep)
{
	const struct ms_result *r = rep->result;
	size_t i, n = shown(rep);
	uint64_t max = 0;
	char bar[BAR_WIDTH + 1];

	for (i = 0; i < n; i++)
		if (r->clusters[i].count > max)
			max = r->clusters[i].count;
	if (!max)
		return;
	fprintf(out, "\nCLUSTER SIZES:\n");
	for (i = 0; i < n; i++) {
		uint64_t count = r->clusters[i].count;
		size_t len = (size_t)((count * BAR_WIDTH + max - 1) / max);

		memset(bar, '#', len);
		bar[len] = 0;
		fprintf(out, "%3zu %-5s |%-*s| %" PRIu64 "\n", i + 1,
			r->clusters[i].is_free ? "free" : "alloc", BAR_WIDTH, bar, count);
	}
}

/* "     crash> struct NAME ADDR [COUNT]" for guess @g (ms_owner_guess_command()). */
static void print_struct_command(FILE *out, const struct ms_owner_guess *g, uint64_t addr)
{
	char command[192];

	ms_owner_guess_command(g, addr, command, sizeof(command));
	fprintf(out, "     crash> %s\n", command);
}

/* ", confidence 96%", or ", low confidence 12%" under MS_OWNER_LOW_CONFIDENCE (owner.h). */
static const char *confidence_text(const struct ms_owner_guess *g, char *buf, size_t len)
{
	double pct = 100 * g->confidence;

	snprintf(buf, len, ", %s %.*f%%",
		 g->confidence < MS_OWNER_LOW_CONFIDENCE ? "low confidence" : "confidence",
		 pct > 0 && pct < 1 ? 1 : 0, pct);
	return buf;
}

static void print_guess(FILE *out, const struct ms_owner_guess *g, size_t rank, uint64_t addr)
{
	int module = g->origin[0] && strcmp(g->origin, "vmlinux");
	char conf[48];
	size_t k;

	fprintf(out, "%3zu. %s (%s), %u bytes, score %.2f, margin %.2f%s\n", rank, g->type_name,
		g->origin[0] ? g->origin : "vmlinux", g->size, g->score, g->margin,
		confidence_text(g, conf, sizeof(conf)));
	for (k = 0; k < g->nr_evidence && k < MS_OWNER_MAX_EVIDENCE; k++)
		fprintf(out, "       %s\n", g->evidence[k]);
	if (module)
		fprintf(out, "     crash> mod -s %s\n", g->origin);
	print_struct_command(out, g, addr);
}

static void print_owners(FILE *out, const struct ms_report *rep, const struct ms_cluster *d,
			 size_t rank)
{
	size_t i;

	if (!rep->nr_guesses || !rep->guesses) {
		fprintf(out, "\nOWNER GUESSES: none: %s\n",
			rep->owner_note ? rep->owner_note : "no struct types were ranked");
		return;
	}
	fprintf(out, "\nOWNER GUESSES for cluster #%zu:\n", rank);
	for (i = 0; i < rep->nr_guesses; i++)
		print_guess(out, &rep->guesses[i], i + 1, d->rep_addr);
	if (rep->owner_note)
		fprintf(out, "  %s\n", rep->owner_note);
}

/* The evidence line that tells most: the allocation site's, else the first word's. */
static const char *telling_evidence(const struct ms_owner_guess *g)
{
	size_t k;

	if (g->hinted)
		return g->evidence[0];
	for (k = 0; k < g->nr_evidence && k < MS_OWNER_MAX_EVIDENCE; k++)
		if (g->evidence[k][0] == '+')
			return g->evidence[k];
	return g->evidence[0];
}

/*
 * The other listed clusters' best guesses, a line each with the evidence that weighed most
 * (memsim -j has every guess of every listed cluster).
 */
static void print_other_owners(FILE *out, const struct ms_report *rep, const struct ms_cluster *d)
{
	const struct ms_result *r = rep->result;
	size_t i, n = shown(rep), header = 0;
	char conf[48];

	for (i = 0; rep->owners && i < n && i < rep->nr_owners; i++) {
		const struct ms_cluster_owner *o = &rep->owners[i];
		const struct ms_owner_guess *g = o->guesses;

		if (!o->ranked || &r->clusters[i] == d)
			continue;
		if (!header++)
			fprintf(out, "\nOWNER GUESSES for the other listed clusters (the best of each; "
				     "memsim -j has them all):\n");
		if (!o->nr_guesses) {
			fprintf(out, "  #%-3zu none: %s\n", i + 1, o->note[0] ? o->note : "no struct "
				"types were ranked");
			continue;
		}
		fprintf(out, "  #%-3zu %s (%s), %u bytes, score %.2f, margin %.2f%s%s\n", i + 1,
			g->type_name, g->origin[0] ? g->origin : "vmlinux", g->size, g->score,
			g->margin, confidence_text(g, conf, sizeof(conf)),
			g->margin < 0.25 ? " (ambiguous)" : "");
		if (g->nr_evidence)
			fprintf(out, "         %s\n", telling_evidence(g));
	}
}

static void print_dominant(FILE *out, const struct ms_report *rep)
{
	const struct ms_result *r = rep->result;
	const struct ms_cluster *d = ms_result_dominant(r);
	size_t rank;

	if (!d)
		return;
	rank = d - r->clusters + 1;
	print_cluster_head(out, d, rank);
	print_words(out, d);
	print_examples(out, d, rep->nr_examples ? rep->nr_examples : MS_REPORT_DEFAULT_EXAMPLES);
	print_representative(out, d);
	print_owners(out, rep, d, rank);
	print_other_owners(out, rep, d);
}

static void print_follow_notes(FILE *out, const struct ms_follow_budget *b)
{
	if (!b || (!b->reads_failed && !b->not_followed))
		return;
	fprintf(out, "\nPOINTERS FOLLOWED: ");
	if (b->reads_failed)
		fprintf(out, "%" PRIu64 " reads failed (those pointers or targets left out)%s",
			b->reads_failed, b->not_followed ? "; " : "");
	if (b->not_followed)
		fprintf(out, "%" PRIu64 " pointer words not followed: the trees reached their cap "
			     "of %zu MiB", b->not_followed, b->bytes_max >> 20);
	fprintf(out, "\n");
}

int ms_report_text(const struct ms_report *rep, FILE *out)
{
	if (rep->summary) {
		print_cache_line(out, rep->summary);
		print_cache_notes(out, rep->summary);
	}
	if (rep->result) {
		print_totals(out, rep);
		print_cluster_table(out, rep);
		print_dominant(out, rep);
		print_bars(out, rep);
		print_follow_notes(out, rep->follow);
	}
	ms_report_tracks_text(rep, out);
	if (rep->result) {
		const struct ms_cluster *d = ms_result_dominant(rep->result);
		char tracks[400] = "";

		if (d && rep->tracks)
			ms_tracks_verdict(rep, (size_t)(d - rep->result->clusters), tracks,
					  sizeof(tracks));
		fprintf(out, "\nVERDICT: %s%s%s\n", rep->result->verdict_line,
			tracks[0] ? "; SLUB's tracks: " : "", tracks);
	}
	return ferror(out) ? -1 : 0;
}

/* ---- the brief form, for memsim -a's suspects ---- */

/* A word worth a line in the brief: typed evidence, or a pointer into another cache. */
static int brief_word(const struct ms_word *w)
{
	switch (w->kind) {
	case MS_TOK_KTEXT:
	case MS_TOK_KDATA:
	case MS_TOK_SELF:
	case MS_TOK_LIST_POISON:
	case MS_TOK_ASCII:
	case MS_TOK_SLAB:
		return w->agree >= 0.5;
	default:
		return 0;
	}
}

#define BRIEF_WORDS 6

int ms_report_brief(const struct ms_report *rep, size_t rank, FILE *out)
{
	const struct ms_cache_summary *s = rep->summary;
	const struct ms_result *r = rep->result;
	const struct ms_cluster *d = r ? ms_result_dominant(r) : NULL;
	char meaning[400];
	size_t i, shown = 0;

	if (!s || !r)
		return -1;
	fprintf(out, "\nSUSPECT %zu: %s (%016" PRIx64 "), %" PRIu64 " of %" PRIu64
		     " objects allocated\n", rank, s->name, s->cache_addr, s->allocated, s->total);
	print_cache_notes(out, s);	/* the merged caches' names too */
	if (d) {
		fprintf(out, "  CLUSTER #%zu: %" PRIu64 " objects (%.2f%% of allocated), %" PRIu64
			     " bytes, %u of the biggest patterns merged\n",
			(size_t)(d - r->clusters) + 1, d->count, 100 * d->fraction, d->bytes,
			d->nr_patterns);
		for (i = 0; i < d->pattern.nr_words && shown < BRIEF_WORDS; i++) {
			const struct ms_word *w = &d->pattern.words[i];

			if (!brief_word(w))
				continue;
			ms_word_meaning(d->pattern.words, d->pattern.nr_words, i, meaning,
					sizeof(meaning));
			fprintf(out, "    +0x%-4x %-11s %5.1f%%  %s\n", w->offset,
				ms_token_kind_name(w->kind), 100 * w->agree, meaning);
			shown++;
		}
		if (!shown) {
			ms_pattern_kinds(&d->pattern, meaning, sizeof(meaning));
			fprintf(out, "    words: %s\n", meaning);
		}
		if (rep->nr_guesses && rep->guesses) {
			const struct ms_owner_guess *g = &rep->guesses[0];

			char conf[48];

			fprintf(out, "  OWNER: %s (%s), %u bytes, score %.2f, margin %.2f%s%s\n",
				g->type_name, g->origin[0] ? g->origin : "vmlinux", g->size,
				g->score, g->margin, confidence_text(g, conf, sizeof(conf)),
				rep->nr_guesses > 1 ? "" : " (the only guess)");
			print_struct_command(out, g, d->rep_addr);
		} else {
			fprintf(out, "  OWNER: none: %s\n",
				rep->owner_note && rep->owner_note[0] ? rep->owner_note :
				"no struct types were ranked");
		}
	}
	fprintf(out, "  VERDICT: %s\n", r->verdict_line);
	fprintf(out, "  full report: crash> memsim %s\n", s->name);
	return ferror(out) ? -1 : 0;
}
