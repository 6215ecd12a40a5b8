/* test_core.c - the core: thread pool coverage of rows, allocation failure injection,
 * checked arithmetic, error messages. */
#include "harness.h"
#include "core/core.h"
#include "core/threadpool.h"

#include <stdatomic.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct { _Atomic int *hits; int64_t n; int guided_threads; } cover_arg;

static void cover(void *raw, int ith, int nth, int tid) {
    (void)tid;
    cover_arg *a = raw;
    int64_t b, e;
    if (a->guided_threads) l4a_split_guided(a->n, ith, nth, a->guided_threads, &b, &e);
    else l4a_split(a->n, ith, nth, &b, &e);
    for (int64_t i = b; i < e; i++) atomic_fetch_add(&a->hits[i], 1);
}

static void test_pool(int n_threads) {
    l4a_pool *p = l4a_pool_new(n_threads);
    CHECK(p != NULL);
    if (!p) return;
    CHECK_EQ_INT(l4a_pool_size(p), n_threads);
    enum { N = 1001 };
    static _Atomic int hits[N];
    for (int rep = 0; rep < 400; rep++) {
        for (int i = 0; i < N; i++) atomic_store(&hits[i], 0);
        cover_arg a = {hits, N - rep / 2, rep % 2 ? n_threads : 0};
        l4a_pool_run(p, cover, &a);
        int bad = 0;
        for (int i = 0; i < N; i++) bad += atomic_load(&hits[i]) != (i < a.n ? 1 : 0);
        if (bad) { CHECK_MSG(bad == 0, "rep %d: %d rows wrong", rep, bad); break; }
    }
    CHECK(1);
    l4a_pool_free(p);
}

/* Shrinking parts: in order, back to back, covering [0, n); each no larger than the one
 * before it but the last, which is under 2 % of n (give or take a row per part) when there
 * are 8 parts per thread, as in the pool; one part is everything. */
static void test_split_guided(void) {
    static const int64_t ns[] = {0, 1, 7, 100, 1120, 100000};
    int bad = 0;
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
        for (int threads = 1; threads <= 16; threads++) {
            const int64_t n = ns[k];
            const int nth = threads == 1 ? 1 : 8 * threads;
            int64_t at = 0, prev = n;
            for (int part = 0; part < nth; part++) {
                int64_t b, e;
                l4a_split_guided(n, part, nth, threads, &b, &e);
                const bool last = part == nth - 1;
                bad += b != at || e < b || (!last && e - b > prev) ||
                       (last && threads > 1 && (double)(e - b) > 0.02 * (double)n + nth);
                at = e;
                prev = e - b;
            }
            bad += at != n;
        }
    CHECK_MSG(bad == 0, "l4a_split_guided: %d wrong parts or totals", bad);
}

/* A thread that stalls (descheduled, in real life) does not hold the step: the caller claims
 * the parts it has not started. */
typedef struct {
    _Atomic int *hits;
    _Atomic int by_caller, stalls;
    int n;
} stall_arg;

static void stall(void *raw, int part, int n_parts, int tid) {
    stall_arg *a = raw;
    if (tid != 0 && atomic_fetch_add(&a->stalls, 1) == 0) {
        struct timespec ts = {0, 30 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (tid == 0) atomic_fetch_add(&a->by_caller, 1);
    int64_t b, e;
    l4a_split(a->n, part, n_parts, &b, &e);
    for (int64_t i = b; i < e; i++) atomic_fetch_add(&a->hits[i], 1);
}

static void test_pool_stall(void) {
    l4a_pool *p = l4a_pool_new(2);
    CHECK(p != NULL);
    if (!p) return;
    const int np = l4a_pool_parts(p);
    CHECK(np >= 2);
    enum { N = 777 };
    static _Atomic int hits[N];
    int worst = np;
    for (int rep = 0; rep < 5; rep++) {
        stall_arg a = {.hits = hits, .n = N};
        for (int i = 0; i < N; i++) atomic_store(&hits[i], 0);
        l4a_pool_run(p, stall, &a);
        int bad = 0;
        for (int i = 0; i < N; i++) bad += atomic_load(&hits[i]) != 1;
        CHECK_MSG(bad == 0, "rep %d: %d rows wrong", rep, bad);
        if (atomic_load(&a.by_caller) < worst) worst = atomic_load(&a.by_caller);
    }
    /* the stalled worker holds one part at most; the caller ran all the others */
    CHECK_MSG(worst >= np - 1, "caller ran %d of %d parts while the worker stalled", worst, np);
    l4a_pool_free(p);
}

/* A file read or mapped whole gives its bytes, small or large. */
static void test_file_views(void) {
    static const uint64_t sizes[] = {5, (2u << 20) + 3};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        const uint64_t n = sizes[k];
        char path[] = "/tmp/l4a_test_file_XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        if (fd < 0) return;
        FILE *w = fdopen(fd, "wb");
        for (uint64_t i = 0; i < n; i++) fputc((int)((i * 131 + 7) & 0xFF), w);
        fclose(w);
        for (int use_mmap = 0; use_mmap < 2; use_mmap++) {
            l4a_mapped_file f;
            CHECK(l4a_file_map(path, use_mmap, &f) == L4A_OK);
            CHECK(f.size == n && f.data != NULL && f.mapped == (bool)use_mmap);
            /* from 2 MiB up, both views start on a 2 MiB boundary (huge pages, file.c) */
            if (n >= (2u << 20)) CHECK(((uintptr_t)f.data & ((2u << 20) - 1)) == 0);
            /* advice only: the bytes stay the same, in range or not */
            l4a_file_advise_sparse(&f, f.data, n);
            l4a_file_advise_sparse(&f, f.data + 1, n);
            bool same = f.data != NULL;
            for (uint64_t i = 0; same && i < n; i++) same = f.data[i] == ((i * 131 + 7) & 0xFF);
            CHECK(same);
            l4a_file_unmap(&f);
            CHECK(f.data == NULL && f.size == 0);
        }
        unlink(path);
    }
}

int main(void) {
    test_split_guided();
    test_pool_stall();
    test_pool(1);
    test_pool(2);
    test_pool(5);
    l4a_pool_free(NULL);

    l4a_alloc_fail_after(1);
    void *a = l4a_malloc(10), *b = l4a_malloc(10), *c = l4a_malloc(10);
    CHECK(a != NULL);
    CHECK(b == NULL);
    l4a_alloc_fail_after(-1);
    CHECK(c != NULL);
    l4a_free(a); l4a_free(c); l4a_free(NULL);

    uint64_t r;
    CHECK(!l4a_mul_ok(UINT64_MAX / 2, 3, &r));
    CHECK(l4a_mul_ok(1u << 20, 1u << 20, &r) && r == (1ull << 40));
    CHECK(!l4a_add_ok(UINT64_MAX, 1, &r));

    CHECK(l4a_fail(L4A_ERR_FORMAT, "tensor '%s' bad", "x") == L4A_ERR_FORMAT);
    l4a_error_prefix("gguf");
    CHECK(strcmp(l4a_last_error(), "gguf: tensor 'x' bad") == 0);
    CHECK(strcmp(l4a_status_str(L4A_ERR_NOMEM), "out of memory") == 0);

    l4a_mapped_file f;
    CHECK(l4a_file_map("/nonexistent/file", true, &f) == L4A_ERR_IO);
    CHECK(strstr(l4a_last_error(), "/nonexistent/file") != NULL);
    CHECK(l4a_file_map("/etc", true, &f) == L4A_ERR_IO);
    test_file_views();
    CHECK(l4a_n_physical_cores() >= 1);
    return l4a_test_summary("test_core");
}
