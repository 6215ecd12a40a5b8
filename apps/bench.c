/*
 * bench.c - `llm4all bench`: prompt and generation throughput, as llama-bench measures it.
 *
 * pp: one l4a_decode of -p tokens into an empty cache (matrix-matrix products);
 * tg: -n single-token decodes after one token of context (matrix-vector: memory-bound).
 * -d D (llama-bench's -d) first fills the context with D tokens, untimed, before each test:
 * attention then reads D more cached positions per token, which shows how speed holds at
 * long context.
 * Before the first test, one token is decoded untimed (llama-bench's warmup): it reads every
 * weight matrix once, so a model not yet in the page cache is read from disk there and not in
 * the first timed test.
 * Each is repeated -r times; the report gives mean and standard deviation, peak RSS, and on
 * every row the commit, CPU, threads, model and tensor types. Token ids are a fixed
 * pseudo-random sequence: throughput does not depend on the text. Not a test: numbers only.
 */
#include "common.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const app_verb app_verb_bench = {
    .name = "bench",
    .bit = VERB_BENCH,
    .synopsis = "-m MODEL [-p N] [-n N] [-r R] [-d D] [-t T] [--json]",
    .summary = "measure prompt and generation speed (tokens/s)",
    .description =
        "Time a prompt of -p tokens (default 512) decoded in one batch, and -n tokens\n"
        "(default 128) generated one at a time, each -r times (default 5). Prints mean and\n"
        "standard deviation of tokens/s, peak RSS, commit, CPU, threads and tensor types.\n"
        "-d D starts each test with D tokens already in the context (untimed).\n"
        "One untimed token first reads the weights in (llama-bench's warmup).\n"
        "--json names the two means pp_tok_s and tg_tok_s.",
    .max_positional = 0,
};

typedef struct stats { double mean, sd; } stats;

static stats summarize(const double *x, int n) {
    double m = 0, v = 0;
    for (int i = 0; i < n; i++) m += x[i];
    m /= n;
    for (int i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    return (stats){m, n > 1 ? sqrt(v / (n - 1)) : 0};
}

/* "Q4_K:169 Q6_K:29 F32:141": tensor count per type, in order of first appearance. */
static void type_histogram(const l4a_model *m, char *buf, size_t size) {
    const char *names[32];
    int counts[32], n = 0;
    for (int32_t i = 0; i < l4a_model_tensor_count(m); i++) {
        l4a_tensor_info ti;
        if (l4a_model_tensor_info(m, i, &ti) != L4A_OK) continue;
        int k = 0;
        while (k < n && strcmp(names[k], ti.type_name) != 0) k++;
        if (k == n && n < 32) names[n] = ti.type_name, counts[n++] = 0;
        if (k < n) counts[k]++;
    }
    size_t off = 0;
    buf[0] = 0;
    for (int k = 0; k < n && off < size; k++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s:%d", k ? " " : "", names[k], counts[k]);
}

/* An empty context, then its first n tokens of toks decoded (untimed): the depth of a test. */
static int fill(l4a_ctx *ctx, const l4a_token *toks, long n) {
    l4a_ctx_truncate(ctx, 0);
    if (n > 0 && l4a_decode(ctx, toks, (int32_t)n, false) != L4A_OK)
        return app_lib_error("filling the context");
    return 0;
}

int app_cmd_bench(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_bench, &o);
    long np = 512;
    if (o.prompt) {
        char *end;
        np = strtol(o.prompt, &end, 10);
        if (*end || np < 1 || np > 65536)
            app_usage_error(&app_verb_bench, "-p takes a number of prompt tokens (1..65536)");
    }
    const int32_t ng = o.n_predict < 0 ? 128 : o.n_predict, reps = o.reps;
    if (ng < 1) app_usage_error(&app_verb_bench, "-n must be at least 1");

    l4a_model *m = NULL;
    char path[4096];
    int rc = app_load_model(&o, &app_verb_bench, false, &m, path, sizeof path);
    if (rc) return rc;
    const long nd = o.depth, nfill = nd + 1 > np ? nd + 1 : np;   /* toks[nd] starts tg */
    o.n_ctx = (int32_t)(nd + (np > ng + 1 ? np : ng + 1));
    if (o.n_batch < nfill) o.n_batch = (int32_t)nfill;
    l4a_ctx *ctx = NULL;
    l4a_token *toks = malloc((size_t)nfill * sizeof *toks);
    double *pp = calloc((size_t)reps, sizeof *pp), *tg = calloc((size_t)reps, sizeof *tg);
    if (!toks || !pp || !tg) {
        rc = app_error("out of memory");
        goto done;
    }
    if ((rc = app_new_ctx(&o, m, &ctx))) goto done;
    const int32_t nv = l4a_model_n_vocab(m);
    char depth[32] = "";
    if (nd > 0) snprintf(depth, sizeof depth, " @ d%ld", nd);
    for (long i = 0; i < nfill; i++) toks[i] = (l4a_token)((i * 7919 + 13) % nv);

    if ((rc = fill(ctx, toks, 1))) goto done;     /* the warmup (top of the file) */
    for (int r = 0; r < reps; r++) {
        if ((rc = fill(ctx, toks, nd))) goto done;
        double t0 = app_now();
        if (l4a_decode(ctx, toks, (int32_t)np, false) != L4A_OK) {
            rc = app_lib_error("prompt");
            goto done;
        }
        pp[r] = (double)np / (app_now() - t0);
        if ((rc = fill(ctx, toks, nd))) goto done;
        l4a_token t = toks[nd];
        if (l4a_decode(ctx, &t, 1, false) != L4A_OK) {
            rc = app_lib_error("generation");
            goto done;
        }
        t0 = app_now();
        for (int32_t i = 0; i < ng; i++) {
            t = (l4a_token)(((int64_t)t * 31 + 7) % nv);
            if (l4a_decode(ctx, &t, 1, false) != L4A_OK) {
                rc = app_lib_error("generation");
                goto done;
            }
        }
        tg[r] = (double)ng / (app_now() - t0);
        fprintf(stderr, "bench: rep %d/%d: pp%ld %.1f tok/s, tg%d %.2f tok/s%s\n", r + 1, reps,
                np, pp[r], ng, tg[r], depth);
    }
    stats sp = summarize(pp, reps), sg = summarize(tg, reps);
    char types[512];
    type_histogram(m, types, sizeof types);
    const int32_t nt = o.n_threads > 0 ? o.n_threads : l4a_n_physical_cores();
    const double rss_mib = (double)l4a_peak_rss() / (1024.0 * 1024.0);
    const uint64_t huge = l4a_huge_page_bytes();
    fprintf(stderr, "bench: memory on 2 MiB pages: %.0f MiB (weights a token reads: %.0f MiB)\n",
            (double)huge / (1 << 20), (double)l4a_model_decode_bytes(m) / (1 << 20));
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "model", path);
        cJSON_AddStringToObject(j, "name", l4a_model_name(m));
        cJSON_AddStringToObject(j, "types", types);
        cJSON_AddStringToObject(j, "version", l4a_version());
        cJSON_AddStringToObject(j, "cpu", l4a_cpu_features());
        cJSON_AddNumberToObject(j, "threads", nt);
        cJSON_AddNumberToObject(j, "n_prompt", (double)np);
        cJSON_AddNumberToObject(j, "n_gen", ng);
        cJSON_AddNumberToObject(j, "repetitions", reps);
        cJSON_AddNumberToObject(j, "depth", (double)nd);
        cJSON_AddNumberToObject(j, "pp_tok_s", sp.mean);
        cJSON_AddNumberToObject(j, "pp_tok_s_sd", sp.sd);
        cJSON_AddNumberToObject(j, "tg_tok_s", sg.mean);
        cJSON_AddNumberToObject(j, "tg_tok_s_sd", sg.sd);
        cJSON_AddNumberToObject(j, "peak_rss_bytes", (double)l4a_peak_rss());
        cJSON_AddNumberToObject(j, "size_bytes", (double)l4a_model_size_bytes(m));
        cJSON_AddNumberToObject(j, "decode_bytes", (double)l4a_model_decode_bytes(m));
        cJSON_AddNumberToObject(j, "huge_page_bytes", (double)huge);
        char *s = cJSON_Print(j);
        if (s) puts(s);
        free(s);
        cJSON_Delete(j);
    } else {
        printf("| model | types | threads | test | t/s | peak RSS MiB | version | cpu |\n"
               "|---|---|---|---|---|---|---|---|\n");
        printf("| %s | %s | %d | pp%ld%s | %.2f ± %.2f | %.0f | %s | %s |\n", l4a_model_name(m),
               types, nt, np, depth, sp.mean, sp.sd, rss_mib, l4a_version(), l4a_cpu_features());
        printf("| %s | %s | %d | tg%d%s | %.2f ± %.2f | %.0f | %s | %s |\n", l4a_model_name(m),
               types, nt, ng, depth, sg.mean, sg.sd, rss_mib, l4a_version(), l4a_cpu_features());
    }
done:
    free(toks);
    free(pp);
    free(tg);
    l4a_ctx_free(ctx);
    l4a_model_free(m);
    return rc;
}
