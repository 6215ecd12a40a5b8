/*
 * error.c - status strings, the per-thread last-error message, logging and assertions.
 */
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char g_err[1024];

const char *l4a_status_str(l4a_status s) {
    switch (s) {
    case L4A_OK: return "ok";
    case L4A_ERR_INVALID_ARG: return "invalid argument";
    case L4A_ERR_IO: return "input/output error";
    case L4A_ERR_FORMAT: return "malformed file";
    case L4A_ERR_UNSUPPORTED: return "unsupported";
    case L4A_ERR_NOMEM: return "out of memory";
    case L4A_ERR_CONTEXT_FULL: return "context full";
    case L4A_ERR_INTERNAL: return "internal error";
    case L4A_ERR_CANCELLED: return "cancelled";
    }
    return "unknown status";
}

const char *l4a_last_error(void) { return g_err; }

void l4a_error_clear(void) { g_err[0] = 0; }

l4a_status l4a_fail(l4a_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
    return st;
}

void l4a_error_prefix(const char *fmt, ...) {
    char pre[512], old[sizeof g_err];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, g_err, sizeof old);
    size_t n = strlen(pre);
    if (n > sizeof g_err - 3) n = sizeof g_err - 3;
    memcpy(g_err, pre, n);
    memcpy(g_err + n, ": ", 2);
    size_t rest = sizeof g_err - n - 3;
    size_t m = strnlen(old, rest);
    memcpy(g_err + n + 2, old, m);
    g_err[n + 2 + m] = 0;
}

/* ---- logging */

static l4a_log_fn g_log_fn;
static void *g_log_user;
static l4a_log_level g_log_max = L4A_LOG_WARN;

void l4a_log_set(l4a_log_fn fn, void *user, l4a_log_level max_level) {
    g_log_fn = fn;
    g_log_user = user;
    g_log_max = fn ? max_level : L4A_LOG_WARN;
}

void l4a_log(l4a_log_level level, const char *fmt, ...) {
    if (level > g_log_max) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (g_log_fn) {
        g_log_fn(level, msg, g_log_user);
        return;
    }
    static const char *names[] = {"error", "warning", "info", "debug"};
    fprintf(stderr, "llm4all: %s: %s\n", names[level], msg);
}

void l4a_assert_fail(const char *file, int line, const char *expr) {
    fprintf(stderr, "llm4all: internal error: %s:%d: assertion failed: %s\n", file, line, expr);
    abort();
}
