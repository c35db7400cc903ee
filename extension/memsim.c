/*
 * memsim.c - the `memsim` command: registration, options, help, and the run of one scan.
 *
 * `extend memsim.so` registers the command; `memsim CACHE` walks every slab of CACHE,
 * hands the objects to the analysis library and prints its report.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "defs.h"

#include "adapter.h"
#include "debuginfo.h"
#include "engine.h"
#include "held.h"
#include "memsim_cmd.h"
#include "resolve.h"

static struct slub_layout layout;	/* discovered once per session */
static volatile int stop_requested;

/*
 * Ctrl-C during a scan is memsim's: crash's own handler, restart(), longjmps back to the
 * prompt on the first SIGINT, which would leave the walk, the counting thread and every
 * buffer behind and print nothing; there is no flag to poll instead (crash's _SIGINT_ is
 * set only on the way to that longjmp).  So a scan installs on_sigint and puts back the
 * handler it found.  crash re-installs restart() after every request it makes of gdb
 * (gdb_interface(), behind MEMBER_OFFSET and datatype_info), so the scan re-asserts its own
 * between its steps and before every chunk of the walk (scan_keep_sigint).  The handler it
 * found is kept here, not on the stack: when crash ends the command early (error(FATAL)
 * longjmps to its prompt), memsim_recover() restores it.
 */
static struct sigaction crash_sigint, memsim_sigint;
static int sigint_ours;

/* What the last recovery gave back, for the next -t. */
static struct {
	size_t released;
	int sigint;
	char what[400];
} recovered;

static void on_sigint(int sig)
{
	stop_requested = 1;
}

static void take_sigint(void)
{
	memset(&memsim_sigint, 0, sizeof(memsim_sigint));
	memsim_sigint.sa_handler = on_sigint;
	sigemptyset(&memsim_sigint.sa_mask);
	if (sigaction(SIGINT, &memsim_sigint, &crash_sigint) == 0)
		sigint_ours = 1;
}

void scan_keep_sigint(void)
{
	struct sigaction cur;

	if (sigint_ours && sigaction(SIGINT, NULL, &cur) == 0 && cur.sa_handler != on_sigint)
		sigaction(SIGINT, &memsim_sigint, NULL);
}

static void give_back_sigint(void)
{
	if (!sigint_ours)
		return;
	sigaction(SIGINT, &crash_sigint, NULL);
	sigint_ours = 0;
}

/*
 * After a memsim command crash ended early: SIGINT back to crash's handler, and everything
 * the command held released (held.h), the counting thread joined.  A no-op otherwise, so
 * cheap enough for every prompt.  Prints nothing: crash may be in its restore_sanity(), with
 * the command's output pipe already closed; the next memsim -t says what was done.
 */
static void memsim_recover(void)
{
	size_t n;

	if (!sigint_ours && !held_count())
		return;
	if (sigint_ours) {
		give_back_sigint();
		recovered.sigint = 1;
	}
	n = held_release_all(recovered.what, sizeof(recovered.what));
	recovered.released += n;
}

/* CLEANUP entry: crash's restore_sanity() calls it before every prompt. */
static void cmd_memsim_cleanup(void)
{
	memsim_recover();
}

/* -t: what an earlier command left and was given back; once. */
static void print_recovery(void)
{
	if (!recovered.released && !recovered.sigint) {
		fprintf(fp, "recovery: nothing left over by an earlier memsim command\n");
		return;
	}
	fprintf(fp, "recovery: an earlier memsim command was ended by a crash error; given back "
		    "at the next prompt: %zu held (%s)%s\n", recovered.released,
		recovered.what[0] ? recovered.what : "none",
		recovered.sigint ? "; crash's SIGINT handler restored" : "");
	memset(&recovered, 0, sizeof(recovered));
}


/*
 * The numeric options, their values' names and ranges (help memsim and docs/memsim.md say
 * the same).  -S has no upper bound: more slabs than the cache has reads every slab.
 */
static const struct numeric_option {
	char c;
	const char *value;
	uint64_t min, max;
} numeric_options[] = {
	{ 'S', "slabs", 1, UINT64_MAX },
	{ 'n', "top", 1, MS_ENGINE_MAX_TOP_N },
	{ 'm', "MiB", 1, 1UL << 20 },	/* 1 TiB; the tables stop growing long before */
	{ 'd', "depth", 0, MS_FOLLOW_MAX_DEPTH },
};

#define SYNOPSIS_LINE "memsim [-bfjlst] [-S slabs] [-n top] [-m MiB] [-d depth] cache | -a | -i | -V"

static const struct numeric_option *numeric_option(int c)
{
	size_t i;

	for (i = 0; i < sizeof(numeric_options) / sizeof(numeric_options[0]); i++)
		if (numeric_options[i].c == c)
			return &numeric_options[i];
	return NULL;
}

/* "between 1 and 64", or "at least 1" when there is no upper bound. */
static const char *range_text(const struct numeric_option *o, char *buf, size_t len)
{
	if (o->max == UINT64_MAX)
		snprintf(buf, len, "at least %llu", (unsigned long long)o->min);
	else
		snprintf(buf, len, "between %llu and %llu", (unsigned long long)o->min,
			 (unsigned long long)o->max);
	return buf;
}

/*
 * The value of numeric option @o: decimal digits only (no sign, space, hex or suffix), in
 * its range; otherwise one line saying the range, and 0.  (crash's stol() would take "abc"
 * as hex 0xabc and "10x" as 0x10, silently.)
 */
static int parse_count(const struct numeric_option *o, const char *arg, uint64_t *out)
{
	const char *p = arg;
	uint64_t v = 0;
	int overflow = 0;
	char range[64];

	range_text(o, range, sizeof(range));
	if (strpbrk(arg, " \t")) {	/* -n " 5": quoted, so the space shows */
		error(INFO, "-%c \"%s\": not a decimal number (-%c %s, %s)\n", o->c, arg, o->c,
		      o->value, range);
		return 0;
	}
	if (*p == '-' && p[1] >= '0' && p[1] <= '9' && strspn(p + 1, "0123456789") ==
	    strlen(p + 1)) {	/* -1: a number, but out of range */
		error(INFO, "-%c %s: %s\n", o->c, arg, range);
		return 0;
	}
	if (!*p) {
		error(INFO, "-%c: empty value: -%c %s, %s\n", o->c, o->c, o->value, range);
		return 0;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = *p - '0';

		if (v > (UINT64_MAX - d) / 10)
			overflow = 1;
		else
			v = v * 10 + d;
	}
	if (*p) {
		error(INFO, "-%c %s: not a decimal number (-%c %s, %s)\n", o->c, arg, o->c,
		      o->value, range);
		return 0;
	}
	if (overflow || v < o->min || v > o->max) {
		error(INFO, "-%c %s: %s\n", o->c, arg, range);
		return 0;
	}
	*out = v;
	return 1;
}

/*
 * The word of args that holds the unknown option byte @c, for a message that shows what was
 * typed: "--foo" (getopt sees '-'), or a byte of a UTF-8 letter.
 */
static const char *option_word(int c)
{
	int i;

	for (i = 1; i < argcnt; i++) {
		if (!strcmp(args[i], "--"))
			break;
		if (args[i][0] != '-')
			continue;
		if (c == '-' ? args[i][1] == '-' : strchr(args[i] + 1, c) != NULL)
			return args[i];
	}
	return "?";
}

/* Where the value of numeric option @c goes. */
static uint64_t *numeric_target(struct memsim_options *opt, int c)
{
	switch (c) {
	case 'S':
		return &opt->walk.sample;
	case 'n':
		return &opt->top;
	case 'm':
		return &opt->mem_mib;
	default:
		return &opt->depth;
	}
}

/* -a and -i look at the whole dump: no cache, and only the options in @allowed. */
static int whole_dump_options(char mode, const char *seen, const char *allowed,
			      const char *takes)
{
	const char *r;

	for (r = seen; *r; r++)
		if (!strchr(allowed, *r)) {
			error(INFO, "-%c: not with -%c (-%c takes %s)\n", *r, mode, mode, takes);
			return 0;
		}
	if (args[optind]) {
		error(INFO, "-%c: takes no cache (%s given)\n", mode, args[optind]);
		return 0;
	}
	return 1;
}

/* Parse args into @opt; on any mistake print one line and return 0 (nothing is scanned). */
static int parse_options(struct memsim_options *opt)
{
	char seen[32] = "", mode = 0;	/* the options given; the first of -b/-l/-s */
	const struct numeric_option *o;
	int c, saved_opterr = opterr, ok = 1;
	const char *r;
	char range[64];

	opterr = 0;	/* getopt's own messages come with the usage: ours are one line */
	while (ok && (c = getopt(argcnt, args, ":abfijlstVS:n:m:d:")) != EOF) {
		switch (c) {
		case 'a':
			opt->all_caches = 1;
			break;
		case 'i':
			opt->meminfo = 1;
			break;
		case 'V':
			opt->version = 1;
			break;
		case 'f':
			opt->include_free = 1;
			break;
		case 'j':
			opt->json = 1;
			break;
		case 's':
			opt->summary_only = 1;
			break;
		case 't':
			opt->timing = 1;
			break;
		case 'b':
			opt->walk.read_only = 1;
			opt->summary_only = opt->timing = 1;
			break;
		case 'l':
			opt->walk.list_slabs = 1;
			opt->summary_only = 1;
			break;
		case 'S':
		case 'n':
		case 'm':
		case 'd':
			o = numeric_option(c);
			if (strchr(seen, c)) {	/* "-n 3 -n 5" is a slip, not a choice of 5 */
				error(INFO, "-%c given twice\n", c);
				ok = 0;
			} else {
				ok = parse_count(o, optarg, numeric_target(opt, c));
			}
			break;
		case ':':
			o = numeric_option(optopt);
			if (o)
				error(INFO, "-%c needs a value: -%c %s, %s\n", optopt, optopt,
				      o->value, range_text(o, range, sizeof(range)));
			else
				error(INFO, "-%c needs a value (%s)\n", optopt, SYNOPSIS_LINE);
			ok = 0;
			break;
		default:
			if (optopt > ' ' && optopt < 0x7f && optopt != '-')
				error(INFO, "-%c: no such option (%s)\n", optopt, SYNOPSIS_LINE);
			else
				error(INFO, "%s: no such option (%s)\n", option_word(optopt),
				      SYNOPSIS_LINE);
			ok = 0;
			break;
		}
		if (ok && strchr("abilsV", c) && !mode)
			mode = c;
		else if (ok && strchr("abilsV", c) && mode != c &&
			 (strchr("aiV", c) || strchr("aiV", mode))) {
			error(INFO, "-%c and -%c: one at a time\n", mode, c);
			ok = 0;
		}
		if (ok && !strchr(seen, c) && strlen(seen) + 1 < sizeof(seen))
			seen[strlen(seen)] = c;
	}
	opterr = saved_opterr;
	if (!ok)
		return 0;
	opt->top_given = strchr(seen, 'n') != NULL;
	if (mode == 'V') {
		if (strlen(seen) > 1 || args[optind]) {
			error(INFO, "-V: alone (it prints the version and scans nothing)\n");
			return 0;
		}
		return 1;
	}
	/* -n (suspects for -a, vmalloc callers for -i); -m and -d shape -a's suspects. */
	if (mode == 'i')
		return whole_dump_options(mode, seen, "ijtn", "-j, -t and -n vmalloc callers");
	if (mode == 'a')
		return whole_dump_options(mode, seen, "ajtnmd", "-j, -t, -n suspects, -m and -d");
	/* -b, -l and -s print no clustering report: an option that shapes it is a slip. */
	for (r = "fjnmd"; mode && *r; r++)
		if (strchr(seen, *r)) {
			error(INFO, "-%c: only for the clustering report, which -%c does not print\n",
			      *r, mode);
			return 0;
		}
	if (opt->walk.read_only && opt->walk.list_slabs) {
		error(INFO, "-l: -b decodes no slab, so there is nothing to list\n");
		return 0;
	}
	if (!args[optind]) {
		error(INFO, "no cache named: try \"memsim kmalloc-32\" (\"kmem -s\" lists caches)\n");
		return 0;
	}
	if (args[optind + 1]) {
		error(INFO, "one cache at a time: %s and %s\n", args[optind], args[optind + 1]);
		return 0;
	}
	opt->cache = args[optind];
	return 1;
}

void cmd_memsim(void)
{
	struct memsim_options opt = { .top = 5, .mem_mib = 256, .depth = MS_FOLLOW_DEFAULT_DEPTH };

	memsim_recover();	/* a crash without CLEANUP support: here at the latest */
	if (!parse_options(&opt))
		return;
	if (opt.version) {
		fprintf(fp, "memsim %s\n", MEMSIM_VERSION);
		return;
	}
	if (!slub_layout_init(&layout))
		return;
	opt.walk.progress = isatty(STDERR_FILENO) && (pc->flags & TTY);
	opt.walk.live_retries = ACTIVE() ? 3 : 0;
	if (opt.timing)
		print_recovery();

	stop_requested = 0;
	take_sigint();
	if (opt.meminfo)
		memsim_meminfo(&layout, &opt, &stop_requested);
	else if (opt.all_caches)
		memsim_triage(&layout, &opt, &stop_requested);
	else
		memsim_run(&layout, &opt, &stop_requested);
	give_back_sigint();
}

static char *help_memsim[] = {
	"memsim",
	"find what fills a slab cache: the dominant object pattern and its owner",
	"[-bfjlst] [-S slabs] [-n top] [-m MiB] [-d depth] cache | -a | -i | -V",
	"  Walks every slab of a SLUB cache (full slabs too, which \"kmem -S\" cannot",
	"  list), separates allocated from free objects exactly, clusters the allocated",
	"  objects by content, and reports the dominant pattern: its share of the cache,",
	"  a per-offset table of what every word holds, resolved symbols, pointers",
	"  followed into the objects they reach, and a ranked guess of the owner struct.",
	"",
	"       cache  the name of a slab cache, as \"kmem -s\" shows it (kmalloc-32).",
	"          -a  every slab cache, each struct page and slab read once: a table",
	"              ranked by suspicion (MiB held by the biggest pattern; a quarter",
	"              for a dedicated cache, half without typed words, half for a",
	"              reclaimable cache) with each cache's dominant share and a line",
	"              on its pattern; then the top suspects (-n N, default 3) scanned",
	"              in full and shown in brief: cluster, owner guess, verdict, and",
	"              the memsim CACHE command for the full report.  Takes -j, -t,",
	"              -n, -m and -d (the last two for the suspects' scans).",
	"          -i  where the memory went: the kernel's counters (MemTotal, MemFree,",
	"              file pages, shmem, anon, slab reclaimable and unreclaimable,",
	"              kernel stacks, page tables, vmalloc, per-cpu, hugetlb) beside",
	"              what the memory map holds (every struct page classified by its",
	"              flags, type and mapping), vmalloc grouped by caller from the",
	"              vmap_area lists, the biggest slab caches, and unaccounted: pages",
	"              in use that no row explains (where an alloc_pages() leak lands),",
	"              grouped by shape with an example page.  A verdict names the",
	"              largest consumer and the command to run next.  Takes -j, -t and",
	"              -n (vmalloc callers shown, default 10).",
	"          -V  print this build's version: memsim " MEMSIM_VERSION ".",
	"          -s  summary only: walk and count, no clustering.",
	"          -l  list every slab walked (address, memory, objects, allocated, free,",
	"              whose active slab it is), then the summary; full slabs included.",
	"          -f  also cluster the free objects, as their own class (stale contents",
	"              of freed objects survive inside them).",
	"  -S slabs    read only this many slabs (at least 1), spread evenly over the",
	"              cache; counts are then estimates and say so.  More slabs than",
	"              the cache has: every slab.",
	"  -n top      how many clusters to list: 1 to 64 (default 5).",
	"  -m MiB      memory cap for the clustering state: 1 to 1048576 (default 256);",
	"              a cap too small for the cache's objects is refused (kmalloc-32",
	"              needs 2).",
	"  -d depth    how deep to follow pointers into the objects they reach, and",
	"              score the pointed-to structs in the owner guess: 0 to 4",
	"              (default 2; 0: do not follow).",
	"          -j  print the report as JSON (schema: docs/json-schema.md).",
	"          -t  time the walk (slabs, objects, MB read, objects/s, MB/s), the",
	"              analysis end to end (every walk and the clustering; objects/s",
	"              over one walk's objects; how busy the counting thread was and how",
	"              long the walk waited for it) and the owner guess; also the per-cpu",
	"              areas pointers are classified against (the used part of each unit);",
	"              and whether an earlier memsim command that crash ended (a crash",
	"              error) left anything, given back at the next prompt (recovery:).",
	"          -b  benchmark floor: scan the memory map and read exactly the same",
	"              slab pages, decode and analyse nothing; prints the -t line.",
	"",
	"  Numbers are decimal.  -f, -j, -n, -m and -d shape the clustering report, so",
	"  they do not go with -s, -l or -b (which print none); nor does -l with -b.",
	"  Each option is given once.  A mistake in the options is one line, and",
	"  nothing is scanned.",
	"",
	"  Load module symbols first (\"mod -S\" or \"mod -s NAME PATH\") so pointers into",
	"  modules resolve and the owner guess can use the modules' debuginfo.",
	"  The owner guess ranks every struct whose size lands in the cache against",
	"  the dominant pattern, word by word (function pointers, pointers to typed",
	"  globals, pointers into other caches and what those objects hold, lists,",
	"  integers, text), and prints the best five with the evidence that decided;",
	"  every other listed cluster (-n) gets its best guess in a line (JSON: all five",
	"  for each cluster).  A header with data after it (kmalloc(sizeof(*h) + len))",
	"  is found by the member that holds each object's data length, read from up to",
	"  64 example objects (\"+0x18 m_ts holds the length of the 148..152 bytes of",
	"  text that follow the header at +0x30\"); objects that repeat a smaller",
	"  struct are guessed as arrays (\"struct pipe_buffer[16]\").",
	"  Each guess states its confidence, the probability that it is right: its",
	"  share of every candidate's score (exp(score / 0.7), normalised) times a",
	"  ceiling for its kind of evidence (allocator's record 99%, typed words 97%,",
	"  one typed word or a length member 90%, else 75%); under 50% it reads",
	"  \"low confidence\" (docs/CALIBRATION.md).",
	"  The vmlinux's struct index is built once (about a second) and cached under",
	"  $MEMSIM_CACHE/dwarf or ~/.cache/memsim/dwarf.",
	"  Ctrl-C stops a long walk; the report then covers the slabs walked so far.",
	"",
	"  On a cache booted with slub_debug (U, Z, P) the report walks the cache once",
	"  more: with U (SLAB_STORE_USER) it gives each listed cluster SLUB's own",
	"  record: the call sites that allocated its objects (sym+0xoff [mod]), their",
	"  ages (HZ from the jiffies clocksource), pids, cpus, the size asked for, and",
	"  the commonest stacks (inline frames, or the stack depot from 5.17); with -f",
	"  who freed the free objects.  With Z or P every object's red zones, poison",
	"  and padding are checked as the kernel would (\"SLUB DEBUG CHECKS\").",
	"  The owner guess then also weighs the allocating function: the struct pointer",
	"  types it returns or keeps in locals or parameters (\"allocated at SITE,",
	"  where FN has local 'p' of type struct T *\").",
	"",
	"  This is memsim " MEMSIM_VERSION ".",
	"",
	"EXAMPLES",
	"  Count the slabs and objects of kmalloc-32, every slab walked:",
	"",
	"    crash> memsim -s kmalloc-32",
	"    CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME",
	"    ffff888003041400       32     101939    102784    803     4k  kmalloc-32",
	"",
	"  Where the memory went, before any cache is named:",
	"",
	"    crash> memsim -i",
	"    MEMORY: 469.8M in MemTotal; memory map: 131039 struct pages walked, 0 unreadable",
	"    ROW                       BYTES        MAP    COUNTER  NOTE",
	"    MemTotal                 469.8M     469.8M     469.8M  totalram_pages",
	"    ...",
	"    Unaccounted               65.9M      65.9M          -  in use, in no row: ...",
	"    ...",
	"    VERDICT: largest kernel consumer: 65.9M in use that no counter explains ...",
	"    NEXT: kmem 0xfffffbf7c019ec80; search -k 0xfffffbf7c019ec80 (who holds it)",
	"",
	"  Which cache to look at first, and what is in it:",
	"",
	"    crash> memsim -a",
	"    SLAB CACHES: 153, 2938 slabs, 16.8M (reclaimable 8.8M, unreclaimable 8.0M); ...",
	"    RANK  CACHE             NAME        OBJSIZE  ALLOCATED ...  SCORE  PATTERN",
	"       1  ffff8af941042400  kmalloc-32       32     100509 ...   2.77  &fn_entry_callback [memsim_leak] +0x0, empty list +0x8",
	"    ...",
	"    SUSPECT 1: kmalloc-32 (ffff8af941042400), 100509 of 100736 objects allocated",
	"    ...",
	"      full report: crash> memsim kmalloc-32",
	NULL
};

/*
 * The second entry is no command: CLEANUP makes crash call it from restore_sanity() before
 * every prompt, also after an error(FATAL) ended memsim (help does not list it; typed, it
 * only runs the recovery, a no-op when nothing is left).
 */
static struct command_table_entry command_table[] = {
	{ "memsim", cmd_memsim, help_memsim, 0 },
	{ "memsim_cleanup", cmd_memsim_cleanup, NULL, CLEANUP },
	{ NULL },
};

void __attribute__((constructor)) memsim_init(void)
{
	register_extension(command_table);
}

void __attribute__((destructor)) memsim_fini(void)
{
	memsim_recover();
	debuginfo_unload();
}
