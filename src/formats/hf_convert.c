/*
 * hf_convert.c - a Hugging Face folder written as a GGUF file that llm4all and llama.cpp both
 * load (l4a_model_convert in include/llm4all.h; `llm4all convert`).
 *
 * The folder is opened as an in-memory gguf (formats/hf.c: llama.cpp's key and tensor names),
 * and each tensor written:
 *  - 1-D tensors (norms, biases, rope_freqs) in F32, as llama.cpp's converter does;
 *  - matrices in the requested type, through float: row -> to_float -> from_float (the
 *    reference quantizers of src/quant). A matrix whose rows are not a whole number of the
 *    type's blocks (a tiny model's 64 columns and Q4_K's 256) falls back to Q8_0 (32), then F16,
 *    as llama.cpp's quantizer falls back for such tensors;
 *  - for arch "llama" the q and k rows permuted into llama.cpp's RoPE layout (adjacent channel
 *    pairs): within each head, row j*D/2 + i goes to 2*i + j (the inverse of what the loader
 *    undoes by running Hugging Face's weights with rotate-half RoPE).
 * Metadata: every key of the folder's gguf, plus general.file_type and
 * general.quantization_version, and the tokenizer: the folder's tokenizer.json or
 * tokenizer.model (+ tokenizer_config.json) read by tokenizer/tokenizer_hf.h and written by
 * tokenizer/vocab_gguf.h (tokenizer.ggml.*, as llama.cpp's converter writes them). A folder
 * without tokenizer files gets tokenizer.ggml.model "none", which llama.cpp and llm4all both
 * load as a model without a vocabulary, running token ids only.
 */
#include "formats/gguf_build.h"
#include "formats/gguf_write.h"
#include "formats/hf.h"
#include "tokenizer/tokenizer_hf.h"
#include "tokenizer/vocab_gguf.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* llama.cpp's llama_ftype of a whole-file type (general.file_type). */
static uint32_t ftype_of(uint32_t type) {
    switch (type) {
    case L4A_TYPE_F32: return 0;
    case L4A_TYPE_F16: return 1;
    case L4A_TYPE_Q4_0: return 2;
    case L4A_TYPE_Q8_0: return 7;
    case L4A_TYPE_Q4_K: return 15;      /* Q4_K_M: the closest named file type */
    case L4A_TYPE_BF16: return 32;
    default: return 0;
    }
}

static uint32_t type_of_name(const char *s) {
    static const struct { const char *n; uint32_t t; } names[] = {
        {"f32", L4A_TYPE_F32}, {"f16", L4A_TYPE_F16}, {"bf16", L4A_TYPE_BF16},
        {"q8_0", L4A_TYPE_Q8_0}, {"q4_0", L4A_TYPE_Q4_0}, {"q4_k", L4A_TYPE_Q4_K},
    };
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].n) == 0) return names[i].t;
    return UINT32_MAX;
}

/* The type a matrix of rows of n elements gets. */
static uint32_t matrix_type(uint32_t want, int64_t n) {
    const uint32_t order[3] = {want, L4A_TYPE_Q8_0, L4A_TYPE_F16};
    for (int i = 0; i < 3; i++)
        if (n % l4a_type_traits_of(order[i])->blck_size == 0) return order[i];
    return L4A_TYPE_F16;
}

/* Heads of a q/k weight that needs llama.cpp's permutation, or 0. */
static int64_t permute_heads(const l4a_gguf *g, const l4a_tensor *t) {
    l4a_str arch = {0};
    if (l4a_gguf_get_str(g, "general.architecture", false, &arch) || arch.len != 5 ||
        memcmp(arch.ptr, "llama", 5) != 0)
        return 0;
    const char *dot = strrchr(t->name, '.');
    uint32_t heads = 0;
    if (dot && dot - t->name > 7 && strcmp(dot, ".weight") == 0) {
        if (memcmp(dot - 7, ".attn_q", 7) == 0)
            l4a_gguf_get_u32(g, "llama.attention.head_count", false, &heads);
        else if (memcmp(dot - 7, ".attn_k", 7) == 0)
            l4a_gguf_get_u32(g, "llama.attention.head_count_kv", false, &heads);
    }
    return heads;
}

static l4a_status put_tensor(l4a_gguf_builder *b, const l4a_gguf *g, const l4a_tensor *t,
                             uint32_t want, float *row) {
    if (t->n_dims == 1) {
        l4a_gguf_build_tensor(b, t->name, t->type, t->n_dims, t->ne, t->data);
        return l4a_gguf_build_status(b);
    }
    const int64_t C = t->ne[0], R = l4a_tensor_nelem(t) / C;
    const uint32_t type = matrix_type(want, C);
    const l4a_type_traits *src = l4a_type_traits_of(t->type), *dst = l4a_type_traits_of(type);
    uint64_t rb = 0, total = 0;
    if (!l4a_row_size(type, C, &rb) || !l4a_mul_ok(rb, (uint64_t)R, &total))
        return l4a_fail(L4A_ERR_FORMAT, "convert: tensor '%s' is too large", t->name);
    uint8_t *data = l4a_gguf_build_alloc(b, total);
    if (!data) return l4a_gguf_build_status(b);
    const int64_t heads = permute_heads(g, t);
    const int64_t D = heads ? R / heads : 0;
    if (heads && (R % heads || D % 2))
        return l4a_fail(L4A_ERR_FORMAT, "convert: tensor '%s': %lld rows do not split into %lld "
                        "heads of an even size", t->name, (long long)R, (long long)heads);
    for (int64_t r = 0; r < R; r++) {
        int64_t from = r;
        if (heads) {        /* destination row h*D + 2i + j reads source row h*D + j*D/2 + i */
            const int64_t h = r / D, i = (r % D) / 2, j = r % 2;
            from = h * D + j * (D / 2) + i;
        }
        src->to_float(l4a_tensor_row(t, from), row, C);
        dst->from_float(row, data + (uint64_t)r * rb, C);
    }
    l4a_gguf_build_tensor(b, t->name, type, t->n_dims, t->ne, data);
    return l4a_gguf_build_status(b);
}

/* The tokenizer keys: from the folder's tokenizer files, else model "none". */
static l4a_status put_vocab(l4a_gguf_builder *b, const char *dir) {
    char tj[4096], tm[4096];
    snprintf(tj, sizeof tj, "%s/tokenizer.json", dir);
    snprintf(tm, sizeof tm, "%s/tokenizer.model", dir);
    const bool has_tj = access(tj, F_OK) == 0;
    if (!has_tj && access(tm, F_OK) != 0) {
        L4A_LOG_I("convert: %s has no tokenizer.json nor tokenizer.model: the GGUF file gets no "
                  "vocabulary (tokenizer.ggml.model \"none\")", dir);
        l4a_gguf_build_str(b, "tokenizer.ggml.model", "none");  /* llama.cpp: no vocabulary */
        return l4a_gguf_build_status(b);
    }
    l4a_vocab *v = NULL;
    l4a_mapped_file f = {0};
    l4a_status st = l4a_vocab_load_hf(dir, &v);
    if (!st && has_tj) st = l4a_file_map(tj, false, &f);
    if (!st) st = l4a_vocab_to_gguf(v, has_tj ? (const char *)f.data : NULL, (size_t)f.size, b);
    if (has_tj && f.data) l4a_file_unmap(&f);
    l4a_vocab_free(v);
    return st;
}

l4a_status l4a_model_convert(const char *dir, const char *out_path, const char *type_name) {
    if (!dir || !out_path) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_model_convert: NULL path");
    const uint32_t want = type_of_name(type_name ? type_name : "f16");
    if (want == UINT32_MAX)
        return l4a_fail(L4A_ERR_INVALID_ARG, "convert: unknown type '%s' (f32, f16, bf16, q8_0, "
                        "q4_0, q4_k)", type_name);
    if (!l4a_hf_is_dir(dir))
        return l4a_fail(L4A_ERR_INVALID_ARG, "convert: '%s' is not a Hugging Face model folder",
                        dir);
    l4a_gguf *g = NULL;
    l4a_status st = l4a_hf_open(dir, &g);
    if (st) return st;
    l4a_gguf_builder *b = l4a_gguf_build_new();
    int64_t max_c = 1;
    for (uint64_t i = 0; i < g->n_tensors; i++)
        max_c = g->tensors[i].ne[0] > max_c ? g->tensors[i].ne[0] : max_c;
    float *row = l4a_malloc_aligned((size_t)max_c * sizeof(float));
    if (!b || !row) {
        st = l4a_fail(L4A_ERR_NOMEM, "convert: out of memory");
        goto done;
    }
    for (uint64_t i = 0; i < g->n_kv; i++) l4a_gguf_build_copy(b, &g->kv[i]);
    l4a_gguf_build_u32(b, "general.file_type", ftype_of(want));
    l4a_gguf_build_u32(b, "general.quantization_version", 2);
    st = put_vocab(b, dir);
    for (uint64_t i = 0; i < g->n_tensors && !st; i++)
        st = put_tensor(b, g, &g->tensors[i], want, row);
    if (!st) {
        l4a_gguf *o = NULL;
        st = l4a_gguf_build_finish(b, &o);
        b = NULL;
        if (!st) st = l4a_gguf_write(o, out_path);
        l4a_gguf_free(o);
    }
done:
    l4a_gguf_build_free(b);
    l4a_free_aligned(row);
    l4a_gguf_free(g);
    return st;
}
