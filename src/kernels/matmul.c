/*
 * matmul.c - x (T,C) @ w (OC,C)^T (+ bias) -> out (T,OC) for a weight of any element type.
 *
 * The weight stays in its file format (quantized blocks). Worker threads own ranges of output
 * rows, in tiles of L4A_MATMUL_TILE rows. Two ways to compute a tile:
 *
 *  - Integer path (round_act, and the type has SIMD dot products on this CPU, kernels/vecdot.h):
 *    each row of x is quantized once to the type's activation format (Q8_0, Q8_1, Q8_K, F16,
 *    BF16), then integer dot products as ggml computes them - llama.cpp's arithmetic, at the
 *    speed of the memory for decoding.
 *  - Float path (everything else, and every type when round_act is off): the tile's rows are
 *    dequantized once into the thread's scratch and multiplied with all T rows of x in 4x4
 *    blocks (vec.c), so a prompt runs as a float matrix-matrix product. With round_act, x is
 *    first rounded to the grid of the type's activation format (actround.c), which gives the
 *    integer path's results up to float summation order.
 *
 *  - Large batches (T >= 16) of the types whose kernels have a gemm (Q4_0, Q8_0, Q4_K, Q6_K
 *    with AMX or AVX2, Q5_0 with AVX2: kernels/vecdot.h): the quantized rows are also packed
 *    in groups of 16 tokens, and each tile of 16 weight rows is unpacked once and multiplied
 *    by a token block's groups at once, in the same float order as the type's dot
 *    (kernels/arch/x86/amx_q.c, amx_k.c, avx2_gemm_q.c, gemm_k_body.h).
 *
 * Every output element is computed by the same sequence of float operations whatever T, the
 * tiling and the number of threads (the float 1x1, 1x4 and 4x4 blocks share one summation
 * order; the integer tile kernels compute each output alike whatever the tile's shape), so
 * decoding tokens one at a time or in a batch gives identical results. The integer path
 * blocks tokens so that a block's activations stay in L2 while the thread's weight tiles pass
 * over them. Only the gemm kernels pack the weights (per call, into the thread's scratch).
 *
 * Weights repacked at load time four rows at a time (layout L4A_LAYOUT_X4, quant/x4.h,
 * models/repack.c) are read as they lie by decode and batches of under 16 tokens (the entry's
 * dot_x4, token by token) and by the gemm where the entry has a gemm_x4 (Q4_0); the other
 * gemms and the float path unpack a tile of them into the thread's scratch first (file_rows).
 * The results are those of the file's layout, bit for bit.
 */
#include "kernels/kernels.h"
#include "kernels/vec.h"
#include "kernels/vecdot.h"
#include "core/core.h"
#include "quant/x4.h"

#include <string.h>

#define TILE L4A_MATMUL_TILE

static bool g_int_path = true;

void l4a_matmul_set_int_path(bool on) { g_int_path = on; }

/* Per thread: a tile of dequantized rows, rounded up to whole cache lines. */
static size_t tile_floats(int64_t C) { return ((size_t)TILE * (size_t)C + 15) & ~(size_t)15; }

/* ... then a tile of weight rows unpacked from the x4 layout (file_rows): 1.25 bytes per
 * element, more than any type with the layout takes. */
static size_t thread_floats(int64_t C) {
    return tile_floats(C) + ((((size_t)TILE * (size_t)C * 5 / 16) + 15) & ~(size_t)15);
}

size_t l4a_matmul_scratch_floats(int64_t C, int64_t T, int n_threads) {
    /* the threads' tiles, then the rounded copy of x (T,C) */
    return (size_t)n_threads * thread_floats(C) + (size_t)T * (size_t)C;
}

/* Rows r0..r0+nr-1 of w in the file's layout: where they lie, or, for a weight repacked four
 * rows at a time (quant/x4.h), unpacked into buf (the thread's scratch after its tile). Small
 * batches read the x4 layout itself (worker_int), and so do the gemm_x4 kernels; the other
 * gemms and the float path pay this copy, once per tile and token block. */
static const uint8_t *file_rows(const l4a_tensor *w, int64_t r0, int64_t nr, float *thread) {
    if (w->layout != L4A_LAYOUT_X4) return l4a_tensor_row(w, r0);
    L4A_ASSERT(r0 % 4 == 0 && nr % 4 == 0);
    uint8_t *buf = (uint8_t *)(thread + tile_floats(w->ne[0]));
    const size_t rb = (size_t)w->nb[1];
    for (int64_t g = 0; g < nr; g += 4)
        l4a_x4_unpack(w->type, w->ne[0], l4a_tensor_row(w, r0 + g), buf + (size_t)g * rb, rb);
    return buf;
}

/* One product of a job: its weight, output and path. */
typedef struct mm_op {
    float *out;                 /* (T,OC) */
    const l4a_tensor *w;        /* (OC,C) */
    const l4a_type_traits *tr;
    const float *bias;          /* (OC) or NULL */
    const l4a_vecdot *vd;       /* the integer path, or NULL: the float path */
    bool gemm;                  /* the integer path through vd->gemm (large batches) */
    int64_t first_tile;         /* index of its first tile in the job's list of tiles */
} mm_op;

#define MAX_OPS 4

/* Products of one x with up to MAX_OPS weights, their tiles split across the threads. */
typedef struct matmul_job {
    mm_op ops[MAX_OPS];
    int n_ops;
    int64_t n_tiles;            /* of all ops */
    int n_threads;              /* the pool's: the parts shrink by it (l4a_split_guided) */
    const float *x;             /* (T,C) floats: the float path */
    const uint8_t *xq;          /* T rows of xq_row bytes: x in the integer path's format */
    size_t xq_row;
    const uint8_t *groups;      /* xq packed for vd->gemm, groups of L4A_GEMM_GROUP tokens */
    size_t group_bytes;
    int64_t T;
    float *scratch;
    size_t scratch_stride;
} matmul_job;

/* The integer path: out rows r0..r0+nr-1 (their weights in the file's layout at rows) for
 * tokens t0..t1-1, in tiles of L4A_VECDOT_TILE weight rows x L4A_VECDOT_TILE_NA tokens: each
 * weight block is unpacked once for up to eight tokens. The tile kernels compute every output
 * by the same float operations whatever the tile's shape (tests/test_vecdot.c checks it bit
 * for bit against the single dot), so a token's result does not depend on its neighbours in
 * the batch (see the top of the file). */
static void tile_product_int(const matmul_job *j, const mm_op *op, const uint8_t *rows,
                             int64_t r0, int64_t nr, int64_t t0, int64_t t1) {
    const int64_t OC = op->w->ne[1], C = op->w->ne[0], B = L4A_VECDOT_TILE;
    const int64_t BA = L4A_VECDOT_TILE_NA;
    const size_t wrow = (size_t)op->w->nb[1];
    for (int64_t t = t0; t < t1; t += BA) {
        const int na = (int)(t1 - t < BA ? t1 - t : BA);
        for (int64_t r = 0; r < nr; r += B) {
            const int nw = (int)(nr - r < B ? nr - r : B);
            op->vd->dot_tile(C, rows + (size_t)r * wrow, wrow, nw,
                             j->xq + (size_t)t * j->xq_row, j->xq_row, na,
                             op->out + t * OC + r0 + r, (size_t)OC);
        }
    }
}

/* Bytes of quantized activation rows one pass over a thread's weight tiles keeps in L2 (half
 * of a 2 MiB L2, the rest for the weight tile and the outputs). A prompt's tokens are cut in
 * blocks of this size, each block runs over all the thread's tiles: a weight tile is read
 * from L2 for every token of the block, and from memory once per block. */
#define ACT_BLOCK_BYTES (512 * 1024)

/* The integer path's part of a job: tiles tb..te-1 for every token, token block by token
 * block. */
static void worker_int(const matmul_job *j, int64_t tb, int64_t te, float *scratch) {
    const int64_t T = j->T, B = j->groups ? L4A_GEMM_GROUP : L4A_VECDOT_TILE_NA;
    int64_t tblk = (int64_t)(ACT_BLOCK_BYTES / j->xq_row) / B * B;
    if (tblk < B) tblk = B;
    for (int64_t t0 = 0; t0 < T; t0 += tblk) {
        const int64_t t1 = T - t0 < tblk ? T : t0 + tblk;
        int k = 0;
        for (int64_t tile = tb; tile < te; tile++) {
            while (k + 1 < j->n_ops && tile >= j->ops[k + 1].first_tile) k++;
            const mm_op *op = &j->ops[k];
            const int64_t OC = op->w->ne[1];
            const int64_t r0 = (tile - op->first_tile) * TILE;
            const int64_t nr = OC - r0 < TILE ? OC - r0 : TILE;
            if (op->w->layout == L4A_LAYOUT_X4 && T < L4A_GEMM_GROUP && op->vd->dot_x4) {
                /* decode, and batches below the gemm's: token by token over the tile's x4
                 * groups, which stay in L2 (unpacking the tile for the 4-row kernels instead
                 * ran batches of 2 to 8 tokens at 0.4 to 0.7 of the file layout's speed) */
                for (int64_t t = t0; t < t1; t++)
                    for (int64_t r = 0; r < nr; r += 4)
                        op->vd->dot_x4(op->w->ne[0], l4a_tensor_row(op->w, r0 + r),
                                       j->xq + (size_t)t * j->xq_row, op->out + t * OC + r0 + r);
            } else if (op->gemm) {
                /* x4 weights: the gemm that reads them where there is one, else a tile
                 * unpacked */
                const bool x4 = op->w->layout == L4A_LAYOUT_X4 && op->vd->gemm_x4;
                const l4a_gemm_fn gemm = x4 ? op->vd->gemm_x4 : op->vd->gemm;
                gemm(op->w->ne[0],
                     x4 ? l4a_tensor_row(op->w, r0) : file_rows(op->w, r0, nr, scratch),
                     (size_t)op->w->nb[1], (int)nr,
                     j->groups + (size_t)(t0 / L4A_GEMM_GROUP) * j->group_bytes, (int)(t1 - t0),
                     op->out + t0 * OC + r0, (size_t)OC, scratch);
            } else {
                tile_product_int(j, op, file_rows(op->w, r0, nr, scratch), r0, nr, t0, t1);
            }
            if (op->bias)
                for (int64_t t = t0; t < t1; t++)
                    for (int64_t r = r0; r < r0 + nr; r++) op->out[t * OC + r] += op->bias[r];
        }
    }
}

/* out rows r0..r0+nr-1 for every token, from nr float weight rows wf (row stride ws). */
static void tile_product(const matmul_job *j, const mm_op *op, const float *wf, int64_t ws,
                         int64_t r0, int64_t nr) {
    const int64_t C = op->w->ne[0], OC = op->w->ne[1], T = j->T;
    const float *x = j->x;
    float *out = op->out;
    float blk[16];
    int64_t t = 0;
    for (; t + 4 <= T; t += 4) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) {
            l4a_vec_dot_4x4(wf + r * ws, ws, x + t * C, C, C, blk);
            for (int jt = 0; jt < 4; jt++)
                for (int jr = 0; jr < 4; jr++) out[(t + jt) * OC + r0 + r + jr] = blk[jt * 4 + jr];
        }
        for (; r < nr; r++)
            for (int jt = 0; jt < 4; jt++)
                out[(t + jt) * OC + r0 + r] = l4a_vec_dot_1x1(wf + r * ws, x + (t + jt) * C, C);
    }
    for (; t < T; t++) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) {
            l4a_vec_dot_1x4(wf + r * ws, ws, x + t * C, C, blk);
            for (int jr = 0; jr < 4; jr++) out[t * OC + r0 + r + jr] = blk[jr];
        }
        for (; r < nr; r++) out[t * OC + r0 + r] = l4a_vec_dot_1x1(wf + r * ws, x + t * C, C);
    }
}

static void matmul_worker(void *arg, int ith, int nth, int tid) {
    const matmul_job *j = arg;
    int64_t tb, te;
    l4a_split_guided(j->n_tiles, ith, nth, j->n_threads, &tb, &te);
    float *wbuf = j->scratch + (size_t)tid * j->scratch_stride;
    if (j->ops[0].vd) {         /* every op of a job takes the same path (run_ops) */
        worker_int(j, tb, te, wbuf);
        return;
    }
    int k = 0;
    for (int64_t tile = tb; tile < te; tile++) {
        while (k + 1 < j->n_ops && tile >= j->ops[k + 1].first_tile) k++;
        const mm_op *op = &j->ops[k];
        const l4a_tensor *w = op->w;
        const int64_t C = w->ne[0], OC = w->ne[1];
        const int64_t r0 = (tile - op->first_tile) * TILE;
        const int64_t nr = OC - r0 < TILE ? OC - r0 : TILE;
        if (w->type == L4A_TYPE_F32 && w->nb[1] % sizeof(float) == 0) {
            /* F32 rows are used where they lie */
            tile_product(j, op, l4a_tensor_row(w, r0), (int64_t)(w->nb[1] / sizeof(float)), r0,
                         nr);
        } else {
            const uint8_t *rows = file_rows(w, r0, nr, wbuf);
            for (int64_t r = 0; r < nr; r++)
                op->tr->to_float(rows + (size_t)r * w->nb[1], wbuf + r * C, C);
            tile_product(j, op, wbuf, C, r0, nr);
        }
        if (op->bias)
            for (int64_t t = 0; t < j->T; t++)
                for (int64_t r = r0; r < r0 + nr; r++) op->out[t * OC + r] += op->bias[r];
    }
}

/* Rounding (float path) or quantization (integer path) of x's rows, split across the pool:
 * a separate step, since every thread's product reads every row. */
typedef struct round_job {
    float *y;                   /* float path: rounded rows */
    uint8_t *yq;                /* integer path: rows of yq_row bytes */
    size_t yq_row;
    uint8_t *groups;            /* and, for vd->gemm, the rows packed in groups */
    size_t group_bytes;
    const l4a_vecdot *vd;
    const float *x;
    int64_t T, C;
    l4a_act_rounding r;
} round_job;

static void round_worker(void *arg, int ith, int nth, int tid) {
    (void)tid;
    const round_job *j = arg;
    int64_t t0, t1;
    if (j->groups) {            /* whole groups per thread: each packs the rows it quantized */
        const int64_t G = L4A_GEMM_GROUP, ng = (j->T + G - 1) / G;
        int64_t g0, g1;
        l4a_split(ng, ith, nth, &g0, &g1);
        for (int64_t g = g0; g < g1; g++) {
            const int64_t a = g * G, b = j->T < a + G ? j->T : a + G;
            for (int64_t t = a; t < b; t++)
                j->vd->quantize_act(j->x + t * j->C, j->yq + (size_t)t * j->yq_row, j->C);
            j->vd->gemm_pack(j->C, j->yq + (size_t)a * j->yq_row, j->yq_row, (int)(b - a),
                             j->groups + (size_t)g * j->group_bytes);
        }
        return;
    }
    l4a_split(j->T, ith, nth, &t0, &t1);
    if (j->vd)
        for (int64_t t = t0; t < t1; t++)
            j->vd->quantize_act(j->x + t * j->C, j->yq + (size_t)t * j->yq_row, j->C);
    else if (t1 > t0)
        l4a_act_round(j->y + t0 * j->C, j->x + t0 * j->C, (t1 - t0) * j->C, j->r);
}

/* The path of one product: the rounding grid of x and the integer kernels, if any. */
static void plan(mm_op *op, bool round_act, int64_t T, l4a_act_rounding *r) {
    op->tr = l4a_type_traits_of(op->w->type);
    /* The loader validated every weight's type; anything else here is a bug. */
    L4A_ASSERT(op->tr != NULL && op->tr->to_float != NULL);
    L4A_ASSERT(op->w->ne[0] % op->tr->blck_size == 0);
    *r = round_act ? l4a_act_rounding_of(op->w->type) : L4A_ACT_ROUND_NONE;
    /* The integer path exists for the quantized types with SIMD kernels on this CPU. */
    const l4a_vecdot *vd =
        *r != L4A_ACT_ROUND_NONE && g_int_path ? l4a_vecdot_get(op->w->type) : NULL;
    if (vd && (!vd->dot_tile || strcmp(vd->isa, "ref") == 0 || op->w->ne[0] % vd->block != 0))
        vd = NULL;
    op->vd = vd;
    /* AMX from a batch of 16 on (every path gives the same bits: only speed differs) */
    op->gemm = vd && vd->gemm && T >= L4A_GEMM_GROUP &&
               vd->gemm_scratch_bytes(op->w->ne[0]) <= tile_floats(op->w->ne[0]) * sizeof(float);
}

/* Products whose x preparation is the same (ops[0]'s) in one pass. */
static void run_ops(l4a_pool *pool, const mm_op *ops, int n_ops, l4a_act_rounding r,
                    const float *x, int64_t T, float *scratch) {
    const int64_t C = ops[0].w->ne[0];
    const int nth = l4a_pool_size(pool);
    const l4a_vecdot *vd = ops[0].vd;
    float *xr = scratch + (size_t)nth * thread_floats(C);   /* T*C floats of scratch */
    round_job rj = {.y = xr, .yq = (uint8_t *)xr, .vd = vd, .x = x, .T = T, .C = C, .r = r};
    bool gemm = false;
    for (int i = 0; i < n_ops; i++) gemm = gemm || ops[i].gemm;
    if (vd) {
        rj.yq_row = l4a_vecdot_act_size(vd, C);
        L4A_ASSERT(rj.yq_row > 0 && rj.yq_row <= (size_t)C * sizeof(float));
    }
    if (gemm) {                 /* the groups after the rows, in the same T*C floats */
        const l4a_vecdot *gv = NULL;
        for (int i = 0; i < n_ops && !gv; i++) gv = ops[i].gemm ? ops[i].vd : NULL;
        for (int i = 0; i < n_ops; i++)     /* one layout of the groups for all */
            L4A_ASSERT(!ops[i].gemm || ops[i].vd->gemm_pack == gv->gemm_pack);
        rj.vd = gv;             /* same act_type as vd: one quantizer */
        rj.group_bytes = gv->gemm_group_bytes(C);
        const size_t off = ((size_t)T * rj.yq_row + 63) & ~(size_t)63;
        const size_t ng = (size_t)((T + L4A_GEMM_GROUP - 1) / L4A_GEMM_GROUP);
        L4A_ASSERT(off + ng * rj.group_bytes <= (size_t)T * (size_t)C * sizeof(float));
        rj.groups = rj.yq + off;
    }
    if (r != L4A_ACT_ROUND_NONE) {
        L4A_ASSERT(C % l4a_act_rounding_block(r) == 0);
        if (T * C < 32768 && !gemm) round_worker(&rj, 0, 1, 0);
        else l4a_pool_run(pool, round_worker, &rj);
        x = xr;
    }
    matmul_job j = {.n_ops = n_ops, .x = x, .xq = rj.yq, .xq_row = rj.yq_row,
                    .groups = rj.groups, .group_bytes = rj.group_bytes, .T = T,
                    .scratch = scratch, .scratch_stride = thread_floats(C), .n_threads = nth};
    for (int i = 0; i < n_ops; i++) {
        j.ops[i] = ops[i];
        j.ops[i].first_tile = j.n_tiles;
        j.n_tiles += (ops[i].w->ne[1] + TILE - 1) / TILE;
    }
    l4a_pool_run(pool, matmul_worker, &j);
}

void l4a_matmul_forward_n(l4a_pool *pool, const l4a_matmul_op *ops, int n_ops, const float *x,
                          int64_t T, bool round_act, float *scratch) {
    L4A_ASSERT(n_ops >= 1 && n_ops <= MAX_OPS);
    if (T <= 0) return;
    mm_op op[MAX_OPS];
    l4a_act_rounding r[MAX_OPS];
    bool shared = true;     /* one preparation of x serves all */
    for (int i = 0; i < n_ops; i++) {
        op[i] = (mm_op){.out = ops[i].out, .w = ops[i].w, .bias = ops[i].bias};
        plan(&op[i], round_act, T, &r[i]);
        L4A_ASSERT(op[i].w->ne[0] == op[0].w->ne[0]);
        shared = shared && r[i] == r[0] && (op[i].vd == NULL) == (op[0].vd == NULL) &&
                 (!op[i].vd || op[i].vd->act_type == op[0].vd->act_type);
    }
    if (shared) {
        run_ops(pool, op, n_ops, r[0], x, T, scratch);
        return;
    }
    for (int i = 0; i < n_ops; i++) run_ops(pool, &op[i], 1, r[i], x, T, scratch);
}

void l4a_matmul_forward(l4a_pool *pool, float *out, const float *x, const l4a_tensor *w,
                        const float *bias, int64_t T, bool round_act, float *scratch) {
    const l4a_matmul_op op = {.out = out, .w = w, .bias = bias};
    l4a_matmul_forward_n(pool, &op, 1, x, T, round_act, scratch);
}
