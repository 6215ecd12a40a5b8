/*
 * alloc.c - allocation through one place, so tests can inject failures ("fail the n-th
 * allocation from now") and so every size is checked. Freeing NULL is a no-op.
 */
#include "core/core.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int64_t g_fail_after = -1;

void l4a_alloc_fail_after(int64_t n) { atomic_store(&g_fail_after, n); }

/* True when this allocation must fail (test hook): the n-th from the hook's setting, once. */
static bool injected_failure(void) {
    int64_t n = atomic_load(&g_fail_after);
    if (n < 0) return false;
    if (n == 0) {
        atomic_store(&g_fail_after, -1);
        return true;
    }
    atomic_fetch_sub(&g_fail_after, 1);
    return false;
}

void *l4a_malloc(size_t n) {
    if (injected_failure()) return NULL;
    return malloc(n ? n : 1);
}

void *l4a_calloc(size_t n, size_t size) {
    if (injected_failure()) return NULL;
    if (n == 0 || size == 0) return calloc(1, 1);
    return calloc(n, size);
}

void *l4a_realloc(void *p, size_t n) {
    if (injected_failure()) return NULL;
    return realloc(p, n ? n : 1);
}

void l4a_free(void *p) { free(p); }

bool l4a_reserve(char **buf, size_t *cap, size_t need) {
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 256;
    while (c < need) {
        if (c > SIZE_MAX / 2) return false;
        c *= 2;
    }
    char *nb = l4a_realloc(*buf, c);
    if (!nb) return false;
    *buf = nb;
    *cap = c;
    return true;
}

char *l4a_strndup(const char *s, size_t n) {
    char *d = l4a_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *l4a_strdup(const char *s) { return l4a_strndup(s, strlen(s)); }

void *l4a_malloc_aligned(size_t n) {
    if (injected_failure()) return NULL;
    void *p = NULL;
    size_t rounded = (n + 63) & ~(size_t)63;
    if (rounded < n) return NULL;
    if (posix_memalign(&p, 64, rounded ? rounded : 64) != 0) return NULL;
    return p;
}

void l4a_free_aligned(void *p) { free(p); }
