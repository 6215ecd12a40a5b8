/*
 * server.c - the public server API (l4a_server_* in llm4all.h): parameters and their checks,
 * the bind address and the rule that only loopback may be bound without an API key, the
 * model's context and slots, and the life cycle start -> set_model -> run -> stop -> free.
 *
 * Shutdown (l4a_server_stop, e.g. from SIGTERM): stop accepting connections, answer new
 * requests on open connections with 503, cancel the minutes jobs (meetings.c), wait until every in-flight request has been answered
 * (at most drain_s), then stop the scheduler and the HTTP threads.
 */
#include "server/server.h"
#include "core/core.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

l4a_server_params l4a_server_default_params(void) {
    return (l4a_server_params){
        .host = "127.0.0.1", .port = 8080, .n_slots = 4, .n_batch = 512,
        .kv_type = L4A_KV_F16, .max_queue = 64, .max_body = 1 << 20, .max_tokens = 4096,
        .max_conns = 64, .timeout_s = 30, .drain_s = 60, .log_level = L4A_LOG_INFO,
        .meeting_queue = 4, .meeting_ttl_s = 3600,
    };
}

static l4a_status check_params(const l4a_server_params *p) {
#define RANGE(f, lo, hi)                                                                       \
    if ((int64_t)p->f < (lo) || (int64_t)p->f > (hi))                                         \
        return l4a_fail(L4A_ERR_INVALID_ARG, "server: " #f " is %lld, outside %lld .. %lld",   \
                        (long long)p->f, (long long)(lo), (long long)(hi));
    RANGE(port, 0, 65535)
    RANGE(n_slots, 1, 256)
    RANGE(n_ctx, 0, 1 << 20)
    RANGE(n_batch, 1, 1 << 16)
    RANGE(n_threads, 0, 1024)
    RANGE(max_queue, 0, 1 << 20)
    RANGE(max_body, 1024, (int64_t)1 << 32)
    RANGE(max_tokens, 1, 1 << 20)
    RANGE(max_conns, 1, 4096)
    RANGE(timeout_s, 1, 86400)
    RANGE(drain_s, 0, 86400)
    RANGE(meeting_queue, 0, 64)
    RANGE(meeting_ttl_s, 1, 7 * 86400)
#undef RANGE
    if (!p->host || !*p->host) return l4a_fail(L4A_ERR_INVALID_ARG, "server: host is empty");
    if (p->api_key && strlen(p->api_key) < 8)
        return l4a_fail(L4A_ERR_INVALID_ARG, "server: the API key must be at least 8 characters");
    return L4A_OK;
}

static bool addr_is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a);
    }
    return false;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

l4a_status l4a_server_start(const l4a_server_params *p, l4a_server **out) {
    if (!p || !out) return l4a_fail(L4A_ERR_INVALID_ARG, "server: params or out is NULL");
    *out = NULL;
    l4a_status st = check_params(p);
    if (st != L4A_OK) return st;

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE}, *res = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", p->port);
    int gai = getaddrinfo(p->host, port, &hints, &res);
    if (gai != 0 || !res)
        return l4a_fail(L4A_ERR_INVALID_ARG, "server: cannot resolve host '%s': %s", p->host,
                        gai_strerror(gai));
    bool loop = true;
    for (const struct addrinfo *a = res; a; a = a->ai_next) loop = loop && addr_is_loopback(a->ai_addr);
    if (!loop && !p->api_key) {
        freeaddrinfo(res);
        return l4a_fail(L4A_ERR_INVALID_ARG, "server: refusing to listen on '%s' without an API "
                        "key: anyone on the network could use the model. Give --api-key KEY (or "
                        "keep the default --host 127.0.0.1)", p->host);
    }
    l4a_server *s = calloc(1, sizeof *s);
    if (!s) {
        freeaddrinfo(res);
        return l4a_fail(L4A_ERR_NOMEM, "server: out of memory");
    }
    s->p = *p;
    s->listen_fd = -1;
    s->loopback = loop;
    s->t_start = l4a_srv_now();
    snprintf(s->max_body_str, sizeof s->max_body_str, "%lld", (long long)p->max_body);
    s->host = dup_or_null(p->host);
    s->api_key = dup_or_null(p->api_key);
    s->alias = dup_or_null(p->alias);
    s->allow_origin = dup_or_null(p->allow_origin);
    s->p.host = s->host;
    s->p.api_key = s->api_key;
    s->p.alias = s->alias;
    s->p.allow_origin = s->allow_origin;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->sched_cond, NULL);
    int rc = l4a_srv_http_start(s, res->ai_addr);
    freeaddrinfo(res);
    if (rc != 0) {
        l4a_server_free(s);
        return l4a_fail(L4A_ERR_IO, "server: cannot listen on %s:%d (address in use, or not "
                        "ours)", p->host, p->port);
    }
    *out = s;
    return L4A_OK;
}

int32_t l4a_server_port(const l4a_server *s) { return s ? s->port : 0; }

l4a_status l4a_server_set_model(l4a_server *s, const l4a_model *m, const char *id) {
    if (!s || !m) return l4a_fail(L4A_ERR_INVALID_ARG, "server: server or model is NULL");
    if (s->ctx) return l4a_fail(L4A_ERR_INVALID_ARG, "server: a model is already set");
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = s->p.n_ctx;
    cp.n_batch = s->p.n_batch > s->p.n_slots ? s->p.n_batch : s->p.n_slots;
    cp.n_threads = s->p.n_threads;
    cp.kv_type = s->p.kv_type;
    cp.n_seq = s->p.n_slots;
    l4a_status st = l4a_ctx_new(m, cp, &s->ctx);
    if (st != L4A_OK) return st;
    s->n_ctx = l4a_ctx_n_ctx(s->ctx);
    s->n_embd = l4a_model_n_embd(m);
    s->n_slots = s->p.n_slots;
    s->slots = calloc((size_t)s->n_slots, sizeof *s->slots);
    if (!s->slots) return l4a_fail(L4A_ERR_NOMEM, "server: out of memory for slots");
    for (int32_t i = 0; i < s->n_slots; i++) {
        s->slots[i].seq = i;
        s->slots[i].cache = malloc((size_t)s->n_ctx * sizeof(l4a_token));
        s->slots[i].cap_piece = 256;
        s->slots[i].piece = malloc(s->slots[i].cap_piece);
        if (!s->slots[i].cache || !s->slots[i].piece)
            return l4a_fail(L4A_ERR_NOMEM, "server: out of memory for slots");
    }
    const char *name = id ? id : s->alias ? s->alias : "model";
    snprintf(s->model_id, sizeof s->model_id, "%s", name);
    if (l4a_sched_start(s) != 0) return l4a_fail(L4A_ERR_INTERNAL, "server: cannot start thread");
    if (l4a_meetings_start(s, m) != 0)
        return l4a_fail(L4A_ERR_NOMEM, "server: cannot start the minutes worker");
    s->model = m;   /* from here on the model endpoints answer */
    return L4A_OK;
}

l4a_status l4a_server_add_static(l4a_server *s, const char *path, const char *type,
                                 const char *data, size_t len) {
    if (!s || !path || path[0] != '/' || !type || (!data && len))
        return l4a_fail(L4A_ERR_INVALID_ARG, "server: static page needs a path starting with "
                        "'/', a type and data");
    struct l4a_static_page *pg = calloc(1, sizeof *pg);
    if (pg) {
        pg->path = strdup(path);
        pg->type = strdup(type);
        pg->data = malloc(len ? len : 1);
    }
    if (!pg || !pg->path || !pg->type || !pg->data) {
        if (pg) { free(pg->path); free(pg->type); free(pg->data); }
        free(pg);
        return l4a_fail(L4A_ERR_NOMEM, "server: out of memory");
    }
    if (len) memcpy(pg->data, data, len);
    pg->len = len;
    pthread_mutex_lock(&s->mu);
    pg->next = s->pages;
    s->pages = pg;
    pthread_mutex_unlock(&s->mu);
    return L4A_OK;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

l4a_status l4a_server_run(l4a_server *s) {
    if (!s) return l4a_fail(L4A_ERR_INVALID_ARG, "server: NULL");
    while (!atomic_load(&s->stop_requested)) sleep_ms(50);
    l4a_srv_log(s, L4A_LOG_INFO, "serve: stopping: no new connections, finishing %d request(s)",
                atomic_load(&s->in_flight));
    atomic_store(&s->draining, 1);
    l4a_srv_http_quiesce(s);
    /* minutes take minutes and their results would die with the process: cancel them (a
     * client waiting for one gets 503) */
    l4a_meetings_shutdown(s);
    double t0 = l4a_srv_now();
    while (atomic_load(&s->in_flight) > 0 && l4a_srv_now() - t0 < s->p.drain_s) sleep_ms(20);
    if (atomic_load(&s->in_flight) > 0)
        l4a_srv_log(s, L4A_LOG_WARN, "serve: %d request(s) still running after %d s: closing",
                    atomic_load(&s->in_flight), s->p.drain_s);
    return L4A_OK;
}

void l4a_server_stop(l4a_server *s) {
    if (s) atomic_store(&s->stop_requested, 1);
}

void l4a_server_free(l4a_server *s) {
    if (!s) return;
    atomic_store(&s->draining, 1);
    /* the scheduler finishes what it holds (streams wait for it), then HTTP threads end */
    l4a_meetings_shutdown(s);
    l4a_sched_stop(s);
    l4a_srv_http_stop(s);
    l4a_meetings_free(s);   /* after the HTTP threads: a waiting handler holds its job */
    if (s->slots)
        for (int32_t i = 0; i < s->n_slots; i++) {
            free(s->slots[i].cache);
            free(s->slots[i].piece);
            l4a_srv_textout_free(&s->slots[i].tout);
        }
    free(s->slots);
    l4a_ctx_free(s->ctx);
    while (s->pages) {
        struct l4a_static_page *pg = s->pages;
        s->pages = pg->next;
        free(pg->path);
        free(pg->type);
        free(pg->data);
        free(pg);
    }
    pthread_cond_destroy(&s->sched_cond);
    pthread_mutex_destroy(&s->mu);
    free(s->host);
    free(s->api_key);
    free(s->alias);
    free(s->allow_origin);
    free(s);
}
