/* test_json_schema.c - JSON constrained generation (src/sampling/json_schema.h):
 *  (a) random walks over a fake vocabulary for every schema in tests/data/schemas: mask,
 *      pick uniformly among the allowed tokens, feed, until EOS; every walk must end within
 *      a cap, and the trie mask must equal the token-by-token reference mask;
 *  (b) every generated document must pass a strict RFC 8259 syntax check, parse with cJSON,
 *      and validate against its schema with the small validator below (written from the
 *      JSON Schema spec, sharing nothing with the matcher);
 *  (c) handmade documents fed byte by byte: valid ones accepted, invalid ones refused at the
 *      expected byte;
 *  (d) unsupported keywords and malformed schemas: the status and a message naming them.
 */
#include "harness.h"
#include "core/core.h"
#include "sampling/json_schema.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- random numbers */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 2685821657736338717ull;
}
static float rnd01(void) { return (float)(rnd() >> 40) / (float)(1 << 24); }

/* ---------------------------------------------------------------- strict JSON syntax */

static bool sj_value(const char **p, const char *e, int depth);

static void sj_ws(const char **p, const char *e) {
    while (*p < e && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')) (*p)++;
}

/* Well-formed UTF-8 sequence length at p, 0 if not. */
static int u8len(const unsigned char *p, const unsigned char *e) {
    unsigned c = p[0];
    int n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else return 0;
    if (e - p < n) return 0;
    for (int i = 1; i < n; i++, lo = 0x80, hi = 0xBF)
        if (p[i] < lo || p[i] > hi) return 0;
    return n;
}

static bool sj_string(const char **p, const char *e) {
    if (*p >= e || **p != '"') return false;
    (*p)++;
    while (*p < e) {
        unsigned char c = (unsigned char)**p;
        if (c == '"') { (*p)++; return true; }
        if (c < 0x20) return false;
        if (c == '\\') {
            if (++*p >= e) return false;
            char x = **p;
            if (x == 'u') {
                for (int i = 0; i < 4; i++) {
                    if (++*p >= e) return false;
                    char h = **p;
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                        return false;
                }
            } else if (!strchr("\"\\/bfnrt", x) || !x) {
                return false;
            }
            (*p)++;
            continue;
        }
        int n = u8len((const unsigned char *)*p, (const unsigned char *)e);
        if (!n) return false;
        *p += n;
    }
    return false;
}

static bool sj_digits(const char **p, const char *e) {
    const char *s = *p;
    while (*p < e && **p >= '0' && **p <= '9') (*p)++;
    return *p > s;
}

static bool sj_number(const char **p, const char *e) {
    if (*p < e && **p == '-') (*p)++;
    if (*p < e && **p == '0') (*p)++;
    else if (!(*p < e && **p >= '1' && **p <= '9') || !sj_digits(p, e)) return false;
    if (*p < e && **p == '.') {
        (*p)++;
        if (!sj_digits(p, e)) return false;
    }
    if (*p < e && (**p == 'e' || **p == 'E')) {
        (*p)++;
        if (*p < e && (**p == '+' || **p == '-')) (*p)++;
        if (!sj_digits(p, e)) return false;
    }
    return true;
}

static bool sj_value(const char **p, const char *e, int depth) {
    if (depth > 200) return false;
    sj_ws(p, e);
    if (*p >= e) return false;
    char c = **p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        (*p)++;
        sj_ws(p, e);
        if (*p < e && **p == close) { (*p)++; return true; }
        for (;;) {
            if (c == '{') {
                sj_ws(p, e);
                if (!sj_string(p, e)) return false;
                sj_ws(p, e);
                if (*p >= e || **p != ':') return false;
                (*p)++;
            }
            if (!sj_value(p, e, depth + 1)) return false;
            sj_ws(p, e);
            if (*p < e && **p == ',') { (*p)++; continue; }
            if (*p < e && **p == close) { (*p)++; return true; }
            return false;
        }
    }
    if (c == '"') return sj_string(p, e);
    for (const char *const *lit = (const char *const[]){"true", "false", "null", NULL}; *lit; lit++) {
        size_t n = strlen(*lit);
        if ((size_t)(e - *p) >= n && memcmp(*p, *lit, n) == 0) { *p += n; return true; }
    }
    return sj_number(p, e);
}

static bool strict_json(const char *s, size_t n) {
    const char *p = s, *e = s + n;
    if (!sj_value(&p, e, 0)) return false;
    sj_ws(&p, e);
    return p == e;
}

/* ---------------------------------------------------------------- independent validator
 * JSON Schema 2020-12 Validation (and the draft-04/07 forms), over cJSON trees. */

static const cJSON *v_pointer(const cJSON *root, const char *ref) {
    if (ref[0] != '#') return NULL;
    const cJSON *cur = root;
    const char *p = ref + 1;
    char seg[256];
    while (*p == '/' && cur) {
        size_t n = 0;
        for (p++; *p && *p != '/' && n + 1 < sizeof seg; p++) {
            if (*p == '~' && p[1] == '0') seg[n++] = '~', p++;
            else if (*p == '~' && p[1] == '1') seg[n++] = '/', p++;
            else seg[n++] = *p;
        }
        seg[n] = 0;
        cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, atoi(seg))
                                 : cJSON_GetObjectItemCaseSensitive(cur, seg);
    }
    return cur;
}

static long u8count(const char *s) {
    long n = 0;
    const unsigned char *p = (const unsigned char *)s, *e = p + strlen(s);
    while (p < e) {
        int k = u8len(p, e);
        if (!k) return -1;
        p += k;
        n++;
    }
    return n;
}

static bool v_type(const cJSON *x, const char *t) {
    if (!strcmp(t, "null")) return cJSON_IsNull(x);
    if (!strcmp(t, "boolean")) return cJSON_IsBool(x);
    if (!strcmp(t, "object")) return cJSON_IsObject(x);
    if (!strcmp(t, "array")) return cJSON_IsArray(x);
    if (!strcmp(t, "string")) return cJSON_IsString(x);
    if (!strcmp(t, "number")) return cJSON_IsNumber(x);
    if (!strcmp(t, "integer")) return cJSON_IsNumber(x) && x->valuedouble == floor(x->valuedouble);
    return false;
}

static const cJSON *kw(const cJSON *s, const char *k) { return cJSON_GetObjectItemCaseSensitive(s, k); }

static bool v_check(const cJSON *root, const cJSON *s, const cJSON *x, int depth);

static bool v_bounds(const cJSON *s, double v) {
    const cJSON *mn = kw(s, "minimum"), *mx = kw(s, "maximum");
    const cJSON *xmn = kw(s, "exclusiveMinimum"), *xmx = kw(s, "exclusiveMaximum");
    if (mn && (cJSON_IsTrue(xmn) ? !(v > mn->valuedouble) : !(v >= mn->valuedouble))) return false;
    if (mx && (cJSON_IsTrue(xmx) ? !(v < mx->valuedouble) : !(v <= mx->valuedouble))) return false;
    if (cJSON_IsNumber(xmn) && !(v > xmn->valuedouble)) return false;
    if (cJSON_IsNumber(xmx) && !(v < xmx->valuedouble)) return false;
    return true;
}

static bool v_object(const cJSON *root, const cJSON *s, const cJSON *x, int depth) {
    const cJSON *props = kw(s, "properties"), *addl = kw(s, "additionalProperties");
    for (const cJSON *m = x->child; m; m = m->next) {
        for (const cJSON *d = x->child; d != m; d = d->next)
            if (!strcmp(d->string, m->string)) return false;    /* duplicate key */
        if (u8count(m->string) < 0) return false;
        const cJSON *ps = props ? kw(props, m->string) : NULL;
        if (ps) {
            if (!v_check(root, ps, m, depth + 1)) return false;
        } else if (addl && !v_check(root, addl, m, depth + 1)) {
            return false;
        }
    }
    for (const cJSON *r = kw(s, "required") ? kw(s, "required")->child : NULL; r; r = r->next)
        if (!kw(x, r->valuestring)) return false;
    return true;
}

static bool v_array(const cJSON *root, const cJSON *s, const cJSON *x, int depth) {
    const cJSON *prefix = kw(s, "prefixItems"), *items = kw(s, "items");
    const cJSON *rest = items;
    if (!prefix && cJSON_IsArray(items)) prefix = items, rest = kw(s, "additionalItems");
    int n = cJSON_GetArraySize(x), np = prefix ? cJSON_GetArraySize(prefix) : 0, i = 0;
    for (const cJSON *e = x->child; e; e = e->next, i++) {
        const cJSON *is = i < np ? cJSON_GetArrayItem(prefix, i) : rest;
        if (is && !v_check(root, is, e, depth + 1)) return false;
    }
    const cJSON *mn = kw(s, "minItems"), *mx = kw(s, "maxItems");
    if (mn && n < mn->valuedouble) return false;
    if (mx && n > mx->valuedouble) return false;
    return true;
}

static bool v_check(const cJSON *root, const cJSON *s, const cJSON *x, int depth) {
    if (depth > 100) return false;
    if (cJSON_IsBool(s)) return cJSON_IsTrue(s);
    const cJSON *k;
    if ((k = kw(s, "$ref"))) return v_check(root, v_pointer(root, k->valuestring), x, depth + 1);
    if ((k = kw(s, "allOf")))
        for (const cJSON *a = k->child; a; a = a->next)
            if (!v_check(root, a, x, depth + 1)) return false;
    if ((k = kw(s, "anyOf"))) {
        bool any = false;
        for (const cJSON *a = k->child; a && !any; a = a->next) any = v_check(root, a, x, depth + 1);
        if (!any) return false;
    }
    if ((k = kw(s, "oneOf"))) {
        int count = 0;
        for (const cJSON *a = k->child; a; a = a->next) count += v_check(root, a, x, depth + 1);
        if (count != 1) return false;
    }
    if ((k = kw(s, "enum"))) {
        bool any = false;
        for (const cJSON *a = k->child; a && !any; a = a->next) any = cJSON_Compare(a, x, true);
        if (!any) return false;
    }
    if ((k = kw(s, "const")) && !cJSON_Compare(k, x, true)) return false;
    if ((k = kw(s, "type"))) {
        bool any = false;
        if (cJSON_IsString(k)) any = v_type(x, k->valuestring);
        for (const cJSON *t = cJSON_IsArray(k) ? k->child : NULL; t && !any; t = t->next)
            any = v_type(x, t->valuestring);
        if (!any) return false;
    }
    if (cJSON_IsObject(x) && !v_object(root, s, x, depth)) return false;
    if (cJSON_IsArray(x) && !v_array(root, s, x, depth)) return false;
    if (cJSON_IsString(x)) {
        long n = u8count(x->valuestring);
        if (n < 0) return false;
        if ((k = kw(s, "minLength")) && n < k->valuedouble) return false;
        if ((k = kw(s, "maxLength")) && n > k->valuedouble) return false;
    }
    if (cJSON_IsNumber(x) && !v_bounds(s, x->valuedouble)) return false;
    return true;
}

/* ---------------------------------------------------------------- fake vocabulary */

typedef struct vocab {
    char **pieces;
    uint32_t *lens;
    int32_t n, cap;
    int32_t eos;
} vocab;

static void voc_add(vocab *v, const char *p, uint32_t n) {
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 1024;
        v->pieces = realloc(v->pieces, (size_t)v->cap * sizeof *v->pieces);
        v->lens = realloc(v->lens, (size_t)v->cap * sizeof *v->lens);
    }
    v->pieces[v->n] = malloc(n + 1);
    memcpy(v->pieces[v->n], p, n);
    v->pieces[v->n][n] = 0;
    v->lens[v->n++] = n;
}

static void voc_free(vocab *v) {
    for (int32_t i = 0; i < v->n; i++) free(v->pieces[i]);
    free(v->pieces);
    free(v->lens);
}

/* All 256 bytes, JSON-ish pieces, words of the schemas, and French text cut anywhere
 * (partial UTF-8 included); three control tokens, one of them EOS. */
static void voc_fake(vocab *v, const char *fr, size_t fr_len) {
    static const char *const extra[] = {
        "\":", "{\"", "\",", "\"}", "\"]", "\": \"", "\", \"", ", ", ": ", "},", "}]", "]}",
        "[]", "{}", "\"\"", "[\"", "[{", "}}", "]]", "true", "false", "null", "tru", "nul",
        " ", "  ", "    ", "\n", "\n  ", "\n    ", "\n      ", "\t", "\r\n", " \"", "\n}",
        "0", "1", "12", "123", "-1", "3.14", "0.5", "1e5", "00", "-0", "999", "2024", "1900",
        ".", "..", "-", "é", "è", "à", "ç", "ô", "É", "ë", "œ", "«", "»", "€", "日本", "😀",
        "Réunion", "réunion", "Président", "été", "hiver", "Noël", "Québec", "Genève",
        "\\n", "\\\"", "\\\\", "\\u00e9", "\\u", "\\", "\\/", "\\t", "\\u0001", "\\ud83d",
        "title", "participants", "summary", "topics", "theme", "points", "decisions",
        "action", "action_items", "owner", "deadline", "open_questions", "_items", "kind",
        "circle", "rect", "prénom", "value", "children", "name", "age", "id", "label",
        "\"title\":", "\"participants\": [", "\"deadline\": null", "null}", "\xC3", "\xA9",
        "\xE2\x82", "\xF0\x9F", "\xC3\xA9t", "t\xC3", "a\"", "\"a", "x\\", "ab", "le ", " de",
        "a\x01", "\x7f", "\x1f\"", "prés", "ident", "inter", "nom", "ouvert", "fermé",
    };
    for (int c = 0; c < 256; c++) {
        char b = (char)c;
        voc_add(v, &b, 1);
    }
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        voc_add(v, extra[i], (uint32_t)strlen(extra[i]));
    for (int i = 0; i < 300 && fr_len > 16; i++) {
        size_t at = rnd() % (fr_len - 16), n = 2 + rnd() % 7;
        voc_add(v, fr + at, (uint32_t)n);
    }
    voc_add(v, "", 0);
    v->eos = v->n;
    voc_add(v, "", 0);
    voc_add(v, "", 0);
}

/* A larger vocabulary from the French text: words with and without a leading space, and
 * pieces of them, like a BPE vocabulary. */
static void voc_french(vocab *v, const char *fr, size_t n) {
    voc_fake(v, fr, n);
    size_t i = 0;
    while (i < n && v->n < 12000) {
        while (i < n && (fr[i] == ' ' || fr[i] == '\n')) i++;
        size_t s = i;
        while (i < n && fr[i] != ' ' && fr[i] != '\n') i++;
        if (i > s && i - s < 24) {
            voc_add(v, fr + s, (uint32_t)(i - s));
            if (s > 0) voc_add(v, fr + s - 1, (uint32_t)(i - s + 1));
            if (i - s > 3) voc_add(v, fr + s, 3);
        }
    }
}

/* ---------------------------------------------------------------- random walks */

typedef struct walk_stats {
    long docs, tokens, mask_checks, mask_mismatch, stuck, unterminated, bad_syntax, bad_parse,
        invalid, refeed_fail, logit_changed;
} walk_stats;

static bool pref_finish(const char *p, uint32_t n, int level) {
    if (level == 0) return n == 1 && (p[0] == '}' || p[0] == ']' || p[0] == '"');
    return n == 1 && !strchr(" \n\r\t,[{", p[0]);
}

/* One document: returns its text (malloc) or NULL when the walk failed. */
static char *walk_once(const l4a_jschema *s, const l4a_jmask *m, const vocab *v, int check_every,
                       walk_stats *ws, int soft_cap, int hard_cap) {
    l4a_jmatch st;
    l4a_jmatch_init(&st, s);
    float *lg = malloc((size_t)v->n * sizeof *lg), *ref = malloc((size_t)v->n * sizeof *ref),
          *orig = malloc((size_t)v->n * sizeof *orig);
    int32_t *ok = malloc((size_t)v->n * sizeof *ok);
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    bool done = false;
    for (int step = 0; step < hard_cap && !done; step++) {
        for (int32_t i = 0; i < v->n; i++) orig[i] = lg[i] = rnd01();
        l4a_jmask_apply(m, &st, lg, v->eos);
        if (check_every && step % check_every == 0) {
            memcpy(ref, orig, (size_t)v->n * sizeof *ref);
            l4a_jmask_apply_ref(m, &st, ref, v->eos);
            ws->mask_checks++;
            for (int32_t i = 0; i < v->n; i++)
                if (isinf(lg[i]) != isinf(ref[i])) {
                    if (ws->mask_mismatch++ < 5)
                        fprintf(stderr, "    mask mismatch at token %d '%s' (trie %g, ref %g) after '%.*s'\n",
                                i, v->pieces[i], lg[i], ref[i], (int)len, text);
                }
        }
        int32_t n_ok = 0;
        for (int32_t i = 0; i < v->n; i++) {
            if (!isinf(lg[i])) {
                ok[n_ok++] = i;
                if (lg[i] != orig[i]) ws->logit_changed++;
            }
        }
        if (n_ok == 0) {
            ws->stuck++;
            fprintf(stderr, "    no token allowed after '%.*s'\n", (int)len, text);
            break;
        }
        int32_t t = ok[rnd() % (uint32_t)n_ok];
        /* past the soft cap, steer towards the end: EOS, then closers, then anything short */
        for (int level = 0; step >= soft_cap && level < 2 && t != v->eos; level++) {
            int32_t cand[4096], nc = 0;
            bool eos_ok = false;
            for (int32_t k = 0; k < n_ok; k++) {
                if (ok[k] == v->eos) eos_ok = true;
                else if (nc < 4096 && pref_finish(v->pieces[ok[k]], v->lens[ok[k]], level)) cand[nc++] = ok[k];
            }
            if (eos_ok) t = v->eos;
            else if (nc) { t = cand[rnd() % (uint32_t)nc]; break; }
        }
        if (t == v->eos) {
            done = true;
            if (!l4a_jmatch_accepting(&st)) ws->stuck++;
            break;
        }
        if (!l4a_jmask_feed_token(m, &st, t)) {
            ws->stuck++;
            fprintf(stderr, "    allowed token '%s' refused after '%.*s'\n", v->pieces[t], (int)len, text);
            break;
        }
        if (len + v->lens[t] + 1 > cap) text = realloc(text, cap *= 2);
        memcpy(text + len, v->pieces[t], v->lens[t]);
        len += v->lens[t];
        ws->tokens++;
    }
    text[len] = 0;
    free(lg);
    free(ref);
    free(orig);
    free(ok);
    if (!done) {
        ws->unterminated++;
        free(text);
        return NULL;
    }
    return text;
}

static void check_doc(const cJSON *schema, const l4a_jschema *s, const char *text,
                      walk_stats *ws, const char *name) {
    size_t n = strlen(text);
    if (!strict_json(text, n) && ws->bad_syntax++ < 3)
        fprintf(stderr, "    %s: not strict JSON: %s\n", name, text);
    cJSON *doc = cJSON_ParseWithLength(text, n);
    if (!doc) {
        if (ws->bad_parse++ < 3) fprintf(stderr, "    %s: cJSON cannot parse: %s\n", name, text);
        return;
    }
    if (!v_check(schema, schema, doc, 0) && ws->invalid++ < 3)
        fprintf(stderr, "    %s: does not validate: %s\n", name, text);
    cJSON_Delete(doc);
    /* the same bytes one at a time must be accepted too */
    l4a_jmatch st;
    l4a_jmatch_init(&st, s);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) ok = l4a_jmatch_feed(&st, text + i, 1);
    if (!ok || !l4a_jmatch_accepting(&st)) ws->refeed_fail++;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_walks(const vocab *v, const l4a_jmask *m, bool fast) {
    const char *dir = l4a_test_path("data/schemas");
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "cannot open %s", dir);
    if (!d) return;
    char *names[256];
    int n_names = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n_names < 256)
        if (strstr(e->d_name, ".json")) names[n_names++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n_names, sizeof *names, cmp_str);
    CHECK_MSG(n_names >= 24, "only %d schemas in %s", n_names, dir);

    const int docs = fast ? 30 : 200;
    for (int f = 0; f < n_names; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        size_t len;
        char *txt = l4a_test_read_file(path, &len);
        CHECK_MSG(txt != NULL, "cannot read %s", path);
        if (!txt) continue;
        l4a_jschema *s = NULL;
        l4a_status st = l4a_jschema_compile(txt, len, &s);
        CHECK_MSG(st == L4A_OK, "%s: %s", names[f], l4a_last_error());
        cJSON *schema = cJSON_Parse(txt);
        walk_stats ws = {0};
        /* L4A_JSON_DUMP=dir: write the documents there too, one per line (to check them with
         * another validator by hand) */
        FILE *dump = NULL;
        if (getenv("L4A_JSON_DUMP")) {
            char out[1024];
            snprintf(out, sizeof out, "%s/%s.jsonl", getenv("L4A_JSON_DUMP"), names[f]);
            dump = fopen(out, "w");
        }
        for (int i = 0; s && schema && i < docs; i++) {
            char *doc = walk_once(s, m, v, 16, &ws, 150, 3000);
            if (!doc) continue;
            ws.docs++;
            check_doc(schema, s, doc, &ws, names[f]);
            if (dump) {     /* raw newlines only occur between tokens */
                for (char *q = doc; *q; q++)
                    if (*q == '\n' || *q == '\r') *q = ' ';
                fprintf(dump, "%s\n", doc);
            }
            free(doc);
        }
        if (dump) fclose(dump);
        if (s) {
            CHECK_MSG(ws.docs == docs, "%s: %ld of %d documents finished", names[f], ws.docs, docs);
            CHECK_MSG(ws.stuck == 0 && ws.unterminated == 0, "%s: %ld stuck, %ld unterminated",
                      names[f], ws.stuck, ws.unterminated);
            CHECK_MSG(ws.mask_mismatch == 0, "%s: %ld of %ld mask checks differ", names[f],
                      ws.mask_mismatch, ws.mask_checks);
            CHECK_MSG(ws.bad_syntax == 0 && ws.bad_parse == 0, "%s: %ld bad syntax, %ld unparsable",
                      names[f], ws.bad_syntax, ws.bad_parse);
            CHECK_MSG(ws.invalid == 0, "%s: %ld documents do not validate", names[f], ws.invalid);
            CHECK_MSG(ws.refeed_fail == 0, "%s: %ld documents refused byte by byte", names[f],
                      ws.refeed_fail);
            CHECK_MSG(ws.logit_changed == 0, "%s: allowed logits changed", names[f]);
            printf("  %-28s %4ld docs, %6ld tokens, %5ld mask checks\n", names[f], ws.docs,
                   ws.tokens, ws.mask_checks);
        }
        cJSON_Delete(schema);
        l4a_jschema_free(s);
        free(txt);
        free(names[f]);
    }
}

/* json_object mode: any object, and compile(NULL). */
static void test_any_object(const vocab *v, const l4a_jmask *m, bool fast) {
    l4a_jschema *a = NULL, *b = NULL;
    CHECK(l4a_jschema_any_object(&a) == L4A_OK);
    CHECK(l4a_jschema_compile(NULL, 0, &b) == L4A_OK && b);
    l4a_jschema_free(b);
    CHECK(l4a_jschema_compile("  \n", 3, &b) == L4A_OK && b);
    cJSON *obj = cJSON_Parse("{\"type\":\"object\"}");
    walk_stats ws = {0};
    for (int i = 0; a && i < (fast ? 30 : 200); i++) {
        char *doc = walk_once(i % 2 ? a : b, m, v, 7, &ws, 150, 3000);
        if (!doc) continue;
        ws.docs++;
        check_doc(obj, a, doc, &ws, "any object");
        free(doc);
    }
    CHECK_MSG(ws.docs == (fast ? 30 : 200) && ws.stuck == 0 && ws.invalid == 0 &&
              ws.bad_syntax == 0 && ws.mask_mismatch == 0 && ws.refeed_fail == 0,
              "any object: %ld docs, %ld stuck, %ld invalid, %ld mismatches", ws.docs, ws.stuck,
              ws.invalid, ws.mask_mismatch);
    cJSON_Delete(obj);
    l4a_jschema_free(a);
    l4a_jschema_free(b);
}

/* The meeting minutes over a word-level French vocabulary (12k tokens): trie mask against
 * the reference on every step of a few walks. */
static void test_french_vocab(const char *fr, size_t fr_len, bool fast) {
    vocab v = {0};
    voc_french(&v, fr, fr_len);
    l4a_jmask *m = NULL;
    CHECK(l4a_jmask_new((const char *const *)v.pieces, v.lens, v.n, &m) == L4A_OK);
    size_t len;
    char *txt = l4a_test_read_file(l4a_test_path("data/schemas/meeting_minutes.json"), &len);
    l4a_jschema *s = NULL;
    CHECK(txt && l4a_jschema_compile(txt, len, &s) == L4A_OK);
    cJSON *schema = txt ? cJSON_Parse(txt) : NULL;
    walk_stats ws = {0};
    for (int i = 0; m && s && i < (fast ? 3 : 10); i++) {
        char *doc = walk_once(s, m, &v, 3, &ws, 200, 4000);
        if (!doc) continue;
        ws.docs++;
        check_doc(schema, s, doc, &ws, "meeting (French vocabulary)");
        free(doc);
    }
    CHECK_MSG(ws.docs == (fast ? 3 : 10) && ws.mask_mismatch == 0 && ws.invalid == 0 &&
              ws.stuck == 0, "french vocab: %ld docs, %ld/%ld mismatches, %ld invalid, %ld stuck",
              ws.docs, ws.mask_mismatch, ws.mask_checks, ws.invalid, ws.stuck);
    printf("  french vocabulary (%d tokens): %ld docs, %ld mask checks\n", v.n, ws.docs, ws.mask_checks);
    cJSON_Delete(schema);
    l4a_jschema_free(s);
    l4a_jmask_free(m);
    free(txt);
    voc_free(&v);
}

/* ---------------------------------------------------------------- handmade documents */

typedef struct hand {
    const char *schema;
    const char *doc;
    int fail_at;        /* byte refused, or -1: all accepted */
    bool accepting;     /* (when all accepted) is it a complete document */
} hand;

static const hand HAND[] = {
    /* objects, required and order */
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{\"a\":5}", -1, true},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{ \"a\" : -12 }", -1, true},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{\"a\":05}", 6, false},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{\"b\":1}", 2, false},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{}", 1, false},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{\"a\":1.5}", 6, false},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{\"a\":1,}", 6, false},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{\"a\":1}x", 7, false},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{\"a\":1} ", 7, false},
    {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}", "{\"a\"", -1, false},
    {"{\"properties\":{\"a\":{},\"b\":{},\"c\":{}},\"required\":[\"b\"]}", "{\"a\":1,\"b\":[2]}", -1, true},
    {"{\"properties\":{\"a\":{},\"b\":{},\"c\":{}},\"required\":[\"b\"]}", "{\"b\":2,\"a\":1}", 8, false},
    {"{\"properties\":{\"a\":{},\"b\":{},\"c\":{}},\"required\":[\"b\"]}", "{\"c\":1}", 2, false},
    {"{\"properties\":{\"a\":{},\"b\":{},\"c\":{}},\"required\":[\"b\"]}", "{\"b\":{\"x\":null},\"c\":\"\"}", -1, true},
    {"{\"properties\":{\"ab\":{},\"a\":{}}}", "{\"a\":1}", -1, true},
    {"{\"properties\":{\"ab\":{},\"a\":{}}}", "{\"ab\":1,\"a\":2}", -1, true},
    {"{\"properties\":{\"ab\":{},\"a\":{}}}", "{\"a\":1,\"ab\":2}", 6, false},
    /* free keys: no duplicates, canonical spelling, not a listed name */
    {"{\"type\":\"object\"}", "{\"x\":1,\"x\":2}", 9, false},
    {"{\"type\":\"object\"}", "{\"x\":1,\"xy\":2,\"\":3}", -1, true},
    {"{\"type\":\"object\"}", "{\"\\/\":1}", 3, false},
    {"{\"type\":\"object\"}", "{\"\\u0041\":1}", 6, false},
    {"{\"type\":\"object\"}", "{\"\\u001F\":1}", 7, false},
    {"{\"type\":\"object\"}", "{\"\\u001f\\n\":1}", -1, true},
    {"{\"type\":\"object\"}", "{\"\\u000a\":1}", 7, false},
    {"{\"properties\":{\"id\":{}},\"additionalProperties\":{\"type\":\"integer\"}}", "{\"id\":1,\"n\":2}", -1, true},
    {"{\"properties\":{\"id\":{}},\"additionalProperties\":{\"type\":\"integer\"}}", "{\"n\":2,\"id\":1}", 10, false},
    {"{\"properties\":{\"id\":{}},\"additionalProperties\":{\"type\":\"integer\"}}", "{\"n\":\"s\"}", 5, false},
    /* strings */
    {"{\"type\":\"string\"}", "\"a\\nb\\u00e9\\\"\\/\\\\\"", -1, true},
    {"{\"type\":\"string\"}", "\"\\ud83d\"", 4, false},
    {"{\"type\":\"string\"}", "\"\\u0000\"", 6, false},
    {"{\"type\":\"string\"}", "\"\\x\"", 2, false},
    {"{\"type\":\"string\"}", "\"a\nb\"", 2, false},
    {"{\"type\":\"string\"}", "\"\xC3\x28\"", 2, false},
    {"{\"type\":\"string\"}", "\"\xC0\xAF\"", 1, false},
    {"{\"type\":\"string\"}", "\"\xED\xA0\x80\"", 2, false},
    {"{\"type\":\"string\"}", "\"\xF4\x90\x80\x80\"", 2, false},
    {"{\"type\":\"string\"}", "\"\xF0\x9F\x98\x80 \xE2\x82\xAC\"", -1, true},
    {"{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}", "\"ab\"", -1, true},
    {"{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}", "\"abcd\"", 4, false},
    {"{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}", "\"a\"", 2, false},
    {"{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}", "\"\xC3\xA9t\xC3\xA9\"", -1, true},
    {"{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}", "\"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\"", 7, false},
    {"{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}", "\"\\n\\u00e9\\t\"", -1, true},
    {"{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}", "\"\\n\\u00e9\\t\\\\\"", 11, false},
    /* numbers */
    {"{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}", "120", -1, true},
    {"{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}", "121", 2, false},
    {"{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}", "-6", 1, false},
    {"{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}", "-", -1, false},
    {"{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}", "1000", 3, false},
    {"{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}", "-0", -1, true},
    {"{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}", "13", -1, true},
    {"{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}", "1.0", 1, false},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "0.5", -1, true},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "0", -1, false},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "0.000", -1, false},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "1.0", -1, true},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "1.5", 2, false},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "-0.1", 0, false},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "2", 0, false},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "0.00000000000001", -1, true},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1}", "0.000000000000001", 15, false},
    {"{\"type\":\"number\",\"minimum\":0.1,\"maximum\":0.1}", "0.1", -1, true},
    {"{\"type\":\"number\",\"minimum\":0.1,\"maximum\":0.1}", "0.2", 2, false},
    {"{\"type\":\"number\"}", "1e5", 1, false},
    {"{\"type\":\"number\"}", "-12.50", -1, true},
    {"{\"type\":\"number\"}", "123456789012345", -1, true},
    {"{\"type\":\"number\"}", "1234567890123456", 15, false},
    {"{\"type\":\"number\"}", "01", 1, false},
    {"{\"type\":\"number\"}", ".5", 0, false},
    {"{\"type\":\"number\"}", "1.", -1, false},
    {"{\"type\":\"array\",\"items\":{\"type\":\"number\"}}", "[1.]", 3, false},
    {"{\"type\":\"integer\",\"maximum\":-10}", "-10", -1, true},
    {"{\"type\":\"integer\",\"maximum\":-10}", "-9", -1, false},
    {"{\"type\":\"integer\",\"maximum\":-10}", "-1", -1, false},
    /* enums and literals */
    {"{\"enum\":[\"\xC3\xA9t\xC3\xA9\",\"hiver\",1,12,null]}", "\"\xC3\xA9t\xC3\xA9\"", -1, true},
    {"{\"enum\":[\"\xC3\xA9t\xC3\xA9\",\"hiver\",1,12,null]}", "\"ete\"", 1, false},
    {"{\"enum\":[\"\xC3\xA9t\xC3\xA9\",\"hiver\",1,12,null]}", "1", -1, true},
    {"{\"enum\":[\"\xC3\xA9t\xC3\xA9\",\"hiver\",1,12,null]}", "12", -1, true},
    {"{\"enum\":[\"\xC3\xA9t\xC3\xA9\",\"hiver\",1,12,null]}", "13", 1, false},
    {"{\"enum\":[\"\xC3\xA9t\xC3\xA9\",\"hiver\",1,12,null]}", "nul", -1, false},
    {"{\"enum\":[\"\xC3\xA9t\xC3\xA9\",\"hiver\",1,12,null]}", "null", -1, true},
    {"{\"type\":\"array\",\"items\":{\"enum\":[1,12]}}", "[12,1, 1]", -1, true},
    {"{\"type\":\"array\",\"items\":{\"enum\":[1,12]}}", "[12,1, 2]", 7, false},
    {"{\"type\":\"boolean\"}", "true", -1, true},
    {"{\"type\":\"boolean\"}", "tRue", 1, false},
    {"{\"const\":{\"a\":[1,\"\\u00e9\"]}}", "{\"a\":[1,\"\xC3\xA9\"]}", -1, true},
    {"{\"const\":{\"a\":[1,\"\\u00e9\"]}}", "{\"a\": [1]}", 5, false},
    /* arrays */
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":2}", "[]", 1, false},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":2}", "[1,2,3]", 4, false},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":2}", "[ 1 ]", -1, true},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":2}", "[1,]", 3, false},
    {"{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"boolean\"}]}", "[\"a\",true]", -1, true},
    {"{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"boolean\"}]}", "[\"a\",true,1]", 9, false},
    {"{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"boolean\"}]}", "[true]", 1, false},
    {"{\"type\":\"array\",\"maxItems\":0}", "[]", -1, true},
    {"{\"type\":\"array\",\"maxItems\":0}", "[1]", 1, false},
    /* anyOf: two objects told apart late */
    {"{\"anyOf\":[{\"properties\":{\"kind\":{\"const\":\"a\"},\"x\":{\"type\":\"integer\"}},\"required\":[\"kind\",\"x\"]},"
     "{\"properties\":{\"kind\":{\"const\":\"b\"},\"y\":{\"type\":\"string\"}},\"required\":[\"kind\",\"y\"]}]}",
     "{\"kind\":\"b\",\"y\":\"z\"}", -1, true},
    {"{\"anyOf\":[{\"properties\":{\"kind\":{\"const\":\"a\"},\"x\":{\"type\":\"integer\"}},\"required\":[\"kind\",\"x\"]},"
     "{\"properties\":{\"kind\":{\"const\":\"b\"},\"y\":{\"type\":\"string\"}},\"required\":[\"kind\",\"y\"]}]}",
     "{\"kind\":\"a\",\"y\":\"z\"}", 13, false},
    {"{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"number\"}]}", "3.5", -1, true},
    {"{\"type\":[\"string\",\"null\"]}", "null", -1, true},
    {"{\"type\":[\"string\",\"null\"]}", "0", 0, false},
    /* escaped property names */
    {"{\"properties\":{\"a\\\"b\":{\"type\":\"null\"}},\"required\":[\"a\\\"b\"]}", "{\"a\\\"b\":null}", -1, true},
    {"{\"properties\":{\"a\\\"b\":{\"type\":\"null\"}},\"required\":[\"a\\\"b\"]}", "{\"a\\u0022b\":null}", 4, false},
    /* whitespace: bounded gaps */
    {"{\"type\":\"null\"}", "                                        null", -1, true},
    {"{\"type\":\"null\"}", "                                         null", 40, false},
    {"{\"type\":\"array\"}", "[\n  1,\n  2\n]", -1, true},
};

static void test_handmade(void) {
    for (size_t i = 0; i < sizeof HAND / sizeof HAND[0]; i++) {
        const hand *h = &HAND[i];
        l4a_jschema *s = NULL;
        bool compiled = l4a_jschema_compile(h->schema, strlen(h->schema), &s) == L4A_OK;
        CHECK_MSG(compiled, "case %zu: %s", i, l4a_last_error());
        if (!compiled) continue;
        l4a_jmatch st;
        l4a_jmatch_init(&st, s);
        int failed = -1;
        size_t n = strlen(h->doc);
        for (size_t k = 0; k < n && failed < 0; k++)
            if (!l4a_jmatch_feed(&st, h->doc + k, 1)) failed = (int)k;
        CHECK_MSG(failed == h->fail_at, "case %zu: %s on %s: refused at byte %d, expected %d", i,
                  h->schema, h->doc, failed, h->fail_at);
        if (h->fail_at < 0)
            CHECK_MSG(l4a_jmatch_accepting(&st) == h->accepting, "case %zu: %s: accepting %d",
                      i, h->doc, (int)l4a_jmatch_accepting(&st));
        /* all or nothing: the whole text at once gives the same answer, and a refused feed
         * leaves the state as it was */
        l4a_jmatch whole;
        l4a_jmatch_init(&whole, s);
        bool ok = l4a_jmatch_feed(&whole, h->doc, n);
        CHECK_MSG(ok == (h->fail_at < 0), "case %zu: whole feed %d", i, (int)ok);
        if (!ok) {
            CHECK(!l4a_jmatch_accepting(&whole) || !h->doc[0]);
            l4a_jmatch fresh;
            l4a_jmatch_init(&fresh, s);
            CHECK(whole.n == fresh.n && memcmp(&whole.th[0], &fresh.th[0],
                                               offsetof(l4a_jthread, keys)) == 0);
        }
        l4a_jschema_free(s);
    }
}

/* Nesting up to the matcher's stack (L4A_JM_MAX_DEPTH values), and not one more. */
static void test_depth(void) {
    l4a_jschema *s = NULL;
    CHECK(l4a_jschema_compile("{\"type\":\"array\"}", 16, &s) == L4A_OK);
    if (!s) return;
    char doc[2 * L4A_JM_MAX_DEPTH + 2];
    for (int extra = 0; extra < 2; extra++) {
        int n = L4A_JM_MAX_DEPTH + extra;
        for (int i = 0; i < n; i++) doc[i] = '[', doc[n + i] = ']';
        l4a_jmatch st;
        l4a_jmatch_init(&st, s);
        int failed = -1;
        for (int i = 0; i < 2 * n && failed < 0; i++)
            if (!l4a_jmatch_feed(&st, doc + i, 1)) failed = i;
        CHECK_MSG(failed == (extra ? L4A_JM_MAX_DEPTH : -1), "depth %d: refused at %d", n, failed);
        if (!extra) CHECK(l4a_jmatch_accepting(&st));
    }
    l4a_jschema_free(s);
}

static void test_can_continue(void) {
    const char *sch = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"maximum\":99}}}";
    l4a_jschema *s = NULL;
    CHECK(l4a_jschema_compile(sch, strlen(sch), &s) == L4A_OK);
    if (!s) return;
    l4a_jmatch st;
    l4a_jmatch_init(&st, s);
    CHECK(l4a_jmatch_can_continue(&st) && !l4a_jmatch_accepting(&st));
    CHECK(l4a_jmatch_feed(&st, "{\"n\":99", 7));
    CHECK(l4a_jmatch_can_continue(&st) && !l4a_jmatch_accepting(&st));
    CHECK(!l4a_jmatch_feed(&st, "9", 1));
    CHECK(l4a_jmatch_feed(&st, "}", 1));
    CHECK(!l4a_jmatch_can_continue(&st) && l4a_jmatch_accepting(&st));
    l4a_jschema_free(s);

    /* a root number: complete but may go on, until the digits run out */
    const char *num = "{\"type\":\"integer\"}";
    CHECK(l4a_jschema_compile(num, strlen(num), &s) == L4A_OK);
    l4a_jmatch_init(&st, s);
    CHECK(l4a_jmatch_feed(&st, "12345678901234", 14));
    CHECK(l4a_jmatch_accepting(&st) && l4a_jmatch_can_continue(&st));
    CHECK(l4a_jmatch_feed(&st, "5", 1));
    CHECK(l4a_jmatch_accepting(&st) && !l4a_jmatch_can_continue(&st));
    l4a_jschema_free(s);
}

/* ---------------------------------------------------------------- refused schemas */

typedef struct bad {
    const char *schema;
    l4a_status st;
    const char *needle;     /* must appear in the message */
} bad;

static const bad BAD[] = {
    {"{\"type\":\"string\",\"pattern\":\"^a\"}", L4A_ERR_UNSUPPORTED, "'pattern'"},
    {"{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\",\"pattern\":\"a\"}}}", L4A_ERR_UNSUPPORTED, "#/properties/x: keyword 'pattern'"},
    {"{\"type\":\"number\",\"multipleOf\":2}", L4A_ERR_UNSUPPORTED, "'multipleOf'"},
    {"{\"not\":{}}", L4A_ERR_UNSUPPORTED, "'not'"},
    {"{\"type\":\"object\",\"minProperties\":1}", L4A_ERR_UNSUPPORTED, "'minProperties'"},
    {"{\"if\":{},\"then\":{}}", L4A_ERR_UNSUPPORTED, "'if'"},
    {"{\"patternProperties\":{}}", L4A_ERR_UNSUPPORTED, "'patternProperties'"},
    {"{\"allOf\":[{},{}]}", L4A_ERR_UNSUPPORTED, "'allOf'"},
    {"{\"type\":\"array\",\"uniqueItems\":true}", L4A_ERR_UNSUPPORTED, "'uniqueItems'"},
    {"{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\"}]}", L4A_ERR_UNSUPPORTED, "oneOf"},
    {"{\"oneOf\":[{\"type\":\"object\"},{\"type\":\"object\",\"properties\":{\"a\":{}}}]}", L4A_ERR_UNSUPPORTED, "oneOf"},
    {"{\"oneOf\":[{\"enum\":[1,2]},{\"const\":2}]}", L4A_ERR_UNSUPPORTED, "oneOf"},
    {"{\"oneOf\":[{\"properties\":{\"a\":{}}},{\"type\":\"string\"}]}", L4A_ERR_UNSUPPORTED, "may both match a string"},
    {"{\"$ref\":\"#node\"}", L4A_ERR_UNSUPPORTED, "anchor"},
    {"{\"type\":\"object\",\"anyOf\":[{},{}]}", L4A_ERR_UNSUPPORTED, "'anyOf' combined with 'type'"},
    {"{\"$ref\":\"#/$defs/a\",\"type\":\"object\",\"$defs\":{\"a\":{}}}", L4A_ERR_UNSUPPORTED, "'$ref' combined with 'type'"},
    {"{\"enum\":[1],\"minimum\":0}", L4A_ERR_UNSUPPORTED, "'enum' combined with 'minimum'"},
    {"{\"$ref\":\"http://example.com/s.json\"}", L4A_ERR_UNSUPPORTED, "not local"},
    {"{\"$ref\":\"#/$defs/nope\",\"$defs\":{}}", L4A_ERR_FORMAT, "'#/$defs/nope' points to nowhere"},
    {"{\"$ref\":\"#\"}", L4A_ERR_FORMAT, "refers to itself"},
    {"{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}", L4A_ERR_FORMAT, "refers to itself"},
    {"{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#\"}},\"required\":[\"next\"]}", L4A_ERR_UNSUPPORTED, "no finite document"},
    {"{\"$defs\":{\"l\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/l\"},\"minItems\":1}},\"$ref\":\"#/$defs/l\"}", L4A_ERR_UNSUPPORTED, "no finite document"},
    {"{\"$defs\":{\"a\":{\"anyOf\":[{\"$ref\":\"#/$defs/a\"},{\"type\":\"null\"}]}},\"$ref\":\"#/$defs/a\"}", L4A_ERR_UNSUPPORTED, "anyOf"},
    {"{\"type\":", L4A_ERR_FORMAT, "not valid JSON"},
    {"{\"type\":\"string\"} x", L4A_ERR_FORMAT, "text after the schema"},
    {"[1,2]", L4A_ERR_FORMAT, "must be an object or a boolean"},
    {"{\"type\":5}", L4A_ERR_FORMAT, "'type'"},
    {"{\"type\":\"strin\"}", L4A_ERR_FORMAT, "unknown type 'strin'"},
    {"{\"type\":[]}", L4A_ERR_FORMAT, "'type'"},
    {"{\"properties\":[]}", L4A_ERR_FORMAT, "'properties'"},
    {"{\"properties\":{\"a\":3}}", L4A_ERR_FORMAT, "#/properties/a: a schema must be"},
    {"{\"type\":\"string\",\"minLength\":-1}", L4A_ERR_FORMAT, "'minLength'"},
    {"{\"type\":\"string\",\"maxLength\":1.5}", L4A_ERR_FORMAT, "'maxLength'"},
    {"{\"type\":\"integer\",\"minimum\":\"3\"}", L4A_ERR_FORMAT, "'minimum'"},
    {"{\"required\":\"a\"}", L4A_ERR_FORMAT, "'required'"},
    {"{\"required\":[\"x\"]}", L4A_ERR_UNSUPPORTED, "required property 'x'"},
    {"{\"properties\":{\"a\":{},\"a\":{}}}", L4A_ERR_FORMAT, "listed twice"},
    {"{\"type\":\"string\",\"minLength\":5,\"maxLength\":2}", L4A_ERR_UNSUPPORTED, "minLength 5 > maxLength 2"},
    {"{\"type\":\"array\",\"minItems\":3,\"maxItems\":2}", L4A_ERR_UNSUPPORTED, "minItems 3"},
    {"{\"prefixItems\":[{}],\"minItems\":2}", L4A_ERR_UNSUPPORTED, "minItems 2"},
    {"{\"type\":\"integer\",\"minimum\":1e20}", L4A_ERR_UNSUPPORTED, "15 digits"},
    {"{\"type\":\"integer\",\"minimum\":0.5,\"maximum\":0.9}", L4A_ERR_UNSUPPORTED, "integer"},
    {"{\"type\":\"number\",\"exclusiveMinimum\":1,\"exclusiveMaximum\":1}", L4A_ERR_UNSUPPORTED, "bounds"},
    {"{\"enum\":[]}", L4A_ERR_UNSUPPORTED, "'enum'"},
    {"{\"type\":\"string\",\"enum\":[1,2]}", L4A_ERR_UNSUPPORTED, "no value of 'enum'"},
    {"{\"enum\":\"a\"}", L4A_ERR_FORMAT, "'enum' must be a list"},
    {"{\"anyOf\":[]}", L4A_ERR_FORMAT, "'anyOf'"},
    {"{\"const\":12345678901234567890}", L4A_ERR_UNSUPPORTED, "2^53"},
    {"false", L4A_ERR_UNSUPPORTED, "false"},
    {"{\"properties\":{\"a\":false},\"required\":[\"a\"]}", L4A_ERR_UNSUPPORTED, "schema false"},
};

static void test_refused(void) {
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        l4a_jschema *s = (l4a_jschema *)1;
        l4a_status st = l4a_jschema_compile(BAD[i].schema, strlen(BAD[i].schema), &s);
        const char *msg = l4a_last_error();
        CHECK_MSG(st == BAD[i].st && s == NULL, "case %zu %s: status %d (%s), expected %d", i,
                  BAD[i].schema, st, msg, BAD[i].st);
        CHECK_MSG(strstr(msg, BAD[i].needle) && strncmp(msg, "json schema", 11) == 0,
                  "case %zu %s: message \"%s\" lacks \"%s\"", i, BAD[i].schema, msg, BAD[i].needle);
        if (st == L4A_OK) l4a_jschema_free(s);
    }
    /* nesting needed deeper than the matcher's stack */
    char deep[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "{\"type\":\"object\",\"required\":[\"a\"],\"properties\":{\"a\":");
    strcat(deep, "{\"type\":\"null\"}");
    for (int i = 0; i < 40; i++) strcat(deep, "}}");
    l4a_jschema *s = NULL;
    CHECK(l4a_jschema_compile(deep, strlen(deep), &s) == L4A_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(l4a_last_error(), "nested 41 deep"), "%s", l4a_last_error());

    /* size limits, so that a schema from a request cannot make compilation quadratic */
    size_t cap = 1 << 17, n = 0;
    char *big = malloc(cap);
    n += (size_t)snprintf(big + n, cap - n, "{\"properties\":{");
    for (int i = 0; i < 5000; i++) n += (size_t)snprintf(big + n, cap - n, "%s\"p%d\":{}", i ? "," : "", i);
    n += (size_t)snprintf(big + n, cap - n, "}}");
    CHECK(l4a_jschema_compile(big, n, &s) == L4A_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(l4a_last_error(), "5000 properties"), "%s", l4a_last_error());
    n = (size_t)snprintf(big, cap, "{\"enum\":[");
    for (int i = 0; i < 5000; i++) n += (size_t)snprintf(big + n, cap - n, "%s%d", i ? "," : "", i);
    n += (size_t)snprintf(big + n, cap - n, "]}");
    CHECK(l4a_jschema_compile(big, n, &s) == L4A_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(l4a_last_error(), "enum of 5000 values"), "%s", l4a_last_error());
    free(big);
}

/* Allocation failures anywhere in compile and mask building: an error, never a crash. */
static void test_alloc_failures(const vocab *v) {
    size_t len;
    char *txt = l4a_test_read_file(l4a_test_path("data/schemas/meeting_minutes.json"), &len);
    if (!CHECK(txt != NULL)) return;
    int ok_at = -1;
    for (int k = 0; k < 400 && ok_at < 0; k++) {
        l4a_jschema *s = NULL;
        l4a_alloc_fail_after(k);
        l4a_status st = l4a_jschema_compile(txt, len, &s);
        l4a_alloc_fail_after(-1);
        if (st == L4A_OK) ok_at = k;
        else CHECK_MSG(st == L4A_ERR_NOMEM && !s, "fail after %d: %d %s", k, st, l4a_last_error());
        l4a_jschema_free(s);
    }
    CHECK(ok_at > 0);
    ok_at = -1;
    for (int k = 0; k < 100 && ok_at < 0; k++) {
        l4a_jmask *m = NULL;
        l4a_alloc_fail_after(k);
        l4a_status st = l4a_jmask_new((const char *const *)v->pieces, v->lens, v->n, &m);
        l4a_alloc_fail_after(-1);
        if (st == L4A_OK) ok_at = k;
        else CHECK_MSG(st == L4A_ERR_NOMEM && !m, "mask, fail after %d: %d", k, st);
        l4a_jmask_free(m);
    }
    CHECK(ok_at > 0);
    free(txt);
}

static void test_mask_api(const vocab *v, const l4a_jmask *m) {
    l4a_jmask *x = NULL;
    const char *p[1] = {NULL};
    uint32_t l[1] = {3}, big[1] = {70000};
    CHECK(l4a_jmask_new(p, l, 0, &x) == L4A_ERR_INVALID_ARG && !x);
    CHECK(l4a_jmask_new(p, l, 1, &x) == L4A_ERR_INVALID_ARG && !x);
    p[0] = "abc";
    CHECK(l4a_jmask_new(p, big, 1, &x) == L4A_ERR_INVALID_ARG && !x);
    l4a_jmask_free(NULL);
    l4a_jschema_free(NULL);

    /* EOS only when accepting; control tokens never; out-of-range EOS ignored */
    l4a_jschema *s = NULL;
    CHECK(l4a_jschema_compile("{\"type\":\"boolean\"}", 18, &s) == L4A_OK);
    l4a_jmatch st;
    l4a_jmatch_init(&st, s);
    float *lg = malloc((size_t)v->n * sizeof *lg);
    for (int32_t i = 0; i < v->n; i++) lg[i] = 1.0f;
    l4a_jmask_apply(m, &st, lg, v->eos);
    CHECK(isinf(lg[v->eos]) && isinf(lg[v->eos + 1]) && !isinf(lg['t']) && isinf(lg['x']));
    int32_t tok_true = -1;
    for (int32_t i = 0; i < v->n && tok_true < 0; i++)
        if (!strcmp(v->pieces[i], "true")) tok_true = i;
    CHECK(tok_true >= 0 && !isinf(lg[tok_true]));
    CHECK(l4a_jmask_feed_token(m, &st, tok_true));
    for (int32_t i = 0; i < v->n; i++) lg[i] = 2.0f;
    l4a_jmask_apply(m, &st, lg, v->eos);
    int32_t allowed = 0;
    for (int32_t i = 0; i < v->n; i++) allowed += !isinf(lg[i]);
    CHECK(allowed == 1 && lg[v->eos] == 2.0f);
    /* several end tokens (end of turn and EOS) */
    l4a_token ends[2] = {v->eos, v->eos + 1};
    for (int32_t i = 0; i < v->n; i++) lg[i] = 3.0f;
    l4a_jmask_apply_ends(m, &st, lg, ends, 2);
    CHECK(lg[v->eos] == 3.0f && lg[v->eos + 1] == 3.0f && isinf(lg[v->eos - 1]) && isinf(lg['t']));
    l4a_jmatch fresh;
    l4a_jmatch_init(&fresh, s);
    for (int32_t i = 0; i < v->n; i++) lg[i] = 3.0f;
    l4a_jmask_apply_ends(m, &fresh, lg, ends, 2);
    CHECK(isinf(lg[v->eos]) && isinf(lg[v->eos + 1]) && lg['t'] == 3.0f);
    /* no scratch memory: the token-by-token path gives the same mask */
    float *lg2 = malloc((size_t)v->n * sizeof *lg2);
    for (int32_t i = 0; i < v->n; i++) lg[i] = lg2[i] = 1.0f;
    l4a_jmask_apply(m, &fresh, lg, v->eos);
    l4a_alloc_fail_after(0);
    l4a_jmask_apply(m, &fresh, lg2, v->eos);
    l4a_alloc_fail_after(-1);
    CHECK(memcmp(lg, lg2, (size_t)v->n * sizeof *lg) == 0);
    free(lg2);
    l4a_jmask_apply(m, &st, lg, v->n + 5);
    CHECK(!l4a_jmask_feed_token(m, &st, -1) && !l4a_jmask_feed_token(m, &st, v->n) &&
          !l4a_jmask_feed_token(m, &st, v->eos));
    free(lg);
    l4a_jschema_free(s);
}

int main(void) {
    const bool fast = getenv("L4A_TEST_FAST") != NULL;
    size_t fr_len = 0;
    char *fr = l4a_test_read_file(l4a_test_path("data/fr_handbook.txt"), &fr_len);
    CHECK(fr != NULL);

    vocab v = {0};
    voc_fake(&v, fr ? fr : "", fr ? fr_len : 0);
    l4a_jmask *m = NULL;
    CHECK(l4a_jmask_new((const char *const *)v.pieces, v.lens, v.n, &m) == L4A_OK);

    test_handmade();
    test_can_continue();
    test_depth();
    test_refused();
    if (m) {
        test_mask_api(&v, m);
        test_walks(&v, m, fast);
        test_any_object(&v, m, fast);
    }
    if (fr) test_french_vocab(fr, fr_len, fast);
    test_alloc_failures(&v);

    l4a_jmask_free(m);
    voc_free(&v);
    free(fr);
    return l4a_test_summary("test_json_schema");
}
