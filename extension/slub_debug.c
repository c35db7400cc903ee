/*
 * slub_debug.c - slub_debug caches: what SLUB keeps beside each object, read in one more walk
 * after the clustering.
 *
 * With SLAB_STORE_USER (slub_debug=U) every object carries its allocation and free tracks:
 * this finds struct track and the stack depot in debuginfo, and gives each object's tracks to
 * its cluster (ms_engine_cluster_of(): the rule the clustering used).  With SLAB_RED_ZONE or
 * SLAB_POISON (Z, P) every object's red zones, poison and padding are checked as the kernel
 * would.  The decoding and the counting are analysis/'s (tracks.h, stackdepot.h, slubdebug.h);
 * here are the layouts, the walk and the stack reads.
 */
#include <ctype.h>
#include <string.h>

#include "defs.h"

#include "adapter.h"
#include "fault.h"
#include "slub_debug.h"

/*
 * A kmem_cache flag: the bit of its enumerator where the flags are an enum of bit numbers
 * (enum _slab_flag_bits, v6.9+), else its value as a #define in include/linux/slab.h.
 */
static uint32_t slab_flag(const char *enumerator, uint32_t defined)
{
	long bit;

	if (enumerator_value((char *)enumerator, &bit) && bit >= 0 && bit < 32)
		return 1u << bit;
	return defined;
}

static long member(const char *type, const char *name)
{
	long off = MEMBER_OFFSET((char *)type, (char *)name);

	return off >= 0 ? off : ANON_MEMBER_OFFSET((char *)type, (char *)name);
}

/* struct track from debuginfo (mm/slub.c); 0 with a note when it is not SLUB's. */
static int track_layout(struct slub_debug_info *sd)
{
	struct ms_track_layout *t = &sd->tl;
	long size = STRUCT_SIZE("track"), addr = member("track", "addr");
	long cpu = member("track", "cpu"), pid = member("track", "pid");
	long when = member("track", "when"), handle = member("track", "handle");
	long addrs = member("track", "addrs");

	if (size <= 0 || addr < 0 || cpu < 0 || pid < 0 || when < 0) {
		snprintf(sd->note, sizeof(sd->note), "no struct track with addr, cpu, pid and when "
			 "in debuginfo: tracks not read");
		return 0;
	}
	t->size = (uint32_t)size;
	t->addr = (uint32_t)addr;
	t->cpu = (uint32_t)cpu;
	t->pid = (uint32_t)pid;
	t->when = (uint32_t)when;
	t->handle = handle >= 0 ? (int32_t)handle : -1;
	t->addrs = addrs >= 0 ? (int32_t)addrs : -1;
	t->nr_addrs = addrs >= 0 ? (uint32_t)(MEMBER_SIZE("track", "addrs") / 8) : 0;
	return 1;
}

/* ---- the stack depot ---- */

/*
 * The bit fields of union handle_parts, from gdb's `ptype /o`, whose lines open with a comment
 * holding "BYTE: BIT | SIZE" and go on with the member, "u32 offset : 10;": the byte, the bit
 * in it, the name and the width.
 */
static int handle_fields(struct ms_depot_layout *d)
{
	char line[BUFSIZE];
	int found = 0;

	open_tmpfile();
	if (!gdb_pass_through("ptype /o union handle_parts", pc->tmpfile, GNU_RETURN_ON_ERROR)) {
		close_tmpfile();
		return 0;
	}
	rewind(pc->tmpfile);
	while (fgets(line, sizeof(line), pc->tmpfile)) {
		unsigned byte, bit, width;
		char name[64], *p = strstr(line, "*/");
		const char *colon;

		if (sscanf(line, " /* %u: %u |", &byte, &bit) != 2 || !p)
			continue;
		colon = strrchr(p, ':');
		if (!colon || sscanf(colon + 1, " %u", &width) != 1)
			continue;
		p += 2;
		/* the name is the last word before the colon */
		{
			const char *end = colon, *start;
			size_t n;

			while (end > p && isspace((unsigned char)end[-1]))
				end--;
			start = end;
			while (start > p && (isalnum((unsigned char)start[-1]) || start[-1] == '_'))
				start--;
			n = (size_t)(end - start) < sizeof(name) - 1 ? (size_t)(end - start) : sizeof(name) - 1;
			memcpy(name, start, n);
			name[n] = 0;
		}
		if (!strcmp(name, "offset")) {
			d->offset_shift = byte * 8 + bit;
			d->offset_bits = width;
			found |= 1;
		} else if (!strncmp(name, "pool_index", 10) || !strcmp(name, "slabindex")) {
			d->index_shift = byte * 8 + bit;
			d->index_bits = width;
			d->index_plus_one = strstr(name, "plus_1") != NULL;
			found |= 2;
		} else if (!strcmp(name, "extra") && width < 32) {
			d->extra_mask = ((1u << width) - 1) << (byte * 8 + bit);
		}
	}
	close_tmpfile();
	return found == 3;
}

static int depot_layout(struct slub_debug_info *sd)
{
	struct ms_depot_layout *d = &sd->dl;
	const char *pools = symbol_exists("stack_pools") ? "stack_pools" :
			    symbol_exists("stack_slabs") ? "stack_slabs" : NULL;
	long entries = member("stack_record", "entries"), size = member("stack_record", "size");
	long len;

	memset(d, 0, sizeof(*d));
	if (!pools || entries < 0 || size < 0 || !handle_fields(d)) {
		snprintf(sd->note, sizeof(sd->note), "the stack depot's layout (stack_pools or "
			 "stack_slabs, union handle_parts, struct stack_record) is not in debuginfo: "
			 "call sites without stacks");
		return 0;
	}
	d->pools = symbol_value((char *)pools);
	len = get_array_length((char *)pools, NULL, 0);
	if (len > 0) {
		d->nr_pools = (uint32_t)len;
	} else {	/* a pointer to an array sized at boot */
		int num = 0;

		d->pools_indirect = 1;
		d->nr_pools = d->index_bits < 32 ? 1u << d->index_bits : ~0u;
		if (symbol_exists("pools_num") &&
		    readmem(symbol_value("pools_num"), KVADDR, &num, sizeof(num), "pools_num",
			    RETURN_ON_ERROR | QUIET) && num > 0 && (uint32_t)num < d->nr_pools)
			d->nr_pools = (uint32_t)num;
	}
	d->rec_size = (uint32_t)size;
	d->rec_handle = member("stack_record", "handle") >= 0 ?
			(int32_t)member("stack_record", "handle") : -1;
	d->rec_entries = (uint32_t)entries;
	d->max_frames = MEMBER_SIZE("stack_record", "entries") > 0 ?
			(uint32_t)(MEMBER_SIZE("stack_record", "entries") / 8) : MS_TRACK_MAX_FRAMES;
	/* A pool is 4 pages (DEPOT_POOL_ORDER, STACK_ALLOC_ORDER before v6.3: 2 since v4.6); the
	 * offset field counts the pool's bytes in units of 1 << DEPOT_STACK_ALIGN. */
	d->pool_size = (uint32_t)PAGESIZE() << 2;
	d->align = 2 + (uint32_t)(ffs(PAGESIZE()) - 1) - d->offset_bits;
	if (d->align > 12 || d->rec_entries > 64) {
		snprintf(sd->note, sizeof(sd->note), "the stack depot's handle layout is not one "
			 "memsim knows (offset field of %u bits): call sites without stacks",
			 d->offset_bits);
		return 0;
	}
	return 1;
}

/* ---- the cache ---- */

int slub_debug_discover(const struct cache_info *ci, struct slub_debug_info *sd)
{
	uint32_t store_user = slab_flag("_SLAB_STORE_USER", 0x00010000);
	uint32_t red_zone = slab_flag("_SLAB_RED_ZONE", 0x00000400);
	uint32_t poison = slab_flag("_SLAB_POISON", 0x00000800);
	uint32_t rcu = slab_flag("_SLAB_TYPESAFE_BY_RCU", 0x00080000);
	uint32_t kmalloc = slab_flag("_SLAB_KMALLOC", 0x00001000);
	uint32_t info_end, meta_end, slot_end;
	struct ms_debug_layout *g = &sd->dbg;

	memset(sd, 0, sizeof(*sd));
	sd->store_user = (ci->flags & store_user) != 0;
	sd->red_zone = (ci->flags & red_zone) != 0;
	sd->poison = (ci->flags & poison) != 0;
	if (!sd->store_user && !sd->red_zone && !sd->poison)
		return 0;
	/* The free pointer takes a word after inuse when it lies outside the object. */
	info_end = ci->offset >= ci->inuse ? ci->inuse + 8 : ci->inuse;
	meta_end = info_end;
	slot_end = ci->size - (sd->red_zone ? ci->red_left_pad : 0);
	if (sd->store_user && track_layout(sd)) {
		sd->tl.info_end = info_end;
		sd->tl.orig_size = -1;
		meta_end += 2 * sd->tl.size;
		/* v6.1 (commit 6edf2576a6cc, "mm/slub: enable debugging memory wasting of
		 * kmalloc"): kmalloc caches keep the size asked for after the tracks; SLAB_KMALLOC
		 * came with it. */
		if (THIS_KERNEL_VERSION >= LINUX(6, 1, 0) && (ci->flags & kmalloc)) {
			sd->tl.orig_size = (int32_t)meta_end;
			meta_end += 4;	/* 8 once the walk's bytes say so (debug_slab) */
		}
		if (meta_end > slot_end) {
			snprintf(sd->note, sizeof(sd->note), "the tracks (from +0x%x, %u bytes each) "
				 "do not fit the %u-byte slot: not read", info_end, sd->tl.size,
				 ci->size);
		} else {
			sd->have_tracks = 1;
			sd->have_depot = sd->tl.handle >= 0 && depot_layout(sd);
		}
	}
	g->object_size = ci->object_size;
	g->inuse = ci->inuse;
	g->size = ci->size;
	g->red_left_pad = sd->red_zone ? ci->red_left_pad : 0;
	g->red_zone = sd->red_zone;
	g->poison = sd->poison;
	g->poison_objects = sd->poison && !ci->ctor && !(ci->flags & rcu);
	g->orig_size = sd->have_tracks ? sd->tl.orig_size : -1;
	g->kmalloc_redzone = THIS_KERNEL_VERSION >= LINUX(6, 2, 0);	/* commit 946fa0dbf2d8 */
	g->meta_end = meta_end;
	g->orig_size_len = 4;
	/* Under poison the width of orig_size decides where the padding starts: the first slab
	 * whose objects tell it decides (debug_slab); with no room for 8 bytes it is 4. */
	sd->orig_size_undecided = g->orig_size >= 0 && g->poison &&
				  (uint32_t)g->orig_size + 8 <= slot_end;
	sd->have_checks = (sd->red_zone || sd->poison) && (!sd->store_user || sd->have_tracks) &&
			  ms_debug_layout_valid(g);
	return 1;
}

/* ---- the walk ---- */

struct debug_pass {
	struct ms_engine *e;
	const struct slub_debug_info *sd;
	struct ms_tracks *tracks;
	struct ms_debug_findings *findings;
	int include_free;
	struct ms_debug_layout dbg;	/* sd->dbg, with orig_size's width once known */
	int undecided;			/* that width is still to be read from the bytes */
	uint32_t orig_size_votes;	/* the objects that decided it */
};

/*
 * The width of orig_size from the objects of the first slab that tell it (the majority of
 * their votes), before any of them is checked.
 */
static void decide_orig_size(struct debug_pass *p, const struct ms_slab_view *v)
{
	uint32_t i, wide = 0, narrow = 0;

	for (i = 0; i < v->nr_objects; i++) {
		int vote = ms_debug_orig_size_vote(&p->dbg, ms_slab_view_object(v, i));

		wide += vote == 8;
		narrow += vote == 4;
	}
	if (!wide && !narrow)
		return;
	p->undecided = 0;
	p->orig_size_votes = wide + narrow;
	if (wide > narrow) {
		p->dbg.orig_size_len = 8;
		p->dbg.meta_end += 4;
		if (!ms_debug_layout_valid(&p->dbg)) {	/* cannot be: keep the narrow one */
			p->dbg.orig_size_len = 4;
			p->dbg.meta_end -= 4;
		}
	}
}

static void debug_slab(void *arg, const struct ms_slab_view *v)
{
	struct debug_pass *p = arg;
	uint32_t i;

	if (v->stride < v->object_size)
		return;
	if (p->findings && p->undecided)
		decide_orig_size(p, v);
	for (i = 0; i < v->nr_objects; i++) {
		int allocated = ms_slab_view_allocated(v, i);
		const uint8_t *obj = ms_slab_view_object(v, i);
		uint64_t addr = ms_slab_view_object_addr(v, i);
		long cluster = -1;

		if (p->tracks && (allocated || p->include_free)) {
			cluster = ms_engine_cluster_of(p->e, obj, addr, !allocated);
			ms_tracks_add(p->tracks, cluster, !allocated, obj, addr);
		}
		if (p->findings)
			ms_debug_findings_add(p->findings, &p->dbg, obj, addr, allocated, cluster);
	}
	fault_slab();
}

/* Every distinct stack kept, from the depot (handles) or as read (inline frames). */
static void fetch_stacks(const struct slub_debug_info *sd, struct ms_tracks *t,
			 const struct ms_env *env, struct slub_debug_result *out)
{
	size_t c, s;
	int k;

	for (c = 0; c < t->nr_clusters; c++)
		for (k = 0; k < 2; k++) {
			struct ms_track_agg *a = &t->clusters[c].kind[k];

			for (s = 0; s < a->nr_stacks; s++) {
				struct ms_track_stack *st = &a->stacks[s];

				if (!st->handle) {
					st->status = MS_DEPOT_OK;
					continue;
				}
				if (!sd->have_depot) {
					st->status = MS_DEPOT_UNREADABLE;
					continue;
				}
				st->status = ms_depot_fetch(&sd->dl, env, st->handle, st->frames,
							    MS_TRACK_MAX_FRAMES, &st->nr_frames);
				out->stacks_read++;
				if (st->status != MS_DEPOT_OK)
					out->stacks_failed++;
			}
		}
}

static uint64_t dump_jiffies(void)
{
	uint64_t j = 0;
	const char *name = symbol_exists("jiffies_64") ? "jiffies_64" : "jiffies";

	if (!symbol_exists((char *)name) ||
	    !readmem(symbol_value((char *)name), KVADDR, &j, sizeof(j), (char *)name,
		     RETURN_ON_ERROR | QUIET))
		return 0;
	return j;
}

/*
 * The kernel's HZ, for the tracks' ages.  crash's machdep->hz is a guess on kernels whose
 * HZ it cannot find (it says 1000 on 6.12 and 7.x built with HZ=250), so it comes last:
 *   1. the jiffies clocksource, whose mult is TICK_NSEC << JIFFIES_SHIFT over its shift
 *      (kernel/time/jiffies.c, the same since v3.x): HZ = NSEC_PER_SEC / TICK_NSEC rounded;
 *   2. tick_nsec (TICK_NSEC itself; gone from later kernels: 7.2 has no such symbol);
 *   3. machdep->hz.
 */
static unsigned kernel_hz(const char **source)
{
	uint64_t tick = 0;

	if (symbol_exists("clocksource_jiffies") && MEMBER_EXISTS("clocksource", "mult") &&
	    MEMBER_EXISTS("clocksource", "shift") && MEMBER_SIZE("clocksource", "mult") == 4 &&
	    MEMBER_SIZE("clocksource", "shift") == 4) {
		ulong cs = symbol_value("clocksource_jiffies");
		uint32_t mult = 0, shift = 0;

		if (readmem(cs + MEMBER_OFFSET("clocksource", "mult"), KVADDR, &mult,
			    sizeof(mult), "clocksource_jiffies.mult", RETURN_ON_ERROR | QUIET) &&
		    readmem(cs + MEMBER_OFFSET("clocksource", "shift"), KVADDR, &shift,
			    sizeof(shift), "clocksource_jiffies.shift", RETURN_ON_ERROR | QUIET) &&
		    shift < 32) {
			tick = mult >> shift;
			*source = "clocksource_jiffies";
		}
	}
	if (!tick && symbol_exists("tick_nsec")) {
		ulong v = 0;

		if (readmem(symbol_value("tick_nsec"), KVADDR, &v, sizeof(v), "tick_nsec",
			    RETURN_ON_ERROR | QUIET)) {
			tick = v;
			*source = "tick_nsec";
		}
	}
	/* TICK_NSEC of a plausible HZ (24..10000): anything else is not what we think it is */
	if (tick >= 100000 && tick <= 41666667)
		return (unsigned)((1000000000ULL + tick / 2) / tick);
	*source = "crash";
	return machdep->hz ? (unsigned)machdep->hz : 1000;
}

int slub_debug_pass(const struct slub_layout *l, const struct cache_info *ci,
		    const struct slub_debug_info *sd, struct ms_engine *e, size_t nr_clusters,
		    const struct walk_options *wopt, int include_free, const struct ms_env *env,
		    volatile int *stop, struct slub_debug_result *out)
{
	struct debug_pass p = { e, sd, NULL, NULL, include_free, sd->dbg, sd->orig_size_undecided,
				0 };
	struct walk_result *res = calloc(1, sizeof(*res));
	struct walk_options w = *wopt;
	int ok;

	if (!res)
		return 0;
	if (sd->have_tracks) {
		out->tracks = ms_tracks_new(&sd->tl, nr_clusters);
		p.tracks = out->tracks;
	}
	if (sd->have_checks) {
		out->findings = calloc(1, sizeof(*out->findings));
		p.findings = out->findings;
	}
	if ((sd->have_tracks && !p.tracks) || (sd->have_checks && !p.findings)) {
		free(res);
		return 0;
	}
	w.list_slabs = 0;
	ok = slab_walk_cache(l, ci, &w, stop, debug_slab, &p, res);
	out->interrupted = !ok || res->summary.interrupted;
	out->slabs = res->summary.slabs;
	free(res);
	if (p.findings) {
		ms_debug_findings_finish(p.findings);
		if (p.dbg.orig_size >= 0)
			out->orig_size_len = p.dbg.orig_size_len;
		out->orig_size_votes = p.orig_size_votes;
	}
	if (p.tracks) {
		out->now = dump_jiffies();
		out->hz = kernel_hz(&out->hz_source);
		p.tracks->interrupted = out->interrupted;
		ms_tracks_finish(p.tracks, out->now, out->hz);
		if (!*stop)
			fetch_stacks(sd, p.tracks, env, out);
	}
	return 1;
}

void slub_debug_result_free(struct slub_debug_result *r)
{
	ms_tracks_free(r->tracks);
	free(r->findings);
	memset(r, 0, sizeof(*r));
}
