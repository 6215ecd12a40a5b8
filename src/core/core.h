/*
 * core.h - what every part of the library uses: error reporting, logging, allocation hooks,
 * checked size arithmetic, always-on assertions, mapped files.
 *
 * Not public: the public API is include/llm4all.h. Functions here are hidden (-fvisibility).
 */
#ifndef L4A_CORE_H
#define L4A_CORE_H

#include "llm4all.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* ---- errors: set a message and return the status, in one line:
 *      return l4a_fail(L4A_ERR_FORMAT, "gguf: tensor '%s' ...", name);            */
l4a_status l4a_fail(l4a_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the current error message with "prefix: " (for context added by callers). */
void l4a_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void l4a_error_clear(void);

/* ---- logging */
void l4a_log(l4a_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define L4A_LOG_E(...) l4a_log(L4A_LOG_ERROR, __VA_ARGS__)
#define L4A_LOG_W(...) l4a_log(L4A_LOG_WARN, __VA_ARGS__)
#define L4A_LOG_I(...) l4a_log(L4A_LOG_INFO, __VA_ARGS__)
#define L4A_LOG_D(...) l4a_log(L4A_LOG_DEBUG, __VA_ARGS__)

/* ---- internal invariants (never for input validation): always on. */
void l4a_assert_fail(const char *file, int line, const char *expr) __attribute__((noreturn));
#define L4A_ASSERT(x) ((x) ? (void)0 : l4a_assert_fail(__FILE__, __LINE__, #x))

/* ---- allocation, through hooks so tests can inject failures.
 * l4a_malloc(0) returns a valid unique pointer; l4a_free(NULL) is a no-op. */
void *l4a_malloc(size_t n);
void *l4a_calloc(size_t n, size_t size);
void *l4a_realloc(void *p, size_t n);
void l4a_free(void *p);
char *l4a_strdup(const char *s);
char *l4a_strndup(const char *s, size_t n);
/* Grow the buffer *buf (capacity *cap, l4a_realloc'ed) to hold need bytes, doubling; false
 * when out of memory (the buffer is then unchanged). */
bool l4a_reserve(char **buf, size_t *cap, size_t need);
/* 64-byte aligned allocation (for SIMD and cache lines), freed with l4a_free_aligned. */
void *l4a_malloc_aligned(size_t n);
void l4a_free_aligned(void *p);
/* Test hook: make the allocation after the next n fail, once (n < 0: never). */
void l4a_alloc_fail_after(int64_t n);

/* ---- checked arithmetic on sizes from files or requests: return false on overflow. */
static inline bool l4a_mul_ok(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool l4a_add_ok(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_add_overflow(a, b, out);
}

/* ---- mapped files */
typedef struct l4a_mapped_file {
    const uint8_t *data;    /* read-only view of the whole file (NULL for an empty file) */
    uint64_t size;
    bool mapped;            /* true: mmap'ed; false: read into memory */
    bool anon;              /* read into anonymous memory (mmap'ed), not the heap */
} l4a_mapped_file;

/* Map (or read, when use_mmap is false) a whole file. Errors name the path. */
l4a_status l4a_file_map(const char *path, bool use_mmap, l4a_mapped_file *out);
void l4a_file_unmap(l4a_mapped_file *f);
/* Advise that bytes p..p+n of a mapped file are read a little at a time (an untied embedding
 * table, one row per token): 4 KiB pages there, so a row read does not bring its whole 2 MiB
 * page into the resident set. Only the 2 MiB pages wholly inside the range change; nothing for
 * a file read into memory or a range outside f. */
void l4a_file_advise_sparse(const l4a_mapped_file *f, const void *p, uint64_t n);

/* Drop the pages wholly inside bytes p..p+n of a mapped file from the resident set (the bytes
 * stay readable: touched again, they are read back from the file). Nothing for a file read
 * into memory or a range outside f. */
void l4a_file_drop_pages(const l4a_mapped_file *f, const void *p, uint64_t n);

/* n > 0 bytes of zeroed anonymous memory, 2 MiB-aligned and advised for transparent huge pages
 * from 2 MiB up; NULL when out of memory. Free with l4a_pages_free(p, n). */
void *l4a_pages_alloc(size_t n);
void l4a_pages_free(void *p, size_t n);

/* ---- time */
double l4a_time_s(void);    /* monotonic seconds */

#endif
