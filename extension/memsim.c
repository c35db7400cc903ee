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
#include "memsim_cmd.h"
#include "resolve.h"

static struct slub_layout layout;	/* discovered once per session */
static volatile int stop_requested;

static void on_sigint(int sig)
{
	stop_requested = 1;
}


static int parse_number(const char *arg, const char *what, uint64_t *out)
{
	int err = 0;
	ulong v = stol((char *)arg, RETURN_ON_ERROR | QUIET, &err);

	if (err) {
		error(INFO, "%s: not a number: %s\n", what, arg);
		return 0;
	}
	*out = v;
	return 1;
}

void cmd_memsim(void)
{
	struct memsim_options opt = { .top = 5, .mem_mib = 256, .depth = MS_FOLLOW_DEFAULT_DEPTH };
	struct sigaction sa, old;
	int c;

	while ((c = getopt(argcnt, args, "bfjlstS:n:m:d:")) != EOF) {
		switch (c) {
		case 'f':
			opt.include_free = 1;
			break;
		case 'j':
			opt.json = 1;
			break;
		case 's':
			opt.summary_only = 1;
			break;
		case 't':
			opt.timing = 1;
			break;
		case 'b':
			opt.walk.read_only = 1;
			opt.summary_only = opt.timing = 1;
			break;
		case 'l':
			opt.walk.list_slabs = 1;
			opt.summary_only = 1;
			break;
		case 'S':
			if (!parse_number(optarg, "-S", &opt.walk.sample))
				return;
			break;
		case 'n':
			if (!parse_number(optarg, "-n", &opt.top))
				return;
			break;
		case 'm':
			if (!parse_number(optarg, "-m", &opt.mem_mib))
				return;
			break;
		case 'd':
			if (!parse_number(optarg, "-d", &opt.depth))
				return;
			if (opt.depth > MS_FOLLOW_MAX_DEPTH) {
				error(INFO, "-d %lu: pointers are followed at most %d deep\n",
				      (ulong)opt.depth, MS_FOLLOW_MAX_DEPTH);
				return;
			}
			break;
		default:
			argerrs++;
			break;
		}
	}
	if (argerrs || !args[optind]) {
		if (!args[optind] && !argerrs)
			error(INFO, "no cache named: try \"memsim kmalloc-32\" (\"kmem -s\" lists caches)\n");
		cmd_usage(pc->curcmd, SYNOPSIS);
		return;
	}
	if (args[optind + 1]) {
		error(INFO, "one cache at a time: %s\n", args[optind + 1]);
		return;
	}
	if (!slub_layout_init(&layout))
		return;
	opt.cache = args[optind];
	opt.walk.progress = isatty(STDERR_FILENO) && (pc->flags & TTY);
	opt.walk.live_retries = ACTIVE() ? 3 : 0;

	stop_requested = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	memsim_run(&layout, &opt, &stop_requested);
	sigaction(SIGINT, &old, NULL);
}

static char *help_memsim[] = {
	"memsim",
	"find what fills a slab cache: the dominant object pattern and its owner",
	"[-bfjlst] [-S slabs] [-n top] [-m MiB] [-d depth] cache",
	"  Walks every slab of a SLUB cache (full slabs too, which \"kmem -S\" cannot",
	"  list), separates allocated from free objects exactly, clusters the allocated",
	"  objects by content, and reports the dominant pattern: its share of the cache,",
	"  a per-offset table of what every word holds, resolved symbols, pointers",
	"  followed into the objects they reach, and a ranked guess of the owner struct.",
	"",
	"       cache  the name of a slab cache, as \"kmem -s\" shows it (kmalloc-32).",
	"          -s  summary only: walk and count, no clustering.",
	"          -l  list every slab walked (address, memory, objects, allocated, free,",
	"              whose active slab it is), then the summary; full slabs included.",
	"          -f  also cluster the free objects, as their own class (stale contents",
	"              of freed objects survive inside them).",
	"  -S slabs    read only this many slabs, spread evenly over the cache; counts",
	"              are then estimates and say so.",
	"  -n top      how many clusters to list (default 5).",
	"  -m MiB      memory cap for the clustering state (default 256).",
	"  -d depth    how deep to follow pointers into the objects they reach, and",
	"              score the pointed-to structs in the owner guess (default 2,",
	"              at most 4; 0: do not follow).",
	"          -j  print the report as JSON (schema: docs/json-schema.md).",
	"          -t  time the walk (slabs, objects, MB read, objects/s, MB/s), the",
	"              analysis end to end (every walk and the clustering; objects/s",
	"              over one walk's objects; how busy the counting thread was and how",
	"              long the walk waited for it) and the owner guess; also the per-cpu",
	"              areas pointers are classified against (the used part of each unit).",
	"          -b  benchmark floor: scan the memory map and read exactly the same",
	"              slab pages, decode and analyse nothing; prints the -t line.",
	"",
	"  Load module symbols first (\"mod -S\" or \"mod -s NAME PATH\") so pointers into",
	"  modules resolve and the owner guess can use the modules' debuginfo.",
	"  The owner guess ranks every struct whose size lands in the cache against",
	"  the dominant pattern, word by word (function pointers, pointers to typed",
	"  globals, pointers into other caches and what those objects hold, lists,",
	"  integers, text), and prints the best five with the evidence that decided.",
	"  The vmlinux's struct index is built once (about a second) and cached under",
	"  $MEMSIM_CACHE/dwarf or ~/.cache/memsim/dwarf.",
	"  Ctrl-C stops a long walk; the report then covers the slabs walked so far.",
	"",
	"EXAMPLES",
	"  Count the slabs and objects of kmalloc-32, every slab walked:",
	"",
	"    crash> memsim -s kmalloc-32",
	"    CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME",
	"    ffff888003041400       32     101939    102784    803     4k  kmalloc-32",
	NULL
};

static struct command_table_entry command_table[] = {
	{ "memsim", cmd_memsim, help_memsim, 0 },
	{ NULL },
};

void __attribute__((constructor)) memsim_init(void)
{
	register_extension(command_table);
}

void __attribute__((destructor)) memsim_fini(void)
{
	debuginfo_unload();
}
