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
 * An F16 cache's rows are first widened to floats (once per call, not once per head and
 * token); a Q8_0 cache's rows (blocks of 32 int8 with an f16 scale, as ggml's block_q8_0:
 * half the memory of F16 for a small loss, reported by `llm4all perplexity --cache-type q8_0`)
 * are dequantized the same way, for one token too. Then two passes per (token, head): scores into a per-thread buffer, softmax, then
 * the weighted sum of value rows. Not flash attention (no tiling over S); for the cache sizes
 * of a CPU
 * context the scores fit in L1/L2 anyway.
 */
#include "kernels/kernels.h"
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

/* One query row t, head h: scores over positions lo..p, softmax, weighted sum of values.
 * k, v: float rows (the cache itself, or its F16 rows widened by widen_worker), or with
 * kh, vh the F16 cache read directly (one token: widening would cost a pass of the pool).
 * The f16 dot and scaled add sum in the same order as the float ones and widening is exact,
 * so both ways give the same bits. */
static void attn_one(const l4a_attn_args *a, const float *k, const float *v, const uint16_t *kh,
                     const uint16_t *vh, int64_t t, int64_t h, float *s) {
    const int64_t p = a->pos0 + t;
    const int64_t lo = a->window > 0 && p - a->window + 1 > 0 ? p - a->window + 1 : 0;
    const int64_t n = p - lo + 1;
    const int64_t g = h / (a->H / a->HKV);              /* the key/value head of query head h */
    const int64_t krow = a->HKV * a->DK, vrow = a->HKV * a->DV;
    const float *qh = a->q + (t * a->H + h) * a->DK;
    float *oh = a->out + (t * a->H + h) * a->DV;

    if (a->round_f16) {     /* ggml's f16 dot product reads q as f16 */
        float *qr = s + a->scratch_stride - a->DK;
        memcpy(qr, qh, (size_t)a->DK * sizeof(float));
        l4a_vec_round_f16(qr, a->DK);
        qh = qr;
    }
    int64_t j = 0;
    if (!kh)                /* four keys per pass over q: the same sums as one at a time */
        for (; j + 4 <= n; j += 4) {
            float d4[4];
            l4a_vec_dot_f32_x4(qh, k + (lo + j) * krow + g * a->DK, krow, a->DK, d4);
            for (int r = 0; r < 4; r++) s[j + r] = a->scale * d4[r];
        }
    for (; j < n; j++) {
        const int64_t o = (lo + j) * krow + g * a->DK;
        s[j] = a->scale * (kh ? l4a_vec_dot_f32_f16(qh, kh + o, a->DK)
                              : l4a_vec_dot_f32(qh, k + o, a->DK));
    }
    l4a_softmax_forward(s, n);
    if (a->round_f16)       /* ... and the probabilities as f16 in the product with v */
        l4a_vec_round_f16(s, n);
    if (!vh) {              /* the sums in registers across the rows: the same bits */
        l4a_vec_wsum_f32(oh, s, v + lo * vrow + g * a->DV, vrow, n, a->DV);
        return;
    }
    memset(oh, 0, (size_t)a->DV * sizeof(float));
    for (int64_t jv = 0; jv < n; jv++)
        l4a_vec_axpy_f16(oh, s[jv], vh + (lo + jv) * vrow + g * a->DV, a->DV);
}

/* The first cached position any query of the batch reads. */
static int64_t first_pos(const l4a_attn_args *a) {
    return a->window > 0 && a->pos0 - a->window + 1 > 0 ? a->pos0 - a->window + 1 : 0;
}

/* F16 cache: widen the rows the batch reads to floats once, rather than once per query head
 * and token inside the dot products. */
static void widen_worker(void *arg, int ith, int nth, int tid) {
    (void)tid;
    const l4a_attn_args *a = arg;
    const int64_t lo = first_pos(a), hi = a->pos0 + a->T;
    const int64_t krow = a->HKV * a->DK, vrow = a->HKV * a->DV;
    int64_t r0, r1;
    l4a_split(hi - lo, ith, nth, &r0, &r1);
    float *kf = a->kv_f32, *vf = a->kv_f32 + a->kv_f32_v;
    if (a->kv_type == L4A_TYPE_Q8_0) {
        const uint8_t *k = a->k, *v = a->v;
        const int64_t kb = krow / 32 * 34, vb = vrow / 32 * 34;    /* bytes of a block_q8_0 row */
        for (int64_t r = lo + r0; r < lo + r1; r++) {
            l4a_q8_0_to_float(k + r * kb, kf + r * krow, krow);
            l4a_q8_0_to_float(v + r * vb, vf + r * vrow, vrow);
        }
        return;
    }
    const uint16_t *k = a->k, *v = a->v;
    for (int64_t r = lo + r0; r < lo + r1; r++) {
        l4a_vec_f16_to_f32(kf + r * krow, k + r * krow, krow);
        l4a_vec_f16_to_f32(vf + r * vrow, v + r * vrow, vrow);
    }
}

static void attn_worker(void *arg, int ith, int nth, int tid) {
    const l4a_attn_args *a = arg;
    float *s = a->scratch + (size_t)tid * (size_t)a->scratch_stride;
    const bool wide = a->kv_type != L4A_TYPE_F32;   /* rows read from kv_f32 */
    const bool direct = a->kv_type == L4A_TYPE_F16 && a->T == 1;
    const float *k = wide ? a->kv_f32 : a->k, *v = wide ? a->kv_f32 + a->kv_f32_v : a->v;
    const uint16_t *kh = direct ? a->k : NULL, *vh = direct ? a->v : NULL;
    /* (token, head) pairs dealt round-robin: later tokens see more keys, so contiguous ranges
     * would give the last thread the most work. */
    for (int64_t i = ith; i < a->T * a->H; i += nth)
        attn_one(a, k, v, kh, vh, i / a->H, i % a->H, s);
}

void l4a_attention_forward(l4a_pool *pool, const l4a_attn_args *a) {
    L4A_ASSERT(a->HKV > 0 && a->H % a->HKV == 0);
    L4A_ASSERT(a->kv_type == L4A_TYPE_F32 || a->kv_type == L4A_TYPE_F16 ||
               (a->kv_type == L4A_TYPE_Q8_0 && a->HKV * a->DK % 32 == 0 && a->HKV * a->DV % 32 == 0));
    L4A_ASSERT(a->scratch_stride >= a->pos0 + a->T + a->DK);
    L4A_ASSERT(a->kv_type == L4A_TYPE_F32 || a->kv_f32 != NULL);
    if (a->T <= 0) return;
    if ((a->kv_type == L4A_TYPE_F16 && a->T > 1) || a->kv_type == L4A_TYPE_Q8_0)
        l4a_pool_run(pool, widen_worker, (void *)a);
    l4a_pool_run(pool, attn_worker, (void *)a);
}
