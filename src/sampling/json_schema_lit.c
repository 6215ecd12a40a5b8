/*
 * json_schema_lit.c - the canonical text of JSON values for the schema compiler: property
 * names (matched byte for byte as keys) and enum / const values (matched byte for byte as
 * literals).
 *
 * Canonical means compact (no whitespace), object members in their schema order, strings
 * with raw UTF-8 and only the escapes JSON requires ('"', '\', control characters: the short
 * forms \b \f \n \r \t, else \u00xx in lowercase), numbers in their shortest round-trip
 * form. The key rules of json_match_str.c accept exactly this spelling of a string, so equal
 * keys hash equal.
 *
 * Not the compiler's keyword handling (json_schema.c).
 */
#include "sampling/json_schema.h"
#include "core/core.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

l4a_status l4a_jblob_add(l4a_jschema *s, const void *p, size_t n, uint32_t *off) {
    if (n > UINT32_MAX - s->n_blob - 1)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "json schema: more than 4 GB of names and values");
    uint32_t need = s->n_blob + (uint32_t)n;
    if (need > s->cap_blob) {
        uint64_t cap = s->cap_blob ? s->cap_blob : 256;
        while (cap < need) cap *= 2;
        if (cap > UINT32_MAX) cap = UINT32_MAX;
        char *q = l4a_realloc(s->blob, cap);
        if (!q) return l4a_fail(L4A_ERR_NOMEM, "json schema: out of memory");
        s->blob = q;
        s->cap_blob = (uint32_t)cap;
    }
    if (off) *off = s->n_blob;
    if (n) memcpy(s->blob + s->n_blob, p, n);
    s->n_blob = need;
    return L4A_OK;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629), 0 if ill-formed. */
static int utf8_len(const uint8_t *p) {
    uint8_t c = p[0];
    int n;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) { n = 3; lo = 0xA0; }
    else if (c == 0xED) { n = 3; hi = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) { n = 4; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else if (c == 0xF4) { n = 4; hi = 0x8F; }
    else return 0;
    for (int i = 1; i < n; i++) {
        if (p[i] < lo || p[i] > hi) return 0;
        lo = 0x80;
        hi = 0xBF;
    }
    return n;
}

/* Append the JSON encoding of the NUL-terminated UTF-8 string str, without quotes. */
static l4a_status enc_string_body(l4a_jschema *s, const char *str) {
    const uint8_t *p = (const uint8_t *)str;
    while (*p) {
        char esc[8];
        size_t n = 0;
        switch (*p) {
        case '"': memcpy(esc, "\\\"", n = 2); break;
        case '\\': memcpy(esc, "\\\\", n = 2); break;
        case '\b': memcpy(esc, "\\b", n = 2); break;
        case '\f': memcpy(esc, "\\f", n = 2); break;
        case '\n': memcpy(esc, "\\n", n = 2); break;
        case '\r': memcpy(esc, "\\r", n = 2); break;
        case '\t': memcpy(esc, "\\t", n = 2); break;
        default:
            if (*p < 0x20) n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p);
        }
        l4a_status st;
        if (n) {
            st = l4a_jblob_add(s, esc, n, NULL);
            p++;
        } else {
            int k = utf8_len(p);
            if (!k)
                return l4a_fail(L4A_ERR_FORMAT, "string \"%.40s\" is not valid UTF-8", str);
            st = l4a_jblob_add(s, p, (size_t)k, NULL);
            p += k;
        }
        if (st) return st;
    }
    return L4A_OK;
}

l4a_status l4a_jenc_name(l4a_jschema *s, const char *str, uint32_t *off, uint32_t *len) {
    uint32_t start = s->n_blob;
    l4a_status st = enc_string_body(s, str);
    if (st) return st;
    *off = start;
    *len = s->n_blob - start;
    return L4A_OK;
}

static l4a_status enc_number(l4a_jschema *s, double v) {
    char buf[40];
    if (!isfinite(v)) return l4a_fail(L4A_ERR_FORMAT, "number is not finite");
    if (v == floor(v) && fabs(v) >= 9007199254740992.0)
        /* cJSON reads numbers as doubles, but a validator may read 12345678901234567890 as
         * an exact integer that no double equals: we cannot know what was written */
        return l4a_fail(L4A_ERR_UNSUPPORTED, "number %g is an integer of 2^53 or more, which "
                        "cannot be reproduced exactly", v);
    if (v == 0) {
        snprintf(buf, sizeof buf, "0");     /* -0 too: equal to 0 for every validator */
    } else if (v == floor(v)) {
        snprintf(buf, sizeof buf, "%.0f", v);
    } else {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (strtod(buf, NULL) == v) break;
        }
    }
    return l4a_jblob_add(s, buf, strlen(buf), NULL);
}

static l4a_status enc_value(l4a_jschema *s, const cJSON *v, int depth) {
    l4a_status st;
    if (depth > 64) return l4a_fail(L4A_ERR_UNSUPPORTED, "value nested deeper than 64");
    if (cJSON_IsNull(v)) return l4a_jblob_add(s, "null", 4, NULL);
    if (cJSON_IsTrue(v)) return l4a_jblob_add(s, "true", 4, NULL);
    if (cJSON_IsFalse(v)) return l4a_jblob_add(s, "false", 5, NULL);
    if (cJSON_IsNumber(v)) return enc_number(s, v->valuedouble);
    if (cJSON_IsString(v)) {
        if ((st = l4a_jblob_add(s, "\"", 1, NULL)) || (st = enc_string_body(s, v->valuestring)))
            return st;
        return l4a_jblob_add(s, "\"", 1, NULL);
    }
    bool obj = cJSON_IsObject(v);
    if (!obj && !cJSON_IsArray(v)) return l4a_fail(L4A_ERR_FORMAT, "unknown JSON value");
    if ((st = l4a_jblob_add(s, obj ? "{" : "[", 1, NULL))) return st;
    for (const cJSON *e = v->child; e; e = e->next) {
        if (e != v->child && (st = l4a_jblob_add(s, ",", 1, NULL))) return st;
        if (obj) {
            for (const cJSON *d = v->child; d != e; d = d->next)
                if (strcmp(d->string, e->string) == 0)
                    return l4a_fail(L4A_ERR_FORMAT, "key \"%.40s\" appears twice in a value",
                                    e->string);
            if ((st = l4a_jblob_add(s, "\"", 1, NULL)) || (st = enc_string_body(s, e->string)) ||
                (st = l4a_jblob_add(s, "\":", 2, NULL)))
                return st;
        }
        if ((st = enc_value(s, e, depth + 1))) return st;
    }
    return l4a_jblob_add(s, obj ? "}" : "]", 1, NULL);
}

l4a_status l4a_jenc_value(l4a_jschema *s, const struct cJSON *v, uint32_t *off, uint32_t *len) {
    uint32_t start = s->n_blob;
    l4a_status st = enc_value(s, v, 0);
    if (st) return st;
    *off = start;
    *len = s->n_blob - start;
    return L4A_OK;
}
