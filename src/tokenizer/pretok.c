/*
 * pretok.c - the regex pre-tokenizers of byte-level BPE, written as hand-made matchers.
 *
 * A pre-tokenizer is a list of regexes applied in turn: each one splits every piece left by
 * the previous one into its matches and the text between them (HF tokenizers' Split with
 * behavior "isolated"; llama.cpp's unicode_regex_split). The regexes, by tokenizer.ggml.pre:
 *
 *   gpt2    's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   smollm  \p{N}  then gpt2                                    (StarCoder's, SmolLM's)
 *   llama3  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
 *           | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   qwen2   llama3 with \p{N} instead of \p{N}{1,3}
 *   default [\p{P}\$\+<=>\^~\|]+  then gpt2  then \p{N}+  then [0-9][0-9][0-9]   (llama.cpp's)
 *   falcon  [\p{P}\$\+<=>\^~\|`]+  then gpt2, then (l4a_pretokenize_mapped_digits, on the
 *           byte-mapped text) numeric runs and [0-9][0-9][0-9]: HF tokenizers' Falcon sequence
 *           Punctuation (Rust's ASCII punctuation or \p{P}), ByteLevel, Digits, Split, where the
 *           last two see GPT-2 characters, so that e.g. the second byte of "β" (CE B2, mapped to
 *           "Î²") is split off as the number "²".
 *   none    the whole text is one piece
 *
 * Each matcher returns where the leftmost-first match starting at pos ends (pos when none),
 * trying the alternatives in order with the backtracking a regex engine would do; a lookahead
 * sees only the current piece, as in a regex run on that piece alone. The (?i:) contractions
 * fold ASCII case only, as llama.cpp's adaptation of the regex does. Classes come from
 * l4a_cp_class (unicode.h).
 */
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

#include <string.h>

enum { L = L4A_CP_LETTER, N = L4A_CP_NUMBER, S = L4A_CP_SPACE, P = L4A_CP_PUNCT };

/* [^\s\p{L}\p{N}] */
static bool is_other(uint8_t c) { return !(c & (L | N | S)); }
static bool is_crlf(uint32_t cp) { return cp == '\r' || cp == '\n'; }
static uint32_t ascii_lower(uint32_t cp) { return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp; }

typedef uint32_t (*matcher)(const uint32_t *cps, const uint8_t *cls, uint32_t pos, uint32_t end, int param);

/* 's 't 're 've 'm 'll 'd (fold: also the upper-case letters). */
static uint32_t contraction(const uint32_t *cps, uint32_t pos, uint32_t end, bool fold) {
    if (cps[pos] != '\'' || pos + 1 >= end) return pos;
    uint32_t a = fold ? ascii_lower(cps[pos + 1]) : cps[pos + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return pos + 2;
    if (pos + 2 >= end) return pos;
    uint32_t b = fold ? ascii_lower(cps[pos + 2]) : cps[pos + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return pos + 3;
    return pos;
}

/* " ?X+" for a class test X: one optional U+0020, then a run of X. */
static uint32_t opt_space_run(const uint32_t *cps, const uint8_t *cls, uint32_t pos, uint32_t end,
                              bool (*x)(uint8_t)) {
    uint32_t s = pos;
    if (cps[pos] == ' ' && pos + 1 < end && x(cls[pos + 1])) s = pos + 1;
    if (!x(cls[s])) return pos;
    while (s < end && x(cls[s])) s++;
    return s;
}

static bool is_letter(uint8_t c) { return c & L; }
static bool is_number(uint8_t c) { return c & N; }

/* \s+(?!\S)|\s+ at a whitespace code point: the run, less its last code point when a
 * non-space follows and the run is longer than one. */
static uint32_t space_run(const uint8_t *cls, uint32_t pos, uint32_t end) {
    uint32_t r = pos;
    while (r < end && (cls[r] & S)) r++;
    if (r < end && r - pos > 1) return r - 1;
    return r;
}

static uint32_t m_gpt2(const uint32_t *cps, const uint8_t *cls, uint32_t pos, uint32_t end, int param) {
    (void)param;
    uint32_t e;
    if ((e = contraction(cps, pos, end, false)) > pos) return e;
    if ((e = opt_space_run(cps, cls, pos, end, is_letter)) > pos) return e;
    if ((e = opt_space_run(cps, cls, pos, end, is_number)) > pos) return e;
    if ((e = opt_space_run(cps, cls, pos, end, is_other)) > pos) return e;
    return space_run(cls, pos, end);  /* what is left is whitespace */
}

/* Llama 3 / Qwen 2; param: the most digits in one pre-token (3 or 1). */
static uint32_t m_llama3(const uint32_t *cps, const uint8_t *cls, uint32_t pos, uint32_t end, int param) {
    uint32_t cp = cps[pos], e;
    uint8_t c = cls[pos];
    if ((e = contraction(cps, pos, end, true)) > pos) return e;
    /* [^\r\n\p{L}\p{N}]?\p{L}+ */
    if (!is_crlf(cp) && !(c & N) && ((c & L) || (pos + 1 < end && (cls[pos + 1] & L)))) {
        e = pos + 1;
        while (e < end && (cls[e] & L)) e++;
        return e;
    }
    /* \p{N}{1,param} */
    if (c & N) {
        e = pos;
        while (e < end && e - pos < (uint32_t)param && (cls[e] & N)) e++;
        return e;
    }
    /* ' ?[^\s\p{L}\p{N}]+[\r\n]*' */
    uint32_t s = (cp == ' ' && pos + 1 < end && is_other(cls[pos + 1])) ? pos + 1 : pos;
    if (is_other(cls[s])) {
        e = s;
        while (e < end && is_other(cls[e])) e++;
        while (e < end && is_crlf(cps[e])) e++;
        return e;
    }
    /* \s*[\r\n]+ : the whitespace run up to its last CR or LF, if it has one */
    uint32_t r = pos, last = pos;
    while (r < end && (cls[r] & S)) {
        if (is_crlf(cps[r])) last = r + 1;
        r++;
    }
    if (last > pos) return last;
    return space_run(cls, pos, end);  /* \s+(?!\S)|\s+ */
}

/* \p{N} : one number code point */
static uint32_t m_one_number(const uint32_t *cps, const uint8_t *cls, uint32_t pos, uint32_t end, int param) {
    (void)cps, (void)end, (void)param;
    return (cls[pos] & N) ? pos + 1 : pos;
}

/* \p{N}+ */
static uint32_t m_numbers(const uint32_t *cps, const uint8_t *cls, uint32_t pos, uint32_t end, int param) {
    (void)cps, (void)param;
    while (pos < end && (cls[pos] & N)) pos++;
    return pos;
}

/* [\p{P}\$\+<=>\^~\|]+ */
static bool punct_like(uint32_t cp, uint8_t c, int backtick) {
    return (c & P) || (cp < 0x80 && cp && strchr(backtick ? "$+<=>^~|`" : "$+<=>^~|", (int)cp));
}
/* param 1: also the backtick (Rust's is_ascii_punctuation, HF's Punctuation) */
static uint32_t m_punct(const uint32_t *cps, const uint8_t *cls, uint32_t pos, uint32_t end, int param) {
    while (pos < end && punct_like(cps[pos], cls[pos], param)) pos++;
    return pos;
}

/* [0-9][0-9][0-9] */
static uint32_t m_three_digits(const uint32_t *cps, const uint8_t *cls, uint32_t pos, uint32_t end, int param) {
    (void)cls, (void)param;
    if (pos + 3 > end) return pos;
    for (uint32_t i = pos; i < pos + 3; i++)
        if (cps[i] < '0' || cps[i] > '9') return pos;
    return pos + 3;
}

static l4a_status push_span(l4a_spanvec *v, uint32_t a, uint32_t b) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        l4a_span *p = l4a_realloc(v->s, cap * sizeof *p);
        if (!p) return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory while pre-tokenizing");
        v->s = p;
        v->cap = cap;
    }
    v->s[v->n++] = (l4a_span){a, b};
    return L4A_OK;
}

/* Split [a, b) into the matches of m and the text between them. */
static l4a_status split(const uint32_t *cps, const uint8_t *cls, uint32_t a, uint32_t b, matcher m,
                        int param, l4a_spanvec *out) {
    uint32_t gap = a, pos = a;
    l4a_status st;
    while (pos < b) {
        uint32_t e = m(cps, cls, pos, b, param);
        if (e == pos) { pos++; continue; }
        if (gap < pos && (st = push_span(out, gap, pos))) return st;
        if ((st = push_span(out, pos, e))) return st;
        pos = gap = e;
    }
    if (gap < b) return push_span(out, gap, b);
    return L4A_OK;
}

l4a_status l4a_pretokenize(l4a_pre_type pre, const uint32_t *cps, const uint8_t *cls, uint32_t n,
                           l4a_spanvec *out) {
    struct { matcher m; int param; } stages[4];
    memset(stages, 0, sizeof stages);
    int n_stages = 0;
    switch (pre) {
    case L4A_PRE_GPT2:
        stages[n_stages++].m = m_gpt2;
        break;
    case L4A_PRE_SMOLLM:
        stages[n_stages++].m = m_one_number;
        stages[n_stages++].m = m_gpt2;
        break;
    case L4A_PRE_LLAMA3:
        stages[n_stages].param = 3;
        stages[n_stages++].m = m_llama3;
        break;
    case L4A_PRE_QWEN2:
        stages[n_stages].param = 1;
        stages[n_stages++].m = m_llama3;
        break;
    case L4A_PRE_DEFAULT:
        stages[n_stages++].m = m_punct;
        stages[n_stages++].m = m_gpt2;
        stages[n_stages++].m = m_numbers;
        stages[n_stages++].m = m_three_digits;
        break;
    case L4A_PRE_FALCON:
        stages[n_stages].param = 1;
        stages[n_stages++].m = m_punct;
        stages[n_stages++].m = m_gpt2;
        break;
    case L4A_PRE_NONE:
        return n ? push_span(out, 0, n) : L4A_OK;
    }
    if (n == 0) return L4A_OK;
    if (n_stages == 1) return split(cps, cls, 0, n, stages[0].m, stages[0].param, out);

    /* several stages: pieces of one stage are split by the next, through two buffers */
    l4a_spanvec a = {0}, b = {0};
    l4a_status st = push_span(&a, 0, n);
    for (int k = 0; k < n_stages && !st; k++) {
        l4a_spanvec *dst = k == n_stages - 1 ? out : &b;
        if (dst == &b) b.n = 0;
        for (size_t i = 0; i < a.n && !st; i++)
            st = split(cps, cls, a.s[i].start, a.s[i].end, stages[k].m, stages[k].param, dst);
        l4a_spanvec t = a;
        a = b;
        b = t;
    }
    l4a_free(a.s);
    l4a_free(b.s);
    return st;
}

/* Bytes whose GPT-2 character is numeric (Nd, Nl, No): '0'..'9' and the Latin-1 characters
 * ² ³ ¹ ¼ ½ ¾, which map to themselves. The other mapped characters (U+0100..U+0143) are
 * letters. */
static bool mapped_numeric(uint8_t b) {
    return (b >= '0' && b <= '9') || b == 0xB2 || b == 0xB3 || b == 0xB9 || (b >= 0xBC && b <= 0xBE);
}

static bool ascii_digit(uint8_t b) { return b >= '0' && b <= '9'; }

l4a_status l4a_pretokenize_mapped_digits(const uint8_t *u, uint32_t a, uint32_t b, l4a_spanvec *out) {
    l4a_status st;
    uint32_t i = a;
    while (i < b) {
        uint32_t j = i;
        bool num = mapped_numeric(u[i]);
        while (j < b && mapped_numeric(u[j]) == num) j++;
        if (!num) {
            if ((st = push_span(out, i, j))) return st;
        } else {  /* [0-9][0-9][0-9] isolated inside the numeric run, leftmost first */
            uint32_t gap = i, p = i;
            while (p + 3 <= j) {
                if (ascii_digit(u[p]) && ascii_digit(u[p + 1]) && ascii_digit(u[p + 2])) {
                    if (gap < p && (st = push_span(out, gap, p))) return st;
                    if ((st = push_span(out, p, p + 3))) return st;
                    p = gap = p + 3;
                } else {
                    p++;
                }
            }
            if (gap < j && (st = push_span(out, gap, j))) return st;
        }
        i = j;
    }
    return L4A_OK;
}
