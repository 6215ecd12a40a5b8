/*
 * vecdot_ref_k.c - reference dot products of the K-quant weights (Q2_K .. Q6_K) with Q8_K
 * activations. Contracts in vecdot_ref.h; bit layouts in q2_k.c ... q6_k.c, Q8_K in q8_k.c.
 *
 * Not SIMD. Per super-block of 256, with d_a Q8_K's f32 scale:
 *   isum = sum_j sc_j * sum_{i in sub-block j} q_i a_i      (exact int32)
 *   msum = sum_j m_j * bsum_j                               (types with mins)
 *   term = (d_a * d) * (float)isum - (d_a * dmin) * (float)msum
 * Integer bounds: Q2_K isum <= 256*15*3*127, Q3_K <= 256*32*4*127, Q4_K <= 256*63*15*127,
 * Q5_K <= 256*63*31*127, Q6_K <= 256*128*32*127 (1.4e8): all fit int32; the last three may
 * exceed 2^24, so (float)isum may round - once, the same way in every implementation that
 * forms the same integer. msum <= 16*63*16*127 fits and is exact in float.
 */
#include "quant/vecdot_ref.h"
#include "quant/quant.h"

static inline float fp16(uint16_t h) { return l4a_f16_to_f32(h); }

/* ---- Q2_K: 16 sub-blocks of 16, 2-bit q, 4-bit scale and min per sub-block */

float l4a_vec_dot_q2_k_q8_k_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q2_k *x = w;
    const l4a_block_q8_k *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        int isum = 0, msum = 0;
        for (int e = 0; e < L4A_QK_K; e += 16) {            /* sub-block j = e / 16 */
            const int j = e / 16, h = e / 128, s = (e % 128) / 32, l0 = e % 32;
            int sub = 0;
            for (int l = l0; l < l0 + 16; l++)
                sub += ((x[i].qs[32 * h + l] >> (2 * s)) & 3) * y[i].qs[e + l - l0];
            isum += (x[i].scales[j] & 0x0F) * sub;
            msum += (x[i].scales[j] >> 4) * y[i].bsums[j];
        }
        sum += (y[i].d * fp16(x[i].d)) * (float)isum - (y[i].d * fp16(x[i].dmin)) * (float)msum;
    }
    return sum;
}

/* ---- Q3_K: 16 sub-blocks of 16, q in -4..3, signed 6-bit scales */

static inline int q3_scale(const uint8_t *scales, int k) {
    const int low = k < 8 ? scales[k] & 0x0F : scales[k - 8] >> 4;
    const int high = (scales[8 + k % 4] >> (2 * (k / 4))) & 3;
    return (low | (high << 4)) - 32;
}

float l4a_vec_dot_q3_k_q8_k_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q3_k *x = w;
    const l4a_block_q8_k *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        int isum = 0;
        for (int e = 0; e < L4A_QK_K; e += 16) {
            const int k = e / 16, h = e / 128, s = (e % 128) / 32, l0 = e % 32, bit = e / 32;
            int sub = 0;
            for (int l = l0; l < l0 + 16; l++) {
                const int low = (x[i].qs[32 * h + l] >> (2 * s)) & 3;
                const int q = low - (((x[i].hmask[l] >> bit) & 1) ? 0 : 4);
                sub += q * y[i].qs[e + l - l0];
            }
            isum += q3_scale(x[i].scales, k) * sub;
        }
        sum += (y[i].d * fp16(x[i].d)) * (float)isum;
    }
    return sum;
}

/* ---- Q4_K and Q5_K: 8 sub-blocks of 32, 6-bit scales and mins (l4a_k_get_scale_min).
 * Element 64c + l (l < 32) is the low nibble of qs[32c + l], element 64c + 32 + l the high
 * one; Q5_K's fifth bit of element 32j + l is bit j of qh[l]. */

static float dot_q45_k(const uint8_t *scales, const uint8_t *qs, const uint8_t *qh,
                       uint16_t d, uint16_t dmin, const l4a_block_q8_k *y) {
    int isum = 0, msum = 0;
    for (int j = 0; j < 8; j++) {
        uint8_t sc, m;
        l4a_k_get_scale_min(scales, j, &sc, &m);
        const uint8_t *q = qs + 32 * (j / 2);
        const int shift = 4 * (j % 2);
        int sub = 0;
        for (int l = 0; l < 32; l++) {
            int v = (q[l] >> shift) & 0x0F;
            if (qh) v |= ((qh[l] >> j) & 1) << 4;
            sub += v * y->qs[32 * j + l];
        }
        isum += sc * sub;
        msum += m * (y->bsums[2 * j] + y->bsums[2 * j + 1]);
    }
    return (y->d * fp16(d)) * (float)isum - (y->d * fp16(dmin)) * (float)msum;
}

float l4a_vec_dot_q4_k_q8_k_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q4_k *x = w;
    const l4a_block_q8_k *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++)
        sum += dot_q45_k(x[i].scales, x[i].qs, NULL, x[i].d, x[i].dmin, &y[i]);
    return sum;
}

float l4a_vec_dot_q5_k_q8_k_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q5_k *x = w;
    const l4a_block_q8_k *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++)
        sum += dot_q45_k(x[i].scales, x[i].qs, x[i].qh, x[i].d, x[i].dmin, &y[i]);
    return sum;
}

/* ---- Q6_K: 16 sub-blocks of 16, q - 32 in -32..31, signed 8-bit scales. Element
 * 128h + 32s + l: low 4 bits in ql[64h + 32(s & 1) + l] (nibble s / 2), high 2 bits in bits
 * 2s of qh[32h + l]. */

float l4a_vec_dot_q6_k_q8_k_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q6_k *x = w;
    const l4a_block_q8_k *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        int isum = 0;
        for (int e = 0; e < L4A_QK_K; e += 16) {
            const int k = e / 16, h = e / 128, s = (e % 128) / 32, l0 = e % 32;
            int sub = 0;
            for (int l = l0; l < l0 + 16; l++) {
                const int low = (x[i].ql[64 * h + 32 * (s & 1) + l] >> (4 * (s >> 1))) & 0x0F;
                const int high = (x[i].qh[32 * h + l] >> (2 * s)) & 3;
                sub += ((low | (high << 4)) - 32) * y[i].qs[e + l - l0];
            }
            isum += x[i].scales[k] * sub;
        }
        sum += (y[i].d * fp16(x[i].d)) * (float)isum;
    }
    return sum;
}

L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q2_k_q8_k_ref, l4a_vec_dot_q2_k_q8_k_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q3_k_q8_k_ref, l4a_vec_dot_q3_k_q8_k_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q4_k_q8_k_ref, l4a_vec_dot_q4_k_q8_k_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q5_k_q8_k_ref, l4a_vec_dot_q5_k_q8_k_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q6_k_q8_k_ref, l4a_vec_dot_q6_k_q8_k_ref)
