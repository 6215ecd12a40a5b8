/*
 * eval_summary.c - `llm4all eval-summary [-m MODEL] DIR...`: ROUGE-1/2/L F1 of the minutes
 * the model writes against human reference summaries, next to an extractive baseline, with
 * the time per meeting. Made for FREDSum (../shared/data/fredsum): a DIR is a segment folder
 * (transcript_named.txt or transcript.txt, summaries/abstractive_{1,2,3}.txt) or a folder of
 * segment folders. Segments are taken shortest first (--limit N keeps the N shortest).
 *
 * What is compared: the minutes' "summary" followed by the points of every topic (the prose
 * of the minutes; titles, lists of names and the action table are left out), scored against
 * each abstractive reference; the figure per segment is the mean over the references.
 * Baseline: for each speaker in order of first appearance, their first sentences, up to 40
 * words per speaker. Tokenisation and scores: l4a_rouge (include/llm4all.h).
 */
#include "common.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const app_verb app_verb_eval_summary = {
    .name = "eval-summary",
    .bit = VERB_EVAL_SUMMARY,
    .synopsis = "[-m MODEL] DIR... [--limit N] [--baseline-only] [-o OUTDIR] [options]",
    .summary = "ROUGE of the minutes against reference summaries (FREDSum layout)",
    .description =
        "Summarise each segment of a FREDSum-style folder and print ROUGE-1, ROUGE-2 and\n"
        "ROUGE-L F1 (French-aware tokenisation, mean over summaries/abstractive_*.txt) of the\n"
        "model's minutes (summary + topic points) and of an extractive baseline (the first\n"
        "sentences of each speaker, up to 40 words each), with the time per segment and the\n"
        "means. -o OUTDIR keeps each segment's minutes (Markdown and JSON).",
    .max_positional = APP_MAX_POSITIONAL,
};

#define MAX_SEG 1024

typedef struct seg { char path[1024]; char transcript[1100]; long size; } seg;

static bool is_file(const char *p, long *size) {
    struct stat sb;
    if (stat(p, &sb) || !S_ISREG(sb.st_mode)) return false;
    if (size) *size = (long)sb.st_size;
    return true;
}

static bool add_seg(const char *dir, seg *s) {
    snprintf(s->path, sizeof s->path, "%s", dir);
    snprintf(s->transcript, sizeof s->transcript, "%s/transcript_named.txt", dir);
    if (is_file(s->transcript, &s->size)) return true;
    snprintf(s->transcript, sizeof s->transcript, "%s/transcript.txt", dir);
    return is_file(s->transcript, &s->size);
}

static int cmp_seg(const void *a, const void *b) {
    long x = ((const seg *)a)->size, y = ((const seg *)b)->size;
    return x < y ? -1 : x > y ? 1 : strcmp(((const seg *)a)->path, ((const seg *)b)->path);
}

static int find_segments(const app_opts *o, seg *segs, int *n) {
    *n = 0;
    for (int i = 0; i < o->n_positional; i++) {
        if (*n < MAX_SEG && add_seg(o->positional[i], &segs[*n])) { (*n)++; continue; }
        DIR *d = opendir(o->positional[i]);
        if (!d) return app_error("%s: not a segment folder nor a folder of segments",
                                 o->positional[i]);
        struct dirent *e;
        while ((e = readdir(d)) && *n < MAX_SEG) {
            if (e->d_name[0] == '.') continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", o->positional[i], e->d_name);
            if (add_seg(p, &segs[*n])) (*n)++;
        }
        closedir(d);
    }
    if (!*n) return app_error("no segment found (a folder with transcript.txt)");
    qsort(segs, (size_t)*n, sizeof *segs, cmp_seg);
    if (o->limit >= 0 && o->limit < *n) *n = o->limit;
    return 0;
}

/* Baseline: first sentences of each speaker, up to 40 words each. */
static char *baseline(const l4a_transcript *t) {
    int32_t ns = l4a_transcript_n_speakers(t), nt = l4a_transcript_n_turns(t);
    size_t cap = 1, o = 0;
    for (int32_t i = 0; i < nt; i++) {
        l4a_transcript_turn tr;
        if (l4a_transcript_get_turn(t, i, &tr) == L4A_OK) cap += tr.text_len + 2;
    }
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = 0;
    for (int32_t s = -1; s < ns; s++) {
        int words = 0;
        bool unknown_seen = false;
        for (int32_t i = 0; i < nt && words < 40; i++) {
            l4a_transcript_turn tr;
            if (l4a_transcript_get_turn(t, i, &tr) != L4A_OK || tr.speaker_id != s) continue;
            if (s < 0 && unknown_seen) break;           /* unknown speaker: first turn only */
            unknown_seen = true;
            /* whole sentences while under the word budget */
            size_t a = 0;
            while (a < tr.text_len && words < 40) {
                size_t b = a;
                int w = 0;
                while (b < tr.text_len) {
                    char c = tr.text[b++];
                    if (c == ' ') w++;
                    if ((c == '.' || c == '?' || c == '!') &&
                        (b == tr.text_len || tr.text[b] == ' '))
                        break;
                }
                memcpy(out + o, tr.text + a, b - a);
                o += b - a;
                out[o++] = ' ';
                words += w + 1;
                a = b;
                while (a < tr.text_len && tr.text[a] == ' ') a++;
            }
        }
    }
    out[o] = 0;
    return out;
}

/* The prose of the minutes: summary, then every topic point. */
static char *minutes_prose(const char *json) {
    cJSON *d = cJSON_Parse(json);
    if (!d) return NULL;
    size_t cap = strlen(json) + 16, o = 0;
    char *out = malloc(cap);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(d, "summary"), *t, *p;
    if (out && cJSON_IsString(s)) o += (size_t)snprintf(out, cap, "%s\n", s->valuestring);
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(d, "topics"))
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(t, "points"))
            if (out && cJSON_IsString(p) && o < cap)
                o += (size_t)snprintf(out + o, cap - o, "%s\n", p->valuestring);
    cJSON_Delete(d);
    return out;
}

/* Mean F1 over the abstractive references of the segment; refs counted in *n_ref. */
static int score(const seg *s, const char *cand, double f[3], int *n_ref) {
    f[0] = f[1] = f[2] = 0;
    *n_ref = 0;
    for (int k = 1; k <= 3; k++) {
        char p[1200];
        size_t len;
        snprintf(p, sizeof p, "%s/summaries/abstractive_%d.txt", s->path, k);
        if (!is_file(p, NULL)) continue;
        char *ref = app_read_file(p, &len);
        if (!ref) return APP_EXIT_RUNTIME;
        l4a_rouge_scores r;
        l4a_status st = l4a_rouge(cand, ref, &r);
        free(ref);
        if (st != L4A_OK) return app_lib_error("rouge");
        f[0] += r.r1_f; f[1] += r.r2_f; f[2] += r.rl_f;
        (*n_ref)++;
    }
    if (!*n_ref) return app_error("%s: no summaries/abstractive_*.txt", s->path);
    for (int i = 0; i < 3; i++) f[i] /= *n_ref;
    return 0;
}

static void write_out(const app_opts *o, const seg *s, const char *ext, const char *text) {
    const char *b = strrchr(s->path, '/');
    char p[2200];
    snprintf(p, sizeof p, "%s/%s.%s", o->output, b ? b + 1 : s->path, ext);
    FILE *f = fopen(p, "w");
    if (f) { fputs(text, f); fclose(f); }
}

int app_cmd_eval_summary(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_eval_summary, &o);
    if (o.n_positional < 1) app_usage_error(&app_verb_eval_summary, "give a folder");
    if (!o.model) o.model = "default";
    static seg segs[MAX_SEG];
    int n = 0, rc = find_segments(&o, segs, &n);
    if (rc) return rc;
    if (o.output) mkdir(o.output, 0777);
    l4a_model *m = NULL;
    if (!o.baseline_only && (rc = app_load_model(&o, &app_verb_eval_summary, false, &m, NULL, 0)))
        return rc;
    printf("%-50s %6s %8s | %-20s | %-20s\n", "segment", "words", "time_s", "model R1/R2/RL",
           "baseline R1/R2/RL");
    double sum_m[3] = {0}, sum_b[3] = {0}, sum_t = 0;
    int done = 0;
    for (int i = 0; i < n && !rc; i++) {
        size_t len;
        char *data = app_read_file(segs[i].transcript, &len);
        if (!data) { rc = APP_EXIT_RUNTIME; break; }
        l4a_transcript *t = NULL;
        if (l4a_transcript_parse_ex(data, len, L4A_TRANSCRIPT_AUTO, L4A_TRANSCRIPT_MERGE_SPEAKERS,
                                    &t) != L4A_OK) {
            free(data);
            rc = app_error("%s: %s", segs[i].transcript, l4a_last_error());
            break;
        }
        int words = 1;
        for (const char *c = data; *c; c++) words += *c == ' ';
        free(data);
        double fm[3] = {0}, fb[3];
        int nref;
        char *base = baseline(t);
        rc = base ? score(&segs[i], base, fb, &nref) : app_error("out of memory");
        free(base);
        double secs = 0;
        if (!rc && m) {
            l4a_summary_params p = l4a_summary_default_params();
            l4a_summary_stats stats;
            p.n_ctx = o.n_ctx;
            p.n_threads = o.n_threads;
            p.temperature = o.sp.temperature;
            p.seed = (uint64_t)o.seed;
            p.max_output_tokens = o.max_out;
            p.prompts_dir = o.prompts;
            if (o.language) p.language = o.language;
            p.stats = &stats;
            char *json = NULL, *md = NULL;
            if (l4a_meeting_summarize_transcript(m, t, &p, &json, &md) != L4A_OK) {
                rc = app_lib_error(segs[i].path);
            } else {
                secs = stats.seconds;
                char *prose = minutes_prose(json);
                rc = prose ? score(&segs[i], prose, fm, &nref) : app_error("minutes unreadable");
                free(prose);
                if (o.output) {
                    write_out(&o, &segs[i], "md", md);
                    write_out(&o, &segs[i], "json", json);
                }
            }
            l4a_free(json);
            l4a_free(md);
        }
        l4a_transcript_free(t);
        if (rc) break;
        const char *b = strrchr(segs[i].path, '/');
        printf("%-50.50s %6d %8.1f | %6.4f %6.4f %6.4f | %6.4f %6.4f %6.4f\n",
               b ? b + 1 : segs[i].path, words, secs, fm[0], fm[1], fm[2], fb[0], fb[1], fb[2]);
        fflush(stdout);
        for (int k = 0; k < 3; k++) { sum_m[k] += fm[k]; sum_b[k] += fb[k]; }
        sum_t += secs;
        done++;
    }
    if (done)
        printf("%-50s %6s %8.1f | %6.4f %6.4f %6.4f | %6.4f %6.4f %6.4f\n", "MEAN", "",
               sum_t / done, sum_m[0] / done, sum_m[1] / done, sum_m[2] / done, sum_b[0] / done,
               sum_b[1] / done, sum_b[2] / done);
    l4a_model_free(m);
    return rc;
}
