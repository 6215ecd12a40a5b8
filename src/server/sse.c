/*
 * sse.c - streamed answers (stream: true) as server-sent events (WHATWG HTML, "Server-sent
 * events"), in the OpenAI chunk format: `data: {chat.completion.chunk}` lines, one per piece
 * of new text, a last chunk with finish_reason, an optional usage chunk
 * (stream_options.include_usage), then `data: [DONE]`.
 *
 * libmicrohttpd calls l4a_sse_read on the connection's own thread (thread per connection), so
 * it may block until the scheduler publishes text. When the client goes away, libmicrohttpd
 * calls l4a_sse_free: the job is cancelled (its slot freed at the next step) and, once the
 * scheduler has let go of it, freed.
 */
#include "server/server.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { SSE_ROLE, SSE_TEXT, SSE_USAGE, SSE_DONE, SSE_END } sse_phase;

struct l4a_sse {
    l4a_server *s;
    l4a_job *job;
    l4a_srv_req *req;
    bool chat;
    char *id;
    double created;
    size_t sent;            /* bytes of job->out already sent */
    sse_phase phase;
    char *buf;              /* the event being written */
    size_t n, off;
};

struct l4a_sse *l4a_sse_new(l4a_server *s, l4a_job *job, l4a_srv_req *req, bool chat) {
    struct l4a_sse *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->id = l4a_srv_make_id(chat ? "chatcmpl" : "cmpl");
    if (!e->id) {
        free(e);
        return NULL;
    }
    e->s = s;
    e->job = job;
    e->req = req;
    e->chat = chat;
    e->created = (double)time(NULL);
    e->phase = chat ? SSE_ROLE : SSE_TEXT;
    return e;
}

/* One chunk object: delta text (or the role), finish_reason or null. */
static cJSON *chunk(const struct l4a_sse *e, const char *text, size_t len, bool role,
                    const char *finish) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", e->id);
    cJSON_AddStringToObject(root, "object", e->chat ? "chat.completion.chunk" : "text_completion");
    cJSON_AddNumberToObject(root, "created", e->created);
    cJSON_AddStringToObject(root, "model", e->s->model_id);
    cJSON *choices = cJSON_AddArrayToObject(root, "choices");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToArray(choices, c);
    cJSON_AddNumberToObject(c, "index", 0);
    char *t = malloc(len + 1);
    if (t) {
        memcpy(t, text, len);
        t[len] = 0;
    }
    if (e->chat) {
        cJSON *d = cJSON_AddObjectToObject(c, "delta");
        if (role) cJSON_AddStringToObject(d, "role", "assistant");
        if (len || role) cJSON_AddStringToObject(d, "content", t ? t : "");
    } else {
        cJSON_AddStringToObject(c, "text", t ? t : "");
    }
    free(t);
    cJSON_AddNullToObject(c, "logprobs");
    if (finish) cJSON_AddStringToObject(c, "finish_reason", finish);
    else cJSON_AddNullToObject(c, "finish_reason");
    return root;
}

/* e->buf = "data: " JSON "\n\n"; frees root. */
static bool set_event(struct l4a_sse *e, cJSON *root) {
    char *js = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    free(e->buf);
    e->buf = NULL;
    e->n = e->off = 0;
    if (!js) return false;
    size_t len = strlen(js);
    e->buf = malloc(len + 9);
    if (e->buf) {
        memcpy(e->buf, "data: ", 6);
        memcpy(e->buf + 6, js, len);
        memcpy(e->buf + 6 + len, "\n\n", 3);
        e->n = len + 8;
    }
    free(js);
    return e->buf != NULL;
}

/* Make the next event; false at the end of the stream. */
static bool next_event(struct l4a_sse *e) {
    l4a_server *s = e->s;
    l4a_job *j = e->job;
    switch (e->phase) {
    case SSE_ROLE:
        e->phase = SSE_TEXT;
        return set_event(e, chunk(e, "", 0, true, NULL));
    case SSE_TEXT: {
        /* wait for text; past half the idle timeout, send a comment line so that the
           connection is not closed as idle while the job waits in the queue */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->p.timeout_s > 2 ? s->p.timeout_s / 2 : 1;
        bool idle = false;
        pthread_mutex_lock(&s->mu);
        while (!j->done && j->n_out == e->sent && !idle)
            idle = pthread_cond_timedwait(&j->cond, &s->mu, &until) == ETIMEDOUT;
        if (idle && !j->done && j->n_out == e->sent) {
            pthread_mutex_unlock(&s->mu);
            free(e->buf);
            e->buf = strdup(": waiting\n\n");
            e->n = e->buf ? strlen(e->buf) : 0;
            e->off = 0;
            return e->buf != NULL;
        }
        size_t from = e->sent, to = j->n_out;
        bool done = j->done;
        char *copy = NULL;
        if (to > from && (copy = malloc(to - from))) memcpy(copy, j->out + from, to - from);
        pthread_mutex_unlock(&s->mu);
        if (to > from) {
            if (!copy) return false;
            e->sent = to;
            bool ok = set_event(e, chunk(e, copy, to - from, false, NULL));
            free(copy);
            return ok;
        }
        if (!done) return next_event(e);
        e->phase = e->req->include_usage ? SSE_USAGE : SSE_DONE;
        if (j->err[0]) {
            cJSON *root = cJSON_CreateObject(), *err = cJSON_AddObjectToObject(root, "error");
            cJSON_AddStringToObject(err, "message", j->err);
            cJSON_AddStringToObject(err, "type", "server_error");
            return set_event(e, root);
        }
        return set_event(e, chunk(e, "", 0, false, l4a_srv_finish_str(j->finish)));
    }
    case SSE_USAGE: {
        e->phase = SSE_DONE;
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "id", e->id);
        cJSON_AddStringToObject(root, "object", e->chat ? "chat.completion.chunk" : "text_completion");
        cJSON_AddNumberToObject(root, "created", e->created);
        cJSON_AddStringToObject(root, "model", s->model_id);
        cJSON_AddArrayToObject(root, "choices");
        cJSON *u = cJSON_AddObjectToObject(root, "usage");
        cJSON_AddNumberToObject(u, "prompt_tokens", j->n_tokens);
        cJSON_AddNumberToObject(u, "completion_tokens", j->n_gen);
        cJSON_AddNumberToObject(u, "total_tokens", j->n_tokens + j->n_gen);
        return set_event(e, root);
    }
    case SSE_DONE:
        e->phase = SSE_END;
        free(e->buf);
        e->buf = strdup("data: [DONE]\n\n");
        e->n = e->buf ? strlen(e->buf) : 0;
        e->off = 0;
        return e->buf != NULL;
    case SSE_END: break;
    }
    return false;
}

long l4a_sse_read(void *cls, uint64_t pos, char *buf, size_t max) {
    struct l4a_sse *e = cls;
    if (e->off == e->n && !next_event(e))
        return e->phase == SSE_END ? (long)MHD_CONTENT_READER_END_OF_STREAM
                                   : (long)MHD_CONTENT_READER_END_WITH_ERROR;
    size_t k = e->n - e->off < max ? e->n - e->off : max;
    memcpy(buf, e->buf + e->off, k);
    e->off += k;
    return (long)k;
}

void l4a_sse_free(void *cls) {
    struct l4a_sse *e = cls;
    if (!e) return;
    l4a_server *s = e->s;
    l4a_job *j = e->job;
    bool queued = j->t_queued > 0;
    if (queued) {
        /* the scheduler may still hold the job: cancel it and wait until it lets go */
        pthread_mutex_lock(&s->mu);
        j->cancelled = true;
        pthread_cond_signal(&s->sched_cond);
        while (!j->done) pthread_cond_wait(&j->cond, &s->mu);
        pthread_mutex_unlock(&s->mu);
    }
    l4a_job_free(j);
    l4a_srv_req_free(e->req);
    free(e->req);
    free(e->buf);
    free(e->id);
    free(e);
}
