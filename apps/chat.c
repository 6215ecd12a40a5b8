/*
 * chat.c - `llm4all chat -m MODEL`: an interactive conversation read line by line from stdin
 * (`/exit` or end of input ends it), with the model's chat template.
 *
 * The KV cache is kept between turns. Each turn renders the whole conversation, tokenizes it
 * and compares it with the tokens already in the cache: only the suffix after the common
 * prefix is decoded (normally the new user turn; re-tokenizing a reply can differ from the
 * sampled tokens, and then the cache is cut back to where they agree).
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const app_verb app_verb_chat = {
    .name = "chat",
    .bit = VERB_CHAT,
    .synopsis = "-m MODEL [options]",
    .summary = "interactive multi-turn chat on stdin/stdout",
    .description =
        "Read user messages from stdin, one per line, and answer each with the model's chat\n"
        "template; `/exit` or end of input quits. The conversation stays in the KV cache\n"
        "between turns; when it no longer fits in the context (-c) the chat ends with an error.",
    .max_positional = 0,
};

typedef struct chat_state {
    const app_opts *o;
    const l4a_model *m;
    l4a_ctx *ctx;
    l4a_sampler *smp;
    l4a_chat_msg *msgs;     /* role and content strings owned (malloc'ed) */
    size_t n_msgs, cap_msgs;
    l4a_token *cache;       /* (n_ctx) tokens in the KV cache, in order */
    int32_t n_cache, n_ctx;
    char *piece;
    size_t piece_cap;
} chat_state;

static int add_msg(chat_state *c, const char *role, const char *content) {
    if (c->n_msgs == c->cap_msgs) {
        size_t cap = c->cap_msgs ? 2 * c->cap_msgs : 8;
        l4a_chat_msg *nm = realloc(c->msgs, cap * sizeof *nm);
        if (!nm) return app_error("out of memory");
        c->msgs = nm;
        c->cap_msgs = cap;
    }
    char *r = strdup(role), *t = strdup(content);
    if (!r || !t) { free(r); free(t); return app_error("out of memory"); }
    c->msgs[c->n_msgs++] = (l4a_chat_msg){r, t};
    return 0;
}

/* Bring the KV cache to the rendered conversation: keep the common token prefix, decode the
 * rest. */
static int sync_cache(chat_state *c) {
    char *text = NULL;
    l4a_token *toks = NULL;
    int32_t n = 0;
    int rc = app_chat_render(c->m, c->msgs, c->n_msgs, true, &text);
    if (!rc) rc = app_tokenize(c->m, text, strlen(text), true, true, &toks, &n);
    free(text);
    if (rc) return rc;
    if (n == 0) {
        free(toks);
        return app_error("the chat template rendered no tokens");
    }
    if (n >= c->n_ctx) {
        free(toks);
        return app_error("context full: the conversation is %d tokens and the context holds "
                         "%d (start again with a larger -c)", n, c->n_ctx);
    }
    int32_t p = 0;
    while (p < c->n_cache && p < n && c->cache[p] == toks[p]) p++;
    if (p == n) p = n - 1;      /* decode at least one token, for its logits */
    if (p < c->n_cache) {
        if (l4a_ctx_truncate(c->ctx, p) != L4A_OK) { free(toks); return app_lib_error("cache"); }
        c->n_cache = p;
    }
    if (c->o->verbose)
        fprintf(stderr, "chat: %d tokens cached, decoding %d\n", p, n - p);
    if (l4a_decode(c->ctx, toks + p, n - p, false) != L4A_OK) {
        free(toks);
        return app_lib_error("decode");
    }
    for (int32_t i = p; i < n; i++) l4a_sampler_accept(c->smp, toks[i]);
    memcpy(c->cache + p, toks + p, (size_t)(n - p) * sizeof *toks);
    c->n_cache = n;
    free(toks);
    return 0;
}

/* Sample the assistant's reply, streaming it; append it to the conversation. */
static int reply(chat_state *c) {
    app_stream st;
    app_stream_init(&st, stdout, c->o->stops, c->o->n_stops);
    int rc = 0;
    for (int32_t n_gen = 0; c->o->n_predict < 0 || n_gen < c->o->n_predict; n_gen++) {
        const float *logits = l4a_get_logits(c->ctx, -1);
        if (!logits) { rc = app_error("no logits after decoding"); break; }
        l4a_token t = l4a_sampler_sample(c->smp, logits);
        l4a_sampler_accept(c->smp, t);
        if (l4a_token_is_eog(c->m, t)) break;
        int32_t n = app_piece(c->m, t, false, &c->piece, &c->piece_cap);
        if (n < 0) { rc = app_lib_error("token to text"); break; }
        if (app_stream_push(&st, c->piece, (size_t)n)) break;
        if (c->n_cache >= c->n_ctx) {
            rc = app_error("context full (%d tokens) in the middle of a reply (use a larger -c)",
                           c->n_ctx);
            break;
        }
        if (l4a_decode(c->ctx, &t, 1, false) != L4A_OK) { rc = app_lib_error("decode"); break; }
        c->cache[c->n_cache++] = t;
    }
    app_stream_finish(&st);
    printf("\n");
    fflush(stdout);
    if (!rc) rc = add_msg(c, "assistant", st.text ? st.text : "");
    app_stream_free(&st);
    return rc;
}

static int converse(chat_state *c) {
    char *line = NULL;
    size_t line_cap = 0;
    bool tty = isatty(STDIN_FILENO);
    int rc = 0;
    if (tty) fprintf(stderr, "chat: type a message, /exit to quit\n");
    for (;;) {
        if (tty) fprintf(stderr, "> ");
        ssize_t len = getline(&line, &line_cap, stdin);
        if (len < 0) break;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!strcmp(line, "/exit")) break;
        if (len == 0) continue;
        rc = add_msg(c, "user", line);
        if (!rc) rc = sync_cache(c);
        if (!rc) rc = reply(c);
        if (rc) break;
    }
    free(line);
    return rc;
}

int app_cmd_chat(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_chat, &o);
    if (!o.model) app_usage_error(&app_verb_chat, "give a model with -m PATH or -m NAME");
    l4a_model *m = NULL;
    chat_state c = {.o = &o};
    int rc = app_load_model(&o, &app_verb_chat, false, &m, NULL, 0);
    c.m = m;
    if (!rc) rc = app_new_ctx(&o, m, &c.ctx);
    if (rc) goto done;
    c.n_ctx = l4a_ctx_n_ctx(c.ctx);
    c.cache = malloc((size_t)c.n_ctx * sizeof *c.cache);
    if (!c.cache) { rc = app_error("out of memory"); goto done; }
    rc = app_new_sampler(&o, m, c.n_ctx, &c.smp);
    if (!rc && o.system) rc = add_msg(&c, "system", o.system);
    if (!rc) rc = converse(&c);
done:
    for (size_t i = 0; i < c.n_msgs; i++) {
        free((char *)c.msgs[i].role);
        free((char *)c.msgs[i].content);
    }
    free(c.msgs);
    free(c.cache);
    free(c.piece);
    l4a_sampler_free(c.smp);
    l4a_ctx_free(c.ctx);
    l4a_model_free(m);
    return rc;
}
