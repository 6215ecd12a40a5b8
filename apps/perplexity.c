/*
 * perplexity.c - `llm4all perplexity -m MODEL -f FILE`: perplexity of a text, by the method
 * of llama.cpp's perplexity tool so the numbers compare:
 *  - the whole file is tokenized once, with the model's BOS rule (add_special, no special-
 *    token parsing);
 *  - it is cut into windows of n_ctx tokens (-c; n_tokens / n_ctx of them, at most --chunks);
 *  - each window is evaluated from an empty cache, its first token replaced by BOS when the
 *    model adds BOS;
 *  - only the second half is scored: for positions j = n_ctx/2 .. n_ctx-2 the logits at j
 *    predict token j+1, NLL = log(sum_v exp(l_v - max)) + max - l_tok (the sum in double of
 *    float exponentials);
 *  - PPL = exp(mean NLL); its uncertainty U = PPL * sqrt((mean(NLL^2) - mean(NLL)^2) /
 *    (count - 1)), the standard error of the mean NLL carried through exp.
 * A running PPL is printed after each window on stderr, `PPL = X +/- U` on stdout.
 */
#include "common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

const app_verb app_verb_perplexity = {
    .name = "perplexity",
    .bit = VERB_PERPLEXITY,
    .synopsis = "-m MODEL -f FILE [-c N] [-b N] [--chunks K] [--json]",
    .summary = "measure the perplexity of a text (llama.cpp's method)",
    .description =
        "Cut the tokenized FILE into windows of -c tokens (default 512), evaluate each from\n"
        "scratch (BOS first when the model uses one) and score the second half of each\n"
        "window, as llama.cpp's perplexity tool does. Prints the running perplexity per\n"
        "window on stderr and `PPL = X +/- U` on stdout (U: standard error).",
    .max_positional = 0,
};

/* -log softmax(logits)[tok] over V logits. */
static double nll_of(const float *logits, int32_t V, l4a_token tok) {
    float max = logits[0];
    for (int32_t v = 1; v < V; v++) max = logits[v] > max ? logits[v] : max;
    double sum = 0.0;
    for (int32_t v = 0; v < V; v++) sum += expf(logits[v] - max);
    return log(sum) + (double)(max - logits[tok]);
}

typedef struct ppl_sums {
    double nll, nll2;
    int64_t count;
} ppl_sums;

/* Evaluate one window win[0..n_ctx) from an empty cache and add its second half's NLL. */
static int score_window(l4a_ctx *ctx, const l4a_model *m, const l4a_token *win, int32_t n_ctx,
                        int32_t n_batch, ppl_sums *s) {
    const int32_t V = l4a_model_n_vocab(m), first = n_ctx / 2;
    if (l4a_ctx_truncate(ctx, 0) != L4A_OK) return app_lib_error("clearing the cache");
    for (int32_t b0 = 0; b0 < n_ctx; b0 += n_batch) {
        int32_t b1 = b0 + n_batch < n_ctx ? b0 + n_batch : n_ctx;
        bool want = b1 - 1 >= first;    /* does this batch hold scored positions */
        if (l4a_decode(ctx, win + b0, b1 - b0, want) != L4A_OK) return app_lib_error("decode");
        for (int32_t j = b0 > first ? b0 : first; want && j < b1 && j < n_ctx - 1; j++) {
            const float *logits = l4a_get_logits(ctx, j - b0);
            if (!logits) return app_error("no logits kept for position %d", j);
            double v = nll_of(logits, V, win[j + 1]);
            s->nll += v;
            s->nll2 += v * v;
            s->count++;
        }
    }
    return 0;
}

static int report(const app_opts *o, const ppl_sums *s, int32_t n_chunk, int32_t n_ctx,
                  int32_t n_tokens, const double *running) {
    double mean = s->nll / (double)s->count;
    double var = s->nll2 / (double)s->count - mean * mean;
    double ppl = exp(mean);
    double err = var > 0 && s->count > 1 ? ppl * sqrt(var / (double)(s->count - 1)) : 0.0;
    if (!o->json) {
        printf("PPL = %.4f +/- %.5f\n", ppl, err);
        return 0;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "ppl", ppl);
    cJSON_AddNumberToObject(root, "ppl_stderr", err);
    cJSON_AddNumberToObject(root, "nll_mean", mean);
    cJSON_AddNumberToObject(root, "n_ctx", n_ctx);
    cJSON_AddNumberToObject(root, "n_chunks", n_chunk);
    cJSON_AddNumberToObject(root, "n_tokens", n_tokens);
    cJSON_AddNumberToObject(root, "n_scored", (double)s->count);
    cJSON *arr = cJSON_AddArrayToObject(root, "running_ppl");
    for (int32_t i = 0; i < n_chunk; i++) cJSON_AddItemToArray(arr, cJSON_CreateNumber(running[i]));
    char *txt = cJSON_Print(root);
    cJSON_Delete(root);
    if (!txt) return app_error("out of memory");
    printf("%s\n", txt);
    free(txt);
    return 0;
}

int app_cmd_perplexity(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_perplexity, &o);
    if (!o.file) app_usage_error(&app_verb_perplexity, "give the text with -f FILE");
    if (o.prompt) app_usage_error(&app_verb_perplexity, "the text comes from -f FILE, not -p");
    if (!o.model) app_usage_error(&app_verb_perplexity, "give a model with -m PATH or -m NAME");
    if (o.n_ctx < 8) app_usage_error(&app_verb_perplexity, "-c must be at least 8");
    if (o.chunks == 0) app_usage_error(&app_verb_perplexity, "--chunks must be -1 (all) or >= 1");

    l4a_model *m = NULL;
    l4a_ctx *ctx = NULL;
    l4a_token *toks = NULL, *win = NULL;
    double *running = NULL;
    char *text = NULL;
    size_t len = 0;
    int32_t n_tok = 0;
    int rc = app_load_model(&o, &app_verb_perplexity, false, &m, NULL, 0);
    if (!rc && !(text = app_read_file(o.file, &len))) rc = APP_EXIT_RUNTIME;
    if (!rc) rc = app_tokenize(m, text, len, true, false, &toks, &n_tok);
    if (rc) goto done;
    const int32_t n_ctx = o.n_ctx;
    if (n_tok < 2 * n_ctx) {
        rc = app_error("%s tokenizes to %d tokens: perplexity with -c %d needs at least %d",
                       o.file, n_tok, n_ctx, 2 * n_ctx);
        goto done;
    }
    int32_t n_chunk = n_tok / n_ctx;
    if (o.chunks >= 0 && o.chunks < n_chunk) n_chunk = o.chunks;
    app_opts co = o;
    co.n_batch = o.n_batch < n_ctx ? o.n_batch : n_ctx;
    rc = app_new_ctx(&co, m, &ctx);
    if (rc) goto done;
    if (l4a_ctx_n_ctx(ctx) < n_ctx) {
        rc = app_error("the context holds %d tokens, fewer than -c %d", l4a_ctx_n_ctx(ctx), n_ctx);
        goto done;
    }
    win = malloc((size_t)n_ctx * sizeof *win);
    running = malloc(((size_t)n_chunk + 1) * sizeof *running);
    if (!win || !running) { rc = app_error("out of memory"); goto done; }
    fprintf(stderr, "perplexity: %d tokens, %d chunks of %d, batch %d\n", n_tok, n_chunk, n_ctx,
            co.n_batch);

    ppl_sums s = {0};
    double t0 = app_now();
    for (int32_t c = 0; c < n_chunk; c++) {
        memcpy(win, toks + (size_t)c * n_ctx, (size_t)n_ctx * sizeof *win);
        if (l4a_add_bos(m) && l4a_token_bos(m) >= 0) win[0] = l4a_token_bos(m);
        rc = score_window(ctx, m, win, n_ctx, co.n_batch, &s);
        if (rc) goto done;
        running[c] = exp(s.nll / (double)s.count);
        if (c == 0) {
            double dt = app_now() - t0;
            fprintf(stderr, "perplexity: %.2f s per chunk, about %.0f s in all\n", dt,
                    dt * n_chunk);
        }
        fprintf(stderr, "[%d]%.4f,", c + 1, running[c]);
    }
    fprintf(stderr, "\n");
    rc = report(&o, &s, n_chunk, n_ctx, n_tok, running);
done:
    free(text);
    free(toks);
    free(win);
    free(running);
    l4a_ctx_free(ctx);
    l4a_model_free(m);
    return rc;
}
