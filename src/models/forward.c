/*
 * forward.c - the forward pass of a decoder-only transformer, one function for every family
 * of the architecture table (arch.h): the families differ by flags, read here step by step.
 *
 * For a batch of T tokens at positions p0 .. p0+T-1 (p0 = tokens already in the cache):
 * (or, for a step of continuous batching, T tokens of T different sequences, each at its own
 * position and with its own cache: only the cache writes and attention are per sequence,
 * every matrix product reads the weights once for all T)
 *
 *   x = embed(tokens)                                  (T,C)    [* sqrt(C): embd_scale]
 *   for each layer:
 *     h = norm(x) ; q,k,v = h Wq, h Wk, h Wv           [+ biases: qkv_bias]
 *     q,k = rmsnorm per head                           [qk_norm]
 *     q,k = rope(q,k)                                  (global or local base per layer)
 *     cache[p0..] = k,v ; a = attention(q, cache)      [sliding window on local layers]
 *     a = a Wo                                         [rmsnorm(a): post_norms]
 *     x = x + a                                        [parallel: x kept for the FFN]
 *     h = norm(x) ; f = (act(h Wgate) * h Wup) Wdown   [rmsnorm(f): post_norms]
 *                                                      [GELU: f = gelu(h Wup) Wdown]
 *     x = x + f                                        [parallel: x = x + (f + a), the FFN
 *                                                       reading norm2(x) of the layer input]
 *   logits = norm(x) Wout                              rows out_first .. T-1 only
 *
 * norm is RMSNorm, or LayerNorm with a bias for the families whose arch row says so.
 * Not the context's bookkeeping (context.c) nor the kernels (src/kernels/). All buffers are
 * the context's, sized for n_batch tokens in l4a_ctx_new: nothing is allocated here.
 */
#include "models/model_impl.h"
#include "kernels/kernels.h"
#include "quant/quant.h"
#include "quant/x4.h"

#include <math.h>

/* ---- element-wise steps split across the pool (the matmuls and attention split
 *      themselves). Small ones run on the calling thread: waking the pool costs more. */

typedef enum par_op { PAR_RMSNORM, PAR_LAYERNORM, PAR_SWIGLU, PAR_GEGLU, PAR_GELU, PAR_ADD } par_op;

typedef struct par_job {
    par_op op;
    float *out;
    const float *a, *b;     /* inputs (b: second operand) */
    const float *w;         /* norm weight */
    const float *bias;      /* LayerNorm bias or NULL */
    int64_t rows, cols;
    float eps;
} par_job;

static void par_range(const par_job *j, int64_t r0, int64_t r1) {
    const int64_t c = j->cols, off = r0 * c, n = (r1 - r0) * c;
    switch (j->op) {
    case PAR_RMSNORM:
        l4a_rmsnorm_forward(j->out + off, j->a + off, j->w, r1 - r0, c, j->eps);
        break;
    case PAR_LAYERNORM:
        l4a_layernorm_forward(j->out + off, j->a + off, j->w, j->bias, r1 - r0, c, j->eps);
        break;
    case PAR_GELU: l4a_gelu_forward(j->out + off, j->a + off, n); break;
    case PAR_SWIGLU: l4a_swiglu_forward(j->out + off, j->a + off, j->b + off, n); break;
    case PAR_GEGLU: l4a_geglu_forward(j->out + off, j->a + off, j->b + off, n); break;
    case PAR_ADD: l4a_add_forward(j->out + off, j->a + off, j->b + off, n); break;
    }
}

static void par_worker(void *arg, int ith, int nth, int tid) {
    (void)tid;
    const par_job *j = arg;
    int64_t r0, r1;
    l4a_split(j->rows, ith, nth, &r0, &r1);
    if (r0 < r1) par_range(j, r0, r1);
}

static void par_run(l4a_ctx *ctx, par_job j) {
    /* Element-wise ops split by elements (one row may be all there is), norms by rows. */
    if (j.op != PAR_RMSNORM && j.op != PAR_LAYERNORM) {
        j.rows *= j.cols;
        j.cols = 1;
    }
    if (j.rows * j.cols < 8192 || ctx->n_threads == 1) par_range(&j, 0, j.rows);
    else l4a_pool_run(ctx->pool, par_worker, &j);
}

static void rmsnorm(l4a_ctx *ctx, float *out, const float *x, const l4a_tensor *w, int64_t rows,
                    int64_t cols) {
    par_job j = {.op = PAR_RMSNORM, .out = out, .a = x, .w = w->data, .rows = rows, .cols = cols,
                 .eps = ctx->model->hp.norm_eps};
    par_run(ctx, j);
}

/* The model's norm of rows of C channels: RMSNorm, or LayerNorm with bias b. */
static void norm(l4a_ctx *ctx, float *out, const float *x, const l4a_tensor *w,
                 const l4a_tensor *b, int64_t rows) {
    if (ctx->model->arch->norm == L4A_NORM_RMS) {
        rmsnorm(ctx, out, x, w, rows, ctx->model->hp.n_embd);
        return;
    }
    par_job j = {.op = PAR_LAYERNORM, .out = out, .a = x, .w = w->data,
                 .bias = b ? b->data : NULL, .rows = rows, .cols = ctx->model->hp.n_embd,
                 .eps = ctx->model->hp.norm_eps};
    par_run(ctx, j);
}

static void add(l4a_ctx *ctx, float *x, const float *y, int64_t n) {
    par_job j = {.op = PAR_ADD, .out = x, .a = x, .b = y, .rows = n, .cols = 1};
    par_run(ctx, j);
}

static void matmul(l4a_ctx *ctx, float *out, const float *x, const l4a_tensor *w,
                   const l4a_tensor *bias, int64_t T) {
    l4a_matmul_forward(ctx->pool, out, x, w, bias ? bias->data : NULL, T, ctx->ggml_rounding,
                       ctx->mm_scratch);
}

/* ---- the two blocks of a layer: each reads the normed input in xb and writes its output,
 * (T,C), without the residual (the layer adds it) */

static void attention_block(l4a_ctx *ctx, const l4a_layer *L, int il, int64_t T) {
    const l4a_model *m = ctx->model;
    const l4a_hparams *hp = &m->hp;
    const l4a_arch *a = m->arch;
    const int64_t C = hp->n_embd, H = hp->n_head, HKV = hp->n_head_kv;
    const int64_t DK = hp->head_dim_k, DV = hp->head_dim_v;

    /* q, k, v of the normed input xb: (T,H*DK), (T,HKV*DK), (T,HKV*DV) */
    const l4a_matmul_op qkv[3] = {
        {.out = ctx->q, .w = L->wq, .bias = L->bq ? L->bq->data : NULL},
        {.out = ctx->k, .w = L->wk, .bias = L->bk ? L->bk->data : NULL},
        {.out = ctx->v, .w = L->wv, .bias = L->bv ? L->bv->data : NULL},
    };
    l4a_matmul_forward_n(ctx->pool, qkv, 3, ctx->xb, T, ctx->ggml_rounding, ctx->mm_scratch);
    if (a->qk_norm) {
        rmsnorm(ctx, ctx->q, ctx->q, L->q_norm, T * H, DK);
        rmsnorm(ctx, ctx->k, ctx->k, L->k_norm, T * HKV, DK);
    }
    const float *cs = L->swa ? ctx->rope_cs_swa : ctx->rope_cs;
    l4a_rope_forward(ctx->q, cs, T, H, DK, hp->n_rot, hp->rope);
    l4a_rope_forward(ctx->k, cs, T, HKV, DK, hp->n_rot, hp->rope);

    /* append each token's key and value to its sequence's cache rows of this layer */
    for (int64_t t = 0; t < T; t++) {
        const uint64_t blk = (uint64_t)il * (uint64_t)ctx->n_seq + (uint64_t)ctx->tok_seq[t];
        const uint64_t p = (uint64_t)ctx->tok_pos[t];
        l4a_kv_store(ctx->k_cache + blk * ctx->k_seq_bytes + p * ctx->k_row_bytes,
                     ctx->kv_type, ctx->k + t * HKV * DK, HKV * DK);
        l4a_kv_store(ctx->v_cache + blk * ctx->v_seq_bytes + p * ctx->v_row_bytes,
                     ctx->kv_type, ctx->v + t * HKV * DV, HKV * DV);
    }

    /* attention over positions 0 .. p (the last n_swa of them on local layers): the whole
     * batch at once when it is one sequence's consecutive tokens, else token by token */
    const bool one_seq = T == 1 || ctx->tok_seq[0] == ctx->tok_seq[T - 1];
    for (int64_t t0 = 0; t0 < T; t0 += one_seq ? T : 1) {
        const uint64_t blk = (uint64_t)il * (uint64_t)ctx->n_seq + (uint64_t)ctx->tok_seq[t0];
        l4a_attn_args at = {
            .out = ctx->xb + t0 * H * DV, .q = ctx->q + t0 * H * DK,
            .k = ctx->k_cache + blk * ctx->k_seq_bytes, .v = ctx->v_cache + blk * ctx->v_seq_bytes,
            .kv_type = ctx->kv_type, .T = one_seq ? T : 1, .H = H, .HKV = HKV, .DK = DK, .DV = DV,
            .pos0 = ctx->tok_pos[t0], .window = L->swa ? hp->n_swa : 0, .scale = hp->attn_scale,
            .round_f16 = ctx->ggml_rounding && ctx->kv_type == L4A_TYPE_F16,
            .scratch = ctx->att_scratch,
            .scratch_stride = l4a_attn_scratch_floats(H, HKV, ctx->n_ctx, DK),
            .kv_f32 = ctx->kv_f32, .kv_f32_v = (int64_t)ctx->n_ctx * HKV * DK,
        };
        l4a_attention_forward(ctx->pool, &at);
    }

    /* output projection (T,H*DV) -> (T,C) */
    matmul(ctx, ctx->xb2, ctx->xb, L->wo, NULL, T);
    if (a->post_norms) rmsnorm(ctx, ctx->xb2, ctx->xb2, L->attn_post_norm, T, C);
}

static void ffn_block(l4a_ctx *ctx, const l4a_layer *L, int64_t T, float *out) {
    const l4a_model *m = ctx->model;
    const int64_t C = m->hp.n_embd, F = m->hp.n_ff;

    if (m->arch->act == L4A_ACT_GELU) {                        /* gelu(h Wup): (T,F) */
        matmul(ctx, ctx->hb, ctx->xb, L->ffn_up, NULL, T);
        par_job j = {.op = PAR_GELU, .out = ctx->hb, .a = ctx->hb, .rows = T * F, .cols = 1};
        par_run(ctx, j);
    } else {
        const l4a_matmul_op gate_up[2] = {                     /* (T,F) each */
            {.out = ctx->hb, .w = L->ffn_gate},
            {.out = ctx->hb2, .w = L->ffn_up},
        };
        l4a_matmul_forward_n(ctx->pool, gate_up, 2, ctx->xb, T, ctx->ggml_rounding,
                             ctx->mm_scratch);
        par_job j = {.op = m->arch->act == L4A_ACT_GELU_TANH ? PAR_GEGLU : PAR_SWIGLU,
                     .out = ctx->hb, .a = ctx->hb, .b = ctx->hb2, .rows = T * F, .cols = 1};
        par_run(ctx, j);
    }
    matmul(ctx, out, ctx->hb, L->ffn_down, NULL, T);           /* (T,C) */
    if (m->arch->post_norms) rmsnorm(ctx, out, out, L->ffn_post_norm, T, C);
}

/* One layer: sequential (x += attn(norm(x)); x += ffn(norm(x))) or, for parallel archs,
 * x += ffn(attn_norm(x)) + attn(norm_a(x)), both norms of the layer input, norm_a being
 * attn_norm_2 when the model has it (Falcon-40B), else attn_norm. */
static void layer_forward(l4a_ctx *ctx, const l4a_layer *L, int il, int64_t T) {
    const int64_t C = ctx->model->hp.n_embd;
    if (L->attn_norm_2) norm(ctx, ctx->xb, ctx->x, L->attn_norm_2, L->attn_norm_2_b, T);
    else norm(ctx, ctx->xb, ctx->x, L->attn_norm, L->attn_norm_b, T);
    attention_block(ctx, L, il, T);                            /* -> xb2 */
    if (!ctx->model->arch->parallel) {
        add(ctx, ctx->x, ctx->xb2, T * C);
        norm(ctx, ctx->xb, ctx->x, L->ffn_norm, NULL, T);
        ffn_block(ctx, L, T, ctx->xb2);
        add(ctx, ctx->x, ctx->xb2, T * C);
        return;
    }
    norm(ctx, ctx->xb, ctx->x, L->attn_norm, L->attn_norm_b, T);
    ffn_block(ctx, L, T, ctx->xa);
    add(ctx, ctx->xa, ctx->xb2, T * C);                        /* f + a, then x + (f + a) */
    add(ctx, ctx->x, ctx->xa, T * C);
}

void l4a_forward(l4a_ctx *ctx, const l4a_token *tokens, const int32_t *seqs, int32_t seq0,
                 int32_t T, int32_t out_first, float *out) {
    const l4a_model *m = ctx->model;
    const l4a_hparams *hp = &m->hp;
    const int64_t C = hp->n_embd;
    L4A_ASSERT(T > 0 && T <= ctx->n_batch);

    /* each token's sequence and position; a step's sequences are all different */
    for (int32_t t = 0; t < T; t++) {
        const int32_t s = seqs ? seqs[t] : seq0;
        ctx->tok_seq[t] = s;
        ctx->tok_pos[t] = ctx->seq_past[s] + (seqs ? 0 : t);
        L4A_ASSERT(s >= 0 && s < ctx->n_seq && ctx->tok_pos[t] < ctx->n_ctx);
    }

    /* token embeddings (T,C): rows of token_embd, dequantized (a table repacked as the tied
     * output matrix, models/repack.c: its row's group of 4 unpacked into the matmul scratch,
     * unused until the first product) */
    for (int32_t t = 0; t < T; t++)
        l4a_weight_row_f32(m->tok_embd, tokens[t], ctx->x + t * C, ctx->mm_scratch);
    if (m->arch->embd_scale) l4a_scale_forward(ctx->x, sqrtf((float)C), T * C);

    /* RoPE angles of the tokens' positions (T, n_rot/2, 2), for global and local layers */
    const float *ff = m->rope_freqs ? m->rope_freqs->data : NULL;
    const int64_t R = hp->n_rot;
    for (int32_t t = 0; t < T; t += seqs ? 1 : T) {
        const int32_t n = seqs ? 1 : T;
        l4a_rope_table(ctx->rope_cs + t * R, ctx->tok_pos[t], n, R, hp->rope_base,
                       hp->rope_freq_scale, ff);
        if (hp->n_swa > 0)
            l4a_rope_table(ctx->rope_cs_swa + t * R, ctx->tok_pos[t], n, R, hp->rope_base_swa,
                           hp->rope_freq_scale_swa, ff);
    }

    for (int il = 0; il < hp->n_layer; il++) layer_forward(ctx, &m->layers[il], il, T);

    /* l4a_embed_seq: the final normed hidden state (T,C) of every row, summed over T */
    if (ctx->embd_sum) {
        rmsnorm(ctx, ctx->xb, ctx->x, m->output_norm, T, C);
        for (int32_t t = 0; t < T; t++)
            for (int64_t c = 0; c < C; c++) ctx->embd_sum[c] += ctx->xb[t * C + c];
    }

    /* logits of the rows asked for: (T - out_first, V) */
    const int64_t rows = T - out_first;
    if (rows > 0) {
        norm(ctx, ctx->xb, ctx->x + (int64_t)out_first * C, m->output_norm, m->output_norm_b, rows);
        matmul(ctx, out, ctx->xb, m->output, NULL, rows);
    }
    for (int32_t t = 0; t < T; t++) ctx->seq_past[ctx->tok_seq[t]]++;
}
