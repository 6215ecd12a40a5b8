/*
 * model_impl.h - the insides of l4a_model and l4a_ctx, shared by the files of src/models/
 * (loader, context, forward pass). Private: the public API is include/llm4all.h, and other
 * parts of the library see only src/models/model.h.
 *
 * Dimension letters as in kernels.h: T tokens, C = n_embd, F = n_ff, H / HKV heads,
 * DK / DV head sizes, V vocabulary, S = n_ctx cache positions.
 */
#ifndef L4A_MODELS_MODEL_IMPL_H
#define L4A_MODELS_MODEL_IMPL_H

#include "models/model.h"
#include "models/arch.h"
#include "core/threadpool.h"

#include <pthread.h>

/* Hyper-parameters, from the GGUF keys <arch>.* (model.c names each key). */
typedef struct l4a_hparams {
    int32_t n_vocab;        /* V: rows of token_embd */
    int32_t n_ctx_train;    /* context_length */
    int32_t n_embd;         /* C: embedding_length */
    int32_t n_layer;        /* block_count */
    int32_t n_head;         /* H: attention.head_count */
    int32_t n_head_kv;      /* HKV: attention.head_count_kv (default H) */
    int32_t n_ff;           /* F: feed_forward_length */
    int32_t head_dim_k;     /* DK: attention.key_length (default C / H) */
    int32_t head_dim_v;     /* DV: attention.value_length (default C / H) */
    int32_t n_rot;          /* rope.dimension_count (default DK): rotated channels per head */
    float norm_eps;         /* attention.layer_norm_rms_epsilon (layer_norm_epsilon: LayerNorm) */
    l4a_rope_style rope;    /* the arch's pairing, or NEOX for a Hugging Face folder's weights */
    float rope_base;        /* rope.freq_base (default 10000) of global layers */
    float rope_freq_scale;  /* 1 / rope.scaling.factor for linear scaling, else 1 */
    float rope_base_swa;    /* RoPE base of local (sliding-window) layers */
    float rope_freq_scale_swa; /* local layers are not scaled: 1 */
    int32_t n_swa;          /* attention.sliding_window: window of local layers (0: none) */
    int32_t swa_period;     /* see l4a_arch; 0 with n_swa > 0: every layer is local (Mistral) */
    float attn_scale;       /* attention.scale, or 1 / sqrt(DK) */
} l4a_hparams;

/* The weights of one block, views into the mapped file. Names are the GGUF tensor names
 * blk.<i>.<name>.weight / .bias. NULL when the architecture has no such tensor. */
typedef struct l4a_layer {
    const l4a_tensor *attn_norm;        /* (C) */
    const l4a_tensor *attn_norm_b;      /* (C): LayerNorm bias */
    const l4a_tensor *attn_norm_2;      /* (C) or NULL: parallel: the attention's own norm, and
                                           attn_norm is then the feed-forward's (llama.cpp) */
    const l4a_tensor *attn_norm_2_b;    /* (C) */
    const l4a_tensor *wq, *wk, *wv;     /* (H*DK, C), (HKV*DK, C), (HKV*DV, C) */
    const l4a_tensor *wqkv;             /* (H*DK + HKV*DK + HKV*DV, C): fused_qkv */
    l4a_tensor qkv_view[3];             /* fused_qkv: wq, wk, wv point here (row views) */
    const l4a_tensor *bq, *bk, *bv;     /* (H*DK), (HKV*DK), (HKV*DV): qkv_bias */
    const l4a_tensor *q_norm, *k_norm;  /* (DK): qk_norm */
    const l4a_tensor *wo;               /* (C, H*DV) */
    const l4a_tensor *attn_post_norm;   /* (C): post_norms ("post_attention_norm") */
    const l4a_tensor *ffn_norm;         /* (C) */
    const l4a_tensor *ffn_gate, *ffn_up;/* (F, C) */
    const l4a_tensor *ffn_down;         /* (C, F) */
    const l4a_tensor *ffn_post_norm;    /* (C): post_norms ("post_ffw_norm") */
    bool swa;                           /* a local layer: sliding window, rope_base_swa */
} l4a_layer;

struct l4a_model {
    l4a_gguf *gguf;                 /* owns the mapped file: every tensor points into it */
    l4a_vocab *vocab;               /* NULL for a Hugging Face folder without tokenizer files:
                                       the model runs token ids only */
    const l4a_arch *arch;           /* NULL only for a vocab_only load of an unknown family */
    char *arch_name;                /* general.architecture */
    char *name;                     /* general.name or "" */
    l4a_hparams hp;
    bool vocab_only;
    const l4a_tensor *tok_embd;     /* (V, C) */
    const l4a_tensor *output_norm;  /* (C) */
    const l4a_tensor *output_norm_b;/* (C): LayerNorm bias */
    const l4a_tensor *output;       /* (V, C): output.weight, or tok_embd when tied */
    const l4a_tensor *rope_freqs;   /* (n_rot/2) or NULL */
    l4a_layer *layers;              /* n_layer */
    void *repacked;                 /* the matrices repack.c copied (l4a_pages_alloc), or NULL */
    size_t repacked_bytes;
    uint64_t n_params, size_bytes;
    struct l4a_jmask *jmask;        /* token mask for JSON-constrained sampling, built at its
                                       first use (model_jmask.c) under jmask_lock */
    pthread_mutex_t jmask_lock;
};

/* The KV cache and scratch of a context; all carved from one allocation in l4a_ctx_new. */
struct l4a_ctx {
    const l4a_model *model;
    int32_t n_ctx;                  /* S */
    int32_t n_batch;                /* max T per forward call */
    int32_t n_threads;
    int32_t n_seq;                  /* independent sequences, each with S cache rows */
    int32_t *seq_past;              /* (n_seq) tokens in each sequence's cache */
    uint32_t kv_type;               /* L4A_TYPE_F32, L4A_TYPE_F16 or L4A_TYPE_Q8_0 */
    bool ggml_rounding;             /* see l4a_ctx_set_ggml_rounding (model.h) */
    l4a_pool *pool;

    void *mem;                      /* the one allocation: everything below points into it */
    uint64_t mem_bytes;
    uint8_t *k_cache, *v_cache;     /* per layer and sequence (S, HKV, DK) and (S, HKV, DV)
                                       of kv_type: layer il, seq s at (il * n_seq + s) * k_seq_bytes */
    uint64_t k_seq_bytes, v_seq_bytes;
    uint64_t k_row_bytes, v_row_bytes;  /* one position's keys (HKV*DK) / values of kv_type */

    /* activations of a batch of T <= n_batch tokens */
    float *x;                       /* (T, C) the residual stream */
    float *xb;                      /* (T, max(C, H*DV)) normed input / attention output */
    float *xb2;                     /* (T, C) block output before the residual add */
    float *xa;                      /* (T, C) parallel archs: feed-forward output, else NULL */
    float *q;                       /* (T, H*DK) */
    float *k;                       /* (T, HKV*DK) */
    float *v;                       /* (T, HKV*DV) */
    float *hb, *hb2;                /* (T, F) feed-forward gate and up */
    float *rope_cs, *rope_cs_swa;   /* (T, n_rot/2, 2) RoPE tables of global / local layers */
    float *att_scratch;             /* n_threads * (S + DK): attention scores, a rounded q */
    float *kv_f32;                  /* F16 / Q8_0 cache: one layer's rows widened, S*HKV*(DK+DV) */
    float *mm_scratch;              /* l4a_matmul_scratch_floats(max C, n_batch, n_threads) */
    int32_t *tok_seq, *tok_pos;     /* (T) sequence and position of each token of the batch */

    float *logits;                  /* (logits_cap, V): one row in mem, or logits_own */
    float *logits_own;              /* grown by an all_logits decode, else NULL */
    int32_t logits_cap;             /* rows logits can hold */
    int32_t n_logits;               /* rows of the last l4a_decode: n (all_logits) or 1 */
    int32_t logits_first;           /* token index of row 0 (n - 1 when only the last) */
    float *embd_sum;                /* (C) l4a_embed_seq: sum of final normed rows, else NULL */
};

/* After the weights are bound: the matrices decode reads repacked into this CPU's fastest
 * layout (repack.c). Errors: L4A_ERR_NOMEM. */
l4a_status l4a_model_repack(l4a_model *m);

/* Run the model on T <= n_batch tokens, append them to the caches, and write the logits of rows
 * [out_first, T) to out ((T - out_first), V). seqs NULL: the tokens are consecutive ones of
 * sequence seq0, from position seq_past[seq0]; else token t is the next one of sequence
 * seqs[t] (all different). Inputs were checked by the caller (l4a_decode_seq, _step). */
void l4a_forward(l4a_ctx *ctx, const l4a_token *tokens, const int32_t *seqs, int32_t seq0,
                 int32_t T, int32_t out_first, float *out);

#endif
