/*
 * arch.c - the table of supported decoder families (see arch.h for the meaning of each flag).
 *
 * Each row states how llama.cpp runs the family, which is the reference our logits are tested
 * against (tests/test_logits.c):
 *  - llama: RMSNorm, SwiGLU, RoPE on adjacent channel pairs (the converter permutes q/k rows
 *    of Hugging Face checkpoints into that layout), no biases.
 *  - qwen2: as llama plus q/k/v biases, with RoPE on channel i and i + n_rot/2 (NeoX layout:
 *    the converter leaves the weights as Hugging Face has them).
 *  - gemma3: NeoX RoPE; GeGLU with tanh GELU; per-head RMSNorm of q and k; RMSNorm after
 *    attention and after the FFN, before each residual add; embeddings times sqrt(n_embd);
 *    five local layers (sliding window, RoPE base 10000) then one global layer (RoPE base
 *    rope.freq_base, linear rope scaling if any), repeating; attention scale 1/sqrt(DK) except
 *    for the 27B model (62 layers), which Google trained with 1/sqrt(n_embd / n_head).
 *    The GGUF converter already adds Gemma's "+1" to every norm weight.
 *  - falcon: LayerNorm with bias; attention and a plain GELU MLP (4x) in parallel from the
 *    same normed input (7B: one attn_norm; 40B/180B "new decoder architecture": attn_norm_2
 *    (HF ln_attn) for attention, attn_norm (HF ln_mlp) for the MLP, llama.cpp's names); fused attn_qkv; multi-query or grouped KV heads; NeoX
 *    RoPE; no biases in the linear layers. llama.cpp runs GELU with its tanh approximation;
 *    we use the exact erf form of Hugging Face's FalconForCausalLM, the model's definition.
 */
#include "models/model_impl.h"

#include <math.h>
#include <string.h>

static void gemma3_hparams(l4a_hparams *hp) {
    /* The 27B model's query_pre_attn_scalar is n_embd / n_head, not the head size. No GGUF key
     * says so: llama.cpp recognises the model by its 62 layers, and so do we. */
    if (hp->n_layer == 62 && hp->n_head > 0)
        hp->attn_scale = 1.0f / sqrtf((float)(hp->n_embd / hp->n_head));
}

static const l4a_arch g_archs[] = {
    {
        .name = "llama",
        .rope = L4A_ROPE_NORM,
        .act = L4A_ACT_SILU,
    },
    {
        .name = "qwen2",
        .rope = L4A_ROPE_NEOX,
        .act = L4A_ACT_SILU,
        .qkv_bias = true,
    },
    {
        .name = "falcon",
        .rope = L4A_ROPE_NEOX,
        .act = L4A_ACT_GELU,
        .norm = L4A_NORM_LAYER,
        .parallel = true,
        .fused_qkv = true,
    },
    {
        .name = "gemma3",
        .rope = L4A_ROPE_NEOX,
        .act = L4A_ACT_GELU_TANH,
        .qk_norm = true,
        .post_norms = true,
        .embd_scale = true,
        .swa_period = 6,
        .rope_base_swa = 10000.0f,
        .hparams_hook = gemma3_hparams,
    },
};

const l4a_arch *l4a_arch_find(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof g_archs / sizeof g_archs[0]; i++)
        if (strlen(g_archs[i].name) == len && memcmp(g_archs[i].name, name, len) == 0)
            return &g_archs[i];
    return NULL;
}

const char *l4a_arch_list(void) { return "llama, qwen2, gemma3, falcon"; }
