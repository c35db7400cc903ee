/*
 * report.h - the text report, in crash's style.
 *
 * What a crash user reads after a scan: the cache line as `kmem -s` prints it, with notes on
 * whatever could not be seen; the biggest clusters; for the dominant cluster the per-offset
 * table, addresses to `rd`, a hex and ASCII dump of its representative, the owner guesses
 * with a ready-to-run `struct NAME ADDR`; a bar chart of cluster sizes; one verdict line.
 * Fixed-width columns, full 16-digit hex addresses.  The library writes only into the FILE *
 * it is handed (crash's fp, or a memstream in tests).
 */
#ifndef MEMSIM_REPORT_H
#define MEMSIM_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "engine.h"
#include "owner.h"
#include "resolve.h"
#include "slubdebug.h"
#include "summary.h"
#include "tracks.h"

#define MS_REPORT_DEFAULT_EXAMPLES 8

/* Everything one report shows; every pointer may be NULL (that part is left out). */
/* The owner guesses of one listed cluster (ms_owner_rank_hinted()). */
struct ms_cluster_owner {
	int ranked;			/* 0: not asked (the report says nothing of it) */
	size_t nr_guesses;
	struct ms_owner_guess guesses[MS_OWNER_MAX_GUESSES];
	char note[800];			/* why there are none, or a remark on them */
};

struct ms_report {
	const struct ms_cache_summary *summary;	/* the walk: cache line and notes */
	const struct ms_result *result;		/* the clusters (NULL: summary only) */
	const struct ms_owner_guess *guesses;	/* for the dominant allocated cluster */
	size_t nr_guesses;
	const char *owner_note;		/* why there are no guesses, or a remark on them */
	/* every listed cluster's guesses, by cluster index (NULL: the dominant one's only) */
	const struct ms_cluster_owner *owners;
	size_t nr_owners;
	unsigned top_n;			/* clusters to list (0: all the result kept) */
	unsigned nr_examples;		/* example addresses shown (0: the default, 8) */
	const struct ms_follow_budget *follow;	/* what pointer following cost and missed */
	/* slub_debug caches (all NULL otherwise): */
	const struct ms_tracks *tracks;		/* SLUB's tracks per kept cluster (U) */
	const struct ms_debug_findings *debug;	/* red zone and poison checks (Z, P) */
	const char *debug_flags;		/* the cache's debug flags, "U", "FZPU" */
	const char *debug_note;			/* what could not be read, or NULL */
	uint64_t stacks_failed;			/* depot stacks that could not be read */
	const char *hz_source;			/* where the tracks' HZ was found, or NULL */
	uint32_t orig_size_bytes;		/* orig_size's width as checked (4, 8), 0: none */
	const struct ms_env *env;		/* names the tracks' addresses (symbol) */
};

/*
 * The slub_debug sections of the text report: per listed cluster, who allocated (and for a
 * free cluster who freed) its objects, how long ago, in which tasks, with the commonest
 * stack; then the red zone and poison damage found.  Nothing when @r has neither.
 */
void ms_report_tracks_text(const struct ms_report *r, FILE *out);

/*
 * One sentence on cluster @cluster's allocation tracks for the verdict ("all 60000 allocated
 * by f+0x1f [mod] over 7.3 s, the oldest 7.4 s before the dump"), into @buf; "" when the
 * cluster has no tracks.
 */
void ms_tracks_verdict(const struct ms_report *r, size_t cluster, char *buf, size_t len);

/* Format the address @addr as crash does: "sym+0xoff [mod]", or the hex address. */
void ms_report_symbol(const struct ms_env *env, uint64_t addr, char *buf, size_t len);

/* Write the text report of @r to @out.  Returns 0, or -1 when writing failed. */
int ms_report_text(const struct ms_report *r, FILE *out);

/*
 * The brief form of @r for memsim -a's suspect number @rank: the cache, its notes, the
 * dominant cluster with its telling words (text and data pointers, self pointers, list
 * poison, text, pointers into other caches), the best owner guess with its `struct` command,
 * the verdict, and the command for the full report.  Needs summary and result.
 */
int ms_report_brief(const struct ms_report *r, size_t rank, FILE *out);

/*
 * One line for a human about word @w of a cluster: resolution's meaning when it filled one
 * (with the symbol), else one derived from the consensus ("self-pointer to +0x8 (empty
 * list_head?)", "function pointer", "varies: bits 0x1fff, 0..4999").  @words and @nr give
 * the neighbouring words, for the patterns that span two (a list_head).
 */
void ms_word_meaning(const struct ms_word *words, size_t nr, size_t i, char *buf, size_t len);

/* The consensus kinds of @p in one line: "self+0x0 self+0x0 ktext small". */
void ms_pattern_kinds(const struct ms_pattern *p, char *buf, size_t len);

#endif
