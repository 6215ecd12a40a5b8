/*
 * norm.c - RMSNorm (Zhang & Sennrich 2019, "Root Mean Square Layer Normalization") and
 * LayerNorm (Ba, Kiros & Hinton 2016, "Layer Normalization").
 *
 * x (T,C) -> out (T,C): out[t][c] = x[t][c] / sqrt(mean_c(x[t]^2) + eps) * w[c].
 * The mean of squares is accumulated in double: C is at most a few thousand, and this keeps
 * the norm's own rounding far below the weights' quantization noise. Not LayerNorm (no mean
 * subtraction, no bias); Gemma's "1 + w" is already folded into w by the GGUF converter.
 */
#include "kernels/kernels.h"

#include <math.h>

void l4a_rmsnorm_forward(float *out, const float *x, const float *w, int64_t T, int64_t C,
                         float eps) {
    for (int64_t t = 0; t < T; t++) {
        const float *xt = x + t * C;
        float *ot = out + t * C;
        double ss = 0.0;
        for (int64_t c = 0; c < C; c++) ss += (double)xt[c] * xt[c];
        const float inv = (float)(1.0 / sqrt(ss / (double)C + (double)eps));
        if (w)
            for (int64_t c = 0; c < C; c++) ot[c] = xt[c] * inv * w[c];
        else
            for (int64_t c = 0; c < C; c++) ot[c] = xt[c] * inv;
    }
}

/* x (T,C) -> out (T,C). Two passes over the row in double (mean, then the variance of the
 * centred values): no cancellation when the mean is large against the spread. */
void l4a_layernorm_forward(float *out, const float *x, const float *w, const float *b, int64_t T,
                           int64_t C, float eps) {
    for (int64_t t = 0; t < T; t++) {
        const float *xt = x + t * C;
        float *ot = out + t * C;
        double sum = 0.0, ss = 0.0;
        for (int64_t c = 0; c < C; c++) sum += xt[c];
        const double mean = sum / (double)C;
        for (int64_t c = 0; c < C; c++) ss += ((double)xt[c] - mean) * ((double)xt[c] - mean);
        const double inv = 1.0 / sqrt(ss / (double)C + (double)eps);
        for (int64_t c = 0; c < C; c++) {
            float v = (float)(((double)xt[c] - mean) * inv);
            if (w) v *= w[c];
            if (b) v += b[c];
            ot[c] = v;
        }
    }
}
