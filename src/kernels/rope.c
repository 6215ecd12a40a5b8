/*
 * rope.c - rotary position embeddings (Su et al. 2021, "RoFormer", section 3.4).
 *
 * Pair i of a head (i < n_rot/2) is rotated by the angle pos * theta_i with
 * theta_i = freq_scale * base^(-2i/n_rot) / ff[i]:
 *     (a, b) -> (a cos - b sin, a sin + b cos)
 * freq_scale is the linear position interpolation of rope scaling (1 / factor), ff the
 * optional per-pair divisors of a rope_freqs tensor (Llama 3 style long-context scaling).
 * The two pairings (NORM: adjacent channels, NEOX: channel i with i + n_rot/2) are described
 * in kernels.h. Channels from n_rot to D pass through unchanged.
 */
#include "kernels/kernels.h"

#include <math.h>

void l4a_rope_table(float *cs, int64_t pos0, int64_t T, int64_t n_rot, float base,
                    float freq_scale, const float *ff) {
    const int64_t half = n_rot / 2;
    for (int64_t i = 0; i < half; i++) {
        double theta = (double)freq_scale * pow((double)base, -2.0 * (double)i / (double)n_rot);
        if (ff) theta /= (double)ff[i];
        for (int64_t t = 0; t < T; t++) {
            const double a = (double)(pos0 + t) * theta;
            cs[(t * half + i) * 2 + 0] = (float)cos(a);
            cs[(t * half + i) * 2 + 1] = (float)sin(a);
        }
    }
}

void l4a_rope_forward(float *x, const float *cs, int64_t T, int64_t H, int64_t D,
                      int64_t n_rot, l4a_rope_style style) {
    const int64_t half = n_rot / 2;
    /* distance between the two channels of a pair, and between consecutive pairs */
    const int64_t other = style == L4A_ROPE_NEOX ? half : 1;
    const int64_t step = style == L4A_ROPE_NEOX ? 1 : 2;
    for (int64_t t = 0; t < T; t++) {
        const float *c = cs + t * half * 2;
        for (int64_t h = 0; h < H; h++) {
            float *xh = x + (t * H + h) * D;
            for (int64_t i = 0; i < half; i++) {
                float *pa = xh + i * step, *pb = pa + other;
                const float a = *pa, b = *pb, co = c[2 * i], si = c[2 * i + 1];
                *pa = a * co - b * si;
                *pb = a * si + b * co;
            }
        }
    }
}
