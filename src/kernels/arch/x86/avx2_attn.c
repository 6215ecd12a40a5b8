/*
 * avx2_attn.c - attention's row kernels (kernels/attn_rows.h) with AVX2, FMA and F16C: F16
 * cache rows are widened by vcvtph2ps as they are read.
 *
 * Scores: tiles of 1 query x 8 keys or 2 queries x 4 keys, one 8-lane fma chain per pair (the
 * d / 8 steps of attn_rows.h's order), so 8 chains hide the fma latency; the lane sums of 4
 * pairs at once by two rounds of vhaddps and the add of the two 128-bit halves, which is that
 * order's tree ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)). A last tile of fewer than 4
 * keys repeats its last row and keeps only the valid sums.
 * Weighted sums: the outputs in registers across the rows (1 query x 64 columns or 2 queries
 * x 32), one fma per row and 8 columns: the per-column chain of attn_rows.h.
 * F16 rounding: vcvtps2ph and back, 8 values at a time.
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c")))
#define DOT_MODE 0
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/attn_rows.h"

#include <math.h>

TGT INLINE __m256 load8(const void *row, int64_t i, int f16) {
    if (f16) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + i)));
    return _mm256_loadu_ps((const float *)row + i);
}

TGT INLINE float elem(const void *row, int64_t i, int f16) {
    if (f16) return h2f(((const uint16_t *)row)[i]);
    return ((const float *)row)[i];
}

/* Cache rows come from memory (a layer's K and V were written tokens ago): each row asks for
 * the one PF_ROWS ahead, since the hardware prefetcher alone does not keep up with the rows'
 * stride (smollm2 decode at depth 2048: 56 -> 66 tok/s; 16 and 64 rows did no better). A
 * prefetch never faults, so rows past the last one are harmless. */
#define PF_ROWS 32

/* Lane r: the tree sum of a_r. */
TGT INLINE __m128 tree4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* MQ queries x 4*NK keys; rows j0 .. j0 + 4*NK - 1, those at or past n replaced by row n - 1
 * and not stored. */
TGT INLINE void score_tile(float *s, int64_t ss, const float *q, int64_t qs, int MQ, int NK,
                           const void *k, int64_t ks, int64_t j0, int64_t n, int64_t d,
                           float scale, int f16) {
    const size_t esz = f16 ? 2 : 4;
    const char *kr[8];
#pragma GCC unroll 8
    for (int r = 0; r < 4 * NK; r++)
        kr[r] = (const char *)k + (size_t)((j0 + r < n ? j0 + r : n - 1) * ks) * esz;
#pragma GCC unroll 8
    for (int r = 0; r < 4 * NK; r++)
        prefetch_bytes((const char *)k + (size_t)((j0 + r + PF_ROWS) * ks) * esz,
                       (int)(d * (int64_t)esz));
    __m256 acc[2][8];
#pragma GCC unroll 2
    for (int i = 0; i < MQ; i++)
#pragma GCC unroll 8
        for (int r = 0; r < 4 * NK; r++) acc[i][r] = _mm256_setzero_ps();
    const int64_t d8 = d - d % 8;
    for (int64_t e = 0; e < d8; e += 8) {
        __m256 qv[2];
#pragma GCC unroll 2
        for (int i = 0; i < MQ; i++) qv[i] = _mm256_loadu_ps(q + i * qs + e);
#pragma GCC unroll 8
        for (int r = 0; r < 4 * NK; r++) {
            const __m256 kv = load8(kr[r], e, f16);
#pragma GCC unroll 2
            for (int i = 0; i < MQ; i++) acc[i][r] = _mm256_fmadd_ps(qv[i], kv, acc[i][r]);
        }
    }
#pragma GCC unroll 2
    for (int i = 0; i < MQ; i++)
#pragma GCC unroll 2
        for (int b = 0; b < NK; b++) {
            float t[4];
            _mm_storeu_ps(t, tree4(acc[i][4 * b], acc[i][4 * b + 1], acc[i][4 * b + 2],
                                   acc[i][4 * b + 3]));
            for (int r = 0; r < 4; r++) {
                const int64_t j = j0 + 4 * b + r;
                if (j >= n) break;
                float x = t[r];
                for (int64_t e = d8; e < d; e++)
                    x = fmaf(q[i * qs + e], elem(kr[4 * b + r], e, f16), x);
                s[i * ss + j] = scale * x;
            }
        }
}

TGT INLINE void scores(float *s, int64_t ss, const float *q, int64_t qs, int64_t m,
                       const void *k, int64_t ks, int64_t n, int64_t d, float scale, int f16) {
    if (n <= 0) return;
    int64_t i = 0;
    for (; i + 2 <= m; i += 2)
        for (int64_t j = 0; j < n; j += 4)
            score_tile(s + i * ss, ss, q + i * qs, qs, 2, 1, k, ks, j, n, d, scale, f16);
    if (i < m)
        for (int64_t j = 0; j < n; j += 8)
            score_tile(s + i * ss, ss, q + i * qs, qs, 1, 2, k, ks, j, n, d, scale, f16);
}

/* MQ queries x 8*NC columns from c0, in registers across the n rows. */
TGT INLINE void wsum_tile(float *y, int64_t ys, const float *p, int64_t ps, int MQ, int NC,
                          const void *v, int64_t vs, int64_t n, int64_t c0, int f16) {
    const size_t esz = f16 ? 2 : 4;
    __m256 acc[2][8];
#pragma GCC unroll 2
    for (int i = 0; i < MQ; i++)
#pragma GCC unroll 8
        for (int c = 0; c < NC; c++) acc[i][c] = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j++) {
        const char *row = (const char *)v + (size_t)(j * vs) * esz;
        prefetch_bytes(row + (size_t)(PF_ROWS * vs + c0) * esz, 8 * NC * (int)esz);
        __m256 pj[2];
#pragma GCC unroll 2
        for (int i = 0; i < MQ; i++) pj[i] = _mm256_broadcast_ss(p + i * ps + j);
#pragma GCC unroll 8
        for (int c = 0; c < NC; c++) {
            const __m256 x = load8(row, c0 + 8 * c, f16);
#pragma GCC unroll 2
            for (int i = 0; i < MQ; i++) acc[i][c] = _mm256_fmadd_ps(pj[i], x, acc[i][c]);
        }
    }
#pragma GCC unroll 2
    for (int i = 0; i < MQ; i++)
#pragma GCC unroll 8
        for (int c = 0; c < NC; c++) _mm256_storeu_ps(y + i * ys + c0 + 8 * c, acc[i][c]);
}

/* The columns past the last multiple of 8: one chain each. */
TGT INLINE void wsum_tail(float *y, const float *p, const void *v, int64_t vs, int64_t n,
                          int64_t c0, int64_t d, int f16) {
    const size_t esz = f16 ? 2 : 4;
    for (int64_t c = c0; c < d; c++) {
        float acc = 0.0f;
        for (int64_t j = 0; j < n; j++)
            acc = fmaf(p[j], elem((const char *)v + (size_t)(j * vs) * esz, c, f16), acc);
        y[c] = acc;
    }
}

/* MQ queries (1 or 2): column blocks of 64 / MQ (8 accumulators), then of 8, then the tail. */
TGT INLINE void wsum_q(float *y, int64_t ys, const float *p, int64_t ps, const int MQ,
                       const void *v, int64_t vs, int64_t n, int64_t d, int f16) {
    const int64_t d8 = d - d % 8, wide = 64 / MQ;
    int64_t c = 0;
    for (; c + wide <= d8; c += wide) wsum_tile(y, ys, p, ps, MQ, 8 / MQ, v, vs, n, c, f16);
    for (; c < d8; c += 8) wsum_tile(y, ys, p, ps, MQ, 1, v, vs, n, c, f16);
    for (int i = 0; i < MQ; i++) wsum_tail(y + i * ys, p + i * ps, v, vs, n, d8, d, f16);
}

TGT INLINE void wsum(float *y, int64_t ys, const float *p, int64_t ps, int64_t m, const void *v,
                     int64_t vs, int64_t n, int64_t d, int f16) {
    int64_t i = 0;
    for (; i + 2 <= m; i += 2) wsum_q(y + i * ys, ys, p + i * ps, ps, 2, v, vs, n, d, f16);
    if (i < m) wsum_q(y + i * ys, ys, p + i * ps, ps, 1, v, vs, n, d, f16);
}

TGT static void scores_f32(float *s, int64_t ss, const float *q, int64_t qs, int64_t m,
                           const void *k, int64_t ks, int64_t n, int64_t d, float scale) {
    scores(s, ss, q, qs, m, k, ks, n, d, scale, 0);
}
TGT static void scores_f16(float *s, int64_t ss, const float *q, int64_t qs, int64_t m,
                           const void *k, int64_t ks, int64_t n, int64_t d, float scale) {
    scores(s, ss, q, qs, m, k, ks, n, d, scale, 1);
}
TGT static void wsum_f32(float *y, int64_t ys, const float *p, int64_t ps, int64_t m,
                         const void *v, int64_t vs, int64_t n, int64_t d) {
    wsum(y, ys, p, ps, m, v, vs, n, d, 0);
}
TGT static void wsum_f16(float *y, int64_t ys, const float *p, int64_t ps, int64_t m,
                         const void *v, int64_t vs, int64_t n, int64_t d) {
    wsum(y, ys, p, ps, m, v, vs, n, d, 1);
}

/* vcvtps2ph rounds to nearest even, with overflow to infinity and subnormals as
 * l4a_f32_to_f16 (avx2_f.c's F16 quantizer relies on the same). */
TGT static void round_f16(float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i),
                                                                 _MM_FROUND_TO_NEAREST_INT)));
    for (; i < n; i++) {
        const __m128i h = _mm_cvtps_ph(_mm_set_ss(x[i]), _MM_FROUND_TO_NEAREST_INT);
        x[i] = _mm_cvtss_f32(_mm_cvtph_ps(h));
    }
}

const l4a_attn_rows l4a_attn_rows_avx2 = {scores_f32, scores_f16, wsum_f32, wsum_f16, round_f16,
                                          "avx2"};

#endif
