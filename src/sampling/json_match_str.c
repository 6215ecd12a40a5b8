/*
 * json_match_str.c - strings and literals in the JSON matcher.
 *
 * Strings (RFC 8259 section 7): any Unicode character, raw as well-formed UTF-8 (RFC 3629
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF) or escaped; control
 * characters only escaped. minLength / maxLength count code points, as JSON Schema does; an
 * escape counts as the one character it stands for. \u escapes of surrogates are refused (a
 * pair would count as one code point for some validators and two for others) and so is
 * \u0000 (C parsers such as cJSON cut the string there).
 *
 * Keys use one canonical spelling so that equal keys are equal bytes (their hashes detect
 * duplicates): raw characters, short escapes where JSON has one, \u00xx in lowercase only for
 * the other control characters, no "\/".
 *
 * Literals (enum, const, true, false, null) are matched byte for byte against their canonical
 * compact text (json_schema_lit.c writes it).
 *
 * Not the containers (json_match.c) nor numbers (json_match_num.c).
 */
#include "sampling/json_schema.h"

#include <string.h>

enum { S_NORMAL = L4A_JS_NORMAL, S_ESC = L4A_JS_ESC, S_HEX = L4A_JS_HEX, S_UTF8 = L4A_JS_UTF8 };

static int hexval(uint8_t c, bool lower_only) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (!lower_only && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int l4a_jstr_byte(l4a_jscalar *sc, uint32_t min_len, uint32_t max_len, bool key, uint8_t c) {
    switch (sc->sub) {
    case S_NORMAL:
        if (c == '"') return sc->len >= min_len ? L4A_JR_DONE : L4A_JR_FAIL;
        if (c < 0x20) return L4A_JR_FAIL;
        if (sc->len >= max_len) return L4A_JR_FAIL;     /* no room for another character */
        if (c == '\\') {
            sc->sub = S_ESC;
            return L4A_JR_OK;
        }
        if (c < 0x80) {
            sc->len++;
            return L4A_JR_OK;
        }
        /* UTF-8 lead byte: how many continuation bytes, and the range of the first one */
        sc->lo = 0x80;
        sc->hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) sc->need = 1;
        else if (c == 0xE0) { sc->need = 2; sc->lo = 0xA0; }          /* not overlong */
        else if (c == 0xED) { sc->need = 2; sc->hi = 0x9F; }          /* no surrogates */
        else if (c >= 0xE1 && c <= 0xEF) sc->need = 2;
        else if (c == 0xF0) { sc->need = 3; sc->lo = 0x90; }          /* not overlong */
        else if (c >= 0xF1 && c <= 0xF3) sc->need = 3;
        else if (c == 0xF4) { sc->need = 3; sc->hi = 0x8F; }          /* <= U+10FFFF */
        else return L4A_JR_FAIL;
        sc->len++;
        sc->sub = S_UTF8;
        return L4A_JR_OK;
    case S_UTF8:
        if (c < sc->lo || c > sc->hi) return L4A_JR_FAIL;
        sc->lo = 0x80;
        sc->hi = 0xBF;
        if (--sc->need == 0) {
            sc->sub = S_NORMAL;
            sc->lo = sc->hi = 0;
        }
        return L4A_JR_OK;
    case S_ESC:
        switch (c) {
        case '/':
            if (key) return L4A_JR_FAIL;
            /* fall through */
        case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
            sc->len++;
            sc->sub = S_NORMAL;
            return L4A_JR_OK;
        case 'u':
            sc->sub = S_HEX;
            sc->need = 4;
            sc->hex = 0;
            return L4A_JR_OK;
        default:
            return L4A_JR_FAIL;
        }
    case S_HEX: {
        int d = hexval(c, key);
        if (d < 0) return L4A_JR_FAIL;
        sc->hex = (uint16_t)(sc->hex * 16 + d);
        int got = 4 - --sc->need;
        if (key) {
            /* only \u0001..\u001f, and not those with a short escape */
            if (got <= 2 && d != 0) return L4A_JR_FAIL;
            if (got == 3 && d > 1) return L4A_JR_FAIL;
            if (got == 4 && (sc->hex == 0 || sc->hex == 8 || sc->hex == 9 || sc->hex == 10 ||
                             sc->hex == 12 || sc->hex == 13))
                return L4A_JR_FAIL;
        } else {
            if (got == 2 && sc->hex >= 0xD8 && sc->hex <= 0xDF) return L4A_JR_FAIL;
            if (got == 4 && sc->hex == 0) return L4A_JR_FAIL;
        }
        if (sc->need == 0) {
            sc->len++;
            sc->sub = S_NORMAL;
            sc->hex = 0;
        }
        return L4A_JR_OK;
    }
    }
    return L4A_JR_FAIL;
}

/* ---------------------------------------------------------------- literals */

/* First literal of n, from index `from` on, that begins with the first pos bytes of `pre`
 * and then has byte `want` (want >= 0), or ends right there (want == -1), or goes on past
 * pos (want == -2). -1 if none. */
static int32_t lit_find(const l4a_jschema *s, const l4a_jnode *n, int32_t from, const char *pre,
                        uint32_t pos, int want) {
    for (uint32_t i = (uint32_t)from; i < n->b; i++) {
        const l4a_jlit *l = &s->lits[n->a + i];
        const char *t = s->blob + l->off;
        bool ok = want >= 0 ? l->len > pos && (uint8_t)t[pos] == want
                            : want == -1 ? l->len == pos : l->len > pos;
        if (ok && memcmp(t, pre, pos) == 0) return (int32_t)i;
    }
    return -1;
}

int l4a_jlit_byte(const l4a_jschema *s, const l4a_jnode *n, l4a_jscalar *sc, uint8_t c) {
    const char *pre = s->blob + s->lits[n->a + sc->cand].off;
    int32_t j = lit_find(s, n, sc->cand, pre, sc->pos, c);
    if (j < 0)
        return sc->pos > 0 && lit_find(s, n, sc->cand, pre, sc->pos, -1) >= 0 ? L4A_JR_END
                                                                             : L4A_JR_FAIL;
    sc->cand = j;
    sc->pos++;
    pre = s->blob + s->lits[n->a + j].off;
    /* Complete with nothing longer: only numbers can be both (1 and 12), as the others end
     * with a closing quote or bracket or are keywords. */
    if (lit_find(s, n, j, pre, sc->pos, -1) >= 0 && lit_find(s, n, j, pre, sc->pos, -2) < 0)
        return L4A_JR_DONE;
    return L4A_JR_OK;
}

bool l4a_jlit_complete(const l4a_jschema *s, const l4a_jnode *n, const l4a_jscalar *sc) {
    if (sc->pos == 0) return false;
    const char *pre = s->blob + s->lits[n->a + sc->cand].off;
    return lit_find(s, n, sc->cand, pre, sc->pos, -1) >= 0;
}
