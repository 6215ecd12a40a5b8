/*
 * attn_rows.c - the plain C attention row kernels (the order of operations that every
 * instruction set follows is in attn_rows.h), and the choice of kernels for this CPU.
 */
#include "kernels/attn_rows.h"
#include "kernels/vecdot.h"
#include "kernels/vec.h"
#include "tensor/tensor.h"

#include <math.h>

/* Row element i as a float: F32 rows as they are, F16 rows widened (exactly). */
static inline float elem(const void *row, int64_t i, int f16) {
    return f16 ? l4a_f16_to_f32(((const uint16_t *)row)[i]) : ((const float *)row)[i];
}

static inline float score(const float *q, const void *k, int64_t d, int f16) {
    float a[8] = {0};
    const int64_t d8 = d - d % 8;
    for (int64_t i = 0; i < d8; i += 8)
        for (int l = 0; l < 8; l++) a[l] = fmaf(q[i + l], elem(k, i + l, f16), a[l]);
    float r = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (int64_t i = d8; i < d; i++) r = fmaf(q[i], elem(k, i, f16), r);
    return r;
}

static inline void scores(float *s, int64_t ss, const float *q, int64_t qs, int64_t m,
                          const void *k, int64_t ks, int64_t n, int64_t d, float scale, int f16) {
    const size_t esz = f16 ? 2 : 4;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            s[i * ss + j] =
                scale * score(q + i * qs, (const char *)k + (size_t)(j * ks) * esz, d, f16);
}

static inline void wsum(float *y, int64_t ys, const float *p, int64_t ps, int64_t m,
                        const void *v, int64_t vs, int64_t n, int64_t d, int f16) {
    const size_t esz = f16 ? 2 : 4;
    for (int64_t i = 0; i < m; i++)
        for (int64_t c = 0; c < d; c++) {
            float acc = 0.0f;
            for (int64_t j = 0; j < n; j++)
                acc = fmaf(p[i * ps + j], elem((const char *)v + (size_t)(j * vs) * esz, c, f16),
                           acc);
            y[i * ys + c] = acc;
        }
}

L4A_VEC_FN
static void scores_f32(float *s, int64_t ss, const float *q, int64_t qs, int64_t m,
                       const void *k, int64_t ks, int64_t n, int64_t d, float scale) {
    scores(s, ss, q, qs, m, k, ks, n, d, scale, 0);
}
static void scores_f16(float *s, int64_t ss, const float *q, int64_t qs, int64_t m,
                       const void *k, int64_t ks, int64_t n, int64_t d, float scale) {
    scores(s, ss, q, qs, m, k, ks, n, d, scale, 1);
}
L4A_VEC_FN
static void wsum_f32(float *y, int64_t ys, const float *p, int64_t ps, int64_t m, const void *v,
                     int64_t vs, int64_t n, int64_t d) {
    wsum(y, ys, p, ps, m, v, vs, n, d, 0);
}
static void wsum_f16(float *y, int64_t ys, const float *p, int64_t ps, int64_t m, const void *v,
                     int64_t vs, int64_t n, int64_t d) {
    wsum(y, ys, p, ps, m, v, vs, n, d, 1);
}

static const l4a_attn_rows g_ref = {scores_f32, scores_f16, wsum_f32, wsum_f16, l4a_vec_round_f16,
                                    "ref"};

const l4a_attn_rows *l4a_attn_rows_ref(void) { return &g_ref; }

const l4a_attn_rows *l4a_attn_rows_get(void) {
#if defined(__x86_64__) || defined(_M_X64)
    const l4a_isa isa = l4a_vecdot_isa_level();
    if (isa == L4A_ISA_AVX2 || isa == L4A_ISA_AVXVNNI || isa == L4A_ISA_AVX512 ||
        isa == L4A_ISA_AMX)
        return &l4a_attn_rows_avx2;
#endif
    return &g_ref;
}
