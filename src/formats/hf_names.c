/*
 * hf_names.c - the tensor name tables of formats/hf.c (see hf_names.h).
 *
 * Layer tensors are "<prefix>.<N>.<module>.<weight|bias>": prefix "model.layers" for the
 * Llama-like families, "transformer.h" for Falcon. The table maps <module> to the GGUF name
 * blk.N.<name>; the ".weight"/".bias" suffix is kept.
 */
#include "formats/hf_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct row { const char *hf, *gguf; l4a_hf_name_kind kind; } row;

/* Llama, Mistral, Qwen2 (and Gemma 3's q/k/v/o, MLP). */
static const row g_llama_layer[] = {
    {"input_layernorm", "attn_norm", L4A_HF_NAME_NORM},
    {"self_attn.q_proj", "attn_q", L4A_HF_NAME_WEIGHT},
    {"self_attn.k_proj", "attn_k", L4A_HF_NAME_WEIGHT},
    {"self_attn.v_proj", "attn_v", L4A_HF_NAME_WEIGHT},
    {"self_attn.o_proj", "attn_output", L4A_HF_NAME_WEIGHT},
    {"post_attention_layernorm", "ffn_norm", L4A_HF_NAME_NORM},
    {"mlp.gate_proj", "ffn_gate", L4A_HF_NAME_WEIGHT},
    {"mlp.up_proj", "ffn_up", L4A_HF_NAME_WEIGHT},
    {"mlp.down_proj", "ffn_down", L4A_HF_NAME_WEIGHT},
    {NULL, NULL, 0},
};

/* Gemma 3: sandwich norms and q/k norms; the rest as Llama. */
static const row g_gemma3_layer[] = {
    {"input_layernorm", "attn_norm", L4A_HF_NAME_NORM},
    {"self_attn.q_norm", "attn_q_norm", L4A_HF_NAME_NORM},
    {"self_attn.k_norm", "attn_k_norm", L4A_HF_NAME_NORM},
    {"post_attention_layernorm", "post_attention_norm", L4A_HF_NAME_NORM},
    {"pre_feedforward_layernorm", "ffn_norm", L4A_HF_NAME_NORM},
    {"post_feedforward_layernorm", "post_ffw_norm", L4A_HF_NAME_NORM},
    {NULL, NULL, 0},
};

static const row g_falcon_layer[] = {
    {"input_layernorm", "attn_norm", L4A_HF_NAME_NORM},
    /* Falcon-40B: llama.cpp names ln_mlp attn_norm and ln_attn attn_norm_2 (attn_norm_2,
     * when present, is the attention's norm and attn_norm the MLP's). */
    {"ln_attn", "attn_norm_2", L4A_HF_NAME_NORM},
    {"ln_mlp", "attn_norm", L4A_HF_NAME_NORM},
    {"self_attention.query_key_value", "attn_qkv", L4A_HF_NAME_QKV},
    {"self_attention.dense", "attn_output", L4A_HF_NAME_WEIGHT},
    {"mlp.dense_h_to_4h", "ffn_up", L4A_HF_NAME_WEIGHT},
    {"mlp.dense_4h_to_h", "ffn_down", L4A_HF_NAME_WEIGHT},
    {NULL, NULL, 0},
};

static const row g_llama_top[] = {
    {"model.embed_tokens", "token_embd", L4A_HF_NAME_WEIGHT},
    {"model.norm", "output_norm", L4A_HF_NAME_NORM},
    {"lm_head", "output", L4A_HF_NAME_WEIGHT},
    {NULL, NULL, 0},
};

static const row g_falcon_top[] = {
    {"transformer.word_embeddings", "token_embd", L4A_HF_NAME_WEIGHT},
    {"transformer.ln_f", "output_norm", L4A_HF_NAME_NORM},
    {"lm_head", "output", L4A_HF_NAME_WEIGHT},
    {NULL, NULL, 0},
};

/* Split "<module>.<weight|bias>"; NULL suffix if neither. */
static const char *suffix_of(const char *s, size_t *module_len) {
    const char *dot = strrchr(s, '.');
    if (!dot || (strcmp(dot, ".weight") != 0 && strcmp(dot, ".bias") != 0)) return NULL;
    *module_len = (size_t)(dot - s);
    return dot + 1;
}

static const row *find(const row *t, const char *module, size_t len) {
    for (; t->hf; t++)
        if (strlen(t->hf) == len && memcmp(t->hf, module, len) == 0) return t;
    return NULL;
}

/* A bias of a module is a plain vector; its weight keeps the row's kind. */
static l4a_hf_name_kind kind_of(const row *r, const char *suffix) {
    return strcmp(suffix, "bias") == 0 ? L4A_HF_NAME_VECTOR : r->kind;
}

l4a_hf_name_kind l4a_hf_tensor_name(l4a_hf_family f, const char *hf, char *out, size_t size) {
    const bool falcon = f == L4A_HF_FALCON;
    const char *prefix = falcon ? "transformer.h." : "model.layers.";
    const size_t pl = strlen(prefix);
    size_t ml = 0;
    const char *rot = strstr(hf, "rotary_emb.inv_freq");
    if (rot && rot[strlen("rotary_emb.inv_freq")] == 0) return L4A_HF_NAME_SKIP;

    if (strncmp(hf, prefix, pl) == 0) {
        const char *p = hf + pl;
        char *end;
        if (*p < '0' || *p > '9') return L4A_HF_NAME_UNKNOWN;
        unsigned long il = strtoul(p, &end, 10);
        if (*end != '.' || il > 1000000 || (p[0] == '0' && end - p > 1)) return L4A_HF_NAME_UNKNOWN;
        const char *module = end + 1, *suffix = suffix_of(module, &ml);
        if (!suffix) return L4A_HF_NAME_UNKNOWN;
        const row *r = NULL;
        if (f == L4A_HF_GEMMA3) r = find(g_gemma3_layer, module, ml);
        if (!r) r = find(falcon ? g_falcon_layer : g_llama_layer, module, ml);
        if (!r) return L4A_HF_NAME_UNKNOWN;
        snprintf(out, size, "blk.%lu.%s.%s", il, r->gguf, suffix);
        return kind_of(r, suffix);
    }
    const char *suffix = suffix_of(hf, &ml);
    const row *r = suffix ? find(falcon ? g_falcon_top : g_llama_top, hf, ml) : NULL;
    if (!r) return L4A_HF_NAME_UNKNOWN;
    snprintf(out, size, "%s.%s", r->gguf, suffix);
    return kind_of(r, suffix);
}
