// SPDX-License-Identifier: GPL-2.0
/*
 * memsim_leak - plants leak scenarios for memsim's sample vmcores.
 *
 *   insmod memsim_leak.ko scenario=kmalloc32-fn|chain|stale|dedicated|patterns|mixed|idle
 *          [count=N] [keep=0]
 *   insmod memsim_leak.ko scenario=kmalloc32-fn count=N first=M pause_ms=T
 *   insmod memsim_leak.ko scenario=redzone count=N damage=D
 *   insmod memsim_leak.ko scenario=vmalloc count=N [size=BYTES]
 *   insmod memsim_leak.ko scenario=pages count=N
 *
 * Every planted object stays allocated and reachable from a vmalloc'd array (which is not in
 * any slab cache), so the dump holds them exactly as a leak would.  keep=0 records no pointer
 * at all (a real leak): the array costs 16 bytes an object, 1.6 GB for the benchmark's
 * hundred million.  stale frees half of what it planted and needs the array.
 *
 * Two leaks outside the slab allocator: vmalloc makes N vmalloc areas of size bytes (64 KiB
 * by default) from leak_vmalloc_buffers, which /proc/vmallocinfo names as their caller;
 * pages takes N order-0 pages from the page allocator in leak_pages and holds nothing but the
 * reference (no LRU, no mapping, no list through page->lru): pages no counter of
 * /proc/meminfo accounts for.  Either fails to load, planting nothing, if one allocation fails.
 *
 * For the allocator's own records (slub_debug): first=M pause_ms=T plants the first M objects
 * (kmalloc32-fn and redzone), sleeps T ms and plants the rest, so that their allocation tracks
 * carry two ages T apart;
 * redzone plants N 64-byte entries in kmalloc-64, after every second one another that it frees
 * at once (N/2 freed: their memory stays poisoned under slub_debug=P), and writes 8 bytes past
 * the end of D of the kept ones, spread evenly (a red zone overwritten under slub_debug=Z).
 */
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static char *scenario = "idle";
module_param(scenario, charp, 0444);
static unsigned long count;
module_param(count, ulong, 0444);
static bool keep = true;
module_param(keep, bool, 0444);
static unsigned long size = 65536;
module_param(size, ulong, 0444);
static unsigned long first;
module_param(first, ulong, 0444);
static unsigned int pause_ms;
module_param(pause_ms, uint, 0444);
static unsigned long damage;
module_param(damage, ulong, 0444);

/* kmalloc32-fn: a callback, an empty list, a counter. 32 bytes. */
struct leak_fn_entry {
	void (*callback)(struct leak_fn_entry *e);
	struct list_head node;
	unsigned long seq;
};

/* chain: events that point at their group, whose ops is a const table. */
struct leak_group_ops {
	int (*handle_event)(void *group, void *event);
	void (*free_event)(void *event);
	void (*freeing_mark)(void *group);
};

struct leak_group {
	const struct leak_group_ops *ops;
	unsigned long flags;
	atomic_t refcnt;
	unsigned int max_events;
	char name[96];
};

struct leak_event {
	struct leak_group *group;
	u32 mask;
	u32 cookie;
	u64 pad;
};

/* stale: two kinds in kmalloc-64, one of them freed. */
struct leak_stale_keep {
	void (*fn)(struct leak_stale_keep *k);
	unsigned long magic;
	char tag[16];
	unsigned long seq;
	u64 zero[3];
};

struct leak_stale_gone {
	struct list_head link;
	void (*done)(struct leak_stale_gone *g);
	unsigned long stamp;
	u64 fill[4];
};

/* redzone: 64 bytes in kmalloc-64, some of them overrun by 8 bytes. */
struct leak_rz_entry {
	void (*check)(struct leak_rz_entry *e);
	struct list_head link;
	unsigned long id;
	char tag[32];
};

/* dedicated: a cache of our own, with a constructor so it is never merged. */
struct leak_widget {
	struct list_head link;
	void (*poke)(struct leak_widget *w);
	unsigned int id;
	unsigned int state;
	char label[24];
	unsigned long created;
};

/*
 * patterns: about a million distinct patterns in kmalloc-32.  Word 0 points at one byte of a
 * table in the module's .bss, a different byte for each pattern (memsim keeps the exact
 * address of a pointer into kernel or module data); the other words are alike in every
 * object.
 */
#define PATTERN_KEYS (1UL << 20)

struct leak_pattern_entry {
	u8 *key;				/* &pattern_keys[i % PATTERN_KEYS] */
	struct leak_pattern_entry *self;	/* the object itself */
	u64 stamp;				/* a tag in the top 16 bits, then i: raw */
	unsigned long flags;			/* 3: small */
};

/*
 * mixed: the kmalloc32-fn leak (every fourth allocation) amid objects of many layouts.  Each
 * layout gives every word a kind: zero, a small counter, a raw 64-bit value, a pointer to
 * another planted object, a short string, a pointer into the object itself (at one of its
 * four words) or one of MIXED_SYMS module functions and data at different offsets.  The
 * other objects take one of MIXED_TYPES layouts, the first ones likelier (a product of two
 * uniform draws), and one in MIXED_NOISE draws each word's kind on its own: a long tail of
 * patterns.  Everything comes from one fixed-seed generator, so every dump is the same.
 */
#define MIXED_TYPES 512
#define MIXED_NOISE 1024
#define MIXED_RING 1024
#define MIXED_WORDS 4

enum mixed_kind { MK_ZERO, MK_SMALL, MK_RAW, MK_PEER, MK_STRING, MK_SELF, MK_SYMBOL, MK__COUNT };

struct leak_mixed_obj {
	u64 w[MIXED_WORDS];
};

struct mixed_word {
	u8 kind;
	u8 arg;		/* MK_SELF: word pointed at; MK_SYMBOL: index in mixed_syms */
};

struct leak_mixed_table {
	unsigned long hits;
	unsigned long misses;
	void *owner;
	unsigned long limit;
};

static void **objs;
static unsigned long nr_objs;
static struct kmem_cache *widget_cache;
static struct leak_group *group;

static noinline void fn_entry_callback(struct leak_fn_entry *e) { e->seq++; }
static noinline int group_handle_event(void *g, void *e) { return 0; }
static noinline void group_free_event(void *e) { }
static noinline void group_freeing_mark(void *g) { }
static noinline void stale_keep_fn(struct leak_stale_keep *k) { }
static noinline void stale_gone_done(struct leak_stale_gone *g) { }
static noinline void rz_check(struct leak_rz_entry *e) { e->id++; }
static noinline void widget_poke(struct leak_widget *w) { w->state++; }

static u8 pattern_keys[PATTERN_KEYS];

/* Distinct bodies, so that no two are folded into one address. */
#define MIXED_FN(n) \
	static noinline unsigned long mixed_fn_##n(unsigned long x) { return x * (2 * n + 3) + n; }
MIXED_FN(0) MIXED_FN(1) MIXED_FN(2) MIXED_FN(3) MIXED_FN(4) MIXED_FN(5) MIXED_FN(6)
MIXED_FN(7) MIXED_FN(8) MIXED_FN(9) MIXED_FN(10) MIXED_FN(11) MIXED_FN(12) MIXED_FN(13)
MIXED_FN(14) MIXED_FN(15)

static struct leak_mixed_table mixed_tables[4];
static const char * const mixed_strings[] = {
	"conn", "rx-ring", "tx-ring", "sock", "timer", "work", "inode", "dentry",
	"ctx-a", "ctx-b", "evt0", "evt1", "bufq", "flow", "peer", "task",
};
static void *mixed_ring[MIXED_RING];
static struct mixed_word mixed_types[MIXED_TYPES][MIXED_WORDS];
static u64 mixed_state = 0x9e3779b97f4a7c15ULL;

#define MIXED_SYMS 32
static const void *mixed_syms[MIXED_SYMS];

static void mixed_syms_init(void)
{
	unsigned long (*fns[])(unsigned long) = {
		mixed_fn_0, mixed_fn_1, mixed_fn_2, mixed_fn_3, mixed_fn_4, mixed_fn_5,
		mixed_fn_6, mixed_fn_7, mixed_fn_8, mixed_fn_9, mixed_fn_10, mixed_fn_11,
		mixed_fn_12, mixed_fn_13, mixed_fn_14, mixed_fn_15,
	};
	int i;

	for (i = 0; i < 16; i++)
		mixed_syms[i] = fns[i];
	/* Data at every offset of each table: hits, misses, owner, limit. */
	for (i = 0; i < 16; i++)
		mixed_syms[16 + i] = (const u8 *)&mixed_tables[i / 4] + (i % 4) * sizeof(long);
}

/* splitmix64: deterministic, cheap. */
static u64 mixed_next(void)
{
	u64 z = (mixed_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static struct mixed_word mixed_draw_word(void)
{
	struct mixed_word mw = { .kind = mixed_next() % MK__COUNT };

	if (mw.kind == MK_SELF)
		mw.arg = mixed_next() % MIXED_WORDS;
	else if (mw.kind == MK_SYMBOL)
		mw.arg = mixed_next() % MIXED_SYMS;
	return mw;
}

static const struct leak_group_ops leak_group_ops = {
	.handle_event = group_handle_event,
	.free_event = group_free_event,
	.freeing_mark = group_freeing_mark,
};

static void widget_ctor(void *p)
{
	struct leak_widget *w = p;

	memset(w, 0, sizeof(*w));
	INIT_LIST_HEAD(&w->link);
	w->poke = widget_poke;
}

/* Record a planted object (unless keep=0); give the CPU up now and then on long runs. */
static void keep_obj(void *p)
{
	if (objs)
		objs[nr_objs] = p;
	if (++nr_objs % 65536 == 0)
		cond_resched();
}

/* noinline: the allocation track's caller is this function, the stack holds plant_fn. */
static noinline struct leak_fn_entry *new_fn_entry(unsigned long seq)
{
	struct leak_fn_entry *e = kmalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return NULL;
	e->callback = fn_entry_callback;
	INIT_LIST_HEAD(&e->node);
	e->seq = seq * 7;
	return e;
}

static noinline int plant_fn(unsigned long n)
{
	if (first && first < n && pause_ms) {	/* two steps, pause_ms apart */
		while (nr_objs < first) {
			struct leak_fn_entry *e = new_fn_entry(nr_objs);

			if (!e)
				return -ENOMEM;
			keep_obj(e);
		}
		msleep(pause_ms);
	}
	while (nr_objs < n) {
		struct leak_fn_entry *e = new_fn_entry(nr_objs);

		if (!e)
			return -ENOMEM;
		keep_obj(e);
	}
	return 0;
}

static int plant_patterns(unsigned long n)
{
	while (nr_objs < n) {
		struct leak_pattern_entry *p = kmalloc(sizeof(*p), GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		p->key = &pattern_keys[nr_objs % PATTERN_KEYS];
		p->self = p;
		p->stamp = 0xa5a5000000000000ULL | nr_objs;
		p->flags = 3;
		keep_obj(p);
	}
	return 0;
}

static u64 mixed_value(struct leak_mixed_obj *o, struct mixed_word mw, unsigned long peers)
{
	const char *s;
	u64 v = 0;

	switch (mw.kind) {
	case MK_ZERO:
		return 0;
	case MK_SMALL:
		return 1 + mixed_next() % 4096;
	case MK_RAW:
		/* A tag in the top 16 bits: never an address, a poison or text. */
		return 0xa5a5000000000000ULL | (mixed_next() >> 16);
	case MK_PEER:
		return peers ? (u64)mixed_ring[mixed_next() % peers] : 0;
	case MK_STRING:
		s = mixed_strings[mixed_next() % ARRAY_SIZE(mixed_strings)];
		/* At most 7 characters: the rest of the word stays NUL. */
		memcpy(&v, s, strnlen(s, sizeof(v) - 1));
		return v;
	case MK_SELF:
		return (u64)&o->w[mw.arg];
	default:
		return (u64)mixed_syms[mw.arg];
	}
}

/* One object of the other layouts, or noise. */
static struct leak_mixed_obj *new_mixed_obj(unsigned long peers)
{
	struct leak_mixed_obj *o = kmalloc(sizeof(*o), GFP_KERNEL);
	struct mixed_word words[MIXED_WORDS];
	u64 a, b;
	int w;

	if (!o)
		return NULL;
	if (mixed_next() % MIXED_NOISE == 0) {
		for (w = 0; w < MIXED_WORDS; w++)
			words[w] = mixed_draw_word();
	} else {
		a = mixed_next() % MIXED_TYPES;
		b = mixed_next() % MIXED_TYPES;
		memcpy(words, mixed_types[a * b / MIXED_TYPES], sizeof(words));
	}
	for (w = 0; w < MIXED_WORDS; w++)
		o->w[w] = mixed_value(o, words[w], peers);
	return o;
}

static int plant_mixed(unsigned long n)
{
	unsigned long peers = 0;
	int t, w;

	mixed_syms_init();
	for (t = 0; t < MIXED_TYPES; t++)
		for (w = 0; w < MIXED_WORDS; w++)
			mixed_types[t][w] = mixed_draw_word();
	while (nr_objs < n) {
		void *p = nr_objs % 4 == 0 ? (void *)new_fn_entry(nr_objs) :
					     (void *)new_mixed_obj(peers);

		if (!p)
			return -ENOMEM;
		if (peers < MIXED_RING)
			mixed_ring[peers++] = p;
		else
			mixed_ring[mixed_next() % MIXED_RING] = p;
		keep_obj(p);
	}
	return 0;
}

static int plant_chain(unsigned long n)
{
	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		return -ENOMEM;
	group->ops = &leak_group_ops;
	atomic_set(&group->refcnt, 1);
	group->max_events = 16384;
	strscpy(group->name, "memsim-chain-group", sizeof(group->name));
	while (nr_objs < n) {
		struct leak_event *ev = kzalloc(sizeof(*ev), GFP_KERNEL);

		if (!ev)
			return -ENOMEM;
		ev->group = group;
		ev->mask = 0x100;	/* an IN_CREATE-like event mask */
		ev->cookie = (u32)(nr_objs * 2654435761u);
		keep_obj(ev);
	}
	return 0;
}

static int plant_stale(unsigned long n)
{
	unsigned long i;

	/* Interleaved, so freed objects sit between kept ones in the same slabs. */
	for (i = 0; i < 2 * n; i++) {
		if (i % 2 == 0) {
			struct leak_stale_keep *k = kzalloc(sizeof(*k), GFP_KERNEL);

			if (!k)
				return -ENOMEM;
			k->fn = stale_keep_fn;
			k->magic = 0x4b454550;
			strscpy(k->tag, "kept-object", sizeof(k->tag));
			k->seq = i;
			objs[nr_objs++] = k;
		} else {
			struct leak_stale_gone *g = kzalloc(sizeof(*g), GFP_KERNEL);

			if (!g)
				return -ENOMEM;
			INIT_LIST_HEAD(&g->link);
			g->done = stale_gone_done;
			g->stamp = i;
			objs[nr_objs++] = g;
		}
	}
	for (i = 1; i < nr_objs; i += 2) {
		kfree(objs[i]);
		objs[i] = NULL;
	}
	return 0;
}

static int plant_dedicated(unsigned long n)
{
	widget_cache = kmem_cache_create("memsim_widget", sizeof(struct leak_widget), 0, 0,
					 widget_ctor);
	if (!widget_cache)
		return -ENOMEM;
	while (nr_objs < n) {
		struct leak_widget *w = kmem_cache_alloc(widget_cache, GFP_KERNEL);

		if (!w)
			return -ENOMEM;
		w->id = nr_objs;
		w->state = 1;
		snprintf(w->label, sizeof(w->label), "widget-%lu", nr_objs);
		w->created = 4294892296UL + nr_objs;
		keep_obj(w);
	}
	return 0;
}

/*
 * vmalloc: N areas, each recorded in a kmalloc'd array (8 KiB for 1024), not in a vmalloc'd
 * one, so that every area of the module's but that array's is one of the leak.  noinline:
 * vmalloc records its caller's address, which must be this function's.
 */
static void **vmalloc_bufs;

static noinline int leak_vmalloc_buffers(unsigned long n, unsigned long bytes)
{
	unsigned long i;

	vmalloc_bufs = kcalloc(n, sizeof(*vmalloc_bufs), GFP_KERNEL);
	if (!vmalloc_bufs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		vmalloc_bufs[i] = vmalloc(bytes);
		if (!vmalloc_bufs[i])
			goto fail;
		/* Touch every page, as a user of the buffer would: the pages are there anyway. */
		memset(vmalloc_bufs[i], 0x5a, bytes);
	}
	return 0;
fail:
	while (i--)
		vfree(vmalloc_bufs[i]);
	kfree(vmalloc_bufs);
	vmalloc_bufs = NULL;
	return -ENOMEM;
}

/* pages: N order-0 pages, their struct page pointers in a vmalloc'd array. */
static struct page **leaked_pages;

static noinline int leak_pages(unsigned long n)
{
	unsigned long i;

	leaked_pages = vmalloc(n * sizeof(*leaked_pages));
	if (!leaked_pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		leaked_pages[i] = alloc_page(GFP_KERNEL);
		if (!leaked_pages[i])
			goto fail;
		if (i % 65536 == 65535)
			cond_resched();
	}
	return 0;
fail:
	while (i--)
		__free_page(leaked_pages[i]);
	vfree(leaked_pages);
	leaked_pages = NULL;
	return -ENOMEM;
}

static noinline struct leak_rz_entry *new_rz_entry(unsigned long id)
{
	struct leak_rz_entry *e = kmalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return NULL;
	e->check = rz_check;
	INIT_LIST_HEAD(&e->link);
	e->id = id;
	strscpy(e->tag, "redzone-entry", sizeof(e->tag));
	return e;
}

/* Eight bytes past the end of @e: over SLUB's right red zone when slub_debug=Z is on. */
static noinline void rz_overrun(struct leak_rz_entry *e)
{
	u8 *p = (u8 *)e;
	int i;

	OPTIMIZER_HIDE_VAR(p);
	for (i = 0; i < 8; i++)
		WRITE_ONCE(p[sizeof(*e) + i], 0x41 + i);
}

/*
 * One object of the redzone scenario, the @kept-th to keep of @n: one in three is freed at
 * once (poisoned), and the kept ones spread evenly over @n get 8 bytes written past their end.
 * Returns 1 when kept, 0 when freed.  noinline: every allocation stack holds it and, above it,
 * the loop of plant_redzone that called it (one stack per planting step).
 */
static noinline int rz_one(unsigned long i, unsigned long kept, unsigned long n)
{
	unsigned long every = damage ? n / damage : 0;
	struct leak_rz_entry *e = new_rz_entry(i);

	if (!e)
		return -ENOMEM;
	if (i % 3 == 2) {
		kfree(e);
		return 0;
	}
	if (every && kept % every == every / 2 && kept / every < damage)
		rz_overrun(e);
	keep_obj(e);
	return 1;
}

/*
 * noinline, as plant_fn: the allocation stacks hold plant_redzone, not the freed __init text;
 * with first=M pause_ms=T, two steps T ms apart, each its own loop (and stack).
 */
static noinline int plant_redzone(unsigned long n)
{
	unsigned long i = 0, kept = 0;
	int r;

	if (first && first < n && pause_ms) {
		while (kept < first) {
			r = rz_one(i++, kept, n);
			if (r < 0)
				return r;
			kept += r;
		}
		msleep(pause_ms);
	}
	while (kept < n) {
		r = rz_one(i++, kept, n);
		if (r < 0)
			return r;
		kept += r;
	}
	return 0;
}

static int __init memsim_leak_init(void)
{
	unsigned long n = count;

	if (!strcmp(scenario, "idle"))
		return 0;
	if (!strcmp(scenario, "vmalloc"))
		return n && size ? leak_vmalloc_buffers(n, size) : -EINVAL;
	if (!strcmp(scenario, "pages"))
		return n ? leak_pages(n) : -EINVAL;
	if (!n)
		n = 100000;
	if (!keep && !strcmp(scenario, "stale"))
		return -EINVAL;
	if (keep) {
		objs = vzalloc(sizeof(*objs) * 2 * n);
		if (!objs)
			return -ENOMEM;
	}
	if (!strcmp(scenario, "kmalloc32-fn"))
		return plant_fn(n);
	if (!strcmp(scenario, "chain"))
		return plant_chain(n);
	if (!strcmp(scenario, "stale"))
		return plant_stale(n);
	if (!strcmp(scenario, "dedicated"))
		return plant_dedicated(n);
	if (!strcmp(scenario, "patterns"))
		return plant_patterns(n);
	if (!strcmp(scenario, "mixed"))
		return plant_mixed(n);
	if (!strcmp(scenario, "redzone"))
		return plant_redzone(n);
	return -EINVAL;
}
module_init(memsim_leak_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memsim sample leak scenarios");
