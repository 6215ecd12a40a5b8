/*
 * attn_rows.h - the two inner loops of attention over cached rows: the scores of m queries
 * against n key rows, and the weighted sums of n value rows for m queries. Rows are F32 or
 * F16 (the KV cache as stored: F16 rows are read directly, never widened first).
 *
 * Every result is computed by one fixed sequence of float operations, whatever m, n, the
 * position of the row in a block and the instruction set, so a token's attention gives the
 * same bits in a batch and alone (tests/test_model.c, test_batching.c rely on it):
 *  - score(q, k) = scale * r, where r sums d products: 8 lane sums a[l] = fma chains over
 *    the elements l, l + 8, l + 16, ... of the multiple-of-8 part, then
 *    ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)), then the d % 8 last elements by fma;
 *  - wsum: y[c] = fma chain over the rows j = 0 .. n-1 of p[j] * v_j[c], from 0.
 * The reference (plain C, any CPU) and the AVX2 + F16C kernels (arch/x86/avx2_attn.c) follow
 * it, and tests/test_kernels.c compares them bit for bit.
 *
 * Internal to src/kernels (attention.c); not the softmax.
 */
#ifndef L4A_KERNELS_ATTN_ROWS_H
#define L4A_KERNELS_ATTN_ROWS_H

#include <stdint.h>

/* s[i * ss + j] = scale * q_i . k_j, q_i = q + i * qs (d floats), k_j = k + j * ks (d values of
 * the row type), i < m, j < n. */
typedef void (*l4a_attn_scores_fn)(float *s, int64_t ss, const float *q, int64_t qs, int64_t m,
                                   const void *k, int64_t ks, int64_t n, int64_t d, float scale);
/* y_i[c] = sum_j p_i[j] * v_j[c], y_i = y + i * ys, p_i = p + i * ps, v_j = v + j * vs,
 * c < d, i < m, j < n (n = 0 gives zeros). */
typedef void (*l4a_attn_wsum_fn)(float *y, int64_t ys, const float *p, int64_t ps, int64_t m,
                                 const void *v, int64_t vs, int64_t n, int64_t d);

typedef struct l4a_attn_rows {
    l4a_attn_scores_fn scores_f32, scores_f16;
    l4a_attn_wsum_fn wsum_f32, wsum_f16;
    /* x[i] = float(binary16(x[i])), as l4a_vec_round_f16 (ggml's rounding of q and of the
     * probabilities with an F16 cache) */
    void (*round_f16)(float *x, int64_t n);
    const char *isa;
} l4a_attn_rows;

/* The kernels for this CPU (the instruction set of kernels/vecdot.h's choice, L4A_ISA
 * included), and the plain C ones. */
const l4a_attn_rows *l4a_attn_rows_get(void);
const l4a_attn_rows *l4a_attn_rows_ref(void);

#if defined(__x86_64__) || defined(_M_X64)
extern const l4a_attn_rows l4a_attn_rows_avx2;     /* arch/x86/avx2_attn.c */
#endif

#endif
