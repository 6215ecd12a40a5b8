/*
 * json_match.c - the incremental JSON matcher: a pushdown automaton over bytes that accepts
 * exactly the prefixes of the documents a compiled schema allows (json_schema.h says which).
 *
 * A thread is one stack of frames, one frame per value in progress (the root is fr[0]); the
 * top frame's phase says what may come next. anyOf is the only nondeterminism: when a value
 * of an anyOf node starts, the thread forks into one thread per alternative that can start
 * with that byte, and threads that fail a later byte die. Equal threads are merged, and at
 * most L4A_JM_MAX_THREADS live at once (later alternatives are dropped past that: the output
 * stays valid, only fewer documents are reachable).
 *
 * Termination and dead ends: whitespace runs are bounded (L4A_JM_MAX_WS per gap); a value is
 * only started when its schema's minimum nesting (mindepth, computed by the compiler) fits in
 * the frames left, so a required property or item can always be finished; a key is only
 * started when a property can still be chosen; every scalar checks that it can be completed
 * (json_match_num.c, json_match_str.c).
 *
 * Not the schema compiler (json_schema*.c) nor the vocabulary mask (json_mask.c).
 */
#include "sampling/json_schema.h"
#include "core/core.h"

#include <stddef.h>
#include <string.h>

/* l4a_jframe.phase */
enum {
    JP_VALUE = 0,   /* a value of fr.node is expected (whitespace may come first) */
    JP_STR,         /* inside a string value */
    JP_NUM,         /* inside a number */
    JP_LIT,         /* inside a literal (enum, const, true, false, null) */
    JP_OBJ_OPEN,    /* after '{' */
    JP_OBJ_KEY,     /* inside a key */
    JP_OBJ_COLON,   /* after a key */
    JP_OBJ_AFTER,   /* after a member's value (the value frame was popped) */
    JP_OBJ_NEXT,    /* after ',' in an object */
    JP_ARR_OPEN,    /* after '[' */
    JP_ARR_AFTER,   /* after an item */
};

enum { R_FAIL = 0, R_OK, R_FORK };

#define FREE_KEY 0xFFFFu
#define MAX_FORK_NEST 16    /* anyOf directly inside anyOf; the compiler enforces it */

static bool is_ws(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Can a value of `node` held in frame index `at` be completed within the frames left? */
static bool fits_at(const l4a_jschema *s, uint32_t at, uint32_t node) {
    return at + s->nodes[node].mindepth <= L4A_JM_MAX_DEPTH;
}

static void push(l4a_jthread *t, uint32_t node) {
    L4A_ASSERT(t->depth < L4A_JM_MAX_DEPTH);
    t->fr[t->depth++] = (l4a_jframe){.node = (uint16_t)node, .phase = JP_VALUE};
}

/* The top value is complete. */
static void pop(l4a_jthread *t) {
    l4a_jframe *f = &t->fr[--t->depth];
    if (f->phase >= JP_OBJ_OPEN && f->phase <= JP_OBJ_NEXT) t->nkeys = f->kstart;
    memset(&t->sc, 0, sizeof t->sc);
}

static int gap(l4a_jthread *t) { return ++t->ws <= L4A_JM_MAX_WS ? R_OK : R_FAIL; }

static uint8_t byte_class(uint8_t c) {
    switch (c) {
    case '{': return L4A_JC_OBJ;
    case '[': return L4A_JC_ARR;
    case '"': return L4A_JC_STR;
    case 't': return L4A_JC_TRUE;
    case 'f': return L4A_JC_FALSE;
    case 'n': return L4A_JC_NULL;
    default: return (c == '-' || (c >= '0' && c <= '9')) ? L4A_JC_NUM : 0;
    }
}

/* The built-in node for "any value" starting with byte c, or -1. */
static int32_t any_node(const l4a_jschema *s, uint8_t c) {
    switch (byte_class(c)) {
    case L4A_JC_OBJ: return (int32_t)s->any_obj;
    case L4A_JC_ARR: return (int32_t)s->any_arr;
    case L4A_JC_STR: return (int32_t)s->any_str;
    case L4A_JC_NUM: return (int32_t)s->any_num;
    case L4A_JC_TRUE: case L4A_JC_FALSE: return (int32_t)s->any_bool;
    case L4A_JC_NULL: return (int32_t)s->any_null;
    default: return -1;
    }
}

/* ---------------------------------------------------------------- objects
 * Properties come in the order of `properties`; a = how many listed properties are behind
 * us. The next key may be any listed property from a up to the first required one still to
 * come (the ones in between are optional and may be skipped), or a free key when the object
 * takes additional properties and no listed required one is left. */

static uint32_t req_next(const l4a_jschema *s, const l4a_jnode *n, uint32_t a) {
    return s->reqnext[n->reqn + a];
}
static bool req_done(const l4a_jschema *s, const l4a_jnode *n, uint32_t a) {
    return req_next(s, n, a) == n->b;
}
/* One past the last listed property that may come next. */
static uint32_t listed_end(const l4a_jschema *s, const l4a_jnode *n, uint32_t a) {
    uint32_t r = req_next(s, n, a);
    return r < n->b ? r + 1 : n->b;
}

static bool free_allowed(const l4a_jschema *s, const l4a_jthread *t, const l4a_jnode *n,
                         const l4a_jframe *f) {
    return n->extra >= 0 && req_done(s, n, f->a) && t->nkeys < L4A_JM_MAX_KEYS &&
           fits_at(s, t->depth, (uint32_t)n->extra);
}

static int32_t first_listed(const l4a_jschema *s, const l4a_jthread *t, const l4a_jnode *n,
                            uint32_t a) {
    uint32_t end = listed_end(s, n, a);
    for (uint32_t j = a; j < end; j++)
        if (fits_at(s, t->depth, s->props[n->a + j].node)) return (int32_t)j;
    return -1;
}

static bool key_possible(const l4a_jschema *s, const l4a_jthread *t, const l4a_jnode *n,
                         const l4a_jframe *f) {
    return first_listed(s, t, n, f->a) >= 0 || free_allowed(s, t, n, f);
}

static bool key_start(const l4a_jschema *s, l4a_jthread *t, const l4a_jnode *n,
                      const l4a_jframe *f) {
    memset(&t->sc, 0, sizeof t->sc);
    t->sc.cand = first_listed(s, t, n, f->a);
    t->sc.free_ok = free_allowed(s, t, n, f);
    t->sc.hash = L4A_JHASH_INIT;
    return t->sc.cand >= 0 || t->sc.free_ok;
}

/* A listed property j in [from, end) whose encoded name starts with the pos bytes of `pre`,
 * then has byte `want` (want >= 0) or ends there (want < 0), and whose value fits. */
static int32_t listed_find(const l4a_jschema *s, const l4a_jthread *t, const l4a_jnode *n,
                           int32_t from, uint32_t end, const char *pre, uint32_t pos, int want) {
    const l4a_jprop *P = &s->props[n->a];
    for (uint32_t j = (uint32_t)from; j < end; j++) {
        const char *name = s->blob + P[j].enc;
        bool ok = want >= 0 ? P[j].enc_len > pos && (uint8_t)name[pos] == want
                            : P[j].enc_len == pos;
        if (ok && memcmp(name, pre, pos) == 0 && fits_at(s, t->depth, P[j].node))
            return (int32_t)j;
    }
    return -1;
}

/* One byte of a key. A key is read two ways at once: as a prefix of a listed name (cand)
 * and as a free key (free_ok, checked by the string rules, hashed). */
static int key_byte(const l4a_jschema *s, l4a_jthread *t, const l4a_jnode *n, l4a_jframe *f,
                    uint8_t c) {
    l4a_jscalar *sc = &t->sc;
    const uint32_t end = listed_end(s, n, f->a);
    const int32_t before = sc->cand;
    const char *pre = before >= 0 ? s->blob + s->props[n->a + before].enc : NULL;
    if (before >= 0) sc->cand = listed_find(s, t, n, before, end, pre, sc->pos, c);

    /* A quote no listed name takes here, outside an escape of the free reading: the end. */
    if (c == '"' && sc->cand < 0 && !(sc->free_ok && sc->sub != L4A_JS_NORMAL)) {
        int32_t j = before >= 0 ? listed_find(s, t, n, before, end, pre, sc->pos, -1) : -1;
        if (j >= 0) {
            f->b = (uint16_t)j;
            f->a = (uint16_t)(j + 1);
        } else if (sc->free_ok && sc->sub == L4A_JS_NORMAL) {
            /* not a listed name (its value would answer to that property's schema) and
             * not a key this object already has */
            for (uint32_t i = 0; i < n->b; i++)
                if (s->props[n->a + i].hash == sc->hash) return R_FAIL;
            for (uint32_t i = f->kstart; i < t->nkeys; i++)
                if (t->keys[i] == sc->hash) return R_FAIL;
            t->keys[t->nkeys++] = sc->hash;
            f->b = FREE_KEY;
            f->a = (uint16_t)n->b;
        } else {
            return R_FAIL;
        }
        memset(sc, 0, sizeof *sc);
        f->phase = JP_OBJ_COLON;
        return R_OK;
    }
    if (sc->free_ok) {
        if (l4a_jstr_byte(sc, 0, UINT32_MAX, true, c) == L4A_JR_OK)
            sc->hash = l4a_jhash_byte(sc->hash, c);
        else
            sc->free_ok = 0;
    }
    if (sc->cand < 0 && !sc->free_ok) return R_FAIL;
    sc->pos++;
    return R_OK;
}

/* ---------------------------------------------------------------- one byte, one thread */

static int32_t item_node(const l4a_jschema *s, const l4a_jnode *n, uint32_t i) {
    return i < n->b ? (int32_t)s->idx[n->a + i] : n->extra;
}

/* Give byte c to thread t. R_FORK: the top frame is an anyOf value about to start. */
static int thread_byte(const l4a_jschema *s, l4a_jthread *t, uint8_t c) {
    const bool ws = is_ws(c);
    if (!ws) t->ws = 0;
    for (;;) {
        if (t->depth == 0) return R_FAIL;   /* nothing may follow the document */
        l4a_jframe *f = &t->fr[t->depth - 1];
        const l4a_jnode *n = &s->nodes[f->node];
        int r;
        switch (f->phase) {
        case JP_VALUE:
            if (ws) return gap(t);
            switch (n->kind) {
            case L4A_JK_ANYOF:
                return R_FORK;
            case L4A_JK_ANY: {
                int32_t sub = any_node(s, c);
                if (sub < 0) return R_FAIL;
                f->node = (uint16_t)sub;
                continue;
            }
            case L4A_JK_OBJ:
                if (c != '{') return R_FAIL;
                f->phase = JP_OBJ_OPEN;
                f->kstart = t->nkeys;
                return R_OK;
            case L4A_JK_ARR:
                if (c != '[') return R_FAIL;
                f->phase = JP_ARR_OPEN;
                return R_OK;
            case L4A_JK_STR:
                if (c != '"') return R_FAIL;
                f->phase = JP_STR;
                memset(&t->sc, 0, sizeof t->sc);
                return R_OK;
            case L4A_JK_NUM:
            case L4A_JK_INT:
                f->phase = JP_NUM;
                memset(&t->sc, 0, sizeof t->sc);
                continue;
            case L4A_JK_LIT:
                f->phase = JP_LIT;
                memset(&t->sc, 0, sizeof t->sc);
                continue;
            default:
                return R_FAIL;
            }
        case JP_STR:
            r = l4a_jstr_byte(&t->sc, n->min_n, n->max_n, false, c);
            if (r == L4A_JR_DONE) pop(t);
            return r == L4A_JR_FAIL ? R_FAIL : R_OK;
        case JP_NUM:
            r = l4a_jnum_byte(n, &t->sc, c);
            if (r == L4A_JR_END) {
                pop(t);
                continue;       /* the byte belongs to the enclosing value */
            }
            return r == L4A_JR_OK ? R_OK : R_FAIL;
        case JP_LIT:
            r = l4a_jlit_byte(s, n, &t->sc, c);
            if (r == L4A_JR_END) {
                pop(t);
                continue;
            }
            if (r == L4A_JR_DONE) pop(t);
            return r == L4A_JR_FAIL ? R_FAIL : R_OK;
        case JP_OBJ_OPEN:
        case JP_OBJ_NEXT:
            if (ws) return gap(t);
            if (c == '}' && f->phase == JP_OBJ_OPEN && req_done(s, n, f->a)) {
                pop(t);
                return R_OK;
            }
            if (c == '"' && key_start(s, t, n, f)) {
                f->phase = JP_OBJ_KEY;
                return R_OK;
            }
            return R_FAIL;
        case JP_OBJ_KEY:
            return key_byte(s, t, n, f, c);
        case JP_OBJ_COLON:
            if (ws) return gap(t);
            if (c != ':') return R_FAIL;
            f->phase = JP_OBJ_AFTER;
            push(t, f->b == FREE_KEY ? (uint32_t)n->extra : s->props[n->a + f->b].node);
            return R_OK;
        case JP_OBJ_AFTER:
            if (ws) return gap(t);
            if (c == ',' && key_possible(s, t, n, f)) {
                f->phase = JP_OBJ_NEXT;
                return R_OK;
            }
            if (c == '}' && req_done(s, n, f->a)) {
                pop(t);
                return R_OK;
            }
            return R_FAIL;
        case JP_ARR_OPEN:
        case JP_ARR_AFTER: {
            if (ws) return gap(t);
            if (c == ']') {
                if (f->a < n->min_n) return R_FAIL;
                pop(t);
                return R_OK;
            }
            /* after '[' an item starts with this very byte; after an item, ',' starts one */
            bool open = f->phase == JP_ARR_OPEN;
            if (!open && c != ',') return R_FAIL;
            int32_t item = item_node(s, n, f->a);
            if (item < 0 || f->a >= n->max_n || !fits_at(s, t->depth, (uint32_t)item))
                return R_FAIL;
            f->a++;
            f->phase = JP_ARR_AFTER;
            push(t, (uint32_t)item);
            if (open) continue;
            return R_OK;
        }
        default:
            return R_FAIL;
        }
    }
}

/* ---------------------------------------------------------------- threads */

/* Copy the live part of a thread. Fixed-size blocks (a few frames or keys past the live ones
 * are copied too) compile to plain vector moves: this runs for every trie node the mask
 * visits, and a variable-length memcpy costs more than the copy itself at these sizes. */
static void copy_thread(l4a_jthread *dst, const l4a_jthread *src) {
    enum { FB = 4, KB = 8 };    /* 32 bytes of frames, of keys */
    _Static_assert(L4A_JM_MAX_DEPTH % FB == 0 && L4A_JM_MAX_KEYS % KB == 0, "block copies");
    memcpy(dst, src, offsetof(l4a_jthread, keys));
    for (uint32_t i = 0; i < src->nkeys; i += KB)
        memcpy(dst->keys + i, src->keys + i, KB * sizeof src->keys[0]);
    for (uint32_t i = 0; i < src->depth; i += FB)
        memcpy(dst->fr + i, src->fr + i, FB * sizeof src->fr[0]);
}

static bool thread_eq(const l4a_jthread *a, const l4a_jthread *b) {
    return memcmp(a, b, offsetof(l4a_jthread, keys)) == 0 &&
           memcmp(a->keys, b->keys, a->nkeys * sizeof a->keys[0]) == 0 &&
           memcmp(a->fr, b->fr, a->depth * sizeof a->fr[0]) == 0;
}

/* Run byte c on the thread set up in dst->th[dst->n]; keep it (and its forks) if alive. */
static void run(const l4a_jschema *s, l4a_jmatch *dst, uint8_t c, int nest) {
    l4a_jthread *t = &dst->th[dst->n];
    int r = thread_byte(s, t, c);
    if (r == R_FAIL) return;
    if (r == R_OK) {
        for (uint32_t i = 0; i < dst->n; i++)
            if (thread_eq(&dst->th[i], t)) return;
        dst->n++;
        return;
    }
    /* Fork: one thread per alternative that may start with c and fits where it stands. */
    L4A_ASSERT(nest < MAX_FORK_NEST);
    l4a_jthread base;
    copy_thread(&base, t);
    const uint32_t at = base.depth - 1u;
    const l4a_jnode *n = &s->nodes[base.fr[at].node];
    const uint8_t cls = byte_class(c);
    for (uint32_t i = 0; i < n->b && dst->n < L4A_JM_MAX_THREADS; i++) {
        uint32_t alt = s->idx[n->a + i];
        if (!(s->nodes[alt].cls & cls) || !fits_at(s, at, alt)) continue;
        copy_thread(&dst->th[dst->n], &base);
        dst->th[dst->n].fr[at].node = (uint16_t)alt;
        run(s, dst, c, nest + 1);
    }
}

bool l4a_jmatch_step(const l4a_jmatch *src, uint8_t byte, l4a_jmatch *dst) {
    dst->schema = src->schema;
    dst->n = 0;
    for (uint32_t i = 0; i < src->n && dst->n < L4A_JM_MAX_THREADS; i++) {
        copy_thread(&dst->th[dst->n], &src->th[i]);
        run(src->schema, dst, byte, 0);
    }
    return dst->n > 0;
}

void l4a_jmatch_copy(l4a_jmatch *dst, const l4a_jmatch *src) {
    dst->schema = src->schema;
    dst->n = src->n;
    for (uint32_t i = 0; i < src->n; i++) copy_thread(&dst->th[i], &src->th[i]);
}

void l4a_jmatch_init(l4a_jmatch *st, const l4a_jschema *s) {
    memset(st, 0, sizeof *st);
    st->schema = s;
    st->n = 1;
    push(&st->th[0], s->root);
}

bool l4a_jmatch_feed(l4a_jmatch *st, const char *bytes, size_t n) {
    l4a_jmatch buf[2];
    const l4a_jmatch *cur = st;
    for (size_t i = 0; i < n; i++) {
        l4a_jmatch *next = &buf[i & 1];
        if (!l4a_jmatch_step(cur, (uint8_t)bytes[i], next)) return false;
        cur = next;
    }
    if (cur != st) l4a_jmatch_copy(st, cur);
    return st->n > 0;
}

bool l4a_jmatch_accepting(const l4a_jmatch *st) {
    const l4a_jschema *s = st->schema;
    for (uint32_t i = 0; i < st->n; i++) {
        const l4a_jthread *t = &st->th[i];
        if (t->depth == 0) return true;
        if (t->depth != 1) continue;
        /* a number (or a literal number) at the root may end where the text ends */
        const l4a_jframe *f = &t->fr[0];
        const l4a_jnode *n = &s->nodes[f->node];
        if (f->phase == JP_NUM && l4a_jnum_complete(n, &t->sc)) return true;
        if (f->phase == JP_LIT && l4a_jlit_complete(s, n, &t->sc)) return true;
    }
    return false;
}

bool l4a_jmatch_can_continue(const l4a_jmatch *st) {
    l4a_jmatch tmp;
    for (int c = 0; c < 256; c++)
        if (l4a_jmatch_step(st, (uint8_t)c, &tmp)) return true;
    return false;
}

void l4a_jmatch_split_plain(const l4a_jmatch *st, l4a_jmatch *plain, l4a_jmatch *rest,
                            uint32_t *budget) {
    plain->schema = rest->schema = st->schema;
    plain->n = rest->n = 0;
    *budget = 0;
    for (uint32_t i = 0; i < st->n; i++) {
        const l4a_jthread *t = &st->th[i];
        uint32_t room = 0;
        bool in_str = false;
        if (t->depth > 0 && t->sc.sub == L4A_JS_NORMAL) {
            const l4a_jframe *f = &t->fr[t->depth - 1];
            if (f->phase == JP_STR) {
                in_str = true;
                room = st->schema->nodes[f->node].max_n - t->sc.len;
            } else if (f->phase == JP_OBJ_KEY && t->sc.free_ok) {
                in_str = true;
                room = UINT32_MAX;
            }
        }
        if (in_str && room > *budget) *budget = room;
        l4a_jmatch *dst = in_str ? plain : rest;
        copy_thread(&dst->th[dst->n++], t);
    }
}
