/*
 * activation.c - the element-wise kernels: gated activations of the feed-forward block
 * (Shazeer 2020, "GLU Variants Improve Transformer"), residual add, scaling.
 *
 * SiLU (Elfwing et al. 2017, also "swish"): x * sigmoid(x), used gated as SwiGLU by Llama and
 * Qwen2. GELU (Hendrycks & Gimpel 2016) in its tanh approximation, used gated as GeGLU by
 * Gemma (Hugging Face's "gelu_pytorch_tanh"); exact GELU (with erf, libm's erff), ungated, for
 * Falcon. Computed in float, no lookup tables, with an exp of our own that the compiler
 * vectorizes (libm's expf and tanhf are one call per value and were a tenth of a Gemma
 * prompt's time):
 *   silu(x) = x / (1 + e^-x)
 *   gelu(x) = 0.5 x (1 + tanh(y)) = x / (1 + e^(-2y)),  y = sqrt(2/pi) (x + 0.044715 x^3)
 * l4a_exp_approx (kernels/vec.h) clamps x to [-87, 88]: past that silu and gelu are x / huge
 * or x / 1 to float precision anyway. Its error is a few ulp, against libm's < 1 ulp; the
 * activations then go through 8-bit quantization.
 * Not the float path's reference: the loops are plain C (kernels/vec.h's scheme).
 */
#include "kernels/kernels.h"
#include "kernels/vec.h"

#include <math.h>

#define L L4A_VEC_LANES

static inline float silu(float x) { return x / (1.0f + l4a_exp_approx(-x)); }

static inline float gelu_tanh(float x) {
    const float k = 0.7978845608028654f;   /* sqrt(2/pi) */
    const float y = k * (x + 0.044715f * x * x * x);
    return x / (1.0f + l4a_exp_approx(-2.0f * y));
}

L4A_VEC_FN
void l4a_swiglu_forward(float *out, const float *gate, const float *up, int64_t n) {
    /* out may be gate or up (the same element, read before it is written): no element
     * depends on another, which ivdep tells the vectorizer */
    int64_t i = 0;
    for (; i + L <= n; i += L)
#pragma GCC ivdep
        for (int l = 0; l < L; l++) out[i + l] = silu(gate[i + l]) * up[i + l];
    for (; i < n; i++) out[i] = silu(gate[i]) * up[i];
}

L4A_VEC_FN
void l4a_geglu_forward(float *out, const float *gate, const float *up, int64_t n) {
    /* out may be gate or up (the same element, read before it is written): no element
     * depends on another, which ivdep tells the vectorizer */
    int64_t i = 0;
    for (; i + L <= n; i += L)
#pragma GCC ivdep
        for (int l = 0; l < L; l++) out[i + l] = gelu_tanh(gate[i + l]) * up[i + l];
    for (; i < n; i++) out[i] = gelu_tanh(gate[i]) * up[i];
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
