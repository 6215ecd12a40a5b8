/*
 * attention.c - softmax, and causal multi-head attention of a batch of queries over the KV
 * cache (Vaswani et al. 2017, "Attention Is All You Need", section 3.2), with grouped-query
 * heads (Ainslie et al. 2023) and an optional sliding window (Beltagy et al. 2020).
 *
 * The cache holds every position of the sequence so far: keys (S, HKV, DK) and values
 * (S, HKV, DV), one row per position, in F32 or F16. Query row t at position p = pos0 + t
 * attends to the cached positions lo..p (lo = 0, or p - window + 1 with a window): the batch's
 * own keys must already be stored, which makes the batch causal without a mask.
 *
 * F32 and F16 rows are read where they are (kernels/attn_rows.h, vcvtph2ps on x86); a Q8_0
 * cache's rows (blocks of 32 int8 with an f16 scale, as ggml's block_q8_0: half the memory of
 * F16 for a small loss, reported by `llm4all perplexity --cache-type q8_0`) are first widened
 * to floats, once per call. Then two passes per (token, query heads of one key/value head):
 * scores into a per-thread buffer, softmax, then the weighted sums of value rows. Not flash
 * attention (no tiling over S): for the cache sizes of a CPU context the scores fit in L1/L2.
 */
#include "kernels/kernels.h"
#include "kernels/attn_rows.h"
#include "kernels/vec.h"
#include "core/core.h"
#include "quant/quant.h"

#include <math.h>
#include <string.h>

void l4a_softmax_forward(float *x, int64_t n) {
    if (n <= 0) return;
    float mx = x[0];
    for (int64_t i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    /* libm's expf, not kernels/vec.h's vectorized one: its few ulp, amplified by the f16
     * rounding of the probabilities and the 8-bit activations downstream, moved smollm2's
     * one-window perplexity (tests/cli/perplexity.sh under L4A_TEST_FAST) from 0.2% to 0.95%
     * away from llama.cpp's, past that test's 0.5%. */
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

void l4a_kv_store(void *dst, uint32_t kv_type, const float *src, int64_t n) {
    if (kv_type == L4A_TYPE_F16) l4a_vec_f32_to_f16(dst, src, n);
    else if (kv_type == L4A_TYPE_Q8_0) l4a_q8_0_from_float(src, dst, n);
    else memcpy(dst, src, (size_t)n * sizeof(float));
}

/* The cached rows from element o of the key (or value) cache: the cache itself (F32, F16) or,
 * for Q8_0, its widened copy (wide_off: the part's offset in kv_f32). */
static const void *rows_at(const l4a_attn_args *a, const void *cache, int64_t wide_off,
                           int64_t o) {
    if (a->kv_type == L4A_TYPE_F16) return (const uint16_t *)cache + o;
    if (a->kv_type == L4A_TYPE_F32) return (const float *)cache + o;
    return a->kv_f32 + wide_off + o;
}

/* Query rows t of heads h0 .. h0 + m - 1, all of key/value head g: they read the same cached
 * positions lo..p. Scores into scr (m rows of n), softmax, weighted sums of the value rows.
 * F16 and F32 rows are read where they are, Q8_0 rows from their widened copy in kv_f32. */
static void attn_rows(const l4a_attn_args *a, const l4a_attn_rows *kr, int64_t t, int64_t h0,
                      int64_t m, float *scr) {
    const int64_t p = a->pos0 + t;
    const int64_t lo = a->window > 0 && p - a->window + 1 > 0 ? p - a->window + 1 : 0;
    const int64_t n = p - lo + 1;
    const int64_t g = h0 / (a->H / a->HKV);
    const int64_t krow = a->HKV * a->DK, vrow = a->HKV * a->DV;
    const float *q = a->q + (t * a->H + h0) * a->DK;
    if (a->round_f16) {     /* ggml's f16 dot product reads q as f16 */
        float *qr = scr + m * n;
        memcpy(qr, q, (size_t)(m * a->DK) * sizeof(float));
        kr->round_f16(qr, m * a->DK);
        q = qr;
    }
    const int64_t ko = lo * krow + g * a->DK, vo = lo * vrow + g * a->DV;
    const bool f16 = a->kv_type == L4A_TYPE_F16;
    const void *k = rows_at(a, a->k, 0, ko), *v = rows_at(a, a->v, a->kv_f32_v, vo);
    (f16 ? kr->scores_f16 : kr->scores_f32)(scr, n, q, a->DK, m, k, krow, n, a->DK, a->scale);
    for (int64_t i = 0; i < m; i++) {
        l4a_softmax_forward(scr + i * n, n);
        if (a->round_f16)   /* ... and the probabilities as f16 in the product with v */
            kr->round_f16(scr + i * n, n);
    }
    (f16 ? kr->wsum_f16 : kr->wsum_f32)(a->out + (t * a->H + h0) * a->DV, a->DV, scr, n, m, v,
                                        vrow, n, a->DV);
}

/* The first cached position any query of the batch reads. */
static int64_t first_pos(const l4a_attn_args *a) {
    return a->window > 0 && a->pos0 - a->window + 1 > 0 ? a->pos0 - a->window + 1 : 0;
}

/* Q8_0 cache: widen the rows the batch reads to floats once, rather than once per query head
 * and token. */
static void widen_worker(void *arg, int ith, int nth, int tid) {
    (void)tid;
    const l4a_attn_args *a = arg;
    const int64_t lo = first_pos(a), hi = a->pos0 + a->T;
    const int64_t krow = a->HKV * a->DK, vrow = a->HKV * a->DV;
    int64_t r0, r1;
    l4a_split(hi - lo, ith, nth, &r0, &r1);
    float *kf = a->kv_f32, *vf = a->kv_f32 + a->kv_f32_v;
    const uint8_t *k = a->k, *v = a->v;
    const int64_t kb = krow / 32 * 34, vb = vrow / 32 * 34;    /* bytes of a block_q8_0 row */
    for (int64_t r = lo + r0; r < lo + r1; r++) {
        l4a_q8_0_to_float(k + r * kb, kf + r * krow, krow);
        l4a_q8_0_to_float(v + r * vb, vf + r * vrow, vrow);
    }
}

static void attn_worker(void *arg, int ith, int nth, int tid) {
    const l4a_attn_args *a = arg;
    float *scr = a->scratch + (size_t)tid * (size_t)a->scratch_stride;
    const l4a_attn_rows *kr = l4a_attn_rows_get();
    const int64_t G = a->H / a->HKV;
    /* Work dealt round-robin: later tokens see more keys, so contiguous ranges would give the
     * last thread the most work. One token: a query head each (a decode step has few key/value
     * heads, sometimes one). A batch: a token's key/value head each, its G query heads
     * together, so that each key row read serves all of them. */
    if (a->T == 1) {
        for (int64_t h = ith; h < a->H; h += nth) attn_rows(a, kr, 0, h, 1, scr);
        return;
    }
    for (int64_t i = ith; i < a->T * a->HKV; i += nth)
        attn_rows(a, kr, i / a->HKV, i % a->HKV * G, G, scr);
}

int64_t l4a_attn_scratch_floats(int64_t H, int64_t HKV, int64_t S, int64_t DK) {
    return H / HKV * (S + DK);
}

void l4a_attention_forward(l4a_pool *pool, const l4a_attn_args *a) {
    L4A_ASSERT(a->HKV > 0 && a->H % a->HKV == 0);
    L4A_ASSERT(a->kv_type == L4A_TYPE_F32 || a->kv_type == L4A_TYPE_F16 ||
               (a->kv_type == L4A_TYPE_Q8_0 && a->HKV * a->DK % 32 == 0 &&
                a->HKV * a->DV % 32 == 0));
    L4A_ASSERT(a->scratch_stride >= l4a_attn_scratch_floats(a->H, a->HKV, a->pos0 + a->T, a->DK));
    L4A_ASSERT(a->kv_type != L4A_TYPE_Q8_0 || a->kv_f32 != NULL);
    if (a->T <= 0) return;
    if (a->kv_type == L4A_TYPE_Q8_0) l4a_pool_run(pool, widen_worker, (void *)a);
    l4a_pool_run(pool, attn_worker, (void *)a);
}
