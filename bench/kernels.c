/*
 * kernels.c - micro-benchmark of the quantized dot-product kernels (src/kernels/vecdot.h):
 * for each weight type and each instruction set this CPU runs, validates against the plain C
 * reference, then times one thread streaming a weight matrix through
 *   dot      one activation row, one weight row per call (the decode step)
 *   4x1      tiles of 4 weight rows x 1 activation row (decode, activation loaded once)
 *   x4       the same on the matrix repacked four rows at a time (quant/x4.h), where the
 *            level has an x4 kernel for the type (decode of the weights models/repack.c
 *            repacks): 0 elsewhere
 *   4x4      tiles of 4 x 4 (prompt processing: 4 tokens per weight load)
 *   4x8      tiles of 4 x 8 (the matmul's prompt tile: 8 tokens per weight load)
 *   gemm     the large-batch kernel where the level has one (vecdot.h: AMX, AVX2): tiles of
 *            16 weight rows x 64 tokens, the rows unpacked once per call as in a prompt
 * and prints GB/s of weight bytes read (and GFLOP/s, 2 flops per weight and activation row),
 * next to the plain read speed of the same buffer (a sum of its 64-bit words): decode is
 * memory-bound when the kernel is faster than memory delivers the weights.
 *
 * Not a test (tests/test_vecdot.c is), not the end-to-end benchmark (bench/compare).
 *
 * Build (no Makefile needed, after `make lib`):
 *   cc -O2 -Iinclude -Isrc bench/kernels.c build/libllm4all.a -lm -lpthread -lutf8proc \
 *      -lcjson -o build/bench_kernels
 * Run:
 *   build/bench_kernels [-s KIB] [-c COLS] [-t q4_0,q4_k,...] [-r SECONDS] [-n RUNS]
 *     -s  weight bytes per matrix in KiB (default 1024: cache-resident; 262144 for memory)
 *     -c  row length (default 4096)
 *     -t  types (default all)
 *     -r  seconds per measurement (default 0.2)
 *     -n  measurements per figure, the best kept (default 3; on a noisy VM, -r 0.02 -n 30)
 * L4A_ISA=... caps the ISAs as for the library.
 */
#include "kernels/vecdot.h"
#include "quant/quant.h"
#include "quant/x4.h"
#include "tensor/tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: on a machine shared with other jobs, the time the kernel ran rather
 * than the time it waited for a core (cache sharing with other jobs still shows). */
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnext(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static float frand(void) { return (float)((double)(rnext() >> 11) / 9007199254740992.0 * 2 - 1); }

typedef struct btype {
    uint32_t type;
    const char *name;
    int scale_off[3];   /* byte offsets of f16 scales in a block, -1: unused */
} btype;

static const btype TYPES[] = {
    {L4A_TYPE_Q4_0, "q4_0", {0, -1, -1}},   {L4A_TYPE_Q4_1, "q4_1", {0, 2, -1}},
    {L4A_TYPE_Q5_0, "q5_0", {0, -1, -1}},   {L4A_TYPE_Q5_1, "q5_1", {0, 2, -1}},
    {L4A_TYPE_Q8_0, "q8_0", {0, -1, -1}},   {L4A_TYPE_Q2_K, "q2_k", {80, 82, -1}},
    {L4A_TYPE_Q3_K, "q3_k", {108, -1, -1}}, {L4A_TYPE_Q4_K, "q4_k", {0, 2, -1}},
    {L4A_TYPE_Q5_K, "q5_k", {0, 2, -1}},    {L4A_TYPE_Q6_K, "q6_k", {208, -1, -1}},
    {L4A_TYPE_F16, "f16", {-1, -1, -1}},    {L4A_TYPE_BF16, "bf16", {-1, -1, -1}},
    {L4A_TYPE_F32, "f32", {-1, -1, -1}},
};

/* Random weights: quant bytes at random with f16 scales of sane size (fast for big buffers);
 * float types from random floats. */
static void fill_weights(const btype *bt, uint8_t *w, size_t bytes, int64_t nelem) {
    const l4a_type_traits *tr = l4a_type_traits_of(bt->type);
    if (bt->type == L4A_TYPE_F32 || bt->type == L4A_TYPE_F16 || bt->type == L4A_TYPE_BF16) {
        const int64_t chunk = 4096;
        float tmp[4096];
        for (int64_t i = 0; i < nelem; i += chunk) {
            const int64_t m = nelem - i < chunk ? nelem - i : chunk;
            for (int64_t j = 0; j < m; j++) tmp[j] = frand();
            tr->from_float(tmp, w + (size_t)i * tr->type_size, m);
        }
        return;
    }
    for (size_t i = 0; i + 8 <= bytes; i += 8) {
        const uint64_t r = rnext();
        memcpy(w + i, &r, 8);
    }
    for (size_t b = 0; b < bytes / tr->type_size; b++)
        for (int k = 0; k < 3; k++)
            if (bt->scale_off[k] >= 0) {
                const uint16_t h = l4a_f32_to_f16((0.5f + 0.5f * (float)(rnext() % 64) / 64) *
                                                  0x1p-7f);
                memcpy(w + b * tr->type_size + bt->scale_off[k], &h, 2);
            }
}

/* The plain read speed of a buffer: sum of its 64-bit words in 8 chains. */
static uint64_t g_sink;
static double read_gbs(const uint8_t *p, size_t bytes, double secs) {
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        int iters = 0;
        const double t0 = now();
        double t;
        do {
            uint64_t s[8] = {0};
            for (size_t i = 0; i + 64 <= bytes; i += 64)
                for (int k = 0; k < 8; k++) {
                    uint64_t v;
                    memcpy(&v, p + i + 8 * k, 8);
                    s[k] += v;
                }
            g_sink += s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
            iters++;
            t = now() - t0;
        } while (t < secs);
        if (t / iters < best) best = t / iters;
    }
    return (double)bytes / best * 1e-9;
}

typedef struct bench_ctx {
    const l4a_vecdot *v;
    int64_t C, R;           /* row length, rows */
    size_t rb, ab;          /* bytes per weight row, per activation row */
    const uint8_t *w, *a;   /* R weight rows, 8 activation rows */
    const uint8_t *wx4;     /* the R rows in the x4 layout, or NULL */
    const uint8_t *groups;  /* GEMM_NA tokens packed for v->gemm */
    void *scratch;          /* v->gemm's per-thread scratch */
    float *out;             /* (GEMM_NA, R) */
} bench_ctx;

enum { GEMM_NA = 64 };      /* tokens per gemm call: a prompt's token block */

static float g_fsink;

static void run_dot(const bench_ctx *b) {
    for (int64_t r = 0; r < b->R; r++) b->out[r] = b->v->dot(b->C, b->w + (size_t)r * b->rb, b->a);
}
static void run_gemm(const bench_ctx *b) {
    for (int64_t r = 0; r < b->R; r += 16)
        b->v->gemm(b->C, b->w + (size_t)r * b->rb, b->rb, b->R - r < 16 ? (int)(b->R - r) : 16,
                   b->groups, GEMM_NA, b->out + r, (size_t)b->R, b->scratch);
}
static void run_x4(const bench_ctx *b) {
    for (int64_t r = 0; r + 4 <= b->R; r += 4)
        b->v->dot_x4(b->C, b->wx4 + (size_t)r * b->rb, b->a, b->out + r);
}
static void run_tile(const bench_ctx *b, int na) {
    for (int64_t r = 0; r + 4 <= b->R; r += 4)
        b->v->dot_tile(b->C, b->w + (size_t)r * b->rb, b->rb, 4, b->a, b->ab, na, b->out + r,
                       (size_t)b->R);
}

enum { MODE_DOT = 0, MODE_GEMM = -1, MODE_X4 = -2 };    /* else: tiles of mode tokens */

/* seconds per pass over the matrix, best of g_runs runs of >= secs each */
static int g_runs = 3;
static double time_it(const bench_ctx *b, int mode, double secs) {
    double best = 1e30;
    for (int rep = 0; rep < g_runs; rep++) {
        int iters = 0;
        const double t0 = now();
        double t;
        do {
            if (mode == MODE_DOT) run_dot(b);
            else if (mode == MODE_GEMM) run_gemm(b);
            else if (mode == MODE_X4) run_x4(b);
            else run_tile(b, mode);
            g_fsink += b->out[0];
            iters++;
            t = now() - t0;
        } while (t < secs);
        if (t / iters < best) best = t / iters;
    }
    return best;
}

/* Validation: every dot of the first rows, and the tiles, against the reference within
 * 1e-4 of sum |w_i a_i| (the exact bound is in tests/test_vecdot.c; this guards against a
 * broken build, not rounding). */
static int validate(const bench_ctx *b, const l4a_vecdot *ref, const float *af, float *wf) {
    const int64_t rows = b->R < 8 ? b->R : 8;
    float tile[4 * 8];
    int bad = 0;
    for (int64_t r0 = 0; r0 + 4 <= rows; r0 += 4)
        b->v->dot_tile(b->C, b->w + (size_t)r0 * b->rb, b->rb, 4, b->a, b->ab, 4, tile + r0, 8);
    for (int64_t r = 0; r < rows; r++) {
        l4a_type_traits_of(b->v->weight_type)->to_float(b->w + (size_t)r * b->rb, wf, b->C);
        for (int c = 0; c < 4; c++) {
            const uint8_t *act = b->a + (size_t)c * b->ab;
            double mag = 0;
            for (int64_t i = 0; i < b->C; i++) mag += fabs((double)wf[i] * af[c * b->C + i]);
            const double want = ref->dot(b->C, b->w + (size_t)r * b->rb, act);
            const double tol = 1e-4 * mag + 1e-30;
            const double got = b->v->dot(b->C, b->w + (size_t)r * b->rb, act);
            bad += !(fabs(got - want) <= tol);
            if (r < (rows / 4) * 4) bad += !(fabs(tile[(c * 8) + (r % 8)] - want) <= tol);
        }
    }
    if (b->v->dot_x4 && b->wx4 && rows >= 4) {     /* x4: the dot's bits (vecdot.h) */
        float x4[4];
        b->v->dot_x4(b->C, b->wx4, b->a, x4);
        for (int r = 0; r < 4; r++) bad += x4[r] != b->v->dot(b->C, b->w + (size_t)r * b->rb, b->a);
    }
    return bad;
}

int main(int argc, char **argv) {
    size_t kib = 1024;
    int64_t C = 4096;
    double secs = 0.2;
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-s")) kib = (size_t)atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-c")) C = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-t")) only = argv[i + 1];
        else if (!strcmp(argv[i], "-r")) secs = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "-n")) g_runs = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: %s [-s KIB] [-c COLS] [-t types] [-r SECONDS] [-n RUNS]\n",
                    argv[0]);
            return 2;
        }
    }
    if (g_runs < 1) {
        fprintf(stderr, "-n must be a positive number of runs\n");
        return 2;
    }
    if (C <= 0 || C % 256) {
        fprintf(stderr, "-c must be a positive multiple of 256\n");
        return 2;
    }
    printf("bench_kernels: 1 thread, %zu KiB of weights per matrix, rows of %lld, isa %s\n",
           kib, (long long)C, l4a_vecdot_isa());
    printf("%-5s %-10s %9s %9s %9s %9s %9s %9s %9s %9s  %s\n", "type", "isa", "dot GB/s",
           "4x1 GB/s", "x4 GB/s", "4x4 GB/s", "dot GF/s", "4x4 GF/s", "4x8 GF/s", "gemm GF/s",
           "read GB/s");
    float *x = malloc(sizeof(float) * (size_t)C * 8), *af = malloc(sizeof(float) * (size_t)C * 8);
    float *wf = malloc(sizeof(float) * (size_t)C);
    for (int64_t i = 0; i < 8 * C; i++) x[i] = frand();
    int failures = 0;
    for (size_t k = 0; k < sizeof TYPES / sizeof TYPES[0]; k++) {
        const btype *bt = &TYPES[k];
        if (only && !strstr(only, bt->name)) continue;
        const l4a_vecdot *ref = l4a_vecdot_get_ref(bt->type);
        uint64_t rb64 = 0, ab64 = 0;
        if (!ref || !l4a_row_size(bt->type, C, &rb64) || !l4a_row_size(ref->act_type, C, &ab64))
            continue;
        bench_ctx b = {.C = C, .rb = (size_t)rb64, .ab = (size_t)ab64};
        b.R = (int64_t)(kib * 1024 / b.rb);
        b.R -= b.R % 4;
        if (b.R < 4) b.R = 4;
        uint8_t *w = malloc(b.rb * (size_t)b.R), *a = malloc(b.ab * GEMM_NA);
        b.out = malloc(sizeof(float) * (size_t)b.R * GEMM_NA);
        fill_weights(bt, w, b.rb * (size_t)b.R, C * b.R);
        for (int c = 0; c < 8; c++) {
            ref->quantize_act(x + c * C, a + c * b.ab, C);
            l4a_type_traits_of(ref->act_type)->to_float(a + c * b.ab, af + c * C, C);
        }
        for (int c = 8; c < GEMM_NA; c++) memcpy(a + c * b.ab, a + (c % 8) * b.ab, b.ab);
        uint8_t *wx4 = NULL;
        if (l4a_x4_has_layout(bt->type) && (wx4 = malloc(b.rb * (size_t)b.R)))
            for (int64_t r = 0; r < b.R; r += 4)
                l4a_x4_pack(bt->type, C, w + (size_t)r * b.rb, b.rb, wx4 + (size_t)r * b.rb);
        b.w = w;
        b.wx4 = wx4;
        b.a = a;
        const double rd = read_gbs(w, b.rb * (size_t)b.R, secs);
        const l4a_vecdot *prev = NULL;
        for (int isa = 0; isa < L4A_ISA_COUNT; isa++) {
            const l4a_vecdot *v = l4a_vecdot_get_isa(bt->type, (l4a_isa)isa);
            if (!v) continue;
            const bool same = prev && v->dot == prev->dot && v->dot_tile == prev->dot_tile &&
                              v->gemm == prev->gemm && v->dot_x4 == prev->dot_x4;
            prev = v;
            if (same) continue;                     /* a lower level's kernels: shown there */
            /* the level, or the entry's own name where it says more (avx512bf16) */
            const char *name = strcmp(v->isa, "avx512bf16") == 0 ? v->isa
                                                                 : l4a_isa_name((l4a_isa)isa);
            b.v = v;
            uint8_t *groups = NULL;
            b.scratch = NULL;
            if (v->gemm) {
                const size_t gb = v->gemm_group_bytes(C);
                groups = malloc(gb * (GEMM_NA / L4A_GEMM_GROUP));
                b.scratch = malloc(v->gemm_scratch_bytes(C));
                for (int g = 0; g < GEMM_NA / L4A_GEMM_GROUP; g++)
                    v->gemm_pack(C, a + (size_t)g * L4A_GEMM_GROUP * b.ab, b.ab, L4A_GEMM_GROUP,
                                 groups + gb * (size_t)g);
            }
            b.groups = groups;
            const int bad = validate(&b, ref, af, wf);
            if (bad) {
                printf("%-5s %-10s VALIDATION FAILED (%d values off)\n", bt->name, name, bad);
                failures++;
                free(groups);
                free(b.scratch);
                continue;
            }
            const double bytes = (double)b.rb * (double)b.R, flops = 2.0 * (double)C * (double)b.R;
            const double t1 = time_it(&b, MODE_DOT, secs), t41 = time_it(&b, 1, secs),
                         t44 = time_it(&b, 4, secs), t48 = time_it(&b, 8, secs);
            const double tg = v->gemm ? time_it(&b, MODE_GEMM, secs) : 0;
            const double tx = v->dot_x4 && wx4 ? time_it(&b, MODE_X4, secs) : 0;
            printf("%-5s %-10s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f  %.2f\n", bt->name,
                   name, bytes / t1 * 1e-9, bytes / t41 * 1e-9, tx > 0 ? bytes / tx * 1e-9 : 0.0,
                   bytes / t44 * 1e-9, flops / t1 * 1e-9, 4 * flops / t44 * 1e-9,
                   8 * flops / t48 * 1e-9, tg > 0 ? GEMM_NA * flops / tg * 1e-9 : 0.0, rd);
            fflush(stdout);
            free(groups);
            free(b.scratch);
        }
        free(w);
        free(wx4);
        free(a);
        free(b.out);
    }
    free(x);
    free(af);
    free(wf);
    if (g_sink == 42 && g_fsink == 42.0f) printf(" ");      /* keep the timed work alive */
    return failures ? 1 : 0;
}
