/*
 * activation.c - the element-wise kernels: gated activations of the feed-forward block
 * (Shazeer 2020, "GLU Variants Improve Transformer"), residual add, scaling.
 *
 * SiLU (Elfwing et al. 2017, also "swish"): x * sigmoid(x), used gated as SwiGLU by Llama and
 * Qwen2. GELU (Hendrycks & Gimpel 2016) in its tanh approximation, used gated as GeGLU by
 * Gemma (Hugging Face's "gelu_pytorch_tanh"). Computed in float, no lookup tables, with an
 * exp of our own that the compiler vectorizes (libm's expf and tanhf are one call per value
 * and were a tenth of a Gemma prompt's time):
 *   silu(x) = x / (1 + e^-x)
 *   gelu(x) = 0.5 x (1 + tanh(y)) = x / (1 + e^(-2y)),  y = sqrt(2/pi) (x + 0.044715 x^3)
 * exp_f: e^x = 2^n e^r with n = round(x / ln 2), r = x - n ln 2 (ln 2 in two parts, fused),
 * e^r by its degree-7 Taylor polynomial on |r| <= ln 2 / 2 (truncation below 2^-27 relative),
 * 2^n put in the exponent bits; x is clamped to [-87, 88], where e^x stays a normal float
 * (past that silu and gelu are x / huge or x / 1 to float precision anyway). Error: a few
 * ulp, against libm's < 1 ulp; the activations then go through 8-bit quantization.
 * Not the float path's reference: the loops are plain C (kernels/vec.h's scheme).
 */
#include "kernels/kernels.h"
#include "kernels/vec.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define L L4A_VEC_LANES

static inline float exp_f(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* round to nearest by the 1.5 * 2^23 trick (|x / ln 2| < 2^22): vectorizes, unlike
     * nearbyintf at -O2 */
    const float big = 12582912.0f;
    const float n = (x * 1.44269504088896341f + big) - big;
    float r = fmaf(n, -0.693145751953125f, x);          /* ln 2 high part: 16 bits */
    r = fmaf(n, -1.428606765330187e-06f, r);            /* ln 2 - high part */
    float p = 1.0f / 5040.0f;
    p = fmaf(p, r, 1.0f / 720.0f);
    p = fmaf(p, r, 1.0f / 120.0f);
    p = fmaf(p, r, 1.0f / 24.0f);
    p = fmaf(p, r, 1.0f / 6.0f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    const int32_t e = ((int32_t)n + 127) << 23;         /* 2^n, n in -126 .. 127 */
    float s;
    memcpy(&s, &e, sizeof s);
    return p * s;
}

static inline float silu(float x) { return x / (1.0f + exp_f(-x)); }

static inline float gelu_tanh(float x) {
    const float k = 0.7978845608028654f;   /* sqrt(2/pi) */
    const float y = k * (x + 0.044715f * x * x * x);
    return x / (1.0f + exp_f(-2.0f * y));
}

L4A_VEC_FN
void l4a_swiglu_forward(float *out, const float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    for (; i + L <= n; i += L)
    {   /* all loads before the stores: out may alias gate or up */
        float g[L], u[L];
        for (int l = 0; l < L; l++) g[l] = gate[i + l];
        for (int l = 0; l < L; l++) u[l] = up[i + l];
        for (int l = 0; l < L; l++) out[i + l] = silu(g[l]) * u[l];
    }
    for (; i < n; i++) out[i] = silu(gate[i]) * up[i];
}

L4A_VEC_FN
void l4a_geglu_forward(float *out, const float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    for (; i + L <= n; i += L)
    {   /* all loads before the stores: out may alias gate or up */
        float g[L], u[L];
        for (int l = 0; l < L; l++) g[l] = gate[i + l];
        for (int l = 0; l < L; l++) u[l] = up[i + l];
        for (int l = 0; l < L; l++) out[i + l] = gelu_tanh(g[l]) * u[l];
    }
    for (; i < n; i++) out[i] = gelu_tanh(gate[i]) * up[i];
}

void l4a_add_forward(float *out, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void l4a_scale_forward(float *x, float s, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] *= s;
}
