/*
 * hf_config.h - the hyper-parameters of a Hugging Face model from its config.json
 * (transformers' PretrainedConfig serialisation: LlamaConfig, MistralConfig, Qwen2Config,
 * Gemma3TextConfig, FalconConfig and the older "RWForCausalLM" configs of Falcon).
 *
 * Every value is checked for its JSON type and range; a missing required key, a wrong type or
 * a variant llm4all does not run (ALiBi, biases in Llama, rope scaling other than linear or
 * llama3 ...) gives an error naming config.json and the key. Not the weights (safetensors.h)
 * nor their mapping to llm4all's model (hf.c).
 */
#ifndef L4A_HF_CONFIG_H
#define L4A_HF_CONFIG_H

#include "core/core.h"

typedef enum l4a_hf_family {
    L4A_HF_LLAMA,       /* LlamaForCausalLM */
    L4A_HF_MISTRAL,     /* MistralForCausalLM: llama with a sliding window */
    L4A_HF_QWEN2,       /* Qwen2ForCausalLM */
    L4A_HF_GEMMA3,      /* Gemma3ForCausalLM (text only) */
    L4A_HF_FALCON,      /* FalconForCausalLM, RWForCausalLM */
} l4a_hf_family;

typedef enum l4a_hf_rope_scaling {
    L4A_HF_ROPE_NONE,
    L4A_HF_ROPE_LINEAR,     /* positions divided by factor */
    L4A_HF_ROPE_LLAMA3,     /* Llama 3.1's per-frequency scaling */
} l4a_hf_rope_scaling;

typedef struct l4a_hf_config {
    l4a_hf_family family;
    char arch[64];              /* architectures[0] */
    int32_t n_vocab;            /* vocab_size */
    int32_t n_embd;             /* hidden_size (n_embed) */
    int32_t n_layer;            /* num_hidden_layers (n_layer) */
    int32_t n_head;             /* num_attention_heads (n_head) */
    int32_t n_head_kv;          /* num_key_value_heads; Falcon: 1 (multi_query), num_kv_heads */
    int32_t n_ff;               /* intermediate_size; Falcon: ffn_hidden_size or 4 * hidden */
    int32_t head_dim;           /* head_dim, else hidden / heads */
    int32_t n_ctx_train;        /* max_position_embeddings */
    float norm_eps;             /* rms_norm_eps / layer_norm_epsilon */
    float rope_theta;           /* rope_theta (or rope_parameters.rope_theta); default 10000 */
    float rope_theta_local;     /* Gemma 3: rope_local_base_freq (default 10000) */
    l4a_hf_rope_scaling rope_scaling;
    float rope_factor;          /* rope_scaling.factor */
    float rope_low_freq;        /* llama3: low_freq_factor */
    float rope_high_freq;       /* llama3: high_freq_factor */
    int32_t rope_orig_ctx;      /* llama3: original_max_position_embeddings */
    bool tie_embd;              /* tie_word_embeddings (default per family, as transformers) */
    int32_t sliding_window;     /* 0: none */
    int32_t swa_period;         /* Gemma 3: sliding_window_pattern (default 6) */
    float query_pre_attn_scalar;/* Gemma 3: attention scale 1/sqrt of this */
    /* Falcon */
    bool parallel_attn;         /* attention and MLP from the same input (only true supported) */
    bool new_decoder;           /* new_decoder_architecture: grouped KV, qkv interleaved */
    int32_t n_ln;               /* LayerNorms feeding a block: 1 (7B) or 2 (ln_attn, ln_mlp) */
    int32_t bos, eos;           /* bos_token_id, eos_token_id (-1 if absent or a list) */
} l4a_hf_config;

/* Parse config.json text (len bytes). Errors: L4A_ERR_FORMAT (not JSON, a missing key, a
 * wrong type or range: the key is named), L4A_ERR_UNSUPPORTED (an architecture or variant not
 * run by llm4all: named). Messages start with "config.json: ". */
l4a_status l4a_hf_config_parse(const char *json, size_t len, l4a_hf_config *out);
/* Read dir/config.json and parse it; messages are prefixed with the path. */
l4a_status l4a_hf_config_load(const char *dir, l4a_hf_config *out);

#endif
