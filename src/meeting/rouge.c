/*
 * rouge.c - ROUGE-1, ROUGE-2 and ROUGE-L (Lin 2004) precision, recall and F1 between a
 * candidate and one reference, with the French-aware tokenisation of include/llm4all.h:
 * lower-cased (utf8proc), tokens are maximal runs of letters (any Unicode letter, accented
 * included), combining marks and decimal digits; every other character separates, so
 * elisions split ("l'école" -> "l", "école"; "qu’il" -> "qu", "il").
 * ROUGE-N counts clipped n-gram matches; ROUGE-L is the longest common subsequence of the two
 * whole token sequences (as rouge-score's "rougeL", not the summary-level "rougeLsum").
 * Checked against hand-computed cases and against rouge-score (tests/test_rouge.c).
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

typedef struct toks {
    char *buf;              /* tokens, each NUL-terminated */
    size_t *off;            /* start of each token in buf */
    int32_t *id;            /* interned id */
    size_t n;
} toks;

static bool tok_char(utf8proc_int32_t c) {
    utf8proc_category_t k = utf8proc_category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ND;
}

static l4a_status tokenize(const char *text, toks *t) {
    memset(t, 0, sizeof *t);
    size_t n = strlen(text);
    /* lower-casing may grow a character to at most 4 bytes; + NUL per token */
    t->buf = l4a_malloc(4 * n + 2);
    t->off = l4a_malloc((n / 1 + 1) * sizeof *t->off);
    if (!t->buf || !t->off) return l4a_fail(L4A_ERR_NOMEM, "rouge: out of memory");
    size_t o = 0, i = 0;
    bool in = false;
    while (i < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                              (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0) { k = 1; c = -1; }
        i += (size_t)k;
        if (c >= 0 && tok_char(c)) {
            if (!in) { t->off[t->n++] = o; in = true; }
            o += (size_t)utf8proc_encode_char(utf8proc_tolower(c), (utf8proc_uint8_t *)t->buf + o);
        } else if (in) {
            t->buf[o++] = 0;
            in = false;
        }
    }
    if (in) t->buf[o++] = 0;
    t->id = l4a_malloc((t->n + 1) * sizeof *t->id);
    if (!t->id) return l4a_fail(L4A_ERR_NOMEM, "rouge: out of memory");
    return L4A_OK;
}

static void toks_free(toks *t) {
    l4a_free(t->buf);
    l4a_free(t->off);
    l4a_free(t->id);
}

typedef struct ref { const char *s; int32_t *id; } ref;
static int cmp_ref(const void *a, const void *b) {
    return strcmp(((const ref *)a)->s, ((const ref *)b)->s);
}
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Same id for equal tokens across both texts. */
static l4a_status intern(toks *a, toks *b) {
    size_t n = a->n + b->n;
    ref *r = l4a_malloc((n + 1) * sizeof *r);
    if (!r) return l4a_fail(L4A_ERR_NOMEM, "rouge: out of memory");
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) r[k++] = (ref){a->buf + a->off[i], &a->id[i]};
    for (size_t i = 0; i < b->n; i++) r[k++] = (ref){b->buf + b->off[i], &b->id[i]};
    qsort(r, n, sizeof *r, cmp_ref);
    int32_t id = -1;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(r[i].s, r[i - 1].s)) id++;
        *r[i].id = id;
    }
    l4a_free(r);
    return L4A_OK;
}

/* Sorted n-gram keys (n = 1 or 2) of t into *out, count in *cnt. */
static l4a_status grams(const toks *t, int n, uint64_t **out, size_t *cnt) {
    size_t m = t->n >= (size_t)n ? t->n - (size_t)n + 1 : 0;
    uint64_t *g = l4a_malloc((m + 1) * sizeof *g);
    if (!g) return l4a_fail(L4A_ERR_NOMEM, "rouge: out of memory");
    for (size_t i = 0; i < m; i++)
        g[i] = n == 1 ? (uint64_t)(uint32_t)t->id[i]
                      : ((uint64_t)(uint32_t)t->id[i] << 32) | (uint32_t)t->id[i + 1];
    qsort(g, m, sizeof *g, cmp_u64);
    *out = g;
    *cnt = m;
    return L4A_OK;
}

static void prf(double hit, double nc, double nr, double *p, double *r, double *f) {
    *p = nc > 0 ? hit / nc : 0;
    *r = nr > 0 ? hit / nr : 0;
    *f = *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0;
}

static l4a_status rouge_n(const toks *c, const toks *r, int n, double *p, double *rc, double *f) {
    uint64_t *gc = NULL, *gr = NULL;
    size_t nc = 0, nr = 0;
    l4a_status st = grams(c, n, &gc, &nc);
    if (st == L4A_OK) st = grams(r, n, &gr, &nr);
    if (st == L4A_OK) {
        size_t i = 0, j = 0, hit = 0;        /* merge of sorted multisets: sum of min counts */
        while (i < nc && j < nr) {
            if (gc[i] < gr[j]) i++;
            else if (gc[i] > gr[j]) j++;
            else { hit++; i++; j++; }
        }
        prf((double)hit, (double)nc, (double)nr, p, rc, f);
    }
    l4a_free(gc);
    l4a_free(gr);
    return st;
}

static l4a_status rouge_l(const toks *c, const toks *r, double *p, double *rc, double *f) {
    uint32_t *prev = l4a_calloc(r->n + 1, sizeof *prev), *cur = l4a_calloc(r->n + 1, sizeof *cur);
    if (!prev || !cur) {
        l4a_free(prev);
        l4a_free(cur);
        return l4a_fail(L4A_ERR_NOMEM, "rouge: out of memory");
    }
    for (size_t i = 1; i <= c->n; i++) {
        for (size_t j = 1; j <= r->n; j++)
            cur[j] = c->id[i - 1] == r->id[j - 1] ? prev[j - 1] + 1
                     : prev[j] > cur[j - 1]       ? prev[j]
                                                  : cur[j - 1];
        uint32_t *t = prev;
        prev = cur;
        cur = t;
    }
    prf((double)prev[r->n], (double)c->n, (double)r->n, p, rc, f);
    l4a_free(prev);
    l4a_free(cur);
    return L4A_OK;
}

L4A_API l4a_status l4a_rouge(const char *cand, const char *refr, l4a_rouge_scores *out) {
    if (!cand || !refr || !out) return l4a_fail(L4A_ERR_INVALID_ARG, "rouge: NULL argument");
    memset(out, 0, sizeof *out);
    toks c, r;
    l4a_status st = tokenize(cand, &c);
    l4a_status st2 = tokenize(refr, &r);
    if (st == L4A_OK) st = st2;
    if (st == L4A_OK) st = intern(&c, &r);
    if (st == L4A_OK) st = rouge_n(&c, &r, 1, &out->r1_p, &out->r1_r, &out->r1_f);
    if (st == L4A_OK) st = rouge_n(&c, &r, 2, &out->r2_p, &out->r2_r, &out->r2_f);
    if (st == L4A_OK) st = rouge_l(&c, &r, &out->rl_p, &out->rl_r, &out->rl_f);
    toks_free(&c);
    toks_free(&r);
    return st;
}

L4A_API l4a_status l4a_rouge_tokens(const char *text, char **out) {
    if (!text || !out) return l4a_fail(L4A_ERR_INVALID_ARG, "rouge: NULL argument");
    *out = NULL;
    toks t;
    l4a_status st = tokenize(text, &t);
    if (st == L4A_OK) {
        size_t need = 1;
        for (size_t i = 0; i < t.n; i++) need += strlen(t.buf + t.off[i]) + 1;
        char *s = l4a_malloc(need);
        if (!s) st = l4a_fail(L4A_ERR_NOMEM, "rouge: out of memory");
        size_t o = 0;
        for (size_t i = 0; s && i < t.n; i++) {
            size_t k = strlen(t.buf + t.off[i]);
            if (i) s[o++] = ' ';
            memcpy(s + o, t.buf + t.off[i], k);
            o += k;
        }
        if (s) { s[o] = 0; *out = s; }
    }
    toks_free(&t);
    return st;
}
