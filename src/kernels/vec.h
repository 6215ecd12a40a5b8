/*
 * vec.h - the float vector primitives under the kernels: the matmul's float dot-product
 * blocks, f16 conversions, a vectorizable exp (attention's rows: kernels/attn_rows.h).
 *
 * Plain C written so that GCC vectorizes it: sums are kept in groups of L4A_VEC_LANES
 * independent lanes (summing lane by lane needs no reassociation, so no -ffast-math; the
 * lanes are summed in a fixed order at the end), each lane group in its own named array so
 * that the compiler keeps it in a register. On x86-64 with GCC each function is compiled three
 * times (AVX-512, AVX2+FMA+F16C, baseline) and the loader picks one for the CPU
 * (target_clones). a*b+c is not contracted to an FMA (ISO C mode): every product and sum is
 * rounded as written, so the compiler's choice of vectorization cannot change a result. Not
 * hand-written SIMD: that comes later, with the same signatures, tested against these.
 */
#ifndef L4A_KERNELS_VEC_H
#define L4A_KERNELS_VEC_H

#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) &&  \
    !defined(L4A_NO_CLONES)
#define L4A_VEC_FN                                                                             \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define L4A_VEC_FN
#endif

/* Lanes per partial-sum group: 8 floats, one AVX2 register (measured faster than 16 with
 * AVX2, within 7% of 16 with AVX-512, in the 4x4 block below). */
#define L4A_VEC_LANES 8

/* e^x in float, written so that the compiler vectorizes a loop calling it (libm's expf is a
 * call per value): e^x = 2^n e^r with n = round(x / ln 2), r = x - n ln 2 (ln 2 in two parts,
 * fused), e^r by its degree-7 Taylor polynomial on |r| <= ln 2 / 2 (truncation below 2^-27
 * relative), 2^n put in the exponent bits. x is clamped to [-87, 88], where e^x is a normal
 * float: e^-87 ~ 1.6e-38 stands for anything smaller (0 included), e^88 ~ 1.7e38 for anything
 * larger. A NaN gives an unspecified value. Error: a few ulp (libm: below 1). */
static inline float l4a_exp_approx(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* round to nearest by the 1.5 * 2^23 trick (|x / ln 2| < 2^22): vectorizes, unlike
     * nearbyintf at -O2 */
    const float big = 12582912.0f;
    const float n = (x * 1.44269504088896341f + big) - big;
    float r = __builtin_fmaf(n, -0.693145751953125f, x);         /* ln 2 high part: 16 bits */
    r = __builtin_fmaf(n, -1.428606765330187e-06f, r);           /* ln 2 - high part */
    float p = 1.0f / 5040.0f;
    p = __builtin_fmaf(p, r, 1.0f / 720.0f);
    p = __builtin_fmaf(p, r, 1.0f / 120.0f);
    p = __builtin_fmaf(p, r, 1.0f / 24.0f);
    p = __builtin_fmaf(p, r, 1.0f / 6.0f);
    p = __builtin_fmaf(p, r, 0.5f);
    p = __builtin_fmaf(p, r, 1.0f);
    p = __builtin_fmaf(p, r, 1.0f);
    const int32_t e = ((int32_t)n + 127) * (1 << 23);            /* 2^n, n in -126 .. 127 */
    float s;
    __builtin_memcpy(&s, &e, sizeof s);
    return p * s;
}

/* x[i] = float(binary16(x[i])): rounded to the nearest f16, as l4a_f32_to_f16 rounds. */
void l4a_vec_round_f16(float *x, int64_t n);

/* h[i] = binary16(x[i]), rounded to nearest even. */
void l4a_vec_f32_to_f16(uint16_t *h, const float *x, int64_t n);
/* x[i] = float(h[i]). */
void l4a_vec_f16_to_f32(float *x, const uint16_t *h, int64_t n);

/* The matmul's blocks. All three sum in the same order (see vec.c), so each result is the
 * same whichever block computes it. sum_i w[i] * x[i]: */
float l4a_vec_dot_1x1(const float *w, const float *x, int64_t n);
/* The four sums of one x row (n floats) with four rows w_0..w_3 (row stride ws floats):
 * out[r] = sum_i w_r[i] * x[i]. */
void l4a_vec_dot_1x4(const float *w, int64_t ws, const float *x, int64_t n, float out[4]);
/* The 4x4 sums of four x rows (stride xs) with four w rows (stride ws):
 * out[j*4 + r] = sum_i w_r[i] * x_j[i]. The matmul's inner block: each loaded value is used
 * four times, so it runs at the FPU's speed rather than the cache's. */
void l4a_vec_dot_4x4(const float *w, int64_t ws, const float *x, int64_t xs, int64_t n,
                     float out[16]);

#endif
