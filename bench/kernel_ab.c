/*
 * kernel_ab.c - two builds of one kernel file timed in one process, pass for pass (run by
 * bench/kernel_ab, which compiles the file at two revisions with their fill functions renamed
 * l4a_ab_fill_a and l4a_ab_fill_b and links them here).
 *
 * On a shared VM the speed of a core moves by 10 to 50% from one minute to the next; two
 * processes run one after the other measure the hour as much as the code. Here passes of A and
 * B alternate (A B, B A, ...) over the same weights and activations, so both see the same
 * noise, and the ratio of their median pass times is the figure to read. The outputs are
 * compared too: bit-identical or not (a change of summation order shows there).
 *
 * Usage: kernel_ab TYPE [-c COLS] [-s KIB] [-a NA] [-n PASSES] [--only a|b]
 *   TYPE    weight type name (q4_0, q4_k, q6_k, ...)
 *   -c      row length (default 1536; a multiple of 256)
 *   -s      weight bytes in KiB (default 256: L2-resident; 262144 reads from memory)
 *   -a      tokens per tile call (default 1, decode; 2..8 small batches; 0 the gemm, 64 tokens;
 *           x4: decode by dot_x4 on the weights repacked as the load does, quant/x4.h)
 *   -n      passes of each (default 100)
 *   --only  time one build alone and print its median GB/s (two at once: the -t 2 case)
 * The weights lie on 2 MiB pages where the kernel allows them (l4a_pages_alloc), as the load
 * puts them (models/repack.c): from memory, Q4_K x4 decode streamed 18.6 GB/s on 4 KiB pages
 * against 22.8 on 2 MiB ones (Zen 4 VM, one thread, medians of 5 runs of a throwaway driver).
 */
#include "core/core.h"
#include "kernels/vecdot.h"
#include "quant/x4.h"
#include "tensor/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void l4a_ab_fill_a(l4a_vecdot *t);
void l4a_ab_fill_b(l4a_vecdot *t);

static l4a_vecdot g_a[L4A_TYPE_COUNT], g_b[L4A_TYPE_COUNT];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *x, const void *y) {
    const double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static float frand(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (float)(g_rng >> 40) / (float)(1 << 24) - 0.5f;
}

typedef struct ab_ctx {
    int64_t C, R;
    int na;
    size_t rb, ab;
    const uint8_t *w, *a, *groups;
    void *scratch;
} ab_ctx;

enum { GEMM_NA = 64, X4 = -1 };

/* One pass of v over the weights, into out; its time in seconds. */
static double pass(const ab_ctx *c, const l4a_vecdot *v, float *out) {
    const double t0 = now();
    if (c->na == X4)
        for (int64_t r = 0; r < c->R; r += 4)
            v->dot_x4(c->C, c->w + (size_t)r * c->rb, c->a, out + r);
    else if (c->na > 0)
        for (int64_t r = 0; r < c->R; r += 4)
            v->dot_tile(c->C, c->w + (size_t)r * c->rb, c->rb, 4, c->a, c->ab, c->na, out + r,
                        (size_t)c->R);
    else
        for (int64_t r = 0; r < c->R; r += 16)
            v->gemm(c->C, c->w + (size_t)r * c->rb, c->rb, c->R - r < 16 ? (int)(c->R - r) : 16,
                    c->groups, GEMM_NA, out + r, (size_t)c->R, c->scratch);
    return now() - t0;
}

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TYPE [-c COLS] [-s KIB] [-a NA] [-n PASSES] [--only a|b]\n",
                argv[0]);
        return 2;
    }
    int64_t C = 1536;
    size_t kib = 256;
    int na = 1, passes = 100;
    char only = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-c")) C = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-s")) kib = (size_t)atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "-a")) na = strcmp(argv[i + 1], "x4") ? atoi(argv[i + 1]) : X4;
        else if (!strcmp(argv[i], "-n")) passes = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--only")) only = argv[i + 1][0];
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    uint32_t type = L4A_TYPE_COUNT;
    for (uint32_t t = 0; t < L4A_TYPE_COUNT; t++) {
        const l4a_type_traits *tr = l4a_type_traits_of(t);
        if (tr && tr->name && !strcasecmp(tr->name, argv[1])) type = t;
    }
    if (type == L4A_TYPE_COUNT || C <= 0 || C % 256 || na < X4 || na > L4A_VECDOT_TILE_NA ||
        passes < 1 || (only && only != 'a' && only != 'b')) {
        fprintf(stderr, "kernel_ab: bad type or option\n");
        return 2;
    }
    l4a_ab_fill_a(g_a);
    l4a_ab_fill_b(g_b);
    const l4a_vecdot *ref = l4a_vecdot_get_ref(type), *A = &g_a[type], *B = &g_b[type];
    const bool has = na == X4  ? A->dot_x4 && B->dot_x4 && l4a_x4_has_layout(type)
                     : na > 0 ? A->dot_tile && B->dot_tile
                              : A->gemm && B->gemm;
    if (!ref || !has) {
        fprintf(stderr, "kernel_ab: %s has no %s kernel in both builds\n", argv[1],
                na == X4 ? "x4" : na > 0 ? "tile" : "gemm");
        return 1;
    }
    uint64_t rb = 0, ab = 0;
    if (!l4a_row_size(type, C, &rb) || !l4a_row_size(ref->act_type, C, &ab)) return 2;
    ab_ctx c = {.C = C, .na = na, .rb = (size_t)rb, .ab = (size_t)ab};
    c.R = (int64_t)(kib * 1024 / c.rb) / 16 * 16;
    if (c.R < 16) c.R = 16;
    const l4a_type_traits *tr = l4a_type_traits_of(type);
    const size_t wbytes = c.rb * (size_t)c.R;
    uint8_t *w = l4a_pages_alloc(wbytes), *a = malloc(c.ab * GEMM_NA);
    float *x = malloc(sizeof(float) * (size_t)C), *oa = calloc((size_t)c.R * GEMM_NA, 4),
          *ob = calloc((size_t)c.R * GEMM_NA, 4);
    if (!w || !a || !x || !oa || !ob) return 1;
    for (int64_t r = 0; r < c.R; r++) {
        for (int64_t i = 0; i < C; i++) x[i] = frand();
        tr->from_float(x, w + (size_t)r * c.rb, C);
    }
    for (int t = 0; t < GEMM_NA; t++) {
        for (int64_t i = 0; i < C; i++) x[i] = frand();
        ref->quantize_act(x, a + (size_t)t * c.ab, C);
    }
    if (na == X4) {     /* the rows in groups of 4, in place (through a copy) */
        uint8_t *tmp = malloc(4 * c.rb);
        if (!tmp) return 1;
        for (int64_t r = 0; r < c.R; r += 4) {
            memcpy(tmp, w + (size_t)r * c.rb, 4 * c.rb);
            l4a_x4_pack(type, C, tmp, c.rb, w + (size_t)r * c.rb);
        }
        free(tmp);
    }
    c.w = w;
    c.a = a;
    uint8_t *groups = NULL;
    if (na == 0) {      /* both builds' packing and scratch sizes must agree: A's are used */
        const size_t gb = A->gemm_group_bytes(C);
        groups = malloc(gb * (GEMM_NA / L4A_GEMM_GROUP));
        c.scratch = malloc(A->gemm_scratch_bytes(C) + 64);
        if (!groups || !c.scratch) return 1;
        for (int g = 0; g < GEMM_NA / L4A_GEMM_GROUP; g++)
            A->gemm_pack(C, a + (size_t)g * L4A_GEMM_GROUP * c.ab, c.ab, L4A_GEMM_GROUP,
                         groups + gb * (size_t)g);
        c.groups = groups;
    }
    double *ta = malloc(sizeof(double) * (size_t)passes);
    double *tb = malloc(sizeof(double) * (size_t)passes);
    if (!ta || !tb) return 1;
    for (int p = 0; p < passes; p++) {
        if (only) {
            ta[p] = pass(&c, only == 'a' ? A : B, oa);
        } else if (p & 1) {
            tb[p] = pass(&c, B, ob);
            ta[p] = pass(&c, A, oa);
        } else {
            ta[p] = pass(&c, A, oa);
            tb[p] = pass(&c, B, ob);
        }
    }
    /* decode and tiles: weight bytes per second; gemm: multiply-adds x 2 per second */
    const double work = na != 0 ? (double)c.rb * (double)c.R
                               : 2.0 * GEMM_NA * (double)C * (double)c.R;
    const char *unit = na != 0 ? "GB/s" : "GFLOP/s";
    if (only) {
        printf("%c %.2f %s\n", only, work / median(ta, passes) * 1e-9, unit);
        return 0;
    }
    const size_t nout = (size_t)c.R * (size_t)(na == X4 ? 1 : na > 0 ? na : GEMM_NA);
    const int same = !memcmp(oa, ob, nout * sizeof(float));
    const double ma = median(ta, passes), mb = median(tb, passes);
    char nas[16] = "x4";
    if (na != X4) snprintf(nas, sizeof nas, "%d", na);
    printf("%s -c %lld -s %zu -a %s: A %.2f  B %.2f %s (medians of %d passes), B/A %.3f, "
           "outputs %s\n", argv[1], (long long)C, kib, nas, work / ma * 1e-9, work / mb * 1e-9,
           unit, passes, ma / mb, same ? "bit-identical" : "differ");
    l4a_pages_free(w, wbytes);
    free(a), free(x), free(oa), free(ob), free(groups), free(c.scratch), free(ta),
        free(tb);
    return 0;
}
