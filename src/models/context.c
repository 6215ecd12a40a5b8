/*
 * context.c - the per-stream state of a model (l4a_ctx): KV cache, activation scratch,
 * thread pool, logits; and l4a_decode, which checks its input and feeds the forward pass
 * in batches.
 *
 * Memory: l4a_ctx_new computes every buffer's size from n_ctx, n_batch and the
 * hyper-parameters (a size table, with overflow checks), makes ONE aligned allocation and
 * carves it. l4a_decode allocates nothing, except in one case: the logits buffer holds one row
 * until a call asks for all_logits of n tokens, which grows it to n rows (once; later calls of
 * at most that size reuse it) - as llama.cpp grows its output buffer.
 *
 * Not the forward pass (forward.c). The KV cache keeps every position (no ring buffer for the
 * sliding-window layers), so truncating is only moving a sequence's count back. A context
 * may hold several sequences (n_seq), each with its own cache rows and count.
 */
#include "models/model_impl.h"
#include "kernels/kernels.h"

#include <inttypes.h>
#include <string.h>

l4a_ctx_params l4a_ctx_default_params(void) {
    l4a_ctx_params p = {.n_ctx = 0, .n_batch = 512, .n_threads = 0, .kv_type = L4A_KV_F16,
                        .n_seq = 1};
    return p;
}

/* ---- the size table */

typedef struct carve {
    uint64_t off;               /* bytes so far */
    bool overflow;
} carve;

/* Reserve count elements of esz bytes at a 64-byte boundary; returns the offset. */
static uint64_t reserve(carve *c, uint64_t count, uint64_t esz) {
    uint64_t bytes, off = (c->off + 63) & ~(uint64_t)63;
    if (off < c->off || !l4a_mul_ok(count, esz, &bytes) || !l4a_add_ok(off, bytes, &c->off))
        c->overflow = true;
    return off;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c) {
    uint64_t m = a > b ? a : b;
    return m > c ? m : c;
}

l4a_status l4a_ctx_new(const l4a_model *m, l4a_ctx_params p, l4a_ctx **out) {
    if (!out) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_new: out is NULL");
    *out = NULL;
    if (!m) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_new: model is NULL");
    if (m->vocab_only || !m->layers)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_new: the model was loaded with vocab_only: "
                        "it has no weights to run");
    const l4a_hparams *hp = &m->hp;
    if (p.n_ctx < 0 || p.n_batch <= 0 || p.n_threads < 0 || p.n_seq <= 0 || p.n_seq > 4096)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_new: n_ctx %d, n_batch %d, n_threads %d, "
                        "n_seq %d: n_ctx and n_threads must be >= 0, n_batch > 0, n_seq 1 .. 4096",
                        p.n_ctx, p.n_batch, p.n_threads, p.n_seq);
    if (p.kv_type == L4A_KV_Q8_0 &&
        (((int64_t)hp->n_head_kv * hp->head_dim_k) % 32 || ((int64_t)hp->n_head_kv * hp->head_dim_v) % 32))
        return l4a_fail(L4A_ERR_UNSUPPORTED, "l4a_ctx_new: a Q8_0 KV cache needs key and value "
                        "rows of a multiple of 32 values (this model has %d and %d)",
                        hp->n_head_kv * hp->head_dim_k, hp->n_head_kv * hp->head_dim_v);
    if (p.kv_type != L4A_KV_F16 && p.kv_type != L4A_KV_F32 && p.kv_type != L4A_KV_Q8_0)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_new: unknown kv_type %d", (int)p.kv_type);
    int32_t n_ctx = p.n_ctx;
    if (n_ctx == 0) n_ctx = hp->n_ctx_train < 4096 ? hp->n_ctx_train : 4096;
    if (n_ctx > hp->n_ctx_train)
        L4A_LOG_W("context of %d tokens is longer than the %d the model was trained with",
                  n_ctx, hp->n_ctx_train);
    const int32_t n_batch = p.n_batch < n_ctx ? p.n_batch : n_ctx;
    const int32_t n_threads = p.n_threads ? p.n_threads : l4a_n_physical_cores();

    l4a_ctx *ctx = l4a_calloc(1, sizeof *ctx);
    if (!ctx) return l4a_fail(L4A_ERR_NOMEM, "l4a_ctx_new: out of memory");
    ctx->model = m;
    ctx->n_ctx = n_ctx;
    ctx->n_batch = n_batch;
    ctx->n_threads = n_threads;
    ctx->n_seq = p.n_seq;
    ctx->kv_type = p.kv_type == L4A_KV_F16 ? L4A_TYPE_F16 :
                   p.kv_type == L4A_KV_Q8_0 ? L4A_TYPE_Q8_0 : L4A_TYPE_F32;
    ctx->ggml_rounding = true;

    /* The size table. Every count below is a product of positive int32 values, checked. */
    const uint64_t S = (uint64_t)n_ctx, B = (uint64_t)n_batch, NT = (uint64_t)n_threads;
    const uint64_t C = (uint64_t)hp->n_embd, F = (uint64_t)hp->n_ff, V = (uint64_t)hp->n_vocab;
    const uint64_t QD = (uint64_t)hp->n_head * (uint64_t)hp->head_dim_k;
    const uint64_t KD = (uint64_t)hp->n_head_kv * (uint64_t)hp->head_dim_k;
    const uint64_t VD = (uint64_t)hp->n_head_kv * (uint64_t)hp->head_dim_v;
    const uint64_t OD = (uint64_t)hp->n_head * (uint64_t)hp->head_dim_v;
    const uint64_t L = (uint64_t)hp->n_layer * (uint64_t)p.n_seq;
    const uint64_t R = (uint64_t)hp->n_rot;     /* n_rot/2 pairs of (cos, sin) */
    const uint64_t f = sizeof(float);
    carve c = {0};
    /* the caches: one (S, HKV, DK) and (S, HKV, DV) block per layer and sequence (L of them) */
    bool ok = l4a_row_size(ctx->kv_type, (int64_t)KD, &ctx->k_row_bytes) &&
              l4a_row_size(ctx->kv_type, (int64_t)VD, &ctx->v_row_bytes) &&
              l4a_mul_ok(S, ctx->k_row_bytes, &ctx->k_seq_bytes) &&
              l4a_mul_ok(S, ctx->v_row_bytes, &ctx->v_seq_bytes);
    uint64_t k_all = 0, v_all = 0;
    ok = ok && l4a_mul_ok(ctx->k_seq_bytes, L, &k_all) &&
         l4a_mul_ok(ctx->v_seq_bytes, L, &v_all);
    const uint64_t o_k = reserve(&c, k_all, 1);
    const uint64_t o_v = reserve(&c, v_all, 1);
    const uint64_t o_x = reserve(&c, B * C, f);
    const uint64_t o_xb = reserve(&c, B * (C > OD ? C : OD), f);
    const uint64_t o_xb2 = reserve(&c, B * C, f);
    const uint64_t o_xa = reserve(&c, m->arch->parallel ? B * C : 0, f);
    const uint64_t o_q = reserve(&c, B * QD, f);
    const uint64_t o_kk = reserve(&c, B * KD, f);
    const uint64_t o_vv = reserve(&c, B * VD, f);
    const uint64_t o_hb = reserve(&c, B * F, f);
    const uint64_t o_hb2 = reserve(&c, B * F, f);
    const uint64_t o_cs = reserve(&c, B * R, f);
    const uint64_t o_cs2 = reserve(&c, B * R, f);
    const uint64_t att = (uint64_t)l4a_attn_scratch_floats(hp->n_head, hp->n_head_kv, (int64_t)S,
                                                           hp->head_dim_k);
    const uint64_t o_att = reserve(&c, NT * att, f);
    const uint64_t o_kvf = reserve(&c, ctx->kv_type == L4A_TYPE_Q8_0 ? S * (KD + VD) : 0, f);
    const uint64_t o_mm = reserve(&c, l4a_matmul_scratch_floats((int64_t)max3(C, F, OD),
                                                                (int64_t)B, n_threads), f);
    const uint64_t o_lg = reserve(&c, V, f);
    const uint64_t o_sp = reserve(&c, (uint64_t)p.n_seq, sizeof(int32_t));
    const uint64_t o_ts = reserve(&c, B, sizeof(int32_t));
    const uint64_t o_tp = reserve(&c, B, sizeof(int32_t));
    if (!ok || c.overflow || c.off > (uint64_t)SIZE_MAX / 2) {
        l4a_ctx_free(ctx);
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_new: a context of %d tokens with batches "
                        "of %d is too large to allocate", n_ctx, n_batch);
    }
    ctx->mem = l4a_malloc_aligned((size_t)c.off);
    if (!ctx->mem) {
        l4a_ctx_free(ctx);
        return l4a_fail(L4A_ERR_NOMEM, "l4a_ctx_new: cannot allocate %" PRIu64 " MiB for a "
                        "context of %d tokens", c.off >> 20, n_ctx);
    }
    ctx->mem_bytes = c.off;
    uint8_t *base = ctx->mem;
    ctx->k_cache = base + o_k;
    ctx->v_cache = base + o_v;
    ctx->x = (float *)(base + o_x);
    ctx->xb = (float *)(base + o_xb);
    ctx->xb2 = (float *)(base + o_xb2);
    ctx->xa = m->arch->parallel ? (float *)(base + o_xa) : NULL;
    ctx->q = (float *)(base + o_q);
    ctx->k = (float *)(base + o_kk);
    ctx->v = (float *)(base + o_vv);
    ctx->hb = (float *)(base + o_hb);
    ctx->hb2 = (float *)(base + o_hb2);
    ctx->rope_cs = (float *)(base + o_cs);
    ctx->rope_cs_swa = (float *)(base + o_cs2);
    ctx->att_scratch = (float *)(base + o_att);
    ctx->kv_f32 = (float *)(base + o_kvf);
    ctx->mm_scratch = (float *)(base + o_mm);
    ctx->logits = (float *)(base + o_lg);
    ctx->seq_past = (int32_t *)(base + o_sp);
    memset(ctx->seq_past, 0, (size_t)p.n_seq * sizeof(int32_t));
    ctx->tok_seq = (int32_t *)(base + o_ts);
    ctx->tok_pos = (int32_t *)(base + o_tp);
    ctx->logits_cap = 1;

    ctx->pool = l4a_pool_new(n_threads);
    if (!ctx->pool) {
        l4a_ctx_free(ctx);
        return L4A_ERR_NOMEM;   /* message set by l4a_pool_new */
    }
    *out = ctx;
    return L4A_OK;
}

void l4a_ctx_free(l4a_ctx *ctx) {
    if (!ctx) return;
    l4a_pool_free(ctx->pool);
    if (ctx->logits_own) l4a_free_aligned(ctx->logits_own);
    l4a_free_aligned(ctx->mem);
    l4a_free(ctx);
}

void l4a_ctx_set_ggml_rounding(l4a_ctx *ctx, bool on) {
    if (ctx) ctx->ggml_rounding = on;
}

int32_t l4a_ctx_n_ctx(const l4a_ctx *ctx) { return ctx ? ctx->n_ctx : 0; }
int32_t l4a_ctx_n_seq(const l4a_ctx *ctx) { return ctx ? ctx->n_seq : 0; }

int32_t l4a_ctx_n_past_seq(const l4a_ctx *ctx, int32_t seq) {
    return ctx && seq >= 0 && seq < ctx->n_seq ? ctx->seq_past[seq] : 0;
}

int32_t l4a_ctx_n_past(const l4a_ctx *ctx) { return l4a_ctx_n_past_seq(ctx, 0); }

uint64_t l4a_ctx_memory_bytes(const l4a_ctx *ctx) {
    if (!ctx) return 0;
    uint64_t own = ctx->logits_own ? (uint64_t)ctx->logits_cap * (uint64_t)ctx->model->hp.n_vocab *
                                         sizeof(float) : 0;
    return ctx->mem_bytes + own;
}

l4a_status l4a_ctx_truncate_seq(l4a_ctx *ctx, int32_t seq, int32_t n_keep) {
    if (!ctx) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_truncate: ctx is NULL");
    if (seq < 0 || seq >= ctx->n_seq)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_truncate: sequence %d is outside 0 .. %d",
                        seq, ctx->n_seq - 1);
    if (n_keep < 0 || n_keep > ctx->seq_past[seq])
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_ctx_truncate: n_keep %d is outside 0 .. %d "
                        "(tokens in the cache)", n_keep, ctx->seq_past[seq]);
    /* Rows from n_keep on are simply overwritten by the next tokens. */
    ctx->seq_past[seq] = n_keep;
    return L4A_OK;
}

l4a_status l4a_ctx_truncate(l4a_ctx *ctx, int32_t n_keep) {
    return l4a_ctx_truncate_seq(ctx, 0, n_keep);
}

/* Make room for rows of logits (the one allocation l4a_decode may make, see the top). */
static l4a_status logits_reserve(l4a_ctx *ctx, int32_t rows) {
    if (rows <= ctx->logits_cap) return L4A_OK;
    uint64_t bytes;
    if (!l4a_mul_ok((uint64_t)rows * sizeof(float), (uint64_t)ctx->model->hp.n_vocab, &bytes) ||
        bytes > (uint64_t)SIZE_MAX / 2)
        return l4a_fail(L4A_ERR_NOMEM, "l4a_decode: logits of %d tokens are too large", rows);
    float *p = l4a_malloc_aligned((size_t)bytes);
    if (!p)
        return l4a_fail(L4A_ERR_NOMEM, "l4a_decode: cannot allocate %" PRIu64 " MiB for the "
                        "logits of %d tokens", bytes >> 20, rows);
    if (ctx->logits_own) l4a_free_aligned(ctx->logits_own);
    ctx->logits_own = p;
    ctx->logits = p;
    ctx->logits_cap = rows;
    return L4A_OK;
}

static l4a_status check_tokens(const l4a_ctx *ctx, const char *fn, const l4a_token *tokens,
                               int32_t n) {
    const int32_t nv = ctx->model->hp.n_vocab;
    for (int32_t i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= nv)
            return l4a_fail(L4A_ERR_INVALID_ARG, "%s: token %d at index %d is outside the "
                            "vocabulary (0 .. %d)", fn, tokens[i], i, nv - 1);
    return L4A_OK;
}

l4a_status l4a_decode_seq(l4a_ctx *ctx, int32_t seq, const l4a_token *tokens, int32_t n,
                          bool all_logits) {
    if (!ctx) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_decode: ctx is NULL");
    if (n <= 0 || !tokens)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_decode: %s", !tokens ? "tokens is NULL"
                                                                        : "n must be at least 1");
    if (seq < 0 || seq >= ctx->n_seq)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_decode: sequence %d is outside 0 .. %d", seq,
                        ctx->n_seq - 1);
    const int32_t past = ctx->seq_past[seq];
    if ((int64_t)past + n > ctx->n_ctx)
        return l4a_fail(L4A_ERR_CONTEXT_FULL, "l4a_decode: %d tokens at position %d do not fit in "
                        "the context of %d tokens (%d free)", n, past, ctx->n_ctx,
                        ctx->n_ctx - past);
    l4a_status st = check_tokens(ctx, "l4a_decode", tokens, n);
    if (st != L4A_OK) return st;
    const int32_t rows = all_logits ? n : 1;
    st = logits_reserve(ctx, rows);
    if (st != L4A_OK) return st;

    ctx->n_logits = 0;
    const uint64_t V = (uint64_t)ctx->model->hp.n_vocab;
    for (int32_t i = 0; i < n; i += ctx->n_batch) {
        const int32_t T = n - i < ctx->n_batch ? n - i : ctx->n_batch;
        const bool last = i + T == n;
        /* logits of every row, or of the very last token only */
        const int32_t first = all_logits ? 0 : (last ? T - 1 : T);
        float *dst = ctx->logits + (all_logits ? (uint64_t)i * V : 0);
        l4a_forward(ctx, tokens + i, NULL, seq, T, first, dst);
    }
    ctx->n_logits = rows;
    ctx->logits_first = all_logits ? 0 : n - 1;
    return L4A_OK;
}

l4a_status l4a_decode(l4a_ctx *ctx, const l4a_token *tokens, int32_t n, bool all_logits) {
    return l4a_decode_seq(ctx, 0, tokens, n, all_logits);
}

l4a_status l4a_decode_step(l4a_ctx *ctx, const int32_t *seqs, const l4a_token *tokens,
                           int32_t n) {
    if (!ctx) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_decode_step: ctx is NULL");
    if (!seqs || !tokens || n <= 0 || n > ctx->n_batch)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_decode_step: %s", !seqs || !tokens ?
                        "seqs or tokens is NULL" : "n must be 1 .. n_batch");
    for (int32_t i = 0; i < n; i++) {
        if (seqs[i] < 0 || seqs[i] >= ctx->n_seq)
            return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_decode_step: sequence %d at index %d is "
                            "outside 0 .. %d", seqs[i], i, ctx->n_seq - 1);
        for (int32_t j = 0; j < i; j++)
            if (seqs[j] == seqs[i])
                return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_decode_step: sequence %d appears "
                                "twice (indices %d and %d)", seqs[i], j, i);
        if (ctx->seq_past[seqs[i]] >= ctx->n_ctx)
            return l4a_fail(L4A_ERR_CONTEXT_FULL, "l4a_decode_step: sequence %d is full (%d "
                            "tokens)", seqs[i], ctx->n_ctx);
    }
    l4a_status st = check_tokens(ctx, "l4a_decode_step", tokens, n);
    if (st == L4A_OK) st = logits_reserve(ctx, n);
    if (st != L4A_OK) return st;
    l4a_forward(ctx, tokens, seqs, 0, n, 0, ctx->logits);
    ctx->n_logits = n;
    ctx->logits_first = 0;
    return L4A_OK;
}

const float *l4a_get_logits(const l4a_ctx *ctx, int32_t i) {
    if (!ctx || ctx->n_logits == 0) return NULL;
    if (i == -1) i = ctx->logits_first + ctx->n_logits - 1;
    if (i < ctx->logits_first || i >= ctx->logits_first + ctx->n_logits) return NULL;
    return ctx->logits + (uint64_t)(i - ctx->logits_first) * (uint64_t)ctx->model->hp.n_vocab;
}

l4a_status l4a_embed_seq(l4a_ctx *ctx, int32_t seq, const l4a_token *tokens, int32_t n,
                         float *out, int32_t n_out) {
    if (!ctx || !out) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_embed_seq: ctx or out is NULL");
    const int32_t C = ctx->model->hp.n_embd;
    if (n_out < C)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_embed_seq: out holds %d floats, the model's "
                        "embedding has %d", n_out, C);
    l4a_status st = l4a_ctx_truncate_seq(ctx, seq, 0);
    if (st != L4A_OK) return st;
    if (n <= 0 || !tokens)
        return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_embed_seq: no tokens");
    if (n > ctx->n_ctx)
        return l4a_fail(L4A_ERR_CONTEXT_FULL, "l4a_embed_seq: %d tokens do not fit in the "
                        "context of %d tokens", n, ctx->n_ctx);
    st = check_tokens(ctx, "l4a_embed_seq", tokens, n);
    if (st != L4A_OK) return st;
    memset(out, 0, (size_t)C * sizeof *out);
    ctx->embd_sum = out;
    for (int32_t i = 0; i < n; i += ctx->n_batch) {
        const int32_t T = n - i < ctx->n_batch ? n - i : ctx->n_batch;
        l4a_forward(ctx, tokens + i, NULL, seq, T, T, NULL);   /* no logits */
    }
    ctx->embd_sum = NULL;
    ctx->n_logits = 0;
    for (int32_t c = 0; c < C; c++) out[c] /= (float)n;
    return l4a_ctx_truncate_seq(ctx, seq, 0);
}
