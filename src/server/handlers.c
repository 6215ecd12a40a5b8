/*
 * handlers.c - the endpoints, as one route table (adding an endpoint is one entry), and the
 * handlers of the OpenAI-compatible API: /v1/chat/completions, /v1/completions,
 * /v1/embeddings, /v1/models, plus /tokenize, /detokenize, /health, /metrics; the routes of
 * the minutes jobs (meetings.c) and of the web page (webui.c).
 *
 * A handler runs on the connection's thread with the whole body read: it validates
 * (request.c), tokenizes, hands a job to the scheduler and waits for it, or hands the job to
 * the SSE writer (sse.c) for stream: true. Response shapes follow the OpenAI API reference
 * (chat.completion, text_completion, list/model, list/embedding objects, error objects).
 * Not here: the HTTP layer and its security checks (http.c).
 */
#include "server/server.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static const char *JSON = "application/json";

void l4a_srv_error(l4a_srv_resp *out, int status, const char *type, const char *code,
                   const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(e, "message", msg);
    cJSON_AddStringToObject(e, "type", type);
    cJSON_AddNullToObject(e, "param");
    if (code) cJSON_AddStringToObject(e, "code", code);
    else cJSON_AddNullToObject(e, "code");
    out->status = status;
    out->type = JSON;
    out->body = cJSON_PrintUnformatted(root);
    out->len = out->body ? strlen(out->body) : 0;
    cJSON_Delete(root);
}

/* A cJSON tree as the response body (status 200); frees the tree. */
static void send_json(l4a_srv_resp *out, cJSON *root) {
    out->body = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!out->body) {
        l4a_srv_error(out, 500, "server_error", NULL, "out of memory");
        return;
    }
    out->status = 200;
    out->type = JSON;
    out->len = strlen(out->body);
}

const char *l4a_srv_finish_str(l4a_finish f) { return f == L4A_FINISH_LENGTH ? "length" : "stop"; }

char *l4a_srv_make_id(const char *prefix) {
    static atomic_uint_least64_t counter;
    char *id = malloc(64);
    if (id)
        snprintf(id, 64, "%s-%llx%06llx", prefix, (unsigned long long)time(NULL),
                 (unsigned long long)(atomic_fetch_add(&counter, 1) & 0xFFFFFF));
    return id;
}

/* Tokenize text into a malloc'ed array; one BOS when the template wrote one too. */
static int tokenize(const l4a_model *m, const char *text, bool add_special, bool parse_special,
                    l4a_token **out, int32_t *n_out) {
    size_t len = strlen(text);
    if (len > INT32_MAX / 2) return -1;
    int32_t cap = (int32_t)len + 8;
    l4a_token *t = malloc((size_t)cap * sizeof *t);
    if (!t) return -1;
    int32_t n = l4a_tokenize(m, text, len, t, cap, add_special, parse_special);
    if (n < 0) {
        free(t);
        return -1;
    }
    l4a_token bos = l4a_token_bos(m);
    if (n >= 2 && bos >= 0 && t[0] == bos && t[1] == bos) {
        memmove(t, t + 1, (size_t)(n - 1) * sizeof *t);
        n--;
    }
    *out = t;
    *n_out = n;
    return 0;
}

/* The prompt of a request as tokens: the chat template for messages. 0 or an error answered. */
static int prompt_tokens(l4a_server *s, const l4a_srv_req *r, l4a_token **toks, int32_t *n,
                         l4a_srv_resp *out) {
    char *text = NULL;
    const char *src = r->prompt;
    if (r->kind == L4A_SRV_CHAT) {
        int32_t need = l4a_chat_apply(s->model, NULL, r->msgs, r->n_msgs, true, NULL, 0);
        if (need == INT32_MIN) {
            l4a_srv_error(out, 500, "server_error", NULL, "chat template: %s", l4a_last_error());
            return -1;
        }
        size_t size = (size_t)(need < 0 ? -(int64_t)need : need) + 1;
        text = malloc(size);
        if (!text || l4a_chat_apply(s->model, NULL, r->msgs, r->n_msgs, true, text, size) < 0) {
            free(text);
            l4a_srv_error(out, 500, "server_error", NULL, "chat template failed");
            return -1;
        }
        text[size - 1] = 0;
        src = text;
    }
    int rc = tokenize(s->model, src, true, true, toks, n);
    free(text);
    if (rc) {
        l4a_srv_error(out, 500, "server_error", NULL, "tokenize: %s", l4a_last_error());
        return -1;
    }
    if (*n == 0) {
        l4a_srv_error(out, 400, "invalid_request_error", NULL, "the prompt is empty");
        return -1;
    }
    if (*n >= s->n_ctx) {
        l4a_srv_error(out, 400, "invalid_request_error", "context_length_exceeded",
                      "the prompt is %d tokens; the context holds %d (prompt and answer)", *n,
                      s->n_ctx);
        return -1;
    }
    return 0;
}

/* A sampler for the request, with the JSON constraint, prompt tokens accepted. */
static l4a_sampler *make_sampler(l4a_server *s, l4a_srv_req *r, const l4a_token *toks, int32_t n,
                                 l4a_srv_resp *out) {
    static atomic_uint_least64_t seeds;
    if (!r->has_seed)   /* no seed: a different one each request */
        r->sp.seed = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull + atomic_fetch_add(&seeds, 1);
    l4a_sampler *smp = NULL;
    if (l4a_sampler_new(s->model, r->sp, &smp) != L4A_OK) {
        l4a_srv_error(out, 400, "invalid_request_error", NULL, "%s", l4a_last_error());
        return NULL;
    }
    if (r->json_mode) {
        const char *schema = r->json_mode == 2 ? r->schema : NULL;
        l4a_status st = l4a_sampler_set_json_schema(smp, schema, schema ? strlen(schema) : 0);
        if (st != L4A_OK) {
            l4a_srv_error(out, st == L4A_ERR_NOMEM ? 500 : 400, "invalid_request_error",
                          "invalid_schema", "response_format: %s", l4a_last_error());
            l4a_sampler_free(smp);
            return NULL;
        }
    }
    for (int32_t i = 0; i < n; i++) l4a_sampler_accept(smp, toks[i]);
    return smp;
}

/* True when the client closed its side of the connection (a read would give end of file). */
bool l4a_srv_client_gone(int fd) {
    if (fd < 0) return false;
    char b;
    ssize_t k = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Wait until the job is done (under mu). Every 200 ms, look whether the client left: then the
 * job is cancelled and its slot freed at the next step instead of generating for no one. */
static void wait_done(l4a_server *s, l4a_job *j, int fd) {
    pthread_mutex_lock(&s->mu);
    while (!j->done) {
        struct timespec until = l4a_srv_deadline_ms(200);
        if (pthread_cond_timedwait(&j->cond, &s->mu, &until) == ETIMEDOUT && !j->cancelled &&
            l4a_srv_client_gone(fd)) {
            j->cancelled = true;
            pthread_cond_signal(&s->sched_cond);
        }
    }
    pthread_mutex_unlock(&s->mu);
}

static void answer_submit_error(l4a_srv_resp *out, int rc) {
    if (rc == 429)
        l4a_srv_error(out, 429, "rate_limit_error", "queue_full",
                      "too many requests waiting: try again later");
    else
        l4a_srv_error(out, 503, "server_error", "unavailable", "the server is shutting down");
}

static cJSON *usage_json(const l4a_job *j) {
    cJSON *u = cJSON_CreateObject();
    cJSON_AddNumberToObject(u, "prompt_tokens", j->n_tokens);
    cJSON_AddNumberToObject(u, "completion_tokens", j->n_gen);
    cJSON_AddNumberToObject(u, "total_tokens", j->n_tokens + j->n_gen);
    cJSON *d = cJSON_AddObjectToObject(u, "prompt_tokens_details");
    cJSON_AddNumberToObject(d, "cached_tokens", j->n_cached);
    return u;
}

/* The whole (non-streamed) answer of a finished job. */
static void completion_body(l4a_server *s, const l4a_srv_req *r, const l4a_job *j,
                            l4a_srv_resp *out) {
    bool chat = r->kind == L4A_SRV_CHAT;
    char *id = l4a_srv_make_id(chat ? "chatcmpl" : "cmpl");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", id ? id : "id");
    free(id);
    cJSON_AddStringToObject(root, "object", chat ? "chat.completion" : "text_completion");
    cJSON_AddNumberToObject(root, "created", (double)time(NULL));
    cJSON_AddStringToObject(root, "model", s->model_id);
    cJSON *choices = cJSON_AddArrayToObject(root, "choices");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToArray(choices, c);
    cJSON_AddNumberToObject(c, "index", 0);
    const char *text = j->out ? j->out : "";
    if (chat) {
        cJSON *msg = cJSON_AddObjectToObject(c, "message");
        cJSON_AddStringToObject(msg, "role", "assistant");
        cJSON_AddStringToObject(msg, "content", text);
    } else {
        cJSON_AddStringToObject(c, "text", text);
    }
    cJSON_AddNullToObject(c, "logprobs");
    cJSON_AddStringToObject(c, "finish_reason", l4a_srv_finish_str(j->finish));
    cJSON_AddItemToObject(root, "usage", usage_json(j));
    send_json(out, root);
}

static void generate(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out,
                     l4a_srv_kind kind) {
    l4a_srv_req *r = calloc(1, sizeof *r);
    l4a_job *j = l4a_job_new();
    char err[512];
    if (!r || !j) {
        l4a_srv_error(out, 500, "server_error", NULL, "out of memory");
        goto fail;
    }
    l4a_srv_limits lim = {.max_tokens = s->p.max_tokens};
    int rc = l4a_srv_parse_request(kind, rq->body, rq->len, &lim, r, err, sizeof err);
    if (rc) {
        l4a_srv_error(out, rc, "invalid_request_error", NULL, "%s", err);
        goto fail;
    }
    if (prompt_tokens(s, r, &j->tokens, &j->n_tokens, out)) goto fail;
    j->smp = make_sampler(s, r, j->tokens, j->n_tokens, out);
    if (!j->smp) goto fail;
    j->kind = L4A_JOB_GENERATE;
    j->max_tokens = r->max_tokens >= 0 ? r->max_tokens : s->p.max_tokens;
    j->stops = r->stops;
    j->n_stops = r->n_stops;
    if (r->stream) {
        /* the SSE writer owns the request and the job from here */
        struct l4a_sse *sse = l4a_sse_new(s, j, r, kind == L4A_SRV_CHAT);
        if (!sse) {
            l4a_srv_error(out, 500, "server_error", NULL, "out of memory");
            goto fail;
        }
        if ((rc = l4a_sched_submit(s, j)) != 0) {
            answer_submit_error(out, rc);
            l4a_sse_free(sse);      /* frees r and j: the job was never queued */
            return;
        }
        out->status = 200;
        out->sse = sse;
        return;
    }
    if ((rc = l4a_sched_submit(s, j)) != 0) {
        answer_submit_error(out, rc);
        goto fail;
    }
    wait_done(s, j, rq->fd);
    if (j->err[0]) l4a_srv_error(out, 500, "server_error", NULL, "generation failed: %s", j->err);
    else completion_body(s, r, j, out);
fail:
    l4a_job_free(j);
    l4a_srv_req_free(r);
    free(r);
}

static void h_chat(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    generate(s, rq, out, L4A_SRV_CHAT);
}

static void h_completion(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    generate(s, rq, out, L4A_SRV_COMPLETION);
}

/* Parse a JSON object body for the small endpoints; NULL with an answer on error. */
static cJSON *parse_object(const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    if (!l4a_srv_utf8_valid(rq->body, rq->len)) {
        l4a_srv_error(out, 400, "invalid_request_error", NULL, "the body is not valid UTF-8");
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength(rq->body, rq->len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        l4a_srv_error(out, 400, "invalid_request_error", NULL, "the body must be a JSON object");
        return NULL;
    }
    return root;
}

static void h_embeddings(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    cJSON *root = parse_object(rq, out);
    if (!root) return;
    l4a_job *jobs[L4A_SRV_MAX_EMBED_INPUTS] = {0};
    int n = 0, rc = 0;
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "input");
    const cJSON *one = cJSON_IsString(in) ? in : NULL;
    if (!one && !cJSON_IsArray(in)) {
        l4a_srv_error(out, 400, "invalid_request_error", NULL,
                      "'input' must be a string or a list of strings");
        goto done;
    }
    if (!one && (cJSON_GetArraySize(in) < 1 || cJSON_GetArraySize(in) > L4A_SRV_MAX_EMBED_INPUTS)) {
        l4a_srv_error(out, 400, "invalid_request_error", NULL, "'input' must hold 1 to %d strings",
                      L4A_SRV_MAX_EMBED_INPUTS);
        goto done;
    }
    for (const cJSON *it = one ? one : in->child; it; it = one ? NULL : it->next) {
        if (!cJSON_IsString(it)) {
            l4a_srv_error(out, 400, "invalid_request_error", NULL, "'input' entries must be strings");
            goto done;
        }
        l4a_job *j = jobs[n++] = l4a_job_new();
        if (!j || tokenize(s->model, it->valuestring, true, false, &j->tokens, &j->n_tokens)) {
            l4a_srv_error(out, 500, "server_error", NULL, "out of memory");
            goto done;
        }
        if (j->n_tokens < 1 || j->n_tokens > s->n_ctx) {
            l4a_srv_error(out, 400, "invalid_request_error", "context_length_exceeded",
                          "input %d is %d tokens: must be 1 to %d", n - 1, j->n_tokens, s->n_ctx);
            goto done;
        }
        j->kind = L4A_JOB_EMBED;
    }
    int submitted = 0;
    for (; submitted < n; submitted++)
        if ((rc = l4a_sched_submit(s, jobs[submitted])) != 0) break;
    for (int i = 0; i < submitted; i++) wait_done(s, jobs[i], rq->fd);
    if (rc) {
        answer_submit_error(out, rc);
        goto done;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(res, "data");
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (jobs[i]->err[0]) {
            cJSON_Delete(res);
            l4a_srv_error(out, 500, "server_error", NULL, "embedding: %s", jobs[i]->err);
            goto done;
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "object", "embedding");
        cJSON_AddNumberToObject(e, "index", i);
        cJSON *v = cJSON_AddArrayToObject(e, "embedding");
        for (int32_t c = 0; c < s->n_embd; c++)
            cJSON_AddItemToArray(v, cJSON_CreateNumber(jobs[i]->embd[c]));
        cJSON_AddItemToArray(data, e);
        total += jobs[i]->n_tokens;
    }
    cJSON_AddStringToObject(res, "model", s->model_id);
    cJSON *u = cJSON_AddObjectToObject(res, "usage");
    cJSON_AddNumberToObject(u, "prompt_tokens", (double)total);
    cJSON_AddNumberToObject(u, "total_tokens", (double)total);
    send_json(out, res);
done:
    for (int i = 0; i < n; i++) l4a_job_free(jobs[i]);
    cJSON_Delete(root);
}

static void h_models(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(root, "data");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "id", s->model_id);
    cJSON_AddStringToObject(m, "object", "model");
    cJSON_AddNumberToObject(m, "created", (double)time(NULL));
    cJSON_AddStringToObject(m, "owned_by", "llm4all");
    cJSON_AddNumberToObject(m, "context_length", s->n_ctx);
    cJSON_AddItemToArray(data, m);
    send_json(out, root);
}

static void h_tokenize(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    cJSON *root = parse_object(rq, out);
    if (!root) return;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "content");
    const cJSON *add = cJSON_GetObjectItemCaseSensitive(root, "add_special");
    l4a_token *t = NULL;
    int32_t n = 0;
    if (!cJSON_IsString(c)) {
        l4a_srv_error(out, 400, "invalid_request_error", NULL, "'content' must be a string");
    } else if (add && !cJSON_IsBool(add)) {
        l4a_srv_error(out, 400, "invalid_request_error", NULL, "'add_special' must be a boolean");
    } else if (tokenize(s->model, c->valuestring, cJSON_IsTrue(add), true, &t, &n)) {
        l4a_srv_error(out, 500, "server_error", NULL, "tokenize: %s", l4a_last_error());
    } else {
        cJSON *res = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(res, "tokens");
        for (int32_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, cJSON_CreateNumber(t[i]));
        send_json(out, res);
    }
    free(t);
    cJSON_Delete(root);
}

static void h_detokenize(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    cJSON *root = parse_object(rq, out);
    if (!root) return;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "tokens");
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    l4a_token *t = n > 0 ? malloc((size_t)n * sizeof *t) : NULL;
    char *raw = NULL, *text = NULL;
    size_t n_text = 0, cap_text = 0;
    if (n < 0) {
        l4a_srv_error(out, 400, "invalid_request_error", NULL, "'tokens' must be a list");
        goto done;
    }
    int i = 0;
    const int32_t nv = l4a_model_n_vocab(s->model);
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) ||
            it->valuedouble < 0 || it->valuedouble >= nv) {
            l4a_srv_error(out, 400, "invalid_request_error", NULL,
                          "tokens[%d] must be an integer in 0 .. %d", i, nv - 1);
            goto done;
        }
        t[i] = (l4a_token)it->valuedouble;
    }
    int32_t need = n ? l4a_detokenize(s->model, t, n, NULL, 0, false) : 0;
    size_t size = (size_t)(need < 0 ? -(int64_t)need : need) + 1;
    raw = malloc(size);
    int32_t got = raw && n ? l4a_detokenize(s->model, t, n, raw, size, false) : 0;
    if (!raw || got < 0) {
        l4a_srv_error(out, 500, "server_error", NULL, "detokenize failed");
        goto done;
    }
    /* pieces may cut a UTF-8 character: the text out keeps the JSON valid (U+FFFD) */
    l4a_srv_textout to = {0};
    if (l4a_srv_textout_push(&to, raw, (size_t)got, &text, &n_text, &cap_text) < 0 ||
        l4a_srv_textout_flush(&to, &text, &n_text, &cap_text) < 0) {
        l4a_srv_textout_free(&to);
        l4a_srv_error(out, 500, "server_error", NULL, "out of memory");
        goto done;
    }
    l4a_srv_textout_free(&to);
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "content", text ? text : "");
    send_json(out, res);
done:
    free(t);
    free(raw);
    free(text);
    cJSON_Delete(root);
}

static void h_health(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    bool ready = s->model && !atomic_load(&s->draining);
    out->status = ready ? 200 : 503;
    out->type = JSON;
    out->body = (char *)(ready ? "{\"status\":\"ok\"}"
                         : s->model ? "{\"status\":\"shutting down\"}" : "{\"status\":\"loading\"}");
    out->len = strlen(out->body);
    out->body_static = true;
}

static void h_metrics(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    if (!s->p.metrics) {
        l4a_srv_error(out, 404, "invalid_request_error", NULL,
                      "/metrics is off (start the server with --metrics)");
        return;
    }
    out->body = l4a_srv_metrics_text(s, &out->len);
    if (!out->body) {
        l4a_srv_error(out, 500, "server_error", NULL, "out of memory");
        return;
    }
    out->status = 200;
    out->type = "text/plain; version=0.0.4";
}

static const l4a_srv_route ROUTES[] = {
    /* method, path, handler, needs the model, no API key needed */
    {"POST", "/v1/chat/completions", h_chat, true, false},
    {"POST", "/v1/completions", h_completion, true, false},
    {"POST", "/v1/embeddings", h_embeddings, true, false},
    {"GET", "/v1/models", h_models, true, false},
    {"POST", "/tokenize", h_tokenize, true, false},
    {"POST", "/detokenize", h_detokenize, true, false},
    {"GET", "/health", h_health, false, true},
    {"GET", "/metrics", h_metrics, false, false},
    /* meeting minutes as jobs (meetings.c) */
    {"POST", "/v1/meetings/summarize", l4a_h_meeting_submit, true, false},
    {"GET", "/v1/meetings/summarize/", l4a_h_meeting_get, true, false},
    {"DELETE", "/v1/meetings/summarize/", l4a_h_meeting_delete, true, false},
    /* the web page (webui.c): public, it holds no data; its API calls need the key */
    {"GET", "/", l4a_h_web_page, false, true},
    {"GET", "/app.js", l4a_h_web_page, false, true},
    {"GET", "/style.css", l4a_h_web_page, false, true},
};

/* A route's path matches: equal, or a prefix route ("/x/") and one more non-empty segment. */
static bool path_match(const char *route, const char *path) {
    size_t n = strlen(route);
    if (n > 1 && route[n - 1] == '/')
        return !strncmp(route, path, n) && path[n] && !strchr(path + n, '/');
    return !strcmp(route, path);
}

const l4a_srv_route *l4a_srv_route_find(const char *method, const char *path, bool *path_known) {
    *path_known = false;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        if (!path_match(ROUTES[i].path, path)) continue;
        *path_known = true;
        if (!strcmp(ROUTES[i].method, method)) return &ROUTES[i];
    }
    return NULL;
}
