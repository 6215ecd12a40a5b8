/*
 * hf.c - a Hugging Face model folder as an in-memory l4a_gguf (see hf.h for what is mapped,
 * what is copied and why). Key names follow llama.cpp's convert_hf_to_gguf.py output (GGUF
 * spec, "Standardized key-value pairs"), so that a folder and its GGUF conversion load through
 * the same code in models/model.c.
 *
 * Every tensor of the folder must be one the family uses (an unknown name is an error, as the
 * loader rejects unused GGUF tensors: it would be a variant run wrongly). Shapes are checked
 * by the loader against the hyper-parameters; here only what the copies need is checked.
 */
#include "formats/hf.h"
#include "formats/gguf_build.h"
#include "formats/hf_config.h"
#include "formats/hf_names.h"
#include "formats/safetensors.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

bool l4a_hf_is_dir(const char *path) {
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *gguf_arch(l4a_hf_family f) {
    switch (f) {
    case L4A_HF_QWEN2: return "qwen2";
    case L4A_HF_GEMMA3: return "gemma3";
    case L4A_HF_FALCON: return "falcon";
    default: return "llama";        /* Llama and Mistral, as llama.cpp names them */
    }
}

/* ---------------------------------------------------------------- hyper-parameters */

/* "<arch>.<suffix>" into buf (128 bytes). */
static void key(const char *arch, const char *suffix, char *buf) {
    snprintf(buf, 128, "%s.%s", arch, suffix);
}

static l4a_status put_hparams(l4a_gguf_builder *b, const l4a_hf_config *c, const char *dir) {
    const char *a = gguf_arch(c->family);
    char k[128];
    const char *base = strrchr(dir, '/');
    base = base && base[1] ? base + 1 : dir;
    l4a_gguf_build_str(b, "general.architecture", a);
    l4a_gguf_build_str(b, "general.name", base);
#define U32(s, v) (key(a, s, k), l4a_gguf_build_u32(b, k, (uint32_t)(v)))
#define F32(s, v) (key(a, s, k), l4a_gguf_build_f32(b, k, (v)))
    U32("context_length", c->n_ctx_train);
    U32("embedding_length", c->n_embd);
    U32("block_count", c->n_layer);
    U32("feed_forward_length", c->n_ff);
    U32("attention.head_count", c->n_head);
    U32("attention.head_count_kv", c->n_head_kv);
    U32("vocab_size", c->n_vocab);
    if (c->head_dim * c->n_head != c->n_embd) {
        U32("attention.key_length", c->head_dim);
        U32("attention.value_length", c->head_dim);
    }
    F32("rope.freq_base", c->rope_theta);
    if (c->family == L4A_HF_FALCON) F32("attention.layer_norm_epsilon", c->norm_eps);
    else F32("attention.layer_norm_rms_epsilon", c->norm_eps);
    if (c->rope_scaling == L4A_HF_ROPE_LINEAR) {
        key(a, "rope.scaling.type", k);
        l4a_gguf_build_str(b, k, "linear");
        F32("rope.scaling.factor", c->rope_factor);
    }
    if (c->sliding_window > 0) U32("attention.sliding_window", c->sliding_window);
    if (c->family == L4A_HF_GEMMA3) {
        if (c->swa_period != 6)
            return l4a_fail(L4A_ERR_UNSUPPORTED, "config.json: Gemma 3 with one global layer in "
                            "%d (not 6) is not supported", c->swa_period);
        F32("rope.freq_base_swa", c->rope_theta_local);
        if (c->query_pre_attn_scalar != (float)c->head_dim)
            F32("attention.scale", 1.0f / sqrtf(c->query_pre_attn_scalar));
    }
#undef U32
#undef F32
    return l4a_gguf_build_status(b);
}

/* Llama 3.1 rope scaling as llama.cpp stores it: per-pair divisors of the frequencies
 * (rope_freqs.weight, n_rot/2 floats). Wavelengths shorter than orig_ctx / high_freq are kept,
 * longer than orig_ctx / low_freq divided by factor, and in between blended smoothly. */
static void put_llama3_freqs(l4a_gguf_builder *b, const l4a_hf_config *c) {
    const int64_t half = c->head_dim / 2;
    float *ff = l4a_gguf_build_alloc(b, (uint64_t)half * sizeof(float));
    if (!ff) return;
    const double lo_wl = c->rope_orig_ctx / c->rope_low_freq;
    const double hi_wl = c->rope_orig_ctx / c->rope_high_freq;
    for (int64_t i = 0; i < half; i++) {
        const double freq = pow(c->rope_theta, -2.0 * (double)i / (double)c->head_dim);
        const double wl = 2.0 * M_PI / freq;
        if (wl < hi_wl) ff[i] = 1.0f;
        else if (wl > lo_wl) ff[i] = c->rope_factor;
        else {
            const double s = (c->rope_orig_ctx / wl - c->rope_low_freq) /
                             (c->rope_high_freq - c->rope_low_freq);
            ff[i] = (float)(1.0 / ((1.0 - s) / c->rope_factor + s));
        }
    }
    const int64_t ne[1] = {half};
    l4a_gguf_build_tensor(b, "rope_freqs.weight", L4A_TYPE_F32, 1, ne, ff);
}

/* ---------------------------------------------------------------- tensors */

static uint64_t elem_size(uint32_t type) { return type == L4A_TYPE_F32 ? 4 : 2; }

/* A 1-D tensor widened to F32 (plus 1 for Gemma's norms, as its modules compute 1 + w). */
static const void *to_f32(l4a_gguf_builder *b, const l4a_st_tensor *t, uint64_t n, float add) {
    float *out = l4a_gguf_build_alloc(b, n * sizeof(float));
    if (!out) return NULL;
    const uint8_t *p = t->data;
    for (uint64_t i = 0; i < n; i++) {
        if (t->type == L4A_TYPE_F32) {
            memcpy(&out[i], p + 4 * i, 4);
        } else {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            out[i] = t->type == L4A_TYPE_F16 ? l4a_f16_to_f32(h) : l4a_bf16_to_f32(h);
        }
        out[i] += add;
    }
    return out;
}

/* Falcon's fused qkv (rows G groups x (R + 2) heads x D, R = H / G query heads then one key
 * and one value head per group) reordered into [q (H*D); k (G*D); v (G*D)] rows. */
static const void *falcon_qkv(l4a_gguf_builder *b, const l4a_hf_config *c,
                              const l4a_st_tensor *t) {
    const int64_t G = c->n_head_kv, R = c->n_head / c->n_head_kv, D = c->head_dim;
    const int64_t rows = G * (R + 2) * D;
    if (t->n_dims != 2 || t->shape[0] != rows) {
        l4a_fail(L4A_ERR_FORMAT, "hf: tensor '%s' has %lld rows, expected (%d heads + 2 x %d "
                 "kv heads) x %d = %lld", t->name, t->n_dims == 2 ? (long long)t->shape[0] : -1LL,
                 c->n_head, c->n_head_kv, c->head_dim, (long long)rows);
        return NULL;
    }
    const uint64_t rb = (uint64_t)t->shape[1] * elem_size(t->type);     /* bytes of a row */
    uint8_t *out = l4a_gguf_build_alloc(b, t->n_bytes);
    if (!out) return NULL;
    const uint8_t *in = t->data;
    for (int64_t g = 0; g < G; g++) {
        const uint8_t *grp = in + (uint64_t)(g * (R + 2) * D) * rb;
        memcpy(out + (uint64_t)(g * R * D) * rb, grp, (size_t)((uint64_t)(R * D) * rb));
        memcpy(out + (uint64_t)((G * R + g) * D) * rb, grp + (uint64_t)(R * D) * rb,
               (size_t)((uint64_t)D * rb));
        memcpy(out + (uint64_t)((G * R + G + g) * D) * rb, grp + (uint64_t)((R + 1) * D) * rb,
               (size_t)((uint64_t)D * rb));
    }
    return out;
}

static l4a_status put_tensor(l4a_gguf_builder *b, const l4a_hf_config *c,
                             const l4a_st_tensor *t) {
    char name[160];
    const l4a_hf_name_kind kind = l4a_hf_tensor_name(c->family, t->name, name, sizeof name);
    if (kind == L4A_HF_NAME_SKIP) return L4A_OK;
    if (kind == L4A_HF_NAME_UNKNOWN)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "hf: tensor '%s' is not used by llm4all's %s (a "
                        "variant of the architecture that is not supported)", t->name, c->arch);
    int64_t ne[L4A_ST_MAX_DIMS] = {1};
    const int nd = t->n_dims ? t->n_dims : 1;
    for (int d = 0; d < t->n_dims; d++) ne[d] = t->shape[t->n_dims - 1 - d];   /* GGUF order */
    const void *data = t->data;
    uint32_t type = t->type;
    if (nd == 1) {
        const bool gemma_norm = c->family == L4A_HF_GEMMA3 && kind == L4A_HF_NAME_NORM;
        data = to_f32(b, t, (uint64_t)ne[0], gemma_norm ? 1.0f : 0.0f);
        type = L4A_TYPE_F32;
    } else if (kind == L4A_HF_NAME_QKV && c->n_head_kv > 1) {
        data = falcon_qkv(b, c, t);
        if (!data && !l4a_gguf_build_status(b)) return L4A_ERR_FORMAT;  /* message set */
    } else if ((uintptr_t)data % elem_size(type) != 0) {
        void *copy = l4a_gguf_build_alloc(b, t->n_bytes);       /* unaligned in the file */
        if (copy) memcpy(copy, data, (size_t)t->n_bytes);
        data = copy;
    }
    if (data) l4a_gguf_build_tensor(b, name, type, nd, ne, data);
    return l4a_gguf_build_status(b);
}

static void set_free(void *s) { l4a_st_set_free(s); }

l4a_status l4a_hf_open(const char *dir, l4a_gguf **out) {
    *out = NULL;
    l4a_hf_config c;
    l4a_status st = l4a_hf_config_load(dir, &c);
    if (st) return st;
    l4a_st_set *set = NULL;
    if ((st = l4a_st_set_open(dir, true, &set))) return st;
    l4a_gguf_builder *b = l4a_gguf_build_new();
    if (!b) {
        l4a_st_set_free(set);
        return L4A_ERR_NOMEM;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < set->n_files; i++) total += set->files[i]->file.size;
    l4a_gguf_build_adopt(b, set, set_free);
    st = put_hparams(b, &c, dir);
    if (!st && c.rope_scaling == L4A_HF_ROPE_LLAMA3) {
        put_llama3_freqs(b, &c);
        st = l4a_gguf_build_status(b);
    }
    for (uint32_t f = 0; !st && f < set->n_files; f++)
        for (uint64_t i = 0; !st && i < set->files[f]->n_tensors; i++)
            st = put_tensor(b, &c, &set->files[f]->tensors[i]);
    if (st) {
        l4a_gguf_build_free(b);
        l4a_error_prefix("%s", dir);
        return st;
    }
    if ((st = l4a_gguf_build_finish(b, out))) return st;
    (*out)->hf_layout = true;
    (*out)->file.size = total;      /* for l4a_model_file_size: the weights' bytes */
    return L4A_OK;
}
