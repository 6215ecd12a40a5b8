/*
 * vec.c - float vector primitives (see vec.h for the scheme: lane groups, target clones).
 *
 * Binary16 values are converted with the C type _Float16 where the compiler has it (GCC and
 * Clang on x86-64 and AArch64): with F16C or AVX-512 that becomes one vector instruction per
 * 8 or 16 values. Elsewhere the exact scalar conversions of tensor/types.c are used.
 */
#include "kernels/vec.h"
#include "tensor/tensor.h"

#include <math.h>
#include <string.h>

#define L L4A_VEC_LANES

#if defined(__FLT16_MAX__)
typedef _Float16 l4a_half;
static inline float half_to_float(const uint16_t *h, int64_t i) {
    return (float)((const l4a_half *)h)[i];
}
static inline void float_to_half(uint16_t *h, int64_t i, float x) {
    ((l4a_half *)h)[i] = (l4a_half)x;
}
#else
static inline float half_to_float(const uint16_t *h, int64_t i) { return l4a_f16_to_f32(h[i]); }
static inline void float_to_half(uint16_t *h, int64_t i, float x) { h[i] = l4a_f32_to_f16(x); }
#endif

/* The loops below step by whole lane groups (GCC at -O2 vectorizes a loop of known trip
 * count, not one with an unknown remainder), then finish element by element. */

L4A_VEC_FN
void l4a_vec_f32_to_f16(uint16_t *restrict h, const float *restrict x, int64_t n) {
    int64_t i = 0;
    for (; i + L <= n; i += L)
        for (int l = 0; l < L; l++) float_to_half(h, i + l, x[i + l]);
    for (; i < n; i++) float_to_half(h, i, x[i]);
}

L4A_VEC_FN
void l4a_vec_f16_to_f32(float *restrict x, const uint16_t *restrict h, int64_t n) {
    int64_t i = 0;
    for (; i + L <= n; i += L)
        for (int l = 0; l < L; l++) x[i + l] = half_to_float(h, i + l);
    for (; i < n; i++) x[i] = half_to_float(h, i);
}

void l4a_vec_round_f16(float *x, int64_t n) {
    uint16_t h[256];
    for (int64_t i = 0; i < n; i += 256) {
        const int64_t m = n - i < 256 ? n - i : 256;
        l4a_vec_f32_to_f16(h, x + i, m);
        l4a_vec_f16_to_f32(x + i, h, m);
    }
}

/* The matmul's three block shapes (1x1, 1x4, 4x4) compute every sum in the same order: one
 * group of L lanes over the multiple-of-L part, the lanes added in order, then the tail
 * element by element. So a result does not depend on which block computed it: a batch gives
 * bit for bit the logits of the same tokens decoded one at a time. */

L4A_VEC_FN
float l4a_vec_dot_1x1(const float *w, const float *x, int64_t n) {
    float s0[L] = {0};
    int64_t i = 0;
    for (; i + L <= n; i += L)
        for (int l = 0; l < L; l++) s0[l] = fmaf(w[i + l], x[i + l], s0[l]);
    float r = 0.0f;
    for (int l = 0; l < L; l++) r += s0[l];
    for (; i < n; i++) r = fmaf(w[i], x[i], r);
    return r;
}

L4A_VEC_FN
void l4a_vec_dot_1x4(const float *w, int64_t ws, const float *x, int64_t n, float out[4]) {
    const float *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    float s0[L] = {0}, s1[L] = {0}, s2[L] = {0}, s3[L] = {0};
    int64_t i = 0;
    for (; i + L <= n; i += L) {
        for (int l = 0; l < L; l++) s0[l] = fmaf(w0[i + l], x[i + l], s0[l]);
        for (int l = 0; l < L; l++) s1[l] = fmaf(w1[i + l], x[i + l], s1[l]);
        for (int l = 0; l < L; l++) s2[l] = fmaf(w2[i + l], x[i + l], s2[l]);
        for (int l = 0; l < L; l++) s3[l] = fmaf(w3[i + l], x[i + l], s3[l]);
    }
    float r0 = 0, r1 = 0, r2 = 0, r3 = 0;
    for (int l = 0; l < L; l++) {
        r0 += s0[l];
        r1 += s1[l];
        r2 += s2[l];
        r3 += s3[l];
    }
    for (; i < n; i++) {
        r0 = fmaf(w0[i], x[i], r0);
        r1 = fmaf(w1[i], x[i], r1);
        r2 = fmaf(w2[i], x[i], r2);
        r3 = fmaf(w3[i], x[i], r3);
    }
    out[0] = r0;
    out[1] = r1;
    out[2] = r2;
    out[3] = r3;
}

/* The 16 lane groups are spelled out (one named array each) so that GCC keeps all of them in
 * registers; a 3-D accumulator array ends up in memory and runs at half the speed. */
#define DECL(r, j) float a##r##j[L] = {0};
#define STEP(r, j)                                                                             \
    for (int l = 0; l < L; l++) a##r##j[l] = fmaf(w##r[i + l], x##j[i + l], a##r##j[l]);
#define REDUCE(r, j)                                                                           \
    {                                                                                          \
        float s = 0.0f;                                                                        \
        for (int l = 0; l < L; l++) s += a##r##j[l];                                           \
        out[(j) * 4 + (r)] = s;                                                                \
    }
#define EACH(M)                                                                                \
    M(0, 0) M(0, 1) M(0, 2) M(0, 3) M(1, 0) M(1, 1) M(1, 2) M(1, 3)                            \
    M(2, 0) M(2, 1) M(2, 2) M(2, 3) M(3, 0) M(3, 1) M(3, 2) M(3, 3)

L4A_VEC_FN
void l4a_vec_dot_4x4(const float *w, int64_t ws, const float *x, int64_t xs, int64_t n,
                     float out[16]) {
    const float *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    const float *x0 = x, *x1 = x + xs, *x2 = x + 2 * xs, *x3 = x + 3 * xs;
    EACH(DECL)
    int64_t i = 0;
    for (; i + L <= n; i += L) {
        EACH(STEP)
    }
    EACH(REDUCE)
    for (; i < n; i++)
        for (int j = 0; j < 4; j++)
            for (int r = 0; r < 4; r++)
                out[j * 4 + r] = fmaf(w[r * ws + i], x[j * xs + i], out[j * 4 + r]);
}
