/*
 * threadpool.h - a persistent pool of worker threads for data-parallel kernels.
 *
 * The pool is created once per context. l4a_pool_run cuts a step into l4a_pool_parts() parts
 * and every thread, the caller's included, claims parts until none is left: fn(arg, part,
 * n_parts, tid). Parts are claimed, not assigned, so that a thread the OS has descheduled (a
 * busy machine, more threads than cores) does not hold the step: the others do its parts.
 * Kernels split their rows by (part, n_parts), see l4a_split(), and index per-thread scratch
 * by tid (0 <= tid < l4a_pool_size()). Which thread runs a part never changes what it
 * computes, so results do not depend on the scheduling. A pool of 1 runs fn inline, as one
 * part, with no synchronisation.
 */
#ifndef L4A_THREADPOOL_H
#define L4A_THREADPOOL_H

#include <stdint.h>

typedef struct l4a_pool l4a_pool;
typedef void (*l4a_pool_fn)(void *arg, int part, int n_parts, int tid);

/* NULL on allocation or thread-creation failure (error set). */
l4a_pool *l4a_pool_new(int n_threads);
void l4a_pool_free(l4a_pool *p);
/* Threads (>= 1), and parts of each step (a few per thread; 1 for a pool of 1). */
int l4a_pool_size(const l4a_pool *p);
int l4a_pool_parts(const l4a_pool *p);
/* Run fn on every part; returns when all have finished. Not reentrant. */
void l4a_pool_run(l4a_pool *p, l4a_pool_fn fn, void *arg);

/* The [begin, end) part of n items that part ith of nth handles. */
static inline void l4a_split(int64_t n, int ith, int nth, int64_t *begin, int64_t *end) {
    int64_t per = (n + nth - 1) / nth;
    int64_t b = per * ith;
    int64_t e = b + per;
    *begin = b < n ? b : n;
    *end = e < n ? e : n;
}

#endif
