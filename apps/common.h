/*
 * common.h - what the llm4all verbs share: the options and their parser, usage and runtime
 * errors, model and context creation, token output that respects UTF-8 and stop strings.
 *
 * The CLI is a thin program over include/llm4all.h: nothing here may include a file from
 * src/. Exit codes: 0 success, 1 runtime error ("llm4all: error: ..."), 2 usage error.
 */
#ifndef L4A_APP_COMMON_H
#define L4A_APP_COMMON_H

#include "llm4all.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define APP_EXIT_OK 0
#define APP_EXIT_RUNTIME 1
#define APP_EXIT_USAGE 2

/* Verbs, as bits: each flag lists the verbs that accept it. */
enum {
    VERB_RUN = 1 << 0,
    VERB_CHAT = 1 << 1,
    VERB_INFO = 1 << 2,
    VERB_TOKENIZE = 1 << 3,
    VERB_PERPLEXITY = 1 << 4,
    VERB_PULL = 1 << 5,
    VERB_BENCH = 1 << 6,
    VERB_CONVERT = 1 << 7,
    VERB_SERVE = 1 << 8,
    VERB_SUMMARIZE = 1 << 9,
    VERB_EVAL_SUMMARY = 1 << 10,
};

#define APP_MAX_STOPS 16
#define APP_MAX_POSITIONAL 4

/* Every option of every verb; a verb reads the ones it accepts. */
typedef struct app_opts {
    const char *model;          /* -m: path or known name */
    const char *prompt;         /* -p */
    const char *file;           /* -f */
    const char *type;           /* --type: convert's weight type */
    const char *system;         /* --system */
    int32_t n_predict;          /* -n: tokens to generate, -1 = until end of generation */
    int32_t n_ctx;              /* -c: 0 = the model's (capped by the library) */
    int32_t n_threads;          /* -t: 0 = physical cores */
    int32_t n_batch;            /* -b */
    int32_t chunks;             /* --chunks: -1 = all */
    int32_t reps;               /* -r: bench repetitions */
    int32_t depth;              /* -d: bench's tokens of context before each test */
    int32_t repeat_last_n;      /* --repeat-last-n: -1 = context size */
    int64_t seed;               /* -s: -1 = random */
    l4a_sampler_params sp;      /* --temp, --top-k ... (penalty_last_n from repeat_last_n) */
    int kv_type;                /* --cache-type: an l4a_kv_type */
    const char *stops[APP_MAX_STOPS];
    int n_stops;
    const char *output;         /* -o: output file (convert, summarize) or folder (eval-summary) */
    const char *format;         /* --format: transcript format name */
    const char *prompts;        /* --prompts: prompt folder */
    const char *language;       /* --lang */
    int32_t limit;              /* --limit: eval-summary segments, -1 = all */
    int32_t max_out;            /* --max-output: summarize output tokens */
    bool baseline_only;         /* --baseline-only */
    bool no_mmap, no_repack, verbose, json, chat, meta, ids, no_special, no_bos, list, verify;
    /* serve */
    const char *host, *api_key, *api_key_file, *alias, *allow_origin;
    int32_t port, n_parallel, max_queue, max_tokens, timeout_s, log_level;
    int32_t meeting_queue, meeting_ttl;
    int64_t max_body;
    bool metrics;
    const char *positional[APP_MAX_POSITIONAL];
    int n_positional;
} app_opts;

typedef struct app_verb {
    const char *name;
    unsigned bit;               /* VERB_* */
    const char *synopsis;       /* "-m MODEL -p TEXT [options]" */
    const char *summary;        /* one line for `llm4all --help` */
    const char *description;    /* paragraph for `llm4all VERB --help` */
    int max_positional;
} app_verb;

/* Parse argv[1..argc) (argv[0] is the verb) into o, after filling it with the defaults.
 * --help prints the verb's help and exits 0; a bad flag or value exits 2 with a message. */
void app_parse(int argc, char **argv, const app_verb *verb, app_opts *o);
void app_print_verb_help(const app_verb *verb, FILE *out);

/* Print "llm4all VERB: message" and the --help hint, exit 2. */
void app_usage_error(const app_verb *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* Print "llm4all: error: message" on stderr; returns APP_EXIT_RUNTIME. */
int app_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* app_error with l4a_last_error() appended after "what: ". */
int app_lib_error(const char *what);

/* Read a whole file (NUL-terminated, malloc'ed, *len bytes); NULL with an error printed. */
char *app_read_file(const char *path, size_t *len);
/* The prompt from -p or -f (exactly one required unless optional); malloc'ed copy or NULL
 * (error printed, or none given when optional). */
char *app_prompt_text(const app_opts *o, const app_verb *verb, bool optional, size_t *len);

/* Resolve -m (a path, or a known name pulled on first use) and load it; the file's path goes
 * to path (when not NULL). 0 or an exit code. */
int app_load_model(const app_opts *o, const app_verb *verb, bool vocab_only, l4a_model **out,
                   char *path, size_t path_size);
/* Context from -c -b -t --cache-type. 0 or an exit code. */
int app_new_ctx(const app_opts *o, const l4a_model *m, l4a_ctx **out);
/* Sampler from the sampling flags (penalty window -1 = n_ctx). 0 or an exit code. */
int app_new_sampler(const app_opts *o, const l4a_model *m, int32_t n_ctx, l4a_sampler **out);

/* Tokenize into a malloc'ed array. When the result starts with two BOS tokens (the model
 * adds one and a chat template wrote "<bos>" too) one is dropped. 0 or an exit code. */
int app_tokenize(const l4a_model *m, const char *text, size_t len, bool add_special,
                 bool parse_special, l4a_token **out, int32_t *n_out);
/* The text of one token (special tokens rendered empty) into a growable buffer; returns its
 * length, -1 on error. */
int32_t app_piece(const l4a_model *m, l4a_token t, bool special, char **buf, size_t *cap);
/* Render a conversation with the model's chat template into a malloc'ed string. */
int app_chat_render(const l4a_model *m, const l4a_chat_msg *msgs, size_t n, bool add_assistant,
                    char **out);

/* Streamed output of generated text (l4a_textout): writes only complete UTF-8 characters,
 * holds back any tail that could begin a stop string, and stops (without printing it) at a
 * stop string. */
typedef struct app_stream {
    FILE *out;
    l4a_textout *to;            /* NULL when out of memory: nothing is written */
    char *text;                 /* everything written so far (for chat history) */
    size_t n_text, cap_text;
    bool stopped;               /* a stop string was seen */
} app_stream;

void app_stream_init(app_stream *s, FILE *out, const char *const *stops, int n_stops);
/* Add bytes; returns true once a stop string has been reached. */
bool app_stream_push(app_stream *s, const char *bytes, size_t n);
/* Write what is held back (after generation ended without a stop string). */
void app_stream_finish(app_stream *s);
void app_stream_free(app_stream *s);

/* Monotonic seconds. */
double app_now(void);

/* Verbs: their descriptions (for help) and entry points (argv[0] is the verb). */
extern const app_verb app_verb_run, app_verb_chat, app_verb_info, app_verb_tokenize,
    app_verb_perplexity, app_verb_pull, app_verb_bench, app_verb_convert, app_verb_serve,
    app_verb_summarize, app_verb_eval_summary;
int app_cmd_convert(int argc, char **argv);
int app_cmd_run(int argc, char **argv);
int app_cmd_chat(int argc, char **argv);
int app_cmd_info(int argc, char **argv);
int app_cmd_tokenize(int argc, char **argv);
int app_cmd_perplexity(int argc, char **argv);
int app_cmd_pull(int argc, char **argv);
int app_cmd_bench(int argc, char **argv);
int app_cmd_serve(int argc, char **argv);
int app_cmd_summarize(int argc, char **argv);
int app_cmd_eval_summary(int argc, char **argv);

#endif
