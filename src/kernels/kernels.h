/*
 * kernels.h - the compute kernels of a decoder transformer's forward pass, on float
 * activations: matmul (any weight type), RMSNorm, RoPE, softmax, causal attention over a KV
 * cache, gated activations, residual add.
 *
 * Each kernel is a plain function named *_forward; training adds a *_backward twin with the
 * same shapes. Kernels that are worth splitting across threads take the pool (matmul,
 * attention); the others work on the rows they are given and the caller splits rows.
 * Reference quality: written for clarity and correctness first, with the inner float loops in
 * kernels/vec.c, which the compiler vectorizes. Not the quantized dot products: those are
 * the type traits' (tensor/tensor.h).
 *
 * Dimension letters: T tokens (rows of the batch), C input channels, OC output channels,
 * H query heads, HKV key/value heads, D head size (DK for keys and queries, DV for values),
 * S positions in the KV cache.
 */
#ifndef L4A_KERNELS_H
#define L4A_KERNELS_H

#include "core/threadpool.h"
#include "tensor/tensor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- activation rounding (actround.c): the grid a weight type's integer dot product puts
 * the activations on in ggml, so that our float matmul gives llama.cpp's numbers. */
typedef enum l4a_act_rounding {
    L4A_ACT_ROUND_NONE = 0, /* F32 weights */
    L4A_ACT_ROUND_Q8_0,     /* blocks of 32, f16 scale (Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 weights) */
    L4A_ACT_ROUND_Q8_K,     /* blocks of 256, f32 scale (Q2_K .. Q6_K weights) */
    L4A_ACT_ROUND_F16,      /* F16 weights */
    L4A_ACT_ROUND_BF16,     /* BF16 weights */
} l4a_act_rounding;
l4a_act_rounding l4a_act_rounding_of(uint32_t weight_type);
/* Elements per rounding block (n passed to l4a_act_round must be a multiple). */
int64_t l4a_act_rounding_block(l4a_act_rounding r);
/* y = x rounded to the grid r (y may alias x). */
void l4a_act_round(float *y, const float *x, int64_t n, l4a_act_rounding r);

/* ---- matmul: x (T,C) @ w (OC,C)^T (+ bias (OC)) -> out (T,OC)
 *
 * w is any type whose traits have to_float (F32 rows are used in place). With round_act the
 * activations are put on the grid ggml's integer dot product for w's type uses (by the
 * integer kernels of kernels/vecdot.h when the CPU has them, else by l4a_act_round and a float
 * product), which makes the result llama.cpp's; without, x is used as is, in float. Threads
 * split the OC rows in tiles of L4A_MATMUL_TILE. Results are bit-identical whatever T and the
 * thread count (see matmul.c).
 * scratch: l4a_matmul_scratch_floats(C, T, n_threads) floats, 64-byte aligned (one buffer
 * sized for the largest C and T serves every call). out must not alias x. */
#define L4A_MATMUL_TILE 16
size_t l4a_matmul_scratch_floats(int64_t C, int64_t T, int n_threads);
/* With round_act, quantized weights whose type has SIMD integer dot products on this CPU
 * (kernels/vecdot.h) use them: x is quantized to the type's activation format and the products
 * are integer, as in ggml. Off, the float path runs for every type (tests compare the two).
 * Process-wide; not thread-safe: set it before running models. */
void l4a_matmul_set_int_path(bool on);
void l4a_matmul_forward(l4a_pool *pool, float *out, const float *x, const l4a_tensor *w,
                        const float *bias, int64_t T, bool round_act, float *scratch);

/* Several products of the same x (T,C) with weights of the same C (q, k, v; gate, up) in one
 * pass of the thread pool: fewer wake-ups per token. Results are those of separate calls. */
typedef struct l4a_matmul_op {
    float *out;                 /* (T,OC) */
    const l4a_tensor *w;        /* (OC,C) */
    const float *bias;          /* (OC) or NULL */
} l4a_matmul_op;
void l4a_matmul_forward_n(l4a_pool *pool, const l4a_matmul_op *ops, int n_ops, const float *x,
                          int64_t T, bool round_act, float *scratch);     /* n_ops <= 4 */

/* ---- RMSNorm (Zhang & Sennrich 2019): out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * w
 * x (T,C) -> out (T,C); w (C) or NULL for no scale. out may alias x. The mean is taken in
 * double. */
void l4a_rmsnorm_forward(float *out, const float *x, const float *w, int64_t T, int64_t C,
                         float eps);

/* ---- LayerNorm (Ba et al. 2016): out[t] = (x[t] - mean) / sqrt(var + eps) * w + b, mean and
 * (biased) variance over the C channels of row t, taken in double.
 * x (T,C) -> out (T,C); w, b (C) or NULL (no scale / no shift). out may alias x. */
void l4a_layernorm_forward(float *out, const float *x, const float *w, const float *b, int64_t T,
                           int64_t C, float eps);

/* ---- RoPE (Su et al. 2021, "RoFormer"). The first n_rot channels of each head are rotated
 * in pairs by angle pos * freq_i; the rest pass through.
 *  L4A_ROPE_NORM: pairs (2i, 2i+1) - the GGUF layout of llama-family models, whose q/k weights
 *                 the converter permuted.
 *  L4A_ROPE_NEOX: pairs (i, i + n_rot/2) - GPT-NeoX / Hugging Face "rotate_half" layout.
 * The angles come from a table made once per batch by l4a_rope_table. */
typedef enum l4a_rope_style { L4A_ROPE_NORM = 0, L4A_ROPE_NEOX = 1 } l4a_rope_style;

/* cs (T, n_rot/2, 2): cos and sin of (pos0 + t) * freq_scale * base^(-2i/n_rot) / ff[i],
 * computed in double. ff: per-pair frequency divisors (the GGUF rope_freqs tensor), or NULL. */
void l4a_rope_table(float *cs, int64_t pos0, int64_t T, int64_t n_rot, float base,
                    float freq_scale, const float *ff);
/* x (T,H,D) rotated in place with the table cs (T, n_rot/2, 2); n_rot <= D, n_rot even. */
void l4a_rope_forward(float *x, const float *cs, int64_t T, int64_t H, int64_t D,
                      int64_t n_rot, l4a_rope_style style);

/* ---- softmax over n values, in place: x[i] = exp(x[i] - max) / sum. */
void l4a_softmax_forward(float *x, int64_t n);

/* ---- causal self-attention over a KV cache (Vaswani et al. 2017; grouped-query heads,
 * Ainslie et al. 2023: query head h reads key/value head h / (H/HKV)).
 *
 * Query row t is at position pos0 + t; it attends to cached positions j with
 * j <= pos0 + t and, when window > 0, pos0 + t - j < window (sliding window, Beltagy et al.
 * 2020, as Mistral and Gemma define it: the token itself and the window-1 before it).
 * scores = scale * q.k_j, softmax over j, out = sum_j p_j v_j. */
typedef struct l4a_attn_args {
    float *out;             /* (T, H, DV) */
    const float *q;         /* (T, H, DK) */
    const void *k;          /* (S, HKV, DK) of kv_type: the layer's key cache */
    const void *v;          /* (S, HKV, DV) of kv_type */
    uint32_t kv_type;       /* L4A_TYPE_F32, L4A_TYPE_F16 or L4A_TYPE_Q8_0 (rows of blocks) */
    int64_t T, H, HKV, DK, DV;
    int64_t pos0;           /* position of query row 0; positions < pos0 + T are cached */
    int64_t window;         /* 0: full causal attention */
    float scale;
    bool round_f16;         /* round q and the probabilities to f16 before their products
                               with k and v, as ggml does with an F16 cache */
    float *scratch;         /* per thread scratch_stride floats: scores and rounded queries */
    int64_t scratch_stride; /* >= l4a_attn_scratch_floats(H, HKV, pos0 + T, DK) */
    float *kv_f32;          /* Q8_0 cache only: (S, HKV, DK) floats, then at kv_f32_v
                               (S, HKV, DV): the rows read, widened once for all heads and
                               tokens */
    int64_t kv_f32_v;       /* offset of the value part in kv_f32, floats */
} l4a_attn_args;
void l4a_attention_forward(l4a_pool *pool, const l4a_attn_args *a);
/* Scratch floats per thread for S cached positions. */
int64_t l4a_attn_scratch_floats(int64_t H, int64_t HKV, int64_t S, int64_t DK);

/* Write n floats into a cache row of type kv_type (F32 copy, F16 rounding to nearest, Q8_0
 * blocks as ggml's reference quantizer makes them; n a multiple of 32 for Q8_0). */
void l4a_kv_store(void *dst, uint32_t kv_type, const float *src, int64_t n);

/* ---- gated activations of the feed-forward block (Shazeer 2020, "GLU variants"):
 * out[i] = act(gate[i]) * up[i] over n values; out may alias gate or up.
 *  SwiGLU: act = SiLU(x) = x / (1 + exp(-x))                         (Llama, Qwen2)
 *  GeGLU:  act = GELU, tanh approximation
 *          0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))            (Gemma) */
void l4a_swiglu_forward(float *out, const float *gate, const float *up, int64_t n);
void l4a_geglu_forward(float *out, const float *gate, const float *up, int64_t n);
/* ---- plain GELU, exact: out[i] = 0.5 x (1 + erf(x / sqrt(2))) (Falcon's MLP, PyTorch's
 * nn.GELU() default). out may alias x. */
void l4a_gelu_forward(float *out, const float *x, int64_t n);

/* ---- out[i] = a[i] + b[i]; out may alias a or b. */
void l4a_add_forward(float *out, const float *a, const float *b, int64_t n);
/* ---- x[i] *= s. */
void l4a_scale_forward(float *x, float s, int64_t n);

#endif
