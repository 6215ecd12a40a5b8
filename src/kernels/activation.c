/*
 * activation.c - the element-wise kernels: gated activations of the feed-forward block
 * (Shazeer 2020, "GLU Variants Improve Transformer"), residual add, scaling.
 *
 * SiLU (Elfwing et al. 2017, also "swish"): x * sigmoid(x), used gated as SwiGLU by Llama and
 * Qwen2. GELU (Hendrycks & Gimpel 2016) in its tanh approximation, used gated as GeGLU by
 * Gemma (Hugging Face's "gelu_pytorch_tanh"); exact GELU (with erf), ungated, for Falcon.
 * Computed in float with libm's expf/tanhf: no
 * lookup tables.
 */
#include "kernels/kernels.h"

#include <math.h>

static inline float silu(float x) { return x / (1.0f + expf(-x)); }

static inline float gelu_tanh(float x) {
    const float k = 0.7978845608028654f;   /* sqrt(2/pi) */
    return 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
}

void l4a_swiglu_forward(float *out, const float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = silu(gate[i]) * up[i];
}

void l4a_geglu_forward(float *out, const float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = gelu_tanh(gate[i]) * up[i];
}

void l4a_gelu_forward(float *out, const float *x, int64_t n) {
    const float r = 0.70710678118654752f;  /* 1/sqrt(2) */
    for (int64_t i = 0; i < n; i++) out[i] = 0.5f * x[i] * (1.0f + erff(x[i] * r));
}

void l4a_add_forward(float *out, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void l4a_scale_forward(float *x, float s, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] *= s;
}
