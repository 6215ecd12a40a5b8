/*
 * transcript_text.c - the text pieces every line-based transcript parser shares: the line
 * reader, white space (NBSP included: French typography), clock times and timing lines, and
 * the speaker-label rule.
 *
 * The label rule (docs/transcripts.md, "Speaker labels") separates "M. CHIRAC: ..." from
 * "Il a dit : non": a label is a short prefix (at most 40 characters and 5 words) made of
 * letters, digits, spaces and a few name characters (' ’ - _ ( ) & # @ +), starting with a
 * letter or digit, not only digits, where '.' may only end an abbreviation of up to 4 letters
 * ("M.", "Mme.", "J."), followed by ':' and then white space or the end of the line. Whether
 * a space before ':' is acceptable is decided by the callers, which see the whole file.
 */
#include "meeting/transcript.h"

#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- white space, lines */

size_t l4a_tspace(const char *s, size_t n) {
    if (n == 0) return 0;
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || c == '\t' || c == '\v' || c == '\f') return 1;
    if (c == 0xc2 && n >= 2 && (unsigned char)s[1] == 0xa0) return 2;          /* U+00A0 */
    if (c == 0xe2 && n >= 3 && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] == 0xaf || (unsigned char)s[2] == 0x89))           /* U+202F, U+2009 */
        return 3;
    return 0;
}

bool l4a_tblank(const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        if (s[i] == '\n' || s[i] == '\r') { i++; continue; }
        size_t w = l4a_tspace(s + i, n - i);
        if (!w) return false;
        i += w;
    }
    return true;
}

/* Length of s[0, n) without its trailing white space. */
static size_t rtrim(const char *s, size_t n) {
    for (;;) {
        if (n >= 1 && l4a_tspace(s + n - 1, 1) == 1) n -= 1;
        else if (n >= 2 && l4a_tspace(s + n - 2, 2) == 2) n -= 2;
        else if (n >= 3 && l4a_tspace(s + n - 3, 3) == 3) n -= 3;
        else return n;
    }
}

void l4a_tlines_init(l4a_tlines *r, const char *s, size_t n, const char *fmt) {
    r->s = s;
    r->n = n;
    r->pos = 0;
    r->lineno = 0;
    r->fmt = fmt;
}

int l4a_tlines_next(l4a_tlines *r, const char **line, size_t *len) {
    if (r->pos >= r->n) return 0;
    const char *s = r->s;
    size_t b = r->pos, e = b;
    while (e < r->n && s[e] != '\n' && s[e] != '\r') e++;
    size_t next = e;
    if (next < r->n && s[next] == '\r') next++;
    if (next < r->n && s[next] == '\n' && (next == e || s[e] == '\r')) next++;
    r->lineno++;
    if (e - b > L4A_TRANSCRIPT_MAX_LINE) {
        l4a_fail(L4A_ERR_FORMAT, "line %lld is %zu bytes long, more than the limit of %zu "
                 "bytes (a %s transcript has short lines)", (long long)r->lineno, e - b,
                 L4A_TRANSCRIPT_MAX_LINE, r->fmt);
        return -1;
    }
    r->pos = next;
    *line = s + b;
    *len = rtrim(s + b, e - b);
    return 1;
}

int l4a_tlines_peek(const l4a_tlines *r, const char **line, size_t *len) {
    l4a_tlines copy = *r;
    return l4a_tlines_next(&copy, line, len);
}

/* ---------------------------------------------------------------- times */

static bool is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

size_t l4a_ttime(const char *s, size_t n, double *sec) {
    uint64_t f[3];
    int nf = 0;
    size_t i = 0;
    uint64_t v = 0;
    while (i < n && is_digit(s[i]) && i < 6) v = v * 10 + (uint64_t)(s[i++] - '0');
    if (i == 0 || (i < n && is_digit(s[i]))) return 0;
    f[nf++] = v;
    while (nf < 3 && i + 2 < n && s[i] == ':' && is_digit(s[i + 1]) && is_digit(s[i + 2])) {
        if (i + 3 < n && is_digit(s[i + 3])) return 0;
        f[nf++] = (uint64_t)(s[i + 1] - '0') * 10 + (uint64_t)(s[i + 2] - '0');
        i += 3;
    }
    if (nf < 2) return 0;
    double h = 0, m, sc;
    if (nf == 3) {
        h = (double)f[0], m = (double)f[1], sc = (double)f[2];
        if (f[1] >= 60) return 0;
    } else {
        m = (double)f[0], sc = (double)f[1];
    }
    if (sc >= 60) return 0;
    double frac = 0, scale = 0.1;
    if (i + 1 < n && (s[i] == '.' || s[i] == ',') && is_digit(s[i + 1])) {
        i++;
        for (int k = 0; i < n && is_digit(s[i]); k++, i++) {
            if (k >= 9) return 0;
            frac += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (i < n && (is_digit(s[i]) || s[i] == ':')) return 0;
    double t = h * 3600 + m * 60 + sc + frac;
    if (t > L4A_TRANSCRIPT_MAX_TIME) return 0;
    *sec = t;
    return i;
}

static size_t skip_space(const char *s, size_t n, size_t i) {
    for (size_t w; i < n && (w = l4a_tspace(s + i, n - i)); i += w) {}
    return i;
}

/* A range separator at s: "-->", "-", en or em dash, or "→". Returns its length or 0. */
static size_t range_sep(const char *s, size_t n) {
    if (n >= 3 && memcmp(s, "-->", 3) == 0) return 3;
    if (n >= 3 && (memcmp(s, "\xe2\x80\x93", 3) == 0 || memcmp(s, "\xe2\x80\x94", 3) == 0 ||
                   memcmp(s, "\xe2\x86\x92", 3) == 0))
        return 3;
    if (n >= 1 && s[0] == '-') return 1;
    return 0;
}

size_t l4a_trange(const char *s, size_t n, double *start, double *end) {
    size_t k = l4a_ttime(s, n, start);
    if (!k) return 0;
    *end = -1;
    size_t i = skip_space(s, n, k);
    size_t w = range_sep(s + i, n - i);
    if (!w) return k;
    i = skip_space(s, n, i + w);
    size_t k2 = l4a_ttime(s + i, n - i, end);
    if (!k2) {
        *end = -1;
        return k;
    }
    return i + k2;
}

bool l4a_ttiming(const char *s, size_t n, double *start, double *end) {
    size_t i = skip_space(s, n, 0);
    size_t k = l4a_ttime(s + i, n - i, start);
    if (!k) return false;
    i = skip_space(s, n, i + k);
    if (n - i < 3 || memcmp(s + i, "-->", 3) != 0) return false;
    i = skip_space(s, n, i + 3);
    k = l4a_ttime(s + i, n - i, end);
    if (!k) return false;
    i += k;
    return i == n || l4a_tspace(s + i, n - i) > 0;
}

/* ---------------------------------------------------------------- speaker labels */

/* Code point at s; invalid UTF-8 (not possible after the input checks) reads as U+FFFD. */
static uint32_t decode(const char *s, size_t n, size_t *w) {
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[0];
    size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (len == 0 || len > n) { *w = 1; return 0xfffd; }
    if (len == 1) { *w = 1; return c; }
    c &= 0x3f >> (len - 1);
    for (size_t k = 1; k < len; k++) {
        if ((u[k] & 0xc0) != 0x80) { *w = 1; return 0xfffd; }
        c = (c << 6) | (u[k] & 0x3f);
    }
    *w = len;
    return c;
}

/* Punctuation outside ASCII that a name does not contain: quotes, ellipsis, dashes. */
static bool is_sentence_punct(uint32_t c) {
    switch (c) {
    case 0x00ab: case 0x00bb: case 0x00a1: case 0x00bf: case 0x2026: case 0x2013: case 0x2014:
    case 0x201c: case 0x201d: case 0x201e: case 0x2039: case 0x203a: case 0xfffd:
        return true;
    }
    return false;
}

static bool is_alpha(uint32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

bool l4a_tlabel_valid(const char *s, size_t n) {
    if (n == 0 || n > 160) return false;
    size_t first_w;
    uint32_t first = decode(s, n, &first_w);
    if (!(is_alpha(first) || is_digit(first) || (first >= 0x80 && first != 0x2019 &&
                                                       !is_sentence_punct(first))))
        return false;
    int chars = 0, words = 0, word_chars = 0;
    bool in_word = false, word_alpha = true, any_letter = false;
    for (size_t i = 0; i < n;) {
        size_t sp = l4a_tspace(s + i, n - i);
        if (sp) {
            if (in_word) chars++;               /* a run of spaces counts as one */
            in_word = false;
            i += sp;
            continue;
        }
        size_t w;
        uint32_t c = decode(s + i, n - i, &w);
        i += w;
        if (!in_word) {
            words++;
            in_word = true;
            word_chars = 0;
            word_alpha = true;
        }
        if (c < 0x80) {
            if (is_alpha(c)) {
                any_letter = true;
            } else if (is_digit(c)) {
                word_alpha = false;
            } else if (c == '.') {
                if (!word_alpha || word_chars == 0 || word_chars > 4) return false;
                word_alpha = false;
            } else if (c && strchr("'-_()&#@+", (int)c)) {
                word_alpha = false;
            } else {
                return false;
            }
        } else if (is_sentence_punct(c)) {
            return false;
        } else if (c == 0x2019) {
            word_alpha = false;                     /* ’ as in "D’ESTAING" */
        } else {
            any_letter = true;                      /* other letters: accents, scripts */
        }
        word_chars++;
        chars++;
    }
    return any_letter && chars <= 40 && words <= 5;
}

bool l4a_tlabel_is_id(const char *s, size_t n) {
    static const char *const k_prefix[] = {
        "speaker", "spk", "spkr", "locuteur", "intervenant", "orateur", "participant",
        "interlocuteur", "p", "s", "l"};
    for (size_t k = 0; k < sizeof k_prefix / sizeof k_prefix[0]; k++) {
        size_t m = strlen(k_prefix[k]);
        if (n <= m || strncasecmp(s, k_prefix[k], m) != 0) continue;
        size_t i = m;
        if (s[i] == ' ' || s[i] == '_' || s[i] == '-') i++;
        size_t d = i;
        while (i < n && is_digit(s[i])) i++;
        if (i == n && i > d && i - d <= 4) return true;
    }
    return false;
}

bool l4a_tlabel_scan(const char *s, size_t n, size_t *lab_len, size_t *text_off, bool *spaced,
                     double *start) {
    *start = -1;
    size_t lim = n < 200 ? n : 200, colon = 0;
    int depth = 0;
    bool found = false;
    for (size_t i = 0; i < lim && !found; i++) {
        char c = s[i];
        if (c == '(' || c == '[') depth++;
        else if ((c == ')' || c == ']') && depth > 0) depth--;
        else if (c == ':' && depth == 0) colon = i, found = true;
    }
    if (!found || colon == 0) return false;
    size_t after = colon + 1;
    if (after < n && !l4a_tspace(s + after, n - after)) return false;
    size_t e = rtrim(s, colon);
    *spaced = e < colon;
    /* "Name (00:01:02)" or "Name [00:01]": the time goes out of the label */
    if (e > 0 && (s[e - 1] == ')' || s[e - 1] == ']')) {
        char open = s[e - 1] == ')' ? '(' : '[';
        size_t k = e - 1;
        while (k > 0 && s[k - 1] != open) k--;
        if (k > 0) {
            size_t b = skip_space(s, e - 1, k);
            double a, z;
            size_t used = l4a_trange(s + b, e - 1 - b, &a, &z);
            if (used && skip_space(s, e - 1, b + used) == e - 1) {
                *start = a;
                e = rtrim(s, k - 1);
            }
        }
    }
    if (!l4a_tlabel_valid(s, e)) {
        *start = -1;
        return false;
    }
    *lab_len = e;
    *text_off = skip_space(s, n, after);
    return true;
}

bool l4a_tlabel_capital(const char *s, size_t n) {
    if (n == 0) return false;
    unsigned char c = (unsigned char)s[0];
    return (c >= 'A' && c <= 'Z') || is_digit(c) || c >= 0x80;
}
