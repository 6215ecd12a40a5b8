/*
 * json_match_num.c - numbers in the JSON matcher: the RFC 8259 number grammar without the
 * exponent part, at most L4A_JM_MAX_DIGITS digit characters, and minimum / maximum /
 * exclusiveMinimum / exclusiveMaximum enforced byte by byte.
 *
 * Not the container logic (json_match.c) nor strings (json_match_str.c).
 *
 * Why the bounds are exact: a number we accept has at most 15 digits, so its digits form an
 * integer m < 10^15 < 2^53 and its value is m / 10^s with s fraction digits. Both m and 10^s
 * are exact doubles, and IEEE division is correctly rounded, so m / 10^s is the double that
 * strtod (cJSON, Python, every conforming parser) reads from the text. Comparing that double
 * with the schema's bounds is the comparison a validator makes.
 *
 * Why a prefix is never a dead end: after each byte we check that some completion of the
 * digits typed so far lands within the bounds. The completions of a prefix are, for each
 * count of digits still to come, every m' in a range [lo, hi] divided by one power of ten;
 * since m' -> m' / 10^f is monotonic, the smallest m' meeting the lower bound is the one to
 * test against the upper bound.
 */
#include "sampling/json_schema.h"

#include <math.h>

enum { N_START = 0, N_NEG, N_ZERO, N_INT, N_DOT, N_FRAC };

#define D L4A_JM_MAX_DIGITS

static const double P10D[D + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                   1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

static uint64_t p10u(int e) {
    uint64_t r = 1;
    while (e-- > 0) r *= 10;
    return r;
}

static bool above(double v, double a, bool excl) { return excl ? v > a : v >= a; }
static bool below(double v, double b, bool excl) { return excl ? v < b : v <= b; }

/* Does some integer m in [lo_m, hi_m] give a value +-(m / 10^f) within the node's bounds? */
static bool grid_hits(const l4a_jnode *n, bool neg, uint64_t lo_m, uint64_t hi_m, int f) {
    const double P = P10D[f];
    /* Bounds on g = m / P: for a negative number the value is -g, so mirror them. */
    bool a_on = neg ? n->hi_on : n->lo_on, b_on = neg ? n->lo_on : n->hi_on;
    bool a_ex = neg ? n->hi_excl : n->lo_excl, b_ex = neg ? n->lo_excl : n->hi_excl;
    double a = neg ? -n->hi : n->lo, b = neg ? -n->lo : n->hi;

    uint64_t m = lo_m;
    if (a_on && !above((double)lo_m / P, a, a_ex)) {
        if (!above((double)hi_m / P, a, a_ex)) return false;
        /* First m meeting the lower bound, in (L, H]: !ok(L), ok(H). Start from the
         * estimate a * P, which is right to within an ulp or two. */
        uint64_t L = lo_m, H = hi_m;
        double e = ceil(a * P);
        if (e > (double)L && e < (double)H) {
            uint64_t c = (uint64_t)e;
            if (above((double)c / P, a, a_ex)) {
                H = c;
                if (c - 1 > L && !above((double)(c - 1) / P, a, a_ex)) L = c - 1;
            } else {
                L = c;
            }
        }
        while (H - L > 1) {
            uint64_t mid = L + (H - L) / 2;
            if (above((double)mid / P, a, a_ex)) H = mid;
            else L = mid;
        }
        m = H;
    }
    return !b_on || below((double)m / P, b, b_ex);
}

/* Can the number typed so far (sc) be completed into one within the bounds? */
static bool reachable(const l4a_jnode *n, const l4a_jscalar *sc) {
    if (!n->lo_on && !n->hi_on) return true;
    const bool isint = n->kind == L4A_JK_INT;
    switch (sc->num) {
    case N_START:
    case N_NEG:
        /* k >= 1 digits to come, of which f after a point: every m < 10^(k+f). */
        for (int sign = 0; sign < 2; sign++) {
            if (sc->num == N_NEG && !sign) continue;
            for (int k = 1; k <= D; k++) {
                int f = isint ? 0 : D - k;
                if (grid_hits(n, sign, 0, p10u(k + f) - 1, f)) return true;
            }
        }
        return false;
    case N_ZERO:
    case N_INT: {
        /* k more integer digits (none after a leading zero), then f fraction digits. */
        int kmax = sc->num == N_ZERO ? 0 : D - sc->nd;
        for (int k = 0; k <= kmax; k++) {
            int f = isint ? 0 : D - sc->nd - k;
            uint64_t scale = p10u(k + f);
            if (grid_hits(n, sc->neg, sc->mant * scale, sc->mant * scale + scale - 1, f))
                return true;
        }
        return false;
    }
    case N_DOT:
    case N_FRAC: {
        /* j more fraction digits: trailing zeros make the longest j cover the shorter. */
        int j = D - sc->nd;
        uint64_t scale = p10u(j);
        return grid_hits(n, sc->neg, sc->mant * scale, sc->mant * scale + scale - 1,
                         sc->nfrac + j);
    }
    }
    return false;
}

bool l4a_jnum_complete(const l4a_jnode *n, const l4a_jscalar *sc) {
    if (sc->num != N_ZERO && sc->num != N_INT && sc->num != N_FRAC) return false;
    if (!n->lo_on && !n->hi_on) return true;
    double v = (double)sc->mant / P10D[sc->nfrac];
    if (sc->neg) v = -v;
    return (!n->lo_on || above(v, n->lo, n->lo_excl)) && (!n->hi_on || below(v, n->hi, n->hi_excl));
}

bool l4a_jnum_can_start(const l4a_jnode *n) {
    l4a_jscalar sc = {0};
    return reachable(n, &sc);
}

int l4a_jnum_byte(const l4a_jnode *n, l4a_jscalar *sc, uint8_t c) {
    if (c >= '0' && c <= '9') {
        switch (sc->num) {
        case N_START:
        case N_NEG:
            sc->mant = (uint64_t)(c - '0');
            sc->nd = 1;
            sc->num = c == '0' ? N_ZERO : N_INT;
            break;
        case N_ZERO:
            return L4A_JR_FAIL;     /* no leading zeros */
        default:
            if (sc->nd >= D) return L4A_JR_FAIL;
            sc->mant = sc->mant * 10 + (uint64_t)(c - '0');
            sc->nd++;
            if (sc->num != N_INT) {
                sc->nfrac++;
                sc->num = N_FRAC;
            }
            break;
        }
        return reachable(n, sc) ? L4A_JR_OK : L4A_JR_FAIL;
    }
    if (c == '-' && sc->num == N_START) {
        sc->neg = 1;
        sc->num = N_NEG;
        return reachable(n, sc) ? L4A_JR_OK : L4A_JR_FAIL;
    }
    if (c == '.' && n->kind == L4A_JK_NUM && (sc->num == N_ZERO || sc->num == N_INT) &&
        sc->nd < D) {
        l4a_jscalar t = *sc;
        t.num = N_DOT;
        if (reachable(n, &t)) {
            *sc = t;
            return L4A_JR_OK;
        }
        /* no fraction can work: the '.' is then no part of this number */
    }
    /* Any other byte ends the number, if what we have is a complete number in bounds. */
    return l4a_jnum_complete(n, sc) ? L4A_JR_END : L4A_JR_FAIL;
}
