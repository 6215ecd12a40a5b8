/*
 * main.c - `llm4all VERB [options]`: dispatch to the verbs, general --help and --version.
 *
 * Each verb lives in its own file (run.c, chat.c, info.c, tokenize.c, perplexity.c, pull.c)
 * over the public API in include/llm4all.h. Exit status: 0 ok, 1 runtime error, 2 usage.
 */
#include "common.h"

#include <string.h>

typedef struct verb_entry {
    const app_verb *verb;
    int (*fn)(int argc, char **argv);
} verb_entry;

static const verb_entry VERBS[] = {
    {&app_verb_run, app_cmd_run},
    {&app_verb_chat, app_cmd_chat},
    {&app_verb_info, app_cmd_info},
    {&app_verb_tokenize, app_cmd_tokenize},
    {&app_verb_perplexity, app_cmd_perplexity},
    {&app_verb_pull, app_cmd_pull},
    {&app_verb_bench, app_cmd_bench},
    {&app_verb_convert, app_cmd_convert},
    {&app_verb_serve, app_cmd_serve},
    {&app_verb_summarize, app_cmd_summarize},
    {&app_verb_eval_summary, app_cmd_eval_summary},
};
#define N_VERBS (sizeof VERBS / sizeof VERBS[0])

static void print_help(FILE *out) {
    fprintf(out, "usage: llm4all VERB [options]\n\n"
                 "Run open language models (GGUF files) on the CPU.\n\nverbs:\n");
    for (size_t i = 0; i < N_VERBS; i++)
        fprintf(out, "  %-13s %s\n", VERBS[i].verb->name, VERBS[i].verb->summary);
    fprintf(out, "\n`llm4all VERB --help` shows the options of a verb.\n"
                 "  -h, --help      show this help\n"
                 "  --version       print the version\n\n"
                 "Models given by name (-m smollm2-135m) are pulled into $LLM4ALL_HOME\n"
                 "(default ~/.cache/llm4all) on first use; `llm4all pull --list` lists them.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_help(stderr);
        return APP_EXIT_USAGE;
    }
    const char *v = argv[1];
    if (!strcmp(v, "-h") || !strcmp(v, "--help") || !strcmp(v, "help")) {
        if (argc > 2 && strcmp(v, "help") == 0) {
            for (size_t i = 0; i < N_VERBS; i++)
                if (!strcmp(argv[2], VERBS[i].verb->name)) {
                    app_print_verb_help(VERBS[i].verb, stdout);
                    return APP_EXIT_OK;
                }
            app_usage_error(NULL, "unknown verb '%s'", argv[2]);
        }
        print_help(stdout);
        return APP_EXIT_OK;
    }
    if (!strcmp(v, "--version") || !strcmp(v, "version")) {
        printf("llm4all %s\ncpu: %s\n", l4a_version(), l4a_cpu_features());
        return APP_EXIT_OK;
    }
    for (size_t i = 0; i < N_VERBS; i++)
        if (!strcmp(v, VERBS[i].verb->name)) return VERBS[i].fn(argc - 1, argv + 1);
    if (v[0] == '-') app_usage_error(NULL, "unknown option '%s' (options come after the verb)", v);
    app_usage_error(NULL, "unknown verb '%s'", v);
}
