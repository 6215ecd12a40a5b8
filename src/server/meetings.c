/*
 * meetings.c - meeting minutes over HTTP as jobs (docs/server.md, "Meeting minutes"):
 *
 *   POST   /v1/meetings/summarize        202 {"id", "status": "queued"} + Location, or with
 *                                        "wait": true / ?wait=1 the finished job (200)
 *   GET    /v1/meetings/summarize/{id}   the job: status queued|running|done|error, progress,
 *                                        minutes + markdown when done, error when failed
 *   DELETE /v1/meetings/summarize/{id}   cancel (queued or running) and forget the job
 *
 * One worker thread runs the jobs one at a time with l4a_meeting_summarize_transcript, which
 * makes its own context on the server's model (read-only, shared with the scheduler's context;
 * -t threads). The transcript is parsed on the HTTP thread when the job is submitted, so a
 * text that is not a transcript is a 400 naming the problem (l4a_last_error is per thread:
 * the worker copies its own message into the job).
 * Bounds: 1 running + meeting_queue waiting (then 429); a finished job is kept meeting_ttl_s
 * seconds and at most MAX_FINISHED of them (the oldest go first); transcripts are bounded by
 * max_body. Shutdown cancels the running job (checked before every token) and fails the
 * queued ones; a client waiting on ?wait=1 gets 503 then, and a client that leaves cancels
 * its job.
 * Locking: the table and every job field are under mt->mu; a job is freed when its last
 * reference goes (the table's, the worker's, a waiting handler's).
 * Not here: the body's validation (request.c), the summariser (src/meeting/).
 */
#include "server/server.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MAX_FINISHED 16
#define ROUTE "/v1/meetings/summarize/"

typedef enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_ERROR } job_state;

typedef struct mjob {
    char id[48];
    l4a_transcript *t;              /* until the job runs */
    const char *language;           /* "fr" / "en" (static) */
    int32_t max_out;                /* tokens of the final minutes at most */
    job_state state;
    char stage[16];                 /* progress */
    int32_t done, total;
    char *json, *md;                /* the minutes (l4a_free) */
    l4a_summary_stats stats;
    int http;                       /* JOB_ERROR: the status a waiting client gets */
    char err_code[32], err_msg[512];
    atomic_int cancel;
    time_t created;
    double t_finished;              /* monotonic */
    int refs;
    bool linked;                    /* in the table */
    struct mjob *next;
} mjob;

struct l4a_meetings {
    pthread_mutex_t mu;
    pthread_cond_t work;            /* worker: a job was queued, or stop */
    pthread_cond_t changed;         /* waiters: a job changed state */
    pthread_t thread;
    bool started, stopping;
    const l4a_model *model;
    mjob *head;                     /* oldest first */
};

static void job_free(mjob *j) {
    l4a_transcript_free(j->t);
    l4a_free(j->json);
    l4a_free(j->md);
    free(j);
}

static void release_locked(mjob *j) {
    if (--j->refs == 0) job_free(j);
}

static void unlink_locked(struct l4a_meetings *mt, mjob *j) {
    for (mjob **p = &mt->head; *p; p = &(*p)->next)
        if (*p == j) {
            *p = j->next;
            j->linked = false;
            release_locked(j);
            return;
        }
}

static bool finished(const mjob *j) { return j->state == JOB_DONE || j->state == JOB_ERROR; }

/* Drop expired finished jobs, and the oldest finished beyond MAX_FINISHED. */
static void purge_locked(l4a_server *s, struct l4a_meetings *mt) {
    double now = l4a_srv_now();
    int n_fin = 0;
    for (mjob *j = mt->head; j; j = j->next) n_fin += finished(j);
    for (mjob *j = mt->head, *nx; j; j = nx) {
        nx = j->next;
        if (!finished(j)) continue;
        if (now - j->t_finished > s->p.meeting_ttl_s || n_fin > MAX_FINISHED) {
            n_fin--;
            unlink_locked(mt, j);
        }
    }
}

static void fail_locked(mjob *j, int http, const char *code, const char *msg) {
    j->state = JOB_ERROR;
    j->http = http;
    snprintf(j->err_code, sizeof j->err_code, "%s", code);
    snprintf(j->err_msg, sizeof j->err_msg, "%s", msg);
    j->t_finished = l4a_srv_now();
    l4a_transcript_free(j->t);
    j->t = NULL;
}

typedef struct progress_ctx {
    struct l4a_meetings *mt;
    mjob *j;
} progress_ctx;

static void progress_cb(const char *stage, int32_t done, int32_t total, void *user) {
    progress_ctx *pc = user;
    pthread_mutex_lock(&pc->mt->mu);
    snprintf(pc->j->stage, sizeof pc->j->stage, "%s", stage);
    pc->j->done = done;
    pc->j->total = total;
    pthread_cond_broadcast(&pc->mt->changed);
    pthread_mutex_unlock(&pc->mt->mu);
}

static bool cancel_cb(void *user) {
    const progress_ctx *pc = user;
    return atomic_load(&pc->j->cancel) != 0;
}

static void *worker(void *arg) {
    l4a_server *s = arg;
    struct l4a_meetings *mt = s->meetings;
    pthread_mutex_lock(&mt->mu);
    while (!mt->stopping) {
        mjob *j = mt->head;
        while (j && j->state != JOB_QUEUED) j = j->next;
        if (!j) {
            pthread_cond_wait(&mt->work, &mt->mu);
            continue;
        }
        j->state = JOB_RUNNING;
        snprintf(j->stage, sizeof j->stage, "plan");
        j->refs++;
        pthread_cond_broadcast(&mt->changed);
        pthread_mutex_unlock(&mt->mu);

        progress_ctx pc = {mt, j};
        l4a_summary_params p = l4a_summary_default_params();
        p.n_threads = s->p.n_threads;
        p.language = j->language;
        p.max_output_tokens = j->max_out;
        p.progress = progress_cb;
        p.progress_user = &pc;
        p.cancel = cancel_cb;
        p.cancel_user = &pc;
        p.stats = &j->stats;    /* only this thread writes it until the job is finished */
        char *json = NULL, *md = NULL;
        double t0 = l4a_srv_now();
        l4a_status st = l4a_meeting_summarize_transcript(mt->model, j->t, &p, &json, &md);
        char msg[512];
        snprintf(msg, sizeof msg, "%s", st == L4A_OK ? "" : l4a_last_error());
        l4a_srv_log(s, L4A_LOG_INFO, "serve: minutes %s: %s in %.1f s%s%s", j->id,
                    st == L4A_OK ? "done" : l4a_status_str(st), l4a_srv_now() - t0,
                    st == L4A_OK ? "" : ": ", msg);

        pthread_mutex_lock(&mt->mu);
        if (st == L4A_OK) {
            j->state = JOB_DONE;
            j->json = json;
            j->md = md;
            j->t_finished = l4a_srv_now();
            l4a_transcript_free(j->t);
            j->t = NULL;
        } else if (st == L4A_ERR_CANCELLED) {
            fail_locked(j, 503, "cancelled", mt->stopping
                            ? "cancelled: the server is shutting down"
                            : "cancelled");
        } else {
            fail_locked(j, st == L4A_ERR_NOMEM ? 503 : 500, "summarize_failed", msg);
        }
        pthread_cond_broadcast(&mt->changed);
        release_locked(j);
        purge_locked(s, mt);
    }
    pthread_mutex_unlock(&mt->mu);
    return NULL;
}

int l4a_meetings_start(l4a_server *s, const l4a_model *m) {
    struct l4a_meetings *mt = calloc(1, sizeof *mt);
    if (!mt) return -1;
    mt->model = m;
    pthread_mutex_init(&mt->mu, NULL);
    pthread_cond_init(&mt->work, NULL);
    pthread_cond_init(&mt->changed, NULL);
    s->meetings = mt;
    if (pthread_create(&mt->thread, NULL, worker, s) != 0) return -1;
    mt->started = true;
    return 0;
}

void l4a_meetings_shutdown(l4a_server *s) {
    struct l4a_meetings *mt = s->meetings;
    if (!mt) return;
    pthread_mutex_lock(&mt->mu);
    mt->stopping = true;
    for (mjob *j = mt->head; j; j = j->next) {
        if (j->state == JOB_QUEUED)
            fail_locked(j, 503, "cancelled", "cancelled: the server is shutting down");
        else if (j->state == JOB_RUNNING) atomic_store(&j->cancel, 1);
    }
    pthread_cond_broadcast(&mt->work);
    pthread_cond_broadcast(&mt->changed);
    pthread_mutex_unlock(&mt->mu);
}

void l4a_meetings_free(l4a_server *s) {
    struct l4a_meetings *mt = s->meetings;
    if (!mt) return;
    l4a_meetings_shutdown(s);
    if (mt->started) pthread_join(mt->thread, NULL);
    while (mt->head) {
        mjob *j = mt->head;
        mt->head = j->next;
        job_free(j);    /* the HTTP threads and the worker are gone: no other reference */
    }
    pthread_cond_destroy(&mt->changed);
    pthread_cond_destroy(&mt->work);
    pthread_mutex_destroy(&mt->mu);
    free(mt);
    s->meetings = NULL;
}

/* ---------------------------------------------------------------- HTTP side */

/* 128 random bits as the id: a job's content is only for whoever submitted it. */
static bool make_id(char *id, size_t size) {
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t k = getrandom(b + got, sizeof b - got, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        got += (size_t)k;
    }
    int w = snprintf(id, size, "mtg-");
    for (size_t i = 0; i < sizeof b && (size_t)w + 2 < size; i++)
        w += snprintf(id + w, size - (size_t)w, "%02x", b[i]);
    return true;
}

static const char *state_str(job_state st) {
    static const char *const S[] = {"queued", "running", "done", "error"};
    return S[st];
}

/* The job as JSON (under mu). */
static cJSON *job_json(l4a_server *s, struct l4a_meetings *mt, const mjob *j) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", j->id);
    cJSON_AddStringToObject(o, "object", "meeting.summary");
    cJSON_AddNumberToObject(o, "created", (double)j->created);
    cJSON_AddStringToObject(o, "model", s->model_id);
    cJSON_AddStringToObject(o, "status", state_str(j->state));
    cJSON_AddStringToObject(o, "language", j->language);
    if (j->state == JOB_QUEUED) {
        int ahead = 0;
        for (const mjob *k = mt->head; k && k != j; k = k->next)
            ahead += k->state == JOB_QUEUED || k->state == JOB_RUNNING;
        cJSON_AddNumberToObject(o, "queue_position", ahead);
    }
    cJSON *pg = cJSON_AddObjectToObject(o, "progress");
    cJSON_AddStringToObject(pg, "stage", j->state == JOB_QUEUED ? "queued" : j->stage);
    cJSON_AddNumberToObject(pg, "done", j->done);
    cJSON_AddNumberToObject(pg, "total", j->total);
    if (j->state == JOB_DONE) {
        cJSON *m = cJSON_Parse(j->json);
        if (m) cJSON_AddItemToObject(o, "minutes", m);
        cJSON_AddStringToObject(o, "markdown", j->md ? j->md : "");
        cJSON *st = cJSON_AddObjectToObject(o, "stats");
        cJSON_AddNumberToObject(st, "transcript_tokens", j->stats.transcript_tokens);
        cJSON_AddNumberToObject(st, "chunks", j->stats.n_chunks);
        cJSON_AddNumberToObject(st, "generations", j->stats.n_generations);
        cJSON_AddNumberToObject(st, "prompt_tokens", (double)j->stats.prompt_tokens);
        cJSON_AddNumberToObject(st, "generated_tokens", (double)j->stats.generated_tokens);
        cJSON_AddNumberToObject(st, "seconds", j->stats.seconds);
    }
    if (j->state == JOB_ERROR) {
        cJSON *e = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(e, "message", j->err_msg);
        cJSON_AddStringToObject(e, "type", "server_error");
        cJSON_AddNullToObject(e, "param");
        cJSON_AddStringToObject(e, "code", j->err_code);
    }
    return o;
}

static void send_job(l4a_server *s, struct l4a_meetings *mt, const mjob *j, int status,
                     l4a_srv_resp *out) {
    cJSON *o = job_json(s, mt, j);
    out->body = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!out->body) {
        l4a_srv_error(out, 500, "server_error", NULL, "out of memory");
        return;
    }
    out->status = status;
    out->type = "application/json";
    out->len = strlen(out->body);
    out->no_store = true;
}

/* The job named by the path (under mu), NULL when unknown. */
static mjob *find_locked(struct l4a_meetings *mt, const char *path) {
    const char *id = path + strlen(ROUTE);
    for (mjob *j = mt->head; j; j = j->next)
        if (!strcmp(j->id, id)) return j;
    return NULL;
}

static void not_found(const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    l4a_srv_error(out, 404, "invalid_request_error", "job_not_found",
                  "no minutes job '%.64s' (unknown, expired or deleted)", rq->path + strlen(ROUTE));
}

/* True for "1", "true", "yes" (a query-string flag). */
static bool flag_on(const char *v) {
    return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"));
}

/* Wait until the job is finished (under mu); a client that leaves cancels it. */
static void wait_finished(struct l4a_meetings *mt, mjob *j, int fd) {
    while (!finished(j)) {
        struct timespec until = l4a_srv_deadline_ms(250);
        if (pthread_cond_timedwait(&mt->changed, &mt->mu, &until) == ETIMEDOUT &&
            l4a_srv_client_gone(fd)) {
            atomic_store(&j->cancel, 1);
            if (j->state == JOB_QUEUED) fail_locked(j, 499, "cancelled", "cancelled: client left");
        }
    }
}

void l4a_h_meeting_submit(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    struct l4a_meetings *mt = s->meetings;
    l4a_srv_meeting_req r;
    char err[512];
    int rc = l4a_srv_parse_meeting(rq->body, rq->len, s->p.max_tokens, &r, err, sizeof err);
    if (rc) {
        l4a_srv_error(out, rc, "invalid_request_error", NULL, "%s", err);
        l4a_srv_meeting_req_free(&r);
        return;
    }
    bool wait = r.wait || flag_on(l4a_srv_query(rq, "wait"));
    l4a_transcript *t = NULL;
    l4a_status st = l4a_transcript_parse_ex(r.transcript, r.transcript_len, r.format,
                                            L4A_TRANSCRIPT_MERGE_SPEAKERS, &t);
    if (st != L4A_OK) {
        if (st == L4A_ERR_NOMEM)
            l4a_srv_error(out, 503, "server_error", NULL, "out of memory reading the transcript");
        else
            l4a_srv_error(out, 400, "invalid_request_error", "invalid_transcript",
                          "'transcript' is not a transcript: %s", l4a_last_error());
        l4a_srv_meeting_req_free(&r);
        return;
    }
    mjob *j = calloc(1, sizeof *j);
    if (!j || !make_id(j->id, sizeof j->id)) {
        free(j);
        l4a_transcript_free(t);
        l4a_srv_meeting_req_free(&r);
        l4a_srv_error(out, 500, "server_error", NULL, "out of memory or no random bytes");
        return;
    }
    j->t = t;
    j->language = r.language;
    /* default: the summariser's 1024, lowered to --max-tokens (never under L4A_SRV_MEETING_MIN_OUT) */
    int32_t dflt = s->p.max_tokens < 1024 ? s->p.max_tokens : 1024;
    j->max_out = r.max_output_tokens ? r.max_output_tokens
                 : dflt < L4A_SRV_MEETING_MIN_OUT ? L4A_SRV_MEETING_MIN_OUT : dflt;
    j->created = time(NULL);
    j->refs = 1;
    l4a_srv_meeting_req_free(&r);

    pthread_mutex_lock(&mt->mu);
    purge_locked(s, mt);
    int active = 0;
    for (mjob *k = mt->head; k; k = k->next) active += !finished(k);
    if (mt->stopping) {
        pthread_mutex_unlock(&mt->mu);
        job_free(j);
        l4a_srv_error(out, 503, "server_error", "unavailable", "the server is shutting down");
        return;
    }
    if (active >= 1 + s->p.meeting_queue) {
        pthread_mutex_unlock(&mt->mu);
        job_free(j);
        l4a_srv_error(out, 429, "rate_limit_error", "queue_full",
                      "%d minutes job(s) already running or waiting (the limit): try again "
                      "later", active);
        return;
    }
    mjob **tail = &mt->head;
    while (*tail) tail = &(*tail)->next;
    *tail = j;
    j->linked = true;
    pthread_cond_signal(&mt->work);
    if (!wait) {
        snprintf(out->location, sizeof out->location, "%s%s", ROUTE, j->id);
        send_job(s, mt, j, 202, out);
        pthread_mutex_unlock(&mt->mu);
        return;
    }
    j->refs++;
    wait_finished(mt, j, rq->fd);
    if (j->state == JOB_DONE) send_job(s, mt, j, 200, out);
    else send_job(s, mt, j, j->http >= 500 ? j->http : 503, out);
    release_locked(j);
    pthread_mutex_unlock(&mt->mu);
}

void l4a_h_meeting_get(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    struct l4a_meetings *mt = s->meetings;
    pthread_mutex_lock(&mt->mu);
    purge_locked(s, mt);
    mjob *j = find_locked(mt, rq->path);
    if (j) send_job(s, mt, j, 200, out);
    else not_found(rq, out);
    pthread_mutex_unlock(&mt->mu);
}

void l4a_h_meeting_delete(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    struct l4a_meetings *mt = s->meetings;
    pthread_mutex_lock(&mt->mu);
    mjob *j = find_locked(mt, rq->path);
    if (!j) {
        not_found(rq, out);
        pthread_mutex_unlock(&mt->mu);
        return;
    }
    if (j->state == JOB_QUEUED) fail_locked(j, 503, "cancelled", "cancelled: deleted");
    atomic_store(&j->cancel, 1);    /* a running job stops at its next token */
    pthread_cond_broadcast(&mt->changed);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", j->id);
    cJSON_AddStringToObject(o, "object", "meeting.summary.deleted");
    cJSON_AddBoolToObject(o, "deleted", true);
    unlink_locked(mt, j);
    pthread_mutex_unlock(&mt->mu);
    out->body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!out->body) {
        l4a_srv_error(out, 500, "server_error", NULL, "out of memory");
        return;
    }
    out->status = 200;
    out->type = "application/json";
    out->len = strlen(out->body);
}
