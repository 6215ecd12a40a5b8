/*
 * test_hf_vocab.c - tiny models with the REAL vocabularies of the seed's models, as Hugging
 * Face folders and as the GGUF files `llm4all convert` writes from them: the tokenizer written
 * into the GGUF (tokenizer/vocab_gguf.c) must give Hugging Face's ids, as the folder does.
 *
 * The folders are made here, at run time, from a fixed seed (an embedding of 65,024 x 64 is
 * 8 MB in BF16, too large to commit): config.json of a tiny model (hidden 64, 2 layers) of each
 * family with the real vocabulary size, random BF16 weights (xorshift64*, uniform, matrices
 * scaled by 1/sqrt(fan_in)), and the real tokenizer files of ../shared/data/tokenizers:
 *   falcon   FalconForCausalLM (CLAIRE-7B's layout)  + falcon-7b/tokenizer.json (byte-level BPE)
 *   mistral  MistralForCausalLM                       + mistral-7b-v0.1/tokenizer.model (SPM)
 *   lucie    LlamaForCausalLM (Lucie-7B's config)     + lucie-7b/tokenizer.json (BPE over
 *            characters with byte fallback and a normalizer: llama.cpp's "llama" model plus the
 *            tokenizer.json itself, which llm4all reads back)
 * For each: the folder and its F32 and Q8_0 conversions tokenize every case of
 * tests/golden/hf_tokens/<tok>.txt and the whole of tests/data/fr_handbook.txt (count and hash
 * of the ids) to Hugging Face's ids (scripts/golden_hf_tokens.py); the GGUF keys name the
 * tokenizer model llama.cpp expects; the folder and its F32 conversion give the same greedy 16
 * tokens from a French prompt (the same float32 function: BF16 weights widen exactly to F32).
 *
 * `test_hf_vocab --make DIR` only writes the three folders into DIR (for
 * scripts/check_convert_llamacpp.py, which runs their conversions in llama.cpp).
 */
#include "harness.h"
#include "llm4all.h"
#include "formats/gguf_build.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* CHECK_MSG as an expression: true when x holds. */
#define REQUIRE(x, ...) \
    (CHECK(x) ? true : (fprintf(stderr, "    "), fprintf(stderr, __VA_ARGS__), fprintf(stderr, "\n"), false))

static const char *g_tok;  /* the folder of the real tokenizer files */

static const char *tokenizers_dir(void) {
    const char *env = getenv("L4A_TOKENIZERS_DIR");
    static const char *const cands[] = {"../shared/data/tokenizers", "../../shared/data/tokenizers"};
    if (env && *env) return access(env, R_OK) == 0 ? env : NULL;
    for (size_t i = 0; i < 2; i++)
        if (access(cands[i], R_OK) == 0) return cands[i];
    return NULL;
}

/* ---------------------------------------------------------------- making the folders */

typedef struct spec {
    const char *name, *tok, *golden;  /* folder name, tokenizer folder, golden file */
    bool parse_special;               /* as the golden file was made */
    const char *config;               /* config.json */
    int vocab, hidden, layers, ffn, heads, kv;
    bool falcon, tied;
    const char *files[3];             /* tokenizer files to copy */
} spec;

static const spec k_specs[] = {
    {"falcon", "falcon-7b", "falcon-7b", true,
     "{\"architectures\":[\"FalconForCausalLM\"],\"model_type\":\"falcon\",\"alibi\":false,"
     "\"bias\":false,\"hidden_size\":64,\"num_attention_heads\":4,\"num_hidden_layers\":2,"
     "\"multi_query\":true,\"new_decoder_architecture\":false,\"parallel_attn\":true,"
     "\"layer_norm_epsilon\":1e-05,\"bos_token_id\":11,\"eos_token_id\":11,"
     "\"max_position_embeddings\":2048,\"vocab_size\":65024,\"torch_dtype\":\"bfloat16\"}",
     65024, 64, 2, 256, 4, 1, true, true, {"tokenizer.json", "tokenizer_config.json", NULL}},
    {"mistral", "mistral-7b-v0.1", "mistral-7b-v0.1", false,
     "{\"architectures\":[\"MistralForCausalLM\"],\"model_type\":\"mistral\",\"hidden_size\":64,"
     "\"intermediate_size\":128,\"num_attention_heads\":4,\"num_key_value_heads\":2,"
     "\"num_hidden_layers\":2,\"rms_norm_eps\":1e-05,\"rope_theta\":10000.0,"
     "\"sliding_window\":4096,\"max_position_embeddings\":32768,\"tie_word_embeddings\":false,"
     "\"bos_token_id\":1,\"eos_token_id\":2,\"vocab_size\":32000,\"torch_dtype\":\"bfloat16\"}",
     32000, 64, 2, 128, 4, 2, false, false, {"tokenizer.model", NULL, NULL}},
    {"lucie", "lucie-7b", "lucie-7b", true,
     "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_size\":64,"
     "\"intermediate_size\":96,\"num_attention_heads\":4,\"num_key_value_heads\":2,"
     "\"num_hidden_layers\":2,\"rms_norm_eps\":1e-05,\"rope_theta\":20000000.0,"
     "\"max_position_embeddings\":32000,\"tie_word_embeddings\":false,\"bos_token_id\":0,"
     "\"eos_token_id\":1,\"vocab_size\":65024,\"torch_dtype\":\"bfloat16\"}",
     65024, 64, 2, 96, 4, 2, false, false, {"tokenizer.json", "tokenizer_config.json", NULL}},
};

static uint64_t g_rng;

static double uniform(void) {  /* xorshift64*: [-1, 1) */
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return (double)((g_rng * 2685821657736338717ull) >> 11) / 9007199254740992.0 * 2 - 1;
}

static uint16_t bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);  /* round to nearest even */
}

typedef struct tdesc {
    char name[96];
    int64_t rows, cols;  /* cols 0: a vector of rows */
    int kind;            /* 0 matrix, 1 embedding, 2 norm weight, 3 bias */
} tdesc;

static int describe(const spec *s, tdesc *t) {
    int n = 0;
    const int H = s->hidden, D = H / s->heads;
#define T(k, r, c, ...) (snprintf(t[n].name, sizeof t[n].name, __VA_ARGS__), t[n].rows = (r), t[n].cols = (c), t[n++].kind = (k))
    if (s->falcon) {
        T(1, s->vocab, H, "transformer.word_embeddings.weight");
        for (int l = 0; l < s->layers; l++) {
            T(2, H, 0, "transformer.h.%d.input_layernorm.weight", l);
            T(3, H, 0, "transformer.h.%d.input_layernorm.bias", l);
            T(0, H + 2 * D, H, "transformer.h.%d.self_attention.query_key_value.weight", l);
            T(0, H, H, "transformer.h.%d.self_attention.dense.weight", l);
            T(0, s->ffn, H, "transformer.h.%d.mlp.dense_h_to_4h.weight", l);
            T(0, H, s->ffn, "transformer.h.%d.mlp.dense_4h_to_h.weight", l);
        }
        T(2, H, 0, "transformer.ln_f.weight");
        T(3, H, 0, "transformer.ln_f.bias");
    } else {
        T(1, s->vocab, H, "model.embed_tokens.weight");
        for (int l = 0; l < s->layers; l++) {
            T(2, H, 0, "model.layers.%d.input_layernorm.weight", l);
            T(2, H, 0, "model.layers.%d.post_attention_layernorm.weight", l);
            T(0, H, H, "model.layers.%d.self_attn.q_proj.weight", l);
            T(0, s->kv * D, H, "model.layers.%d.self_attn.k_proj.weight", l);
            T(0, s->kv * D, H, "model.layers.%d.self_attn.v_proj.weight", l);
            T(0, H, H, "model.layers.%d.self_attn.o_proj.weight", l);
            T(0, s->ffn, H, "model.layers.%d.mlp.gate_proj.weight", l);
            T(0, s->ffn, H, "model.layers.%d.mlp.up_proj.weight", l);
            T(0, H, s->ffn, "model.layers.%d.mlp.down_proj.weight", l);
        }
        T(2, H, 0, "model.norm.weight");
        if (!s->tied) T(0, s->vocab, H, "lm_head.weight");
    }
#undef T
    return n;
}

static bool write_all(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(p, 1, n, f) == n;
    if (f) ok = fclose(f) == 0 && ok;
    return ok;
}

static bool copy_file(const char *from, const char *to) {
    size_t n;
    char *b = l4a_test_read_file(from, &n);
    bool ok = b && write_all(to, b, n);
    free(b);
    return ok;
}

/* config.json, model.safetensors (BF16) and the tokenizer files of s into dir/s->name. */
static bool make_folder(const spec *s, const char *dir, char *out, size_t size) {
    snprintf(out, size, "%s/%s", dir, s->name);
    if (mkdir(out, 0755) != 0 && errno != EEXIST) return false;
    char path[1024], from[1024];
    snprintf(path, sizeof path, "%s/config.json", out);
    if (!write_all(path, s->config, strlen(s->config))) return false;
    for (int i = 0; i < 3 && s->files[i]; i++) {
        snprintf(from, sizeof from, "%s/%s/%s", g_tok, s->tok, s->files[i]);
        snprintf(path, sizeof path, "%s/%s", out, s->files[i]);
        if (!copy_file(from, path)) return false;
    }
    tdesc t[64];
    int n = describe(s, t);
    size_t hcap = 16384, hn = 0;
    char *hdr = malloc(hcap);
    uint64_t off = 0;
    hn += (size_t)snprintf(hdr + hn, hcap - hn, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (int i = 0; i < n; i++) {
        uint64_t nb = 2ull * (uint64_t)t[i].rows * (uint64_t)(t[i].cols ? t[i].cols : 1);
        if (t[i].cols)
            hn += (size_t)snprintf(hdr + hn, hcap - hn, ",\"%s\":{\"dtype\":\"BF16\",\"shape\":[%lld,%lld],"
                                   "\"data_offsets\":[%llu,%llu]}", t[i].name, (long long)t[i].rows,
                                   (long long)t[i].cols, (unsigned long long)off, (unsigned long long)(off + nb));
        else
            hn += (size_t)snprintf(hdr + hn, hcap - hn, ",\"%s\":{\"dtype\":\"BF16\",\"shape\":[%lld],"
                                   "\"data_offsets\":[%llu,%llu]}", t[i].name, (long long)t[i].rows,
                                   (unsigned long long)off, (unsigned long long)(off + nb));
        off += nb;
    }
    hn += (size_t)snprintf(hdr + hn, hcap - hn, "}");
    while (hn % 8) hdr[hn++] = ' ';
    snprintf(path, sizeof path, "%s/model.safetensors", out);
    FILE *f = fopen(path, "wb");
    if (!f) { free(hdr); return false; }
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)((uint64_t)hn >> (8 * i));
    bool ok = fwrite(le, 1, 8, f) == 8 && fwrite(hdr, 1, hn, f) == hn;
    g_rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)s->vocab;
    for (int i = 0; i < n && ok; i++) {
        int64_t cnt = t[i].rows * (t[i].cols ? t[i].cols : 1);
        double scale = t[i].kind == 0 ? sqrt(3.0 / (double)t[i].cols) : t[i].kind == 1 ? 0.35 : 0.35;
        for (int64_t k = 0; k < cnt && ok; k++) {
            float v = (float)(scale * uniform()) + (t[i].kind == 2 ? 1.0f : 0.0f);
            uint16_t h = bf16(v);
            uint8_t b[2] = {(uint8_t)h, (uint8_t)(h >> 8)};
            ok = fwrite(b, 1, 2, f) == 2;
        }
    }
    ok = fclose(f) == 0 && ok;
    free(hdr);
    return ok;
}

/* ---------------------------------------------------------------- checks */

static size_t unhex(const char *h, char *out) {
    if (strcmp(h, "-") == 0) return 0;
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (char)v;
    }
    return n;
}

/* Every case of the golden file and the whole handbook: ids equal to Hugging Face's. */
static void check_ids(const spec *s, const l4a_model *m, const char *what) {
    char path[256];
    snprintf(path, sizeof path, "golden/hf_tokens/%s.txt", s->golden);
    size_t len;
    char *g = l4a_test_read_file(l4a_test_path(path), &len);
    if (!REQUIRE(g != NULL, "cannot read tests/%s", path)) return;
    char *text = malloc(len);
    l4a_token *ids = malloc(len * sizeof *ids), *ref = malloc(len * sizeof *ref);
    int cases = 0, same = 0, n = 0;
    bool big_ok = false;
    for (char *line = strtok(g, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "case ", 5) == 0) {
            size_t tn = unhex(line + 5, text);
            n = l4a_tokenize(m, text, tn, ids, (int32_t)len, true, s->parse_special);
            cases++;
        } else if (strncmp(line, "ids ", 4) == 0) {
            char *e;
            int32_t nref = (int32_t)strtol(line + 4, &e, 10);
            for (int32_t i = 0; i < nref; i++) ref[i] = (l4a_token)strtol(e, &e, 10);
            same += n == nref && memcmp(ids, ref, (size_t)n * sizeof *ids) == 0;
        } else if (strncmp(line, "big ", 4) == 0) {
            long long want_n;
            unsigned long long want_h, unused;
            size_t fl;
            char *fr = l4a_test_read_file(l4a_test_path("data/fr_handbook.txt"), &fl);
            if (sscanf(line, "big %lld %llx %llx", &want_n, &want_h, &unused) != 3 || !fr) break;
            l4a_token *big = malloc((fl + 2) * sizeof *big);
            int32_t k = l4a_tokenize(m, fr, fl, big, (int32_t)fl + 2, true, s->parse_special);
            uint64_t h = 0xcbf29ce484222325ull;
            for (int32_t i = 0; i < k; i++)
                for (int b = 0; b < 4; b++) h = (h ^ (uint8_t)((uint32_t)big[i] >> (8 * b))) * 0x100000001b3ull;
            big_ok = k == want_n && h == want_h;
            free(big);
            free(fr);
        }
    }
    CHECK_MSG(cases >= 80 && same == cases, "%s (%s): ids equal to HF for %d of %d texts", s->name, what,
              same, cases);
    CHECK_MSG(big_ok, "%s (%s): fr_handbook.txt ids differ from HF's", s->name, what);
    printf("%s (%s): %d/%d texts and fr_handbook.txt %s Hugging Face's ids\n", s->name, what, same, cases,
           big_ok ? "give" : "DO NOT give");
    free(g);
    free(text);
    free(ids);
    free(ref);
}

/* Greedy 16 tokens from a French prompt. */
static int greedy(const l4a_model *m, l4a_token *out) {
    const char *prompt = "La ville de Paris est connue pour";
    l4a_token ids[64];
    int32_t n = l4a_tokenize(m, prompt, strlen(prompt), ids, 64, true, false);
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = 64;
    cp.kv_type = L4A_KV_F32;
    cp.n_threads = 2;
    l4a_ctx *ctx = NULL;
    if (n <= 0 || l4a_ctx_new(m, cp, &ctx) != L4A_OK) return -1;
    l4a_ctx_set_ggml_rounding(ctx, false);
    int k = 0;
    l4a_status st = l4a_decode(ctx, ids, n, false);
    const int32_t V = l4a_model_n_vocab(m);
    for (; k < 16 && st == L4A_OK; k++) {
        const float *lg = l4a_get_logits(ctx, -1);
        l4a_token t = 0;
        for (int32_t v = 1; v < V; v++)
            if (lg[v] > lg[t]) t = v;
        out[k] = t;
        st = l4a_decode(ctx, &t, 1, false);
    }
    l4a_ctx_free(ctx);
    return st == L4A_OK ? k : -1;
}

static void test_model(const spec *s, const char *tmp) {
    char dir[512], out[600], meta[64];
    if (!REQUIRE(make_folder(s, tmp, dir, sizeof dir), "cannot write the folder %s/%s", tmp, s->name)) return;
    l4a_model *m = NULL;
    if (!REQUIRE(l4a_model_load(dir, l4a_model_default_params(), &m) == L4A_OK, "%s: %s", dir,
                   l4a_last_error()))
        return;
    CHECK_EQ_INT(l4a_model_n_vocab(m), s->vocab);
    check_ids(s, m, "folder");
    l4a_token g_dir[16], g_gguf[16];
    int n_dir = greedy(m, g_dir);
    CHECK_EQ_INT(n_dir, 16);
    l4a_token bos = l4a_token_bos(m), eos = l4a_token_eos(m);
    bool add_bos = l4a_add_bos(m);
    l4a_model_free(m);

    static const char *const types[] = {"f32", "q8_0"};
    for (int i = 0; i < 2; i++) {
        snprintf(out, sizeof out, "%s/%s.%s.gguf", tmp, s->name, types[i]);
        if (!REQUIRE(l4a_model_convert(dir, out, types[i]) == L4A_OK, "convert %s: %s", dir, l4a_last_error()))
            continue;
        m = NULL;
        if (!REQUIRE(l4a_model_load(out, l4a_model_default_params(), &m) == L4A_OK, "%s: %s", out,
                       l4a_last_error()))
            continue;
        CHECK(l4a_model_meta_get(m, "tokenizer.ggml.model", meta, sizeof meta) > 0);
        CHECK_MSG(strcmp(meta, s->falcon ? "gpt2" : "llama") == 0, "%s: tokenizer.ggml.model '%s'", s->name, meta);
        if (s->falcon) {
            CHECK(l4a_model_meta_get(m, "tokenizer.ggml.pre", meta, sizeof meta) > 0);
            CHECK_MSG(strcmp(meta, "falcon") == 0, "tokenizer.ggml.pre '%s'", meta);
        }
        CHECK_EQ_INT(l4a_model_n_vocab(m), s->vocab);
        /* Falcon has no BOS token; a "gpt2" GGUF without bos_token_id gets llama.cpp's default
         * (11), unused since add_bos is false */
        if (bos >= 0 || !s->falcon) CHECK_EQ_INT(l4a_token_bos(m), bos);
        CHECK_EQ_INT(l4a_token_eos(m), eos);
        CHECK_EQ_INT(l4a_add_bos(m), add_bos);
        char what[32];
        snprintf(what, sizeof what, "GGUF %s", types[i]);
        check_ids(s, m, what);
        if (i == 0) {
            int n_gguf = greedy(m, g_gguf);
            bool same = n_gguf == 16 && memcmp(g_dir, g_gguf, sizeof g_dir) == 0;
            CHECK_MSG(same, "%s: greedy from the folder and from its F32 GGUF differ", s->name);
            char text[512];
            int32_t k = l4a_detokenize(m, g_gguf, n_gguf > 0 ? n_gguf : 0, text, sizeof text, false);
            printf("%s: greedy 16 from the folder and the F32 GGUF %s (%d bytes of text)\n", s->name,
                   same ? "identical" : "DIFFER", k);
        }
        l4a_model_free(m);
        unlink(out);
    }
}

/* A GGUF vocabulary "llama" of 4 tokens carrying tokenizer.huggingface.json = json. */
static l4a_status load_embedded(const char *json, l4a_vocab **v) {
    l4a_gguf_builder *b = l4a_gguf_build_new();
    static const char *const toks[] = {"<unk>", "a", "b", "ab"};
    const float scores[] = {0, 0, 0, -1};
    l4a_gguf_build_str(b, "tokenizer.ggml.model", "llama");
    l4a_gguf_build_str_arr(b, "tokenizer.ggml.tokens", toks, 4);
    l4a_gguf_build_arr(b, "tokenizer.ggml.scores", 6 /* F32 */, scores, 4);
    l4a_gguf_build_str(b, "tokenizer.huggingface.json", json);
    l4a_gguf *g = NULL;
    l4a_status st = l4a_gguf_build_finish(b, &g);
    if (!st) st = l4a_vocab_load(g, v);
    l4a_gguf_free(g);
    return st;
}

/* The embedded tokenizer.json is used when we run it, refused with its name when malformed,
 * and left for tokenizer.ggml.* when it is a kind we do not run. */
static void test_embedded_json(void) {
    l4a_vocab *v = NULL;
    const char *ok = "{\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"byte_fallback\":false,"
                     "\"vocab\":{\"<unk>\":0,\"a\":1,\"b\":2,\"ab\":3},\"merges\":[\"a b\"]}}";
    CHECK(load_embedded(ok, &v) == L4A_OK);
    if (v) {
        l4a_token t[4];
        CHECK_EQ_INT(l4a_vocab_tokenize(v, "ab", 2, t, 4, false, false), 1);
        CHECK_EQ_INT(t[0], 3);
    }
    l4a_vocab_free(v);
    v = NULL;
    CHECK(load_embedded("{\"model\": [", &v) == L4A_ERR_FORMAT && v == NULL);
    CHECK(strstr(l4a_last_error(), "tokenizer.huggingface.json") != NULL);
    const char *other = "{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}";
    CHECK(load_embedded(other, &v) == L4A_OK);  /* the GGUF keys: an SPM vocabulary of 4 */
    if (v) CHECK_EQ_INT(l4a_vocab_n_tokens(v), 4);
    l4a_vocab_free(v);
    const char *bigger = "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1},\"merges\":[]}}";
    v = NULL;
    CHECK(load_embedded(bigger, &v) == L4A_ERR_FORMAT && v == NULL);  /* 2 tokens, not 4 */
}

static void remove_folder(const char *tmp, const spec *s) {
    char p[1024];
    static const char *const files[] = {"config.json", "model.safetensors", "tokenizer.json",
                                        "tokenizer_config.json", "tokenizer.model"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s/%s", tmp, s->name, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/%s", tmp, s->name);
    rmdir(p);
}

int main(int argc, char **argv) {
    g_tok = tokenizers_dir();
    if (argc == 3 && strcmp(argv[1], "--make") == 0) {
        if (!g_tok) { fprintf(stderr, "tokenizer files not found\n"); return 1; }
        char dir[512];
        for (size_t i = 0; i < sizeof k_specs / sizeof k_specs[0]; i++) {
            if (!make_folder(&k_specs[i], argv[2], dir, sizeof dir)) {
                fprintf(stderr, "cannot write %s/%s\n", argv[2], k_specs[i].name);
                return 1;
            }
            printf("%s\n", dir);
        }
        return 0;
    }
    CHECK_MSG(g_tok != NULL, "the tokenizer files are missing: ../shared/data/tokenizers (or $L4A_TOKENIZERS_DIR)");
    if (!g_tok) return l4a_test_summary("test_hf_vocab");
    test_embedded_json();
    char tmp[] = "/tmp/l4a_test_hf_vocab_XXXXXX";
    if (!CHECK(mkdtemp(tmp) != NULL)) return l4a_test_summary("test_hf_vocab");
    for (size_t i = 0; i < sizeof k_specs / sizeof k_specs[0]; i++) {
        test_model(&k_specs[i], tmp);
        remove_folder(tmp, &k_specs[i]);
    }
    rmdir(tmp);
    return l4a_test_summary("test_hf_vocab");
}
