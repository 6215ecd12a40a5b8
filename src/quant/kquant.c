/*
 * kquant.c - how our K-type quantizers (Q2_K ... Q6_K) choose sub-block scales: the part
 * they share. Each format's file packs the result into its own layout.
 *
 * Not ggml's quantizer: ggml searches scales to minimize a weighted squared error; this one
 * takes each sub-block's range, which is simpler, deterministic, and has a worst-case error
 * bound that tests/test_quant.c checks:
 *  - Every scale is rounded UP (f16 super-scales to the next f16, integer sub-scales with
 *    ceil), so each sub-block's levels still cover all its elements.
 *  - The step of sub-block j is then in [s_j, s_j + d], with s_j the exact step its range
 *    needs and d the f16 super-scale, and every element takes its nearest level: the error
 *    is at most half a step.
 * A later, better quantizer (error search, importance weights) can replace these plans
 * without changing any block format.
 */
#include "quant/ref.h"
#include "core/core.h"

#include <math.h>

/* Integer scale for a wanted step s, given the super-scale d: ceil(s / d), in [0, smax]. */
static uint8_t ceil_scale(float s, float d, int smax) {
    if (!(d > 0.0f) || !(s > 0.0f)) return 0;
    float v = ceilf(s / d);
    return (uint8_t)(v > (float)smax ? smax : v);
}

void l4a_k_plan_asym(const float *x, int nsub, int len, int smax, int qmax, uint8_t *sc,
                     uint8_t *m, float *step, float *off, uint16_t *d_bits,
                     uint16_t *dmin_bits) {
    float lo[16], hi[16], want[16];
    L4A_ASSERT(nsub <= 16);
    float mmax = 0.0f;
    for (int j = 0; j < nsub; j++) {
        const float *v = x + j * len;
        lo[j] = 0.0f;                   /* mins are subtracted: the lowest level is <= 0 */
        hi[j] = v[0];
        for (int l = 0; l < len; l++) {
            lo[j] = fminf(lo[j], v[l]);
            hi[j] = fmaxf(hi[j], v[l]);
        }
        mmax = fmaxf(mmax, -lo[j]);
    }
    *dmin_bits = mmax > 0.0f ? l4a_f16_ceil(mmax / (float)smax) : 0;
    const float dmin = l4a_f16_to_f32(*dmin_bits);
    float smax_want = 0.0f;
    for (int j = 0; j < nsub; j++) {
        m[j] = ceil_scale(-lo[j], dmin, smax);
        off[j] = dmin * (float)m[j];    /* the offset as the dequantizer computes it */
        want[j] = (hi[j] + off[j]) / (float)qmax;
        smax_want = fmaxf(smax_want, want[j]);
    }
    *d_bits = smax_want > 0.0f ? l4a_f16_ceil(smax_want / (float)smax) : 0;
    const float d = l4a_f16_to_f32(*d_bits);
    for (int j = 0; j < nsub; j++) {
        sc[j] = ceil_scale(want[j], d, smax);
        step[j] = d * (float)sc[j];
    }
}

void l4a_k_plan_sym(const float *x, int nsub, int len, int smax, int qmax, uint8_t *sc,
                    float *step, uint16_t *d_bits) {
    float want[16];
    L4A_ASSERT(nsub <= 16);
    float smax_want = 0.0f;
    for (int j = 0; j < nsub; j++) {
        float amax = 0.0f;
        for (int l = 0; l < len; l++) amax = fmaxf(amax, fabsf(x[j * len + l]));
        /* levels -(qmax+1) .. qmax: with step amax / (qmax + 1/2) every element is within
         * half a step of one (the one at +amax rounds to the clamp qmax, exactly half off). */
        want[j] = amax / ((float)qmax + 0.5f);
        smax_want = fmaxf(smax_want, want[j]);
    }
    *d_bits = smax_want > 0.0f ? l4a_f16_ceil(smax_want / (float)smax) : 0;
    const float d = l4a_f16_to_f32(*d_bits);
    for (int j = 0; j < nsub; j++) {
        sc[j] = ceil_scale(want[j], d, smax);
        step[j] = d * (float)sc[j];
    }
}

void l4a_k_quantize_asym(const float *x, int len, float step, float off, int qmax,
                         uint8_t *q) {
    for (int l = 0; l < len; l++) {
        float v = step > 0.0f ? roundf((x[l] + off) / step) : 0.0f;
        q[l] = (uint8_t)l4a_f2i_clamp(v, 0, qmax);
    }
}

void l4a_k_quantize_sym(const float *x, int len, float step, int qmax, int8_t *q) {
    for (int l = 0; l < len; l++) {
        float v = step > 0.0f ? roundf(x[l] / step) : 0.0f;
        q[l] = (int8_t)l4a_f2i_clamp(v, -qmax - 1, qmax);
    }
}
