/*
 * generate.c - one constrained generation for the summariser: render a chat (system + user)
 * with the model's template, evaluate it (reusing the KV entries of the longest prefix shared
 * with the previous prompt: the map prompts share their instructions), then sample one JSON
 * document under the given schema, at most max_tokens tokens. A document cut by the budget
 * is closed and normalised by minutes_fix.c.
 *
 * Not here: budgets (summarize.c), which prompt (summarize.c, reduce.c).
 */
#include "meeting/summary.h"

#include <string.h>

l4a_status l4a_gen_init(l4a_gen *g, const l4a_model *m, const l4a_summary_params *p,
                        l4a_summary_stats *stats) {
    memset(g, 0, sizeof *g);
    g->m = m;
    g->stats = stats;
    g->cancel = p->cancel;
    g->cancel_user = p->cancel_user;
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = p->n_ctx;
    cp.n_threads = p->n_threads;
    if (p->n_batch > 0) cp.n_batch = p->n_batch;
    g->n_batch = cp.n_batch > 0 ? cp.n_batch : 512;
    /* with a cancellation callback, prompts are read in pieces of at most 128 tokens, so that a
     * cancel takes effect within one piece (about 2 s for a 1.5B model on 2 cores; a 512-token
     * batch under ASan on a loaded machine took 90 s). Each piece reads the weights again
     * (~1 GB for a 1.5B model at 4 bits: ~0.1 s, next to seconds of compute for 128 tokens;
     * an estimate, not measured) */
    if (g->cancel && g->n_batch > 128) g->n_batch = 128;
    l4a_status st = l4a_ctx_new(m, cp, &g->ctx);
    if (st != L4A_OK) return st;
    l4a_sampler_params sp = l4a_sampler_default_params();
    sp.temperature = p->temperature;
    sp.seed = p->seed;
    sp.repeat_penalty = 1.0f;
    st = l4a_sampler_new(m, sp, &g->smp);
    if (st != L4A_OK) { l4a_gen_free(g); return st; }
    return L4A_OK;
}

void l4a_gen_free(l4a_gen *g) {
    if (!g) return;
    l4a_sampler_free(g->smp);
    l4a_ctx_free(g->ctx);
    l4a_free(g->prev);
    memset(g, 0, sizeof *g);
}

/* Render and tokenize the chat; *toks l4a_malloc'ed. */
static l4a_status chat_tokens(l4a_gen *g, const char *system, const char *user, l4a_token **toks,
                              int32_t *n) {
    *toks = NULL;
    *n = 0;
    l4a_chat_msg msgs[2] = {{"system", system}, {"user", user}};
    int32_t need = l4a_chat_apply(g->m, NULL, msgs, 2, true, NULL, 0);
    if (need == INT32_MIN) return L4A_ERR_UNSUPPORTED;
    if (need < 0) need = -need;
    char *text = l4a_malloc((size_t)need + 1);
    if (!text) return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory for the prompt");
    int32_t w = l4a_chat_apply(g->m, NULL, msgs, 2, true, text, (size_t)need + 1);
    if (w < 0 || w > need) {
        l4a_free(text);
        return l4a_fail(L4A_ERR_INTERNAL, "summarize: chat template size changed");
    }
    int32_t cap = w + 16;
    l4a_token *t = l4a_malloc((size_t)cap * sizeof *t);
    if (!t) { l4a_free(text); return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory"); }
    int32_t k = l4a_tokenize(g->m, text, (size_t)w, t, cap, true, true);
    l4a_free(text);
    if (k < 0) {
        l4a_free(t);
        return k == INT32_MIN ? L4A_ERR_INTERNAL
                              : l4a_fail(L4A_ERR_INTERNAL, "summarize: more tokens than bytes");
    }
    l4a_token bos = l4a_token_bos(g->m);
    if (k >= 2 && bos >= 0 && t[0] == bos && t[1] == bos) {  /* template wrote BOS too */
        memmove(t, t + 1, (size_t)(k - 1) * sizeof *t);
        k--;
    }
    *toks = t;
    *n = k;
    return L4A_OK;
}

/* True (with the error set) when the caller asked to stop. */
static bool cancelled(const l4a_gen *g) {
    if (!g->cancel || !g->cancel(g->cancel_user)) return false;
    l4a_fail(L4A_ERR_CANCELLED, "summarize: cancelled");
    return true;
}

int32_t l4a_gen_prompt_tokens(l4a_gen *g, const char *system, const char *user) {
    l4a_token *t;
    int32_t n;
    if (chat_tokens(g, system, user, &t, &n) != L4A_OK) return -1;
    l4a_free(t);
    return n;
}

l4a_status l4a_gen_json(l4a_gen *g, const char *system, const char *user, const char *schema,
                        int32_t max_tokens, char **out, bool *truncated) {
    *out = NULL;
    *truncated = false;
    l4a_token *t;
    int32_t n;
    l4a_status st = chat_tokens(g, system, user, &t, &n);
    if (st != L4A_OK) return st;
    int32_t n_ctx = l4a_ctx_n_ctx(g->ctx);
    if (n < 1 || (int64_t)n + max_tokens > n_ctx) {
        l4a_free(t);
        return l4a_fail(L4A_ERR_CONTEXT_FULL, "summarize: a prompt of %d tokens and %d output "
                        "tokens do not fit the context of %d (a bug in the budgets: please "
                        "report it)", n, max_tokens, n_ctx);
    }
    /* reuse the KV entries of the common prefix (at least one token is evaluated again, for
     * its logits) */
    int32_t keep = 0;
    int32_t lim = n - 1 < g->n_prev ? n - 1 : g->n_prev;
    if (lim > l4a_ctx_n_past(g->ctx)) lim = l4a_ctx_n_past(g->ctx);
    while (keep < lim && g->prev[keep] == t[keep]) keep++;
    st = l4a_ctx_truncate(g->ctx, keep);
    /* the prompt in n_batch pieces, so that a cancellation is seen between them */
    for (int32_t at = keep; st == L4A_OK && at < n; at += g->n_batch) {
        int32_t k = n - at < g->n_batch ? n - at : g->n_batch;
        st = cancelled(g) ? L4A_ERR_CANCELLED : l4a_decode(g->ctx, t + at, k, false);
    }
    l4a_free(g->prev);
    g->prev = t;
    g->n_prev = n;
    if (st != L4A_OK) { g->n_prev = 0; return st; }
    if (g->stats) g->stats->prompt_tokens += n - keep;

    st = l4a_sampler_set_json_schema(g->smp, schema, strlen(schema));
    if (st != L4A_OK) return st;
    l4a_sampler_reset(g->smp);
    size_t cap = 4096, len = 0;
    char *text = l4a_malloc(cap);
    char piece[256];
    if (!text) return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory");
    int32_t n_gen = 0;
    bool done = false;
    while (n_gen < max_tokens) {
        if (cancelled(g)) { st = L4A_ERR_CANCELLED; break; }
        const float *logits = l4a_get_logits(g->ctx, -1);
        if (!logits) { st = l4a_fail(L4A_ERR_INTERNAL, "summarize: no logits"); break; }
        l4a_token tok = l4a_sampler_sample(g->smp, logits);
        if (l4a_token_is_eog(g->m, tok)) { done = l4a_sampler_json_done(g->smp) == 1; break; }
        l4a_sampler_accept(g->smp, tok);
        n_gen++;
        int32_t k = l4a_token_to_piece(g->m, tok, piece, sizeof piece, false);
        if (k < 0) {
            st = l4a_fail(L4A_ERR_INTERNAL, "summarize: token %d has no text", tok);
            break;
        }
        if (len + (size_t)k + 1 > cap) {
            char *nb = l4a_realloc(text, cap * 2);
            if (!nb) { st = l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory"); break; }
            text = nb;
            cap *= 2;
        }
        memcpy(text + len, piece, (size_t)k);
        len += (size_t)k;
        if (l4a_sampler_json_done(g->smp) == 1) { done = true; break; }
        if (n_gen >= max_tokens) break;
        st = l4a_decode(g->ctx, &tok, 1, false);
        if (st != L4A_OK) break;
    }
    l4a_sampler_clear_json(g->smp);
    if (g->stats) g->stats->generated_tokens += n_gen;
    if (st != L4A_OK) { l4a_free(text); return st; }
    text[len] = 0;
    *truncated = !done;
    if (!done) L4A_LOG_I("summarize: output cut at %d tokens, closed", n_gen);
    *out = text;
    return L4A_OK;
}
