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

/* The same with parts that shrink as they go, for steps whose parts are long (products): part
 * k takes 1/(2 n_threads) of what parts 0..k-1 left (rounded up), the last part the rest.
 * Parts are claimed in order, so the parts left when the first thread runs out of work, which
 * the others then finish while it waits, are small; with equal parts (l4a_split) it can wait
 * up to a whole part. */
static inline void l4a_split_guided(int64_t n, int ith, int nth, int n_threads, int64_t *begin,
                                    int64_t *end) {
    const int64_t div = 2 * (int64_t)(n_threads > 0 ? n_threads : 1);
    int64_t b = 0;
    for (int k = 0; k < ith; k++) b += (n - b + div - 1) / div;
    *begin = b;
    *end = ith == nth - 1 ? n : b + (n - b + div - 1) / div;
}

#endif
