/*
 * test_logits.c - agreement of llm4all's next-token distributions with two references, on
 * real models and real French text (tests/golden/logits/, made by scripts/golden_logits.py).
 *
 * Both references hold, per position of windows of tests/data/fr_handbook.txt, the input
 * token ids, the k most likely next tokens with their log-probabilities, and the log of the
 * remaining mass. We run llm4all on the same ids (one decode per window, fresh cache) and
 * measure per position:
 *  - KL(P_ref || P_llm4all) on the coarse-grained distribution of k + 1 bins: the k reference
 *    tokens and one bin "every other token". By the data-processing inequality (merging
 *    outcomes never increases a KL divergence) this is a lower bound of the KL over the full
 *    vocabulary; it is exact for the k tokens, which carry nearly all of the probability mass
 *    that sampling ever uses: only the split of the tail inside the rest bin is not seen.
 *  - top-1 agreement: llm4all's most likely token is the reference's.
 *
 * 1. <model>.f64.bin, a float64 NumPy evaluation of the architecture on the dequantized
 *    weights. llm4all runs with ggml rounding off and an F32 cache: the same function in
 *    float32. Bounds: max KL <= 1e-6 at every position and top-1 >= 99%. Float32 rounding
 *    moves logits by ~1e-4 (measured: max KL 4e-8); a wrong detail of an architecture (RoPE
 *    pairing, a norm, the sliding window, an epsilon, a scale) moves them by 1e-2 and more
 *    (gemma3 without its sliding window: max KL 1.6). gemma3's reference reaches position
 *    600, past its 512-token sliding window.
 *
 * 2. <model>.bin, llama.cpp's batch evaluation. llm4all runs as a user gets it: ggml rounding
 *    on (activations on the 8-bit grids of ggml's integer dot products, f16 attention
 *    operands) and an F16 cache. Agreement cannot be exact: on these models a single
 *    activation landing on the other side of a rounding step is amplified through the layers,
 *    and llama.cpp itself gives different results for the same tokens evaluated one at a
 *    time instead of in a batch. The script measures that difference (llama.cpp against
 *    itself) and stores it in the file; the bounds are relative to it: mean KL <= 1.5 x
 *    llama.cpp's self-KL (or 0.001 if larger), top-1 agreement >= llama.cpp's self-agreement
 *    - 2 points (or 99% if smaller), each widened by three standard errors of the sample
 *    (which matter only for the short samples of the fast mode). Measured (1024+ positions):
 *    smollm2 KL 0.0046 (llama.cpp vs itself 0.0039), gemma3 0.0075 (0.0063), qwen2.5 0.0037
 *    (0.0036). A fixed target of KL <= 0.001 and 99% top-1 would be below llama.cpp's own
 *    consistency on these models, so it cannot be the bound.
 *
 * Under sanitizers (L4A_TEST_FAST=1) fewer positions are evaluated (the first ones of the
 * first window), with the same bounds.
 */
#include "harness.h"
#include "core/core.h"
#include "models/model.h"
#include "llm4all.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* CHECK_MSG as an expression: counts the check, prints the message on failure, returns ok. */
static bool expect(bool ok, const char *file, int line, const char *expr, const char *fmt, ...) {
    if (l4a_test_check(ok, file, line, expr)) return true;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "    ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return false;
}
#define EXPECT(x, ...) expect((x), __FILE__, __LINE__, #x, __VA_ARGS__)

#define MAX_KL_MEAN 0.001
#define MIN_TOP1 0.99

typedef struct golden {
    uint32_t n_vocab, n_windows, window, k, source;
    float self_kl, self_top1;   /* llama.cpp against itself (source 0) */
    char name[128];
    const uint8_t *data;        /* the windows */
    size_t size;
    char *buf;
} golden;

static bool read_golden(const char *model, const char *suffix, golden *g) {
    char rel[256];
    snprintf(rel, sizeof rel, "golden/logits/%s%s", model, suffix);
    size_t len = 0;
    memset(g, 0, sizeof *g);
    g->buf = l4a_test_read_file(l4a_test_path(rel), &len);
    if (!EXPECT(g->buf != NULL, "cannot read tests/%s", rel)) return false;
    const uint8_t *p = (const uint8_t *)g->buf;
    uint32_t h[6], name_len = 0;
    float f[2];
    if (!EXPECT(len >= 44 && memcmp(p, "L4ALOGIT", 8) == 0, "tests/%s: not a logits file", rel))
        return false;
    memcpy(h, p + 8, sizeof h);
    memcpy(f, p + 32, sizeof f);
    memcpy(&name_len, p + 40, 4);
    if (!EXPECT(h[0] == 2 && name_len < sizeof g->name && len >= 44 + name_len,
                "tests/%s: version %u, name length %u", rel, h[0], name_len))
        return false;
    g->n_vocab = h[1];
    g->n_windows = h[2];
    g->window = h[3];
    g->k = h[4];
    g->source = h[5];
    g->self_kl = f[0];
    g->self_top1 = f[1];
    memcpy(g->name, p + 44, name_len);
    g->data = p + 44 + name_len;
    g->size = len - 44 - name_len;
    const size_t per_window = 4 * (size_t)g->window + (size_t)g->window * (8 * g->k + 4);
    return EXPECT(g->size == per_window * g->n_windows && strcmp(g->name, model) == 0 &&
                  g->k >= 1 && g->k <= 64,
                  "tests/%s: inconsistent header or size", rel);
}

typedef struct stats {
    double kl_sum, kl_sq, kl_max;
    int64_t n, top1;
} stats;

/* Compare one position: our logits (n_vocab) against the reference ids/logp/log_rest. */
static void compare(const float *logits, int32_t n_vocab, const int32_t *ids, const float *logp,
                    float log_rest, uint32_t k, bool *mark, stats *s) {
    double mx = logits[0];
    int32_t arg = 0;
    for (int32_t v = 1; v < n_vocab; v++)
        if (logits[v] > mx) { mx = logits[v]; arg = v; }
    double sum = 0.0;
    for (int32_t v = 0; v < n_vocab; v++) sum += exp((double)logits[v] - mx);
    const double lse = mx + log(sum);
    double kl = 0.0, q_rest = 0.0;
    for (uint32_t i = 0; i < k; i++) mark[ids[i]] = true;
    for (int32_t v = 0; v < n_vocab; v++)
        if (!mark[v]) q_rest += exp((double)logits[v] - lse);
    for (uint32_t i = 0; i < k; i++) {
        const double lq = (double)logits[ids[i]] - lse;
        kl += exp((double)logp[i]) * ((double)logp[i] - lq);
        mark[ids[i]] = false;
    }
    const double p_rest = exp((double)log_rest);
    if (p_rest > 0 && q_rest > 0) kl += p_rest * ((double)log_rest - log(q_rest));
    s->kl_sum += kl;
    s->kl_sq += kl * kl;
    if (kl > s->kl_max) s->kl_max = kl;
    s->top1 += arg == ids[0];
    s->n++;
}

/* Decode windows of g with ctx and accumulate the comparison; n_windows and n_pos as asked. */
static void compare_windows(l4a_ctx *ctx, const golden *g, int32_t nv, uint32_t n_windows,
                            int32_t n_pos, stats *s) {
    bool *mark = calloc((size_t)nv, sizeof(bool));
    const size_t rec = 8 * (size_t)g->k + 4;
    int32_t *tok = malloc(4 * (size_t)g->window);
    for (uint32_t w = 0; w < n_windows; w++) {
        const uint8_t *base = g->data + (size_t)w * (4 * (size_t)g->window + g->window * rec);
        memcpy(tok, base, 4 * (size_t)g->window);
        bool ok = true;
        for (int32_t i = 0; i < n_pos; i++) ok = ok && tok[i] >= 0 && tok[i] < nv;
        if (!EXPECT(ok, "%s: golden token ids outside the vocabulary", g->name)) break;
        l4a_status st = l4a_ctx_truncate(ctx, 0);
        if (st == L4A_OK) st = l4a_decode(ctx, tok, n_pos, true);
        if (!EXPECT(st == L4A_OK, "%s: decode: %s", g->name, l4a_last_error())) break;
        for (int32_t p = 0; p < n_pos; p++) {
            const uint8_t *r = base + 4 * (size_t)g->window + (size_t)p * rec;
            int32_t ids[64];
            float logp[64], log_rest;
            memcpy(ids, r, 4 * g->k);
            memcpy(logp, r + 4 * g->k, 4 * g->k);
            memcpy(&log_rest, r + 8 * g->k, 4);
            bool in = true;
            for (uint32_t i = 0; i < g->k; i++) in = in && ids[i] >= 0 && ids[i] < nv;
            if (!CHECK(in)) break;
            compare(l4a_get_logits(ctx, p), nv, ids, logp, log_rest, g->k, mark, s);
        }
    }
    free(tok);
    free(mark);
}

static void run_model(const char *name, bool fast) {
    golden gf, gl;
    const char *path = l4a_test_model(name);
    l4a_model *m = NULL;
    const bool have = read_golden(name, ".f64.bin", &gf) & read_golden(name, ".bin", &gl);
    if (!have || !path ||
        !EXPECT(l4a_model_load(path, l4a_model_default_params(), &m) == L4A_OK, "%s: %s", name,
                l4a_last_error()))
        goto done;
    const int32_t nv = l4a_model_n_vocab(m);
    CHECK_EQ_INT(nv, gl.n_vocab);
    CHECK_EQ_INT(nv, gf.n_vocab);
    /* Fast mode (sanitizers): the first positions of the first window; the float path is
     * the slow one there (unvectorized at -O1), hence fewer positions against float64. */
    const bool big = l4a_model_n_embd(m) > 1024;
    const int32_t fast_pos = big ? 16 : 64, fast_pos_f64 = big ? 2 : 12;

    /* 1. float64 reference: float numerics, F32 cache */
    {
        l4a_ctx_params cp = l4a_ctx_default_params();
        cp.n_ctx = (int32_t)gf.window;
        cp.n_threads = 2;
        cp.kv_type = L4A_KV_F32;
        l4a_ctx *ctx = NULL;
        if (!EXPECT(l4a_ctx_new(m, cp, &ctx) == L4A_OK, "%s", l4a_last_error())) goto done;
        l4a_ctx_set_ggml_rounding(ctx, false);
        const int32_t n_pos = fast && fast_pos_f64 < (int32_t)gf.window ? fast_pos_f64
                                                                         : (int32_t)gf.window;
        stats s = {0};
        const double t0 = l4a_time_s();
        compare_windows(ctx, &gf, nv, 1, n_pos, &s);
        l4a_ctx_free(ctx);
        if (CHECK(s.n > 0)) {
            const double top1 = (double)s.top1 / (double)s.n;
            printf("%s vs float64: %lld positions, mean KL %.2e, max KL %.2e, top-1 %.2f%%, "
                   "%.1f s\n",
                   name, (long long)s.n, s.kl_sum / (double)s.n, s.kl_max, 100 * top1,
                   l4a_time_s() - t0);
            CHECK_MSG(s.kl_max <= 1e-6, "%s: max KL against float64 %.3g > 1e-6", name, s.kl_max);
            CHECK_MSG(top1 >= 0.99, "%s: top-1 against float64 %.4f < 0.99", name, top1);
        }
    }

    /* 2. llama.cpp: default numerics, F16 cache */
    {
        l4a_ctx_params cp = l4a_ctx_default_params();
        cp.n_ctx = (int32_t)gl.window;
        cp.n_threads = 2;
        l4a_ctx *ctx = NULL;
        if (!EXPECT(l4a_ctx_new(m, cp, &ctx) == L4A_OK, "%s", l4a_last_error())) goto done;
        const uint32_t n_windows = fast ? 1 : gl.n_windows;
        const int32_t n_pos = fast ? fast_pos : (int32_t)gl.window;
        stats s = {0};
        const double t0 = l4a_time_s();
        compare_windows(ctx, &gl, nv, n_windows, n_pos, &s);
        l4a_ctx_free(ctx);
        const double secs = l4a_time_s() - t0;
        if (CHECK(s.n > 0)) {
            /* The bounds of the file's header comment, plus three standard errors of the
             * sample (the mean KL is carried by a few positions, and top-1 agreement is a
             * binomial count): they matter for the short samples of the fast mode only. */
            const double n = (double)s.n, kl = s.kl_sum / n, top1 = (double)s.top1 / n;
            const double sd = sqrt(fmax(0.0, s.kl_sq / n - kl * kl));
            const double p = gl.self_top1;
            const double max_kl = fmax(MAX_KL_MEAN, 1.5 * gl.self_kl) + 3 * sd / sqrt(n);
            const double min_top1 = fmin(MIN_TOP1, p - 0.02) - 3 * sqrt(p * (1 - p) / n);
            printf("%s vs llama.cpp: %lld positions, mean KL %.6f (max %.4f), top-1 %.2f%% "
                   "(%lld/%lld); llama.cpp vs itself: KL %.6f, top-1 %.2f%%; %.1f s, "
                   "%.0f tokens/s\n",
                   name, (long long)s.n, kl, s.kl_max, 100 * top1, (long long)s.top1,
                   (long long)s.n, gl.self_kl, 100 * gl.self_top1, secs, (double)s.n / secs);
            printf("    bounds: mean KL <= %.6f, top-1 >= %.2f%%\n", max_kl, 100 * min_top1);
            CHECK_MSG(kl <= max_kl, "%s: mean KL %.6f > %.6f", name, kl, max_kl);
            CHECK_MSG(top1 >= min_top1, "%s: top-1 agreement %.4f < %.4f", name, top1, min_top1);
            if (!fast) CHECK_MSG(s.n >= 1000, "%s: only %lld positions", name, (long long)s.n);
        }
    }
done:
    l4a_model_free(m);
    free(gf.buf);
    free(gl.buf);
}

int main(void) {
    const char *f = getenv("L4A_TEST_FAST");
    const bool fast = f && *f && strcmp(f, "0") != 0;
    run_model("smollm2-135m", fast);
    run_model("gemma3-270m", fast);
    run_model("qwen2.5-1.5b-instruct", fast);
    return l4a_test_summary("test_logits");
}
