/*
 * tracks.c - decoding SLUB's tracks and summing them per cluster (see tracks.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "engine_int.h"	/* ms_addr_hash() */
#include "tracks.h"

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

int ms_track_decode(const struct ms_track_layout *l, const uint8_t *obj, int which,
		    struct ms_track *t)
{
	const uint8_t *p = obj + l->info_end + (size_t)which * l->size;
	uint32_t i;

	memset(t, 0, offsetof(struct ms_track, frames));
	t->addr = get_le(p + l->addr, 8);
	if (!t->addr)
		return 0;
	t->cpu = (int32_t)get_le(p + l->cpu, 4);
	t->pid = (int32_t)get_le(p + l->pid, 4);
	t->when = get_le(p + l->when, 8);
	if (l->handle >= 0)
		t->handle = (uint32_t)get_le(p + l->handle, 4);
	if (l->addrs >= 0)
		for (i = 0; i < l->nr_addrs && i < MS_TRACK_MAX_FRAMES; i++) {
			uint64_t f = get_le(p + l->addrs + 8 * i, 8);

			if (!f)
				break;
			t->frames[t->nr_frames++] = f;
		}
	return 1;
}

uint32_t ms_track_orig_size(const struct ms_track_layout *l, const uint8_t *obj)
{
	return l->orig_size >= 0 ? (uint32_t)get_le(obj + l->orig_size, 4) : 0;
}

/* ---- Space-Saving counters ---- */

/* Count @key in @tab (@nr used of @cap): exact while it fits, then the smallest gives way. */
static struct ms_track_count *ss_add(struct ms_track_count *tab, size_t *nr, size_t cap,
				     int *overflow, uint64_t key)
{
	size_t i, min = 0;

	for (i = 0; i < *nr; i++)
		if (tab[i].key == key) {
			tab[i].count++;
			return &tab[i];
		}
	if (*nr < cap) {
		tab[*nr] = (struct ms_track_count){ .key = key, .count = 1 };
		return &tab[(*nr)++];
	}
	for (i = 1; i < *nr; i++)
		if (tab[i].count < tab[min].count)
			min = i;
	*overflow = 1;
	tab[min].key = key;
	tab[min].error = tab[min].count;
	tab[min].count++;
	return &tab[min];
}

static void stack_add(struct ms_track_agg *a, const struct ms_track *t)
{
	uint64_t key = t->handle ? t->handle :
		       t->nr_frames ? XXH3_64bits(t->frames, t->nr_frames * sizeof(t->frames[0])) : 0;
	struct ms_track_stack *s;
	size_t i, min = 0;

	if (!key)
		return;
	for (i = 0; i < a->nr_stacks; i++)
		if (a->stacks[i].key == key) {
			a->stacks[i].count++;
			return;
		}
	if (a->nr_stacks < MS_TRACK_STACKS) {
		s = &a->stacks[a->nr_stacks++];
		memset(s, 0, offsetof(struct ms_track_stack, frames));
	} else {
		for (i = 1; i < a->nr_stacks; i++)
			if (a->stacks[i].count < a->stacks[min].count)
				min = i;
		s = &a->stacks[min];
		a->stacks_overflow = 1;
		s->error = s->count;
		s->status = 0;
	}
	s->key = key;
	s->count++;
	s->site = t->addr;
	s->handle = t->handle;
	s->nr_frames = t->handle ? 0 : t->nr_frames;
	if (!t->handle)
		memcpy(s->frames, t->frames, t->nr_frames * sizeof(t->frames[0]));
}

/* ---- the age sample: a max-heap of the lowest address hashes ---- */

static void heap_swap(struct ms_track_agg *a, size_t i, size_t j)
{
	uint64_t h = a->sample_hash[i], w = a->sample_when[i];

	a->sample_hash[i] = a->sample_hash[j];
	a->sample_when[i] = a->sample_when[j];
	a->sample_hash[j] = h;
	a->sample_when[j] = w;
}

static void sample_add(struct ms_track_agg *a, uint64_t hash, uint64_t when)
{
	size_t i, n = a->nr_sample;

	if (n < MS_TRACK_AGE_SAMPLE) {	/* sift up */
		a->sample_hash[n] = hash;
		a->sample_when[n] = when;
		a->nr_sample++;
		for (i = n; i && a->sample_hash[(i - 1) / 2] < a->sample_hash[i]; i = (i - 1) / 2)
			heap_swap(a, i, (i - 1) / 2);
		return;
	}
	if (hash >= a->sample_hash[0])
		return;
	a->sample_hash[0] = hash;
	a->sample_when[0] = when;
	for (i = 0;;) {	/* sift down */
		size_t l = 2 * i + 1, r = l + 1, big = i;

		if (l < n && a->sample_hash[l] > a->sample_hash[big])
			big = l;
		if (r < n && a->sample_hash[r] > a->sample_hash[big])
			big = r;
		if (big == i)
			break;
		heap_swap(a, i, big);
		i = big;
	}
}

static void agg_add(struct ms_track_agg *a, const struct ms_track_layout *l, const uint8_t *obj,
		    uint64_t addr, int which)
{
	struct ms_track t;
	struct ms_track_count *site;

	a->objects++;
	if (!ms_track_decode(l, obj, which, &t)) {
		a->empty++;
		return;
	}
	site = ss_add(a->sites, &a->nr_sites, MS_TRACK_SITES, &a->sites_overflow, t.addr);
	if (site->count - site->error == 1 || t.when < site->when_min)
		site->when_min = t.when;
	if (site->count - site->error == 1 || t.when > site->when_max)
		site->when_max = t.when;
	stack_add(a, &t);
	ss_add(a->pids, &a->nr_pids, MS_TRACK_PIDS, &a->pids_overflow, (uint64_t)(uint32_t)t.pid);
	if (l->orig_size >= 0 && which == 0)
		ss_add(a->sizes, &a->nr_sizes, MS_TRACK_SIZES, &a->sizes_overflow,
		       ms_track_orig_size(l, obj));
	if (t.cpu >= 0 && t.cpu < MS_TRACK_CPUS)
		a->cpus[t.cpu / 64] |= 1ull << (t.cpu % 64);
	else
		a->cpus_beyond++;
	if (a->objects - a->empty == 1 || t.when < a->when_min)
		a->when_min = t.when;
	if (a->objects - a->empty == 1 || t.when > a->when_max)
		a->when_max = t.when;
	sample_add(a, ms_addr_hash(addr), t.when);
}

/* ---- the aggregate ---- */

size_t ms_tracks_bytes_per_cluster(void)
{
	return sizeof(struct ms_cluster_tracks);
}

struct ms_tracks *ms_tracks_new(const struct ms_track_layout *l, size_t nr_clusters)
{
	struct ms_tracks *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->layout = *l;
	t->nr_clusters = nr_clusters;
	t->clusters = calloc(nr_clusters ? nr_clusters : 1, sizeof(*t->clusters));
	if (!t->clusters) {
		free(t);
		return NULL;
	}
	return t;
}

void ms_tracks_free(struct ms_tracks *t)
{
	if (!t)
		return;
	free(t->clusters);
	free(t);
}

void ms_tracks_add(struct ms_tracks *t, long cluster, int is_free, const uint8_t *obj,
		   uint64_t addr)
{
	struct ms_cluster_tracks *c;

	if (cluster < 0 || (size_t)cluster >= t->nr_clusters) {
		t->unclustered++;
		return;
	}
	t->objects++;
	c = &t->clusters[cluster];
	agg_add(&c->kind[0], &t->layout, obj, addr, 0);
	if (is_free)
		agg_add(&c->kind[1], &t->layout, obj, addr, 1);
}

static int count_cmp(const void *a, const void *b)
{
	const struct ms_track_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int stack_cmp(const void *a, const void *b)
{
	const struct ms_track_stack *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Seconds from @when to @now (0 for a track later than @now, counted in *@future). */
static double age_s(uint64_t now, uint64_t when, unsigned hz, uint64_t *future)
{
	if (when > now) {
		if (future)
			(*future)++;
		return 0;
	}
	return (double)(now - when) / (hz ? hz : 1);
}

static void agg_finish(struct ms_track_agg *a, uint64_t now, unsigned hz)
{
	size_t i;

	qsort(a->sites, a->nr_sites, sizeof(a->sites[0]), count_cmp);
	qsort(a->stacks, a->nr_stacks, sizeof(a->stacks[0]), stack_cmp);
	qsort(a->pids, a->nr_pids, sizeof(a->pids[0]), count_cmp);
	qsort(a->sizes, a->nr_sizes, sizeof(a->sizes[0]), count_cmp);
	if (!a->nr_sample)
		return;
	/* The oldest track has the smallest jiffies: the largest age. */
	a->age_max_s = age_s(now, a->when_min, hz, NULL);
	a->age_min_s = age_s(now, a->when_max, hz, NULL);
	for (i = 0; i < a->nr_sample; i++)
		if (a->sample_when[i] > now)
			a->future++;
	qsort(a->sample_when, a->nr_sample, sizeof(a->sample_when[0]), u64_cmp);
	/* The median age is the median jiffies' age; the sample is sorted by when now, and its
	 * hashes no longer pair with it (the sample is done). */
	a->age_median_s = age_s(now, a->sample_when[(a->nr_sample - 1) / 2], hz, NULL);
	a->median_sampled = a->objects - a->empty > a->nr_sample;
}

void ms_track_site_ages(const struct ms_tracks *t, const struct ms_track_count *site,
			double *oldest, double *youngest)
{
	*oldest = age_s(t->now, site->when_min, t->hz, NULL);
	*youngest = age_s(t->now, site->when_max, t->hz, NULL);
}

void ms_tracks_finish(struct ms_tracks *t, uint64_t now, unsigned hz)
{
	size_t c;
	int k;

	t->now = now;
	t->hz = hz;
	for (c = 0; c < t->nr_clusters; c++)
		for (k = 0; k < 2; k++)
			agg_finish(&t->clusters[c].kind[k], now, hz);
}

const struct ms_track_agg *ms_tracks_get(const struct ms_tracks *t, size_t cluster, int which)
{
	if (!t || cluster >= t->nr_clusters || which < 0 || which > 1)
		return NULL;
	return &t->clusters[cluster].kind[which];
}

const struct ms_track_stack *ms_track_site_stack(const struct ms_track_agg *agg, uint64_t site)
{
	const struct ms_track_stack *best = NULL;
	size_t i;

	for (i = 0; i < agg->nr_stacks; i++)
		if (agg->stacks[i].site == site && (!best || agg->stacks[i].count > best->count))
			best = &agg->stacks[i];
	return best;
}

void ms_track_cpus(const struct ms_track_agg *agg, char *buf, size_t len)
{
	size_t used = 0;
	int cpu, start = -1;

	if (len)
		buf[0] = 0;
	for (cpu = 0; cpu <= MS_TRACK_CPUS; cpu++) {
		int set = cpu < MS_TRACK_CPUS && (agg->cpus[cpu / 64] >> (cpu % 64) & 1);

		if (set && start < 0)
			start = cpu;
		if (set || start < 0)
			continue;
		if (used < len)
			used += snprintf(buf + used, len - used, start == cpu - 1 ? "%s%d" : "%s%d-%d",
					 used ? "," : "", start, cpu - 1);
		start = -1;
	}
}
