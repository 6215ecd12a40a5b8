/*
 * json_schema_check.c - the passes after a schema's nodes are built (l4a_jschema_finish):
 *   1. resolve $ref / allOf aliases, refusing alias cycles ({"$ref": "#"} at the root);
 *   2. first-byte classes of every node (which anyOf alternatives a byte may start);
 *   3. anyOf directly inside anyOf: bounded (the matcher forks recursively on them), and
 *      never circular;
 *   4. mindepth, the frames needed to complete a value: a least fixpoint over the graph,
 *      infinite for a recursion with no way out (a required property or minItems that always
 *      recurses): such schemas admit no finite document and are refused;
 *   5. oneOf: accepted only when no value can match two alternatives, i.e. they accept
 *      different types or are enums with no value in common. What an alternative accepts is
 *      judged by validation, not by what we generate: {"properties": ...} without "type"
 *      accepts a string too, so it overlaps {"type": "string"}.
 *
 * Not the keyword handling (json_schema.c).
 */
#include "sampling/json_schema.h"
#include "core/core.h"

#include <string.h>

#define INF 0xFFFFu
#define MAX_ANYOF_NEST 15

static const char *name_of(const l4a_jschema *s, const l4a_jnode *n) { return s->blob + n->name; }

/* Follow aliases from node i; -1 on a cycle. */
static int64_t resolve(const l4a_jschema *s, uint32_t i) {
    for (uint32_t steps = 0; s->nodes[i].kind == L4A_JK_REF; steps++) {
        if (steps > s->n_nodes) return -1;
        i = s->nodes[i].a;
    }
    return i;
}

static l4a_status resolve_all(l4a_jschema *s) {
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        if (s->nodes[i].kind == L4A_JK_REF && resolve(s, i) < 0)
            return l4a_fail(L4A_ERR_FORMAT,
                            "json schema: $ref '%s' refers to itself with no schema in between",
                            name_of(s, &s->nodes[i]));
    }
    s->root = (uint32_t)resolve(s, s->root);
    for (uint32_t i = 0; i < s->n_props; i++) s->props[i].node = (uint32_t)resolve(s, s->props[i].node);
    for (uint32_t i = 0; i < s->n_idx; i++) s->idx[i] = (uint32_t)resolve(s, s->idx[i]);
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        l4a_jnode *n = &s->nodes[i];
        if ((n->kind == L4A_JK_OBJ || n->kind == L4A_JK_ARR) && n->extra >= 0)
            n->extra = (int32_t)resolve(s, (uint32_t)n->extra);
    }
    return L4A_OK;
}

static uint8_t lit_class(uint8_t c) {
    switch (c) {
    case '{': return L4A_JC_OBJ;
    case '[': return L4A_JC_ARR;
    case '"': return L4A_JC_STR;
    case 't': return L4A_JC_TRUE;
    case 'f': return L4A_JC_FALSE;
    case 'n': return L4A_JC_NULL;
    default: return L4A_JC_NUM;
    }
}

static void classes(l4a_jschema *s) {
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        l4a_jnode *n = &s->nodes[i];
        switch (n->kind) {
        case L4A_JK_ANY: n->cls = L4A_JC_ALL; break;
        case L4A_JK_OBJ: n->cls = L4A_JC_OBJ; break;
        case L4A_JK_ARR: n->cls = L4A_JC_ARR; break;
        case L4A_JK_STR: n->cls = L4A_JC_STR; break;
        case L4A_JK_NUM: case L4A_JK_INT: n->cls = L4A_JC_NUM; break;
        case L4A_JK_LIT:
            n->cls = 0;
            for (uint32_t k = 0; k < n->b; k++)
                n->cls |= lit_class((uint8_t)s->blob[s->lits[n->a + k].off]);
            break;
        default: n->cls = 0;
        }
    }
    /* what validation accepts: set by the compiler for typed nodes, else the same */
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        l4a_jnode *n = &s->nodes[i];
        if (n->kind == L4A_JK_ANY) n->vcls = L4A_JC_ALL;
        else if (n->kind == L4A_JK_LIT || !n->vcls) n->vcls = n->cls;
    }
    /* anyOf: the union of its alternatives', to a fixpoint (anyOf may contain anyOf) */
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t i = 0; i < s->n_nodes; i++) {
            l4a_jnode *n = &s->nodes[i];
            if (n->kind != L4A_JK_ANYOF) continue;
            uint8_t c = n->cls, v = n->vcls;
            for (uint32_t k = 0; k < n->b; k++) {
                c |= s->nodes[s->idx[n->a + k]].cls;
                v |= s->nodes[s->idx[n->a + k]].vcls;
            }
            if (c != n->cls || v != n->vcls) n->cls = c, n->vcls = v, changed = true;
        }
    }
}

static l4a_status anyof_nesting(const l4a_jschema *s) {
    uint8_t *lvl = l4a_calloc(s->n_nodes, 1);
    if (!lvl) return l4a_fail(L4A_ERR_NOMEM, "json schema: out of memory");
    l4a_status st = L4A_OK;
    for (int round = 0; round <= MAX_ANYOF_NEST + 1 && !st; round++) {
        for (uint32_t i = 0; i < s->n_nodes && !st; i++) {
            const l4a_jnode *n = &s->nodes[i];
            if (n->kind != L4A_JK_ANYOF) continue;
            uint8_t m = 0;
            for (uint32_t k = 0; k < n->b; k++)
                if (lvl[s->idx[n->a + k]] > m) m = lvl[s->idx[n->a + k]];
            lvl[i] = (uint8_t)(m + 1);
            if (lvl[i] > MAX_ANYOF_NEST)
                st = l4a_fail(L4A_ERR_UNSUPPORTED,
                              "json schema: at %s: anyOf/oneOf directly inside anyOf/oneOf more "
                              "than %d deep, or an alternative that refers back to it",
                              name_of(s, n), MAX_ANYOF_NEST);
        }
    }
    l4a_free(lvl);
    return st;
}

static uint32_t node_mindepth(const l4a_jschema *s, const l4a_jnode *n) {
    uint32_t m = 0;
    switch (n->kind) {
    case L4A_JK_OBJ:
        for (uint32_t k = 0; k < n->b; k++)
            if (s->props[n->a + k].required && s->nodes[s->props[n->a + k].node].mindepth > m)
                m = s->nodes[s->props[n->a + k].node].mindepth;
        return m >= INF - 1 ? INF : m + 1;
    case L4A_JK_ARR:
        for (uint32_t k = 0; k < n->min_n && k <= n->b; k++) {
            int64_t item = k < n->b ? (int64_t)s->idx[n->a + k] : n->extra;
            if (item < 0) return INF;
            if (s->nodes[item].mindepth > m) m = s->nodes[item].mindepth;
        }
        return m >= INF - 1 ? INF : m + 1;
    case L4A_JK_ANYOF:
        m = INF;
        for (uint32_t k = 0; k < n->b; k++)
            if (s->nodes[s->idx[n->a + k]].mindepth < m) m = s->nodes[s->idx[n->a + k]].mindepth;
        return m;
    case L4A_JK_REF:
        return INF;
    default:
        return 1;
    }
}

static l4a_status mindepths(l4a_jschema *s) {
    bool changed = true;
    for (uint32_t round = 0; changed && round <= s->n_nodes + 1; round++) {
        changed = false;
        for (uint32_t i = 0; i < s->n_nodes; i++) {
            uint32_t d = node_mindepth(s, &s->nodes[i]);
            if (d < s->nodes[i].mindepth) {
                s->nodes[i].mindepth = (uint16_t)d;
                changed = true;
            }
        }
    }
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        const l4a_jnode *n = &s->nodes[i];
        if (n->kind == L4A_JK_REF && s->nodes[resolve(s, i)].mindepth == INF)
            return l4a_fail(L4A_ERR_UNSUPPORTED,
                            "json schema: recursive $ref '%s' admits no finite document (every "
                            "instance requires another one: a required property or minItems)",
                            name_of(s, n));
    }
    for (uint32_t i = 0; i < s->n_nodes; i++)
        if (s->nodes[i].kind != L4A_JK_REF && s->nodes[i].mindepth == INF)
            return l4a_fail(L4A_ERR_UNSUPPORTED, "json schema: a part of the schema admits no "
                                                 "finite document (recursion with no way out)");
    if (s->nodes[s->root].mindepth > L4A_JM_MAX_DEPTH)
        return l4a_fail(L4A_ERR_UNSUPPORTED,
                        "json schema: documents need values nested %u deep; at most %d are "
                        "supported", s->nodes[s->root].mindepth, L4A_JM_MAX_DEPTH);
    return L4A_OK;
}

static bool lits_disjoint(const l4a_jschema *s, const l4a_jnode *x, const l4a_jnode *y) {
    for (uint32_t i = 0; i < x->b; i++)
        for (uint32_t k = 0; k < y->b; k++) {
            const l4a_jlit *a = &s->lits[x->a + i], *b = &s->lits[y->a + k];
            if (a->len == b->len && memcmp(s->blob + a->off, s->blob + b->off, a->len) == 0)
                return false;
        }
    return true;
}

static l4a_status one_of(const l4a_jschema *s) {
    static const char *const what[] = {"object", "array", "string", "number", "true", "false",
                                       "null"};
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        const l4a_jnode *n = &s->nodes[i];
        if (n->kind != L4A_JK_ANYOF || !n->one_of) continue;
        for (uint32_t x = 0; x < n->b; x++)
            for (uint32_t y = x + 1; y < n->b; y++) {
                const l4a_jnode *a = &s->nodes[s->idx[n->a + x]], *b = &s->nodes[s->idx[n->a + y]];
                uint8_t both = a->vcls & b->vcls;
                if (!both) continue;
                if (a->kind == L4A_JK_LIT && b->kind == L4A_JK_LIT && lits_disjoint(s, a, b))
                    continue;
                int bit = 0;
                while (!(both & (1 << bit))) bit++;
                return l4a_fail(L4A_ERR_UNSUPPORTED,
                                "json schema: at %s: oneOf alternatives %u and %u may both match "
                                "a %s; oneOf is supported only when the alternatives differ in "
                                "type or are enums with no common value (use anyOf)",
                                name_of(s, n), x, y, what[bit]);
            }
    }
    return L4A_OK;
}

l4a_status l4a_jschema_finish(l4a_jschema *s) {
    l4a_status st;
    if ((st = resolve_all(s))) return st;
    classes(s);
    if ((st = anyof_nesting(s)) || (st = mindepths(s)) || (st = one_of(s))) return st;
    return L4A_OK;
}
