/*
 * run.c - `llm4all run -m MODEL -p TEXT`: read a prompt, generate, stream the text to stdout.
 *
 * The prompt is tokenized with the model's special tokens (BOS) and with special-token text
 * recognised; --chat first renders it as a user turn with the model's chat template. Only the
 * generated text is printed (not the prompt). Generation stops at an end-of-generation token,
 * after -n tokens, at a --stop string, or when the context is full. Timings go to stderr.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const app_verb app_verb_run = {
    .name = "run",
    .bit = VERB_RUN,
    .synopsis = "-m MODEL (-p TEXT | -f FILE) [options]",
    .summary = "generate text from a prompt",
    .description =
        "Generate a continuation of the prompt and stream it to stdout (the prompt itself is\n"
        "not printed). Stops at an end-of-generation token, after -n tokens, at a --stop\n"
        "string (not printed) or when the context is full. Prompt and generation speeds are\n"
        "printed on stderr at the end. --chat wraps the prompt in the model's chat template.",
    .max_positional = 0,
};

/* The prompt as text: raw, or rendered as a chat turn. */
static int prompt_text(const app_opts *o, const l4a_model *m, char **out, size_t *len) {
    char *raw = app_prompt_text(o, &app_verb_run, false, len);
    if (!raw) return APP_EXIT_RUNTIME;
    if (!o->chat) {
        *out = raw;
        return 0;
    }
    l4a_chat_msg msgs[2];
    size_t n = 0;
    if (o->system) msgs[n++] = (l4a_chat_msg){"system", o->system};
    msgs[n++] = (l4a_chat_msg){"user", raw};
    int rc = app_chat_render(m, msgs, n, true, out);
    free(raw);
    if (!rc) *len = strlen(*out);
    return rc;
}

/* Generate after the prompt is decoded. Returns 0 or an exit code; *n_gen tokens produced. */
static int generate(const app_opts *o, const l4a_model *m, l4a_ctx *ctx, l4a_sampler *smp,
                    int32_t *n_gen) {
    app_stream st;
    app_stream_init(&st, stdout, o->stops, o->n_stops);
    char *piece = NULL;
    size_t piece_cap = 0;
    int rc = 0;
    const int32_t n_ctx = l4a_ctx_n_ctx(ctx);
    *n_gen = 0;
    while (o->n_predict < 0 || *n_gen < o->n_predict) {
        const float *logits = l4a_get_logits(ctx, -1);
        if (!logits) { rc = app_error("no logits after decoding"); break; }
        l4a_token t = l4a_sampler_sample(smp, logits);
        l4a_sampler_accept(smp, t);
        if (l4a_token_is_eog(m, t)) break;
        (*n_gen)++;
        int32_t n = app_piece(m, t, false, &piece, &piece_cap);
        if (n < 0) { rc = app_lib_error("token to text"); break; }
        if (app_stream_push(&st, piece, (size_t)n)) break;
        if (o->n_predict >= 0 && *n_gen >= o->n_predict) break;
        if (l4a_ctx_n_past(ctx) >= n_ctx) {
            app_stream_finish(&st);
            fprintf(stderr, "\nrun: the context is full (%d tokens): stopping\n", n_ctx);
            break;
        }
        if (l4a_decode(ctx, &t, 1, false) != L4A_OK) { rc = app_lib_error("decode"); break; }
    }
    app_stream_finish(&st);
    if (isatty(STDOUT_FILENO)) printf("\n");
    fflush(stdout);
    free(piece);
    app_stream_free(&st);
    return rc;
}

int app_cmd_run(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_run, &o);
    /* usage checks before the model loads */
    if (!o.prompt && !o.file) app_usage_error(&app_verb_run, "give a prompt with -p or -f");
    if (!o.model) app_usage_error(&app_verb_run, "give a model with -m PATH or -m NAME");

    l4a_model *m = NULL;
    l4a_ctx *ctx = NULL;
    l4a_sampler *smp = NULL;
    char *text = NULL;
    l4a_token *toks = NULL;
    int32_t n_tok = 0, n_gen = 0;
    size_t len = 0;
    int rc = app_load_model(&o, &app_verb_run, false, &m, NULL, 0);
    if (!rc) rc = prompt_text(&o, m, &text, &len);
    if (!rc) rc = app_tokenize(m, text, len, true, true, &toks, &n_tok);
    if (!rc) rc = app_new_ctx(&o, m, &ctx);
    if (rc) goto done;
    const int32_t n_ctx = l4a_ctx_n_ctx(ctx);
    if (n_tok == 0) { rc = app_error("the prompt is empty"); goto done; }
    if (n_tok >= n_ctx) {
        rc = app_error("the prompt is %d tokens: too long for the context of %d tokens "
                       "(raise -c, up to the model's %d)", n_tok, n_ctx, l4a_model_n_ctx_train(m));
        goto done;
    }
    rc = app_new_sampler(&o, m, n_ctx, &smp);
    if (rc) goto done;
    for (int32_t i = 0; i < n_tok; i++) l4a_sampler_accept(smp, toks[i]);

    double t0 = app_now();
    if (l4a_decode(ctx, toks, n_tok, false) != L4A_OK) { rc = app_lib_error("decode"); goto done; }
    double t1 = app_now();
    rc = generate(&o, m, ctx, smp, &n_gen);
    double t2 = app_now();
    fprintf(stderr, "run: prompt %d tokens in %.2f s (%.1f tok/s), generation %d tokens in "
            "%.2f s (%.1f tok/s)\n", n_tok, t1 - t0, n_tok / (t1 - t0 > 0 ? t1 - t0 : 1e-9),
            n_gen, t2 - t1, n_gen / (t2 - t1 > 0 ? t2 - t1 : 1e-9));
done:
    free(text);
    free(toks);
    l4a_sampler_free(smp);
    l4a_ctx_free(ctx);
    l4a_model_free(m);
    return rc;
}
