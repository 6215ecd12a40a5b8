/*
 * test_embed.c - l4a_embed_seq (the pooled hidden state behind the server's /v1/embeddings)
 * against llama.cpp's mean-pooled embeddings of the same tokens
 * (tests/golden/embed/smollm2-135m.json, scripts/golden_embed.py).
 *
 * Tolerance: the vectors are means of final-norm outputs of a Q4_1 model computed with
 * ggml-style rounding on both sides, but in a different summation order and thread split;
 * the logits test (test_logits) bounds such differences by a mean KL of 0.006. Here we ask a
 * cosine similarity >= 0.999 and a largest element difference within 2% of the vector's
 * largest magnitude, which an embedding off by a layer, a norm or a token fails by far.
 * Also: the sequence is left empty, bad arguments are refused, repeat calls are identical.
 */
#include "harness.h"
#include "llm4all.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    const char *path = l4a_test_model("smollm2-135m");
    size_t len = 0;
    char *js = l4a_test_read_file(l4a_test_path("golden/embed/smollm2-135m.json"), &len);
    CHECK(path && js);
    if (!path || !js) return l4a_test_summary("test_embed");
    cJSON *root = cJSON_ParseWithLength(js, len);
    l4a_model *m = NULL;
    l4a_ctx *ctx = NULL;
    CHECK(l4a_model_load(path, l4a_model_default_params(), &m) == L4A_OK);
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = 256;
    cp.n_seq = 2;
    CHECK(m && l4a_ctx_new(m, cp, &ctx) == L4A_OK);
    const int32_t C = m ? l4a_model_n_embd(m) : 0;
    float *v = calloc((size_t)C + 1, sizeof *v), *v2 = calloc((size_t)C + 1, sizeof *v2);
    const cJSON *inputs = cJSON_GetObjectItem(root, "inputs");
    CHECK(cJSON_GetArraySize(inputs) == 2);
    const cJSON *in;
    cJSON_ArrayForEach(in, inputs) {
        if (!ctx) break;
        const cJSON *jt = cJSON_GetObjectItem(in, "tokens"), *je = cJSON_GetObjectItem(in, "embedding");
        int n = cJSON_GetArraySize(jt);
        CHECK_EQ_INT(cJSON_GetArraySize(je), C);
        l4a_token toks[64];
        for (int i = 0; i < n && i < 64; i++) toks[i] = (l4a_token)cJSON_GetArrayItem(jt, i)->valueint;
        CHECK(l4a_embed_seq(ctx, 1, toks, n, v, C) == L4A_OK);
        CHECK_EQ_INT(l4a_ctx_n_past_seq(ctx, 1), 0);
        double dot = 0, na = 0, nb = 0, maxdiff = 0, maxabs = 0;
        for (int32_t c = 0; c < C; c++) {
            double a = v[c], b = cJSON_GetArrayItem(je, c)->valuedouble;
            dot += a * b, na += a * a, nb += b * b;
            if (fabs(a - b) > maxdiff) maxdiff = fabs(a - b);
            if (fabs(b) > maxabs) maxabs = fabs(b);
        }
        double cosine = dot / sqrt(na * nb);
        CHECK_MSG(cosine >= 0.999, "cosine %.6f with llama.cpp for '%s'", cosine,
                  cJSON_GetObjectItem(in, "text")->valuestring);
        CHECK_MSG(maxdiff <= 0.02 * maxabs, "largest difference %.4f (largest element %.4f)",
                  maxdiff, maxabs);
        CHECK(l4a_embed_seq(ctx, 1, toks, n, v2, C) == L4A_OK);
        CHECK(memcmp(v, v2, (size_t)C * sizeof *v) == 0);
    }
    if (ctx) {
        l4a_token t = 1;
        CHECK(l4a_embed_seq(ctx, 1, &t, 1, v, C - 1) == L4A_ERR_INVALID_ARG);
        CHECK(l4a_embed_seq(ctx, 5, &t, 1, v, C) == L4A_ERR_INVALID_ARG);
        CHECK(l4a_embed_seq(ctx, 1, &t, 0, v, C) == L4A_ERR_INVALID_ARG);
        t = -4;
        CHECK(l4a_embed_seq(ctx, 1, &t, 1, v, C) == L4A_ERR_INVALID_ARG);
        /* a sequence in use elsewhere keeps its cache */
        l4a_token p[3] = {1, 2, 3};
        CHECK(l4a_decode_seq(ctx, 0, p, 3, false) == L4A_OK);
        t = 5;
        CHECK(l4a_embed_seq(ctx, 1, &t, 1, v, C) == L4A_OK);
        CHECK_EQ_INT(l4a_ctx_n_past_seq(ctx, 0), 3);
    }
    free(v);
    free(v2);
    cJSON_Delete(root);
    free(js);
    l4a_ctx_free(ctx);
    l4a_model_free(m);
    return l4a_test_summary("test_embed");
}
