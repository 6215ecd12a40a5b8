/*
 * test_batching.c - several sequences in one context (n_seq), and the step of continuous
 * batching (l4a_decode_step: one token of each of n sequences in one pass), on the real models.
 *
 *  - Each sequence's logits are those of the same tokens decoded alone in a context of its own,
 *    token by token. Tolerance: none (bit-identical): every output element of the matrix
 *    products is computed by the same float operations whatever the batch (kernels/matmul.c),
 *    attention runs per sequence over its own cache rows, so a difference means a token read
 *    another sequence's cache, the wrong position, or a stale row.
 *  - Sequences are independent: truncating or refilling one leaves the others' logits as they
 *    were; prompts of different lengths, steps over a subset of the sequences, in any order.
 *  - Errors: a sequence out of range or repeated in a step, a full sequence, n > n_batch, bad
 *    tokens: refused with L4A_ERR_INVALID_ARG / L4A_ERR_CONTEXT_FULL and nothing evaluated.
 * Real French prompts, tokenized by the model.
 */
#include "harness.h"
#include "llm4all.h"

#include <stdlib.h>
#include <string.h>

#define NSEQ 3
#define STEPS 6

static const char *const prompts[NSEQ] = {
    "Le conseil municipal s'est réuni mardi pour voter le budget de l'école.",
    "Bonjour, SAMU de Lyon, quelle est votre urgence ?",
    "Compte rendu :",
};

static bool same(const float *a, const float *b, int32_t nv) {
    return a && b && memcmp(a, b, sizeof(float) * (size_t)nv) == 0;
}

/* Logits after each token of toks[0..n), decoded one by one in a fresh 1-sequence context. */
static float *alone(const l4a_model *m, const l4a_token *toks, int32_t n, int32_t n_ctx) {
    const int32_t nv = l4a_model_n_vocab(m);
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = n_ctx;
    cp.n_threads = 2;
    l4a_ctx *c = NULL;
    float *out = malloc(sizeof(float) * (size_t)nv * (size_t)n);
    if (!out || !CHECK(l4a_ctx_new(m, cp, &c) == L4A_OK)) {
        free(out);
        return NULL;
    }
    for (int32_t i = 0; i < n; i++) {
        CHECK(l4a_decode(c, toks + i, 1, false) == L4A_OK);
        memcpy(out + (size_t)i * nv, l4a_get_logits(c, -1), sizeof(float) * (size_t)nv);
    }
    l4a_ctx_free(c);
    return out;
}

static void test_model_batching(const char *name) {
    const int failed0 = l4a_test_failed;
    const char *path = l4a_test_model(name);
    l4a_model *m = NULL;
    if (!path) return;
    const l4a_status ls = l4a_model_load(path, l4a_model_default_params(), &m);
    CHECK_MSG(ls == L4A_OK, "%s", l4a_last_error());
    if (ls != L4A_OK) return;
    const int32_t nv = l4a_model_n_vocab(m), n_ctx = 64;
    l4a_token toks[NSEQ][64];
    int32_t np[NSEQ];
    float *ref[NSEQ] = {0};
    l4a_ctx *c = NULL;
    for (int s = 0; s < NSEQ; s++) {
        np[s] = l4a_tokenize(m, prompts[s], (int32_t)strlen(prompts[s]), toks[s], 64 - STEPS,
                             true, false);
        if (!CHECK(np[s] > 0)) goto done;
    }
    for (int s = 0; s < NSEQ; s++) {
        /* the continuation: any valid ids test the same thing; the first prompt's (longest) */
        for (int i = 0; i < STEPS; i++) toks[s][np[s] + i] = toks[0][i + 1];
        ref[s] = alone(m, toks[s], np[s] + STEPS, n_ctx);
        if (!ref[s]) goto done;
    }

    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = n_ctx;
    cp.n_threads = 2;
    cp.n_seq = NSEQ;
    if (!CHECK(l4a_ctx_new(m, cp, &c) == L4A_OK)) goto done;
    CHECK(l4a_ctx_n_seq(c) == NSEQ);

    /* prompts, in reverse order, each as one batch */
    int bad = 0;
    for (int s = NSEQ - 1; s >= 0; s--) {
        CHECK(l4a_decode_seq(c, s, toks[s], np[s], false) == L4A_OK);
        bad += !same(l4a_get_logits(c, -1), ref[s] + (size_t)(np[s] - 1) * nv, nv);
        CHECK(l4a_ctx_n_past_seq(c, s) == np[s]);
    }
    CHECK_MSG(bad == 0, "%s: %d prompts differ from decoding alone", name, bad);

    /* steps: all sequences together, in the order 2, 0, 1; then only 1 and 0 */
    bad = 0;
    for (int i = 0; i < STEPS; i++) {
        int32_t seqs[NSEQ] = {2, 0, 1};
        int32_t n = i < STEPS - 2 ? NSEQ : 2;
        if (n == 2) seqs[0] = 1;
        l4a_token t[NSEQ];
        int32_t pos[NSEQ];
        for (int j = 0; j < n; j++) {
            pos[j] = l4a_ctx_n_past_seq(c, seqs[j]);
            t[j] = toks[seqs[j]][pos[j]];
        }
        if (!CHECK(l4a_decode_step(c, seqs, t, n) == L4A_OK)) break;
        for (int j = 0; j < n; j++)
            bad += !same(l4a_get_logits(c, j), ref[seqs[j]] + (size_t)pos[j] * nv, nv);
    }
    CHECK_MSG(bad == 0, "%s: %d stepped logits differ from decoding alone", name, bad);
    CHECK(l4a_ctx_n_past_seq(c, 0) == np[0] + STEPS);
    CHECK(l4a_ctx_n_past_seq(c, 1) == np[1] + STEPS);
    CHECK(l4a_ctx_n_past_seq(c, 2) == np[2] + STEPS - 2);

    /* truncate sequence 1 and redo its last tokens: the others are untouched */
    const int32_t keep = np[1] + 2;
    CHECK(l4a_ctx_truncate_seq(c, 1, keep) == L4A_OK);
    int32_t s2[1] = {2};
    l4a_token t2[1] = {toks[2][np[2] + STEPS - 2]};
    CHECK(l4a_decode_step(c, s2, t2, 1) == L4A_OK);     /* one more on 2 meanwhile */
    CHECK(same(l4a_get_logits(c, 0), ref[2] + (size_t)(np[2] + STEPS - 2) * nv, nv));
    int32_t s02[2] = {0, 2};
    CHECK(l4a_decode_seq(c, 1, toks[1] + keep, STEPS - 2, true) == L4A_OK);
    bad = 0;
    for (int i = 0; i < STEPS - 2; i++)
        bad += !same(l4a_get_logits(c, i), ref[1] + (size_t)(keep + i) * nv, nv);
    CHECK_MSG(bad == 0, "%s: sequence 1 after truncation: %d rows differ", name, bad);

    /* errors: nothing evaluated */
    const int32_t p0 = l4a_ctx_n_past_seq(c, 0);
    int32_t dup[2] = {0, 0}, out[1] = {NSEQ}, neg[1] = {-1};
    l4a_token tt[2] = {1, 1}, badtok[1] = {nv};
    CHECK(l4a_decode_step(c, dup, tt, 2) == L4A_ERR_INVALID_ARG);
    CHECK(strstr(l4a_last_error(), "twice") != NULL);
    CHECK(l4a_decode_step(c, out, tt, 1) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_decode_step(c, neg, tt, 1) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_decode_step(c, s02, tt, 0) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_decode_step(c, s02, badtok, 1) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_decode_seq(c, NSEQ, tt, 1, false) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_ctx_truncate_seq(c, -1, 0) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_ctx_truncate_seq(c, 0, p0 + 1) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_ctx_n_past_seq(c, 0) == p0 && l4a_ctx_n_past_seq(c, NSEQ) == 0);
    /* a full sequence */
    l4a_token fill[64];
    for (int i = 0; i < 64; i++) fill[i] = toks[2][i % np[2]];
    CHECK(l4a_ctx_truncate_seq(c, 2, 0) == L4A_OK);
    CHECK(l4a_decode_seq(c, 2, fill, n_ctx, false) == L4A_OK);
    CHECK(l4a_decode_step(c, s02, tt, 2) == L4A_ERR_CONTEXT_FULL);
    CHECK(l4a_ctx_n_past_seq(c, 0) == p0);
    printf("%s: %d sequences, prompts + %d steps + truncation: %s\n", name, NSEQ, STEPS,
           l4a_test_failed == failed0 ? "identical to decoding alone" : "FAILED (see above)");
done:
    l4a_ctx_free(c);
    for (int s = 0; s < NSEQ; s++) free(ref[s]);
    l4a_model_free(m);
}

static void test_params(void) {
    const char *path = l4a_test_model("smollm2-135m");
    l4a_model *m = NULL;
    if (!path || !CHECK(l4a_model_load(path, l4a_model_default_params(), &m) == L4A_OK)) return;
    l4a_ctx_params cp = l4a_ctx_default_params();
    CHECK(cp.n_seq == 1);
    l4a_ctx *c = NULL;
    cp.n_ctx = 32;
    cp.n_seq = 0;
    CHECK(l4a_ctx_new(m, cp, &c) == L4A_ERR_INVALID_ARG && !c);
    cp.n_seq = -3;
    CHECK(l4a_ctx_new(m, cp, &c) == L4A_ERR_INVALID_ARG && !c);
    cp.n_seq = 1;
    CHECK(l4a_ctx_new(m, cp, &c) == L4A_OK);
    const uint64_t one = l4a_ctx_memory_bytes(c);
    l4a_ctx_free(c);
    cp.n_seq = 4;
    CHECK(l4a_ctx_new(m, cp, &c) == L4A_OK);
    CHECK_MSG(l4a_ctx_memory_bytes(c) > one, "4 sequences need more cache than 1");
    l4a_ctx_free(c);
    l4a_model_free(m);
}

int main(void) {
    test_params();
    test_model_batching("smollm2-135m");
    test_model_batching("gemma3-270m");
    test_model_batching("qwen2.5-1.5b-instruct");
    return l4a_test_summary("test_batching");
}
