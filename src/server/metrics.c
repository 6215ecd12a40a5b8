/*
 * metrics.c - /metrics in the Prometheus text exposition format (version 0.0.4): request
 * counts by status class, tokens read and generated, cached prompt tokens, decode steps and
 * their mean batch, time spent, queue length and busy slots. Off unless --metrics.
 * Counters are atomics updated by the HTTP threads and the scheduler; this reads them.
 */
#include "server/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void l4a_srv_count_status(l4a_server *s, int status) {
    int k = status >= 200 && status < 300 ? 0 : status < 400 ? 1 : status == 429 ? 3
            : status < 500 ? 2 : status < 600 ? 4 : 5;
    atomic_fetch_add(&s->m.requests[k], 1);
}

typedef struct {
    char *buf;
    size_t n, cap;
    bool oom;
} sbuf;

static void add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(sbuf *b, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (k < 0 || b->oom) return;
    size_t len = (size_t)k < sizeof line ? (size_t)k : sizeof line - 1;
    if (!l4a_reserve(&b->buf, &b->cap, b->n + len + 1)) {
        b->oom = true;
        return;
    }
    memcpy(b->buf + b->n, line, len + 1);
    b->n += len;
}

static void counter(sbuf *b, const char *name, const char *help, double v) {
    add(b, "# HELP %s %s\n# TYPE %s counter\n%s %.17g\n", name, help, name, name, v);
}

static void gauge(sbuf *b, const char *name, const char *help, double v) {
    add(b, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name, name, v);
}

char *l4a_srv_metrics_text(l4a_server *s, size_t *len) {
    sbuf b = {0};
    static const char *classes[6] = {"2xx", "3xx", "4xx", "429", "5xx", "other"};
    add(&b, "# HELP llm4all_requests_total HTTP requests answered, by status class.\n"
            "# TYPE llm4all_requests_total counter\n");
    for (int i = 0; i < 6; i++)
        add(&b, "llm4all_requests_total{status=\"%s\"} %llu\n", classes[i],
            (unsigned long long)atomic_load(&s->m.requests[i]));
    counter(&b, "llm4all_prompt_tokens_total", "Prompt tokens decoded.",
            (double)atomic_load(&s->m.prompt_tokens));
    counter(&b, "llm4all_prompt_tokens_cached_total", "Prompt tokens reused from a slot's cache.",
            (double)atomic_load(&s->m.cached_tokens));
    counter(&b, "llm4all_generated_tokens_total", "Tokens generated.",
            (double)atomic_load(&s->m.gen_tokens));
    counter(&b, "llm4all_decode_steps_total", "Batched decode steps (one token per stream).",
            (double)atomic_load(&s->m.steps));
    counter(&b, "llm4all_decode_step_streams_total", "Streams summed over decode steps.",
            (double)atomic_load(&s->m.step_seqs));
    counter(&b, "llm4all_prompt_seconds_total", "Time spent decoding prompts.",
            1e-9 * (double)atomic_load(&s->m.prompt_ns));
    counter(&b, "llm4all_decode_seconds_total", "Time spent in decode steps.",
            1e-9 * (double)atomic_load(&s->m.gen_ns));
    pthread_mutex_lock(&s->mu);
    int32_t q = s->q_len, busy = s->n_busy;
    pthread_mutex_unlock(&s->mu);
    gauge(&b, "llm4all_queue_length", "Requests waiting for a slot.", q);
    gauge(&b, "llm4all_slots_busy", "Slots decoding a request.", busy);
    gauge(&b, "llm4all_slots", "Slots (-np).", s->n_slots);
    gauge(&b, "llm4all_uptime_seconds", "Seconds since the server started.",
          l4a_srv_now() - s->t_start);
    if (b.oom) {
        free(b.buf);
        return NULL;
    }
    *len = b.n;
    return b.buf;
}
