/*
 * dispatch.c - the per-type table of dot-product kernels (kernels/vecdot.h) and the choice of
 * instruction set, made once per process from the CPU's features.
 *
 * One binary runs on any x86-64 (or AArch64): kernels for AVX2, AVX-VNNI, AVX-512 are
 * compiled with per-function target attributes in their own files (arch/x86/) and only called
 * when CPUID says the CPU and the OS (XCR0 register state) support them. The features are
 * read with CPUID/XGETBV directly rather than __builtin_cpu_supports, whose feature names
 * differ between GCC and Clang versions (AVX-VNNI, AVX512-BF16).
 *
 * Tables: one per level, built from the level below (ref -> avx2 -> avxvnni, avx2 -> avx512
 * -> amx, ref -> neon -> neondot),
 * so a type without a kernel at some level runs the best lower one.
 *
 * Not the kernels, not the matmul.
 */
#include "kernels/vecdot.h"
#include "kernels/arch/vecdot_arch.h"
#include "quant/quant.h"
#include "quant/vecdot_ref.h"
#include "tensor/tensor.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(L4A_ARCH_X86)
#include <cpuid.h>
#endif
#if defined(L4A_ARCH_X86) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(L4A_ARCH_ARM) && defined(__linux__)
#include <sys/auxv.h>
#endif

static l4a_vecdot g_tables[L4A_ISA_COUNT][L4A_TYPE_COUNT];
static int g_avail[L4A_ISA_COUNT];
static l4a_isa g_level = L4A_ISA_REF;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* ---- CPU features */

typedef struct cpu_features {
    int avx2, avxvnni, avx512, avx512bf16, amx, neon, dotprod;
} cpu_features;

#if defined(L4A_ARCH_X86)
/* AMX tile data is off until the process asks Linux for it (arch_prctl
 * ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA = 18); the grant covers all its threads. */
static int amx_permitted(void) {
#if defined(__linux__) && defined(SYS_arch_prctl)
    return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
#else
    return 0;
#endif
}
#endif

static cpu_features detect(void) {
    cpu_features f = {0};
#if defined(L4A_ARCH_X86)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1,
              f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return f;
    unsigned xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    (void)xhi;
    const int os_avx = (xlo & 0x6) == 0x6;              /* SSE and AVX state saved */
    const int os_avx512 = os_avx && (xlo & 0xe0) == 0xe0;  /* opmask, ZMM0-15 high, ZMM16-31 */
    if (!os_avx || __get_cpuid_max(0, NULL) < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1,
              avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1, vnni = (c >> 11) & 1;
    const unsigned edx7 = d;
    __cpuid_count(7, 1, a, b, c, d);
    const int avxvnni = (a >> 4) & 1, bf16 = (a >> 5) & 1;
    f.avx2 = avx2 && fma && f16c;
    f.avxvnni = f.avx2 && avxvnni;
    f.avx512 = f.avx2 && os_avx512 && avx512f && avx512dq && avx512bw && avx512vl && vnni;
    f.avx512bf16 = f.avx512 && bf16;
    const int amx_tile = (edx7 >> 24) & 1, amx_int8 = (edx7 >> 25) & 1;
    f.amx = f.avx512 && amx_tile && amx_int8 && (xlo & 0x60000) == 0x60000 && amx_permitted();
#elif defined(L4A_ARCH_ARM)
    f.neon = 1;                                         /* baseline on AArch64 */
#if defined(__linux__) && defined(HWCAP_ASIMDDP)
    f.dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
#endif
    return f;
}

/* ---- tables */

static void set_ref(l4a_vecdot *t, uint32_t wt, uint32_t at, int64_t block, l4a_vec_dot_fn dot,
                    l4a_vec_dot_tile_fn tile, l4a_quantize_act_fn q) {
    t[wt] = (l4a_vecdot){.weight_type = wt, .act_type = at, .block = block, .dot = dot,
                         .dot_tile = tile, .quantize_act = q, .isa = "ref"};
}

static void fill_ref(l4a_vecdot *t) {
#define REF(W, A, wn, an, blk)                                                                 \
    set_ref(t, L4A_TYPE_##W, L4A_TYPE_##A, blk, l4a_vec_dot_##wn##_##an##_ref,                 \
            l4a_vec_tile_##wn##_##an##_ref, l4a_##an##_from_float)
    REF(Q4_0, Q8_0, q4_0, q8_0, 32);
    REF(Q4_1, Q8_1, q4_1, q8_1, 32);
    REF(Q5_0, Q8_0, q5_0, q8_0, 32);
    REF(Q5_1, Q8_1, q5_1, q8_1, 32);
    REF(Q8_0, Q8_0, q8_0, q8_0, 32);
    REF(Q2_K, Q8_K, q2_k, q8_k, 256);
    REF(Q3_K, Q8_K, q3_k, q8_k, 256);
    REF(Q4_K, Q8_K, q4_k, q8_k, 256);
    REF(Q5_K, Q8_K, q5_k, q8_k, 256);
    REF(Q6_K, Q8_K, q6_k, q8_k, 256);
    REF(F16, F16, f16, f16, 1);
    REF(BF16, BF16, bf16, bf16, 1);
    REF(F32, F32, f32, f32, 1);
#undef REF
}

static void copy_table(l4a_isa to, l4a_isa from) {
    memcpy(g_tables[to], g_tables[from], sizeof g_tables[to]);
}

static l4a_isa parse_isa(const char *s) {
    for (int i = 0; i < L4A_ISA_COUNT; i++)
        if (strcmp(s, l4a_isa_name((l4a_isa)i)) == 0) return (l4a_isa)i;
    return L4A_ISA_COUNT;
}

static void init(void) {
    const cpu_features f = detect();
    fill_ref(g_tables[L4A_ISA_REF]);
    g_avail[L4A_ISA_REF] = 1;
#if defined(L4A_ARCH_X86)
    if (f.avx2) {
        copy_table(L4A_ISA_AVX2, L4A_ISA_REF);
        l4a_vecdot_fill_avx2_q(g_tables[L4A_ISA_AVX2]);
        l4a_vecdot_fill_avx2_q45(g_tables[L4A_ISA_AVX2]);     /* replaces Q4_0 .. Q5_1 */
        l4a_vecdot_fill_avx2_k(g_tables[L4A_ISA_AVX2]);
        l4a_vecdot_fill_avx2_f(g_tables[L4A_ISA_AVX2]);
        l4a_vecdot_fill_avx2_gemm_q(g_tables[L4A_ISA_AVX2]);
        l4a_vecdot_fill_avx2_gemm_k(g_tables[L4A_ISA_AVX2]);
        g_avail[L4A_ISA_AVX2] = 1;
    }
    if (f.avxvnni) {
        copy_table(L4A_ISA_AVXVNNI, L4A_ISA_AVX2);
        l4a_vecdot_fill_avxvnni_q(g_tables[L4A_ISA_AVXVNNI]);
        l4a_vecdot_fill_avx2_q45(g_tables[L4A_ISA_AVXVNNI]);  /* the order of avx2's Q4_0 gemm */
        l4a_vecdot_fill_avxvnni_k(g_tables[L4A_ISA_AVXVNNI]);
        g_avail[L4A_ISA_AVXVNNI] = 1;
    }
    if (f.avx512) {
        copy_table(L4A_ISA_AVX512, L4A_ISA_AVX2);
        /* The 32-element block types keep avx2's kernels and gemm, the K types k_body.h's
         * (avx512_k.c): the 512-bit tiles this level had until session 18 streamed 4-row
         * decode tiles from memory at 8.7 to 12.6 GB/s on a Zen 4 VM against avx2's 15.9 to
         * 25.9 (bench/kernels), and ran prompts at 78 to 90 GFLOP/s against avx2's gemm at
         * 160 to 170 (gemma3-270m: decode 70 -> 125 tok/s, prompts 670 -> 1040). */
        l4a_vecdot_fill_avx512_k(g_tables[L4A_ISA_AVX512]);
        l4a_vecdot_fill_avx512_q45(g_tables[L4A_ISA_AVX512]);      /* Q4_0 x4 decode, VNNI */
        l4a_vecdot_fill_avx512_gemm_q8(g_tables[L4A_ISA_AVX512]);    /* vpdpbusd */
        l4a_vecdot_fill_avx512_gemm_k(g_tables[L4A_ISA_AVX512]);     /* vpdpbusd, vpmulld */
        l4a_vecdot_fill_avx512_f(g_tables[L4A_ISA_AVX512], f.avx512bf16);
        g_avail[L4A_ISA_AVX512] = 1;
    }
    if (f.amx) {
        copy_table(L4A_ISA_AMX, L4A_ISA_AVX512);
        l4a_vecdot_fill_amx_q(g_tables[L4A_ISA_AMX]);
        l4a_vecdot_fill_amx_k(g_tables[L4A_ISA_AMX]);
        g_avail[L4A_ISA_AMX] = 1;
    }
#elif defined(L4A_ARCH_ARM)
    if (f.neon) {
        copy_table(L4A_ISA_NEON, L4A_ISA_REF);
        l4a_vecdot_fill_neon(g_tables[L4A_ISA_NEON]);
        g_avail[L4A_ISA_NEON] = 1;
    }
    if (f.neon && f.dotprod) {
        copy_table(L4A_ISA_NEONDOT, L4A_ISA_NEON);
        l4a_vecdot_fill_neondot(g_tables[L4A_ISA_NEONDOT]);
        g_avail[L4A_ISA_NEONDOT] = 1;
    }
#else
    (void)f;
#endif
    /* the best available level not above the cap */
    const char *env = getenv("L4A_ISA");
    l4a_isa cap = env && *env ? parse_isa(env) : L4A_ISA_COUNT;
    if (cap == L4A_ISA_COUNT) cap = (l4a_isa)(L4A_ISA_COUNT - 1);
    g_level = L4A_ISA_REF;
    for (int i = 0; i <= (int)cap; i++)
        if (g_avail[i]) g_level = (l4a_isa)i;
}

static void ensure_init(void) { pthread_once(&g_once, init); }

/* ---- API */

const char *l4a_isa_name(l4a_isa isa) {
    static const char *const names[L4A_ISA_COUNT] = {"ref",    "avx2", "avxvnni", "avx512",
                                                     "amx",    "neon", "neondot"};
    return (unsigned)isa < L4A_ISA_COUNT ? names[isa] : "?";
}

int l4a_isa_available(l4a_isa isa) {
    ensure_init();
    return (unsigned)isa < L4A_ISA_COUNT && g_avail[isa];
}

const l4a_vecdot *l4a_vecdot_get_isa(uint32_t weight_type, l4a_isa isa) {
    ensure_init();
    if ((unsigned)isa >= L4A_ISA_COUNT || !g_avail[isa] || weight_type >= L4A_TYPE_COUNT)
        return NULL;
    const l4a_vecdot *v = &g_tables[isa][weight_type];
    return v->dot ? v : NULL;
}

const l4a_vecdot *l4a_vecdot_get(uint32_t weight_type) {
    ensure_init();
    return l4a_vecdot_get_isa(weight_type, g_level);
}

const l4a_vecdot *l4a_vecdot_get_ref(uint32_t weight_type) {
    return l4a_vecdot_get_isa(weight_type, L4A_ISA_REF);
}

l4a_isa l4a_vecdot_isa_level(void) {
    ensure_init();
    return g_level;
}

const char *l4a_vecdot_isa(void) { return l4a_isa_name(l4a_vecdot_isa_level()); }

size_t l4a_vecdot_act_size(const l4a_vecdot *v, int64_t n) {
    uint64_t size = 0;
    if (!v || !l4a_row_size(v->act_type, n, &size)) return 0;
    return (size_t)size;
}
