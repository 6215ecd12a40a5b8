/* fuzz_json_schema.c - libFuzzer target for constrained JSON (src/sampling/json_schema.h).
 *
 * The first byte picks what the rest is:
 *   0     a schema text, compiled; if it compiles, a document is generated from it;
 *   1..3  bytes for the matcher of a fixed schema, fed in chunks whose lengths come from the
 *         input too.
 * Invariants checked (abort on violation):
 *   - a refused feed leaves the state byte for byte as it was;
 *   - whenever the state is accepting, the bytes fed so far parse with cJSON;
 *   - a state that is not accepting can continue, and a document can be completed from it;
 *   - the trie mask equals the token-by-token reference mask.
 */
#include "sampling/json_schema.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const FIXED[] = {
    "{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\",\"maxLength\":5},"
    "\"n\":{\"type\":\"number\",\"minimum\":-2.5,\"exclusiveMaximum\":30},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"b\\\"c\",1,12,null]},\"maxItems\":3},"
    "\"o\":{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"null\"}},"
    "\"required\":[\"k\"]},{\"type\":\"object\"}]}},\"required\":[\"title\",\"o\"]}",
    "{\"type\":\"object\"}",
    "{\"$defs\":{\"t\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":[\"integer\",\"string\"],"
    "\"maximum\":99,\"minLength\":1},\"c\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/t\"}}},"
    "\"required\":[\"v\"],\"additionalProperties\":{\"type\":\"boolean\"}}},\"$ref\":\"#/$defs/t\"}",
};

static l4a_jmask *g_mask;
static l4a_jschema *g_fixed[3];

static void init_once(void) {
    if (g_mask) return;
    static const char *const extra[] = {"\":", "{\"", "\",", "true", "null", " ", "\n  ", "12",
                                        "\xC3\xA9", "\xC3", "\\u00", "\\n", "a\"", "}]", "\"\""};
    enum { NX = sizeof extra / sizeof extra[0], N = 256 + NX + 1 };
    static char bytes[256];
    static const char *pieces[N];
    static uint32_t lens[N];
    for (int i = 0; i < 256; i++) {
        bytes[i] = (char)i;
        pieces[i] = &bytes[i];
        lens[i] = 1;
    }
    for (int i = 0; i < NX; i++) {
        pieces[256 + i] = extra[i];
        lens[256 + i] = (uint32_t)strlen(extra[i]);
    }
    pieces[N - 1] = "";
    lens[N - 1] = 0;
    if (l4a_jmask_new(pieces, lens, N, &g_mask)) abort();
    for (int i = 0; i < 3; i++)
        if (l4a_jschema_compile(FIXED[i], strlen(FIXED[i]), &g_fixed[i])) abort();
}

static void check_mask(const l4a_jmatch *st) {
    enum { MAXV = 512 };
    float a[MAXV], b[MAXV];
    const int32_t n = 256 + 15 + 1;
    for (int i = 0; i < n; i++) a[i] = b[i] = (float)i;
    l4a_jmask_apply(g_mask, st, a, n - 1);
    l4a_jmask_apply_ref(g_mask, st, b, n - 1);
    if (memcmp(a, b, (size_t)n * sizeof a[0])) abort();
}

/* Complete the document: at each step the first byte that can be fed, in an order that
 * favours closing things. A live state must always reach acceptance. */
static void complete(l4a_jmatch *st, char *buf, size_t len, size_t cap) {
    static const char pref[] = "\"}]:0a1tn";
    for (int steps = 0; !l4a_jmatch_accepting(st); steps++) {
        if (steps > 20000 || len + 1 >= cap) abort();
        bool fed = false;
        for (const char *p = pref; *p && !fed; p++)
            if ((fed = l4a_jmatch_feed(st, p, 1))) buf[len++] = *p;
        for (int c = 0; c < 256 && !fed; c++) {
            char ch = (char)c;
            if ((fed = l4a_jmatch_feed(st, &ch, 1))) buf[len++] = ch;
        }
        if (!fed) abort();      /* a dead end: the matcher accepted a prefix it cannot finish */
    }
    cJSON *doc = cJSON_ParseWithLength(buf, len);
    if (!doc) abort();
    cJSON_Delete(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init_once();
    if (size < 1) return 0;
    const int mode = data[0] % 4;
    data++;
    size--;
    static char buf[1 << 16];
    size_t len = 0;
    l4a_jmatch st, saved;

    if (mode == 0) {
        l4a_jschema *s = NULL;
        if (l4a_jschema_compile((const char *)data, size, &s) != L4A_OK) {
            if (s) abort();
            return 0;
        }
        l4a_jmatch_init(&st, s);
        check_mask(&st);
        complete(&st, buf, 0, sizeof buf);
        l4a_jschema_free(s);
        return 0;
    }

    l4a_jmatch_init(&st, g_fixed[mode - 1]);
    size_t i = 0;
    while (i < size) {
        size_t n = (data[i++] & 7) + 1;
        if (n > size - i) n = size - i;
        memcpy(&saved, &st, sizeof st);
        if (l4a_jmatch_feed(&st, (const char *)data + i, n)) {
            memcpy(buf + len, data + i, n);
            len += n;
            if (l4a_jmatch_accepting(&st)) {
                cJSON *doc = cJSON_ParseWithLength(buf, len);
                if (!doc) abort();
                cJSON_Delete(doc);
            } else if (!l4a_jmatch_can_continue(&st)) {
                abort();
            }
        } else if (memcmp(&saved, &st, sizeof st)) {
            abort();
        }
        i += n;
    }
    check_mask(&st);
    complete(&st, buf, len, sizeof buf);
    return 0;
}
