/*
 * hf_pipeline.c - the normalizer and decoder chains of Hugging Face tokenizer.json files:
 * parsing (from cJSON) and running them.
 *
 * Followed: the behaviour of HF `tokenizers` (checked against its Python package, see
 * scripts/golden_hf_tokens.py), step by step:
 *   normalizers  NFC NFD NFKC NFKD (utf8proc), Lowercase, Strip, Prepend (only a non-empty
 *                text), Replace (all non-overlapping matches, left to right), Sequence
 *   pre-token.   Metaspace: spaces become the replacement, which is prepended (scheme
 *                "always", or "first" for the fragment that starts the text) unless the text
 *                already starts with it
 *   decoders     ByteLevel (a token made only of GPT-2 characters becomes its bytes, others
 *                stay), ByteFallback (a run of <0xXX> tokens becomes its bytes when they are
 *                valid UTF-8, else one U+FFFD per byte), Metaspace (the replacement becomes a
 *                space, and disappears in the first token unless the scheme is "never"),
 *                Fuse (all tokens into one), Strip (per token, up to n leading / trailing
 *                copies of a character), Replace (per token), Sequence
 * Regex patterns: see hf_json.h for the subset. \w is Oniguruma's Unicode word class as HF
 * uses it: letters, marks, Nd, Nl, Pc (plus the circled letters, Other_Alphabetic symbols);
 * \s the White_Space property, \d Nd.
 * Not here: the model (bpe.c), special tokens (special.c), the folder loader (tokenizer_hf.c).
 * Invalid UTF-8 (HF never sees it: Python strings are Unicode) skips the Unicode
 * normalization forms; the other steps work on the bytes as they are.
 */
#include "tokenizer/hf_json.h"
#include "tokenizer/unicode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

enum {
    N_NFC, N_NFD, N_NFKC, N_NFKD, N_LOWER, N_STRIP, N_PREPEND, N_REPLACE,
    D_BYTELEVEL, D_BYTEFALLBACK, D_METASPACE, D_FUSE, D_STRIP, D_REPLACE,
};

#define MAX_RANGES 24
#define MAX_ATOMS 8

typedef struct cp_class {
    uint32_t lo[MAX_RANGES], hi[MAX_RANGES];
    uint8_t n;
    bool word, space, digit, negate;
} cp_class;

typedef struct hf_regex {
    cp_class atom[MAX_ATOMS];
    uint8_t n_atoms;
    bool has_ahead;
    cp_class ahead;
} hf_regex;

struct l4a_hf_step {
    int kind;
    char *pat;          /* Replace: a String pattern (pat_len bytes), or NULL */
    size_t pat_len;
    hf_regex *re;       /* Replace: a Regex pattern, or NULL */
    char *str;          /* Replace content, Prepend text */
    size_t str_len;
    uint32_t rep;       /* Metaspace replacement; Strip content */
    int scheme;         /* Metaspace: 0 never, 1 first, 2 always */
    uint32_t start, stop; /* Strip (decoder: characters; normalizer: booleans left/right) */
};

/* ---------------------------------------------------------------- growable bytes */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} buf;

static void put(buf *b, const void *s, size_t n) {
    if (b->oom) return;
    if (n > SIZE_MAX / 2 - b->n) { b->oom = true; return; }
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n) cap *= 2;
        uint8_t *q = l4a_realloc(b->p, cap);
        if (!q) { b->oom = true; return; }
        b->p = q;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void put_cp(buf *b, uint32_t cp) {
    uint8_t e[4];
    put(b, e, l4a_utf8_encode(cp, e));
}

static l4a_status nomem(void) {
    return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory in the tokenizer.json pipeline");
}

/* ---------------------------------------------------------------- classes and matching */

static bool is_word(uint32_t cp) {
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_PC:
        return true;
    default:
        /* Other_Alphabetic symbols: circled and squared Latin letters */
        return (cp >= 0x24B6 && cp <= 0x24E9) || (cp >= 0x1F130 && cp <= 0x1F149) ||
               (cp >= 0x1F150 && cp <= 0x1F169) || (cp >= 0x1F170 && cp <= 0x1F189);
    }
}

static bool in_class(const cp_class *c, uint32_t cp) {
    bool in = (c->word && is_word(cp)) || (c->space && (l4a_cp_class(cp) & L4A_CP_SPACE)) ||
              (c->digit && utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_ND);
    for (uint8_t i = 0; i < c->n && !in; i++) in = cp >= c->lo[i] && cp <= c->hi[i];
    return in != c->negate;
}

/* ---------------------------------------------------------------- regex subset parser */

typedef struct rx {
    const uint8_t *s;
    size_t n, i;
} rx;

static bool rx_cp(rx *r, uint32_t *cp) {
    if (r->i >= r->n) return false;
    size_t used;
    *cp = l4a_utf8_decode(r->s + r->i, r->n - r->i, &used);
    r->i += used;
    return true;
}

static int hexval(uint32_t c) {
    return c >= '0' && c <= '9' ? (int)(c - '0') : c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10)
         : c >= 'A' && c <= 'F' ? (int)(c - 'A' + 10) : -1;
}

static bool rx_hex(rx *r, int digits, uint32_t *out) {
    uint32_t v = 0, c;
    bool brace = digits == 0;
    if (brace) {
        if (!rx_cp(r, &c) || c != '{') return false;
        digits = 8;
    }
    int k = 0;
    for (; k < digits; k++) {
        size_t save = r->i;
        if (!rx_cp(r, &c)) break;
        if (brace && c == '}') { r->i = save; break; }
        int h = hexval(c);
        if (h < 0) return false;
        v = v * 16 + (uint32_t)h;
    }
    if (brace && (!rx_cp(r, &c) || c != '}' || k == 0)) return false;
    if (!brace && k != digits) return false;
    if (v > 0x10FFFF) return false;
    *out = v;
    return true;
}

/* After a backslash: a single code point (*cp) or a class escape (sets flags in c).
 * Returns 1 for a code point, 2 for a class, 0 for unsupported. */
static int rx_escape(rx *r, uint32_t *cp, cp_class *c) {
    uint32_t e;
    if (!rx_cp(r, &e)) return 0;
    switch (e) {
    case 'n': *cp = '\n'; return 1;
    case 't': *cp = '\t'; return 1;
    case 'r': *cp = '\r'; return 1;
    case 'f': *cp = '\f'; return 1;
    case 'v': *cp = '\v'; return 1;
    case '0': *cp = 0; return 1;
    case 'x': {
        size_t save = r->i;
        uint32_t b;
        if (rx_cp(r, &b) && b == '{') { r->i = save; return rx_hex(r, 0, cp) ? 1 : 0; }
        r->i = save;
        return rx_hex(r, 2, cp) ? 1 : 0;
    }
    case 'u': return rx_hex(r, 4, cp) ? 1 : 0;
    case 'w': c->word = true; return 2;
    case 's': c->space = true; return 2;
    case 'd': c->digit = true; return 2;
    default:
        if (e < 0x80 && ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')))
            return 0;  /* \b \B \p{..} \W ...: not in the subset */
        *cp = e;
        return 1;
    }
}

static bool class_add(cp_class *c, uint32_t lo, uint32_t hi) {
    if (c->n >= MAX_RANGES || lo > hi) return false;
    c->lo[c->n] = lo;
    c->hi[c->n++] = hi;
    return true;
}

/* [...] after the '[' */
static bool rx_class(rx *r, cp_class *c) {
    uint32_t cp;
    size_t save = r->i;
    if (rx_cp(r, &cp) && cp == '^') c->negate = true;
    else r->i = save;
    bool first = true;
    for (;;) {
        if (!rx_cp(r, &cp)) return false;
        if (cp == ']' && !first) return true;
        first = false;
        if (cp == '[') return false;  /* nested classes, POSIX brackets */
        if (cp == '\\') {
            int k = rx_escape(r, &cp, c);
            if (k == 0) return false;
            if (k == 2) continue;
        }
        uint32_t hi = cp;
        save = r->i;
        uint32_t d;
        if (rx_cp(r, &d) && d == '-') {
            size_t save2 = r->i;
            if (rx_cp(r, &d) && d != ']') {
                if (d == '\\') {
                    cp_class dummy = {0};
                    if (rx_escape(r, &d, &dummy) != 1) return false;
                }
                hi = d;
            } else {
                (void)save2;
                r->i = save;  /* '-' before ']' is a literal, read next */
            }
        } else {
            r->i = save;
        }
        if (!class_add(c, cp, hi)) return false;
    }
}

/* One atom: a literal, an escape or a class. */
static bool rx_atom(rx *r, cp_class *c) {
    uint32_t cp;
    memset(c, 0, sizeof *c);
    if (!rx_cp(r, &cp)) return false;
    if (cp == '[') return rx_class(r, c);
    if (cp == '\\') {
        int k = rx_escape(r, &cp, c);
        if (k == 0) return false;
        if (k == 2) return true;
    } else if (cp < 0x80 && strchr(".*+?{}()|^$", (int)cp)) {
        return false;
    }
    return class_add(c, cp, cp);
}

/* The subset: atom+ ("(?=" atom ")")? with no quantifiers. */
static bool rx_parse(const char *pat, size_t len, hf_regex *re) {
    rx r = {(const uint8_t *)pat, len, 0};
    memset(re, 0, sizeof *re);
    while (r.i < r.n) {
        if (r.n - r.i >= 3 && memcmp(r.s + r.i, "(?=", 3) == 0) {
            r.i += 3;
            if (!rx_atom(&r, &re->ahead)) return false;
            uint32_t cp;
            if (!rx_cp(&r, &cp) || cp != ')' || r.i != r.n) return false;
            re->has_ahead = true;
            break;
        }
        if (re->n_atoms == MAX_ATOMS || !rx_atom(&r, &re->atom[re->n_atoms++])) return false;
        if (r.i < r.n && strchr("*+?{", r.s[r.i])) return false;  /* quantifiers */
    }
    return re->n_atoms > 0;
}

/* ---------------------------------------------------------------- parsing steps */

typedef struct stepvec {
    l4a_hf_step *a;
    int32_t n, cap;
} stepvec;

static l4a_hf_step *push_step(stepvec *v, int kind) {
    if (v->n == v->cap) {
        if (v->cap > 4096) return NULL;
        int32_t cap = v->cap ? v->cap * 2 : 8;
        l4a_hf_step *p = l4a_realloc(v->a, (size_t)cap * sizeof *p);
        if (!p) return NULL;
        v->a = p;
        v->cap = cap;
    }
    l4a_hf_step *s = &v->a[v->n++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    return s;
}

void l4a_hf_steps_free(l4a_hf_step *steps, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        l4a_free(steps[i].pat);
        l4a_free(steps[i].re);
        l4a_free(steps[i].str);
    }
    l4a_free(steps);
}

static const char *type_of(const cJSON *j) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
    return cJSON_IsString(t) ? t->valuestring : NULL;
}

static l4a_status bad(const char *file, const char *field, const char *what) {
    return l4a_fail(L4A_ERR_FORMAT, "%s: %s: %s", file, field, what);
}

/* A one-character string field (Metaspace replacement, Strip content). */
static l4a_status one_char(const cJSON *j, const char *key, const char *file, const char *field,
                           uint32_t *cp) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!cJSON_IsString(s)) return bad(file, field, "a one-character string is expected");
    size_t len = strlen(s->valuestring), used;
    if (len == 0) return bad(file, field, "a one-character string is expected");
    *cp = l4a_utf8_decode((const uint8_t *)s->valuestring, len, &used);
    if (used != len) return bad(file, field, "a one-character string is expected");
    return L4A_OK;
}

/* Replace: {"pattern": {"String": s} | {"Regex": r}, "content": c} */
static l4a_status parse_replace(const cJSON *j, const char *file, const char *field, l4a_hf_step *s) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "pattern");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "content");
    if (!cJSON_IsString(c)) return bad(file, field, "Replace needs a string \"content\"");
    const cJSON *str = cJSON_GetObjectItemCaseSensitive(p, "String");
    const cJSON *re = cJSON_GetObjectItemCaseSensitive(p, "Regex");
    s->str_len = strlen(c->valuestring);
    if (!(s->str = l4a_strndup(c->valuestring, s->str_len))) return nomem();
    if (cJSON_IsString(str)) {
        s->pat_len = strlen(str->valuestring);
        if (s->pat_len == 0) return bad(file, field, "Replace with an empty String pattern");
        return (s->pat = l4a_strndup(str->valuestring, s->pat_len)) ? L4A_OK : nomem();
    }
    if (!cJSON_IsString(re)) return bad(file, field, "Replace needs a pattern {\"String\"} or {\"Regex\"}");
    if (!(s->re = l4a_malloc(sizeof *s->re))) return nomem();
    if (!rx_parse(re->valuestring, strlen(re->valuestring), s->re))
        return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: %s: the Replace regex '%.80s' is outside the supported "
                        "subset (characters and classes, then one lookahead)", file, field, re->valuestring);
    return L4A_OK;
}

static l4a_status parse_norm(const cJSON *j, const char *file, const char *field, int depth, stepvec *v) {
    const char *t = type_of(j);
    if (!t) return bad(file, field, "an object with a string \"type\" is expected");
    if (strcmp(t, "Sequence") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "normalizers");
        if (!cJSON_IsArray(list) || depth > 8) return bad(file, field, "Sequence needs a \"normalizers\" array");
        int i = 0;
        for (const cJSON *e = list->child; e; e = e->next, i++) {
            char sub[96];
            snprintf(sub, sizeof sub, "%.60s.normalizers[%d]", field, i);
            l4a_status st = parse_norm(e, file, sub, depth + 1, v);
            if (st) return st;
        }
        return L4A_OK;
    }
    static const struct { const char *name; int kind; } simple[] = {
        {"NFC", N_NFC}, {"NFD", N_NFD}, {"NFKC", N_NFKC}, {"NFKD", N_NFKD}, {"Lowercase", N_LOWER}};
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcmp(t, simple[i].name) == 0) return push_step(v, simple[i].kind) ? L4A_OK : nomem();
    l4a_hf_step *s;
    if (strcmp(t, "Prepend") == 0) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "prepend");
        if (!cJSON_IsString(p)) return bad(file, field, "Prepend needs a string \"prepend\"");
        if (!(s = push_step(v, N_PREPEND))) return nomem();
        s->str_len = strlen(p->valuestring);
        return (s->str = l4a_strndup(p->valuestring, s->str_len)) ? L4A_OK : nomem();
    }
    if (strcmp(t, "Replace") == 0) {
        if (!(s = push_step(v, N_REPLACE))) return nomem();
        return parse_replace(j, file, field, s);
    }
    if (strcmp(t, "Strip") == 0) {
        if (!(s = push_step(v, N_STRIP))) return nomem();
        s->start = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "strip_left"));
        s->stop = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "strip_right"));
        return L4A_OK;
    }
    return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: %s: normalizer type '%.40s' is not supported (NFC, NFD, NFKC, "
                    "NFKD, Lowercase, Strip, Prepend, Replace, Sequence)", file, field, t);
}

static l4a_status parse_dec(const cJSON *j, const char *file, const char *field, int depth, stepvec *v) {
    const char *t = type_of(j);
    if (!t) return bad(file, field, "an object with a string \"type\" is expected");
    l4a_hf_step *s;
    if (strcmp(t, "Sequence") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "decoders");
        if (!cJSON_IsArray(list) || depth > 8) return bad(file, field, "Sequence needs a \"decoders\" array");
        int i = 0;
        for (const cJSON *e = list->child; e; e = e->next, i++) {
            char sub[96];
            snprintf(sub, sizeof sub, "%.60s.decoders[%d]", field, i);
            l4a_status st = parse_dec(e, file, sub, depth + 1, v);
            if (st) return st;
        }
        return L4A_OK;
    }
    if (strcmp(t, "ByteLevel") == 0) return push_step(v, D_BYTELEVEL) ? L4A_OK : nomem();
    if (strcmp(t, "ByteFallback") == 0) return push_step(v, D_BYTEFALLBACK) ? L4A_OK : nomem();
    if (strcmp(t, "Fuse") == 0) return push_step(v, D_FUSE) ? L4A_OK : nomem();
    if (strcmp(t, "Replace") == 0) {
        if (!(s = push_step(v, D_REPLACE))) return nomem();
        return parse_replace(j, file, field, s);
    }
    if (strcmp(t, "Strip") == 0) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "start");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(j, "stop");
        if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || a->valuedouble < 0 || b->valuedouble < 0 ||
            a->valuedouble > 1e6 || b->valuedouble > 1e6)
            return bad(file, field, "Strip needs \"start\" and \"stop\" counts");
        if (!(s = push_step(v, D_STRIP))) return nomem();
        s->start = (uint32_t)a->valuedouble;
        s->stop = (uint32_t)b->valuedouble;
        return one_char(j, "content", file, field, &s->rep);
    }
    if (strcmp(t, "Metaspace") == 0) {
        if (!(s = push_step(v, D_METASPACE))) return nomem();
        l4a_status st = one_char(j, "replacement", file, field, &s->rep);
        if (st) return st;
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "prepend_scheme");
        const cJSON *ap = cJSON_GetObjectItemCaseSensitive(j, "add_prefix_space");
        s->scheme = 2;
        if (cJSON_IsString(ps)) {
            if (strcmp(ps->valuestring, "never") == 0) s->scheme = 0;
            else if (strcmp(ps->valuestring, "first") == 0) s->scheme = 1;
            else if (strcmp(ps->valuestring, "always") != 0) return bad(file, field, "unknown prepend_scheme");
        } else if (cJSON_IsFalse(ap)) {
            s->scheme = 0;
        }
        return L4A_OK;
    }
    return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: %s: decoder type '%.40s' is not supported (ByteLevel, "
                    "ByteFallback, Metaspace, Fuse, Strip, Replace, Sequence)", file, field, t);
}

static l4a_status parse_top(const cJSON *j, const char *file, bool dec, l4a_hf_step **steps, int32_t *n) {
    *steps = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j)) return L4A_OK;
    stepvec v = {0};
    l4a_status st = dec ? parse_dec(j, file, "decoder", 0, &v) : parse_norm(j, file, "normalizer", 0, &v);
    if (st) { l4a_hf_steps_free(v.a, v.n); return st; }
    *steps = v.a;
    *n = v.n;
    return L4A_OK;
}

l4a_status l4a_hf_parse_normalizer(const cJSON *j, const char *file, l4a_hf_step **steps, int32_t *n) {
    return parse_top(j, file, false, steps, n);
}

l4a_status l4a_hf_parse_decoder(const cJSON *j, const char *file, l4a_hf_step **steps, int32_t *n) {
    return parse_top(j, file, true, steps, n);
}

/* ---------------------------------------------------------------- running: text steps */

/* Replace every non-overlapping match of s's pattern in t[0..n) into out. */
static void replace(const l4a_hf_step *s, const uint8_t *t, size_t n, buf *out) {
    if (s->pat) {
        size_t i = 0;
        while (i < n) {
            if (n - i >= s->pat_len && memcmp(t + i, s->pat, s->pat_len) == 0) {
                put(out, s->str, s->str_len);
                i += s->pat_len;
            } else {
                put(out, t + i, 1);
                i++;
            }
        }
        return;
    }
    const hf_regex *re = s->re;
    size_t i = 0;
    while (i < n) {
        size_t j = i, used;
        bool ok = true;
        for (uint8_t k = 0; k < re->n_atoms && ok; k++) {
            if (j >= n) { ok = false; break; }
            ok = in_class(&re->atom[k], l4a_utf8_decode(t + j, n - j, &used));
            j += used;
        }
        if (ok && re->has_ahead) ok = j < n && in_class(&re->ahead, l4a_utf8_decode(t + j, n - j, &used));
        if (ok) {
            put(out, s->str, s->str_len);
            i = j;
        } else {
            l4a_utf8_decode(t + i, n - i, &used);
            put(out, t + i, used);
            i += used;
        }
    }
}

static bool rust_space(uint32_t cp) { return (l4a_cp_class(cp) & L4A_CP_SPACE) != 0; }

/* One normalizer step from cur into out. */
static void norm_step(const l4a_hf_step *s, const uint8_t *t, size_t n, buf *out) {
    switch (s->kind) {
    case N_NFC: case N_NFD: case N_NFKC: case N_NFKD: {
        int opt = UTF8PROC_STABLE;
        opt |= s->kind == N_NFC || s->kind == N_NFKC ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE;
        if (s->kind == N_NFKC || s->kind == N_NFKD) opt |= UTF8PROC_COMPAT;
        utf8proc_uint8_t *r = NULL;
        utf8proc_ssize_t m = n > (size_t)INT32_MAX ? -1
                           : utf8proc_map(t, (utf8proc_ssize_t)n, &r, (utf8proc_option_t)opt);
        if (m < 0) put(out, t, n);  /* invalid UTF-8: kept as it is */
        else put(out, r, (size_t)m);
        free(r);
        return;
    }
    case N_LOWER:
        for (size_t i = 0; i < n;) {
            size_t used;
            uint32_t cp = l4a_utf8_decode(t + i, n - i, &used);
            if (cp == L4A_CP_REPLACEMENT) put(out, t + i, used);
            else put_cp(out, (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp));
            i += used;
        }
        return;
    case N_STRIP: {
        size_t a = 0, b = n, used;
        while (s->start && a < b && rust_space(l4a_utf8_decode(t + a, b - a, &used))) a += used;
        while (s->stop && b > a) {
            size_t k = b - 1;
            while (k > a && (t[k] & 0xC0) == 0x80) k--;
            if (!rust_space(l4a_utf8_decode(t + k, b - k, &used)) || k + used != b) break;
            b = k;
        }
        put(out, t + a, b - a);
        return;
    }
    case N_PREPEND:
        if (n) put(out, s->str, s->str_len);
        put(out, t, n);
        return;
    case N_REPLACE:
        replace(s, t, n, out);
        return;
    }
}

l4a_status l4a_hf_normalize(const l4a_vocab *v, const uint8_t *s, size_t len, bool first,
                            uint8_t **out, size_t *out_len) {
    buf a = {0}, b = {0};
    put(&a, s, len);
    for (int32_t i = 0; i < v->n_norm && !a.oom; i++) {
        b.n = 0;
        norm_step(&v->norm[i], a.p, a.n, &b);
        buf t = a; a = b; b = t;
    }
    if (v->meta_char && !a.oom) {  /* Metaspace pre-tokenizer: ' ' -> replacement, prefix */
        uint8_t m[4];
        size_t ml = l4a_utf8_encode(v->meta_char, m);
        b.n = 0;
        bool starts = a.n >= ml && memcmp(a.p, m, ml) == 0;
        if (!starts && (v->meta_prepend == 2 || (v->meta_prepend == 1 && first))) put(&b, m, ml);
        for (size_t i = 0; i < a.n; i++) {
            if (a.p[i] == ' ') put(&b, m, ml);
            else put(&b, a.p + i, 1);
        }
        buf t = a; a = b; b = t;
    }
    l4a_free(b.p);
    if (a.oom) { l4a_free(a.p); return nomem(); }
    put(&a, "", 1);  /* never a NULL buffer */
    if (a.oom) { l4a_free(a.p); return nomem(); }
    *out = a.p;
    *out_len = a.n - 1;
    return L4A_OK;
}

/* ---------------------------------------------------------------- running: the decoder */

/* A list of token strings: each one a range of one buffer. */
typedef struct toklist {
    buf text;
    size_t *off;  /* n + 1 offsets */
    size_t n, cap;
    bool oom;
} toklist;

static void tl_end(toklist *l) {  /* close the string written since the last end */
    if (l->oom || l->text.oom) { l->oom = true; return; }
    if (l->n + 2 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        size_t *p = l4a_realloc(l->off, cap * sizeof *p);
        if (!p) { l->oom = true; return; }
        if (!l->off) p[0] = 0;
        l->off = p;
        l->cap = cap;
    }
    l->off[++l->n] = l->text.n;
}

static void tl_init(toklist *l) {
    memset(l, 0, sizeof *l);
    l->off = l4a_malloc(64 * sizeof *l->off);
    if (!l->off) { l->oom = true; return; }
    l->off[0] = 0;
    l->cap = 64;
}

static void tl_free(toklist *l) {
    l4a_free(l->text.p);
    l4a_free(l->off);
}

static int byte_token(const uint8_t *s, size_t n) {
    if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
    int h = hexval(s[3]), l = hexval(s[4]);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
}

static void dec_step(const l4a_hf_step *s, const toklist *in, toklist *out) {
    const uint8_t *t = in->text.p;
    if (s->kind == D_FUSE) {
        put(&out->text, t, in->off[in->n]);
        tl_end(out);
        return;
    }
    if (s->kind == D_BYTEFALLBACK) {
        buf run = {0};
        for (size_t i = 0; i <= in->n; i++) {
            int b = i < in->n ? byte_token(t + in->off[i], in->off[i + 1] - in->off[i]) : -1;
            if (b >= 0) { uint8_t c = (uint8_t)b; put(&run, &c, 1); continue; }
            if (run.n) {
                if (l4a_utf8_valid(run.p, run.n)) { put(&out->text, run.p, run.n); tl_end(out); }
                else for (size_t k = 0; k < run.n; k++) { put_cp(&out->text, L4A_CP_REPLACEMENT); tl_end(out); }
                run.n = 0;
            }
            if (i < in->n) { put(&out->text, t + in->off[i], in->off[i + 1] - in->off[i]); tl_end(out); }
        }
        if (run.oom) out->oom = true;
        l4a_free(run.p);
        return;
    }
    for (size_t i = 0; i < in->n; i++) {
        const uint8_t *p = t + in->off[i];
        size_t n = in->off[i + 1] - in->off[i], used;
        switch (s->kind) {
        case D_BYTELEVEL: {
            size_t start = out->text.n;
            bool all = true;
            for (size_t k = 0; k < n && all; k += used) {
                int b = l4a_gpt2_char_byte(l4a_utf8_decode(p + k, n - k, &used));
                if (b < 0) all = false;
                else { uint8_t c = (uint8_t)b; put(&out->text, &c, 1); }
            }
            if (!all) { out->text.n = out->text.oom ? out->text.n : start; put(&out->text, p, n); }
            break;
        }
        case D_METASPACE:
            for (size_t k = 0; k < n; k += used) {
                uint32_t cp = l4a_utf8_decode(p + k, n - k, &used);
                if (cp != s->rep) put(&out->text, p + k, used);
                else if (!(i == 0 && s->scheme != 0)) put(&out->text, " ", 1);
            }
            break;
        case D_STRIP: {
            size_t a = 0, b = n;
            for (uint32_t k = 0; k < s->start && a < b; k++) {
                if (l4a_utf8_decode(p + a, b - a, &used) != s->rep) break;
                a += used;
            }
            for (uint32_t k = 0; k < s->stop && b > a; k++) {
                size_t q = b - 1;
                while (q > a && (p[q] & 0xC0) == 0x80) q--;
                if (l4a_utf8_decode(p + q, b - q, &used) != s->rep || q + used != b) break;
                b = q;
            }
            put(&out->text, p + a, b - a);
            break;
        }
        case D_REPLACE:
            replace(s, p, n, &out->text);
            break;
        }
        tl_end(out);
    }
}

l4a_status l4a_hf_decode(const l4a_vocab *v, const l4a_token *tokens, int32_t n, bool special,
                         char **out, size_t *out_len) {
    toklist a, b;
    tl_init(&a);
    tl_init(&b);
    for (int32_t i = 0; i < n && !a.oom; i++) {
        l4a_token t = tokens[i];
        if (!special && (v->attr[t] & (L4A_TOK_CONTROL | L4A_TOK_UNKNOWN))) continue;
        size_t len;
        const char *s = l4a_vocab_text(v, t, &len);
        put(&a.text, s, len);
        tl_end(&a);
    }
    for (int32_t k = 0; k < v->n_dec && !a.oom && !b.oom; k++) {
        b.text.n = 0;
        b.n = 0;
        dec_step(&v->dec[k], &a, &b);
        toklist t = a; a = b; b = t;
    }
    tl_free(&b);
    if (!a.oom) put(&a.text, "", 1);
    if (a.oom || a.text.oom) { tl_free(&a); return nomem(); }
    *out = (char *)a.text.p;
    *out_len = a.text.n - 1;
    l4a_free(a.off);
    return L4A_OK;
}
