/*
 * feeder.c - preparing on the caller's thread, counting on a worker; see feeder.h.
 *
 * The ring is a single-producer single-consumer queue: the caller alone moves head, the
 * worker alone moves tail, both atomically, so handing over a batch takes no lock.  A side
 * that finds nothing to do spins a little (on a machine with more than one CPU) before it
 * sleeps on a condition variable: batches come every few microseconds, and putting a
 * thread to sleep and waking it again costs more than that (at 20 M objects, ~80,000
 * batches, the wake-ups alone cost a third of a second).  Sleeping is the Dekker pattern:
 * the sleeper sets its flag, then looks at the other side's counter once more; the other
 * side moves its counter, then looks at the flag (both sequentially consistent), so one of
 * them always sees the other and no wake-up is lost.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_int.h"
#include "feeder.h"

#define MIN_SLOTS 4u
#define MAX_SLOTS 512u
#define SPIN_NS 200000L	/* how long a side spins for work before it sleeps */

/* One queued batch: its objects' bytes and allocation bits copied out of the slab. */
struct slot {
	struct ms_batch b;
	uint8_t *bytes;
	uint64_t bitmap[MS_BATCH_MAX / 64];
};

struct ms_feeder {
	struct ms_engine *e;
	struct slot *slots;
	uint8_t *mem;		/* every slot's bytes and batch arrays, in one block */
	size_t mem_bytes, charged;
	uint32_t nslots, per_batch;
	size_t slot_bytes;	/* object bytes a slot holds */
	pthread_t worker;
	pthread_mutex_t lock;	/* only for sleeping and waking */
	pthread_cond_t to_worker, to_caller;
	_Atomic uint64_t head, tail;	/* slots queued / counted so far */
	atomic_int worker_waits, caller_waits, quit;
	int started, spin;
	unsigned long full;
	_Atomic uint64_t busy_ns;	/* the worker's time counting */
	long waited_ns;		/* the caller's time waiting */
};

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Has the awaited change come: @ready(@f) true?  Spins, then sleeps on @flag and @cond. */
static void await(struct ms_feeder *f, int (*ready)(struct ms_feeder *), atomic_int *flag,
		  pthread_cond_t *cond)
{
	if (f->spin) {
		long deadline = now_ns() + SPIN_NS;
		unsigned i;

		for (i = 1; !ready(f); i++) {
			cpu_relax();
			if (!(i & 63) && now_ns() > deadline)
				break;
		}
		if (ready(f))
			return;
	}
	pthread_mutex_lock(&f->lock);
	atomic_store(flag, 1);
	while (!ready(f))
		pthread_cond_wait(cond, &f->lock);
	atomic_store(flag, 0);
	pthread_mutex_unlock(&f->lock);
}

/* Tell the other side, if it sleeps on @flag, that something changed. */
static void wake(struct ms_feeder *f, atomic_int *flag, pthread_cond_t *cond)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(flag)) {
		pthread_mutex_lock(&f->lock);
		pthread_cond_signal(cond);
		pthread_mutex_unlock(&f->lock);
	}
}

static int work_or_quit(struct ms_feeder *f)
{
	return atomic_load(&f->head) != atomic_load(&f->tail) || atomic_load(&f->quit);
}

static int slot_free(struct ms_feeder *f)
{
	return atomic_load(&f->head) - atomic_load(&f->tail) < f->nslots;
}

static int all_counted(struct ms_feeder *f)
{
	return atomic_load(&f->head) == atomic_load(&f->tail);
}

static void *worker_main(void *arg)
{
	struct ms_feeder *f = arg;
	uint64_t tail = atomic_load(&f->tail);

	for (;;) {
		long t0;

		if (atomic_load_explicit(&f->head, memory_order_acquire) == tail) {
			await(f, work_or_quit, &f->worker_waits, &f->to_worker);
			if (atomic_load(&f->head) == tail)
				break;	/* quit, and nothing left */
		}
		t0 = now_ns();
		engine_consume(f->e, &f->slots[tail % f->nslots].b);
		atomic_fetch_add_explicit(&f->busy_ns, now_ns() - t0, memory_order_relaxed);
		atomic_store_explicit(&f->tail, ++tail, memory_order_release);
		wake(f, &f->caller_waits, &f->to_caller);
	}
	return NULL;
}

static size_t ring_layout(struct ms_feeder *f, size_t ring_bytes)
{
	size_t per_slot;

	f->per_batch = engine_batch_objects(f->e);
	f->slot_bytes = (size_t)f->per_batch * f->e->stride;
	per_slot = f->slot_bytes + engine_batch_bytes(f->e) + sizeof(struct slot);
	f->nslots = ring_bytes / per_slot;
	if (f->nslots < MIN_SLOTS)
		f->nslots = MIN_SLOTS;
	if (f->nslots > MAX_SLOTS)
		f->nslots = MAX_SLOTS;
	return f->nslots * (f->slot_bytes + engine_batch_bytes(f->e));
}

static struct ms_error *start_worker(struct ms_feeder *f)
{
	sigset_t all, old;
	int rc;

	/* The worker takes no signal: Ctrl-C is the caller's (crash's) to handle. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&f->worker, NULL, worker_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return ms_error_new(MS_ERR_IO, "feeder: no worker thread (error %d)", rc);
	return NULL;
}

struct ms_error *ms_feeder_new(struct ms_engine *e, size_t ring_bytes, struct ms_feeder **out)
{
	struct ms_feeder *f = calloc(1, sizeof(*f));
	struct ms_error *err;
	uint8_t *p;
	uint32_t i;

	if (!f)
		return ms_error_new(MS_ERR_NOMEM, "feeder: no memory");
	f->e = e;
	f->spin = sysconf(_SC_NPROCESSORS_ONLN) > 1;	/* on one CPU, spinning only delays */
	f->mem_bytes = ring_layout(f, ring_bytes ? ring_bytes : MS_FEEDER_DEFAULT_RING);
	f->charged = f->mem_bytes + f->nslots * sizeof(struct slot);
	if (!ms_mem_charge(&e->mem, f->charged)) {
		free(f);
		return ms_error_new(MS_ERR_LIMIT, "feeder: the memory limit cannot hold its ring");
	}
	f->slots = calloc(f->nslots, sizeof(*f->slots));
	f->mem = malloc(f->mem_bytes);
	if (!f->slots || !f->mem) {
		ms_mem_uncharge(&e->mem, f->charged);
		free(f->slots);
		free(f->mem);
		free(f);
		return ms_error_new(MS_ERR_NOMEM, "feeder: no memory for its ring");
	}
	for (i = 0, p = f->mem; i < f->nslots; i++) {
		f->slots[i].bytes = p;
		p += f->slot_bytes;
		engine_batch_init(e, &f->slots[i].b, p);
		p += engine_batch_bytes(e);
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->to_worker, NULL);
	pthread_cond_init(&f->to_caller, NULL);
	err = start_worker(f);
	if (err) {
		ms_feeder_free(f);
		return err;
	}
	f->started = 1;
	*out = f;
	return NULL;
}

/* A free slot, waiting for the worker while the ring is full. */
static struct slot *free_slot(struct ms_feeder *f)
{
	uint64_t head = atomic_load_explicit(&f->head, memory_order_relaxed);

	if (head - atomic_load_explicit(&f->tail, memory_order_acquire) == f->nslots) {
		long t0 = now_ns();

		f->full++;
		await(f, slot_free, &f->caller_waits, &f->to_caller);
		f->waited_ns += now_ns() - t0;
	}
	return &f->slots[head % f->nslots];
}

static void publish(struct ms_feeder *f)
{
	atomic_fetch_add_explicit(&f->head, 1, memory_order_release);
	wake(f, &f->worker_waits, &f->to_worker);
}

/* Copy objects [@first, @first + @n) of @v into @s and describe them as a view of their own. */
static void copy_range(struct slot *s, const struct ms_slab_view *v, uint32_t first, uint32_t n,
		       struct ms_slab_view *out)
{
	uint32_t i;

	memcpy(s->bytes, ms_slab_view_object(v, first), (size_t)(n - 1) * v->stride + v->object_size);
	memset(s->bitmap, 0, sizeof(s->bitmap));
	for (i = 0; i < n; i++)
		if (ms_slab_view_allocated(v, first + i))
			s->bitmap[i / 64] |= 1ULL << (i % 64);
	*out = (struct ms_slab_view){ s->bytes, ms_slab_view_object_addr(v, first), 0, v->stride,
				      v->object_size, n, s->bitmap };
}

void ms_feeder_feed(struct ms_feeder *f, const struct ms_slab_view *v)
{
	uint32_t first, n;

	if (!engine_accepts(f->e, v))
		return;
	for (first = 0; first < v->nr_objects; first += n) {
		struct slot *s = free_slot(f);
		struct ms_slab_view part;

		n = v->nr_objects - first < f->per_batch ? v->nr_objects - first : f->per_batch;
		copy_range(s, v, first, n, &part);
		engine_prepare(f->e, &part, 0, n, &s->b);
		publish(f);
	}
}

void ms_feeder_drain(struct ms_feeder *f)
{
	if (!all_counted(f))
		await(f, all_counted, &f->caller_waits, &f->to_caller);
}

void ms_feeder_stats(struct ms_feeder *f, struct ms_feeder_stats *st)
{
	st->full = f->full;
	st->counting_s = atomic_load(&f->busy_ns) / 1e9;
	st->waiting_s = f->waited_ns / 1e9;
}

void ms_feeder_free(struct ms_feeder *f)
{
	if (!f)
		return;
	if (f->started) {
		ms_feeder_drain(f);
		atomic_store(&f->quit, 1);
		wake(f, &f->worker_waits, &f->to_worker);
		pthread_join(f->worker, NULL);
	}
	pthread_cond_destroy(&f->to_worker);
	pthread_cond_destroy(&f->to_caller);
	pthread_mutex_destroy(&f->lock);
	ms_mem_uncharge(&f->e->mem, f->charged);
	free(f->slots);
	free(f->mem);
	free(f);
}
