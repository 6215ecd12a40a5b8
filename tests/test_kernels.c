/*
 * test_kernels.c - every kernel of src/kernels/ against a naive double-precision evaluation of
 * its formula, on random data and odd shapes (sizes that are not multiples of the vector
 * lanes, of the 4x4 blocks or of the 16-row tiles; more threads than rows).
 *
 * Tolerances, and why:
 *  - Dot products (matmul, attention scores, vec): float summation of n products in any order
 *    is within gamma_n * sum|a_i b_i| of the exact value, gamma_n = n u / (1 - n u), u = 2^-24
 *    (Higham, "Accuracy and Stability of Numerical Algorithms", 3.1). We check that bound with
 *    n = C + 2 (two more roundings: a scale factor applied after a block's sum).
 *  - Element-wise float formulas (norm, rope, softmax, activations): a few ulps of the result
 *    plus libm's error (expf/tanhf/cosf within 1-2 ulps): 1e-6 relative, 1e-7 absolute for
 *    results near zero (rope and silu subtract terms of the size of their inputs: absolute
 *    error scaled by the inputs' magnitude).
 *  - The weight of matmul is compared after dequantization (to_float, exact by contract of
 *    src/quant), so quantization error is not part of the tolerance.
 */
#include "harness.h"
#include "kernels/kernels.h"
#include "kernels/attn_rows.h"
#include "kernels/vec.h"
#include "kernels/vecdot.h"
#include "core/core.h"
#include "quant/quant.h"
#include "quant/x4.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void) {   /* uniform in [-1, 1) */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}
static void fill(float *x, int64_t n, float scale) {
    for (int64_t i = 0; i < n; i++) x[i] = frand() * scale;
}
static double gamma_n(int64_t n) {
    const double u = FLT_EPSILON / 2;
    return (double)n * u / (1.0 - (double)n * u);
}
static bool near(double got, double want, double rel, double abs_tol) {
    return fabs(got - want) <= rel * fabs(want) + abs_tol;
}

/* ---------------------------------------------------------------- vec primitives */

/* Attention's row kernels (kernels/attn_rows.h) for rows of type f16 (else f32): scores and
 * weighted sums against double sums (the dot-product bound with d + 1 roundings: the scale),
 * the kernels for this CPU against the plain C ones bit for bit (the same sequence of float
 * operations), and each block's results against the same query and row computed alone (the
 * batch invariance of attention rests on it). Lengths with lane and block tails, m and n not
 * multiples of the tiles, unaligned strides. */
static void check_attn_rows(int f16, int64_t m, int64_t n, int64_t d) {
    const l4a_attn_rows *kr = l4a_attn_rows_get(), *ref = l4a_attn_rows_ref();
    const int64_t qs = d + 1, ks = d + 3, ss = n + 2, ys = d + 5;
    const size_t esz = f16 ? 2 : 4;
    const size_t fz = sizeof(float);
    float *q = malloc(fz * (size_t)(m * qs)), *kf = malloc(fz * (size_t)(n * ks));
    void *k = malloc(esz * (size_t)(n * ks));
    float *s = malloc(fz * (size_t)(m * ss)), *s2 = malloc(fz * (size_t)(m * ss));
    float *y = malloc(fz * (size_t)(m * ys)), *y2 = malloc(fz * (size_t)(m * ys));
    fill(q, m * qs, 1.0f);
    fill(kf, n * ks, 2.0f);
    for (int64_t i = 0; i < n * ks; i++) {  /* what the rows hold, as floats */
        if (f16) ((uint16_t *)k)[i] = l4a_f32_to_f16(kf[i]);
        if (f16) kf[i] = l4a_f16_to_f32(((uint16_t *)k)[i]);
        else ((float *)k)[i] = kf[i];
    }
    const float scale = 0.125f;
    l4a_attn_scores_fn sc = f16 ? kr->scores_f16 : kr->scores_f32;
    l4a_attn_wsum_fn ws = f16 ? kr->wsum_f16 : kr->wsum_f32;
    int bad = 0, bad_ref = 0, bad_alone = 0;
    sc(s, ss, q, qs, m, k, ks, n, d, scale);
    (f16 ? ref->scores_f16 : ref->scores_f32)(s2, ss, q, qs, m, k, ks, n, d, scale);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double want = 0, mag = 0;
            for (int64_t e = 0; e < d; e++) {
                want += (double)q[i * qs + e] * kf[j * ks + e];
                mag += fabs((double)q[i * qs + e] * kf[j * ks + e]);
            }
            bad += !near(s[i * ss + j], scale * want, 0, gamma_n(d + 1) * scale * mag + 1e-30);
            bad_ref += memcmp(&s[i * ss + j], &s2[i * ss + j], sizeof(float)) != 0;
            float one;
            const char *kj = (const char *)k + (size_t)(j * ks) * esz;
            sc(&one, 1, q + i * qs, qs, 1, kj, ks, 1, d, scale);
            bad_alone += memcmp(&one, &s[i * ss + j], sizeof one) != 0;
        }
    CHECK_MSG(bad == 0 && bad_ref == 0 && bad_alone == 0,
              "attn scores %s m=%lld n=%lld d=%lld: %d wrong, %d differ from ref (%s), %d from "
              "alone", f16 ? "f16" : "f32", (long long)m, (long long)n, (long long)d, bad, bad_ref,
              kr->isa, bad_alone);
    /* weighted sums: the scores as weights (any sign), the key rows as value rows */
    bad = bad_ref = bad_alone = 0;
    ws(y, ys, s, ss, m, k, ks, n, d);
    (f16 ? ref->wsum_f16 : ref->wsum_f32)(y2, ys, s, ss, m, k, ks, n, d);
    for (int64_t i = 0; i < m; i++) {
        float alone[300];
        ws(alone, d, s + i * ss, ss, 1, k, ks, n, d);
        for (int64_t c = 0; c < d; c++) {
            double want = 0, mag = 0;
            for (int64_t j = 0; j < n; j++) {
                want += (double)s[i * ss + j] * kf[j * ks + c];
                mag += fabs((double)s[i * ss + j] * kf[j * ks + c]);
            }
            bad += !near(y[i * ys + c], want, 0, gamma_n(n) * mag + 1e-30);
            bad_ref += memcmp(&y[i * ys + c], &y2[i * ys + c], sizeof(float)) != 0;
            bad_alone += memcmp(&y[i * ys + c], &alone[c], sizeof(float)) != 0;
        }
    }
    CHECK_MSG(bad == 0 && bad_ref == 0 && bad_alone == 0,
              "attn wsum %s m=%lld n=%lld d=%lld: %d wrong, %d differ from ref (%s), %d from "
              "alone", f16 ? "f16" : "f32", (long long)m, (long long)n, (long long)d, bad, bad_ref,
              kr->isa, bad_alone);
    free(q); free(kf); free(k); free(s); free(s2); free(y); free(y2);
}

static void test_vec_blocked(void) {
    static const int64_t ds[] = {1, 7, 8, 9, 16, 24, 63, 64, 65, 128, 256};
    static const int64_t ns[] = {1, 3, 4, 5, 8, 9, 33};
    static const int64_t ms[] = {1, 2, 3, 6};
    for (int f16 = 0; f16 < 2; f16++)
        for (size_t a = 0; a < sizeof ds / sizeof ds[0]; a++)
            for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++)
                for (size_t c = 0; c < sizeof ms / sizeof ms[0]; c++)
                    check_attn_rows(f16, ms[c], ns[b], ds[a]);
    /* the vector f16 rounding (attention's q and probabilities) against the scalar one, bit
     * for bit, over normal, subnormal, overflowing and halfway values; n = 700 runs the
     * 256-element chunks and a tail */
    {
        enum { NR = 700 };
        float xr[NR], want[NR];
        fill(xr, NR, 1.0f);
        for (int i = 0; i < NR; i++) {
            if (i % 7 == 1) xr[i] *= 1e-5f;                 /* f16 subnormals */
            if (i % 7 == 2) xr[i] *= 7e4f;                  /* past 65504 */
            if (i % 7 == 3) xr[i] = 1.0f + (float)(2 * i + 1) / 2048.0f;  /* halfway */
            want[i] = l4a_f16_to_f32(l4a_f32_to_f16(xr[i]));
        }
        float xk[NR];
        memcpy(xk, xr, sizeof xr);
        l4a_vec_round_f16(xr, NR);
        CHECK_MSG(memcmp(xr, want, sizeof xr) == 0, "vec_round_f16 differs from l4a_f32_to_f16");
        l4a_attn_rows_get()->round_f16(xk, NR);   /* attention's, for this CPU */
        CHECK_MSG(memcmp(xk, want, sizeof xk) == 0, "attn round_f16 (%s) differs from "
                  "l4a_f32_to_f16", l4a_attn_rows_get()->isa);
    }
    /* the vectorizable exp of SiLU and GELU: within 4 ulp (2^-21 relative) of e^x over
     * [-87, 88], its whole unclamped range, in steps of 1/128 */
    {
        int bad_exp = 0;
        for (int i = 0; i <= 175 * 128; i++) {
            const float xe = -87.0f + (float)i / 128.0f;
            bad_exp += !near(l4a_exp_approx(xe), exp((double)xe), 0x1p-21, 0);
        }
        CHECK_MSG(bad_exp == 0, "l4a_exp_approx: %d values off by more than 4 ulp", bad_exp);
    }
}

static void test_vec(void) {
    static const int64_t ns[] = {0, 1, 7, 8, 9, 31, 33, 64, 100, 257};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        const int64_t n = ns[k];
        float a[4 * 258], b[4 * 258];
        fill(a, 4 * 258, 1.0f);
        fill(b, 4 * 258, 1.0f);
        int bad = 0;
        uint16_t h2[257];
        float back[257];
        l4a_vec_f32_to_f16(h2, a, n);
        l4a_vec_f16_to_f32(back, h2, n);
        bad = 0;
        for (int64_t i = 0; i < n; i++) {
            bad += h2[i] != l4a_f32_to_f16(a[i]);
            bad += back[i] != l4a_f16_to_f32(h2[i]);
        }
        CHECK_MSG(bad == 0, "f16 conversions n=%lld: %d differ from tensor/types.c", (long long)n,
                  bad);

        /* the 4x4 and 1x4 blocks, rows of stride n + 1 (unaligned) */
        const int64_t s = n + 1;
        float out16[16], out4[4];
        l4a_vec_dot_4x4(a, s, b, s, n, out16);
        l4a_vec_dot_1x4(a, s, b, n, out4);
        bad = 0;
        for (int j = 0; j < 4; j++)
            for (int r = 0; r < 4; r++) {
                double w = 0, m = 0;
                for (int64_t i = 0; i < n; i++) {
                    w += (double)a[r * s + i] * b[j * s + i];
                    m += fabs((double)a[r * s + i] * b[j * s + i]);
                }
                bad += !near(out16[j * 4 + r], w, 0, gamma_n(n) * m + 1e-30);
                if (j == 0) bad += !near(out4[r], w, 0, gamma_n(n) * m + 1e-30);
            }
        CHECK_MSG(bad == 0, "dot blocks n=%lld: %d wrong", (long long)n, bad);
    }
}

/* ---------------------------------------------------------------- matmul */

/* x (T,C) @ w (OC,C)^T + bias for weight type `type`, threads n_threads.
 * Float path (int_path false): with round_act the reference multiplies by the rounded x
 * (l4a_act_round, checked on its own below).
 * Integer path: the reference is the plain C dot product of kernels/vecdot.h (ref ISA) of the
 * weight row with x quantized by that entry; the bound is the same float-summation bound.
 * Both: each row of the batch equals, bit for bit, the same row computed alone (T = 1, one
 * thread). */
static void check_matmul_path(uint32_t type, int64_t T, int64_t C, int64_t OC, int n_threads,
                              bool with_bias, bool round_act, bool int_path) {
    const l4a_type_traits *tr = l4a_type_traits_of(type);
    uint64_t row_bytes;
    if (!CHECK(tr && tr->from_float && l4a_row_size(type, C, &row_bytes))) return;
    float *wf = malloc(sizeof(float) * (size_t)(OC * C));
    float *wd = malloc(sizeof(float) * (size_t)(OC * C));
    uint8_t *wq = malloc((size_t)(row_bytes * (uint64_t)OC));
    float *x = malloc(sizeof(float) * (size_t)(T * C));
    float *out = malloc(sizeof(float) * (size_t)(T * OC));
    float *bias = malloc(sizeof(float) * (size_t)OC);
    l4a_pool *pool = l4a_pool_new(n_threads);
    float *scratch = l4a_malloc_aligned(sizeof(float) * l4a_matmul_scratch_floats(C, T, n_threads));
    float *xr = malloc(sizeof(float) * (size_t)(T * C));
    fill(wf, OC * C, 1.0f);
    fill(x, T * C, 1.0f);
    if (round_act) l4a_act_round(xr, x, T * C, l4a_act_rounding_of(type));
    else memcpy(xr, x, sizeof(float) * (size_t)(T * C));
    fill(bias, OC, 1.0f);
    for (int64_t r = 0; r < OC; r++) {
        tr->from_float(wf + r * C, wq + r * row_bytes, C);
        tr->to_float(wq + r * row_bytes, wd + r * C, C);
    }
    l4a_tensor w = {.name = "w", .type = type, .n_dims = 2, .ne = {C, OC, 1, 1},
                    .nb = {tr->type_size, row_bytes, row_bytes * (uint64_t)OC,
                           row_bytes * (uint64_t)OC},
                    .data = wq, .n_bytes = row_bytes * (uint64_t)OC};
    l4a_matmul_set_int_path(int_path);
    l4a_matmul_forward(pool, out, x, &w, with_bias ? bias : NULL, T, round_act, scratch);
    const l4a_vecdot *ref = int_path ? l4a_vecdot_get_ref(type) : NULL;
    uint8_t *xq = ref ? malloc(l4a_vecdot_act_size(ref, C)) : NULL;
    int bad = 0;
    double worst = 0;
    for (int64_t t = 0; t < T; t++)
        for (int64_t r = 0; r < OC; r++) {
            double want = with_bias ? bias[r] : 0.0, mag = with_bias ? fabs(bias[r]) : 0.0;
            for (int64_t c = 0; c < C; c++) {
                want += (double)wd[r * C + c] * xr[t * C + c];
                mag += fabs((double)wd[r * C + c] * xr[t * C + c]);
            }
            if (ref) {      /* the integer formula, in plain C */
                ref->quantize_act(x + t * C, xq, C);
                want = ref->dot(C, wq + r * row_bytes, xq) + (with_bias ? bias[r] : 0.0);
            }
            double err = fabs(out[t * OC + r] - want), tol = gamma_n(C + 2) * mag;
            if (err > tol) bad++;
            if (err / tol > worst) worst = err / tol;
        }
    CHECK_MSG(bad == 0, "matmul %s T=%lld C=%lld OC=%lld threads=%d round %d int %d: %d of %lld "
              "outside the bound (worst %.2f x bound)", tr->name, (long long)T, (long long)C,
              (long long)OC, n_threads, round_act, int_path, bad, (long long)(T * OC), worst);
    free(xq);
    /* batch invariance: row by row on one thread gives the same bits */
    l4a_pool *one = l4a_pool_new(1);
    float *row = malloc(sizeof(float) * (size_t)OC);
    int diff = 0;
    for (int64_t t = 0; t < T; t++) {
        l4a_matmul_forward(one, row, x + t * C, &w, with_bias ? bias : NULL, 1, round_act, scratch);
        diff += memcmp(row, out + t * OC, sizeof(float) * (size_t)OC) != 0;
    }
    CHECK_MSG(diff == 0, "matmul %s T=%lld int %d: %d rows differ from the same row alone",
              tr->name, (long long)T, int_path, diff);
    l4a_matmul_set_int_path(true);
    free(row);
    l4a_pool_free(one);
    l4a_free_aligned(scratch);
    l4a_pool_free(pool);
    free(wf); free(wd); free(wq); free(x); free(xr); free(out); free(bias);
}

static void check_matmul(uint32_t type, int64_t T, int64_t C, int64_t OC, int n_threads,
                         bool with_bias, bool round_act) {
    check_matmul_path(type, T, C, OC, n_threads, with_bias, round_act, false);
    /* the integer path runs for rounded activations of types with SIMD dot products */
    const l4a_vecdot *vd = l4a_vecdot_get(type);
    if (round_act && l4a_act_rounding_of(type) != L4A_ACT_ROUND_NONE && vd &&
        strcmp(vd->isa, "ref") != 0)
        check_matmul_path(type, T, C, OC, n_threads, with_bias, round_act, true);
}

static void check_matmul_x4(uint32_t type, int64_t C, int64_t OC) {
    const l4a_type_traits *tr = l4a_type_traits_of(type);
    const int64_t Ts[] = {1, 3, 20}, Tmax = 20;
    uint64_t rb = 0;
    if (!CHECK(l4a_row_size(type, C, &rb))) return;
    const size_t wbytes = (size_t)(rb * (uint64_t)OC);
    float *wf = malloc(sizeof(float) * (size_t)(OC * C));
    float *x = malloc(sizeof(float) * (size_t)(Tmax * C));
    float *bias = malloc(sizeof(float) * (size_t)OC);
    float *o1 = malloc(sizeof(float) * (size_t)(Tmax * OC));
    float *o2 = malloc(sizeof(float) * (size_t)(Tmax * OC));
    float *row1 = malloc(sizeof(float) * (size_t)C), *row2 = malloc(sizeof(float) * (size_t)C);
    uint8_t *wq = malloc(wbytes), *wp = malloc(wbytes), *rows4 = malloc((size_t)(4 * rb));
    fill(wf, OC * C, 1.0f);
    fill(x, Tmax * C, 1.0f);
    fill(bias, OC, 1.0f);
    for (int64_t r = 0; r < OC; r++) tr->from_float(wf + r * C, wq + r * rb, C);
    for (int64_t g = 0; g < OC; g += 4) l4a_x4_pack(type, C, wq + g * rb, (size_t)rb, wp + g * rb);
    const l4a_tensor w = {.name = "w", .type = type, .n_dims = 2, .ne = {C, OC, 1, 1},
                          .nb = {tr->type_size, rb, rb * (uint64_t)OC, rb * (uint64_t)OC},
                          .data = wq, .n_bytes = rb * (uint64_t)OC};
    l4a_tensor w4 = w;
    w4.data = wp;
    w4.layout = L4A_LAYOUT_X4;
    /* rows looked up one at a time (a tied embedding table), dequantized */
    int bad_rows = 0;
    for (int64_t r = 0; r < OC; r++) {
        tr->to_float(wq + r * rb, row1, C);
        l4a_weight_row_f32(&w4, r, row2, rows4);
        bad_rows += memcmp(row1, row2, sizeof(float) * (size_t)C) != 0;
        l4a_weight_row_f32(&w, r, row2, rows4);
        bad_rows += memcmp(row1, row2, sizeof(float) * (size_t)C) != 0;
    }
    CHECK_MSG(bad_rows == 0, "%s C=%lld: %d rows looked up wrong", tr->name, (long long)C,
              bad_rows);
    for (int th = 1; th <= 2; th++) {
        l4a_pool *pool = l4a_pool_new(th);
        float *scratch = l4a_malloc_aligned(sizeof(float) * l4a_matmul_scratch_floats(C, Tmax, th));
        for (int ip = 0; ip < 2; ip++)
            for (int it = 0; it < 3; it++) {
                const int64_t T = Ts[it];
                l4a_matmul_set_int_path(ip == 0);
                memset(o2, 0xA5, sizeof(float) * (size_t)(T * OC));
                l4a_matmul_forward(pool, o1, x, &w, bias, T, true, scratch);
                l4a_matmul_forward(pool, o2, x, &w4, bias, T, true, scratch);
                CHECK_MSG(memcmp(o1, o2, sizeof(float) * (size_t)(T * OC)) == 0,
                          "x4 %s matmul C=%lld OC=%lld T=%lld threads=%d int %d: differs from "
                          "the file layout", tr->name, (long long)C, (long long)OC,
                          (long long)T, th, ip == 0);
            }
        l4a_matmul_set_int_path(true);
        l4a_free_aligned(scratch);
        l4a_pool_free(pool);
    }
    free(wf); free(x); free(bias); free(o1); free(o2); free(row1); free(row2);
    free(wq); free(wp); free(rows4);
}

/* A weight repacked four rows at a time (quant/x4.h, the layout models/repack.c gives Q4_K,
 * Q6_K and Q4_0 matrices) multiplies to the same bits as the file's layout, on every path: the
 * x4 kernel (T = 1, and T = 3 token by token), the gemm on unpacked tiles (T = 20; where the
 * gemm is not used, the tile kernels on unpacked tiles: on x86 every level with x4 kernels has
 * a gemm for those types, so this machine's runs take the gemm), the float path (integer path
 * off); OC = 36 ends on a partial tile. Its rows, looked up one at a time, are the file's. */
static void test_matmul_x4(void) {
    const uint32_t types[] = {L4A_TYPE_Q4_K, L4A_TYPE_Q6_K, L4A_TYPE_Q4_0};
    for (int k = 0; k < 3; k++) {
        CHECK(l4a_x4_has_layout(types[k]));
        for (int64_t C = 256; C <= 768; C += 512)
            for (int64_t OC = 16; OC <= 36; OC += 20) check_matmul_x4(types[k], C, OC);
    }
    check_matmul_x4(L4A_TYPE_Q4_0, 224, 20);    /* 7 blocks: the last one alone */
}

static void test_matmul(void) {
    /* Say which types have the integer path here (the rest use the float path only). */
    printf("integer matmul path (%s):", l4a_vecdot_isa());
    for (uint32_t t = 0; t < L4A_TYPE_COUNT; t++) {
        const l4a_vecdot *vd = l4a_vecdot_get(t);
        if (vd && strcmp(vd->isa, "ref") != 0 && l4a_act_rounding_of(t) != L4A_ACT_ROUND_NONE)
            printf(" %s", l4a_type_traits_of(t)->name);
    }
    printf("\n");

    static const uint32_t types[] = {
        L4A_TYPE_F32, L4A_TYPE_F16, L4A_TYPE_BF16, L4A_TYPE_Q4_0, L4A_TYPE_Q4_1, L4A_TYPE_Q5_0,
        L4A_TYPE_Q5_1, L4A_TYPE_Q8_0, L4A_TYPE_Q2_K, L4A_TYPE_Q3_K, L4A_TYPE_Q4_K,
        L4A_TYPE_Q5_K, L4A_TYPE_Q6_K, L4A_TYPE_Q8_K,
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const l4a_type_traits *tr = l4a_type_traits_of(types[i]);
        if (!CHECK(tr != NULL)) continue;
        /* C: two blocks (or 40 elements for the plain types: not a multiple of the lanes) */
        const int64_t C = tr->blck_size == 1 ? 40 : 2 * tr->blck_size;
        check_matmul(types[i], 1, C, 37, 2, false, true);   /* decode */
        check_matmul(types[i], 7, C, 37, 2, true, true);    /* 4x4 blocks + row and token tails */
        check_matmul(types[i], 7, C, 37, 2, true, false);   /* x as is */
        check_matmul(types[i], 4, C, 16, 3, false, true);   /* exact blocks; an idle thread */
        check_matmul(types[i], 2, C, 3, 3, true, false);    /* fewer rows than a block */
    }
    check_matmul(L4A_TYPE_F32, 19, 33, 70, 2, true, true);  /* in-place F32 rows, odd C */
    check_matmul(L4A_TYPE_Q8_0, 33, 96, 45, 1, true, true); /* one thread, T past 32 */
    /* batches of 16 and more: the AMX products where the CPU has them (odd block count, a
     * partial group of tokens, a partial panel of rows) */
    check_matmul(L4A_TYPE_Q4_0, 37, 160, 45, 2, true, true);
    check_matmul(L4A_TYPE_Q8_0, 16, 64, 21, 2, false, true);
    check_matmul(L4A_TYPE_Q4_K, 20, 512, 19, 2, true, true);
    check_matmul(L4A_TYPE_Q6_K, 17, 256, 18, 2, false, true);
}

/* Several weights sharing x in one call (l4a_matmul_forward_n) give, bit for bit, the
 * results of separate calls: same types (x prepared once) and mixed grids (Q8_K, Q8_0 and
 * F32: prepared per weight), with and without rounding. */
static void test_matmul_n(void) {
    const uint32_t types[3][3] = {{L4A_TYPE_Q4_K, L4A_TYPE_Q4_K, L4A_TYPE_Q6_K},
                                  {L4A_TYPE_Q4_K, L4A_TYPE_Q8_0, L4A_TYPE_F32},
                                  {L4A_TYPE_Q5_0, L4A_TYPE_Q5_0, L4A_TYPE_Q8_0}};
    const int64_t C = 256, T = 5, OC[3] = {40, 16, 23};
    float x[5 * 256], wf[40 * 256], bias[40];
    fill(x, T * C, 1.0f);
    fill(bias, 40, 1.0f);
    l4a_pool *pool = l4a_pool_new(2);
    float *scratch = l4a_malloc_aligned(sizeof(float) * l4a_matmul_scratch_floats(C, T, 2));
    for (int set = 0; set < 3; set++)
        for (int round = 0; round < 2; round++) {
            l4a_tensor w[3];
            uint8_t *data[3];
            float *out[3], *sep[3];
            l4a_matmul_op ops[3];
            for (int i = 0; i < 3; i++) {
                const l4a_type_traits *tr = l4a_type_traits_of(types[set][i]);
                uint64_t rb = 0;
                l4a_row_size(types[set][i], C, &rb);
                data[i] = malloc(rb * (uint64_t)OC[i]);
                fill(wf, OC[i] * C, 1.0f);
                for (int64_t r = 0; r < OC[i]; r++) tr->from_float(wf + r * C, data[i] + r * rb, C);
                w[i] = (l4a_tensor){.name = "w", .type = types[set][i], .n_dims = 2,
                                    .ne = {C, OC[i], 1, 1}, .nb = {tr->type_size, rb, rb * OC[i],
                                    rb * OC[i]}, .data = data[i], .n_bytes = rb * OC[i]};
                out[i] = malloc(sizeof(float) * (size_t)(T * OC[i]));
                sep[i] = malloc(sizeof(float) * (size_t)(T * OC[i]));
                ops[i] = (l4a_matmul_op){.out = out[i], .w = &w[i], .bias = i == 1 ? bias : NULL};
                l4a_matmul_forward(pool, sep[i], x, &w[i], ops[i].bias, T, round, scratch);
            }
            l4a_matmul_forward_n(pool, ops, 3, x, T, round, scratch);
            int diff = 0;
            for (int i = 0; i < 3; i++) {
                diff += memcmp(out[i], sep[i], sizeof(float) * (size_t)(T * OC[i])) != 0;
                free(data[i]);
                free(out[i]);
                free(sep[i]);
            }
            CHECK_MSG(diff == 0, "matmul_forward_n set %d round %d: %d outputs differ", set, round,
                      diff);
        }
    l4a_free_aligned(scratch);
    l4a_pool_free(pool);
}

/* ---------------------------------------------------------------- activation rounding */

/* The grids of actround.c, checked against their definitions in double precision. */
static void test_act_round(void) {
    enum { N = 512 };
    float x[N], y[N];
    fill(x, N, 3.0f);
    x[5] = 0.0f;
    x[300] = -40.0f;                        /* a block dominated by a negative value */
    for (int i = 64; i < 96; i++) x[i] = 0; /* an all-zero block */
    /* Q8_0 grid: blocks of 32, step d = f16(max|x| / 127), |q| <= 127, nearest point */
    l4a_act_round(y, x, N, L4A_ACT_ROUND_Q8_0);
    int bad = 0;
    for (int b = 0; b < N; b += 32) {
        double amax = 0;
        for (int j = 0; j < 32; j++) amax = fmax(amax, fabs(x[b + j]));
        const double d = l4a_f16_to_f32(l4a_f32_to_f16((float)(amax / 127)));
        for (int j = 0; j < 32; j++) {
            const double q = d > 0 ? y[b + j] / d : 0;
            bad += d > 0 ? (fabs(q - nearbyint(q)) > 1e-4 || fabs(q) > 127.5 ||
                            fabs(nearbyint(q) - x[b + j] * 127 / amax) > 0.5 + 1e-4)
                         : y[b + j] != 0;
        }
    }
    CHECK_MSG(bad == 0, "Q8_0 activation grid: %d wrong", bad);
    /* Q8_K grid: blocks of 256, step max|x| / 127 in float, q <= 127 */
    l4a_act_round(y, x, N, L4A_ACT_ROUND_Q8_K);
    bad = 0;
    for (int b = 0; b < N; b += 256) {
        double amax = 0;
        for (int j = 0; j < 256; j++) amax = fmax(amax, fabs(x[b + j]));
        const double d = amax / 127;
        for (int j = 0; j < 256; j++) {
            const double q = y[b + j] / d;
            bad += fabs(q - nearbyint(q)) > 1e-3 || q > 127.001 || q < -127.001 ||
                   fabs(y[b + j] - x[b + j]) > d / 2 * (1 + 1e-5);
        }
    }
    CHECK_MSG(bad == 0, "Q8_K activation grid: %d wrong", bad);
    l4a_act_round(y, x, N, L4A_ACT_ROUND_F16);
    bad = 0;
    for (int i = 0; i < N; i++) bad += y[i] != l4a_f16_to_f32(l4a_f32_to_f16(x[i]));
    l4a_act_round(y, x, N, L4A_ACT_ROUND_BF16);
    for (int i = 0; i < N; i++) bad += y[i] != l4a_bf16_to_f32(l4a_f32_to_bf16(x[i]));
    l4a_act_round(y, x, N, L4A_ACT_ROUND_NONE);
    for (int i = 0; i < N; i++) bad += y[i] != x[i];
    CHECK_MSG(bad == 0, "16-bit / no rounding: %d wrong", bad);
    CHECK(l4a_act_rounding_of(L4A_TYPE_Q4_1) == L4A_ACT_ROUND_Q8_0);
    CHECK(l4a_act_rounding_of(L4A_TYPE_Q6_K) == L4A_ACT_ROUND_Q8_K);
    CHECK(l4a_act_rounding_of(L4A_TYPE_F32) == L4A_ACT_ROUND_NONE);
}

/* ---------------------------------------------------------------- norm, rope, softmax */

static void test_rmsnorm(void) {
    const int64_t T = 3, C = 37;
    float x[3 * 37], w[37], out[3 * 37];
    fill(x, T * C, 3.0f);
    fill(w, C, 2.0f);
    for (int pass = 0; pass < 2; pass++) {
        const float *wp = pass ? w : NULL;
        l4a_rmsnorm_forward(out, x, wp, T, C, 1e-5f);
        int bad = 0;
        for (int64_t t = 0; t < T; t++) {
            double ss = 0;
            for (int64_t c = 0; c < C; c++) ss += (double)x[t * C + c] * x[t * C + c];
            double inv = 1.0 / sqrt(ss / C + 1e-5);
            for (int64_t c = 0; c < C; c++) {
                double want = x[t * C + c] * inv * (wp ? wp[c] : 1.0);
                bad += !near(out[t * C + c], want, 1e-6, 1e-7);
            }
        }
        CHECK_MSG(bad == 0, "rmsnorm (weight %d): %d wrong", pass, bad);
    }
    /* in place gives the same */
    float y[3 * 37];
    memcpy(y, x, sizeof y);
    l4a_rmsnorm_forward(y, y, w, T, C, 1e-5f);
    l4a_rmsnorm_forward(out, x, w, T, C, 1e-5f);
    CHECK(memcmp(y, out, sizeof y) == 0);
}

static void test_rope(void) {
    const int64_t T = 5, H = 3, D = 12;
    const int64_t pos0 = 1000;
    float ff[5] = {1.0f, 2.0f, 1.0f, 8.0f, 1.5f};
    for (int style = 0; style < 2; style++)
        for (int64_t n_rot = 6; n_rot <= 10; n_rot += 4) {      /* partial rotation */
            float x[5 * 3 * 12], y[5 * 3 * 12], cs[5 * 5 * 2];
            fill(x, T * H * D, 2.0f);
            memcpy(y, x, sizeof x);
            const float base = 10000.0f, scale = 0.25f;
            const float *ffp = n_rot == 10 ? ff : NULL;
            l4a_rope_table(cs, pos0, T, n_rot, base, scale, ffp);
            l4a_rope_forward(y, cs, T, H, D, n_rot, (l4a_rope_style)style);
            int bad = 0;
            for (int64_t t = 0; t < T; t++)
                for (int64_t h = 0; h < H; h++) {
                    const float *xi = x + (t * H + h) * D;
                    const float *yi = y + (t * H + h) * D;
                    double want[12];
                    for (int64_t d = 0; d < D; d++) want[d] = xi[d];
                    for (int64_t i = 0; i < n_rot / 2; i++) {
                        double th = (double)(pos0 + t) * scale * pow(base, -2.0 * i / n_rot);
                        if (ffp) th /= ffp[i];
                        int64_t ia = style == L4A_ROPE_NEOX ? i : 2 * i;
                        int64_t ib = style == L4A_ROPE_NEOX ? i + n_rot / 2 : 2 * i + 1;
                        want[ia] = xi[ia] * cos(th) - xi[ib] * sin(th);
                        want[ib] = xi[ia] * sin(th) + xi[ib] * cos(th);
                    }
                    /* the table holds cos and sin of the double-precision angle rounded to
                     * float; the two products and the sum add three roundings */
                    for (int64_t d = 0; d < D; d++) bad += !near(yi[d], want[d], 1e-6, 1e-6);
                }
            CHECK_MSG(bad == 0, "rope style %d n_rot %lld: %d wrong", style, (long long)n_rot, bad);
        }
}

static void test_softmax(void) {
    float x[11] = {1000.0f, -1000.0f, 3.0f, 999.5f, 0.0f, -2.0f,
                   1000.0f, 7.0f,     998.0f, -50.0f, 1.0f};
    double want[11], mx = -INFINITY, sum = 0;
    for (int i = 0; i < 11; i++) mx = fmax(mx, x[i]);
    for (int i = 0; i < 11; i++) sum += exp(x[i] - mx);
    for (int i = 0; i < 11; i++) want[i] = exp(x[i] - mx) / sum;
    l4a_softmax_forward(x, 11);
    int bad = 0;
    double total = 0;
    for (int i = 0; i < 11; i++) {
        bad += !near(x[i], want[i], 1e-6, 1e-30);
        total += x[i];
    }
    CHECK_MSG(bad == 0, "softmax with large values: %d wrong", bad);
    CHECK_NEAR(total, 1.0, 1e-6);
    float one = -5.0f;
    l4a_softmax_forward(&one, 1);
    CHECK(one == 1.0f);
}

/* ---------------------------------------------------------------- attention */

/* round: the F16-cache rounding of ggml (q and the probabilities to f16 before their products);
 * the reference rounds the same values. A probability computed in float and in double could
 * in principle round to neighbouring f16 values (an error up to 2^-11 |v|); on this fixed data
 * none does, so the bound stays that of the float sums. */
static void check_attention_r(int64_t T, int64_t pos0, int64_t H, int64_t HKV, int64_t DK,
                              int64_t DV, int64_t window, uint32_t kv_type, int n_threads,
                              bool round) {
    const int64_t S = pos0 + T;
    const size_t esz = kv_type == L4A_TYPE_F16 ? 2 : 4;
    float *q = malloc(sizeof(float) * (size_t)(T * H * DK));
    float *kf = malloc(sizeof(float) * (size_t)(S * HKV * DK));
    float *vf = malloc(sizeof(float) * (size_t)(S * HKV * DV));
    uint8_t *kc = malloc(esz * (size_t)(S * HKV * DK));
    uint8_t *vc = malloc(esz * (size_t)(S * HKV * DV));
    float *out = malloc(sizeof(float) * (size_t)(T * H * DV));
    const int64_t stride = l4a_attn_scratch_floats(H, HKV, S, DK);
    float *scratch = malloc(sizeof(float) * (size_t)(n_threads * stride));
    fill(q, T * H * DK, 1.0f);
    fill(kf, S * HKV * DK, 1.0f);
    fill(vf, S * HKV * DV, 1.0f);
    for (int64_t s = 0; s < S; s++) {
        l4a_kv_store(kc + (size_t)(s * HKV * DK) * esz, kv_type, kf + s * HKV * DK, HKV * DK);
        l4a_kv_store(vc + (size_t)(s * HKV * DV) * esz, kv_type, vf + s * HKV * DV, HKV * DV);
    }
    /* the reference reads what the cache holds (f16-rounded for an F16 cache) */
    float *kr = malloc(sizeof(float) * (size_t)(S * HKV * DK));
    float *vr = malloc(sizeof(float) * (size_t)(S * HKV * DV));
    for (int64_t i = 0; i < S * HKV * DK; i++)
        kr[i] = esz == 2 ? l4a_f16_to_f32(((uint16_t *)kc)[i]) : kf[i];
    for (int64_t i = 0; i < S * HKV * DV; i++)
        vr[i] = esz == 2 ? l4a_f16_to_f32(((uint16_t *)vc)[i]) : vf[i];
    const float scale = 1.0f / sqrtf((float)DK);
    l4a_pool *pool = l4a_pool_new(n_threads);
    float *kvf = malloc(sizeof(float) * (size_t)(S * HKV * (DK + DV)));
    l4a_attn_args a = {.out = out, .q = q, .k = kc, .v = vc, .kv_type = kv_type, .T = T, .H = H,
                       .kv_f32 = kvf, .kv_f32_v = S * HKV * DK,
                       .HKV = HKV, .DK = DK, .DV = DV, .pos0 = pos0, .window = window,
                       .scale = scale, .round_f16 = round, .scratch = scratch,
                       .scratch_stride = stride};
    l4a_attention_forward(pool, &a);
    int bad = 0;
    double *p = malloc(sizeof(double) * (size_t)S);
    for (int64_t t = 0; t < T; t++)
        for (int64_t h = 0; h < H; h++) {
            const int64_t g = h / (H / HKV), pos = pos0 + t;
            double mx = -INFINITY, sum = 0;
            for (int64_t j = 0; j <= pos; j++) {
                bool in = window <= 0 || pos - j < window;
                double s = 0;
                for (int64_t d = 0; d < DK; d++) {
                    double qd = q[(t * H + h) * DK + d];
                    if (round) qd = l4a_f16_to_f32(l4a_f32_to_f16((float)qd));
                    s += qd * kr[(j * HKV + g) * DK + d];
                }
                p[j] = in ? s * scale : -INFINITY;
                mx = fmax(mx, p[j]);
            }
            for (int64_t j = 0; j <= pos; j++) sum += (p[j] = exp(p[j] - mx));
            for (int64_t j = 0; j <= pos; j++) {
                p[j] /= sum;
                if (round) p[j] = l4a_f16_to_f32(l4a_f32_to_f16((float)p[j]));
            }
            for (int64_t d = 0; d < DV; d++) {
                double want = 0;
                for (int64_t j = 0; j <= pos; j++) want += p[j] * vr[(j * HKV + g) * DV + d];
                /* scores: |q.k| <= DK, rounding gamma_DK * DK absolute, times the softmax's
                 * sensitivity (1) and the |v| <= 1 weights: 1e-5 absolute covers DK <= 64 */
                bad += !near(out[(t * H + h) * DV + d], want, 0, 1e-5);
            }
        }
    CHECK_MSG(bad == 0, "attention T=%lld pos0=%lld H=%lld HKV=%lld DK=%lld DV=%lld window=%lld "
              "%s threads=%d round %d: %d wrong", (long long)T, (long long)pos0, (long long)H,
              (long long)HKV, (long long)DK, (long long)DV, (long long)window,
              kv_type == L4A_TYPE_F16 ? "F16" : "F32", n_threads, round, bad);
    l4a_pool_free(pool);
    free(p); free(q); free(kf); free(vf); free(kc); free(vc); free(kr); free(vr); free(out);
    free(kvf);
    free(scratch);
}

static void check_attention(int64_t T, int64_t pos0, int64_t H, int64_t HKV, int64_t DK,
                            int64_t DV, int64_t window, uint32_t kv_type, int n_threads) {
    check_attention_r(T, pos0, H, HKV, DK, DV, window, kv_type, n_threads, false);
    if (kv_type == L4A_TYPE_F16)
        check_attention_r(T, pos0, H, HKV, DK, DV, window, kv_type, n_threads, true);
}

static void test_attention(void) {
    check_attention(5, 3, 6, 2, 16, 16, 0, L4A_TYPE_F32, 2);   /* GQA */
    check_attention(5, 3, 6, 2, 16, 16, 0, L4A_TYPE_F16, 2);
    check_attention(1, 9, 4, 1, 24, 8, 0, L4A_TYPE_F16, 3);    /* MQA, decode, DK != DV */
    check_attention(7, 0, 3, 3, 9, 9, 0, L4A_TYPE_F32, 1);     /* MHA, odd head size */
    check_attention(9, 4, 4, 2, 16, 16, 3, L4A_TYPE_F16, 2);   /* sliding window of 3 */
    check_attention(3, 10, 2, 1, 32, 32, 1, L4A_TYPE_F32, 2);  /* window 1: itself only */
    check_attention(6, 0, 2, 2, 8, 8, 100, L4A_TYPE_F32, 2);   /* window past the start */
}

/* ---------------------------------------------------------------- activations */

static void test_activations(void) {
    enum { N = 101 };
    float g[N], u[N], o[N];
    fill(g, N, 8.0f);
    fill(u, N, 2.0f);
    g[0] = -90.0f;      /* exp overflow side */
    g[1] = 90.0f;
    l4a_swiglu_forward(o, g, u, N);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        double want = g[i] / (1.0 + exp(-(double)g[i])) * u[i];
        bad += !near(o[i], want, 1e-6, 1e-7);
    }
    CHECK_MSG(bad == 0, "swiglu: %d wrong", bad);
    l4a_geglu_forward(o, g, u, N);
    bad = 0;
    for (int i = 0; i < N; i++) {
        double x = g[i];
        double want = 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))) * u[i];
        bad += !near(o[i], want, 1e-6, 1e-6);
    }
    CHECK_MSG(bad == 0, "geglu: %d wrong", bad);
    /* a sweep over [-100, 100] (steps of 1/64: both tails, the clamp of the exp at -87 and
     * 88, and the lane tails of n = 12801), with the tolerances above: the exp of
     * activation.c is within a few ulp, far below 1e-6 relative */
    {
        enum { NS = 12801 };
        float *sg = malloc(sizeof(float) * NS), *su = malloc(sizeof(float) * NS),
              *so = malloc(sizeof(float) * NS);
        for (int i = 0; i < NS; i++) {
            sg[i] = -100.0f + (float)i / 64.0f;
            su[i] = 1.0f;
        }
        int bs = 0, bg = 0;
        l4a_swiglu_forward(so, sg, su, NS);
        for (int i = 0; i < NS; i++) bs += !near(so[i], sg[i] / (1.0 + exp(-(double)sg[i])), 1e-6, 1e-7);
        l4a_geglu_forward(so, sg, su, NS);
        for (int i = 0; i < NS; i++) {
            const double x = sg[i];
            bg += !near(so[i], 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))),
                        1e-6, 1e-6);
        }
        CHECK_MSG(bs == 0 && bg == 0, "activation sweep: swiglu %d, geglu %d wrong", bs, bg);
        free(sg);
        free(su);
        free(so);
    }
    l4a_add_forward(o, g, u, N);
    bad = 0;
    for (int i = 0; i < N; i++) bad += o[i] != g[i] + u[i];
    CHECK(bad == 0);
    memcpy(o, g, sizeof o);
    l4a_scale_forward(o, 0.5f, N);
    bad = 0;
    for (int i = 0; i < N; i++) bad += o[i] != g[i] * 0.5f;
    CHECK(bad == 0);
}

int main(void) {
    test_vec();
    test_vec_blocked();
    test_matmul();
    test_matmul_n();
    test_matmul_x4();
    test_act_round();
    test_rmsnorm();
    test_rope();
    test_softmax();
    test_attention();
    test_activations();
    return l4a_test_summary("test_kernels");
}
