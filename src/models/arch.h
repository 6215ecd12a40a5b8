/*
 * arch.h - the architecture table: what distinguishes one decoder family from another, as
 * flags read by the one forward pass (forward.c) and the loader (model.c).
 *
 * A family is named by the GGUF key general.architecture, which is also the prefix of its
 * hyper-parameter keys ("llama.block_count"). Supported: llama (Llama 1-3, SmolLM, Lucie,
 * Mistral: with llama.attention.sliding_window every layer is local), qwen2, gemma3, falcon. Adding a family is adding a row here (and a hook
 * when a flag cannot say it), never a copy of the forward pass.
 */
#ifndef L4A_MODELS_ARCH_H
#define L4A_MODELS_ARCH_H

#include "kernels/kernels.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum l4a_act {
    L4A_ACT_SILU = 0,       /* SwiGLU feed-forward: silu(gate) * up */
    L4A_ACT_GELU_TANH = 1,  /* GeGLU feed-forward: gelu_tanh(gate) * up */
    L4A_ACT_GELU = 2,       /* plain (ungated) feed-forward: gelu(up), exact erf GELU (Falcon):
                               no ffn_gate tensor */
} l4a_act;

typedef enum l4a_norm_kind {
    L4A_NORM_RMS = 0,       /* RMSNorm, weight only; eps from attention.layer_norm_rms_epsilon */
    L4A_NORM_LAYER = 1,     /* LayerNorm with weight and bias (<name>.bias tensors); eps from
                               attention.layer_norm_epsilon */
} l4a_norm_kind;

struct l4a_hparams;

typedef struct l4a_arch {
    const char *name;           /* general.architecture and the key prefix */
    l4a_rope_style rope;        /* how RoPE pairs channels (as llama.cpp runs the family) */
    l4a_act act;                /* feed-forward gate activation */
    l4a_norm_kind norm;         /* every norm of the model */
    bool parallel;              /* attention and feed-forward both read the layer input:
                                   x + attn(norm_a(x)) + ffn(attn_norm(x)), norm_a = attn_norm_2
                                   if the file has it (Falcon-40B's ln_attn, as llama.cpp names
                                   it), else attn_norm (Falcon-7B's one LayerNorm) */
    bool fused_qkv;             /* one attn_qkv tensor, rows [q (H*DK); k (HKV*DK); v (HKV*DV)],
                                   run as three row views (Falcon) */
    bool qkv_bias;              /* attn_q/k/v have biases (Qwen2) */
    bool qk_norm;               /* RMSNorm of each q and k head before RoPE (Gemma 3) */
    bool post_norms;            /* RMSNorm of the attention and FFN outputs before each
                                   residual add (Gemma 2/3 "sandwich" norms) */
    bool embd_scale;            /* token embeddings times sqrt(n_embd) (Gemma) */
    int32_t swa_period;         /* > 0: layer il is global when il % period == period - 1,
                                   local (sliding window) otherwise; 0: all global */
    float rope_base_swa;        /* RoPE base of local layers unless the file sets
                                   <arch>.rope.freq_base_swa */
    /* Family-specific fix-ups after the generic keys are read (may be NULL). */
    void (*hparams_hook)(struct l4a_hparams *hp);
} l4a_arch;

/* The row for an architecture name (len bytes, not NUL-terminated), or NULL. */
const l4a_arch *l4a_arch_find(const char *name, size_t len);

/* The names supported, comma-separated, for error messages ("llama, qwen2, gemma3"). */
const char *l4a_arch_list(void);

#endif
