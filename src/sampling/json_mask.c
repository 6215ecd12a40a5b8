/*
 * json_mask.c - token masking for constrained JSON: which tokens of a vocabulary can continue
 * the document in a matcher state (json_schema.h).
 *
 * The pieces are stored in a byte trie laid out in preorder: node i's subtree is the nodes
 * [i, end_i), and since the tokens are sorted by their bytes, the tokens under node i are
 * ids[tok_lo(i) .. tok_lo(end_i)). Masking walks the trie once: at each node it feeds the
 * node's byte to its parent's state (one saved state per depth); when the byte fails, the
 * whole subtree's tokens are masked in one run and the walk jumps to end_i. Tokens sharing a
 * prefix share its work, and dead prefixes cost one step.
 *
 * Inside a string most tokens are allowed and the walk would visit nearly every node, so the
 * vocabulary is split once: "plain" tokens (printable ASCII other than '"' and '\', and whole
 * UTF-8 characters) are allowed wholesale while the state is between characters of a string,
 * up to the string's remaining maxLength, and only the other tokens go through a second,
 * smaller trie.
 *
 * Not the matcher (json_match*.c).
 */
#include "sampling/json_schema.h"
#include "core/core.h"

#include <math.h>
#include <string.h>

#define LEVELS 48   /* states saved per depth; deeper nodes are refed from the last one */

typedef struct trie_node {
    uint32_t end;       /* one past the last node of this subtree */
    uint32_t tok_lo;    /* first token of the subtree, in sorted order */
    uint16_t depth;     /* bytes from the root */
    uint8_t byte;
    uint8_t pad;
} trie_node;

typedef struct trie {
    trie_node *nodes;   /* nodes[0] is the root; nodes[n_nodes] a sentinel (tok_lo = n_ids) */
    uint32_t n_nodes;
    int32_t *ids;       /* token ids sorted by their pieces */
    uint32_t n_ids;
    uint16_t max_depth;
} trie;

struct l4a_jmask {
    int32_t n_vocab;
    char *bytes;        /* all pieces, back to back */
    size_t *off;        /* (n_vocab) */
    uint32_t *len;      /* (n_vocab) */
    trie all;           /* every token with a non-empty piece */
    trie special;       /* the tokens that are not plain */
    int32_t *empty;     /* control tokens (empty pieces), never allowed */
    uint32_t n_empty;
    int32_t *plain;     /* plain tokens, by increasing code point count */
    uint32_t *plain_cp;
    uint32_t n_plain;
};

/* ---------------------------------------------------------------- building */

static int cmp_pieces(const l4a_jmask *m, int32_t a, int32_t b) {
    uint32_t la = m->len[a], lb = m->len[b];
    int c = memcmp(m->bytes + m->off[a], m->bytes + m->off[b], la < lb ? la : lb);
    if (c) return c;
    return la < lb ? -1 : la > lb;
}

/* Bottom-up merge sort of ids by piece (stable). */
static bool sort_ids(const l4a_jmask *m, int32_t *ids, uint32_t n) {
    int32_t *tmp = l4a_malloc((size_t)n * sizeof *tmp + 1);
    if (!tmp) return false;
    int32_t *src = ids, *dst = tmp;
    for (uint32_t w = 1; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = cmp_pieces(m, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        int32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != ids) memcpy(ids, src, (size_t)n * sizeof *ids);
    l4a_free(tmp);
    return true;
}

/* Build a trie over the tokens in ids (taken over by the trie). */
static l4a_status trie_build(const l4a_jmask *m, int32_t *ids, uint32_t n, trie *t) {
    memset(t, 0, sizeof *t);
    t->ids = ids;
    t->n_ids = n;
    if (!sort_ids(m, ids, n)) return l4a_fail(L4A_ERR_NOMEM, "json mask: out of memory");
    uint64_t cap = 2;
    uint32_t maxlen = 0;
    for (uint32_t k = 0; k < n; k++) {
        cap += m->len[ids[k]];
        if (m->len[ids[k]] > maxlen) maxlen = m->len[ids[k]];
    }
    if (cap >= UINT32_MAX) return l4a_fail(L4A_ERR_INVALID_ARG, "json mask: vocabulary too large");
    t->nodes = l4a_malloc(cap * sizeof *t->nodes);
    uint32_t *path = l4a_malloc(((size_t)maxlen + 1) * sizeof *path);
    if (!t->nodes || !path) {
        l4a_free(path);
        return l4a_fail(L4A_ERR_NOMEM, "json mask: out of memory");
    }
    t->nodes[0] = (trie_node){0};
    path[0] = 0;
    uint32_t nn = 1, cur = 0;   /* cur: depth of the path now open */
    for (uint32_t k = 0; k < n; k++) {
        const uint8_t *p = (const uint8_t *)m->bytes + m->off[ids[k]];
        uint32_t len = m->len[ids[k]], l = 0;
        if (k > 0) {
            const uint8_t *q = (const uint8_t *)m->bytes + m->off[ids[k - 1]];
            uint32_t lq = m->len[ids[k - 1]];
            while (l < len && l < lq && p[l] == q[l]) l++;
        }
        for (uint32_t d = cur; d > l; d--) t->nodes[path[d]].end = nn;  /* close */
        for (uint32_t d = l + 1; d <= len; d++) {
            t->nodes[nn] = (trie_node){.tok_lo = k, .depth = (uint16_t)d, .byte = p[d - 1]};
            path[d] = nn++;
        }
        cur = len;
    }
    for (uint32_t d = cur; d > 0; d--) t->nodes[path[d]].end = nn;
    t->nodes[0].end = nn;
    t->nodes[nn] = (trie_node){.end = nn, .tok_lo = n};
    t->n_nodes = nn;
    t->max_depth = (uint16_t)maxlen;
    l4a_free(path);
    trie_node *shrunk = l4a_realloc(t->nodes, ((size_t)nn + 1) * sizeof *t->nodes);
    if (shrunk) t->nodes = shrunk;
    return L4A_OK;
}

/* Plain: every byte is printable ASCII other than '"' and '\' (DEL included), or part of a
 * whole well-formed UTF-8 character. *cp: its code points. */
static bool is_plain(const uint8_t *p, uint32_t n, uint32_t *cp) {
    uint32_t i = 0, count = 0;
    while (i < n) {
        uint8_t c = p[i];
        int k = 0;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            if (c < 0x20 || c == '"' || c == '\\') return false;
            k = 1;
        } else if (c >= 0xC2 && c <= 0xDF) k = 2;
        else if (c == 0xE0) { k = 3; lo = 0xA0; }
        else if (c == 0xED) { k = 3; hi = 0x9F; }
        else if (c >= 0xE1 && c <= 0xEF) k = 3;
        else if (c == 0xF0) { k = 4; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) k = 4;
        else if (c == 0xF4) { k = 4; hi = 0x8F; }
        else return false;
        if (i + (uint32_t)k > n) return false;
        for (int j = 1; j < k; j++) {
            if (p[i + j] < lo || p[i + j] > hi) return false;
            lo = 0x80;
            hi = 0xBF;
        }
        i += (uint32_t)k;
        count++;
    }
    *cp = count;
    return n > 0;
}

l4a_status l4a_jmask_new(const char *const *pieces, const uint32_t *lens, int32_t n_vocab,
                         l4a_jmask **out) {
    *out = NULL;
    if (n_vocab <= 0 || !pieces || !lens)
        return l4a_fail(L4A_ERR_INVALID_ARG, "json mask: empty vocabulary");
    size_t total = 0;
    for (int32_t i = 0; i < n_vocab; i++) {
        if (lens[i] && !pieces[i])
            return l4a_fail(L4A_ERR_INVALID_ARG, "json mask: token %d has no bytes", i);
        if (lens[i] > 0xFFFF)
            return l4a_fail(L4A_ERR_INVALID_ARG, "json mask: token %d is %u bytes long (max 65535)",
                            i, lens[i]);
        total += lens[i];
    }
    l4a_jmask *m = l4a_calloc(1, sizeof *m);
    if (!m) return l4a_fail(L4A_ERR_NOMEM, "json mask: out of memory");
    m->n_vocab = n_vocab;
    m->bytes = l4a_malloc(total + 1);
    m->off = l4a_malloc((size_t)n_vocab * sizeof *m->off);
    m->len = l4a_malloc((size_t)n_vocab * sizeof *m->len);
    int32_t *all = l4a_malloc((size_t)n_vocab * sizeof *all);
    int32_t *spec = l4a_malloc((size_t)n_vocab * sizeof *spec);
    m->empty = l4a_malloc((size_t)n_vocab * sizeof *m->empty);
    m->plain = l4a_malloc((size_t)n_vocab * sizeof *m->plain);
    m->plain_cp = l4a_malloc((size_t)n_vocab * sizeof *m->plain_cp);
    l4a_status st = L4A_OK;
    if (!m->bytes || !m->off || !m->len || !all || !spec || !m->empty || !m->plain ||
        !m->plain_cp) {
        l4a_free(all);
        l4a_free(spec);
        st = l4a_fail(L4A_ERR_NOMEM, "json mask: out of memory");
        goto done;
    }
    uint32_t n_all = 0, n_spec = 0;
    size_t at = 0;
    for (int32_t i = 0; i < n_vocab; i++) {
        m->off[i] = at;
        m->len[i] = lens[i];
        if (lens[i]) memcpy(m->bytes + at, pieces[i], lens[i]);
        at += lens[i];
        uint32_t cp;
        if (!lens[i]) {
            m->empty[m->n_empty++] = i;
            continue;
        }
        all[n_all++] = i;
        if (is_plain((const uint8_t *)pieces[i], lens[i], &cp)) {
            m->plain[m->n_plain] = i;
            m->plain_cp[m->n_plain++] = cp;
        } else {
            spec[n_spec++] = i;
        }
    }
    /* plain tokens by code point count (insertion into buckets: counts are small) */
    {
        uint32_t maxcp = 0;
        for (uint32_t k = 0; k < m->n_plain; k++)
            if (m->plain_cp[k] > maxcp) maxcp = m->plain_cp[k];
        uint32_t *start = l4a_calloc((size_t)maxcp + 2, sizeof *start);
        int32_t *ids = l4a_malloc((size_t)m->n_plain * sizeof *ids + 1);
        if (!start || !ids) {
            l4a_free(start);
            l4a_free(ids);
            l4a_free(all);
            l4a_free(spec);
            st = l4a_fail(L4A_ERR_NOMEM, "json mask: out of memory");
            goto done;
        }
        for (uint32_t k = 0; k < m->n_plain; k++) start[m->plain_cp[k] + 1]++;
        for (uint32_t c = 0; c <= maxcp; c++) start[c + 1] += start[c];
        for (uint32_t k = 0; k < m->n_plain; k++) ids[start[m->plain_cp[k]]++] = m->plain[k];
        memcpy(m->plain, ids, (size_t)m->n_plain * sizeof *ids);
        for (uint32_t k = 0; k < m->n_plain; k++) {
            uint32_t cp = 0;
            is_plain((const uint8_t *)m->bytes + m->off[ids[k]], m->len[ids[k]], &cp);
            m->plain_cp[k] = cp;
        }
        l4a_free(start);
        l4a_free(ids);
    }
    st = trie_build(m, all, n_all, &m->all);
    if (st) {
        l4a_free(spec);
        goto done;
    }
    st = trie_build(m, spec, n_spec, &m->special);
done:
    if (st) {
        l4a_jmask_free(m);
        return st;
    }
    *out = m;
    return L4A_OK;
}

static void trie_free(trie *t) {
    l4a_free(t->nodes);
    l4a_free(t->ids);
}

void l4a_jmask_free(l4a_jmask *m) {
    if (!m) return;
    trie_free(&m->all);
    trie_free(&m->special);
    l4a_free(m->bytes);
    l4a_free(m->off);
    l4a_free(m->len);
    l4a_free(m->empty);
    l4a_free(m->plain);
    l4a_free(m->plain_cp);
    l4a_free(m);
}

/* ---------------------------------------------------------------- masking */

/* Feed n bytes from src; the result is in one of the two buffers, returned (NULL: failed). */
static const l4a_jmatch *feed_from(const l4a_jmatch *src, const uint8_t *p, uint32_t n,
                                   l4a_jmatch tmp[2]) {
    const l4a_jmatch *cur = src;
    for (uint32_t i = 0; i < n; i++) {
        if (!l4a_jmatch_step(cur, p[i], &tmp[i & 1])) return NULL;
        cur = &tmp[i & 1];
    }
    return cur;
}

/* Walk trie t from state st. mark == NULL: set to -INFINITY the logits of the tokens whose
 * bytes fail; else: set the bits in mark of the tokens whose bytes pass. lv: levels+1
 * states, path: max_depth+1 bytes, deep: 3 states for nodes deeper than `levels`. */
static void walk(const trie *t, const l4a_jmatch *st, float *logits, uint8_t *mark,
                 l4a_jmatch *lv, uint32_t levels, uint8_t *path, l4a_jmatch *deep) {
    const trie_node *nodes = t->nodes;
    l4a_jmatch_copy(&lv[0], st);
    for (uint32_t i = 1; i < t->n_nodes;) {
        const trie_node *nd = &nodes[i];
        const uint32_t d = nd->depth;
        bool ok;
        path[d] = nd->byte;
        if (d <= levels) {
            ok = l4a_jmatch_step(&lv[d - 1], nd->byte, &lv[d]);
        } else {
            /* rare: tokens longer than `levels` bytes; refeed from the deepest saved state */
            const l4a_jmatch *r = feed_from(&lv[levels], path + levels + 1, d - levels - 1, deep);
            ok = r && l4a_jmatch_step(r, nd->byte, &deep[2]);
        }
        if (ok) {
            /* the tokens ending here come first in the subtree's range */
            if (mark)
                for (uint32_t k = nd->tok_lo; k < nodes[i + 1].tok_lo; k++)
                    mark[t->ids[k] >> 3] |= (uint8_t)(1u << (t->ids[k] & 7));
            i++;
            continue;
        }
        if (!mark)
            for (uint32_t k = nd->tok_lo; k < nodes[nd->end].tok_lo; k++)
                logits[t->ids[k]] = -INFINITY;
        i = nd->end;
    }
}

/* First index in m->plain of a token with more code points than budget. */
static uint32_t plain_cut(const l4a_jmask *m, uint32_t budget) {
    uint32_t lo = 0, hi = m->n_plain;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->plain_cp[mid] <= budget) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/*
 * Mask every token that cannot continue st (ends of generation aside). Three cases, by where
 * the threads of st stand:
 *  - all inside strings (nearly every step of a free text value): the plain tokens that fit
 *    the code points left are allowed without looking at them; only the other tokens are
 *    walked, in the small trie;
 *  - none inside a string: one walk over the whole trie;
 *  - both (anyOf of a string and something else): each group's allowed tokens are marked in
 *    a bitmap, the same two ways, and the unmarked ones masked.
 */
static void mask_tokens(const l4a_jmask *m, const l4a_jmatch *st, float *logits) {
    const uint32_t levels = m->all.max_depth < LEVELS ? m->all.max_depth : LEVELS;
    const size_t states = 2 + levels + 1 + 3, mark_bytes = ((size_t)m->n_vocab + 7) / 8;
    l4a_jmatch *buf = l4a_malloc(states * sizeof *buf + (size_t)m->all.max_depth + 1 + mark_bytes);
    if (!buf) {
        l4a_jmask_apply_ref(m, st, logits, -1);
        return;
    }
    l4a_jmatch *plain = &buf[0], *rest = &buf[1], *lv = &buf[2], *deep = lv + levels + 1;
    uint8_t *path = (uint8_t *)(buf + states), *mark = path + m->all.max_depth + 1;
    uint32_t budget;
    l4a_jmatch_split_plain(st, plain, rest, &budget);

    if (rest->n == 0 && plain->n > 0) {
        walk(&m->special, plain, logits, NULL, lv, levels, path, deep);
        for (uint32_t k = plain_cut(m, budget); k < m->n_plain; k++) logits[m->plain[k]] = -INFINITY;
    } else if (plain->n == 0) {
        walk(&m->all, rest, logits, NULL, lv, levels, path, deep);
    } else {
        memset(mark, 0, mark_bytes);
        walk(&m->all, rest, logits, mark, lv, levels, path, deep);
        walk(&m->special, plain, logits, mark, lv, levels, path, deep);
        for (uint32_t k = 0, cut = plain_cut(m, budget); k < cut; k++)
            mark[m->plain[k] >> 3] |= (uint8_t)(1u << (m->plain[k] & 7));
        for (int32_t i = 0; i < m->n_vocab; i++)
            if (!(mark[i >> 3] >> (i & 7) & 1)) logits[i] = -INFINITY;
    }
    l4a_free(buf);
    for (uint32_t k = 0; k < m->n_empty; k++) logits[m->empty[k]] = -INFINITY;
}

void l4a_jmask_apply_ends(const l4a_jmask *m, const l4a_jmatch *st, float *logits,
                          const l4a_token *ends, int32_t n_ends) {
    enum { MAX_ENDS = 16 };
    float end_logit[MAX_ENDS];
    if (n_ends > MAX_ENDS) n_ends = MAX_ENDS;
    for (int32_t i = 0; i < n_ends; i++)
        end_logit[i] = ends[i] >= 0 && ends[i] < m->n_vocab ? logits[ends[i]] : 0.0f;
    mask_tokens(m, st, logits);
    const bool accepting = l4a_jmatch_accepting(st);
    for (int32_t i = 0; i < n_ends; i++)
        if (ends[i] >= 0 && ends[i] < m->n_vocab)
            logits[ends[i]] = accepting ? end_logit[i] : -INFINITY;
}

void l4a_jmask_apply(const l4a_jmask *m, const l4a_jmatch *st, float *logits,
                     l4a_token eos_token) {
    l4a_jmask_apply_ends(m, st, logits, &eos_token, 1);
}

void l4a_jmask_apply_ref(const l4a_jmask *m, const l4a_jmatch *st, float *logits,
                         l4a_token eos_token) {
    const bool has_eos = eos_token >= 0 && eos_token < m->n_vocab;
    const float eos_logit = has_eos ? logits[eos_token] : 0.0f;
    l4a_jmatch tmp[2];
    for (int32_t i = 0; i < m->n_vocab; i++) {
        if (!m->len[i] || !feed_from(st, (const uint8_t *)m->bytes + m->off[i], m->len[i], tmp))
            logits[i] = -INFINITY;
    }
    if (has_eos) logits[eos_token] = l4a_jmatch_accepting(st) ? eos_logit : -INFINITY;
}

bool l4a_jmask_feed_token(const l4a_jmask *m, l4a_jmatch *st, l4a_token t) {
    if (t < 0 || t >= m->n_vocab || !m->len[t]) return false;
    return l4a_jmatch_feed(st, m->bytes + m->off[t], m->len[t]);
}
