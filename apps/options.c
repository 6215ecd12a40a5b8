/*
 * options.c - the command-line flags of every verb, in one table (llama.cpp's names where it
 * has one), their parser with range checks, and the per-verb --help generated from it.
 *
 * Accepted forms: `-n 16`, `--n-predict 16`, `--n-predict=16`. A value may start with '-'
 * (`-n -1`). Anything wrong is a usage error: message, hint, exit 2.
 */
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { ARG_BOOL, ARG_STR, ARG_STOP, ARG_I32, ARG_I64, ARG_F32, ARG_KV } arg_kind;

typedef struct app_flag {
    const char *short_name;     /* "-m" or NULL */
    const char *long_name;      /* "--model" */
    arg_kind kind;
    size_t offset;              /* into app_opts */
    double min, max;            /* for numbers, inclusive */
    unsigned verbs;             /* VERB_* bits that accept it */
    const char *metavar;
    const char *help;
} app_flag;

#define O(f) offsetof(app_opts, f)
#define GEN (VERB_RUN | VERB_CHAT)
#define SUM (VERB_SUMMARIZE | VERB_EVAL_SUMMARY)
#define MODEL_VERBS (VERB_RUN | VERB_CHAT | VERB_INFO | VERB_TOKENIZE | VERB_PERPLEXITY | VERB_BENCH | \
                     VERB_SERVE | SUM)
#define CTX_VERBS (VERB_RUN | VERB_CHAT | VERB_PERPLEXITY | VERB_BENCH | VERB_SERVE | SUM)

static const app_flag FLAGS[] = {
    {"-m", "--model", ARG_STR, O(model), 0, 0, MODEL_VERBS, "MODEL",
     "GGUF file or Hugging Face model folder, or a known name (see `llm4all pull --list`), "
     "pulled on first use"},
    {"-o", "--output", ARG_STR, O(output), 0, 0, VERB_CONVERT | SUM, "PATH",
     "convert: the GGUF file to write; summarize: write the minutes to PATH (default stdout); "
     "eval-summary: a folder for each segment's minutes"},
    {NULL, "--type", ARG_STR, O(type), 0, 0, VERB_CONVERT, "TYPE",
     "weight type: f32, f16, bf16, q8_0, q4_0 or q4_k (default f16)"},
    {"-p", "--prompt", ARG_STR, O(prompt), 0, 0, VERB_RUN | VERB_TOKENIZE | VERB_BENCH, "TEXT",
     "prompt text (bench: the number of prompt tokens, default 512)"},
    {"-f", "--file", ARG_STR, O(file), 0, 0, VERB_RUN | VERB_TOKENIZE | VERB_PERPLEXITY, "FILE",
     "read the text from FILE"},
    {"-n", "--n-predict", ARG_I32, O(n_predict), -1, 1 << 30, GEN | VERB_BENCH, "N",
     "tokens to generate (-1: until an end-of-generation token or a full context; default -1)"},
    {"-c", "--ctx-size", ARG_I32, O(n_ctx), 0, 1 << 20, CTX_VERBS, "N",
     "context size in tokens (0: the model's, at most 4096; perplexity default 512; serve: "
     "per slot)"},
    {"-b", "--batch-size", ARG_I32, O(n_batch), 1, 1 << 20, CTX_VERBS, "N",
     "tokens per forward pass when reading a prompt (default 512)"},
    {"-t", "--threads", ARG_I32, O(n_threads), 0, 1024, CTX_VERBS, "N",
     "threads (0: one per physical core; default 0)"},
    {NULL, "--cache-type", ARG_KV, O(kv_type), 0, 0, CTX_VERBS, "TYPE",
     "KV cache type: f16, f32 or q8_0 (default f16)"},
    {"-s", "--seed", ARG_I64, O(seed), -1, 9007199254740992.0, GEN | SUM, "N",
     "random seed (-1: from the clock; default 12648430)"},
    {NULL, "--temp", ARG_F32, O(sp.temperature), 0, 100, GEN | SUM, "T",
     "temperature; 0 = greedy (default 0.8; summarize: 0)"},
    {NULL, "--top-k", ARG_I32, O(sp.top_k), 0, 1 << 30, GEN, "N", "top-k, 0 = off (default 40)"},
    {NULL, "--top-p", ARG_F32, O(sp.top_p), 0, 1, GEN, "P", "top-p, 1 = off (default 0.95)"},
    {NULL, "--min-p", ARG_F32, O(sp.min_p), 0, 1, GEN, "P", "min-p, 0 = off (default 0.05)"},
    {NULL, "--repeat-penalty", ARG_F32, O(sp.repeat_penalty), 0.01, 100, GEN, "R",
     "repetition penalty, 1 = off (default 1.0)"},
    {NULL, "--repeat-last-n", ARG_I32, O(repeat_last_n), -1, 1 << 20, GEN, "N",
     "tokens the penalties look back at (-1: context size; default 64)"},
    {NULL, "--presence-penalty", ARG_F32, O(sp.presence_penalty), -100, 100, GEN, "X",
     "presence penalty, 0 = off (default 0)"},
    {NULL, "--frequency-penalty", ARG_F32, O(sp.frequency_penalty), -100, 100, GEN, "X",
     "frequency penalty, 0 = off (default 0)"},
    {NULL, "--stop", ARG_STOP, O(stops), 0, 0, GEN, "TEXT",
     "stop when the output contains TEXT (not printed); repeatable"},
    {NULL, "--chat", ARG_BOOL, O(chat), 0, 0, VERB_RUN, NULL,
     "wrap the prompt in the model's chat template (a user turn)"},
    {NULL, "--system", ARG_STR, O(system), 0, 0, GEN, "TEXT",
     "system message for the chat template"},
    {NULL, "--no-mmap", ARG_BOOL, O(no_mmap), 0, 0, MODEL_VERBS, NULL,
     "read the weights into memory instead of mapping the file"},
    {NULL, "--no-repack", ARG_BOOL, O(no_repack), 0, 0, MODEL_VERBS, NULL,
     "keep the weights mapped in the file's layout (default: copied to 2 MiB pages, "
     "Q4_K, Q6_K, Q4_0 repacked for decode)"},
    {NULL, "--json", ARG_BOOL, O(json), 0, 0,
     VERB_INFO | VERB_TOKENIZE | VERB_PERPLEXITY | VERB_PULL | VERB_BENCH | SUM, NULL,
     "print JSON on stdout (summarize: the minutes as JSON instead of Markdown)"},
    {"-r", "--repetitions", ARG_I32, O(reps), 1, 1000, VERB_BENCH, "R",
     "repetitions of each test (default 5)"},
    {"-d", "--depth", ARG_I32, O(depth), 0, 1 << 20, VERB_BENCH, "D",
     "tokens already in the context when each test starts (default 0)"},
    {NULL, "--meta", ARG_BOOL, O(meta), 0, 0, VERB_INFO, NULL, "list every metadata key"},
    {NULL, "--ids", ARG_BOOL, O(ids), 0, 0, VERB_TOKENIZE, NULL, "print only the token ids"},
    {NULL, "--no-special", ARG_BOOL, O(no_special), 0, 0, VERB_TOKENIZE, NULL,
     "treat special-token text (\"<|im_start|>\") as plain text"},
    {NULL, "--no-bos", ARG_BOOL, O(no_bos), 0, 0, VERB_TOKENIZE, NULL,
     "do not add BOS/EOS even if the model asks for them"},
    {NULL, "--chunks", ARG_I32, O(chunks), -1, 1 << 30, VERB_PERPLEXITY, "K",
     "evaluate at most K windows (-1: all; default -1)"},
    {NULL, "--list", ARG_BOOL, O(list), 0, 0, VERB_PULL, NULL, "list the known models"},
    {NULL, "--verify", ARG_BOOL, O(verify), 0, 0, VERB_PULL, NULL,
     "check the sha256 of a model already in the cache"},
    {NULL, "--host", ARG_STR, O(host), 0, 0, VERB_SERVE, "ADDR",
     "address to listen on (default 127.0.0.1; any other needs --api-key)"},
    {NULL, "--port", ARG_I32, O(port), 0, 65535, VERB_SERVE, "N",
     "port to listen on (0: any free port; default 8080)"},
    {NULL, "--api-key", ARG_STR, O(api_key), 0, 0, VERB_SERVE, "KEY",
     "require 'Authorization: Bearer KEY' (also $LLM4ALL_API_KEY)"},
    {NULL, "--api-key-file", ARG_STR, O(api_key_file), 0, 0, VERB_SERVE, "FILE",
     "read the API key from the first line of FILE (keeps it out of `ps`)"},
    {"-np", "--parallel", ARG_I32, O(n_parallel), 1, 256, VERB_SERVE, "N",
     "slots: requests decoded together (default 4)"},
    {NULL, "--queue", ARG_I32, O(max_queue), 0, 1 << 20, VERB_SERVE, "N",
     "requests that may wait for a slot; more get 429 (default 64)"},
    {NULL, "--meeting-queue", ARG_I32, O(meeting_queue), 0, 64, VERB_SERVE, "N",
     "minutes jobs that may wait behind the running one; more get 429 (default 4)"},
    {NULL, "--meeting-ttl", ARG_I32, O(meeting_ttl), 1, 7 * 86400, VERB_SERVE, "S",
     "keep a finished minutes job S seconds for GET (default 3600)"},
    {NULL, "--max-body", ARG_I64, O(max_body), 1024, 4294967296.0, VERB_SERVE, "BYTES",
     "largest request body; larger get 413 (default 1048576)"},
    {NULL, "--max-tokens", ARG_I32, O(max_tokens), 1, 1 << 20, VERB_SERVE, "N",
     "largest max_tokens a request may ask, and the default (default 4096)"},
    {NULL, "--timeout", ARG_I32, O(timeout_s), 1, 86400, VERB_SERVE, "S",
     "close idle connections and refuse bodies still arriving after S seconds (default 30)"},
    {NULL, "--metrics", ARG_BOOL, O(metrics), 0, 0, VERB_SERVE, NULL,
     "serve Prometheus metrics at /metrics"},
    {NULL, "--alias", ARG_STR, O(alias), 0, 0, VERB_SERVE, "NAME",
     "model id shown by /v1/models (default: the -m name)"},
    {NULL, "--allow-origin", ARG_STR, O(allow_origin), 0, 0, VERB_SERVE, "ORIGIN",
     "also accept browser requests from ORIGIN (e.g. https://app.example)"},
    {NULL, "--log-level", ARG_I32, O(log_level), 0, 3, VERB_SERVE, "N",
     "0 errors, 1 warnings, 2 info and access log, 3 debug (default 2; -v = 3)"},
    {NULL, "--format", ARG_STR, O(format), 0, 0, VERB_SUMMARIZE, "FMT",
     "transcript format: auto, plain, srt, vtt or json (default auto)"},
    {NULL, "--prompts", ARG_STR, O(prompts), 0, 0, SUM, "DIR",
     "read the prompt templates from DIR (files named as in data/prompts/; missing ones: the "
     "built-in ones)"},
    {NULL, "--lang", ARG_STR, O(language), 0, 0, SUM, "LANG",
     "language of the minutes: fr or en (default fr)"},
    {NULL, "--max-output", ARG_I32, O(max_out), 64, 1 << 20, SUM, "N",
     "tokens of the final minutes at most (default 1024; less when the context is small)"},
    {NULL, "--limit", ARG_I32, O(limit), -1, 1 << 20, VERB_EVAL_SUMMARY, "N",
     "evaluate the N shortest segments only (-1: all; default -1)"},
    {NULL, "--baseline-only", ARG_BOOL, O(baseline_only), 0, 0, VERB_EVAL_SUMMARY, NULL,
     "score only the extractive baseline (no model run)"},
    {"-v", "--verbose", ARG_BOOL, O(verbose), 0, 0, MODEL_VERBS | VERB_PULL, NULL,
     "print library log messages down to debug level"},
};
#define N_FLAGS (sizeof FLAGS / sizeof FLAGS[0])

static void defaults(app_opts *o) {
    memset(o, 0, sizeof *o);
    o->sp = l4a_sampler_default_params();
    o->n_predict = -1;
    o->n_batch = 512;
    o->chunks = -1;
    o->reps = 5;
    o->repeat_last_n = o->sp.penalty_last_n;
    o->seed = (int64_t)o->sp.seed;
    o->kv_type = L4A_KV_F16;
    l4a_server_params sp = l4a_server_default_params();
    o->host = sp.host;
    o->port = sp.port;
    o->n_parallel = sp.n_slots;
    o->max_queue = sp.max_queue;
    o->meeting_queue = sp.meeting_queue;
    o->meeting_ttl = sp.meeting_ttl_s;
    o->max_body = sp.max_body;
    o->max_tokens = sp.max_tokens;
    o->timeout_s = sp.timeout_s;
    o->log_level = sp.log_level;
    o->limit = -1;
    o->max_out = 1024;
}

void app_usage_error(const app_verb *verb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "llm4all%s%s: ", verb ? " " : "", verb ? verb->name : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'llm4all%s%s --help'.\n", verb ? " " : "", verb ? verb->name : "");
    exit(APP_EXIT_USAGE);
}

void app_print_verb_help(const app_verb *verb, FILE *out) {
    fprintf(out, "usage: llm4all %s %s\n\n%s\n\noptions:\n", verb->name, verb->synopsis,
            verb->description);
    for (size_t i = 0; i < N_FLAGS; i++) {
        const app_flag *f = &FLAGS[i];
        if (!(f->verbs & verb->bit)) continue;
        char names[64];
        snprintf(names, sizeof names, "%s%s%s%s%s", f->short_name ? f->short_name : "",
                 f->short_name ? ", " : "    ", f->long_name, f->metavar ? " " : "",
                 f->metavar ? f->metavar : "");
        fprintf(out, "  %-28s %s\n", names, f->help);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

static double parse_number(const app_verb *verb, const app_flag *f, const char *v) {
    char *end = NULL;
    errno = 0;
    double x = f->kind == ARG_F32 ? strtod(v, &end) : (double)strtoll(v, &end, 10);
    if (!*v || *end || errno == ERANGE || isnan(x))
        app_usage_error(verb, "%s expects a%s number, got '%s'", f->long_name,
                        f->kind == ARG_F32 ? "" : "n integer", v);
    if (x < f->min || x > f->max)
        app_usage_error(verb, "%s %s is out of range [%g, %g]", f->long_name, v, f->min, f->max);
    return x;
}

static void set_value(const app_verb *verb, const app_flag *f, const char *v, app_opts *o) {
    char *field = (char *)o + f->offset;
    switch (f->kind) {
    case ARG_BOOL: *(bool *)field = true; break;
    case ARG_STR: *(const char **)field = v; break;
    case ARG_STOP:
        if (!*v) app_usage_error(verb, "--stop needs a non-empty text");
        if (o->n_stops == APP_MAX_STOPS)
            app_usage_error(verb, "at most %d --stop strings", APP_MAX_STOPS);
        o->stops[o->n_stops++] = v;
        break;
    case ARG_I32: *(int32_t *)field = (int32_t)parse_number(verb, f, v); break;
    case ARG_I64: *(int64_t *)field = (int64_t)parse_number(verb, f, v); break;
    case ARG_F32: *(float *)field = (float)parse_number(verb, f, v); break;
    case ARG_KV:
        if (!strcmp(v, "f16")) *(int *)field = L4A_KV_F16;
        else if (!strcmp(v, "f32")) *(int *)field = L4A_KV_F32;
        else if (!strcmp(v, "q8_0")) *(int *)field = L4A_KV_Q8_0;
        else app_usage_error(verb, "%s must be f16, f32 or q8_0, got '%s'", f->long_name, v);
        break;
    }
}

/* The flag named by arg ("-m", "--model", or the part of "--model=x" before '='). */
static const app_flag *find_flag(const char *arg, size_t len) {
    for (size_t i = 0; i < N_FLAGS; i++) {
        const app_flag *f = &FLAGS[i];
        if (f->short_name && strlen(f->short_name) == len && !strncmp(arg, f->short_name, len))
            return f;
        if (strlen(f->long_name) == len && !strncmp(arg, f->long_name, len)) return f;
    }
    return NULL;
}

/* -v: library messages down to debug level on stderr (l4a_log_set with a NULL function keeps
 * the default WARN level, so a function is needed). */
static void log_stderr(l4a_log_level level, const char *msg, void *user) {
    static const char *const names[] = {"error", "warning", "info", "debug"};
    (void)user;
    fprintf(stderr, "llm4all: %s: %s\n", names[level <= L4A_LOG_DEBUG ? level : 3], msg);
}

void app_parse(int argc, char **argv, const app_verb *verb, app_opts *o) {
    defaults(o);
    if (verb->bit == VERB_PERPLEXITY) o->n_ctx = 512;
    if (verb->bit & (VERB_SUMMARIZE | VERB_EVAL_SUMMARY)) o->sp.temperature = 0.0f;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            app_print_verb_help(verb, stdout);
            exit(APP_EXIT_OK);
        }
        if (a[0] != '-' || !strcmp(a, "-")) {
            if (o->n_positional >= verb->max_positional)
                app_usage_error(verb, "unexpected argument '%s'", a);
            o->positional[o->n_positional++] = a;
            continue;
        }
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
        const app_flag *f = find_flag(a, name_len);
        if (!f || !(f->verbs & verb->bit))
            app_usage_error(verb, "unknown option '%.*s'", (int)name_len, a);
        const char *value = NULL;
        if (f->kind == ARG_BOOL) {
            if (eq) app_usage_error(verb, "%s takes no value", f->long_name);
        } else if (eq) {
            value = eq + 1;
        } else {
            if (i + 1 >= argc) app_usage_error(verb, "%s needs a value (%s)", a, f->metavar);
            value = argv[++i];
        }
        set_value(verb, f, value, o);
    }
    o->sp.seed = (uint64_t)o->seed;
    if (o->prompt && o->file) app_usage_error(verb, "give the text with -p or -f, not both");
    if (o->system && verb->bit == VERB_RUN && !o->chat)
        app_usage_error(verb, "--system needs --chat");
    if (o->verbose) l4a_log_set(log_stderr, NULL, L4A_LOG_DEBUG);
}
