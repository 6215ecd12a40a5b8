/*
 * json_schema.c - compile a JSON Schema (read with cJSON) into the node graph that the
 * matcher walks (json_schema.h). The supported subset and its generation rules are in
 * docs/json-schema.md; this file refuses, with a message naming the keyword and the place
 * (a JSON pointer), everything outside it, because a keyword we could not enforce while
 * generating would let invalid output through.
 *
 * Compilation is one recursive walk; every schema object becomes one node, memoised by its
 * address in the cJSON tree so that $ref to a schema compiled already (or being compiled: a
 * recursive $ref) reuses its node. $ref, single allOf and recursion go through REF alias
 * nodes, resolved away by l4a_jschema_finish (json_schema_check.c), which also computes what
 * the matcher needs for recursion (minimum nesting) and anyOf (first-byte classes).
 *
 * Follows JSON Schema 2020-12 Core and Validation, with the older spellings (definitions,
 * tuple "items" + additionalItems, boolean exclusiveMinimum of draft-04).
 */
#include "sampling/json_schema.h"
#include "core/core.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct memo_ent { const cJSON *json; uint32_t node; } memo_ent;

typedef struct cc {
    l4a_jschema *s;
    const cJSON *root;
    memo_ent *memo;
    uint32_t n_memo, cap_memo;
    char path[256];     /* JSON pointer of the schema being compiled, for messages */
    int nest;
} cc;

enum { T_NULL = 1, T_BOOL = 2, T_OBJ = 4, T_ARR = 8, T_STR = 16, T_NUM = 32, T_INT = 64 };

/* Limits that keep compilation (a schema may come from a request) and masking cheap. */
enum {
    MAX_TEXT = 4 << 20,     /* bytes of schema text */
    MAX_PROPS = 4096,       /* properties of one object */
    MAX_LITS = 4096,        /* values of one enum */
    MAX_ALTS = 256,         /* alternatives of one anyOf / oneOf */
};

/* Keywords outside the lists below (title, description, $schema, $id, $comment, examples,
 * default, format, $defs, definitions, deprecated, readOnly, ..., and unknown ones) only
 * annotate: they are ignored, as JSON Schema says of unknown keywords. */
/* Assertions we cannot enforce while generating: refused. */
static const char *const REFUSED[] = {
    "pattern", "patternProperties", "propertyNames", "minProperties", "maxProperties",
    "dependencies", "dependentRequired", "dependentSchemas", "if", "then", "else", "not",
    "multipleOf", "contains", "minContains", "maxContains", "unevaluatedProperties",
    "unevaluatedItems", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor",
    "contentSchema", NULL};
/* Assertions on the value itself (not combinators): may not sit beside $ref, anyOf, enum. */
static const char *const CONSTRAINTS[] = {
    "type", "properties", "required", "additionalProperties", "items", "prefixItems",
    "additionalItems", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", NULL};

static bool in_list(const char *const *list, const char *k) {
    for (; *list; list++)
        if (strcmp(*list, k) == 0) return true;
    return false;
}

static l4a_status fail_at(const cc *c, l4a_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static l4a_status fail_at(const cc *c, l4a_status st, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return l4a_fail(st, "json schema: at %s: %s", c->path, msg);
}

/* Append "/seg" (JSON-pointer escaped) to the path; returns the old length for path_pop. */
static size_t path_push(cc *c, const char *seg) {
    size_t old = strlen(c->path), n = old;
    if (n + 1 < sizeof c->path) c->path[n++] = '/';
    for (const char *p = seg; *p && n + 3 < sizeof c->path; p++) {
        if (*p == '~' || *p == '/') {
            c->path[n++] = '~';
            c->path[n++] = *p == '~' ? '0' : '1';
        } else {
            c->path[n++] = *p;
        }
    }
    c->path[n] = 0;
    return old;
}
static size_t path_push_index(cc *c, const char *seg, int i) {
    char num[16];
    size_t old = path_push(c, seg);
    snprintf(num, sizeof num, "%d", i);
    path_push(c, num);
    return old;
}
static void path_pop(cc *c, size_t old) { c->path[old] = 0; }

static bool grow(void **p, uint32_t *cap, uint64_t need, size_t elem) {
    if (need <= *cap) return true;
    if (need > UINT32_MAX / 2) return false;
    uint64_t nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    void *q = l4a_realloc(*p, nc * elem);
    if (!q) return false;
    *p = q;
    *cap = (uint32_t)nc;
    return true;
}
#define GROW(arr, n_, cap_, add)                                                               \
    grow((void **)&(arr), &(cap_), (uint64_t)(n_) + (add), sizeof *(arr))

static l4a_status nomem(void) { return l4a_fail(L4A_ERR_NOMEM, "json schema: out of memory"); }

static l4a_status new_node(l4a_jschema *s, uint8_t kind, uint32_t *out) {
    if (s->n_nodes >= 0xFFFF)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "json schema: more than 65535 schema nodes");
    if (!GROW(s->nodes, s->n_nodes, s->cap_nodes, 1)) return nomem();
    l4a_jnode *n = &s->nodes[s->n_nodes];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->extra = -1;
    n->max_n = UINT32_MAX;
    n->mindepth = 0xFFFF;
    *out = s->n_nodes++;
    return L4A_OK;
}

/* Reserve n entries of idx[] (item and alternative lists). */
static l4a_status reserve_idx(l4a_jschema *s, uint32_t n, uint32_t *first) {
    if (!GROW(s->idx, s->n_idx, s->cap_idx, n)) return nomem();
    *first = s->n_idx;
    if (n) memset(s->idx + s->n_idx, 0, n * sizeof *s->idx);
    s->n_idx += n;
    return L4A_OK;
}

static l4a_status add_literal(l4a_jschema *s, uint32_t off, uint32_t len) {
    if (!GROW(s->lits, s->n_lits, s->cap_lits, 1)) return nomem();
    s->lits[s->n_lits++] = (l4a_jlit){off, len};
    return L4A_OK;
}

static l4a_status compile(cc *c, const cJSON *j, uint32_t *out);

/* ---------------------------------------------------------------- keyword values */

/* A non-negative integer keyword into *v (left alone when absent). */
static l4a_status get_count(cc *c, const cJSON *j, const char *kw, uint32_t *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, kw);
    if (!x) return L4A_OK;
    double d = cJSON_IsNumber(x) ? x->valuedouble : -1;
    if (d < 0 || d != floor(d))
        return fail_at(c, L4A_ERR_FORMAT, "'%s' must be a non-negative integer", kw);
    *v = d >= 4294967294.0 ? 4294967294u : (uint32_t)d;
    return L4A_OK;
}

static l4a_status get_number(cc *c, const cJSON *j, const char *kw, bool *on, double *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, kw);
    *on = false;
    if (!x) return L4A_OK;
    if (!cJSON_IsNumber(x)) return fail_at(c, L4A_ERR_FORMAT, "'%s' must be a number", kw);
    *on = true;
    *v = x->valuedouble;
    return L4A_OK;
}

static l4a_status parse_types(cc *c, const cJSON *t, unsigned *types) {
    static const struct { const char *name; unsigned bit; } names[] = {
        {"null", T_NULL}, {"boolean", T_BOOL}, {"object", T_OBJ}, {"array", T_ARR},
        {"string", T_STR}, {"number", T_NUM}, {"integer", T_INT}};
    *types = 0;
    if (!t) return L4A_OK;
    const cJSON *e = cJSON_IsArray(t) ? t->child : t;
    if (cJSON_IsArray(t) && !e) return fail_at(c, L4A_ERR_FORMAT, "'type' is an empty list");
    for (; e; e = cJSON_IsArray(t) ? e->next : NULL) {
        if (!cJSON_IsString(e))
            return fail_at(c, L4A_ERR_FORMAT, "'type' must be a string or a list of strings");
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(e->valuestring, names[i].name) == 0) bit = names[i].bit;
        if (!bit) return fail_at(c, L4A_ERR_FORMAT, "unknown type '%s'", e->valuestring);
        *types |= bit;
    }
    if (*types & T_NUM) *types &= ~(unsigned)T_INT;     /* every integer is a number */
    return L4A_OK;
}

static uint8_t type_class(unsigned type) {
    switch (type) {
    case T_NULL: return L4A_JC_NULL;
    case T_BOOL: return L4A_JC_TRUE | L4A_JC_FALSE;
    case T_OBJ: return L4A_JC_OBJ;
    case T_ARR: return L4A_JC_ARR;
    case T_STR: return L4A_JC_STR;
    default: return L4A_JC_NUM;
    }
}

/* ---------------------------------------------------------------- literals */

static bool lit_has_type(const cJSON *v, unsigned types) {
    if (!types) return true;
    if (cJSON_IsNull(v)) return types & T_NULL;
    if (cJSON_IsBool(v)) return types & T_BOOL;
    if (cJSON_IsString(v)) return types & T_STR;
    if (cJSON_IsArray(v)) return types & T_ARR;
    if (cJSON_IsObject(v)) return types & T_OBJ;
    if (cJSON_IsNumber(v))
        return (types & T_NUM) || ((types & T_INT) && v->valuedouble == floor(v->valuedouble));
    return false;
}

/* enum (a list) or const (one value) -> a LIT node, keeping the values of the given types. */
static l4a_status compile_lit(cc *c, const cJSON *vals, bool is_enum, unsigned types,
                              uint32_t node) {
    l4a_jschema *s = c->s;
    const uint32_t first = s->n_lits;
    const cJSON *v = is_enum ? vals->child : vals;
    if (is_enum && !cJSON_IsArray(vals)) return fail_at(c, L4A_ERR_FORMAT, "'enum' must be a list");
    if (is_enum && cJSON_GetArraySize(vals) > MAX_LITS)
        return fail_at(c, L4A_ERR_UNSUPPORTED, "enum of %d values (at most %d)",
                       cJSON_GetArraySize(vals), MAX_LITS);
    for (; v; v = is_enum ? v->next : NULL) {
        if (!lit_has_type(v, types)) continue;
        uint32_t off, len;
        l4a_status st = l4a_jenc_value(s, v, &off, &len);
        if (st) {
            l4a_error_prefix("json schema: at %s: %s", c->path, is_enum ? "enum" : "const");
            return st;
        }
        bool dup = false;
        for (uint32_t i = first; i < s->n_lits && !dup; i++)
            dup = s->lits[i].len == len && memcmp(s->blob + s->lits[i].off, s->blob + off, len) == 0;
        if (!dup && (st = add_literal(s, off, len))) return st;
    }
    if (s->n_lits == first)
        return fail_at(c, L4A_ERR_UNSUPPORTED, "no value of '%s' %s",
                       is_enum ? "enum" : "const", types ? "has the type asked" : "(empty)");
    l4a_jnode *n = &s->nodes[node];
    n->kind = L4A_JK_LIT;
    n->a = first;
    n->b = s->n_lits - first;
    return L4A_OK;
}

/* ---------------------------------------------------------------- objects */

static l4a_status compile_object(cc *c, const cJSON *j, uint32_t node) {
    l4a_jschema *s = c->s;
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(j, "properties");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(j, "required");
    const cJSON *addl = cJSON_GetObjectItemCaseSensitive(j, "additionalProperties");
    if (props && !cJSON_IsObject(props))
        return fail_at(c, L4A_ERR_FORMAT, "'properties' must be an object");
    if (req && !cJSON_IsArray(req))
        return fail_at(c, L4A_ERR_FORMAT, "'required' must be a list of names");
    if (addl && !cJSON_IsBool(addl) && !cJSON_IsObject(addl))
        return fail_at(c, L4A_ERR_FORMAT, "'additionalProperties' must be a schema");

    /* Properties whose schema is false can never appear: they are left out. */
    uint32_t n = 0;
    if (props && cJSON_GetArraySize(props) > MAX_PROPS)
        return fail_at(c, L4A_ERR_UNSUPPORTED, "%d properties (at most %d)",
                       cJSON_GetArraySize(props), MAX_PROPS);
    for (const cJSON *p = props ? props->child : NULL; p; p = p->next) {
        for (const cJSON *q = props->child; q != p; q = q->next)
            if (strcmp(q->string, p->string) == 0)
                return fail_at(c, L4A_ERR_FORMAT, "property '%s' is listed twice", p->string);
        if (!cJSON_IsFalse(p)) n++;
    }
    for (const cJSON *r = req ? req->child : NULL; r; r = r->next) {
        if (!cJSON_IsString(r))
            return fail_at(c, L4A_ERR_FORMAT, "'required' must be a list of names");
        const cJSON *p = props ? cJSON_GetObjectItemCaseSensitive(props, r->valuestring) : NULL;
        if (!p)
            return fail_at(c, L4A_ERR_UNSUPPORTED,
                           "required property '%s' is not in 'properties'", r->valuestring);
        if (cJSON_IsFalse(p))
            return fail_at(c, L4A_ERR_UNSUPPORTED,
                           "required property '%s' has the schema false", r->valuestring);
    }
    if (n > MAX_PROPS)
        return fail_at(c, L4A_ERR_UNSUPPORTED, "%u properties (at most %d)", n, MAX_PROPS);

    /* Reserve this object's property range and reqnext table before compiling the property
     * schemas (they add their own after ours). */
    if (!GROW(s->props, s->n_props, s->cap_props, n) ||
        !GROW(s->reqnext, s->n_reqnext, s->cap_reqnext, n + 1))
        return nomem();
    const uint32_t first = s->n_props, reqn = s->n_reqnext;
    s->n_props += n;
    s->n_reqnext += n + 1;
    if (n) memset(&s->props[first], 0, n * sizeof *s->props);

    uint32_t i = 0;
    for (const cJSON *p = props ? props->child : NULL; p; p = p->next) {
        if (cJSON_IsFalse(p)) continue;
        l4a_jprop pr = {0};
        for (const cJSON *r = req ? req->child : NULL; r; r = r->next)
            if (strcmp(r->valuestring, p->string) == 0) pr.required = 1;
        l4a_status st = l4a_jenc_name(s, p->string, &pr.enc, &pr.enc_len);
        if (st) {
            l4a_error_prefix("json schema: at %s: property name", c->path);
            return st;
        }
        pr.hash = L4A_JHASH_INIT;
        for (uint32_t k = 0; k < pr.enc_len; k++)
            pr.hash = l4a_jhash_byte(pr.hash, (uint8_t)s->blob[pr.enc + k]);
        size_t old = path_push(c, "properties");
        path_push(c, p->string);
        st = compile(c, p, &pr.node);
        path_pop(c, old);
        if (st) return st;
        s->props[first + i++] = pr;
    }
    /* reqnext[k]: the first required property at index >= k (n: none left) */
    s->reqnext[reqn + n] = n;
    for (uint32_t k = n; k-- > 0;)
        s->reqnext[reqn + k] = s->props[first + k].required ? k : s->reqnext[reqn + k + 1];

    int32_t extra = -1;
    if (!addl) {
        /* absent: only the listed properties are produced; with none listed, a free object */
        if (n == 0) extra = (int32_t)s->any_value;
    } else if (cJSON_IsTrue(addl)) {
        extra = (int32_t)s->any_value;
    } else if (cJSON_IsObject(addl)) {
        uint32_t x;
        size_t old = path_push(c, "additionalProperties");
        l4a_status st = compile(c, addl, &x);
        path_pop(c, old);
        if (st) return st;
        extra = (int32_t)x;
    }
    l4a_jnode *nd = &s->nodes[node];
    nd->kind = L4A_JK_OBJ;
    nd->a = first;
    nd->b = n;
    nd->reqn = reqn;
    nd->extra = extra;
    return L4A_OK;
}

/* ---------------------------------------------------------------- arrays */

/* Schema of the items after the tuple: a schema, true (any), false or absent (none). */
static l4a_status compile_rest(cc *c, const cJSON *x, const char *kw, int32_t *out) {
    *out = -1;
    if (!x || cJSON_IsFalse(x)) return L4A_OK;
    if (cJSON_IsTrue(x)) {
        *out = (int32_t)c->s->any_value;
        return L4A_OK;
    }
    if (!cJSON_IsObject(x)) return fail_at(c, L4A_ERR_FORMAT, "'%s' must be a schema", kw);
    uint32_t node;
    size_t old = path_push(c, kw);
    l4a_status st = compile(c, x, &node);
    path_pop(c, old);
    *out = (int32_t)node;
    return st;
}

static l4a_status compile_array(cc *c, const cJSON *j, uint32_t node) {
    l4a_jschema *s = c->s;
    const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(j, "prefixItems");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
    const cJSON *more = cJSON_GetObjectItemCaseSensitive(j, "additionalItems");
    const cJSON *uniq = cJSON_GetObjectItemCaseSensitive(j, "uniqueItems");
    const char *tuple_kw = "prefixItems";
    l4a_status st;
    if (!prefix && cJSON_IsArray(items)) {     /* draft-04..2019-09 tuple form */
        prefix = items;
        tuple_kw = "items";
    }
    if (prefix && !cJSON_IsArray(prefix))
        return fail_at(c, L4A_ERR_FORMAT, "'prefixItems' must be a list of schemas");

    uint32_t n = (uint32_t)(prefix ? cJSON_GetArraySize(prefix) : 0), first = 0;
    if (n > L4A_JM_MAX_ITEMS) return fail_at(c, L4A_ERR_UNSUPPORTED, "tuple of more than 65535 items");
    if ((st = reserve_idx(s, n, &first))) return st;
    uint32_t i = 0;
    for (const cJSON *e = prefix ? prefix->child : NULL; e; e = e->next, i++) {
        uint32_t x;
        size_t old = path_push_index(c, tuple_kw, (int)i);
        st = compile(c, e, &x);
        path_pop(c, old);
        if (st) return st;
        s->idx[first + i] = x;
    }
    int32_t rest;
    if (prefix && prefix == items) st = compile_rest(c, more, "additionalItems", &rest);
    else if (prefix) st = compile_rest(c, items, "items", &rest);
    else if (items) st = compile_rest(c, items, "items", &rest);
    else rest = (int32_t)s->any_value, st = L4A_OK;     /* no items keyword: any items */
    if (st) return st;

    uint32_t min = 0, max = UINT32_MAX;
    if ((st = get_count(c, j, "minItems", &min)) || (st = get_count(c, j, "maxItems", &max)))
        return st;
    if (max > L4A_JM_MAX_ITEMS) max = L4A_JM_MAX_ITEMS;
    if (rest < 0 && max > n) max = n;
    if (min > max)
        return fail_at(c, L4A_ERR_UNSUPPORTED, "minItems %u cannot be met: at most %u items %s",
                       min, max, max == n && rest < 0 ? "(no items past the tuple)" : "allowed");
    if (uniq && !cJSON_IsBool(uniq))
        return fail_at(c, L4A_ERR_FORMAT, "'uniqueItems' must be true or false");
    if (cJSON_IsTrue(uniq) && max > 1)
        return fail_at(c, L4A_ERR_UNSUPPORTED,
                       "keyword 'uniqueItems' is not supported (only with maxItems <= 1)");
    l4a_jnode *nd = &s->nodes[node];
    nd->kind = L4A_JK_ARR;
    nd->a = first;
    nd->b = n;
    nd->extra = rest;
    nd->min_n = min;
    nd->max_n = max;
    return L4A_OK;
}

/* ---------------------------------------------------------------- scalars */

static l4a_status compile_string(cc *c, const cJSON *j, uint32_t node) {
    uint32_t min = 0, max = UINT32_MAX;
    l4a_status st;
    if ((st = get_count(c, j, "minLength", &min)) || (st = get_count(c, j, "maxLength", &max)))
        return st;
    if (min > max)
        return fail_at(c, L4A_ERR_UNSUPPORTED, "minLength %u > maxLength %u: no string fits",
                       min, max);
    l4a_jnode *n = &c->s->nodes[node];
    n->kind = L4A_JK_STR;
    n->min_n = min;
    n->max_n = max;
    return L4A_OK;
}

/* One bound from minimum (inclusive) and exclusiveMinimum (a number since draft-06, a flag on
 * minimum in draft-04): the stricter wins. */
static l4a_status get_bound(cc *c, const cJSON *j, bool upper, uint8_t *on, uint8_t *excl,
                            double *v) {
    const char *kw = upper ? "maximum" : "minimum";
    const char *xkw = upper ? "exclusiveMaximum" : "exclusiveMinimum";
    bool has, xhas = false;
    double b = 0, xb = 0;
    l4a_status st = get_number(c, j, kw, &has, &b);
    if (st) return st;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, xkw);
    *on = has;
    *excl = 0;
    *v = b;
    if (cJSON_IsBool(x)) {
        *excl = has && cJSON_IsTrue(x);
        return L4A_OK;
    }
    if ((st = get_number(c, j, xkw, &xhas, &xb))) return st;
    if (xhas && (!has || (upper ? xb <= b : xb >= b))) {
        *on = 1;
        *excl = 1;
        *v = xb;
    }
    return L4A_OK;
}

static l4a_status compile_number(cc *c, const cJSON *j, bool integer, uint32_t node) {
    l4a_jnode tmp;
    l4a_status st;
    memset(&tmp, 0, sizeof tmp);
    tmp.kind = integer ? L4A_JK_INT : L4A_JK_NUM;
    if ((st = get_bound(c, j, false, &tmp.lo_on, &tmp.lo_excl, &tmp.lo)) ||
        (st = get_bound(c, j, true, &tmp.hi_on, &tmp.hi_excl, &tmp.hi)))
        return st;
    if (!l4a_jnum_can_start(&tmp))
        return fail_at(c, L4A_ERR_UNSUPPORTED,
                       "no %s of at most %d digits (and no exponent) lies within the bounds "
                       "(minimum %g, maximum %g)", integer ? "integer" : "number",
                       L4A_JM_MAX_DIGITS, tmp.lo_on ? tmp.lo : -INFINITY,
                       tmp.hi_on ? tmp.hi : INFINITY);
    l4a_jnode *n = &c->s->nodes[node];
    n->kind = tmp.kind;
    n->lo_on = tmp.lo_on, n->lo_excl = tmp.lo_excl, n->lo = tmp.lo;
    n->hi_on = tmp.hi_on, n->hi_excl = tmp.hi_excl, n->hi = tmp.hi;
    return L4A_OK;
}

static l4a_status compile_typed(cc *c, const cJSON *j, unsigned type, uint32_t node) {
    l4a_jschema *s = c->s;
    l4a_jnode *n = &s->nodes[node];
    switch (type) {
    case T_NULL:
    case T_BOOL: {
        const l4a_jnode *lit = &s->nodes[type == T_NULL ? s->any_null : s->any_bool];
        n->kind = L4A_JK_LIT;
        n->a = lit->a;
        n->b = lit->b;
        return L4A_OK;
    }
    case T_OBJ: return compile_object(c, j, node);
    case T_ARR: return compile_array(c, j, node);
    case T_STR: return compile_string(c, j, node);
    default: return compile_number(c, j, type == T_INT, node);
    }
}

/* ---------------------------------------------------------------- $ref */

/* Resolve a local JSON pointer (RFC 6901, in its URI fragment form: "#/a/b~1c"). */
static const cJSON *resolve_pointer(const cJSON *root, const char *ptr) {
    const cJSON *cur = root;
    if (*ptr == 0) return root;
    if (*ptr != '/') return NULL;
    char seg[256];
    while (*ptr == '/' && cur) {
        ptr++;
        size_t n = 0;
        while (*ptr && *ptr != '/') {
            char ch = *ptr++;
            if (ch == '~' && (*ptr == '0' || *ptr == '1')) ch = *ptr++ == '0' ? '~' : '/';
            else if (ch == '%' && ptr[0] && ptr[1]) {
                int hi = ptr[0], lo = ptr[1];
                int h = hi >= '0' && hi <= '9' ? hi - '0' : (hi | 32) - 'a' + 10;
                int l = lo >= '0' && lo <= '9' ? lo - '0' : (lo | 32) - 'a' + 10;
                if (h >= 0 && h < 16 && l >= 0 && l < 16) {
                    ch = (char)(h * 16 + l);
                    ptr += 2;
                }
            }
            if (n + 1 >= sizeof seg) return NULL;
            seg[n++] = ch;
        }
        seg[n] = 0;
        if (cJSON_IsArray(cur)) {
            char *end;
            long k = strtol(seg, &end, 10);
            if (!n || *end || k < 0) return NULL;
            cur = cJSON_GetArrayItem(cur, (int)k);
        } else if (cJSON_IsObject(cur)) {
            cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        } else {
            return NULL;
        }
    }
    return cur;
}

/* A REF node aliasing the schema at `ref`, or the single schema of allOf. */
static l4a_status compile_alias(cc *c, const cJSON *target, const char *name, const char *where,
                                uint32_t node) {
    l4a_jschema *s = c->s;
    uint32_t off, sub;
    l4a_status st = l4a_jblob_add(s, name, strlen(name) + 1, &off);
    if (st) return st;
    s->nodes[node].kind = L4A_JK_REF;
    s->nodes[node].name = off;
    char saved[sizeof c->path];
    memcpy(saved, c->path, sizeof saved);
    snprintf(c->path, sizeof c->path, "%s", where);
    st = compile(c, target, &sub);
    memcpy(c->path, saved, sizeof saved);
    if (st) return st;
    s->nodes[node].a = sub;
    return L4A_OK;
}

/* ---------------------------------------------------------------- one schema */

/* The memo is an open-addressing hash table keyed by the schema's address (a schema may be
 * reached again through $ref; a linear search would make big schemas quadratic). */
static uint32_t memo_slot(const memo_ent *memo, uint32_t cap, const cJSON *j) {
    uint64_t h = (uint64_t)(uintptr_t)j * 0x9E3779B97F4A7C15ull;
    uint32_t i = (uint32_t)(h >> 32) & (cap - 1);
    while (memo[i].json && memo[i].json != j) i = (i + 1) & (cap - 1);
    return i;
}

static bool memo_find(const cc *c, const cJSON *j, uint32_t *node) {
    if (!c->cap_memo) return false;
    const memo_ent *e = &c->memo[memo_slot(c->memo, c->cap_memo, j)];
    if (!e->json) return false;
    *node = e->node;
    return true;
}

static l4a_status memo_add(cc *c, const cJSON *j, uint32_t node) {
    if (2 * (c->n_memo + 1) > c->cap_memo) {    /* keep it at most half full */
        uint32_t cap = c->cap_memo ? 2 * c->cap_memo : 64;
        memo_ent *memo = l4a_calloc(cap, sizeof *memo);
        if (!memo) return nomem();
        for (uint32_t i = 0; i < c->cap_memo; i++)
            if (c->memo[i].json) memo[memo_slot(memo, cap, c->memo[i].json)] = c->memo[i];
        l4a_free(c->memo);
        c->memo = memo;
        c->cap_memo = cap;
    }
    c->memo[memo_slot(c->memo, c->cap_memo, j)] = (memo_ent){j, node};
    c->n_memo++;
    return L4A_OK;
}

static l4a_status compile_body(cc *c, const cJSON *j, uint32_t *out) {
    l4a_jschema *s = c->s;
    const char *constraint = NULL, *combinator = NULL;
    int n_comb = 0;
    for (const cJSON *k = j->child; k; k = k->next) {
        if (in_list(REFUSED, k->string))
            return fail_at(c, L4A_ERR_UNSUPPORTED,
                           "keyword '%s' is not supported (see docs/json-schema.md)", k->string);
        if (!constraint && in_list(CONSTRAINTS, k->string)) constraint = k->string;
        if (!strcmp(k->string, "$ref") || !strcmp(k->string, "anyOf") ||
            !strcmp(k->string, "oneOf") || !strcmp(k->string, "allOf") ||
            !strcmp(k->string, "enum") || !strcmp(k->string, "const")) {
            if (n_comb++)
                return fail_at(c, L4A_ERR_UNSUPPORTED, "'%s' combined with '%s' is not supported",
                               combinator, k->string);
            combinator = k->string;
        }
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
    unsigned types;
    l4a_status st = parse_types(c, type, &types);
    if (st) return st;
    uint32_t node;

    if (combinator && (!strcmp(combinator, "enum") || !strcmp(combinator, "const"))) {
        /* enum / const: only 'type' may narrow it (other assertions would need checking each
         * value against them) */
        for (const cJSON *k = j->child; k; k = k->next)
            if (in_list(CONSTRAINTS, k->string) && strcmp(k->string, "type"))
                return fail_at(c, L4A_ERR_UNSUPPORTED, "'%s' combined with '%s' is not supported",
                               combinator, k->string);
        if ((st = new_node(s, L4A_JK_LIT, &node)) || (st = memo_add(c, j, node))) return st;
        *out = node;
        return compile_lit(c, cJSON_GetObjectItemCaseSensitive(j, combinator),
                           !strcmp(combinator, "enum"), types, node);
    }
    if (combinator) {
        if (constraint)
            return fail_at(c, L4A_ERR_UNSUPPORTED, "'%s' combined with '%s' is not supported",
                           combinator, constraint);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, combinator);
        if ((st = new_node(s, L4A_JK_REF, &node)) || (st = memo_add(c, j, node))) return st;
        *out = node;
        if (!strcmp(combinator, "$ref")) {
            if (!cJSON_IsString(v)) return fail_at(c, L4A_ERR_FORMAT, "'$ref' must be a string");
            if (v->valuestring[0] != '#')
                return fail_at(c, L4A_ERR_UNSUPPORTED,
                               "$ref '%s' is not local (only '#/...' pointers into this schema)",
                               v->valuestring);
            if (v->valuestring[1] && v->valuestring[1] != '/')
                return fail_at(c, L4A_ERR_UNSUPPORTED,
                               "$ref '%s' names an anchor; only JSON pointers ('#/...') are "
                               "supported", v->valuestring);
            const cJSON *target = resolve_pointer(c->root, v->valuestring + 1);
            if (!target)
                return fail_at(c, L4A_ERR_FORMAT, "$ref '%s' points to nowhere", v->valuestring);
            return compile_alias(c, target, v->valuestring, v->valuestring, node);
        }
        if (!cJSON_IsArray(v) || !v->child)
            return fail_at(c, L4A_ERR_FORMAT, "'%s' must be a non-empty list of schemas",
                           combinator);
        if (!strcmp(combinator, "allOf")) {
            if (v->child->next)
                return fail_at(c, L4A_ERR_UNSUPPORTED,
                               "'allOf' with more than one schema is not supported");
            char where[sizeof c->path + 16];
            snprintf(where, sizeof where, "%s/allOf/0", c->path);
            return compile_alias(c, v->child, where, where, node);
        }
        /* anyOf, oneOf */
        uint32_t n = (uint32_t)cJSON_GetArraySize(v), first, name, i = 0;
        if (n > MAX_ALTS)
            return fail_at(c, L4A_ERR_UNSUPPORTED, "'%s' of %u schemas (at most %d)", combinator,
                           n, MAX_ALTS);
        if ((st = reserve_idx(s, n, &first)) ||
            (st = l4a_jblob_add(s, c->path, strlen(c->path) + 1, &name)))
            return st;
        s->nodes[node].kind = L4A_JK_ANYOF;
        s->nodes[node].one_of = !strcmp(combinator, "oneOf");
        s->nodes[node].a = first;
        s->nodes[node].b = n;
        s->nodes[node].name = name;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            uint32_t x;
            size_t old = path_push_index(c, combinator, (int)i);
            st = compile(c, e, &x);
            path_pop(c, old);
            if (st) return st;
            s->idx[first + i] = x;
        }
        return L4A_OK;
    }

    const bool inferred = !types;
    if (!types) {
        /* No type: take it from the keywords present (JSON Schema would allow any type, and
         * a value of the type they describe is one of them). */
        for (const cJSON *k = j->child; k; k = k->next) {
            const char *kw = k->string;
            if (!strcmp(kw, "properties") || !strcmp(kw, "required") ||
                !strcmp(kw, "additionalProperties"))
                types |= T_OBJ;
            else if (!strcmp(kw, "items") || !strcmp(kw, "prefixItems") ||
                     !strcmp(kw, "additionalItems") || !strcmp(kw, "minItems") ||
                     !strcmp(kw, "maxItems"))
                types |= T_ARR;
            else if (!strcmp(kw, "minLength") || !strcmp(kw, "maxLength"))
                types |= T_STR;
            else if (!strcmp(kw, "minimum") || !strcmp(kw, "maximum") ||
                     !strcmp(kw, "exclusiveMinimum") || !strcmp(kw, "exclusiveMaximum"))
                types |= T_NUM;
        }
        if (!types) {
            *out = s->any_value;
            return memo_add(c, j, s->any_value);
        }
    }
    if ((st = new_node(s, L4A_JK_ANY, &node)) || (st = memo_add(c, j, node))) return st;
    *out = node;
    if (!(types & (types - 1))) {
        st = compile_typed(c, j, types, node);
        s->nodes[node].vcls = inferred ? L4A_JC_ALL : type_class(types);
        return st;
    }

    /* A list of types: anyOf over one node per type, the same keywords applying to each. */
    uint32_t n = 0, first, i = 0, name;
    for (unsigned t = types; t; t &= t - 1) n++;
    if ((st = reserve_idx(s, n, &first)) ||
        (st = l4a_jblob_add(s, c->path, strlen(c->path) + 1, &name)))
        return st;
    s->nodes[node].kind = L4A_JK_ANYOF;
    s->nodes[node].a = first;
    s->nodes[node].b = n;
    s->nodes[node].name = name;
    for (unsigned t = types; t; t &= t - 1, i++) {
        uint32_t x;
        if ((st = new_node(s, L4A_JK_ANY, &x)) || (st = compile_typed(c, j, t & -t, x))) return st;
        s->nodes[x].vcls = inferred ? L4A_JC_ALL : type_class(t & -t);
        s->idx[first + i] = x;
    }
    return L4A_OK;
}

static l4a_status compile(cc *c, const cJSON *j, uint32_t *out) {
    if (cJSON_IsTrue(j)) {
        *out = c->s->any_value;
        return L4A_OK;
    }
    if (cJSON_IsFalse(j))
        return fail_at(c, L4A_ERR_UNSUPPORTED, "the schema false admits no value");
    if (!cJSON_IsObject(j))
        return fail_at(c, L4A_ERR_FORMAT, "a schema must be an object or a boolean");
    if (memo_find(c, j, out)) return L4A_OK;
    if (c->nest >= 64) return fail_at(c, L4A_ERR_UNSUPPORTED, "schemas nested deeper than 64");
    c->nest++;
    l4a_status st = compile_body(c, j, out);
    c->nest--;
    return st;
}

/* ---------------------------------------------------------------- entry points */

/* The nodes every schema has: "any value" and its parts. */
static l4a_status add_builtins(l4a_jschema *s) {
    l4a_status st;
    uint32_t off;
    if ((st = new_node(s, L4A_JK_ANY, &s->any_value)) || (st = new_node(s, L4A_JK_OBJ, &s->any_obj)) ||
        (st = new_node(s, L4A_JK_ARR, &s->any_arr)) || (st = new_node(s, L4A_JK_STR, &s->any_str)) ||
        (st = new_node(s, L4A_JK_NUM, &s->any_num)) || (st = new_node(s, L4A_JK_LIT, &s->any_bool)) ||
        (st = new_node(s, L4A_JK_LIT, &s->any_null)))
        return st;
    if (!GROW(s->reqnext, s->n_reqnext, s->cap_reqnext, 1)) return nomem();
    s->reqnext[s->n_reqnext] = 0;       /* no properties, none required */
    s->nodes[s->any_obj].reqn = s->n_reqnext++;
    s->nodes[s->any_obj].extra = (int32_t)s->any_value;
    s->nodes[s->any_arr].extra = (int32_t)s->any_value;
    s->nodes[s->any_arr].max_n = L4A_JM_MAX_ITEMS;
    if ((st = l4a_jblob_add(s, "truefalsenull", 13, &off))) return st;
    s->nodes[s->any_bool].a = s->n_lits;
    s->nodes[s->any_bool].b = 2;
    if ((st = add_literal(s, off, 4)) || (st = add_literal(s, off + 4, 5))) return st;
    s->nodes[s->any_null].a = s->n_lits;
    s->nodes[s->any_null].b = 1;
    return add_literal(s, off + 9, 4);
}

static l4a_status schema_new(l4a_jschema **out) {
    l4a_jschema *s = l4a_calloc(1, sizeof *s);
    if (!s) return nomem();
    l4a_status st = add_builtins(s);
    if (st) {
        l4a_jschema_free(s);
        return st;
    }
    *out = s;
    return L4A_OK;
}

l4a_status l4a_jschema_any_object(l4a_jschema **out) {
    l4a_jschema *s;
    *out = NULL;
    l4a_status st = schema_new(&s);
    if (st) return st;
    s->root = s->any_obj;
    if ((st = l4a_jschema_finish(s))) {
        l4a_jschema_free(s);
        return st;
    }
    *out = s;
    return L4A_OK;
}

l4a_status l4a_jschema_compile(const char *text, size_t len, l4a_jschema **out) {
    *out = NULL;
    size_t skip = 0;
    while (text && skip < len && strchr(" \t\r\n", text[skip]) && text[skip]) skip++;
    if (!text || skip == len) return l4a_jschema_any_object(out);

    if (len > MAX_TEXT)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "json schema: %zu bytes (at most %d)", len, MAX_TEXT);
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!doc) {
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        return l4a_fail(L4A_ERR_FORMAT, "json schema: not valid JSON (error near byte %zu)", at);
    }
    for (const char *p = end; p && p < text + len && *p; p++)
        if (!strchr(" \t\r\n", *p)) {
            cJSON_Delete(doc);
            return l4a_fail(L4A_ERR_FORMAT, "json schema: text after the schema at byte %zu",
                            (size_t)(p - text));
        }

    l4a_jschema *s = NULL;
    cc c = {.root = doc, .path = "#"};
    l4a_status st = schema_new(&s);
    if (!st) {
        c.s = s;
        st = compile(&c, doc, &s->root);
    }
    if (!st) st = l4a_jschema_finish(s);
    l4a_free(c.memo);
    cJSON_Delete(doc);
    if (st) {
        l4a_jschema_free(s);
        return st;
    }
    *out = s;
    return L4A_OK;
}

void l4a_jschema_free(l4a_jschema *s) {
    if (!s) return;
    l4a_free(s->nodes);
    l4a_free(s->props);
    l4a_free(s->idx);
    l4a_free(s->reqnext);
    l4a_free(s->lits);
    l4a_free(s->blob);
    l4a_free(s);
}
