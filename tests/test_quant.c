/*
 * test_quant.c - element types and the reference block formats (src/tensor/types.c and
 * the files of src/quant).
 *
 *  1. The type table against gguf's own size table (golden/quant/sizes.txt).
 *  2. f16 and bf16 conversions on all 65536 values of each, and f32 -> f16/bf16 rounding on
 *     every tie between neighbours (and the floats next to them) and on random floats,
 *     against a straightforward reference written here (exact in double).
 *  3. Goldens from the gguf Python package (scripts/golden_quant.py): to_float bit for bit
 *     on random and real model blocks; from_float byte for byte where gguf quantizes.
 *  4. dot_f32 of every type against a double-precision dot of the dequantized row.
 *  5. from_float round trips under a worst-case error bound per format, on 1, a few and many
 *     blocks; the K-quants' quality ordering.
 *  6. l4a_row_size and l4a_type_traits_of on bad input.
 */
#include "harness.h"
#include "core/core.h"
#include "quant/quant.h"
#include "tensor/tensor.h"

#include <float.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers */

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd_u64(void) {          /* splitmix64 */
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double rnd_unit(void) { return (double)(rnd_u64() >> 11) * 0x1p-53; }
static float rnd_gauss(void) {           /* Box-Muller */
    double u = rnd_unit() + 1e-300, v = rnd_unit();
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float bitsf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* Equal as bit patterns, or both NaN. */
static bool same_float(float a, float b) {
    return fbits(a) == fbits(b) || (isnan(a) && isnan(b));
}

static bool fast_mode(void) {
    const char *e = getenv("L4A_TEST_FAST");
    return e && *e && strcmp(e, "0") != 0;
}

/* ---- 1. the type table against gguf's */

static void test_type_table(void) {
    size_t len = 0;
    char *txt = l4a_test_read_file(l4a_test_path("golden/quant/sizes.txt"), &len);
    CHECK_MSG(txt != NULL, "missing tests/golden/quant/sizes.txt: run scripts/golden_quant.py");
    if (!txt) return;
    int known = 0;
    char name[64];
    unsigned id, bs, ts;
    int used;
    for (const char *p = txt; sscanf(p, "%63s %u %u %u%n", name, &id, &bs, &ts, &used) == 4;
         p += used) {
        const l4a_type_traits *tr = l4a_type_traits_of(id);
        if (!tr) continue;      /* types we do not support (IQ*, TQ*, MXFP4 ...) */
        known++;
        CHECK_MSG(strcmp(tr->name, name) == 0, "type %u: name %s, gguf %s", id, tr->name, name);
        CHECK_MSG(tr->blck_size == (int64_t)bs, "%s: block %" PRId64 ", gguf %u", name,
                  tr->blck_size, bs);
        /* Q8_1 is the one difference: gguf's table keeps an old layout (see blocks.h). */
        if (id == L4A_TYPE_Q8_1) CHECK_EQ_INT(tr->type_size, 36);
        else CHECK_MSG(tr->type_size == ts, "%s: %zu bytes, gguf %u", name, tr->type_size, ts);
    }
    free(txt);
    /* The 13 model types, Q8_0's and the K types' activation formats, and the ints/F64. */
    CHECK_EQ_INT(known, 20);
    static const uint32_t with_math[] = {
        L4A_TYPE_F32, L4A_TYPE_F16, L4A_TYPE_BF16, L4A_TYPE_Q4_0, L4A_TYPE_Q4_1, L4A_TYPE_Q5_0,
        L4A_TYPE_Q5_1, L4A_TYPE_Q8_0, L4A_TYPE_Q8_1, L4A_TYPE_Q2_K, L4A_TYPE_Q3_K,
        L4A_TYPE_Q4_K, L4A_TYPE_Q5_K, L4A_TYPE_Q6_K, L4A_TYPE_Q8_K};
    for (size_t i = 0; i < sizeof with_math / sizeof *with_math; i++) {
        const l4a_type_traits *tr = l4a_type_traits_of(with_math[i]);
        CHECK_MSG(tr && tr->to_float && tr->from_float && tr->dot_f32, "type %u has no math",
                  with_math[i]);
    }
    static const uint32_t size_only[] = {L4A_TYPE_I8, L4A_TYPE_I16, L4A_TYPE_I32, L4A_TYPE_I64,
                                         L4A_TYPE_F64};
    for (size_t i = 0; i < sizeof size_only / sizeof *size_only; i++) {
        const l4a_type_traits *tr = l4a_type_traits_of(size_only[i]);
        CHECK(tr && !tr->to_float && !tr->from_float && !tr->dot_f32);
    }
}

/* ---- 2. f16 and bf16 */

/* Straightforward decoders: the value from sign, exponent and mantissa fields. */
static float ref_f16_to_f32(uint16_t h) {
    int sign = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    if (e == 31) {      /* Inf or NaN: the payload moves to the top of the f32 mantissa */
        return bitsf((uint32_t)sign << 31 | 0x7f800000u | (uint32_t)m << 13);
    }
    double v = e == 0 ? ldexp(m, -24) : ldexp(1024 + m, e - 25);
    return (float)(sign ? -v : v);
}
static float ref_bf16_to_f32(uint16_t h) {
    int sign = h >> 15, e = (h >> 7) & 255, m = h & 127;
    if (e == 255) return bitsf((uint32_t)h << 16);
    double v = e == 0 ? ldexp(m, -133) : ldexp(128 + m, e - 134);
    return (float)(sign ? -v : v);
}

/* Value of non-negative half bits h, with the Inf pattern standing for the next power of
 * two after the largest finite value (IEEE rounding treats overflow that way). */
static double half_value(uint16_t h, bool bf16, uint16_t inf) {
    if (h == inf) return bf16 ? ldexp(1, 128) : 65536.0;
    return bf16 ? (double)ref_bf16_to_f32(h) : (double)ref_f16_to_f32(h);
}

/* Nearest half (ties to even mantissa) of a non-NaN float, by binary search over the
 * ordered non-negative bit patterns and an exact comparison in double. */
static uint16_t ref_round_half(float f, bool bf16) {
    const uint16_t inf = bf16 ? 0x7f80 : 0x7c00;
    uint16_t sign = signbit(f) ? 0x8000 : 0;
    double a = fabs((double)f);
    if (a >= half_value(inf, bf16, inf)) return sign | inf;
    uint16_t lo = 0, hi = inf;          /* value(lo) <= a < value(hi) */
    while (hi - lo > 1) {
        uint16_t mid = (uint16_t)((lo + hi) / 2);
        if (half_value(mid, bf16, inf) <= a) lo = mid;
        else hi = mid;
    }
    double dlo = a - half_value(lo, bf16, inf), dhi = half_value(hi, bf16, inf) - a;
    uint16_t r = dlo < dhi ? lo : dhi < dlo ? hi : (lo & 1) ? hi : lo;
    return sign | r;
}

static void test_half(bool bf16) {
    const char *nm = bf16 ? "bf16" : "f16";
    const uint16_t inf = bf16 ? 0x7f80 : 0x7c00;
    float (*widen)(uint16_t) = bf16 ? l4a_bf16_to_f32 : l4a_f16_to_f32;
    uint16_t (*narrow)(float) = bf16 ? l4a_f32_to_bf16 : l4a_f32_to_f16;
    int bad_widen = 0, bad_trip = 0, bad_nan = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float want = bf16 ? ref_bf16_to_f32((uint16_t)h) : ref_f16_to_f32((uint16_t)h);
        float got = widen((uint16_t)h);
        if (fbits(got) != fbits(want)) {
            if (bad_widen++ < 5)
                CHECK_MSG(false, "%s %04x -> %08x, want %08x", nm, h, fbits(got), fbits(want));
        }
        uint16_t back = narrow(got);
        if (isnan(got)) {   /* NaN stays NaN, same sign, quiet */
            uint16_t qbit = bf16 ? 0x0040 : 0x0200;
            if ((back & inf) != inf || !(back & qbit) || (back & 0x8000) != (h & 0x8000))
                bad_nan++;
        } else if (back != h) {
            if (bad_trip++ < 5) CHECK_MSG(false, "%s %04x round trip gives %04x", nm, h, back);
        }
    }
    CHECK_MSG(bad_widen == 0, "%s: %d of 65536 widen wrong", nm, bad_widen);
    CHECK_MSG(bad_trip == 0, "%s: %d round trips wrong", nm, bad_trip);
    CHECK_MSG(bad_nan == 0, "%s: %d NaNs not kept as quiet NaNs", nm, bad_nan);

    /* Rounding: the midpoint between every pair of neighbours (a tie: goes to the even one)
     * and the floats just below and above it, both signs, then random float bit patterns. */
    int bad_round = 0;
    for (uint32_t h = 0; h < inf; h++) {
        double lo = half_value((uint16_t)h, bf16, inf);
        double hi = half_value((uint16_t)(h + 1), bf16, inf);
        float mid = (float)((lo + hi) / 2);     /* exact: one more bit than the half has */
        float cases[3] = {mid, nextafterf(mid, 0.0f), nextafterf(mid, INFINITY)};
        for (int c = 0; c < 6; c++) {
            float f = c < 3 ? cases[c] : -cases[c - 3];
            uint16_t got = narrow(f), want = ref_round_half(f, bf16);
            if (got != want && bad_round++ < 5)
                CHECK_MSG(false, "%s: %a -> %04x, want %04x", nm, (double)f, got, want);
        }
    }
    const int n_rand = fast_mode() ? 20000 : 200000;
    for (int i = 0; i < n_rand; i++) {
        float f = bitsf((uint32_t)rnd_u64());
        if (isnan(f)) continue;
        uint16_t got = narrow(f), want = ref_round_half(f, bf16);
        if (got != want && bad_round++ < 5)
            CHECK_MSG(false, "%s: %a -> %04x, want %04x", nm, (double)f, got, want);
    }
    CHECK_MSG(bad_round == 0, "%s: %d roundings wrong", nm, bad_round);
}

/* ---- 3. goldens from gguf */

typedef struct {
    const uint8_t *p, *end;
} reader;

static bool rd_u32(reader *r, uint32_t *v) {
    if (r->end - r->p < 4) return false;
    memcpy(v, r->p, 4);
    r->p += 4;
    return true;
}
static const uint8_t *rd_bytes(reader *r, uint64_t n) {
    if ((uint64_t)(r->end - r->p) < n) return NULL;
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

/* Double-precision reference dot and the bound of a float dot computed by our kernels.
 * Each term a_i*y_i is rounded once, then added along a chain of at most k float additions
 * (8 lanes of <= B/8 terms, 3 to combine the lanes, one per block into the total, and a
 * tail of < 8 for plain rows): k <= n/8 + 16. The classic bound (Higham, "Accuracy and
 * Stability of Numerical Algorithms", 4.2) is then |error| <= gamma_(k+1) * sum |a_i y_i|
 * with gamma_k = k u / (1 - k u), u = 2^-24. It holds whatever the values, cancellation
 * included, and a SIMD kernel with the same lane structure satisfies it as well. */
static void ref_dot(const float *a, const float *y, int64_t n, double *dot, double *bound) {
    double s = 0.0, sabs = 0.0;
    for (int64_t i = 0; i < n; i++) {
        s += (double)a[i] * (double)y[i];
        sabs += fabs((double)a[i] * (double)y[i]);
    }
    double k = (double)(n / 8 + 17), u = 0x1p-24;
    *dot = s;
    *bound = k * u / (1.0 - k * u) * sabs + 1e-30;
}

static void check_dot(const l4a_type_traits *tr, const void *row, const float *deq, int64_t n,
                      const char *what) {
    float *y = malloc((size_t)n * sizeof *y);
    if (!y) { CHECK(false); return; }
    for (int64_t i = 0; i < n; i++) y[i] = rnd_gauss();
    double want, bound;
    ref_dot(deq, y, n, &want, &bound);
    float got = tr->dot_f32(row, y, n);
    CHECK_MSG(fabs((double)got - want) <= bound, "%s %s dot n=%" PRId64 ": %.9g, want %.9g "
              "(bound %.3g)", tr->name, what, n, (double)got, want, bound);
    free(y);
}

static void test_golden(const char *type_name) {
    char rel[128];
    snprintf(rel, sizeof rel, "golden/quant/%s.bin", type_name);
    size_t len = 0;
    uint8_t *buf = (uint8_t *)l4a_test_read_file(l4a_test_path(rel), &len);
    CHECK_MSG(buf != NULL, "missing tests/%s: run scripts/golden_quant.py", rel);
    if (!buf) return;
    reader r = {buf, buf + len};
    uint32_t version = 0, type = 0, n_cases = 0;
    const uint8_t *magic = rd_bytes(&r, 4);
    bool ok = magic && memcmp(magic, "L4AQ", 4) == 0 && rd_u32(&r, &version) && version == 1 &&
              rd_u32(&r, &type) && rd_u32(&r, &n_cases);
    CHECK_MSG(ok, "%s: bad golden header", rel);
    const l4a_type_traits *tr = ok ? l4a_type_traits_of(type) : NULL;
    CHECK_MSG(!ok || (tr && strcmp(tr->name, type_name) == 0), "%s: type %u", rel, type);
    for (uint32_t c = 0; ok && tr && c < n_cases; c++) {
        uint32_t kind, n, n_bytes, name_len;
        const uint8_t *name;
        if (!rd_u32(&r, &kind) || !rd_u32(&r, &n) || !rd_u32(&r, &n_bytes) ||
            !rd_u32(&r, &name_len) || !(name = rd_bytes(&r, name_len))) {
            CHECK_MSG(false, "%s: case %u truncated", rel, c);
            break;
        }
        char cname[160];
        snprintf(cname, sizeof cname, "%s '%.*s'", type_name, (int)name_len, (const char *)name);
        uint64_t row = 0;
        CHECK_MSG(l4a_row_size(type, n, &row) && row == n_bytes,
                  "%s: row size of %u is %" PRIu64 ", gguf says %u", cname, n, row, n_bytes);
        const uint8_t *first = rd_bytes(&r, kind == 0 ? n_bytes : (uint64_t)n * 4);
        const uint8_t *second = rd_bytes(&r, kind == 0 ? (uint64_t)n * 4 : n_bytes);
        if (!first || !second) {
            CHECK_MSG(false, "%s: payload truncated", cname);
            break;
        }
        if (kind == 0) {        /* dequantize: bit for bit */
            float *want = malloc((size_t)n * 4), *got = malloc((size_t)n * 4);
            memcpy(want, second, (size_t)n * 4);
            /* the blocks may sit at any offset in the file: copy them aligned */
            uint8_t *blocks = malloc(n_bytes + 1);
            memcpy(blocks, first, n_bytes);
            tr->to_float(blocks, got, n);
            int bad = 0;
            for (uint32_t i = 0; i < n; i++) {
                if (!same_float(got[i], want[i]) && bad++ < 3)
                    CHECK_MSG(false, "%s: element %u is %a (%08x), gguf %a (%08x)", cname, i,
                              (double)got[i], fbits(got[i]), (double)want[i], fbits(want[i]));
            }
            CHECK_MSG(bad == 0, "%s: %d of %u elements differ from gguf", cname, bad, n);
            /* the dispatch helper gives the same */
            memset(got, 0, (size_t)n * 4);
            l4a_dequant_row(type, blocks, got, n);
            bad = 0;
            for (uint32_t i = 0; i < n; i++) bad += !same_float(got[i], want[i]);
            CHECK_MSG(bad == 0, "%s: l4a_dequant_row differs", cname);
            /* the dot too, unless the values (random bit patterns) are not finite or so large
             * that float products overflow */
            bool tame = true;
            for (uint32_t i = 0; i < n; i++) tame = tame && fabsf(want[i]) < 1e30f;
            if (tame) check_dot(tr, blocks, want, n, cname);
            free(want);
            free(got);
            free(blocks);
        } else {                /* quantize: byte for byte (NaN: any quiet NaN) */
            float *x = malloc((size_t)n * 4);
            uint8_t *got = malloc(n_bytes + 1);
            memcpy(x, first, (size_t)n * 4);
            tr->from_float(x, got, n);
            int bad = 0;
            for (uint32_t i = 0; i < n_bytes; i++) {
                bool is_nan = tr->blck_size == 1 && isnan(x[i / tr->type_size]);
                if (is_nan || got[i] == second[i]) continue;
                if (bad++ < 3)
                    CHECK_MSG(false, "%s: byte %u is %02x, gguf %02x", cname, i, got[i],
                              second[i]);
            }
            CHECK_MSG(bad == 0, "%s: %d of %u bytes differ from gguf", cname, bad, n_bytes);
            if (tr->blck_size == 1) {
                for (uint32_t i = 0; i < n; i++) {
                    if (!isnan(x[i])) continue;
                    uint16_t h;
                    memcpy(&h, got + 2 * i, 2);
                    float back = type == L4A_TYPE_F16 ? l4a_f16_to_f32(h) : l4a_bf16_to_f32(h);
                    CHECK_MSG(isnan(back), "%s: NaN input %u not NaN", cname, i);
                }
            }
            free(x);
            free(got);
        }
    }
    CHECK_MSG(!ok || r.p == r.end, "%s: %td trailing bytes", rel, r.end - r.p);
    free(buf);
}

/* ---- 5. round trips */

/* Worst-case error bound of element i of our quantizer of `type`, from the input only.
 * x is the block holding element i (blck_size values). Every format's bound is "half a
 * step of its level grid" with the step it would use, plus the rounding of the stored f16
 * scales; see the comment at each case and the top of each format's file. `slack` covers the
 * float rounding of the few operations per element (scale, add, divide). */
static double err_bound(uint32_t type, const float *x, int i) {
    const double u16 = 0x1p-11;          /* relative rounding of a float to f16 (normal) */
    const double up16 = 0x1p-9;          /* f16 rounded up, and the float ops before it */
    double amax = 0.0, mn = x[0], mx = x[0];
    const l4a_type_traits *tr = l4a_type_traits_of(type);
    for (int j = 0; j < tr->blck_size; j++) {
        amax = fmax(amax, fabs(x[j]));
        mn = fmin(mn, x[j]);
        mx = fmax(mx, x[j]);
    }
    const double slack = 16 * FLT_EPSILON * (amax + 1e-30);
    switch (type) {
    case L4A_TYPE_Q8_0:
    case L4A_TYPE_Q8_1: {
        /* d = max|x|/127; within d/2 of a level, plus |q| <= 127 times the error of d's f16
         * rounding. */
        double d = amax / 127;
        return d / 2 + 127 * d * u16 + slack;
    }
    case L4A_TYPE_Q8_K:     /* same grid, f32 scale */
        return amax / 127 / 2 + slack;
    case L4A_TYPE_Q4_0:
    case L4A_TYPE_Q5_0: {
        /* levels d * (-N .. N-1) with the largest |x| exactly on -N (its sign flipped by d):
         * half a step inside the grid; an element of the other sign beyond the last level
         * (up to a whole step out) is clamped to it. Plus N times d's f16 rounding. */
        const double N = type == L4A_TYPE_Q4_0 ? 8 : 16;
        double d = amax / N, top = (N - 1) * d;
        /* the largest |x| has sign s; elements of sign -s reach only (N-1) d */
        double smax = 0;
        for (int j = 0; j < tr->blck_size; j++) if (fabs(x[j]) == amax) { smax = x[j]; break; }
        double v = x[i] * (smax < 0 ? -1.0 : 1.0);  /* on the side of the N-1 levels if < 0 */
        double out = -v > top ? -v - top : 0.0;
        return d / 2 + out + N * d * u16 + slack;
    }
    case L4A_TYPE_Q4_1:
    case L4A_TYPE_Q5_1: {
        /* levels m + d * (0 .. L) span [min, max] exactly: half a step, plus L times d's f16
         * rounding and min's f16 rounding. */
        const double L = type == L4A_TYPE_Q4_1 ? 15 : 31;
        double d = (mx - mn) / L;
        return d / 2 + L * d * u16 + fabs(mn) * u16 + slack;
    }
    case L4A_TYPE_Q2_K:
    case L4A_TYPE_Q4_K:
    case L4A_TYPE_Q5_K: {
        /* kquant.c: sub-block j needs the step s_j = (hi_j - lo_j + dmin) / qmax at most,
         * lo_j = min(0, min); the stored step is in [s_j, s_j + d], every element within
         * half of it. dmin <= max(-lo_j) / smax, d <= max s_j / smax, each rounded up to f16
         * (relative 2^-10, or 2^-24 absolute among subnormals). */
        const int nsub = type == L4A_TYPE_Q2_K ? 16 : 8, len = 256 / nsub;
        const double qmax = type == L4A_TYPE_Q2_K ? 3 : type == L4A_TYPE_Q4_K ? 15 : 31;
        const double smax = type == L4A_TYPE_Q2_K ? 15 : 63;
        double range[16], mneed = 0, sneed = 0;
        for (int j = 0; j < nsub; j++) {
            double l = 0, h = x[j * len];
            for (int k = 0; k < len; k++) {
                l = fmin(l, x[j * len + k]);
                h = fmax(h, x[j * len + k]);
            }
            range[j] = h - l;
            mneed = fmax(mneed, -l);
        }
        double dmin = mneed / smax * (1 + up16) + 0x1p-24;
        for (int j = 0; j < nsub; j++) sneed = fmax(sneed, (range[j] + dmin) / qmax);
        double d = sneed / smax * (1 + up16) + 0x1p-24;
        int j = i / len;
        return ((range[j] + dmin) / qmax * (1 + up16) + d) / 2 + slack;
    }
    case L4A_TYPE_Q3_K:
    case L4A_TYPE_Q6_K: {
        /* kquant.c: levels step * (-(qmax+1) .. qmax) with step in [s_k, s_k + d],
         * s_k = max|x| / (qmax + 1/2): every element within half a step. */
        const double qmax = type == L4A_TYPE_Q3_K ? 3 : 31;
        const double smax = type == L4A_TYPE_Q3_K ? 31 : 127;
        double need = 0, sub = 0;
        for (int j = 0; j < 16; j++) {
            double a = 0;
            for (int k = 0; k < 16; k++) a = fmax(a, fabs(x[16 * j + k]));
            need = fmax(need, a / (qmax + 0.5));
            if (j == i / 16) sub = a / (qmax + 0.5);
        }
        double d = need / smax * (1 + up16) + 0x1p-24;
        return (sub * (1 + up16) + d) / 2 + slack;
    }
    case L4A_TYPE_F16:
        return fabs(x[i]) * u16 + 0x1p-25;          /* half an ulp, relative or subnormal */
    case L4A_TYPE_BF16:
        return fabs(x[i]) * 0x1p-8;
    case L4A_TYPE_F32:
        return 0.0;
    }
    return -1.0;
}

/* Test input: gaussian sub-blocks of 16 with scales spread over 1e-2 .. 10 (so f16 scales
 * stay normal), some shifted all-positive, an outlier now and then; in rows of 64 or more
 * the first 32 values are zero (an all-zero block or sub-blocks). */
static void make_input(float *x, int64_t n) {
    for (int64_t s = 0; s < n; s += 16) {
        float scale = (float)pow(10.0, -2.0 + 3.0 * rnd_unit());
        float shift = rnd_unit() < 0.2 ? 3.0f * scale : 0.0f;
        for (int64_t k = s; k < s + 16 && k < n; k++) x[k] = rnd_gauss() * scale + shift;
        if (rnd_unit() < 0.1) x[s] *= 8.0f;
    }
    if (n >= 64)
        for (int64_t k = 0; k < 32; k++) x[k] = 0.0f;
}

/* Quantize x (n values) to `type`, dequantize, check the per-element bound; return the sum of
 * squared errors. */
static double round_trip(uint32_t type, const float *x, int64_t n) {
    const l4a_type_traits *tr = l4a_type_traits_of(type);
    uint64_t bytes = 0;
    CHECK(l4a_row_size(type, n, &bytes));
    uint8_t *q = malloc(bytes + 1);
    float *y = malloc((size_t)n * sizeof *y);
    tr->from_float(x, q, n);
    tr->to_float(q, y, n);
    int bad = 0;
    double sse = 0;
    for (int64_t i = 0; i < n; i++) {
        const float *blk = x + i / tr->blck_size * tr->blck_size;
        double err = fabs((double)y[i] - x[i]);
        double bound = err_bound(type, blk, (int)(i % tr->blck_size));
        sse += err * err;
        if (!(err <= bound) && bad++ < 3)
            CHECK_MSG(false, "%s n=%" PRId64 " element %" PRId64 ": %.9g -> %.9g, error %.3g > "
                      "bound %.3g", tr->name, n, i, (double)x[i], (double)y[i], err, bound);
    }
    CHECK_MSG(bad == 0, "%s n=%" PRId64 ": %d elements over the error bound", tr->name, n, bad);
    /* and the dot product of the quantized row */
    check_dot(tr, q, y, n, "round-trip");
    free(q);
    free(y);
    return sse;
}

static void test_round_trips(void) {
    static const uint32_t types[] = {
        L4A_TYPE_F32, L4A_TYPE_F16, L4A_TYPE_BF16, L4A_TYPE_Q4_0, L4A_TYPE_Q4_1, L4A_TYPE_Q5_0,
        L4A_TYPE_Q5_1, L4A_TYPE_Q8_0, L4A_TYPE_Q8_1, L4A_TYPE_Q2_K, L4A_TYPE_Q3_K,
        L4A_TYPE_Q4_K, L4A_TYPE_Q5_K, L4A_TYPE_Q6_K, L4A_TYPE_Q8_K};
    /* 1 block, a few, many; and for plain types lengths that are not multiples of 8 */
    const int64_t many = fast_mode() ? 24 : 96;
    const int64_t n_blocks[] = {1, 3, many};
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        const l4a_type_traits *tr = l4a_type_traits_of(types[t]);
        for (int k = 0; k < 3; k++) {
            int64_t n = n_blocks[k] * (tr->blck_size == 1 ? 37 : tr->blck_size);
            float *x = malloc((size_t)n * sizeof *x);
            make_input(x, n);
            round_trip(types[t], x, n);
            free(x);
        }
    }
    int64_t odd[] = {1, 7, 9, 1001};
    for (int k = 0; k < 4; k++) {
        float x[1001];
        make_input(x, odd[k]);
        round_trip(L4A_TYPE_F32, x, odd[k]);
        round_trip(L4A_TYPE_F16, x, odd[k]);
        round_trip(L4A_TYPE_BF16, x, odd[k]);
    }

    /* Quality: on the same gaussian row, more bits must mean a smaller error. */
    enum { NQ = 4096 };
    static float x[NQ];
    for (int i = 0; i < NQ; i++) x[i] = rnd_gauss();
    static const uint32_t ladder[] = {L4A_TYPE_Q2_K, L4A_TYPE_Q3_K, L4A_TYPE_Q4_K,
                                      L4A_TYPE_Q5_K, L4A_TYPE_Q6_K, L4A_TYPE_Q8_K};
    static const uint32_t ladder32[] = {L4A_TYPE_Q4_0, L4A_TYPE_Q5_0, L4A_TYPE_Q8_0};
    double prev = INFINITY;
    for (int k = 0; k < 6; k++) {
        double rmse = sqrt(round_trip(ladder[k], x, NQ) / NQ);
        printf("  %-5s rms error on N(0,1): %.5f\n", l4a_type_traits_of(ladder[k])->name, rmse);
        CHECK_MSG(rmse < prev, "%s no better than the type with fewer bits",
                  l4a_type_traits_of(ladder[k])->name);
        prev = rmse;
    }
    prev = INFINITY;
    for (int k = 0; k < 3; k++) {
        double rmse = sqrt(round_trip(ladder32[k], x, NQ) / NQ);
        printf("  %-5s rms error on N(0,1): %.5f\n", l4a_type_traits_of(ladder32[k])->name, rmse);
        CHECK(rmse < prev);
        prev = rmse;
    }
    double q41 = sqrt(round_trip(L4A_TYPE_Q4_1, x, NQ) / NQ);
    double q51 = sqrt(round_trip(L4A_TYPE_Q5_1, x, NQ) / NQ);
    printf("  Q4_1  rms error on N(0,1): %.5f\n  Q5_1  rms error on N(0,1): %.5f\n", q41, q51);
    CHECK(q51 < q41);
}

/* The 6-bit scale/min packing of Q4_K/Q5_K: every value through every slot. */
static void test_k_scale_packing(void) {
    int bad = 0;
    for (int rep = 0; rep < 64; rep++) {
        uint8_t sc[8], m[8], packed[12];
        memset(packed, rep * 37 & 0xff, sizeof packed);     /* stale bits must be overwritten */
        for (int j = 0; j < 8; j++) {
            sc[j] = (uint8_t)((rep + 8 * j) & 63);
            m[j] = (uint8_t)((63 - rep + 5 * j) & 63);
            l4a_k_set_scale_min(packed, j, sc[j], m[j]);
        }
        for (int j = 0; j < 8; j++) {
            uint8_t s2, m2;
            l4a_k_get_scale_min(packed, j, &s2, &m2);
            bad += s2 != sc[j] || m2 != m[j];
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* ---- 6. bad input */

static void test_row_size(void) {
    uint64_t out = 0;
    CHECK(l4a_row_size(L4A_TYPE_Q4_K, 512, &out) && out == 2 * 144);
    CHECK(l4a_row_size(L4A_TYPE_F32, 0, &out) && out == 0);
    CHECK(l4a_row_size(L4A_TYPE_F16, 7, &out) && out == 14);
    CHECK(!l4a_row_size(L4A_TYPE_Q4_0, 33, &out));
    CHECK(strstr(l4a_last_error(), "Q4_0") != NULL);
    CHECK(!l4a_row_size(L4A_TYPE_Q6_K, 255, &out));
    CHECK(!l4a_row_size(L4A_TYPE_Q8_0, -32, &out));
    CHECK(!l4a_row_size(L4A_TYPE_F32, INT64_MAX, &out));             /* 4 * n overflows */
    CHECK(strstr(l4a_last_error(), "overflow") != NULL);
    CHECK(!l4a_row_size(L4A_TYPE_F64, (int64_t)1 << 61, &out));      /* 8 * 2^61 = 2^64 */
    CHECK(l4a_row_size(L4A_TYPE_F64, ((int64_t)1 << 61) - 1, &out) &&
          out == (((uint64_t)1 << 61) - 1) * 8);
    CHECK(l4a_row_size(L4A_TYPE_I8, INT64_MAX, &out) && out == (uint64_t)INT64_MAX);
    /* unknown ids: removed Q4_2/Q4_3, types we do not implement, out of range */
    const uint32_t unknown[] = {4, 5, 16, 20, 23, 29, 31, 34, 39, 40, 1000, UINT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        CHECK_MSG(l4a_type_traits_of(unknown[i]) == NULL, "type %u known", unknown[i]);
        CHECK(!l4a_row_size(unknown[i], 256, &out));
    }
}

int main(void) {
    test_type_table();
    test_half(false);
    test_half(true);
    static const char *goldens[] = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                    "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};
    for (size_t i = 0; i < sizeof goldens / sizeof *goldens; i++) test_golden(goldens[i]);
    test_k_scale_packing();
    test_round_trips();
    test_row_size();
    return l4a_test_summary("test_quant");
}
