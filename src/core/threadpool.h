/*
 * threadpool.h - a persistent pool of worker threads for data-parallel kernels.
 *
 * The pool is created once per context; l4a_pool_run wakes the workers, each calls
 * fn(arg, ith, nth) with its own index, and returns when all are done. The caller's thread is
 * worker 0, so a pool of 1 runs fn inline with no synchronisation. Kernels split their rows by
 * (ith, nth): see l4a_split().
 */
#ifndef L4A_THREADPOOL_H
#define L4A_THREADPOOL_H

#include <stdint.h>

typedef struct l4a_pool l4a_pool;
typedef void (*l4a_pool_fn)(void *arg, int ith, int nth);

/* NULL on allocation or thread-creation failure (error set). */
l4a_pool *l4a_pool_new(int n_threads);
void l4a_pool_free(l4a_pool *p);
int l4a_pool_size(const l4a_pool *p);
/* Run fn on every worker; returns when all have finished. Not reentrant. */
void l4a_pool_run(l4a_pool *p, l4a_pool_fn fn, void *arg);

/* The [begin, end) part of n items that worker ith of nth handles. */
static inline void l4a_split(int64_t n, int ith, int nth, int64_t *begin, int64_t *end) {
    int64_t per = (n + nth - 1) / nth;
    int64_t b = per * ith;
    int64_t e = b + per;
    *begin = b < n ? b : n;
    *end = e < n ? e : n;
}

#endif
