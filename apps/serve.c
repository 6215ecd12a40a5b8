/*
 * serve.c - `llm4all serve -m MODEL`: the OpenAI-compatible HTTP server (docs/server.md).
 *
 * Listens first (so /health answers 503 "loading" while the weights load), then loads the
 * model and serves until SIGTERM or SIGINT, which stop new requests and let running ones
 * finish. Refuses to listen on a non-loopback address without an API key. Everything here
 * goes through the public l4a_server_* API.
 */
#include "common.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

const app_verb app_verb_serve = {
    .name = "serve",
    .bit = VERB_SERVE,
    .synopsis = "-m MODEL [--host ADDR] [--port N] [--api-key KEY] [options]",
    .summary = "OpenAI-compatible HTTP server",
    .description =
        "Serve the model over HTTP with the OpenAI API: /v1/chat/completions, /v1/completions\n"
        "(stream: true for server-sent events), /v1/embeddings, /v1/models, plus /tokenize,\n"
        "/detokenize, /health and (--metrics) /metrics. -np requests are decoded together;\n"
        "more wait in a bounded queue. Meeting minutes: POST /v1/meetings/summarize (a job,\n"
        "one at a time), and a web page at / to paste a transcript and read them. Listens\n"
        "on 127.0.0.1:8080 by default; any other address needs --api-key. SIGTERM finishes\n"
        "running requests (and cancels minutes jobs), then exits. See docs/server.md.",
    .max_positional = 0,
};

static l4a_server *g_server;

static void on_signal(int sig) {
    (void)sig;
    l4a_server_stop(g_server);   /* async-signal-safe: one atomic store */
}

/* The key from --api-key, --api-key-file or $LLM4ALL_API_KEY; malloc'ed or NULL. */
static int api_key(const app_opts *o, char **out) {
    *out = NULL;
    if (o->api_key && o->api_key_file)
        app_usage_error(&app_verb_serve, "give --api-key or --api-key-file, not both");
    if (o->api_key_file) {
        char *k = app_read_file(o->api_key_file, NULL);
        if (!k) return APP_EXIT_RUNTIME;
        k[strcspn(k, "\r\n")] = 0;
        *out = k;
    } else if (o->api_key || getenv("LLM4ALL_API_KEY")) {
        *out = strdup(o->api_key ? o->api_key : getenv("LLM4ALL_API_KEY"));
        if (!*out) return app_error("out of memory");
    }
    if (*out && !**out) {
        free(*out);
        *out = NULL;
        app_usage_error(&app_verb_serve, "the API key is empty");
    }
    return 0;
}

/* The model id clients see: --alias, else the -m name without folders and ".gguf". */
static void model_id(const app_opts *o, char *id, size_t size) {
    if (o->alias) {
        snprintf(id, size, "%s", o->alias);
        return;
    }
    const char *b = strrchr(o->model, '/');
    snprintf(id, size, "%s", b ? b + 1 : o->model);
    size_t n = strlen(id);
    if (n > 5 && !strcmp(id + n - 5, ".gguf")) id[n - 5] = 0;
}

int app_cmd_serve(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_serve, &o);
    if (!o.model) app_usage_error(&app_verb_serve, "give a model with -m PATH or -m NAME");
    char *key = NULL;
    int rc = api_key(&o, &key);
    if (rc) return rc;

    l4a_server_params p = l4a_server_default_params();
    p.host = o.host;
    p.port = o.port;
    p.api_key = key;
    p.alias = o.alias;
    p.allow_origin = o.allow_origin;
    p.n_slots = o.n_parallel;
    p.n_ctx = o.n_ctx;
    p.n_batch = o.n_batch;
    p.n_threads = o.n_threads;
    p.kv_type = (l4a_kv_type)o.kv_type;
    p.max_queue = o.max_queue;
    p.meeting_queue = o.meeting_queue;
    p.meeting_ttl_s = o.meeting_ttl;
    p.max_body = o.max_body;
    p.max_tokens = o.max_tokens;
    p.timeout_s = o.timeout_s;
    p.metrics = o.metrics;
    p.log_level = o.verbose ? 3 : o.log_level;
    if (!o.verbose) l4a_log_set(NULL, NULL, (l4a_log_level)(p.log_level < 1 ? 0 : 1));

    l4a_server *s = NULL;
    l4a_model *m = NULL;
    if (l4a_server_start(&p, &s) != L4A_OK) {
        rc = app_lib_error("serve");
        goto done;
    }
    g_server = s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (p.log_level >= 2)
        fprintf(stderr, "serve: listening on http://%s%s%s:%d/ (%s), loading %s\n",
                strchr(p.host, ':') ? "[" : "", p.host, strchr(p.host, ':') ? "]" : "",
                l4a_server_port(s), key ? "API key required" : "no API key: loopback only",
                o.model);

    rc = app_load_model(&o, &app_verb_serve, false, &m, NULL, 0);
    if (rc) goto done;
    char id[256];
    model_id(&o, id, sizeof id);
    if (l4a_server_set_model(s, m, id) != L4A_OK) {
        rc = app_lib_error("serve: cannot set up the model");
        goto done;
    }
    if (p.log_level >= 2)
        fprintf(stderr, "serve: ready: model '%s', %d slots\n", id, p.n_slots);
    l4a_server_run(s);
    if (p.log_level >= 2) fprintf(stderr, "serve: stopped\n");
done:
    l4a_server_free(s);
    g_server = NULL;
    l4a_model_free(m);
    free(key);
    return rc;
}
