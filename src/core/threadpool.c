/*
 * threadpool.c - persistent workers that claim the parts of each parallel step.
 *
 * `claim` holds the step's generation (high 32 bits) and its next unclaimed part (low 32
 * bits). A step is published by storing (generation, 0); each thread, the caller's included,
 * takes parts with fetch_add until the part number reaches n_parts. A worker that wakes late
 * may add to a newer step's counter: the part it gets is then a real part of that step, which
 * it runs with that step's fn and arg (read after the claim; they cannot change before the
 * step's last part is done). Workers spin briefly on the generation (a decode step is short,
 * and sleeping costs microseconds), then sleep on a condition variable. The caller waits for
 * `done` to reach n_parts. Fields written by different threads sit on separate cache lines.
 */
#include "core/threadpool.h"
#include "core/core.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>

#define SPIN_ITERS 20000     /* then sleep on the condition variable */
#define SPIN_BEFORE_YIELD 256 /* pause-spins between sched_yield calls */
#define PARTS_PER_THREAD 8   /* l4a_split_guided's last part: (1 - 1/2n)^(8n-1), under 2 % */

struct l4a_pool {
    int n, n_parts;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Alignas(64) _Atomic uint64_t claim;
    _Alignas(64) _Atomic int done;
    _Alignas(64) _Atomic(l4a_pool_fn) fn;
    _Atomic(void *) arg;
    _Atomic bool stop;
};

typedef struct worker_arg {
    l4a_pool *p;
    int ith;
} worker_arg;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claim and run parts until none is left; returns the generation last seen. */
static uint64_t work(l4a_pool *p, int tid) {
    for (;;) {
        uint64_t c = atomic_fetch_add_explicit(&p->claim, 1, memory_order_acq_rel);
        uint32_t part = (uint32_t)c;
        if (part >= (uint32_t)p->n_parts) return c >> 32;
        l4a_pool_fn fn = atomic_load_explicit(&p->fn, memory_order_relaxed);
        fn(atomic_load_explicit(&p->arg, memory_order_relaxed), (int)part, p->n_parts, tid);
        atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
    }
}

static void *worker_main(void *raw) {
    worker_arg wa = *(worker_arg *)raw;
    l4a_free(raw);
    l4a_pool *p = wa.p;
    uint64_t seen = 0;
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&p->claim, memory_order_acquire) >> 32 == seen) {
            if (++spins < SPIN_ITERS) {
                if (spins % SPIN_BEFORE_YIELD == 0) sched_yield();
                else cpu_relax();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            while (atomic_load(&p->claim) >> 32 == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv, &p->mu);
            pthread_mutex_unlock(&p->mu);
            spins = 0;
            if (atomic_load(&p->stop)) return NULL;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = work(p, wa.ith);
    }
}

l4a_pool *l4a_pool_new(int n_threads) {
    if (n_threads < 1) n_threads = 1;
    l4a_pool *p = l4a_calloc(1, sizeof *p);
    if (!p) {
        l4a_fail(L4A_ERR_NOMEM, "thread pool: out of memory");
        return NULL;
    }
    p->n = n_threads;
    p->n_parts = n_threads == 1 ? 1 : n_threads * PARTS_PER_THREAD;
    /* generation 0, every part taken: nothing to run until the first step */
    atomic_store(&p->claim, (uint64_t)p->n_parts);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (n_threads == 1) return p;
    p->threads = l4a_calloc((size_t)n_threads, sizeof *p->threads);
    if (!p->threads) {
        l4a_pool_free(p);
        l4a_fail(L4A_ERR_NOMEM, "thread pool: out of memory");
        return NULL;
    }
    for (int i = 1; i < n_threads; i++) {
        worker_arg *wa = l4a_malloc(sizeof *wa);
        if (wa) {
            wa->p = p;
            wa->ith = i;
        }
        if (!wa || pthread_create(&p->threads[i], NULL, worker_main, wa) != 0) {
            l4a_free(wa);
            p->n = i; /* only threads 1..i-1 exist: free joins those */
            l4a_pool_free(p);
            l4a_fail(L4A_ERR_NOMEM, "thread pool: cannot start thread %d", i);
            return NULL;
        }
    }
    return p;
}

void l4a_pool_free(l4a_pool *p) {
    if (!p) return;
    if (p->threads) {
        pthread_mutex_lock(&p->mu);
        atomic_store(&p->stop, true);
        /* a new generation with every part taken: wakes the workers, runs nothing */
        uint64_t g = (atomic_load(&p->claim) >> 32) + 1;
        atomic_store(&p->claim, g << 32 | (uint64_t)p->n_parts);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        for (int i = 1; i < p->n; i++) pthread_join(p->threads[i], NULL);
        l4a_free(p->threads);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    l4a_free(p);
}

int l4a_pool_size(const l4a_pool *p) { return p ? p->n : 1; }
int l4a_pool_parts(const l4a_pool *p) { return p ? p->n_parts : 1; }

void l4a_pool_run(l4a_pool *p, l4a_pool_fn fn, void *arg) {
    if (!p || p->n == 1) {
        fn(arg, 0, 1, 0);
        return;
    }
    atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&p->arg, arg, memory_order_relaxed);
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    uint64_t g = (atomic_load_explicit(&p->claim, memory_order_relaxed) >> 32) + 1;
    pthread_mutex_lock(&p->mu);
    atomic_store_explicit(&p->claim, g << 32, memory_order_release);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    work(p, 0);
    for (int spins = 1; atomic_load_explicit(&p->done, memory_order_acquire) != p->n_parts;
         spins++) {
        if (spins % SPIN_BEFORE_YIELD == 0) sched_yield();
        else cpu_relax();
    }
}
