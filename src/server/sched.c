/*
 * sched.c - the scheduler: one thread that owns the context and runs continuous batching over
 * the slots (one sequence of the context each).
 *
 * Each turn: (1) admit queued jobs into free slots, choosing the free slot whose cached tokens
 * share the longest prefix with the job's prompt (that prefix is kept: prefix reuse);
 * (2) decode at most n_batch prompt tokens, spread over slots still reading their prompt, so
 * that long prompts never stall running streams for more than one chunk; a slot whose prompt
 * is done samples its first token; (3) one l4a_decode_step over every generating slot: one
 * token each, in one pass over the weights; sample, detokenize, publish the text, finish.
 * HTTP threads only enqueue jobs and wait on job->cond; all job fields they read are written
 * here under srv->mu.
 * Not here: HTTP, JSON (handlers.c, sse.c).
 */
#include "server/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double l4a_srv_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

l4a_job *l4a_job_new(void) {
    l4a_job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    if (pthread_cond_init(&j->cond, NULL) != 0) {
        free(j);
        return NULL;
    }
    return j;
}

void l4a_job_free(l4a_job *j) {
    if (!j) return;
    free(j->tokens);
    l4a_sampler_free(j->smp);
    free(j->out);
    free(j->embd);
    pthread_cond_destroy(&j->cond);
    free(j);
}

int l4a_sched_submit(l4a_server *s, l4a_job *job) {
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    if (s->sched_stop || atomic_load(&s->draining)) rc = 503;
    /* max_queue counts requests that must wait: beyond the free slots */
    else if (s->q_len >= s->p.max_queue + (s->n_slots - s->n_busy)) rc = 429;
    if (rc == 0) {
        job->t_queued = l4a_srv_now();
        job->next = NULL;
        if (s->q_tail) s->q_tail->next = job;
        else s->q_head = job;
        s->q_tail = job;
        s->q_len++;
        pthread_cond_signal(&s->sched_cond);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void l4a_job_cancel(l4a_server *s, l4a_job *job) {
    pthread_mutex_lock(&s->mu);
    job->cancelled = true;
    pthread_cond_signal(&s->sched_cond);
    pthread_mutex_unlock(&s->mu);
}

/* End a slot's job (under mu): publish the held text, wake the waiter, free the slot. */
static void finish_locked(l4a_server *s, l4a_slot *sl, l4a_finish why, const char *err) {
    l4a_job *j = sl->job;
    if (l4a_srv_textout_flush(&sl->tout, &j->out, &j->n_out, &j->cap_out) < 0 && !err)
        err = "out of memory";
    if (err) snprintf(j->err, sizeof j->err, "%s", err);
    j->finish = why;
    j->done = true;
    j->t_end = l4a_srv_now();
    pthread_cond_broadcast(&j->cond);
    l4a_srv_textout_free(&sl->tout);
    sl->job = NULL;
    sl->state = L4A_SLOT_FREE;
    sl->last_used = ++s->use_clock;
    s->n_busy--;
}

static void finish(l4a_server *s, l4a_slot *sl, l4a_finish why, const char *err) {
    pthread_mutex_lock(&s->mu);
    finish_locked(s, sl, why, err);
    pthread_mutex_unlock(&s->mu);
}

/* Embeddings run whole at admission (one forward pass over the input, no generation). */
static void run_embed(l4a_server *s, l4a_slot *sl, l4a_job *j) {
    const char *err = NULL;
    j->embd = malloc((size_t)s->n_embd * sizeof *j->embd);
    if (!j->embd) err = "out of memory";
    else if (l4a_embed_seq(s->ctx, sl->seq, j->tokens, j->n_tokens, j->embd, s->n_embd) != L4A_OK)
        err = l4a_last_error();
    sl->n_cache = 0;
    sl->job = j;
    s->n_busy++;
    finish(s, sl, L4A_FINISH_STOP, err);
}

/* The free slot to take a prompt: longest common prefix with its cache, then least recent. */
static l4a_slot *pick_slot(l4a_server *s, const l4a_job *j, int32_t *common) {
    l4a_slot *best = NULL;
    int32_t best_c = -1;
    for (int32_t i = 0; i < s->n_slots; i++) {
        l4a_slot *sl = &s->slots[i];
        if (sl->state != L4A_SLOT_FREE) continue;
        int32_t c = 0;
        while (c < sl->n_cache && c < j->n_tokens && sl->cache[c] == j->tokens[c]) c++;
        if (c > best_c || (c == best_c && sl->last_used < best->last_used)) {
            best = sl;
            best_c = c;
        }
    }
    *common = best_c;
    return best;
}

/* Move queued jobs into free slots (under mu). Embedding jobs are run on the spot. */
static void admit_locked(l4a_server *s) {
    while (s->q_head && s->n_busy < s->n_slots) {
        l4a_job *j = s->q_head;
        s->q_head = j->next;
        if (!s->q_head) s->q_tail = NULL;
        s->q_len--;
        if (j->cancelled) {
            j->done = true;
            pthread_cond_broadcast(&j->cond);
            continue;
        }
        int32_t common = 0;
        l4a_slot *sl = pick_slot(s, j, &common);
        j->t_start = l4a_srv_now();
        if (j->kind == L4A_JOB_EMBED) {
            pthread_mutex_unlock(&s->mu);
            run_embed(s, sl, j);
            pthread_mutex_lock(&s->mu);
            continue;
        }
        /* keep the common prefix, but decode at least the last prompt token (its logits) */
        if (common >= j->n_tokens) common = j->n_tokens - 1;
        l4a_ctx_truncate_seq(s->ctx, sl->seq, common);
        sl->n_cache = common;
        sl->n_prompt_done = common;
        j->n_cached = common;
        sl->job = j;
        sl->state = L4A_SLOT_PROMPT;
        memset(&sl->tout, 0, sizeof sl->tout);
        sl->tout.stops = j->stops;
        sl->tout.n_stops = j->n_stops;
        s->n_busy++;
        atomic_fetch_add(&s->m.cached_tokens, (uint64_t)common);
    }
}

/* Append a sampled token's text to the job; finish it when it ends. Scheduler thread. */
static void emit_token(l4a_server *s, l4a_slot *sl, l4a_token t) {
    l4a_job *j = sl->job;
    if (l4a_token_is_eog(s->model, t)) {
        finish(s, sl, L4A_FINISH_STOP, NULL);
        return;
    }
    int32_t n = l4a_token_to_piece(s->model, t, sl->piece, sl->cap_piece, false);
    if (n < 0 && n != INT32_MIN) {
        size_t need = (size_t)-(int64_t)n;
        if (l4a_reserve(&sl->piece, &sl->cap_piece, need))
            n = l4a_token_to_piece(s->model, t, sl->piece, sl->cap_piece, false);
    }
    if (n < 0) {
        finish(s, sl, L4A_FINISH_STOP, "token to text failed");
        return;
    }
    pthread_mutex_lock(&s->mu);
    j->n_gen++;
    if (j->n_gen == 1) j->t_first = l4a_srv_now();
    int rc = l4a_srv_textout_push(&sl->tout, sl->piece, (size_t)n, &j->out, &j->n_out,
                                  &j->cap_out);
    atomic_fetch_add(&s->m.gen_tokens, 1);
    if (rc < 0) finish_locked(s, sl, L4A_FINISH_STOP, "out of memory");
    else if (rc == 1 || j->cancelled) finish_locked(s, sl, L4A_FINISH_STOP, NULL);
    else if (j->max_tokens >= 0 && j->n_gen >= j->max_tokens)
        finish_locked(s, sl, L4A_FINISH_LENGTH, NULL);
    else if (l4a_sampler_json_done(j->smp) == 1) finish_locked(s, sl, L4A_FINISH_STOP, NULL);
    else if (sl->n_cache >= s->n_ctx) finish_locked(s, sl, L4A_FINISH_LENGTH, NULL);
    else {
        pthread_cond_broadcast(&j->cond);
        sl->next = t;
        sl->state = L4A_SLOT_GEN;
    }
    pthread_mutex_unlock(&s->mu);
}

/* Sample from logits row and emit. */
static void sample_and_emit(l4a_server *s, l4a_slot *sl, const float *logits) {
    if (!logits) {
        finish(s, sl, L4A_FINISH_STOP, "no logits after decoding");
        return;
    }
    l4a_token t = l4a_sampler_sample(sl->job->smp, logits);
    l4a_sampler_accept(sl->job->smp, t);
    emit_token(s, sl, t);
}

/* Decode up to budget prompt tokens over slots reading their prompt; returns tokens done. */
static int32_t prompt_phase(l4a_server *s, int32_t budget) {
    int32_t done = 0;
    for (int32_t i = 0; i < s->n_slots && done < budget; i++) {
        l4a_slot *sl = &s->slots[i];
        if (sl->state != L4A_SLOT_PROMPT) continue;
        l4a_job *j = sl->job;
        if (j->cancelled || j->max_tokens == 0) {
            finish(s, sl, j->cancelled ? L4A_FINISH_STOP : L4A_FINISH_LENGTH, NULL);
            continue;
        }
        int32_t left = j->n_tokens - sl->n_prompt_done;
        int32_t n = left < budget - done ? left : budget - done;
        double t0 = l4a_srv_now();
        l4a_status st = l4a_decode_seq(s->ctx, sl->seq, j->tokens + sl->n_prompt_done, n, false);
        atomic_fetch_add(&s->m.prompt_ns, (uint64_t)((l4a_srv_now() - t0) * 1e9));
        if (st != L4A_OK) {
            finish(s, sl, L4A_FINISH_STOP, l4a_last_error());
            sl->n_cache = l4a_ctx_n_past_seq(s->ctx, sl->seq);
            continue;
        }
        memcpy(sl->cache + sl->n_cache, j->tokens + sl->n_prompt_done, (size_t)n * sizeof(l4a_token));
        sl->n_cache += n;
        sl->n_prompt_done += n;
        done += n;
        atomic_fetch_add(&s->m.prompt_tokens, (uint64_t)n);
        if (sl->n_prompt_done == j->n_tokens) sample_and_emit(s, sl, l4a_get_logits(s->ctx, -1));
    }
    return done;
}

/* One token for every generating slot, in one l4a_decode_step. */
static void gen_phase(l4a_server *s, int32_t *seqs, l4a_token *toks, l4a_slot **which) {
    int32_t n = 0;
    for (int32_t i = 0; i < s->n_slots; i++) {
        l4a_slot *sl = &s->slots[i];
        if (sl->state != L4A_SLOT_GEN) continue;
        if (sl->job->cancelled) {
            finish(s, sl, L4A_FINISH_STOP, NULL);
            continue;
        }
        seqs[n] = sl->seq;
        toks[n] = sl->next;
        which[n++] = sl;
    }
    if (n == 0) return;
    double t0 = l4a_srv_now();
    l4a_status st = l4a_decode_step(s->ctx, seqs, toks, n);
    atomic_fetch_add(&s->m.gen_ns, (uint64_t)((l4a_srv_now() - t0) * 1e9));
    atomic_fetch_add(&s->m.steps, 1);
    atomic_fetch_add(&s->m.step_seqs, (uint64_t)n);
    for (int32_t i = 0; i < n; i++) {
        l4a_slot *sl = which[i];
        if (st != L4A_OK) {
            finish(s, sl, L4A_FINISH_STOP, l4a_last_error());
            sl->n_cache = l4a_ctx_n_past_seq(s->ctx, sl->seq);
            continue;
        }
        sl->cache[sl->n_cache++] = toks[i];
        sample_and_emit(s, sl, l4a_get_logits(s->ctx, i));
    }
}

static void *sched_main(void *arg) {
    l4a_server *s = arg;
    int32_t *seqs = calloc((size_t)s->n_slots, sizeof *seqs);
    l4a_token *toks = calloc((size_t)s->n_slots, sizeof *toks);
    l4a_slot **which = calloc((size_t)s->n_slots, sizeof *which);
    if (!seqs || !toks || !which) {
        l4a_srv_log(s, L4A_LOG_ERROR, "serve: scheduler out of memory");
        goto done;
    }
    for (;;) {
        pthread_mutex_lock(&s->mu);
        admit_locked(s);
        while (s->n_busy == 0 && !s->q_head && !s->sched_stop)
            pthread_cond_wait(&s->sched_cond, &s->mu);
        bool leave = s->sched_stop && s->n_busy == 0 && !s->q_head;
        admit_locked(s);
        pthread_mutex_unlock(&s->mu);
        if (leave) break;
        prompt_phase(s, s->p.n_batch);
        gen_phase(s, seqs, toks, which);
    }
done:
    /* fail whatever is left (only on out of memory above) */
    pthread_mutex_lock(&s->mu);
    for (l4a_job *j = s->q_head; j; j = j->next) {
        snprintf(j->err, sizeof j->err, "the server is shutting down");
        j->done = true;
        pthread_cond_broadcast(&j->cond);
    }
    s->q_head = s->q_tail = NULL;
    s->q_len = 0;
    pthread_mutex_unlock(&s->mu);
    free(seqs);
    free(toks);
    free(which);
    return NULL;
}

int l4a_sched_start(l4a_server *s) {
    if (pthread_create(&s->sched_thread, NULL, sched_main, s) != 0) return -1;
    s->sched_started = true;
    return 0;
}

void l4a_sched_stop(l4a_server *s) {
    if (!s->sched_started) return;
    pthread_mutex_lock(&s->mu);
    s->sched_stop = true;
    pthread_cond_signal(&s->sched_cond);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->sched_thread, NULL);
    s->sched_started = false;
}
