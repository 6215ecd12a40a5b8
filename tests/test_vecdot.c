/*
 * test_vecdot.c - the quantized dot-product kernels (src/kernels/vecdot.h): every weight type
 * on every instruction set this CPU runs, against the plain C reference (src/quant/
 * vecdot_ref.c), and the reference against float arithmetic.
 *
 * Data: weight rows quantized from random floats by the reference quantizers, and rows of
 * random bytes with sane f16 scales (every bit pattern of quants, sub-scales and mins,
 * including Q8_0's -128 and Q6_K's -128 scale); activations quantized from random floats
 * whose blocks span six orders of magnitude. Lengths of 1, 2, 3, 7 and 33 blocks (the float
 * types get odd lengths, to run the scalar tails).
 *
 * Bounds, with u = 2^-24 and T = sum_i |w_i| |a_i| over the dequantized weight and
 * activation values - where a weight is a scaled quant plus a minimum (Q4_1, Q5_1, Q2_K,
 * Q4_K, Q5_K), |w_i| is |scaled part| + |minimum part|, so T bounds the magnitudes of all the
 * partial sums either implementation forms:
 *  1. reference vs exact (double) sum of w_i a_i: each block term is formed with at most 5
 *     roundings and nb terms are added in a row, so |err| <= (nb + 6) u T (Higham,
 *     "Accuracy and Stability of Numerical Algorithms", 3.1, to first order). For Q8_1
 *     activations the reference uses the stored f16 sum s of each block, which the exact sum
 *     also uses (that is what the integer formula means).
 *  2. SIMD vs reference: both are evaluations of the same integer-exact terms in different
 *     orders. The SIMD kernels split a block term into 8 lanes, accumulate up to 2 FMAs per
 *     block in a lane and sum the lanes in a tree (depth <= 2 nb + 8); each is within
 *     (2 nb + 8) u T of the exact value, so they are within 2 (2 nb + 8) u T of each other.
 *     The K-quant kernels form the reference's integers and float expression exactly and
 *     agree bit for bit in GCC builds; the bound still applies.
 *  3. reference vs the float dot product sum_i w_i x_i (x the activations before
 *     quantization): the activation-quantization error. Per element |x_i - a_i| <= e_i with
 *       Q8_0/Q8_1  e = d/2 + 127 |f16(d) - d| (+ x*id rounding)   d = max|x|/127 of the block
 *       Q8_K       e = d/2 (+ rounding)                          (d kept in f32)
 *       F16, BF16  e = |x| 2^-11, |x| 2^-8 (+ the smallest subnormal)
 *     so |ref - sum w x| <= sum_i |w_i| e_i + (nb + 6) u T, plus for Q8_1 2^-10 T (its s is
 *     an f16 rounding of d * sum q with d not rounded).
 *  4. Tiles: every nw x na <= 4 x 8, with strides that are not the row size, against the
 *     reference dot of each pair (bound 2), and bit for bit against the same ISA's single
 *     dot of the pair (the matmul's batch invariance); out entries outside the tile stay
 *     untouched.
 *  5. Activation quantizers: each ISA's bytes equal the reference's, on random data and on
 *     zeros, exact halves, huge and tiny values, Inf and NaN.
 *  6. Large-batch products (AMX): bit for bit against the same ISA's single dot, on panels of
 *     1 to 16 weight rows and 1 to 37 tokens.
 */
#include "harness.h"
#include "kernels/vecdot.h"
#include "quant/quant.h"
#include "quant/vecdot_ref.h"
#include "quant/x4.h"
#include "tensor/tensor.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double U = FLT_EPSILON / 2;

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t rnext(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static float frand(void) { return (float)((double)(rnext() >> 11) / 9007199254740992.0 * 2 - 1); }

/* Activations: blocks of 32 with magnitudes 1e-3 .. 1e3, so that scales vary. */
static void fill_act(float *x, int64_t n) {
    float scale = 1.0f;
    for (int64_t i = 0; i < n; i++) {
        if (i % 32 == 0) scale = powf(10.0f, (float)(rnext() % 7) - 3.0f);
        x[i] = frand() * scale;
    }
}

/* ---- weight types */

typedef struct wtype {
    uint32_t type;
    int d_off[2];       /* byte offsets in a block of the f16 scales of the quants (-1: none) */
    int min_off;        /* byte offset of the f16 scale of the minimum (-1: none) */
    int signed_d;       /* whether the scale may be negative */
} wtype;

static const wtype WTYPES[] = {
    {L4A_TYPE_Q4_0, {0, -1}, -1, 1}, {L4A_TYPE_Q4_1, {0, -1}, 2, 0},
    {L4A_TYPE_Q5_0, {0, -1}, -1, 1}, {L4A_TYPE_Q5_1, {0, -1}, 2, 0},
    {L4A_TYPE_Q8_0, {0, -1}, -1, 1}, {L4A_TYPE_Q2_K, {80, -1}, 82, 0},
    {L4A_TYPE_Q3_K, {108, -1}, -1, 1}, {L4A_TYPE_Q4_K, {0, -1}, 2, 0},
    {L4A_TYPE_Q5_K, {0, -1}, 2, 0}, {L4A_TYPE_Q6_K, {208, -1}, -1, 1},
    {L4A_TYPE_F16, {-1, -1}, -1, 0}, {L4A_TYPE_BF16, {-1, -1}, -1, 0},
    {L4A_TYPE_F32, {-1, -1}, -1, 0},
};
#define N_WTYPES (sizeof WTYPES / sizeof WTYPES[0])

static int is_float_type(uint32_t t) {
    return t == L4A_TYPE_F16 || t == L4A_TYPE_BF16 || t == L4A_TYPE_F32;
}

static size_t row_bytes(uint32_t type, int64_t n) {
    uint64_t s = 0;
    CHECK(l4a_row_size(type, n, &s));
    return (size_t)s;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* A sane f16 scale: magnitude in [2^-8, 2^-6), random sign when allowed. */
static uint16_t rand_scale(int allow_negative) {
    float v = (1.0f + (float)(rnext() % 1024) / 1024.0f) * 0x1p-8f * (float)(1 << (rnext() % 2));
    if (allow_negative && (rnext() & 1)) v = -v;
    return l4a_f32_to_f16(v);
}

/* One weight row of n elements: quantized from random floats (mode 0), or random bytes
 * (mode 1), all bytes 0xFF (mode 2) or all 0x00 (mode 3), each with sane scales. Modes 2 and
 * 3 give every quant its largest or smallest value (and the K types' sub-block scales too):
 * with activations all 127 (row_case_init) they reach the integer bounds the SIMD kernels
 * rely on (int16 sums that must not overflow or saturate). */
static void make_weights(const wtype *wt, int64_t n, int mode, void *row, float *tmp) {
    const l4a_type_traits *tr = l4a_type_traits_of(wt->type);
    const size_t rb = row_bytes(wt->type, n);
    if (mode == 0 || is_float_type(wt->type)) {
        for (int64_t i = 0; i < n; i++) tmp[i] = frand() * (1.0f + (float)(i % 5));
        tr->from_float(tmp, row, n);
        return;
    }
    uint8_t *p = row;
    for (size_t i = 0; i < rb; i++) p[i] = mode == 1 ? (uint8_t)rnext() : mode == 2 ? 0xFF : 0;
    for (size_t b = 0; b < rb / tr->type_size; b++) {
        uint8_t *blk = p + b * tr->type_size;
        for (int k = 0; k < 2; k++)
            if (wt->d_off[k] >= 0) put16(blk + wt->d_off[k], rand_scale(wt->signed_d));
        if (wt->min_off >= 0) put16(blk + wt->min_off, rand_scale(1));
    }
}

/* |scaled part| + |minimum part| of each dequantized weight (see the bounds above). */
static void weight_magnitudes(const wtype *wt, int64_t n, const void *row, float *w, double *mag,
                              float *tmp) {
    const l4a_type_traits *tr = l4a_type_traits_of(wt->type);
    tr->to_float(row, w, n);
    if (wt->min_off < 0) {
        for (int64_t i = 0; i < n; i++) mag[i] = fabs((double)w[i]);
        return;
    }
    const size_t rb = row_bytes(wt->type, n);
    uint8_t *copy = malloc(rb);
    memcpy(copy, row, rb);                          /* scaled part: minimum scale 0 */
    for (size_t b = 0; b < rb / tr->type_size; b++) put16(copy + b * tr->type_size + wt->min_off, 0);
    tr->to_float(copy, tmp, n);
    for (int64_t i = 0; i < n; i++) mag[i] = fabs((double)tmp[i]);
    memcpy(copy, row, rb);                          /* minimum part: scale 0 */
    for (size_t b = 0; b < rb / tr->type_size; b++) put16(copy + b * tr->type_size + wt->d_off[0], 0);
    tr->to_float(copy, tmp, n);
    for (int64_t i = 0; i < n; i++) mag[i] += fabs((double)tmp[i]);
    free(copy);
}

/* The exact value of the reference formula for Q8_1: sum w a with each block's minimum term
 * using the stored s instead of sum a. m_b is the minimum part of block b's weights. */
static double q8_1_s_correction(const wtype *wt, int64_t n, const void *row, const void *act,
                                const float *a, float *tmp) {
    const l4a_type_traits *tr = l4a_type_traits_of(wt->type);
    const size_t rb = row_bytes(wt->type, n);
    uint8_t *copy = malloc(rb);
    memcpy(copy, row, rb);
    for (size_t b = 0; b < rb / tr->type_size; b++) put16(copy + b * tr->type_size + wt->d_off[0], 0);
    tr->to_float(copy, tmp, n);                     /* tmp[i] = m of i's block */
    free(copy);
    double corr = 0;
    const l4a_block_q8_1 *y = act;
    for (int64_t b = 0; b < n / 32; b++) {
        double sum_a = 0;
        for (int i = 0; i < 32; i++) sum_a += a[32 * b + i];
        corr += (double)tmp[32 * b] * ((double)l4a_f16_to_f32(y[b].s) - sum_a);
    }
    return corr;
}

/* The a priori bound e_i on |x_i - a_i| of the activation quantization. */
static void act_error_bounds(uint32_t act_type, const float *x, int64_t n, double *e) {
    if (act_type == L4A_TYPE_F32) {
        for (int64_t i = 0; i < n; i++) e[i] = 0;
    } else if (act_type == L4A_TYPE_F16 || act_type == L4A_TYPE_BF16) {
        const double rel = act_type == L4A_TYPE_F16 ? 0x1p-11 : 0x1p-8;
        for (int64_t i = 0; i < n; i++) e[i] = fabs((double)x[i]) * rel + 0x1p-24;
    } else {
        const int64_t bs = act_type == L4A_TYPE_Q8_K ? 256 : 32;
        for (int64_t b = 0; b < n; b += bs) {
            float amax = 0;
            for (int64_t i = b; i < b + bs; i++) amax = fmaxf(amax, fabsf(x[i]));
            const double d = amax / 127.0f;
            double eb = d / 2 + d * 0x1p-16;
            if (act_type != L4A_TYPE_Q8_K)
                eb += 127 * fabs((double)l4a_f16_to_f32(l4a_f32_to_f16((float)d)) - d);
            for (int64_t i = b; i < b + bs; i++) e[i] = eb;
        }
    }
}

/* ---- the checks */

typedef struct row_case {
    int64_t n, nterms;
    size_t wbytes, abytes;
    uint8_t *w;         /* weight row */
    uint8_t *act;       /* quantized activation row (reference quantizer) */
    float *x;           /* activations before quantization */
    float *wf, *af;     /* dequantized weights and activations */
    double *mag, *err;
    double T, exact, fdot, act_bound;
    float ref;
} row_case;

static void row_case_free(row_case *c) {
    free(c->w);
    free(c->act);
    free(c->x);
    free(c->wf);
    free(c->af);
    free(c->mag);
    free(c->err);
}

static void row_case_init(row_case *c, const wtype *wt, const l4a_vecdot *ref, int64_t n,
                          int mode) {
    memset(c, 0, sizeof *c);
    c->n = n;
    c->nterms = n / ref->block;
    c->wbytes = row_bytes(wt->type, n);
    c->abytes = row_bytes(ref->act_type, n);
    c->w = malloc(c->wbytes);
    c->act = malloc(c->abytes);
    c->x = malloc(sizeof(float) * (size_t)n);
    c->wf = malloc(sizeof(float) * (size_t)n);
    c->af = malloc(sizeof(float) * (size_t)n);
    c->mag = malloc(sizeof(double) * (size_t)n);
    c->err = malloc(sizeof(double) * (size_t)n);
    float *tmp = malloc(sizeof(float) * (size_t)n);
    make_weights(wt, n, mode, c->w, tmp);
    if (mode >= 2)      /* quantized to 127 everywhere */
        for (int64_t i = 0; i < n; i++) c->x[i] = 1.0f;
    else
        fill_act(c->x, n);
    ref->quantize_act(c->x, c->act, n);
    weight_magnitudes(wt, n, c->w, c->wf, c->mag, tmp);
    l4a_type_traits_of(ref->act_type)->to_float(c->act, c->af, n);
    act_error_bounds(ref->act_type, c->x, n, c->err);
    double sum_we = 0;
    for (int64_t i = 0; i < n; i++) {
        c->T += c->mag[i] * fabs((double)c->af[i]);
        c->exact += (double)c->wf[i] * c->af[i];
        c->fdot += (double)c->wf[i] * c->x[i];
        sum_we += c->mag[i] * c->err[i];
    }
    c->act_bound = sum_we * 1.0001 + (double)(c->nterms + 6) * U * c->T;
    if (ref->act_type == L4A_TYPE_Q8_1) {
        c->exact += q8_1_s_correction(wt, n, c->w, c->act, c->af, tmp);
        c->act_bound += 0x1p-10 * c->T;
    }
    c->ref = ref->dot(n, c->w, c->act);
    free(tmp);
}

static double simd_bound(const row_case *c) {
    return 2.0 * (double)(2 * c->nterms + 8) * U * c->T * 1.01 + 1e-30;
}

static const char *type_name(uint32_t t) { return l4a_type_traits_of(t)->name; }

/* The largest |simd - ref| / bound seen per ISA (printed: how tight the bound is). */
static double g_worst[L4A_ISA_COUNT];

/* 1-3: one row, every ISA */
static void test_rows(const wtype *wt) {
    const l4a_vecdot *ref = l4a_vecdot_get_ref(wt->type);
    CHECK_MSG(ref != NULL, "no reference dot for %s", type_name(wt->type));
    if (!ref) return;
    static const int64_t blocks[] = {1, 2, 3, 7, 33};
    for (int mode = 0; mode < 4; mode++) {
        if (mode >= 1 && is_float_type(wt->type)) continue;
        for (size_t k = 0; k < sizeof blocks / sizeof blocks[0]; k++) {
            int64_t n = blocks[k] * (ref->block == 1 ? 32 : ref->block);
            if (ref->block == 1) n += blocks[k] % 7;        /* odd lengths for the float types */
            row_case c;
            row_case_init(&c, wt, ref, n, mode);
            CHECK_MSG(fabs(c.ref - c.exact) <= (double)(c.nterms + 6) * U * c.T * 1.01 + 1e-30,
                      "%s n=%lld mode %d: ref %.9g exact %.9g T %g", type_name(wt->type),
                      (long long)n, mode, c.ref, c.exact, c.T);
            CHECK_MSG(fabs(c.ref - c.fdot) <= c.act_bound,
                      "%s n=%lld mode %d: ref %.9g float dot %.9g bound %g", type_name(wt->type),
                      (long long)n, mode, c.ref, c.fdot, c.act_bound);
            for (int isa = 1; isa < L4A_ISA_COUNT; isa++) {
                const l4a_vecdot *v = l4a_vecdot_get_isa(wt->type, (l4a_isa)isa);
                if (!v) continue;
                const float got = v->dot(n, c.w, c.act);
                const double ratio = fabs(got - c.ref) / simd_bound(&c);
                if (ratio > g_worst[isa]) g_worst[isa] = ratio;
                CHECK_MSG(fabs(got - c.ref) <= simd_bound(&c),
                          "%s on %s (%s) n=%lld mode %d: %.9g, ref %.9g, bound %g",
                          type_name(wt->type), l4a_isa_name((l4a_isa)isa), v->isa, (long long)n,
                          mode, got, c.ref, simd_bound(&c));
            }
            row_case_free(&c);
        }
    }
}

/* 4: tiles of every shape against single reference dots */
static void test_tiles(const wtype *wt, int64_t nblocks) {
    const l4a_vecdot *ref = l4a_vecdot_get_ref(wt->type);
    if (!ref) return;
    const int64_t n = nblocks * (ref->block == 1 ? 33 : ref->block);
    enum { R = L4A_VECDOT_TILE, RA = L4A_VECDOT_TILE_NA };
    row_case rows[R], acts[RA];
    for (int r = 0; r < R; r++) row_case_init(&rows[r], wt, ref, n, r % 4);
    for (int c = 0; c < RA; c++) row_case_init(&acts[c], wt, ref, n, c & 1 ? 2 : 0);
    /* strides that are not the row size (multiples of 4: F32 and Q8_K fields stay aligned) */
    const size_t ws = rows[0].wbytes + 4, as = acts[0].abytes + 12, os = R + 3;
    uint8_t *W = calloc(R, ws), *A = calloc(RA, as);
    for (int r = 0; r < R; r++) memcpy(W + r * ws, rows[r].w, rows[r].wbytes);
    for (int c = 0; c < RA; c++) memcpy(A + c * as, acts[c].act, acts[c].abytes);
    float want[R][RA];
    double bound[R][RA];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < RA; c++) {
            want[r][c] = ref->dot(n, rows[r].w, acts[c].act);
            double T = 0;                   /* the T of the pair (see the top of this file) */
            for (int64_t i = 0; i < n; i++) T += rows[r].mag[i] * fabs((double)acts[c].af[i]);
            bound[r][c] = 2.0 * (double)(2 * rows[r].nterms + 8) * U * T * 1.01 + 1e-30;
        }
    for (int isa = 0; isa < L4A_ISA_COUNT; isa++) {
        const l4a_vecdot *v = l4a_vecdot_get_isa(wt->type, (l4a_isa)isa);
        if (!v) continue;
        int bad = 0, untouched_bad = 0, same_bad = 0;
        float single[R][RA];                 /* this ISA's one-pair dot of each pair */
        for (int r = 0; r < R; r++)
            for (int c = 0; c < RA; c++) single[r][c] = v->dot(n, W + r * ws, A + c * as);
        for (int nw = 1; nw <= R; nw++)
            for (int na = 1; na <= RA; na++) {
                float out[RA * (R + 3)];
                for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) out[i] = -12345.0f;
                v->dot_tile(n, W, ws, nw, A, as, na, out, os);
                for (int c = 0; c < RA; c++)
                    for (size_t r = 0; r < os; r++) {
                        const float o = out[c * os + r];
                        if (c < na && (int)r < nw) {
                            if (!(fabs(o - want[r][c]) <= bound[r][c])) {
                                if (bad++ < 3)
                                    fprintf(stderr, "    %s %s tile %dx%d [%zu][%d] = %.9g, ref %.9g\n",
                                            type_name(wt->type), v->isa, nw, na, r, c, o, want[r][c]);
                            }
                            if (memcmp(&o, &single[r][c], sizeof o) != 0 && same_bad++ < 3)
                                fprintf(stderr, "    %s %s tile %dx%d [%zu][%d] = %.9g, dot %.9g\n",
                                        type_name(wt->type), v->isa, nw, na, r, c, o,
                                        single[r][c]);
                        } else if (o != -12345.0f) {
                            untouched_bad++;
                        }
                    }
            }
        CHECK_MSG(bad == 0, "%s on %s: %d tile entries off", type_name(wt->type),
                  l4a_isa_name((l4a_isa)isa), bad);
        /* the matmul's batch invariance rests on this: a token's result must not depend on
         * the tile shape (how many weight rows and tokens share a call) */
        CHECK_MSG(same_bad == 0, "%s on %s, %lld blocks: %d tile entries not bit-identical to "
                  "the single dot", type_name(wt->type), l4a_isa_name((l4a_isa)isa),
                  (long long)nblocks, same_bad);
        CHECK_MSG(untouched_bad == 0, "%s on %s: %d entries outside the tile written",
                  type_name(wt->type), l4a_isa_name((l4a_isa)isa), untouched_bad);
    }
    free(W);
    free(A);
    for (int r = 0; r < R; r++) row_case_free(&rows[r]);
    for (int c = 0; c < RA; c++) row_case_free(&acts[c]);
}

/* 5: weights repacked four rows at a time (quant/x4.h): unpacking gives the file's bytes back,
 * and every ISA's x4 decode kernel gives, for each of the 4 rows, its own single dot bit for bit
 * (rows of random, all-largest and all-smallest quants; activations random, all 127 and all
 * -128: the int16 sums' extremes). */
static void test_x4(const wtype *wt, int64_t nblocks) {
    if (!l4a_x4_has_layout(wt->type)) return;
    const l4a_vecdot *ref = l4a_vecdot_get_ref(wt->type);
    const int64_t n = nblocks * ref->block;
    row_case rows[4], acts[3];
    for (int r = 0; r < 4; r++) row_case_init(&rows[r], wt, ref, n, (int)(rnext() % 4));
    row_case_init(&acts[0], wt, ref, n, 0);
    row_case_init(&acts[1], wt, ref, n, 2);
    row_case_init(&acts[2], wt, ref, n, 0);
    if (ref->act_type == L4A_TYPE_Q8_K) {       /* -128 everywhere, as written */
        l4a_block_q8_k *yb = (l4a_block_q8_k *)acts[2].act;
        for (int64_t i = 0; i < nblocks; i++) {
            memset(yb[i].qs, 0x80, sizeof yb[i].qs);
            for (int k = 0; k < L4A_QK_K / 16; k++) yb[i].bsums[k] = -128 * 16;
        }
    } else if (CHECK(ref->act_type == L4A_TYPE_Q8_0)) {
        l4a_block_q8_0 *yb = (l4a_block_q8_0 *)acts[2].act;
        for (int64_t i = 0; i < nblocks; i++) memset(yb[i].qs, 0x80, sizeof yb[i].qs);
    }
    const size_t rb = rows[0].wbytes;
    uint8_t *W = malloc(4 * rb), *P = malloc(4 * rb), *U4 = malloc(4 * rb);
    for (int r = 0; r < 4; r++) memcpy(W + r * rb, rows[r].w, rb);
    l4a_x4_pack(wt->type, n, W, rb, P);
    memset(U4, 0xA5, 4 * rb);
    l4a_x4_unpack(wt->type, n, P, U4, rb);
    CHECK_MSG(memcmp(W, U4, 4 * rb) == 0, "%s x4: unpacking does not give the rows back",
              type_name(wt->type));
    for (int isa = 0; isa < L4A_ISA_COUNT; isa++) {
        const l4a_vecdot *v = l4a_vecdot_get_isa(wt->type, (l4a_isa)isa);
        if (!v || !v->dot_x4) continue;
        for (int c = 0; c < 3; c++) {
            float out[4];
            v->dot_x4(n, P, acts[c].act, out);
            for (int r = 0; r < 4; r++) {
                const float want = v->dot(n, rows[r].w, acts[c].act);
                CHECK_MSG(memcmp(&out[r], &want, sizeof want) == 0,
                          "%s x4 on %s, %lld blocks, activations %d, row %d: %.9g, dot %.9g",
                          type_name(wt->type), v->isa, (long long)nblocks, c, r, out[r], want);
            }
        }
    }
    free(W);
    free(P);
    free(U4);
    for (int r = 0; r < 4; r++) row_case_free(&rows[r]);
    for (int c = 0; c < 3; c++) row_case_free(&acts[c]);
}

/* 6: the large-batch products (AMX) of the ISAs that have them: every entry bit for bit equal
 * to the same ISA's single dot (which test 1 bounds against the reference), for panels of 1 to
 * 16 weight rows and 1 to 37 tokens (partial groups of 16), entries outside left alone. */
static void test_gemm(const wtype *wt, int64_t nblocks) {
    const l4a_vecdot *ref = l4a_vecdot_get_ref(wt->type);
    if (!ref) return;
    const int64_t n = nblocks * ref->block;
    enum { R = 16, NA = 37 };
    for (int isa = 0; isa < L4A_ISA_COUNT; isa++) {
        const l4a_vecdot *v = l4a_vecdot_get_isa(wt->type, (l4a_isa)isa);
        if (!v || !v->gemm) continue;
        row_case rows[R], acts[NA];
        for (int r = 0; r < R; r++) row_case_init(&rows[r], wt, ref, n, r % 4);
        for (int c = 0; c < NA; c++) row_case_init(&acts[c], wt, ref, n, c & 1 ? 2 : 0);
        const size_t ws = rows[0].wbytes + 4, as = acts[0].abytes + 12, os = R + 5; /* as test 4 */
        uint8_t *W = calloc(R, ws), *A = calloc(NA, as);
        for (int r = 0; r < R; r++) memcpy(W + r * ws, rows[r].w, rows[r].wbytes);
        for (int c = 0; c < NA; c++) memcpy(A + c * as, acts[c].act, acts[c].abytes);
        const size_t gb = v->gemm_group_bytes(n);
        const int ng = (NA + L4A_GEMM_GROUP - 1) / L4A_GEMM_GROUP;
        uint8_t *G = malloc(gb * (size_t)ng), *scratch = malloc(v->gemm_scratch_bytes(n));
        float *out = malloc(sizeof(float) * NA * os), *out4 = malloc(sizeof(float) * NA * os);
        uint8_t *W4 = calloc(R, ws);        /* the rows in the x4 layout, for v->gemm_x4 */
        if (v->gemm_x4)
            for (int r = 0; r < R; r += 4) l4a_x4_pack(wt->type, n, W + r * ws, ws, W4 + r * ws);
        int same_bad = 0, untouched_bad = 0, x4_bad = 0;
        static const int nws[] = {1, 5, 12, 16}, nas[] = {1, 16, 17, 37};
        for (size_t i = 0; i < sizeof nws / sizeof nws[0]; i++)
            for (size_t k = 0; k < sizeof nas / sizeof nas[0]; k++) {
                const int nw = nws[i], na = nas[k];
                memset(G, 0xA5, gb * (size_t)ng);       /* packing must write every byte used */
                for (int g = 0; g * L4A_GEMM_GROUP < na; g++) {
                    const int left = na - g * L4A_GEMM_GROUP;
                    v->gemm_pack(n, A + (size_t)g * L4A_GEMM_GROUP * as, as,
                                 left < L4A_GEMM_GROUP ? left : L4A_GEMM_GROUP, G + gb * (size_t)g);
                }
                for (size_t e = 0; e < NA * os; e++) out[e] = -12345.0f;
                v->gemm(n, W, ws, nw, G, na, out, os, scratch);
                if (v->gemm_x4 && nw % 4 == 0) {   /* the same bits from the x4 layout */
                    memcpy(out4, out, sizeof(float) * NA * os);
                    for (int c = 0; c < na; c++)
                        for (int r = 0; r < nw; r++) out4[c * os + r] = -12345.0f;
                    v->gemm_x4(n, W4, ws, nw, G, na, out4, os, scratch);
                    x4_bad += memcmp(out4, out, sizeof(float) * NA * os) != 0;
                }
                for (int c = 0; c < NA; c++)
                    for (size_t r = 0; r < os; r++) {
                        const float o = out[c * os + r];
                        if (c < na && (int)r < nw) {
                            const float d = v->dot(n, W + r * ws, A + c * as);
                            if (memcmp(&o, &d, sizeof o) != 0 && same_bad++ < 3)
                                fprintf(stderr, "    %s %s gemm %dx%d [%zu][%d] = %.9g, dot %.9g\n",
                                        type_name(wt->type), v->isa, nw, na, r, c, o, d);
                        } else if (o != -12345.0f) {
                            untouched_bad++;
                        }
                    }
            }
        CHECK_MSG(same_bad == 0, "%s on %s, %lld blocks: %d gemm entries not bit-identical to "
                  "the single dot", type_name(wt->type), l4a_isa_name((l4a_isa)isa),
                  (long long)nblocks, same_bad);
        CHECK_MSG(untouched_bad == 0, "%s on %s: %d entries outside the gemm written",
                  type_name(wt->type), l4a_isa_name((l4a_isa)isa), untouched_bad);
        CHECK_MSG(x4_bad == 0, "%s on %s, %lld blocks: gemm_x4 differs from the gemm in %d of "
                  "its calls", type_name(wt->type), l4a_isa_name((l4a_isa)isa),
                  (long long)nblocks, x4_bad);
        free(W);
        free(W4);
        free(out4);
        free(A);
        free(G);
        free(scratch);
        free(out);
        for (int r = 0; r < R; r++) row_case_free(&rows[r]);
        for (int c = 0; c < NA; c++) row_case_free(&acts[c]);
    }
}

/* 5: activation quantizers, byte for byte */
static void test_quantizers(void) {
    const int64_t n = 33 * 256;
    float *x = malloc(sizeof(float) * (size_t)n);
    fill_act(x, n);
    /* special blocks: zeros; exact halves (max 127: d = 1, id = 1); huge and tiny values;
     * Inf, NaN, -0 */
    for (int i = 0; i < 256; i++) x[i] = 0.0f;
    for (int i = 256; i < 512; i++)
        x[i] = i % 32 == 0 ? 127.0f : (float)((i % 253) - 126) + ((i & 1) ? 0.5f : -0.5f);
    for (int i = 512; i < 768; i++) x[i] = frand() * 1e30f;
    for (int i = 768; i < 1024; i++) x[i] = frand() * 1e-40f;     /* subnormal */
    x[1024] = INFINITY;
    x[1024 + 300] = NAN;
    x[1024 + 301] = -NAN;
    x[1600] = -INFINITY;
    x[1601] = 65519.0f;
    x[1602] = 65520.0f;
    x[1603] = -0.0f;
    for (int i = 2048; i < 2304; i++) x[i] = (float)(i - 2176) * 0.5f + 0.25f;
    x[2400] = NAN;                                       /* a NaN alone in a finite block */
    static const uint32_t acts[] = {L4A_TYPE_Q4_0 /* Q8_0 */, L4A_TYPE_Q4_1 /* Q8_1 */,
                                    L4A_TYPE_Q4_K /* Q8_K */, L4A_TYPE_F16, L4A_TYPE_BF16,
                                    L4A_TYPE_F32};
    for (size_t k = 0; k < sizeof acts / sizeof acts[0]; k++) {
        const l4a_vecdot *ref = l4a_vecdot_get_ref(acts[k]);
        const int64_t m = ref->block == 1 ? n - 5 : n;      /* tails for the 16-bit types */
        const size_t bytes = row_bytes(ref->act_type, m);
        uint8_t *want = malloc(bytes), *got = malloc(bytes);
        ref->quantize_act(x, want, m);
        for (int isa = 1; isa < L4A_ISA_COUNT; isa++) {
            const l4a_vecdot *v = l4a_vecdot_get_isa(acts[k], (l4a_isa)isa);
            if (!v) continue;
            memset(got, 0xAA, bytes);
            v->quantize_act(x, got, m);
            size_t first = bytes;
            for (size_t i = 0; i < bytes && first == bytes; i++)
                if (got[i] != want[i]) first = i;
            CHECK_MSG(first == bytes, "%s quantizer on %s: first different byte %zu of %zu",
                      type_name(ref->act_type), l4a_isa_name((l4a_isa)isa), first, bytes);
        }
        free(want);
        free(got);
    }
    free(x);
}

static void test_dispatch(void) {
    int best = 0;
    for (int isa = 0; isa < L4A_ISA_COUNT; isa++)
        if (l4a_isa_available((l4a_isa)isa)) best = isa;
    printf("ISAs available:");
    for (int isa = 0; isa < L4A_ISA_COUNT; isa++)
        if (l4a_isa_available((l4a_isa)isa)) printf(" %s", l4a_isa_name((l4a_isa)isa));
    printf("; chosen: %s\n", l4a_vecdot_isa());
    const char *env = getenv("L4A_ISA");
    if (!env || !*env) CHECK_EQ_INT(l4a_vecdot_isa_level(), best);
    CHECK(l4a_isa_available(L4A_ISA_REF));
    for (size_t k = 0; k < N_WTYPES; k++) {
        const l4a_vecdot *v = l4a_vecdot_get(WTYPES[k].type);
        const l4a_vecdot *r = l4a_vecdot_get_ref(WTYPES[k].type);
        CHECK(v && r && v->dot && v->dot_tile && v->quantize_act);
        CHECK(r && strcmp(r->isa, "ref") == 0 && v && v->act_type == r->act_type);
    }
    CHECK(l4a_vecdot_get(L4A_TYPE_Q8_K) == NULL);       /* an activation type, not a weight */
    CHECK(l4a_vecdot_get(999) == NULL);
}

int main(void) {
    test_dispatch();
    test_quantizers();
    for (size_t k = 0; k < N_WTYPES; k++) {
        test_rows(&WTYPES[k]);
        test_tiles(&WTYPES[k], 3);
        test_tiles(&WTYPES[k], 19);     /* AVX-512 32-element kernels: 2 groups of 8 + 3 */
        for (int64_t nb = 1; nb <= 7; nb += 3) test_x4(&WTYPES[k], nb);
        test_gemm(&WTYPES[k], 1);
        test_gemm(&WTYPES[k], 6);
        test_gemm(&WTYPES[k], 19);
    }
    printf("largest |simd - ref| / bound:");
    for (int isa = 1; isa < L4A_ISA_COUNT; isa++)
        if (l4a_isa_available((l4a_isa)isa))
            printf(" %s %.3g", l4a_isa_name((l4a_isa)isa), g_worst[isa]);
    printf("\n");
    return l4a_test_summary("test_vecdot");
}
