/*
 * summarize.c - `llm4all summarize [-m MODEL] FILE`: French meeting minutes from a transcript
 * (plain "Speaker: text", SRT, WebVTT, Whisper/LinTO JSON), of any length, as Markdown (or
 * JSON with --json) on stdout or in -o FILE. Progress on stderr. The model defaults to
 * `default` (pulled on first use). The strategy (one pass or map-reduce) is the library's:
 * docs/summarize.md.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

const app_verb app_verb_summarize = {
    .name = "summarize",
    .bit = VERB_SUMMARIZE,
    .synopsis = "[-m MODEL] FILE [-o OUT] [--json] [options]",
    .summary = "meeting minutes (French) from a transcript of any length",
    .description =
        "Write the minutes of a meeting from its transcript FILE: title, participants, summary,\n"
        "topics by theme, decisions, action items (owner, action, deadline), open questions.\n"
        "Markdown by default, the JSON of data/schemas/meeting_minutes.json with --json; to\n"
        "stdout or to -o OUT. A transcript longer than the context is summarised in chunks,\n"
        "then merged (docs/summarize.md); progress goes to stderr. Without -m the default\n"
        "model is used (pulled on first use). FILE '-' reads stdin.",
    .max_positional = 1,
};

static void progress(const char *stage, int32_t done, int32_t total, void *user) {
    double *t0 = user;
    fprintf(stderr, "summarize: %-6s %d/%d  (%.0f s)\n", stage, done, total, app_now() - *t0);
}

static char *read_input(const char *path, size_t *len) {
    if (strcmp(path, "-")) return app_read_file(path, len);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n - 1, stdin);
        n += k;
        if (k == 0) break;
        if (n + 1 == cap) {
            char *nb = cap < ((size_t)128 << 20) ? realloc(buf, cap * 2) : NULL;
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf) { app_error("cannot read stdin"); return NULL; }
    buf[n] = 0;
    *len = n;
    return buf;
}

int app_cmd_summarize(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_summarize, &o);
    if (o.n_positional != 1) app_usage_error(&app_verb_summarize, "give one transcript FILE");
    l4a_transcript_format fmt = L4A_TRANSCRIPT_AUTO;
    if (o.format && !l4a_transcript_format_from_name(o.format, &fmt))
        app_usage_error(&app_verb_summarize, "--format must be auto, plain, srt, vtt or json, "
                        "got '%s'", o.format);
    if (!o.model) o.model = "default";

    size_t len = 0;
    char *data = read_input(o.positional[0], &len);
    if (!data) return APP_EXIT_RUNTIME;
    l4a_transcript *t = NULL;
    if (l4a_transcript_parse_ex(data, len, fmt, L4A_TRANSCRIPT_MERGE_SPEAKERS, &t) != L4A_OK) {
        free(data);
        return app_error("%s is not a transcript: %s", o.positional[0], l4a_last_error());
    }
    free(data);
    fprintf(stderr, "summarize: %s: %s, %d turns, %d speakers\n", o.positional[0],
            l4a_transcript_format_name(l4a_transcript_format_of(t)), l4a_transcript_n_turns(t),
            l4a_transcript_n_speakers(t));

    l4a_model *m = NULL;
    int rc = app_load_model(&o, &app_verb_summarize, false, &m, NULL, 0);
    if (rc) { l4a_transcript_free(t); return rc; }
    double t0 = app_now();
    l4a_summary_stats stats;
    l4a_summary_params p = l4a_summary_default_params();
    p.n_ctx = o.n_ctx;
    p.n_threads = o.n_threads;
    p.n_batch = o.n_batch;
    p.temperature = o.sp.temperature;
    p.seed = (uint64_t)o.seed;
    p.max_output_tokens = o.max_out;
    p.prompts_dir = o.prompts;
    if (o.language) p.language = o.language;
    p.progress = progress;
    p.progress_user = &t0;
    p.stats = &stats;
    char *json = NULL, *md = NULL;
    l4a_status st = l4a_meeting_summarize_transcript(m, t, &p, &json, &md);
    l4a_transcript_free(t);
    if (st != L4A_OK) {
        l4a_model_free(m);
        return app_lib_error("summarize");
    }
    fprintf(stderr, "summarize: context %d, transcript %d tokens, %d chunk%s, %d reduce "
            "level%s, %d generations (%d cut), %lld prompt + %lld generated tokens, %.1f s\n",
            stats.n_ctx, stats.transcript_tokens, stats.n_chunks, stats.n_chunks > 1 ? "s" : "",
            stats.n_reduce_levels, stats.n_reduce_levels == 1 ? "" : "s", stats.n_generations,
            stats.n_truncated, (long long)stats.prompt_tokens,
            (long long)stats.generated_tokens, stats.seconds);
    const char *text = o.json ? json : md;
    FILE *out = o.output ? fopen(o.output, "w") : stdout;
    if (!out) {
        rc = app_error("cannot write %s", o.output);
    } else {
        fputs(text, out);
        if (o.json) fputc('\n', out);
        if (out != stdout && fclose(out)) rc = app_error("cannot write %s", o.output);
        else if (out == stdout) fflush(stdout);
    }
    l4a_free(json);
    l4a_free(md);
    l4a_model_free(m);
    return rc;
}
