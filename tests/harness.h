/*
 * harness.h - the test harness: CHECK(expr) prints file:line and the expression on failure
 * and counts; a test program ends with `return l4a_test_summary("name");`, which prints
 * "name: N passed, N failed" and returns the exit code.
 *
 * Models come from the cache that `llm4all pull` fills ($LLM4ALL_HOME/models, default
 * ~/.cache/llm4all/models). A missing model is a failure, never a skip: the test command pulls
 * them first.
 */
#ifndef L4A_TEST_HARNESS_H
#define L4A_TEST_HARNESS_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

extern int l4a_test_passed, l4a_test_failed;

bool l4a_test_check(bool ok, const char *file, int line, const char *expr);

#define CHECK(x) l4a_test_check((x), __FILE__, __LINE__, #x)
#define CHECK_MSG(x, ...)                                                                      \
    do {                                                                                       \
        if (!CHECK(x)) { fprintf(stderr, "    "); fprintf(stderr, __VA_ARGS__);               \
                         fprintf(stderr, "\n"); }                                              \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                                     \
    CHECK_MSG((long long)(a) == (long long)(b), "%s = %lld, %s = %lld", #a, (long long)(a),    \
              #b, (long long)(b))
#define CHECK_NEAR(a, b, tol)                                                                  \
    CHECK_MSG(fabs((double)(a) - (double)(b)) <= (tol), "%s = %.9g, %s = %.9g, tol %g", #a,    \
              (double)(a), #b, (double)(b), (double)(tol))

/* Print the summary line; returns 0 when nothing failed, 1 otherwise. */
int l4a_test_summary(const char *name);

/* Path of a cached model "<name>.gguf" (static buffer), or NULL with a failed CHECK when it is
 * not there. */
const char *l4a_test_model(const char *name);
/* Path of a file under the repo's tests/ folder (tests run from the repo root). */
const char *l4a_test_path(const char *rel);
/* Read a whole file into a malloc'ed NUL-terminated buffer; NULL on error. */
char *l4a_test_read_file(const char *path, size_t *len);

#endif
