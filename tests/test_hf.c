/*
 * test_hf.c - Hugging Face model folders: the tiny random-weight models of tests/data/hf_tiny/
 * against transformers' logits (scripts/golden_hf_tiny.py), and hostile safetensors files,
 * shard indexes and config.json texts.
 *
 * Logits: every position of T = 24 input ids, decoded in one batch with an F32 KV cache and
 * the ggml-rounding emulation off (l4a_ctx_set_ggml_rounding), so llm4all computes the model's
 * exact function in float32. The reference is transformers in float64 on the same F32 weights.
 * Tolerance: max |ours - ref| over a row <= 1e-4 * max |ref| of the row. float32 carries 24
 * bits (6e-8 relative); a tiny model accumulates dot products of <= 256 terms through a few
 * layers, which gives errors of order 1e-6 of the logits' scale. 1e-4 leaves two orders of
 * margin for rounding while any wrong formula (a norm, the RoPE pairing, a window off by one,
 * a transposed head) moves logits by 1e-2 or more of their scale.
 * Greedy: 16 tokens, one decode step at a time through the KV cache, must equal transformers'
 * argmax continuation exactly (its smallest top-1 margin is recorded in the golden file and is
 * far above the error bound above).
 */
#include "harness.h"
#include "core/core.h"
#include "formats/hf.h"
#include "formats/hf_config.h"
#include "formats/safetensors.h"
#include "models/model.h"
#include "llm4all.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- golden logits */

typedef struct golden {
    uint32_t T, V, n_gen;
    int32_t *ids, *gen;
    float *logits;
    float margin;
    char *buf;
} golden;

static bool golden_read(const char *name, golden *g) {
    char rel[256];
    snprintf(rel, sizeof rel, "golden/hf_tiny/%s.bin", name);
    size_t len = 0;
    memset(g, 0, sizeof *g);
    g->buf = l4a_test_read_file(l4a_test_path(rel), &len);
    if (!CHECK(g->buf != NULL && len >= 20 && memcmp(g->buf, "L4AHFLG1", 8) == 0)) return false;
    memcpy(&g->T, g->buf + 8, 4);
    memcpy(&g->V, g->buf + 12, 4);
    memcpy(&g->n_gen, g->buf + 16, 4);
    size_t need = 20 + 4 * ((size_t)g->T + (size_t)g->T * g->V + g->n_gen) + 4;
    if (!CHECK(g->T <= 4096 && g->V <= 65536 && g->n_gen <= 1024 && len == need)) return false;
    g->ids = (int32_t *)(g->buf + 20);
    g->logits = (float *)(g->buf + 20 + 4 * (size_t)g->T);
    g->gen = (int32_t *)(g->buf + 20 + 4 * ((size_t)g->T + (size_t)g->T * g->V));
    memcpy(&g->margin, g->buf + need - 4, 4);
    return true;
}

/* The model at path (a folder, or a GGUF converted from it) against the golden file of name:
 * logits within tol of the row's scale; the greedy continuation when greedy. */
static void check_model(const char *name, const char *path, double tol, bool greedy) {
    golden g;
    if (!golden_read(name, &g)) {
        free(g.buf);
        return;
    }
    const char *dir = path;
    l4a_model *m = NULL;
    l4a_status st = l4a_model_load(dir, l4a_model_default_params(), &m);
    CHECK_MSG(st == L4A_OK, "%s: %s", dir, l4a_last_error());
    if (st) {
        free(g.buf);
        return;
    }
    CHECK_EQ_INT(l4a_model_n_vocab(m), g.V);
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = 64;
    cp.kv_type = L4A_KV_F32;
    cp.n_threads = 2;
    l4a_ctx *ctx = NULL;
    CHECK(l4a_ctx_new(m, cp, &ctx) == L4A_OK);
    l4a_ctx_set_ggml_rounding(ctx, false);

    /* every position in one batch */
    CHECK(l4a_decode(ctx, g.ids, (int32_t)g.T, true) == L4A_OK);
    double worst = 0;
    int64_t nonfinite = 0;
    for (uint32_t t = 0; t < g.T; t++) {
        const float *ours = l4a_get_logits(ctx, (int32_t)t), *ref = g.logits + (size_t)t * g.V;
        if (!CHECK(ours != NULL)) break;
        double dmax = 0, scale = 0;
        for (uint32_t v = 0; v < g.V; v++) {
            nonfinite += !isfinite(ours[v]);
            double d = fabs((double)ours[v] - ref[v]);
            dmax = d > dmax ? d : dmax;
            scale = fabs(ref[v]) > scale ? fabs(ref[v]) : scale;
        }
        worst = dmax / scale > worst ? dmax / scale : worst;
    }
    CHECK_EQ_INT(nonfinite, 0);
    CHECK_MSG(worst <= tol, "%s: logits differ from transformers by %.3g of their scale", path,
              worst);

    /* greedy continuation through the cache, one token per step */
    int32_t tok = 0, ok = greedy;
    for (uint32_t i = 0; i < g.n_gen && ok; i++) {
        const float *lg = l4a_get_logits(ctx, -1);
        tok = 0;
        for (uint32_t v = 1; v < g.V; v++)
            if (lg[v] > lg[tok]) tok = (int32_t)v;
        if (!CHECK(tok == g.gen[i])) {
            fprintf(stderr, "    %s: greedy step %u: %d, transformers %d\n", name, i, tok,
                    g.gen[i]);
            ok = 0;
        }
        else if (l4a_decode(ctx, &tok, 1, false) != L4A_OK)
            ok = 0;
    }
    printf("%s: %s, max relative logit error %.2g, greedy %s (min margin %.3g)\n", path,
           l4a_model_arch(m), worst, !greedy ? "not checked" : ok ? "identical" : "DIFFERS",
           (double)g.margin);

    /* no tokenizer files: the model runs ids, and tokenizing says why it cannot */
    l4a_token buf[8];
    CHECK(l4a_tokenize(m, "Bonjour", 7, buf, 8, false, false) == INT32_MIN);
    l4a_ctx_free(ctx);
    l4a_model_free(m);
    free(g.buf);
}

static void test_tiny(const char *name) {
    char dir[256];
    snprintf(dir, sizeof dir, "tests/data/hf_tiny/%s", name);
    check_model(name, dir, 1e-4, true);
}

/* `llm4all convert` round trip: the F32 GGUF gives the folder's numbers (same tolerance: the
 * same float32 arithmetic; for llama the q/k rows are permuted and run with the adjacent-pair
 * RoPE, which is exact). Other types change the weights, so the logits move by the weights'
 * rounding carried through the layers; the bounds are about twice what these models show
 * (measured: F16 <= 1.7e-3, BF16 <= 2.1e-2, Q8_0 <= 3.8e-2 of the logits' scale, from
 * per-weight steps of 2^-11, 2^-8 and about 1/100 of a block's spread), while a wrong layout
 * or block gives errors of order 1. Q4_0 (16 levels, measured <= 0.6) and Q4_K (which falls
 * back to Q8_0/F16 on these 48- and 64-wide rows) are checked to load and run finite. */
static void test_convert(const char *name) {
    char dir[256], out[256];
    snprintf(dir, sizeof dir, "tests/data/hf_tiny/%s", name);
    static const char *const types[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_k"};
    static const double tol[] = {1e-4, 4e-3, 4e-2, 8e-2, 1.0, 1.0};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        snprintf(out, sizeof out, "/tmp/l4a_test_hf_%d_%s.%s.gguf", (int)getpid(), name, types[i]);
        l4a_status st = l4a_model_convert(dir, out, types[i]);
        if (!CHECK(st == L4A_OK)) {
            fprintf(stderr, "    convert %s --type %s: %s\n", name, types[i], l4a_last_error());
            continue;
        }
        check_model(name, out, tol[i], i == 0);
        unlink(out);
    }
}

/* ---------------------------------------------------------------- hostile safetensors */

/* A safetensors file: u64 length, the header text, then data_len bytes of 0x3f. */
static uint8_t *st_bytes(const char *hdr, uint64_t data_len, uint64_t *size) {
    uint64_t h = strlen(hdr);
    *size = 8 + h + data_len;
    uint8_t *p = malloc((size_t)*size + 1);
    memcpy(p, &h, 8);
    memcpy(p + 8, hdr, (size_t)h);
    memset(p + 8 + h, 0x3f, (size_t)data_len);
    return p;
}

/* Parse; expect status want and a message containing needle. */
static void st_expect(const char *what, const char *hdr, uint64_t data_len, l4a_status want,
                      const char *needle) {
    uint64_t size;
    uint8_t *p = st_bytes(hdr, data_len, &size);
    l4a_safetensors *s = NULL;
    l4a_status st = l4a_st_parse(p, size, &s);
    CHECK_MSG(st == want && (want == L4A_OK) == (s != NULL), "%s: status %d, want %d (%s)", what,
              st, want, l4a_last_error());
    if (needle)
        CHECK_MSG(strstr(l4a_last_error(), needle) != NULL, "%s: message '%s' lacks '%s'", what,
                  l4a_last_error(), needle);
    l4a_st_free(s);
    free(p);
}

static void test_safetensors_hostile(void) {
    const char *ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                     "\"__metadata__\":{\"format\":\"pt\"}}";
    st_expect("valid", ok, 24, L4A_OK, NULL);
    uint64_t size;
    uint8_t *p = st_bytes(ok, 24, &size);
    l4a_safetensors *s = NULL;
    if (CHECK(l4a_st_parse(p, size, &s) == L4A_OK)) {
        CHECK_EQ_INT(s->n_tensors, 1);
        CHECK(s->tensors[0].n_dims == 2 && s->tensors[0].shape[0] == 2 &&
              s->tensors[0].shape[1] == 3 && s->tensors[0].n_bytes == 24);
        CHECK((const uint8_t *)s->tensors[0].data == p + 8 + strlen(ok));
    }
    l4a_st_free(s);
    /* truncated: every prefix of a valid file fails cleanly */
    for (uint64_t n = 0; n < size; n++) {
        s = NULL;
        l4a_status st = l4a_st_parse(p, n, &s);
        if (!CHECK(st == L4A_ERR_FORMAT && s == NULL)) {
            fprintf(stderr, "    prefix of %llu bytes: %d\n", (unsigned long long)n, st);
            break;
        }
    }
    /* header length past the end of the file, and absurd */
    uint64_t huge = size;
    memcpy(p, &huge, 8);
    CHECK(l4a_st_parse(p, size, &s) == L4A_ERR_FORMAT &&
          strstr(l4a_last_error(), "past the end") != NULL);
    huge = UINT64_MAX;
    memcpy(p, &huge, 8);
    CHECK(l4a_st_parse(p, size, &s) == L4A_ERR_FORMAT);
    free(p);

    st_expect("data past EOF", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
              20, L4A_ERR_FORMAT, "past the end");
    st_expect("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24,
              L4A_ERR_FORMAT, "overlap");
    st_expect("bad dtype", "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
              L4A_ERR_UNSUPPORTED, "dtype 'I64'");
    st_expect("shape/bytes", "{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
              L4A_ERR_FORMAT, "need 6");
    st_expect("end < begin", "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[8,6]}}", 8,
              L4A_ERR_FORMAT, "data_offsets");
    st_expect("shape overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
              "\"data_offsets\":[0,0]}}", 8, L4A_ERR_FORMAT, "overflows");
    st_expect("negative dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
              8, L4A_ERR_FORMAT, "shape[0]");
    st_expect("fractional offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
              "[0.5,4.5]}}", 8, L4A_ERR_FORMAT, "data_offsets");
    st_expect("5 dims", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1],\"data_offsets\":[0,4]}}",
              8, L4A_ERR_UNSUPPORTED, "dimensions");
    st_expect("dtype type", "{\"a\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
              L4A_ERR_FORMAT, "'dtype'");
    st_expect("no offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 8, L4A_ERR_FORMAT,
              "data_offsets");
    st_expect("duplicate", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
              "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, L4A_ERR_FORMAT,
              "twice");
    st_expect("not JSON", "{\"a\":", 8, L4A_ERR_FORMAT, "not valid JSON");
    st_expect("array header", "[1,2]", 8, L4A_ERR_FORMAT, "not a JSON object");
    st_expect("entry type", "{\"a\":[]}", 8, L4A_ERR_FORMAT, "not a JSON object");
}

/* ---------------------------------------------------------------- hostile folders */

static void write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!CHECK(f != NULL)) return;
    CHECK(fwrite(p, 1, n, f) == n);
    fclose(f);
}

static void copy_file(const char *from, const char *to) {
    size_t n = 0;
    char *b = l4a_test_read_file(from, &n);
    if (CHECK(b != NULL)) write_file(to, b, n);
    free(b);
}

/* Load a folder; expect the status and a message naming needle. */
static void load_expect(const char *dir, l4a_status want, const char *needle) {
    l4a_model *m = NULL;
    l4a_status st = l4a_model_load(dir, l4a_model_default_params(), &m);
    CHECK_MSG(st == want && (st == L4A_OK) == (m != NULL), "%s: status %d, want %d (%s)", dir,
              st, want, l4a_last_error());
    if (needle)
        CHECK_MSG(strstr(l4a_last_error(), needle) != NULL, "%s: message '%s' lacks '%s'", dir,
                  l4a_last_error(), needle);
    l4a_model_free(m);
}

static void test_folders_hostile(void) {
    char tmpl[] = "/tmp/l4a_hf_XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!CHECK(dir != NULL)) return;
    char cfg[512], st[512], idx[512];
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    snprintf(st, sizeof st, "%s/model.safetensors", dir);
    snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", dir);

    load_expect(dir, L4A_ERR_IO, "config.json");                 /* empty folder */
    copy_file("tests/data/hf_tiny/falcon-7b/config.json", cfg);
    load_expect(dir, L4A_ERR_IO, "model.safetensors");            /* no weights */

    /* a tensor missing: the real weights without the last layer's MLP output */
    l4a_safetensors *s = NULL;
    if (CHECK(l4a_st_open("tests/data/hf_tiny/falcon-7b/model.safetensors", true, &s) ==
              L4A_OK)) {
        char hdr[4096] = "{";
        const uint8_t *base = NULL;
        for (uint64_t i = 0; i < s->n_tensors; i++) {
            const l4a_st_tensor *t = &s->tensors[i];
            if (!base || (const uint8_t *)t->data < base) base = t->data;
        }
        for (uint64_t i = 0; i < s->n_tensors; i++) {
            const l4a_st_tensor *t = &s->tensors[i];
            if (strcmp(t->name, "transformer.h.1.mlp.dense_4h_to_h.weight") == 0) continue;
            const uint64_t off = (uint64_t)((const uint8_t *)t->data - base);
            char e[512];
            snprintf(e, sizeof e, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%lld%s%lld],"
                     "\"data_offsets\":[%llu,%llu]}", hdr[1] ? "," : "", t->name,
                     (long long)t->shape[0], t->n_dims > 1 ? "," : "",
                     t->n_dims > 1 ? (long long)t->shape[1] : 0LL, (unsigned long long)off,
                     (unsigned long long)(off + t->n_bytes));
            if (t->n_dims == 1) {       /* a vector: drop the second dimension */
                snprintf(e, sizeof e, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%lld],"
                         "\"data_offsets\":[%llu,%llu]}", hdr[1] ? "," : "", t->name,
                         (long long)t->shape[0], (unsigned long long)off,
                         (unsigned long long)(off + t->n_bytes));
            }
            strncat(hdr, e, sizeof hdr - strlen(hdr) - 2);
        }
        strcat(hdr, "}");
        const uint64_t data = s->file.size - (uint64_t)(base - s->file.data);
        uint64_t size;
        uint8_t *p = st_bytes(hdr, data, &size);
        memcpy(p + size - data, base, (size_t)data);
        write_file(st, p, (size_t)size);
        free(p);
        l4a_st_free(s);
        load_expect(dir, L4A_ERR_FORMAT, "blk.1.ffn_down.weight");
    }
    /* a shard index naming a file outside the folder, and a tensor not in its shard */
    const char *bad_idx = "{\"weight_map\":{\"lm_head.weight\":\"../model.safetensors\"}}";
    write_file(idx, bad_idx, strlen(bad_idx));
    load_expect(dir, L4A_ERR_FORMAT, "not a file name in the folder");
    const char *bad_idx2 = "{\"weight_map\":{\"nothing.weight\":\"model.safetensors\"}}";
    write_file(idx, bad_idx2, strlen(bad_idx2));
    load_expect(dir, L4A_ERR_FORMAT, "'nothing.weight' is not in shard");
    unlink(idx);
    /* an unknown tensor is refused, not ignored */
    const char *extra = "{\"transformer.h.0.extra.weight\":{\"dtype\":\"F32\",\"shape\":[1],"
                        "\"data_offsets\":[0,4]}}";
    uint64_t size;
    uint8_t *p = st_bytes(extra, 4, &size);
    write_file(st, p, (size_t)size);
    free(p);
    load_expect(dir, L4A_ERR_UNSUPPORTED, "transformer.h.0.extra.weight");

    unlink(st);
    unlink(cfg);
    rmdir(dir);
}

/* ---------------------------------------------------------------- config.json */

static void cfg_expect(const char *json, l4a_status want, const char *needle) {
    l4a_hf_config c;
    l4a_status st = l4a_hf_config_parse(json, strlen(json), &c);
    CHECK_MSG(st == want, "status %d, want %d (%s) for %s", st, want, l4a_last_error(), json);
    if (needle)
        CHECK_MSG(strstr(l4a_last_error(), needle) != NULL, "message '%s' lacks '%s'",
                  l4a_last_error(), needle);
}

#define LLAMA "\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":32,\"hidden_size\":64," \
              "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"intermediate_size\":96"
#define FALCON "\"architectures\":[\"FalconForCausalLM\"],\"vocab_size\":32,\"hidden_size\":64," \
               "\"num_hidden_layers\":2,\"num_attention_heads\":4"

static void test_config(void) {
    l4a_hf_config c;
    const char *lucie = "{" LLAMA ",\"num_key_value_heads\":2,\"rope_theta\":20000000.0,"
                        "\"tie_word_embeddings\":false,\"rms_norm_eps\":1e-5}";
    if (CHECK(l4a_hf_config_parse(lucie, strlen(lucie), &c) == L4A_OK)) {
        CHECK(c.family == L4A_HF_LLAMA && c.n_head_kv == 2 && c.head_dim == 16 && !c.tie_embd);
        CHECK_NEAR(c.rope_theta, 2e7, 1);
    }
    /* transformers 5 spelling of RoPE, llama3 scaling */
    const char *l3 = "{" LLAMA ",\"rope_parameters\":{\"rope_type\":\"llama3\",\"rope_theta\":"
                     "500000.0,\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                     "\"original_max_position_embeddings\":8192}}";
    if (CHECK(l4a_hf_config_parse(l3, strlen(l3), &c) == L4A_OK))
        CHECK(c.rope_scaling == L4A_HF_ROPE_LLAMA3 && c.rope_factor == 8.0f &&
              c.rope_theta == 500000.0f && c.rope_orig_ctx == 8192);
    /* the old RefinedWeb config of Falcon-7B */
    const char *rw = "{\"architectures\":[\"RWForCausalLM\"],\"model_type\":\"RefinedWebModel\","
                     "\"vocab_size\":65024,\"hidden_size\":4544,\"n_layer\":32,\"n_head\":71,"
                     "\"multi_query\":true,\"parallel_attn\":true,\"bias\":false,"
                     "\"alibi\":false,\"layer_norm_epsilon\":1e-05}";
    if (CHECK(l4a_hf_config_parse(rw, strlen(rw), &c) == L4A_OK))
        CHECK(c.family == L4A_HF_FALCON && c.n_head_kv == 1 && c.head_dim == 64 &&
              c.n_ff == 4 * 4544 && c.n_ln == 1 && c.tie_embd);

    cfg_expect("{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":32,\"hidden_size\":\"64\"}",
               L4A_ERR_FORMAT, "'hidden_size'");
    cfg_expect("{" LLAMA ",\"hidden_size\":32}", L4A_ERR_FORMAT, "twice");
    cfg_expect("{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":32}", L4A_ERR_FORMAT,
               "'hidden_size' is missing");
    cfg_expect("{" LLAMA ",\"num_key_value_heads\":3}", L4A_ERR_FORMAT, "multiple");
    cfg_expect("{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":32,\"hidden_size\":64,"
               "\"num_hidden_layers\":2,\"num_attention_heads\":-4}", L4A_ERR_FORMAT,
               "num_attention_heads");
    cfg_expect("{" LLAMA ",\"rope_theta\":\"big\"}", L4A_ERR_FORMAT, "rope_theta");
    cfg_expect("{" LLAMA ",\"tie_word_embeddings\":1}", L4A_ERR_FORMAT, "tie_word_embeddings");
    cfg_expect("{" LLAMA ",\"rope_scaling\":{\"type\":\"yarn\",\"factor\":4}}",
               L4A_ERR_UNSUPPORTED, "yarn");
    cfg_expect("{" LLAMA ",\"attention_bias\":true}", L4A_ERR_UNSUPPORTED, "attention_bias");
    cfg_expect("{" FALCON ",\"alibi\":true}", L4A_ERR_UNSUPPORTED, "alibi");
    cfg_expect("{" FALCON ",\"bias\":true}", L4A_ERR_UNSUPPORTED, "bias");
    cfg_expect("{" FALCON ",\"parallel_attn\":false}", L4A_ERR_UNSUPPORTED, "parallel_attn");
    cfg_expect("{\"architectures\":[\"GPT2LMHeadModel\"]}", L4A_ERR_UNSUPPORTED, "GPT2");
    cfg_expect("{\"architectures\":\"LlamaForCausalLM\"}", L4A_ERR_FORMAT, "architectures");
    cfg_expect("[1]", L4A_ERR_FORMAT, NULL);
    cfg_expect("{", L4A_ERR_FORMAT, "not valid JSON");
}

int main(void) {
    static const char *const names[] = {"falcon-7b", "falcon-40b", "mistral", "llama-lucie",
                                        "llama3-rope", "qwen2", "gemma3"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) test_tiny(names[i]);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) test_convert(names[i]);
    test_safetensors_hostile();
    test_folders_hostile();
    test_config();
    return l4a_test_summary("test_hf");
}
