/*
 * common.c - helpers shared by the verbs: error messages, reading files, resolving -m to a
 * file (pulling known names), creating the model, context and sampler from the flags,
 * tokenizing into owned arrays, rendering chat templates.
 *
 * Everything here goes through include/llm4all.h; memory is the C library's (these are
 * programs, not the library's hot paths).
 */
#include "common.h"
#include "registry.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int app_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    fprintf(stderr, "llm4all: error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return APP_EXIT_RUNTIME;
}

int app_lib_error(const char *what) { return app_error("%s: %s", what, l4a_last_error()); }

double app_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

char *app_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        app_error("cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        app_error("cannot read '%s'", path);
        return NULL;
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

char *app_prompt_text(const app_opts *o, const app_verb *verb, bool optional, size_t *len) {
    if (o->file) return app_read_file(o->file, len);
    if (o->prompt) {
        *len = strlen(o->prompt);
        char *s = strdup(o->prompt);
        if (!s) app_error("out of memory");
        return s;
    }
    if (optional) return NULL;
    app_usage_error(verb, "give a prompt with -p TEXT or -f FILE");
}

/* -m: an existing file (GGUF) or folder (Hugging Face: config.json, *.safetensors) is used as
 * is; a known name comes from the cache (pulled if absent). */
static int resolve_model(const app_opts *o, const app_verb *verb, char *path, size_t size) {
    struct stat sb;
    if (!o->model || !*o->model) app_usage_error(verb, "give a model with -m PATH or -m NAME");
    if (stat(o->model, &sb) == 0) {
        if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
            return app_error("model '%s' is neither a file nor a folder", o->model);
        snprintf(path, size, "%s", o->model);
        return 0;
    }
    const app_model_entry *e = app_registry_find(o->model);
    if (!e) {
        if (strchr(o->model, '/') || strstr(o->model, ".gguf"))
            return app_error("model file '%s' not found", o->model);
        return app_error("model '%s' is neither a file nor a known name "
                         "(see `llm4all pull --list`)", o->model);
    }
    return app_pull(e, false, path, size);
}

int app_load_model(const app_opts *o, const app_verb *verb, bool vocab_only, l4a_model **out,
                   char *path_out, size_t path_size) {
    char path[4096];
    int rc = resolve_model(o, verb, path, sizeof path);
    if (rc) return rc;
    if (path_out) snprintf(path_out, path_size, "%s", path);
    l4a_model_params mp = l4a_model_default_params();
    mp.use_mmap = !o->no_mmap;
    mp.repack = !o->no_repack;
    mp.vocab_only = vocab_only;
    if (l4a_model_load(path, mp, out) != L4A_OK) return app_lib_error("cannot load the model");
    return 0;
}

int app_new_ctx(const app_opts *o, const l4a_model *m, l4a_ctx **out) {
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = o->n_ctx;
    cp.n_batch = o->n_batch;
    cp.n_threads = o->n_threads;
    cp.kv_type = (l4a_kv_type)o->kv_type;
    if (l4a_ctx_new(m, cp, out) != L4A_OK) return app_lib_error("cannot create the context");
    if (o->verbose)
        fprintf(stderr, "context: %d tokens, %.1f MiB\n", l4a_ctx_n_ctx(*out),
                (double)l4a_ctx_memory_bytes(*out) / (1 << 20));
    return 0;
}

int app_new_sampler(const app_opts *o, const l4a_model *m, int32_t n_ctx, l4a_sampler **out) {
    l4a_sampler_params sp = o->sp;
    sp.penalty_last_n = o->repeat_last_n < 0 ? n_ctx : o->repeat_last_n;
    if (o->seed < 0) sp.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (l4a_sampler_new(m, sp, out) != L4A_OK) return app_lib_error("cannot create the sampler");
    return 0;
}

int app_tokenize(const l4a_model *m, const char *text, size_t len, bool add_special,
                 bool parse_special, l4a_token **out, int32_t *n_out) {
    *out = NULL;
    *n_out = 0;
    int32_t cap = (int32_t)(len < 1u << 28 ? len : 1u << 28) + 8;
    l4a_token *t = malloc((size_t)cap * sizeof *t);
    if (!t) return app_error("out of memory for %d tokens", cap);
    int32_t n = l4a_tokenize(m, text, len, t, cap, add_special, parse_special);
    if (n < 0 && n != INT32_MIN) {   /* more tokens than bytes + 8: grow once */
        cap = -n;
        l4a_token *nt = realloc(t, (size_t)cap * sizeof *t);
        if (!nt) { free(t); return app_error("out of memory for %d tokens", cap); }
        t = nt;
        n = l4a_tokenize(m, text, len, t, cap, add_special, parse_special);
    }
    if (n < 0) {
        free(t);
        return app_lib_error("cannot tokenize");
    }
    /* a template that writes the BOS text itself, plus the BOS the model adds: keep one */
    l4a_token bos = l4a_token_bos(m);
    if (n >= 2 && bos >= 0 && t[0] == bos && t[1] == bos) {
        memmove(t, t + 1, (size_t)(n - 1) * sizeof *t);
        n--;
    }
    *out = t;
    *n_out = n;
    return 0;
}

int32_t app_piece(const l4a_model *m, l4a_token t, bool special, char **buf, size_t *cap) {
    if (!*buf) {
        *cap = 64;
        *buf = malloc(*cap);
        if (!*buf) return -1;
    }
    int32_t n = l4a_token_to_piece(m, t, *buf, *cap, special);
    if (n < 0) {
        size_t need = (size_t)-(int64_t)n + 1;
        char *nb = realloc(*buf, need);
        if (!nb) return -1;
        *buf = nb;
        *cap = need;
        n = l4a_token_to_piece(m, t, *buf, *cap, special);
    }
    return n;
}

int app_chat_render(const l4a_model *m, const l4a_chat_msg *msgs, size_t n, bool add_assistant,
                    char **out) {
    *out = NULL;
    size_t cap = 4096;
    for (size_t i = 0; i < n; i++) cap += strlen(msgs[i].content) + 64;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *buf = malloc(cap + 1);
        if (!buf) return app_error("out of memory");
        int32_t got = l4a_chat_apply(m, NULL, msgs, n, add_assistant, buf, cap + 1);
        if (got == INT32_MIN) {
            free(buf);
            return app_lib_error("chat template");
        }
        if (got >= 0 && (size_t)got <= cap) {
            buf[got] = 0;
            *out = buf;
            return 0;
        }
        free(buf);
        cap = (size_t)(got < 0 ? -(int64_t)got : got) + 1;
    }
    return app_error("chat template: the rendered size kept changing");
}
