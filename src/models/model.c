/*
 * model.c - loading a model from a GGUF file: the architecture row, the hyper-parameters
 * (keys <arch>.*), the weights (views into the mapped file, each checked for shape and type
 * against the hyper-parameters) and the vocabulary; plus the public getters over them.
 *
 * A folder path is a Hugging Face model (formats/hf.c builds the same l4a_gguf from it).
 * Not the forward pass (forward.c) nor the per-stream state (context.c). Key and tensor names
 * are those written by llama.cpp's convert_hf_to_gguf.py (GGUF spec, "Standardized key-value
 * pairs" and "Standardized tensor names").
 *
 * A file is rejected, with a message naming the key or tensor, when: a required key or tensor
 * is missing; a value is out of range or inconsistent (heads not dividing, odd rope dims ...);
 * a tensor's shape differs from what the hyper-parameters say; a weight's type has no
 * arithmetic in llm4all, or a norm/bias is not F32; the vocabulary size differs from the
 * embedding's rows; or a tensor is present that the architecture does not use (it would be
 * a feature we would silently ignore).
 */
#include "models/model_impl.h"
#include "formats/gguf_build.h"
#include "formats/hf.h"
#include "sampling/json_schema.h"
#include "tokenizer/tokenizer_hf.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

l4a_model_params l4a_model_default_params(void) {
    l4a_model_params p = {.use_mmap = true, .vocab_only = false, .repack = true};
    return p;
}

/* ---------------------------------------------------------------- hyper-parameters */

/* "<arch>.<suffix>" in a caller's buffer. */
static const char *akey(char *buf, size_t size, const char *arch, const char *suffix) {
    snprintf(buf, size, "%s.%s", arch, suffix);
    return buf;
}

/* A positive int32 key; absent and not required leaves *out alone. */
static l4a_status get_pos(const l4a_gguf *g, const char *arch, const char *suffix, bool required,
                          int32_t *out) {
    char key[128];
    akey(key, sizeof key, arch, suffix);
    uint32_t v = 0;
    bool present = l4a_gguf_find(g, key) >= 0;
    l4a_status st = l4a_gguf_get_u32(g, key, required, &v);
    if (st != L4A_OK) return st;
    if (!present) return L4A_OK;
    if (v == 0 || v > INT32_MAX)
        return l4a_fail(L4A_ERR_FORMAT, "model: key '%s' is %" PRIu32 ", expected 1 .. %d", key, v,
                        INT32_MAX);
    *out = (int32_t)v;
    return L4A_OK;
}

/* A finite positive float key. */
static l4a_status get_fpos(const l4a_gguf *g, const char *arch, const char *suffix,
                           bool required, float *out) {
    char key[128];
    akey(key, sizeof key, arch, suffix);
    float v = *out;
    bool present = l4a_gguf_find(g, key) >= 0;
    l4a_status st = l4a_gguf_get_f32(g, key, required, &v);
    if (st != L4A_OK) return st;
    if (!present) return L4A_OK;
    if (!(v > 0.0f) || !isfinite(v))
        return l4a_fail(L4A_ERR_FORMAT, "model: key '%s' is %g, expected a positive number", key,
                        (double)v);
    *out = v;
    return L4A_OK;
}

static l4a_status load_hparams(l4a_model *m) {
    const l4a_gguf *g = m->gguf;
    const char *a = m->arch->name;
    l4a_hparams *hp = &m->hp;
    l4a_status st;
    char key[128];

    if ((st = get_pos(g, a, "context_length", true, &hp->n_ctx_train)) ||
        (st = get_pos(g, a, "embedding_length", true, &hp->n_embd)) ||
        (st = get_pos(g, a, "block_count", true, &hp->n_layer)) ||
        (st = get_pos(g, a, "feed_forward_length", true, &hp->n_ff)) ||
        (st = get_pos(g, a, "attention.head_count", true, &hp->n_head)))
        return st;
    hp->n_head_kv = hp->n_head;
    hp->head_dim_k = hp->n_embd / hp->n_head;
    hp->head_dim_v = hp->head_dim_k;
    if ((st = get_pos(g, a, "attention.head_count_kv", false, &hp->n_head_kv)) ||
        (st = get_pos(g, a, "attention.key_length", false, &hp->head_dim_k)) ||
        (st = get_pos(g, a, "attention.value_length", false, &hp->head_dim_v)))
        return st;
    hp->n_rot = hp->head_dim_k;
    if ((st = get_pos(g, a, "rope.dimension_count", false, &hp->n_rot))) return st;

    const char *eps_key = m->arch->norm == L4A_NORM_LAYER ? "attention.layer_norm_epsilon"
                                                          : "attention.layer_norm_rms_epsilon";
    if ((st = get_fpos(g, a, eps_key, true, &hp->norm_eps))) return st;
    hp->rope = g->hf_layout ? L4A_ROPE_NEOX : m->arch->rope;
    hp->rope_base = 10000.0f;
    if ((st = get_fpos(g, a, "rope.freq_base", false, &hp->rope_base))) return st;

    /* Rope scaling: linear position interpolation only. */
    float factor = 0.0f;
    if ((st = get_fpos(g, a, "rope.scale_linear", false, &factor))) return st;
    l4a_str type = {0};
    if ((st = l4a_gguf_get_str(g, akey(key, sizeof key, a, "rope.scaling.type"), false, &type)))
        return st;
    if (type.ptr) {
        if (type.len == 6 && memcmp(type.ptr, "linear", 6) == 0) {
            if ((st = get_fpos(g, a, "rope.scaling.factor", false, &factor))) return st;
        } else if (!(type.len == 4 && memcmp(type.ptr, "none", 4) == 0)) {
            return l4a_fail(L4A_ERR_UNSUPPORTED, "model: rope scaling '%.*s' (key '%s') is not "
                            "supported: only linear", (int)(type.len > 32 ? 32 : type.len),
                            type.ptr, key);
        }
    }
    hp->rope_freq_scale = factor > 0.0f ? 1.0f / factor : 1.0f;

    /* Sliding-window layers. */
    hp->rope_base_swa = m->arch->rope_base_swa > 0 ? m->arch->rope_base_swa : hp->rope_base;
    hp->rope_freq_scale_swa = 1.0f;
    if (m->arch->swa_period > 0) {
        if ((st = get_pos(g, a, "attention.sliding_window", true, &hp->n_swa)) ||
            (st = get_fpos(g, a, "rope.freq_base_swa", false, &hp->rope_base_swa)))
            return st;
        hp->swa_period = m->arch->swa_period;
    } else if ((st = get_pos(g, a, "attention.sliding_window", false, &hp->n_swa))) {
        return st;      /* present (Mistral from a Hugging Face folder): every layer local */
    }

    hp->attn_scale = 1.0f / sqrtf((float)hp->head_dim_k);
    if ((st = get_fpos(g, a, "attention.scale", false, &hp->attn_scale))) return st;
    if (m->arch->hparams_hook) m->arch->hparams_hook(hp);

    /* Consistency. */
    if (hp->n_head % hp->n_head_kv != 0)
        return l4a_fail(L4A_ERR_FORMAT, "model: %s.attention.head_count (%d) is not a multiple of "
                        "%s.attention.head_count_kv (%d)", a, hp->n_head, a, hp->n_head_kv);
    if (hp->n_rot % 2 != 0 || hp->n_rot > hp->head_dim_k)
        return l4a_fail(L4A_ERR_FORMAT, "model: %s.rope.dimension_count (%d) must be even and at "
                        "most the head size %d", a, hp->n_rot, hp->head_dim_k);
    if (hp->n_layer > 100000 || hp->n_head > 100000)
        return l4a_fail(L4A_ERR_FORMAT, "model: %d layers of %d heads is not a real model",
                        hp->n_layer, hp->n_head);
    return L4A_OK;
}

/* ---------------------------------------------------------------- tensors */

typedef struct binder {
    l4a_model *m;
    bool *used;                 /* per gguf tensor: bound to a weight */
} binder;

static int shape_str(char *buf, size_t size, int n_dims, const int64_t *ne) {
    int k = snprintf(buf, size, "[");
    for (int i = 0; i < n_dims && k < (int)size; i++)
        k += snprintf(buf + k, size - (size_t)k, "%s%" PRId64, i ? ", " : "", ne[i]);
    if (k < (int)size) k += snprintf(buf + k, size - (size_t)k, "]");
    return k;
}

/* Bind tensor `name` of shape [ne0] (ne1 == 0) or [ne0, ne1]. A matrix may have any type
 * the matmul can read; a vector must be F32. Missing and not required: *out = NULL. */
static l4a_status bind(binder *b, const char *name, int64_t ne0, int64_t ne1, bool required,
                       const l4a_tensor **out) {
    const l4a_gguf *g = b->m->gguf;
    const l4a_tensor *t = l4a_gguf_tensor(g, name);
    *out = NULL;
    if (!t) {
        if (!required) return L4A_OK;
        return l4a_fail(L4A_ERR_FORMAT, "model: tensor '%s' is missing (required by %s)", name,
                        b->m->arch->name);
    }
    const int n_dims = ne1 ? 2 : 1;
    const int64_t want[2] = {ne0, ne1};
    bool ok = t->n_dims == n_dims && t->ne[0] == ne0 && (n_dims == 1 || t->ne[1] == ne1);
    if (!ok) {
        char have_s[96], want_s[64];
        shape_str(have_s, sizeof have_s, t->n_dims, t->ne);
        shape_str(want_s, sizeof want_s, n_dims, want);
        return l4a_fail(L4A_ERR_FORMAT, "model: tensor '%s' has shape %s, expected %s", name,
                        have_s, want_s);
    }
    const l4a_type_traits *tr = l4a_type_traits_of(t->type);
    const char *tname = tr ? tr->name : "unknown";
    if (n_dims == 1) {
        if (t->type != L4A_TYPE_F32)
            return l4a_fail(L4A_ERR_UNSUPPORTED, "model: tensor '%s' has type %s, expected F32",
                            name, tname);
        if ((uintptr_t)t->data % sizeof(float) != 0)
            return l4a_fail(L4A_ERR_FORMAT, "model: tensor '%s' data is not 4-byte aligned", name);
    } else if (!tr || !tr->to_float || !tr->dot_f32) {
        return l4a_fail(L4A_ERR_UNSUPPORTED, "model: tensor '%s' has type %s, which llm4all cannot "
                        "multiply with", name, tname);
    }
    b->used[t - g->tensors] = true;
    *out = t;
    return L4A_OK;
}

static l4a_status bind_layer(binder *b, int il, l4a_layer *L) {
    const l4a_model *m = b->m;
    const l4a_hparams *hp = &m->hp;
    const l4a_arch *a = m->arch;
    const int64_t C = hp->n_embd, F = hp->n_ff;
    const int64_t QD = (int64_t)hp->n_head * hp->head_dim_k;
    const int64_t KD = (int64_t)hp->n_head_kv * hp->head_dim_k;
    const int64_t VD = (int64_t)hp->n_head_kv * hp->head_dim_v;
    const int64_t OD = (int64_t)hp->n_head * hp->head_dim_v;
    char n[96];
    l4a_status st;
#define BIND(field, suffix, ne0, ne1, req)                                                     \
    do {                                                                                       \
        snprintf(n, sizeof n, "blk.%d.%s", il, suffix);                                        \
        if ((st = bind(b, n, ne0, ne1, req, &L->field)) != L4A_OK) return st;                  \
    } while (0)
    const bool ln = a->norm == L4A_NORM_LAYER;
    BIND(attn_norm, "attn_norm.weight", C, 0, true);
    if (ln) BIND(attn_norm_b, "attn_norm.bias", C, 0, true);
    if (a->fused_qkv) {
        BIND(wqkv, "attn_qkv.weight", C, QD + KD + VD, true);
        const int64_t rows[3] = {QD, KD, VD};
        int64_t r0 = 0;
        for (int i = 0; i < 3; i++) {     /* row views: q, k, v of the fused tensor */
            l4a_tensor *v = &L->qkv_view[i];
            *v = *L->wqkv;
            v->ne[1] = rows[i];
            v->data = (const uint8_t *)L->wqkv->data + (uint64_t)r0 * L->wqkv->nb[1];
            v->nb[2] = v->nb[3] = v->n_bytes = (uint64_t)rows[i] * L->wqkv->nb[1];
            r0 += rows[i];
        }
        L->wq = &L->qkv_view[0];
        L->wk = &L->qkv_view[1];
        L->wv = &L->qkv_view[2];
    } else {
        BIND(wq, "attn_q.weight", C, QD, true);
        BIND(wk, "attn_k.weight", C, KD, true);
        BIND(wv, "attn_v.weight", C, VD, true);
    }
    BIND(wo, "attn_output.weight", OD, C, true);
    if (a->qkv_bias) {
        BIND(bq, "attn_q.bias", QD, 0, true);
        BIND(bk, "attn_k.bias", KD, 0, true);
        BIND(bv, "attn_v.bias", VD, 0, true);
    }
    if (a->qk_norm) {
        BIND(q_norm, "attn_q_norm.weight", hp->head_dim_k, 0, true);
        BIND(k_norm, "attn_k_norm.weight", hp->head_dim_k, 0, true);
    }
    if (a->post_norms) {
        BIND(attn_post_norm, "post_attention_norm.weight", C, 0, true);
        BIND(ffn_post_norm, "post_ffw_norm.weight", C, 0, true);
    }
    if (a->parallel) {
        BIND(attn_norm_2, "attn_norm_2.weight", C, 0, false);
        if (ln && L->attn_norm_2) BIND(attn_norm_2_b, "attn_norm_2.bias", C, 0, true);
    } else {
        BIND(ffn_norm, "ffn_norm.weight", C, 0, true);
    }
    if (a->act != L4A_ACT_GELU) BIND(ffn_gate, "ffn_gate.weight", C, F, true);
    BIND(ffn_up, "ffn_up.weight", C, F, true);
    BIND(ffn_down, "ffn_down.weight", F, C, true);
#undef BIND
    L->swa = hp->n_swa > 0 &&
             (hp->swa_period == 0 || il % hp->swa_period < hp->swa_period - 1);
    return L4A_OK;
}

/* token_embd first: its rows are the vocabulary size every other check uses. */
static l4a_status bind_tensors(l4a_model *m) {
    const l4a_gguf *g = m->gguf;
    l4a_hparams *hp = &m->hp;
    binder b = {.m = m, .used = l4a_calloc(g->n_tensors ? g->n_tensors : 1, sizeof(bool))};
    if (!b.used) return l4a_fail(L4A_ERR_NOMEM, "model: out of memory");
    l4a_status st = L4A_OK;
    const l4a_tensor *te = l4a_gguf_tensor(g, "token_embd.weight");
    if (!te || te->n_dims != 2 || te->ne[1] > INT32_MAX) {
        st = l4a_fail(L4A_ERR_FORMAT, "model: tensor 'token_embd.weight' is %s",
                      te ? "not a matrix of at most 2^31 rows" : "missing");
        goto done;
    }
    hp->n_vocab = (int32_t)te->ne[1];
    if ((st = bind(&b, "token_embd.weight", hp->n_embd, hp->n_vocab, true, &m->tok_embd)) ||
        (st = bind(&b, "output_norm.weight", hp->n_embd, 0, true, &m->output_norm)) ||
        (m->arch->norm == L4A_NORM_LAYER &&
         (st = bind(&b, "output_norm.bias", hp->n_embd, 0, true, &m->output_norm_b))) ||
        (st = bind(&b, "output.weight", hp->n_embd, hp->n_vocab, false, &m->output)) ||
        (st = bind(&b, "rope_freqs.weight", hp->n_rot / 2, 0, false, &m->rope_freqs)))
        goto done;
    if (!m->output) m->output = m->tok_embd;    /* tied embeddings */
    else l4a_file_advise_sparse(&g->file, m->tok_embd->data, m->tok_embd->n_bytes);

    m->layers = l4a_calloc((size_t)hp->n_layer, sizeof *m->layers);
    if (!m->layers) {
        st = l4a_fail(L4A_ERR_NOMEM, "model: out of memory for %d layers", hp->n_layer);
        goto done;
    }
    for (int il = 0; il < hp->n_layer; il++)
        if ((st = bind_layer(&b, il, &m->layers[il])) != L4A_OK) goto done;

    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (!b.used[i]) {
            st = l4a_fail(L4A_ERR_UNSUPPORTED, "model: tensor '%s' is not used by llm4all's %s "
                          "forward pass (a variant of the architecture that is not supported)",
                          g->tensors[i].name, m->arch->name);
            goto done;
        }
done:
    l4a_free(b.used);
    return st;
}

/* The vocabulary must cover exactly the embedding's rows (and <arch>.vocab_size if given).
 * Without a vocabulary (a folder without tokenizer files) the embedding's rows are the size. */
static l4a_status check_vocab(l4a_model *m) {
    const l4a_tensor *te = l4a_gguf_tensor(m->gguf, "token_embd.weight");
    if (!m->vocab) {
        m->hp.n_vocab = te && te->n_dims == 2 && te->ne[1] <= INT32_MAX ? (int32_t)te->ne[1] : 0;
        return L4A_OK;
    }
    const int32_t nv = l4a_vocab_n_tokens(m->vocab);
    if (te && te->n_dims >= 2 && te->ne[1] != nv)
        return l4a_fail(L4A_ERR_FORMAT, "model: the vocabulary has %d tokens but tensor "
                        "'token_embd.weight' has %" PRId64 " rows", nv, te->ne[1]);
    if (m->arch) {
        char key[128];
        uint32_t vs = 0;
        akey(key, sizeof key, m->arch->name, "vocab_size");
        l4a_status st = l4a_gguf_get_u32(m->gguf, key, false, &vs);
        if (st != L4A_OK) return st;
        if (l4a_gguf_find(m->gguf, key) >= 0 && (int64_t)vs != nv)
            return l4a_fail(L4A_ERR_FORMAT, "model: key '%s' is %" PRIu32 " but the vocabulary "
                            "has %d tokens", key, vs, nv);
    }
    m->hp.n_vocab = nv;     /* = token_embd's rows, checked above */
    return L4A_OK;
}

/* ---------------------------------------------------------------- load / free */

/* A folder's vocabulary comes from its tokenizer files (tokenizer/tokenizer_hf.h); a folder
 * with none (the tiny test models), or a GGUF file whose tokenizer.ggml.model is "none" or
 * "no_vocab" (llama.cpp's spelling of "no vocabulary"; our converter writes it), loads without one: it runs token
 * ids, and the tokenizer functions fail with a message saying there is no vocabulary. */
static l4a_status load_vocab(l4a_model *m, const char *path, bool folder) {
    l4a_str tm = {0};
    if (!folder && (l4a_gguf_get_str(m->gguf, "tokenizer.ggml.model", false, &tm) ||
                    !tm.ptr || !((tm.len == 4 && !memcmp(tm.ptr, "none", 4)) ||
                                 (tm.len == 8 && !memcmp(tm.ptr, "no_vocab", 8)))))
        return l4a_vocab_load(m->gguf, &m->vocab);
    if (!folder) {
        L4A_LOG_I("%s: tokenizer.ggml.model is 'none': the model runs token ids only", path);
        m->vocab = NULL;
        return L4A_OK;
    }
    static const char *const files[] = {"tokenizer.json", "tokenizer.model"};
    for (size_t i = 0; i < 2; i++) {
        char f[4096];
        snprintf(f, sizeof f, "%s/%s", path, files[i]);
        if (access(f, F_OK) == 0) return l4a_vocab_load_hf(path, &m->vocab);
    }
    L4A_LOG_I("%s: no tokenizer.json nor tokenizer.model: the model runs token ids only", path);
    m->vocab = NULL;
    return L4A_OK;
}

/* A vocab_only load of a folder that holds only tokenizer files (no weights): an empty
 * metadata set, so the tokenizer verbs work on tokenizer folders as they are published. */
static bool has_weights(const char *dir) {
    static const char *const files[] = {"model.safetensors", "model.safetensors.index.json"};
    for (size_t i = 0; i < 2; i++) {
        char f[4096];
        snprintf(f, sizeof f, "%s/%s", dir, files[i]);
        if (access(f, F_OK) == 0) return true;
    }
    return false;
}

static l4a_status tokenizer_only(l4a_gguf **out) {
    l4a_gguf_builder *b = l4a_gguf_build_new();
    if (!b) return l4a_fail(L4A_ERR_NOMEM, "model: out of memory");
    l4a_gguf_build_str(b, "general.architecture", "none");
    l4a_gguf_build_str(b, "general.name", "tokenizer only");
    return l4a_gguf_build_finish(b, out);
}

l4a_status l4a_model_load(const char *path, l4a_model_params params, l4a_model **out) {
    if (!out) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_model_load: out is NULL");
    *out = NULL;
    if (!path) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_model_load: path is NULL");
    l4a_model *m = l4a_calloc(1, sizeof *m);
    if (!m) return l4a_fail(L4A_ERR_NOMEM, "model: out of memory");
    pthread_mutex_init(&m->jmask_lock, NULL);
    m->vocab_only = params.vocab_only;
    const bool folder = l4a_hf_is_dir(path);
    l4a_status st = !folder ? l4a_gguf_open(path, params.use_mmap, &m->gguf)
                    : params.vocab_only && !has_weights(path) ? tokenizer_only(&m->gguf)
                    : l4a_hf_open(path, &m->gguf);
    if (st != L4A_OK) {         /* the message already names the path */
        l4a_model_free(m);
        return st;
    }

    l4a_str arch = {0}, name = {0};
    if ((st = l4a_gguf_get_str(m->gguf, "general.architecture", true, &arch)) ||
        (st = l4a_gguf_get_str(m->gguf, "general.name", false, &name)))
        goto fail;
    m->arch_name = l4a_strndup(arch.ptr, (size_t)arch.len);
    m->name = name.ptr ? l4a_strndup(name.ptr, (size_t)name.len) : l4a_strdup("");
    if (!m->arch_name || !m->name) {
        st = l4a_fail(L4A_ERR_NOMEM, "model: out of memory");
        goto fail;
    }
    m->arch = l4a_arch_find(arch.ptr, (size_t)arch.len);
    if (!m->arch && !params.vocab_only) {
        st = l4a_fail(L4A_ERR_UNSUPPORTED, "model: architecture '%s' is not supported (supported: "
                      "%s)", m->arch_name, l4a_arch_list());
        goto fail;
    }
    if (m->arch && (st = load_hparams(m)) != L4A_OK) goto fail;
    if ((st = load_vocab(m, path, folder)) != L4A_OK) goto fail;
    if ((st = check_vocab(m)) != L4A_OK) goto fail;
    if (!params.vocab_only && (st = bind_tensors(m)) != L4A_OK) goto fail;
    if (!params.vocab_only && params.repack && (st = l4a_model_repack(m)) != L4A_OK) goto fail;

    for (uint64_t i = 0; i < m->gguf->n_tensors; i++) {
        m->n_params += (uint64_t)l4a_tensor_nelem(&m->gguf->tensors[i]);
        m->size_bytes += m->gguf->tensors[i].n_bytes;
    }
    *out = m;
    return L4A_OK;
fail:
    l4a_error_prefix("%s", path);
    l4a_model_free(m);
    return st;
}

void l4a_model_free(l4a_model *m) {
    if (!m) return;
    l4a_jmask_free(m->jmask);
    pthread_mutex_destroy(&m->jmask_lock);
    l4a_free(m->layers);
    l4a_pages_free(m->repacked, m->repacked_bytes);
    l4a_vocab_free(m->vocab);
    l4a_gguf_free(m->gguf);
    l4a_free(m->arch_name);
    l4a_free(m->name);
    l4a_free(m);
}

/* ---------------------------------------------------------------- getters */

const l4a_vocab *l4a_model_vocab(const l4a_model *m) { return m ? m->vocab : NULL; }
const l4a_gguf *l4a_model_gguf(const l4a_model *m) { return m ? m->gguf : NULL; }

const char *l4a_model_arch(const l4a_model *m) { return m ? m->arch_name : ""; }
const char *l4a_model_name(const l4a_model *m) { return m ? m->name : ""; }
int32_t l4a_model_n_vocab(const l4a_model *m) { return m ? m->hp.n_vocab : 0; }
int32_t l4a_model_n_ctx_train(const l4a_model *m) { return m ? m->hp.n_ctx_train : 0; }
int32_t l4a_model_n_embd(const l4a_model *m) { return m ? m->hp.n_embd : 0; }
int32_t l4a_model_n_layer(const l4a_model *m) { return m ? m->hp.n_layer : 0; }
int32_t l4a_model_n_head(const l4a_model *m) { return m ? m->hp.n_head : 0; }
int32_t l4a_model_n_head_kv(const l4a_model *m) { return m ? m->hp.n_head_kv : 0; }
uint64_t l4a_model_n_params(const l4a_model *m) { return m ? m->n_params : 0; }
uint64_t l4a_model_size_bytes(const l4a_model *m) { return m ? m->size_bytes : 0; }

/* A generated token reads every weight once, but of token_embd only its own row - unless the
 * output projection is token_embd (tied), which reads all of it. Files that are only a
 * vocabulary (no tensors bound) read nothing. */
uint64_t l4a_model_decode_bytes(const l4a_model *m) {
    if (!m || !m->tok_embd) return 0;
    uint64_t bytes = m->size_bytes, row = 0;
    if (m->output != m->tok_embd && l4a_row_size(m->tok_embd->type, m->tok_embd->ne[0], &row))
        bytes -= m->tok_embd->n_bytes - row;
    return bytes;
}
uint64_t l4a_model_file_size(const l4a_model *m) { return m ? m->gguf->file.size : 0; }

/* ---------------------------------------------------------------- metadata and tensors */

/* Copy len bytes and a NUL into buf when they fit; the length, or its negative when not. */
static int32_t put_text(const char *s, size_t len, char *buf, size_t size) {
    if (len > INT32_MAX - 1) len = INT32_MAX - 1;
    if (len + 1 <= size) {
        memcpy(buf, s, len);
        buf[len] = 0;
        return (int32_t)len;
    }
    if (buf && size > 0) buf[0] = 0;
    return -(int32_t)len;
}

int32_t l4a_model_meta_count(const l4a_model *m) {
    return m ? (int32_t)(m->gguf->n_kv > INT32_MAX ? INT32_MAX : m->gguf->n_kv) : 0;
}

int32_t l4a_model_meta_key(const l4a_model *m, int32_t i, char *buf, size_t size) {
    if (!m || i < 0 || (uint64_t)i >= m->gguf->n_kv) return put_text("", 0, buf, size);
    const l4a_str *k = &m->gguf->kv[i].key;
    return put_text(k->ptr, (size_t)k->len, buf, size);
}

int32_t l4a_model_meta_value(const l4a_model *m, int32_t i, char *buf, size_t size) {
    if (!m || i < 0 || (uint64_t)i >= m->gguf->n_kv) return put_text("", 0, buf, size);
    size_t len = l4a_gguf_value_str(&m->gguf->kv[i], buf, size);
    if (len > INT32_MAX - 1) len = INT32_MAX - 1;
    return len + 1 <= size ? (int32_t)len : -(int32_t)len;
}

int32_t l4a_model_meta_get(const l4a_model *m, const char *key, char *buf, size_t size) {
    if (!m || !key) return INT32_MIN;
    int64_t i = l4a_gguf_find(m->gguf, key);
    if (i < 0 || i > INT32_MAX) return INT32_MIN;
    return l4a_model_meta_value(m, (int32_t)i, buf, size);
}

int32_t l4a_model_tensor_count(const l4a_model *m) {
    return m ? (int32_t)(m->gguf->n_tensors > INT32_MAX ? INT32_MAX : m->gguf->n_tensors) : 0;
}

l4a_status l4a_model_tensor_info(const l4a_model *m, int32_t i, l4a_tensor_info *out) {
    if (!m || !out || i < 0 || (uint64_t)i >= m->gguf->n_tensors)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_model_tensor_info: index %d out of range "
                        "(%d tensors)", i, l4a_model_tensor_count(m));
    const l4a_tensor *t = &m->gguf->tensors[i];
    const l4a_type_traits *tr = l4a_type_traits_of(t->type);
    out->name = t->name;
    out->type_name = tr ? tr->name : "unknown";
    out->n_dims = t->n_dims;
    for (int d = 0; d < 4; d++) out->ne[d] = t->ne[d];
    out->n_bytes = t->n_bytes;
    return L4A_OK;
}
