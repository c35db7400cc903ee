/* feeder.c - preparing on the caller's thread, counting on a worker; see feeder.h. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "feeder.h"

#define MIN_SLOTS 4u
#define MAX_SLOTS 512u

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
	pthread_mutex_t lock;
	pthread_cond_t to_worker, to_caller;
	uint64_t head, tail;	/* slots queued / counted so far */
	int worker_waits, caller_waits, quit, started;
	unsigned long full;
	double busy, waited;	/* the worker's seconds counting; the caller's waiting */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker_main(void *arg)
{
	struct ms_feeder *f = arg;
	double t0;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		while (f->tail == f->head && !f->quit) {
			f->worker_waits = 1;
			pthread_cond_wait(&f->to_worker, &f->lock);
			f->worker_waits = 0;
		}
		if (f->tail == f->head)
			break;
		pthread_mutex_unlock(&f->lock);
		t0 = now();
		engine_consume(f->e, &f->slots[f->tail % f->nslots].b);
		t0 = now() - t0;
		pthread_mutex_lock(&f->lock);
		f->busy += t0;
		f->tail++;
		if (f->caller_waits)
			pthread_cond_signal(&f->to_caller);
	}
	pthread_mutex_unlock(&f->lock);
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
	pthread_mutex_lock(&f->lock);
	if (f->head - f->tail == f->nslots) {
		double t0 = now();

		f->full++;
		while (f->head - f->tail == f->nslots) {
			f->caller_waits = 1;
			pthread_cond_wait(&f->to_caller, &f->lock);
			f->caller_waits = 0;
		}
		f->waited += now() - t0;
	}
	pthread_mutex_unlock(&f->lock);
	return &f->slots[f->head % f->nslots];
}

static void publish(struct ms_feeder *f)
{
	pthread_mutex_lock(&f->lock);
	f->head++;
	if (f->worker_waits)
		pthread_cond_signal(&f->to_worker);
	pthread_mutex_unlock(&f->lock);
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
	pthread_mutex_lock(&f->lock);
	while (f->tail != f->head) {
		f->caller_waits = 1;
		pthread_cond_wait(&f->to_caller, &f->lock);
		f->caller_waits = 0;
	}
	pthread_mutex_unlock(&f->lock);
}

void ms_feeder_stats(struct ms_feeder *f, struct ms_feeder_stats *st)
{
	pthread_mutex_lock(&f->lock);
	st->full = f->full;
	st->counting_s = f->busy;
	st->waiting_s = f->waited;
	pthread_mutex_unlock(&f->lock);
}

void ms_feeder_free(struct ms_feeder *f)
{
	if (!f)
		return;
	if (f->started) {
		ms_feeder_drain(f);
		pthread_mutex_lock(&f->lock);
		f->quit = 1;
		pthread_cond_signal(&f->to_worker);
		pthread_mutex_unlock(&f->lock);
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
