/*
 * minutes_check.c - validation of minutes against the embedded minutes schemas, by a small
 * walker of the keywords those schemas use (type, with a list of types; properties; required;
 * additionalProperties false; items; minItems/maxItems; minLength/maxLength in code points).
 * Independent of the constrained sampler (src/sampling/), so it can check it: the summariser
 * never relies on it to produce valid output, the tests and l4a_minutes_validate do.
 *
 * Not a general JSON Schema validator: a keyword outside that list is an error (so a schema
 * edit that needs more is noticed by the tests, not silently ignored).
 */
#include "meeting/summary.h"

#include <stdio.h>
#include <string.h>

static const char *const KNOWN[] = {"$schema", "title", "description", "type", "properties",
                                    "required", "additionalProperties", "items", "minItems",
                                    "maxItems", "minLength", "maxLength", NULL};

static bool type_ok(const char *t, const cJSON *v) {
    if (!strcmp(t, "object")) return cJSON_IsObject(v);
    if (!strcmp(t, "array")) return cJSON_IsArray(v);
    if (!strcmp(t, "string")) return cJSON_IsString(v);
    if (!strcmp(t, "null")) return cJSON_IsNull(v);
    if (!strcmp(t, "boolean")) return cJSON_IsBool(v);
    if (!strcmp(t, "number")) return cJSON_IsNumber(v);
    return false;
}

static size_t code_points(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static l4a_status walk(const cJSON *sch, const cJSON *v, const char *path) {
    const cJSON *k;
    cJSON_ArrayForEach(k, sch) {
        bool known = false;
        for (int i = 0; KNOWN[i]; i++) known |= !strcmp(k->string, KNOWN[i]);
        if (!known)
            return l4a_fail(L4A_ERR_INTERNAL, "minutes: schema keyword '%s' at %s is not "
                            "handled by the checker", k->string, path);
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(sch, "type");
    if (cJSON_IsString(type) && !type_ok(type->valuestring, v))
        return l4a_fail(L4A_ERR_FORMAT, "minutes: %s: expected %s", path, type->valuestring);
    if (cJSON_IsArray(type)) {
        bool any = false;
        const cJSON *t;
        cJSON_ArrayForEach(t, type) any |= cJSON_IsString(t) && type_ok(t->valuestring, v);
        if (!any) return l4a_fail(L4A_ERR_FORMAT, "minutes: %s: wrong type", path);
    }
    char sub[512];
    if (cJSON_IsObject(v)) {
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(sch, "properties");
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(sch, "required");
        const cJSON *r;
        cJSON_ArrayForEach(r, req)
            if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(v, r->valuestring))
                return l4a_fail(L4A_ERR_FORMAT, "minutes: %s: required field '%s' is missing",
                                path, r->valuestring);
        const cJSON *addl = cJSON_GetObjectItemCaseSensitive(sch, "additionalProperties");
        const cJSON *m;
        cJSON_ArrayForEach(m, v) {
            const cJSON *ps = props ? cJSON_GetObjectItemCaseSensitive(props, m->string) : NULL;
            snprintf(sub, sizeof sub, "%s/%s", path, m->string);
            if (!ps) {
                if (cJSON_IsFalse(addl))
                    return l4a_fail(L4A_ERR_FORMAT, "minutes: %s: field not in the schema", sub);
                continue;
            }
            l4a_status st = walk(ps, m, sub);
            if (st != L4A_OK) return st;
        }
    }
    if (cJSON_IsArray(v)) {
        int n = cJSON_GetArraySize(v);
        const cJSON *mx = cJSON_GetObjectItemCaseSensitive(sch, "maxItems");
        const cJSON *mn = cJSON_GetObjectItemCaseSensitive(sch, "minItems");
        if (cJSON_IsNumber(mx) && n > mx->valuedouble)
            return l4a_fail(L4A_ERR_FORMAT, "minutes: %s: %d items, at most %g allowed", path,
                            n, mx->valuedouble);
        if (cJSON_IsNumber(mn) && n < mn->valuedouble)
            return l4a_fail(L4A_ERR_FORMAT, "minutes: %s: %d items, at least %g required", path,
                            n, mn->valuedouble);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(sch, "items");
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, v) {
            snprintf(sub, sizeof sub, "%s/%d", path, i++);
            l4a_status st = items ? walk(items, it, sub) : L4A_OK;
            if (st != L4A_OK) return st;
        }
    }
    if (cJSON_IsString(v)) {
        size_t n = code_points(v->valuestring);
        const cJSON *mx = cJSON_GetObjectItemCaseSensitive(sch, "maxLength");
        const cJSON *mn = cJSON_GetObjectItemCaseSensitive(sch, "minLength");
        if (cJSON_IsNumber(mx) && (double)n > mx->valuedouble)
            return l4a_fail(L4A_ERR_FORMAT, "minutes: %s: %zu characters, at most %g allowed",
                            path, n, mx->valuedouble);
        if (cJSON_IsNumber(mn) && (double)n < mn->valuedouble)
            return l4a_fail(L4A_ERR_FORMAT, "minutes: %s: %zu characters, at least %g required",
                            path, n, mn->valuedouble);
    }
    return L4A_OK;
}

l4a_status l4a_minutes_check(const cJSON *doc, bool partial) {
    const l4a_embedded_file *f =
        l4a_embedded_find(partial ? "meeting_minutes_partial.json" : "meeting_minutes.json");
    if (!f) return l4a_fail(L4A_ERR_INTERNAL, "minutes: schema not embedded");
    cJSON *sch = cJSON_ParseWithLength(f->data, f->len);
    if (!sch) return l4a_fail(L4A_ERR_NOMEM, "minutes: cannot parse the embedded schema");
    l4a_status st = doc ? walk(sch, doc, "#") : l4a_fail(L4A_ERR_FORMAT, "minutes: no document");
    cJSON_Delete(sch);
    return st;
}

L4A_API l4a_status l4a_minutes_validate(const char *json, size_t len, bool partial) {
    if (!json) return l4a_fail(L4A_ERR_INVALID_ARG, "minutes: NULL text");
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (!doc) return l4a_fail(L4A_ERR_FORMAT, "minutes: not JSON");
    l4a_status st = l4a_minutes_check(doc, partial);
    cJSON_Delete(doc);
    return st;
}
