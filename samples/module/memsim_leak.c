// SPDX-License-Identifier: GPL-2.0
/*
 * memsim_leak - plants leak scenarios for memsim's sample vmcores.
 *
 *   insmod memsim_leak.ko scenario=kmalloc32-fn|chain|stale|dedicated|idle [count=N]
 *
 * Every planted object stays allocated and reachable from a vmalloc'd array (which is not in
 * any slab cache), so the dump holds them exactly as a leak would.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static char *scenario = "idle";
module_param(scenario, charp, 0444);
static unsigned long count;
module_param(count, ulong, 0444);

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

/* dedicated: a cache of our own, with a constructor so it is never merged. */
struct leak_widget {
	struct list_head link;
	void (*poke)(struct leak_widget *w);
	unsigned int id;
	unsigned int state;
	char label[24];
	unsigned long created;
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
static noinline void widget_poke(struct leak_widget *w) { w->state++; }

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

static int plant_fn(unsigned long n)
{
	for (nr_objs = 0; nr_objs < n; nr_objs++) {
		struct leak_fn_entry *e = kmalloc(sizeof(*e), GFP_KERNEL);

		if (!e)
			return -ENOMEM;
		e->callback = fn_entry_callback;
		INIT_LIST_HEAD(&e->node);
		e->seq = nr_objs * 7;
		objs[nr_objs] = e;
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
	for (nr_objs = 0; nr_objs < n; nr_objs++) {
		struct leak_event *ev = kzalloc(sizeof(*ev), GFP_KERNEL);

		if (!ev)
			return -ENOMEM;
		ev->group = group;
		ev->mask = 0x100;	/* an IN_CREATE-like event mask */
		ev->cookie = (u32)(nr_objs * 2654435761u);
		objs[nr_objs] = ev;
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
	for (nr_objs = 0; nr_objs < n; nr_objs++) {
		struct leak_widget *w = kmem_cache_alloc(widget_cache, GFP_KERNEL);

		if (!w)
			return -ENOMEM;
		w->id = nr_objs;
		w->state = 1;
		snprintf(w->label, sizeof(w->label), "widget-%lu", nr_objs);
		w->created = 4294892296UL + nr_objs;
		objs[nr_objs] = w;
	}
	return 0;
}

static int __init memsim_leak_init(void)
{
	unsigned long n = count;

	if (!strcmp(scenario, "idle"))
		return 0;
	if (!n)
		n = 100000;
	objs = vzalloc(sizeof(*objs) * 2 * n);
	if (!objs)
		return -ENOMEM;
	if (!strcmp(scenario, "kmalloc32-fn"))
		return plant_fn(n);
	if (!strcmp(scenario, "chain"))
		return plant_chain(n);
	if (!strcmp(scenario, "stale"))
		return plant_stale(n);
	if (!strcmp(scenario, "dedicated"))
		return plant_dedicated(n);
	return -EINVAL;
}
module_init(memsim_leak_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("memsim sample leak scenarios");
