/*
 * threadpool.c - persistent workers woken per parallel step.
 *
 * A step is published by bumping `generation`; workers spin briefly on it (a decode step is
 * short, and sleeping costs microseconds), then sleep on a condition variable. Each worker
 * signals completion by decrementing `pending`; the caller, which is worker 0, spins until it
 * reaches zero. Fields written by different threads sit on separate cache lines.
 */
#include "core/threadpool.h"
#include "core/core.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>

#define SPIN_ITERS 20000     /* then sleep on the condition variable */
#define SPIN_BEFORE_YIELD 256 /* pause-spins between sched_yield calls */

struct l4a_pool {
    int n;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Alignas(64) _Atomic uint64_t generation;
    _Alignas(64) _Atomic int pending;
    _Alignas(64) l4a_pool_fn fn;
    void *arg;
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

static void *worker_main(void *raw) {
    worker_arg wa = *(worker_arg *)raw;
    l4a_free(raw);
    l4a_pool *p = wa.p;
    uint64_t seen = 0;
    for (;;) {
        uint64_t g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen) {
            if (++spins < SPIN_ITERS) {
                if (spins % SPIN_BEFORE_YIELD == 0) sched_yield();
                else cpu_relax();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv, &p->mu);
            pthread_mutex_unlock(&p->mu);
            spins = 0;
            if (atomic_load(&p->stop)) return NULL;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = g;
        p->fn(p->arg, wa.ith, p->n);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
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
        atomic_fetch_add(&p->generation, 1);
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

void l4a_pool_run(l4a_pool *p, l4a_pool_fn fn, void *arg) {
    if (!p || p->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    fn(arg, 0, p->n);
    for (int spins = 1; atomic_load_explicit(&p->pending, memory_order_acquire) != 0; spins++) {
        if (spins % SPIN_BEFORE_YIELD == 0) sched_yield();
        else cpu_relax();
    }
}
