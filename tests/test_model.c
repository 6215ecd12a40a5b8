/*
 * test_model.c - the model loader and the context API on the three real models, and on small
 * files derived from tests/data/bad_gguf/vocab_mismatch.gguf.
 *
 *  - Hyper-parameters and metadata as the file says: every getter is compared with the value
 *    read from the GGUF directly (formats/gguf.h), nothing typed by hand.
 *  - Context errors: a full context (L4A_ERR_CONTEXT_FULL, nothing evaluated), token ids
 *    outside the vocabulary, bad truncation, unsupported KV type, vocab-only models.
 *  - KV cache correctness: after truncating and decoding again (also over stale cache rows
 *    written by other tokens), and token by token instead of in one batch, the logits are the
 *    same as a fresh batch decode. Tolerance: none (bit-identical). Every output element is
 *    computed by the same sequence of float operations whatever the batch composition and
 *    thread count (kernels/matmul.c; attention and norms are per row), so any difference is
 *    a bug, typically a cache row read before it is written or a wrong position.
 *  - Bad files: the vocabulary size differs from token_embd's rows; a weight's shape differs
 *    from the hyper-parameters (a patched copy): both refused with a message naming the tensor.
 * Real token ids come from the golden logits files (no tokenizer needed).
 */
#include "harness.h"
#include "core/core.h"
#include "formats/gguf.h"
#include "models/model.h"
#include "llm4all.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool expect(bool ok, const char *file, int line, const char *expr, const char *fmt, ...) {
    if (l4a_test_check(ok, file, line, expr)) return true;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "    ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return false;
}
#define EXPECT(x, ...) expect((x), __FILE__, __LINE__, #x, __VA_ARGS__)

/* ---------------------------------------------------------------- helpers */

static int64_t key_int(const l4a_gguf *g, const char *arch, const char *suffix, int64_t dflt) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    uint32_t v;
    if (l4a_gguf_find(g, key) < 0) return dflt;
    return l4a_gguf_get_u32(g, key, true, &v) == L4A_OK ? (int64_t)v : -1;
}

/* n real token ids: the first window of the model's golden logits file. */
static int32_t *golden_tokens(const char *model, int32_t n) {
    char rel[256];
    snprintf(rel, sizeof rel, "golden/logits/%s.bin", model);
    size_t len = 0;
    char *buf = l4a_test_read_file(l4a_test_path(rel), &len);
    if (!EXPECT(buf != NULL && len > 44, "cannot read tests/%s", rel)) {
        free(buf);
        return NULL;
    }
    uint32_t name_len, window;
    memcpy(&window, buf + 20, 4);
    memcpy(&name_len, buf + 40, 4);
    int32_t *t = NULL;
    if (EXPECT((int64_t)window >= n && len >= 44 + name_len + 4 * (size_t)n, "tests/%s: short",
               rel)) {
        t = malloc(sizeof(int32_t) * (size_t)n);
        memcpy(t, buf + 44 + name_len, sizeof(int32_t) * (size_t)n);
    }
    free(buf);
    return t;
}

/* ---------------------------------------------------------------- hyper-parameters */

static void test_hparams(const char *name) {
    const char *path = l4a_test_model(name);
    if (!path) return;
    l4a_gguf *g = NULL;
    l4a_model *m = NULL;
    if (!EXPECT(l4a_gguf_open(path, true, &g) == L4A_OK, "%s", l4a_last_error())) return;
    if (!EXPECT(l4a_model_load(path, l4a_model_default_params(), &m) == L4A_OK, "%s: %s", name,
                l4a_last_error())) {
        l4a_gguf_free(g);
        return;
    }
    l4a_str arch = {0}, gname = {0};
    CHECK(l4a_gguf_get_str(g, "general.architecture", true, &arch) == L4A_OK);
    l4a_gguf_get_str(g, "general.name", false, &gname);
    char a[64] = {0};
    memcpy(a, arch.ptr, arch.len < 63 ? arch.len : 63);
    CHECK(strcmp(l4a_model_arch(m), a) == 0);
    CHECK(strlen(l4a_model_name(m)) == gname.len &&
          memcmp(l4a_model_name(m), gname.ptr, gname.len) == 0);
    CHECK_EQ_INT(l4a_model_n_layer(m), key_int(g, a, "block_count", -1));
    CHECK_EQ_INT(l4a_model_n_embd(m), key_int(g, a, "embedding_length", -1));
    CHECK_EQ_INT(l4a_model_n_head(m), key_int(g, a, "attention.head_count", -1));
    CHECK_EQ_INT(l4a_model_n_head_kv(m),
                 key_int(g, a, "attention.head_count_kv", l4a_model_n_head(m)));
    CHECK_EQ_INT(l4a_model_n_ctx_train(m), key_int(g, a, "context_length", -1));
    const l4a_gguf_kv *toks = NULL;
    CHECK(l4a_gguf_get_arr(g, "tokenizer.ggml.tokens", L4A_GGUF_STRING, true, &toks) == L4A_OK);
    const l4a_tensor *te = l4a_gguf_tensor(g, "token_embd.weight");
    CHECK(toks && te && l4a_model_n_vocab(m) == (int64_t)toks->n &&
          l4a_model_n_vocab(m) == te->ne[1]);
    uint64_t n_params = 0, n_bytes = 0;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        n_params += (uint64_t)l4a_tensor_nelem(&g->tensors[i]);
        n_bytes += g->tensors[i].n_bytes;
    }
    CHECK(l4a_model_n_params(m) == n_params);
    CHECK(l4a_model_size_bytes(m) == n_bytes);
    CHECK(l4a_model_file_size(m) == g->file.size && n_bytes < g->file.size);
    printf("%s: %s, %d layers, C %d, heads %d/%d, vocab %d, %.1fM params, %.1f MiB\n", name,
           l4a_model_arch(m), l4a_model_n_layer(m), l4a_model_n_embd(m), l4a_model_n_head(m),
           l4a_model_n_head_kv(m), l4a_model_n_vocab(m), l4a_model_n_params(m) / 1e6,
           l4a_model_size_bytes(m) / 1048576.0);

    /* tensors in file order */
    CHECK_EQ_INT(l4a_model_tensor_count(m), g->n_tensors);
    l4a_tensor_info ti;
    const int32_t last = l4a_model_tensor_count(m) - 1;
    if (CHECK(l4a_model_tensor_info(m, last, &ti) == L4A_OK)) {
        const l4a_tensor *t = &g->tensors[last];
        CHECK(strcmp(ti.name, t->name) == 0 && ti.n_dims == t->n_dims && ti.ne[0] == t->ne[0] &&
              ti.ne[1] == t->ne[1] && ti.n_bytes == t->n_bytes);
        CHECK(strcmp(ti.type_name, l4a_type_traits_of(t->type)->name) == 0);
    }
    CHECK(l4a_model_tensor_info(m, last + 1, &ti) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_model_tensor_info(m, -1, &ti) == L4A_ERR_INVALID_ARG);

    /* metadata: keys in file order, values as text, short buffers */
    CHECK_EQ_INT(l4a_model_meta_count(m), g->n_kv);
    char buf[256];
    const int32_t n0 = l4a_model_meta_key(m, 0, buf, sizeof buf);
    CHECK(n0 == (int32_t)g->kv[0].key.len && memcmp(buf, g->kv[0].key.ptr, (size_t)n0) == 0);
    CHECK(l4a_model_meta_get(m, "general.architecture", buf, sizeof buf) == (int32_t)strlen(a));
    CHECK(strcmp(buf, a) == 0);
    CHECK(l4a_model_meta_get(m, "general.architecture", buf, 2) == -(int32_t)strlen(a));
    CHECK(l4a_model_meta_get(m, "no.such.key", buf, sizeof buf) == INT32_MIN);
    int64_t ib = l4a_gguf_find(g, "tokenizer.ggml.tokens");
    const int32_t need = l4a_model_meta_value(m, (int32_t)ib, NULL, 0);
    CHECK(need < 0 && l4a_model_meta_value(m, (int32_t)ib, buf, sizeof buf) == -need);

    /* vocab_only: metadata and vocabulary, no context */
    l4a_model *mv = NULL;
    l4a_model_params vp = l4a_model_default_params();
    vp.vocab_only = true;
    if (EXPECT(l4a_model_load(path, vp, &mv) == L4A_OK, "%s", l4a_last_error())) {
        CHECK_EQ_INT(l4a_model_n_vocab(mv), l4a_model_n_vocab(m));
        CHECK_EQ_INT(l4a_model_n_layer(mv), l4a_model_n_layer(m));
        l4a_ctx *c = NULL;
        CHECK(l4a_ctx_new(mv, l4a_ctx_default_params(), &c) == L4A_ERR_INVALID_ARG && !c);
        CHECK(strstr(l4a_last_error(), "vocab_only") != NULL);
    }
    l4a_model_free(mv);
    l4a_model_free(m);
    l4a_gguf_free(g);
}

/* ---------------------------------------------------------------- context errors */

static void test_ctx_errors(void) {
    const char *path = l4a_test_model("smollm2-135m");
    l4a_model *m = NULL;
    if (!path || !EXPECT(l4a_model_load(path, l4a_model_default_params(), &m) == L4A_OK, "%s",
                         l4a_last_error()))
        return;
    int32_t *tok = golden_tokens("smollm2-135m", 17);
    l4a_ctx_params cp = l4a_ctx_default_params();
    l4a_ctx *c = NULL;
    cp.kv_type = (l4a_kv_type)7;
    CHECK(l4a_ctx_new(m, cp, &c) == L4A_ERR_INVALID_ARG && c == NULL);
    CHECK(strstr(l4a_last_error(), "kv_type") != NULL);
    cp.kv_type = L4A_KV_F16;
    cp.n_batch = 0;
    CHECK(l4a_ctx_new(m, cp, &c) == L4A_ERR_INVALID_ARG);
    cp.n_batch = 5;
    cp.n_ctx = 16;
    cp.n_threads = 2;
    if (!tok || !EXPECT(l4a_ctx_new(m, cp, &c) == L4A_OK, "%s", l4a_last_error())) goto done;
    CHECK_EQ_INT(l4a_ctx_n_ctx(c), 16);
    CHECK(l4a_ctx_memory_bytes(c) > (uint64_t)16 * 30 * 2 * 192 * 2);  /* at least the cache */
    CHECK(l4a_get_logits(c, -1) == NULL);

    /* 16 tokens fit (in batches of 5); the 17th does not, and nothing is evaluated */
    CHECK(l4a_decode(c, tok, 16, false) == L4A_OK);
    CHECK_EQ_INT(l4a_ctx_n_past(c), 16);
    const float *last = l4a_get_logits(c, -1);
    CHECK(last != NULL && l4a_get_logits(c, 15) == last && l4a_get_logits(c, 14) == NULL);
    CHECK(l4a_decode(c, tok + 16, 1, false) == L4A_ERR_CONTEXT_FULL);
    CHECK_MSG(strstr(l4a_last_error(), "16") != NULL && strstr(l4a_last_error(), "0 free"),
              "message: %s", l4a_last_error());
    CHECK_EQ_INT(l4a_ctx_n_past(c), 16);
    CHECK(l4a_ctx_truncate(c, 10) == L4A_OK);
    CHECK(l4a_decode(c, tok, 7, false) == L4A_ERR_CONTEXT_FULL);
    CHECK_EQ_INT(l4a_ctx_n_past(c), 10);

    /* bad truncation */
    CHECK(l4a_ctx_truncate(c, 11) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_ctx_truncate(c, -1) == L4A_ERR_INVALID_ARG);
    CHECK_EQ_INT(l4a_ctx_n_past(c), 10);

    /* token ids outside the vocabulary; n <= 0 */
    int32_t bad[3] = {tok[0], -1, tok[1]};
    CHECK(l4a_decode(c, bad, 3, false) == L4A_ERR_INVALID_ARG);
    CHECK_MSG(strstr(l4a_last_error(), "-1") && strstr(l4a_last_error(), "index 1"), "message: %s",
              l4a_last_error());
    bad[1] = l4a_model_n_vocab(m);
    CHECK(l4a_decode(c, bad, 3, false) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_decode(c, bad, 0, false) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_decode(c, NULL, 1, false) == L4A_ERR_INVALID_ARG);
    CHECK_EQ_INT(l4a_ctx_n_past(c), 10);
done:
    free(tok);
    l4a_ctx_free(c);
    l4a_model_free(m);
}

/* ---------------------------------------------------------------- KV cache */

static bool same_rows(const float *a, const float *b, int32_t nv) {
    return a && b && memcmp(a, b, sizeof(float) * (size_t)nv) == 0;
}

static void test_kv_cache(const char *name, int32_t n, l4a_kv_type kv) {
    const int failed0 = l4a_test_failed;
    const char *path = l4a_test_model(name);
    l4a_model *m = NULL;
    if (!path || !EXPECT(l4a_model_load(path, l4a_model_default_params(), &m) == L4A_OK, "%s",
                         l4a_last_error()))
        return;
    const int32_t nv = l4a_model_n_vocab(m), half = n / 2;
    int32_t *tok = golden_tokens(name, n);
    float *ref = malloc(sizeof(float) * (size_t)nv * (size_t)n);
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = n;
    cp.n_threads = 2;
    cp.kv_type = kv;
    l4a_ctx *c = NULL, *c1 = NULL;
    if (!tok || !EXPECT(l4a_ctx_new(m, cp, &c) == L4A_OK, "%s", l4a_last_error())) goto done;

    /* reference: one batch, all logits */
    if (!CHECK(l4a_decode(c, tok, n, true) == L4A_OK)) goto done;
    for (int32_t i = 0; i < n; i++)
        memcpy(ref + (size_t)i * nv, l4a_get_logits(c, i), sizeof(float) * (size_t)nv);
    CHECK(l4a_get_logits(c, n) == NULL && l4a_get_logits(c, -2) == NULL);

    /* truncate to half and decode the rest again */
    int bad = 0;
    CHECK(l4a_ctx_truncate(c, half) == L4A_OK);
    CHECK(l4a_decode(c, tok + half, n - half, true) == L4A_OK);
    for (int32_t i = half; i < n; i++)
        bad += !same_rows(l4a_get_logits(c, i - half), ref + (size_t)i * nv, nv);
    CHECK_MSG(bad == 0, "%s: truncate + re-decode: %d of %d rows differ", name, bad, n - half);

    /* stale rows: other tokens written past half, then the original ones again */
    CHECK(l4a_ctx_truncate(c, half) == L4A_OK);
    CHECK(l4a_decode(c, tok, n - half, false) == L4A_OK);
    CHECK(l4a_ctx_truncate(c, half) == L4A_OK);
    CHECK(l4a_decode(c, tok + half, n - half, false) == L4A_OK);
    CHECK_MSG(same_rows(l4a_get_logits(c, -1), ref + (size_t)(n - 1) * nv, nv),
              "%s: decode over stale cache rows differs", name);

    /* token by token, on one thread, from an empty cache */
    cp.n_threads = 1;
    if (!EXPECT(l4a_ctx_new(m, cp, &c1) == L4A_OK, "%s", l4a_last_error())) goto done;
    bad = 0;
    for (int32_t i = 0; i < n; i++) {
        if (!CHECK(l4a_decode(c1, tok + i, 1, false) == L4A_OK)) break;
        bad += !same_rows(l4a_get_logits(c1, -1), ref + (size_t)i * nv, nv);
    }
    CHECK_MSG(bad == 0, "%s: token by token: %d of %d positions differ from the batch", name, bad,
              n);
    printf("%s (%s cache): batch, truncate + re-decode, token by token: %s over %d positions\n",
           name, kv == L4A_KV_F16 ? "F16" : kv == L4A_KV_Q8_0 ? "Q8_0" : "F32",
           l4a_test_failed == failed0 ? "identical logits" : "FAILED (see above)", n);
done:
    l4a_ctx_free(c);
    l4a_ctx_free(c1);
    free(tok);
    free(ref);
    l4a_model_free(m);
}

/* ---------------------------------------------------------------- bad and tiny files */

/* Copy of src with the 8-byte dimension ne[dim] of tensor `tensor` set to v, written to a
 * temporary file; returns its path (static) or NULL. */
static const char *patched(const char *src, const char *tensor, int dim, uint64_t v) {
    static char out[64];
    size_t len = 0;
    char *buf = l4a_test_read_file(src, &len);
    if (!buf) return NULL;
    /* tensor info: u64 name length, name, u32 n_dims, u64 ne[n_dims] ... */
    const size_t tl = strlen(tensor);
    char *hit = NULL;
    for (size_t i = 8; i + tl + 12 < len && !hit; i++) {
        uint64_t nl;
        memcpy(&nl, buf + i - 8, 8);
        if (nl == tl && memcmp(buf + i, tensor, tl) == 0) hit = buf + i + tl;
    }
    const char *res = NULL;
    if (hit) {
        memcpy(hit + 4 + 8 * (size_t)dim, &v, 8);
        snprintf(out, sizeof out, "/tmp/l4a_test_model_XXXXXX");
        int fd = mkstemp(out);
        if (fd >= 0) {
            if (write(fd, buf, len) == (ssize_t)len) res = out;
            close(fd);
        }
    }
    free(buf);
    return res;
}

static void test_bad_files(void) {
    char src[256];
    snprintf(src, sizeof src, "%s", l4a_test_path("data/bad_gguf/vocab_mismatch.gguf"));
    l4a_model *m = (l4a_model *)&m;   /* must be reset to NULL on failure */
    CHECK(l4a_model_load(src, l4a_model_default_params(), &m) == L4A_ERR_FORMAT && m == NULL);
    const char *e = l4a_last_error();
    CHECK_MSG(strstr(e, "token_embd.weight") && strstr(e, "10") && strstr(e, "12") &&
              strstr(e, "vocab_mismatch.gguf"), "message: %s", e);

    /* 12 rows -> 10: a consistent tiny llama; then one weight with a wrong shape */
    const char *p = patched(src, "token_embd.weight", 1, 10);
    if (CHECK(p != NULL)) {
        char tiny[64];
        snprintf(tiny, sizeof tiny, "%s", p);
        m = NULL;
        if (EXPECT(l4a_model_load(tiny, l4a_model_default_params(), &m) == L4A_OK, "%s",
                   l4a_last_error())) {
            l4a_ctx *c = NULL;
            l4a_ctx_params cp = l4a_ctx_default_params();
            CHECK(l4a_ctx_new(m, cp, &c) == L4A_OK);
            CHECK_EQ_INT(l4a_ctx_n_ctx(c), 64);     /* the file's context_length < 4096 */
            int32_t t[4] = {1, 5, 9, 3};
            CHECK(c && l4a_decode(c, t, 4, true) == L4A_OK);
            int finite = 0;
            for (int i = 0; c && i < 4; i++)
                for (int v = 0; v < 10; v++) finite += isfinite(l4a_get_logits(c, i)[v]);
            CHECK_EQ_INT(finite, 40);
            l4a_ctx_free(c);
        }
        l4a_model_free(m);
        const char *q = patched(tiny, "blk.0.attn_q.weight", 1, 6);
        m = NULL;
        if (CHECK(q != NULL)) {
            CHECK(l4a_model_load(q, l4a_model_default_params(), &m) == L4A_ERR_FORMAT && !m);
            CHECK_MSG(strstr(l4a_last_error(),
                             "tensor 'blk.0.attn_q.weight' has shape [8, 6], expected [8, 8]"),
                      "message: %s", l4a_last_error());
            unlink(q);
        }
        unlink(tiny);
    }

    m = (l4a_model *)&m;
    CHECK(l4a_model_load("tests/data/no_such_model.gguf", l4a_model_default_params(), &m) ==
              L4A_ERR_IO && m == NULL);
    CHECK(l4a_model_load("tests/data/tiny_valid.gguf", l4a_model_default_params(), &m) ==
          L4A_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(l4a_last_error(), "'tiny'") != NULL, "message: %s", l4a_last_error());
    l4a_model_free(NULL);
    l4a_ctx_free(NULL);
}

int main(void) {
    const char *f = getenv("L4A_TEST_FAST");
    const bool fast = f && *f && strcmp(f, "0") != 0;
    test_bad_files();
    test_hparams("smollm2-135m");
    test_hparams("gemma3-270m");
    test_hparams("qwen2.5-1.5b-instruct");
    test_ctx_errors();
    test_kv_cache("smollm2-135m", fast ? 12 : 24, L4A_KV_F16);
    test_kv_cache("gemma3-270m", fast ? 8 : 16, L4A_KV_F16);
    test_kv_cache("qwen2.5-1.5b-instruct", fast ? 4 : 8, L4A_KV_F32);
    test_kv_cache("smollm2-135m", fast ? 8 : 16, L4A_KV_Q8_0);
    test_kv_cache("gemma3-270m", 8, L4A_KV_Q8_0);
    return l4a_test_summary("test_model");
}
