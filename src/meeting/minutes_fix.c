/*
 * minutes_fix.c - turning a generated document into minutes that validate: closing one that
 * the token budget cut (it is then a prefix of a valid document, since sampling was
 * constrained), and normalising its fields into the schema's structure and bounds.
 *
 * The bounds below are those of data/schemas/meeting_minutes.json (full) and
 * meeting_minutes_partial.json (partial); test_summarize checks that the two agree.
 * Not here: validation (minutes_check.c).
 */
#include "meeting/summary.h"

#include <ctype.h>
#include <string.h>

typedef struct bounds {
    int title, summary, participants, participant, topics, theme, points, point;
    int decisions, actions, owner, action, deadline, questions, item, next_meeting;
} bounds;

static const bounds FULL = {150, 1500, 40, 80, 10, 120, 8, 300, 40, 40, 80, 300, 80, 30, 300,
                            200};
static const bounds PART = {0, 600, 20, 80, 6, 120, 5, 250, 10, 10, 80, 250, 80, 8, 250, 200};

static bool is_en(const char *lang) { return lang && !strncmp(lang, "en", 2); }

/* ---- closing a cut document */

/* Closing text for s[0..p): '"' if inside a string, then the open containers' closers;
 * false when p is inside an escape. */
static bool closers(const char *s, size_t p, char *out, size_t cap) {
    char stack[64];
    int depth = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < p; i++) {
        char c = s[i];
        if (in_str) {
            if (esc) esc = false;
            else if (c == '\\') esc = true;
            else if (c == '"') in_str = false;
            continue;
        }
        if (c == '"') in_str = true;
        else if (c == '{' || c == '[') {
            if (depth == (int)sizeof stack) return false;
            stack[depth++] = c == '{' ? '}' : ']';
        } else if ((c == '}' || c == ']') && depth > 0) depth--;
    }
    if (esc) return false;
    /* a \u escape cut short */
    if (in_str) {
        size_t k = p;
        int hex = 0;
        while (k > 0 && hex < 5 && strchr("0123456789abcdefABCDEF", s[k - 1])) { k--; hex++; }
        if (k >= 2 && s[k - 1] == 'u' && s[k - 2] == '\\' && hex < 4) return false;
    }
    size_t o = 0;
    if (in_str) out[o++] = '"';
    while (depth > 0 && o + 1 < cap) out[o++] = stack[--depth];
    out[o] = 0;
    return true;
}

cJSON *l4a_minutes_repair(const char *text, size_t len, bool partial, const char *language) {
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (!doc) {
        char *buf = l4a_malloc(len + 80);
        if (!buf) return NULL;
        for (size_t p = len; p > 0 && !doc; p--) {
            if (p < len && ((unsigned char)text[p] & 0xC0) == 0x80) continue;
            char tail[70];
            if (!closers(text, p, tail, sizeof tail)) continue;
            size_t tl = strlen(tail);
            if (!tl) continue;
            memcpy(buf, text, p);
            memcpy(buf + p, tail, tl);
            doc = cJSON_ParseWithLength(buf, p + tl);
        }
        l4a_free(buf);
    }
    if (!doc) return NULL;
    return l4a_minutes_normalize(doc, partial, language);
}

/* ---- normalising */

/* A trimmed copy of a string item cut at max code points; NULL when empty or not a string. */
static char *clean_str(const cJSON *v, int max) {
    if (!cJSON_IsString(v) || !v->valuestring) return NULL;
    const char *s = v->valuestring;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    size_t cut = 0;
    int cps = 0;
    while (cut < n && cps < max) {
        cut++;
        while (cut < n && ((unsigned char)s[cut] & 0xC0) == 0x80) cut++;
        cps++;
    }
    while (cut && (s[cut - 1] == ' ')) cut--;
    if (!cut) return NULL;
    char *r = l4a_strndup(s, cut);
    if (r)                              /* no control characters in minutes */
        for (char *q = r; *q; q++)
            if ((unsigned char)*q < 0x20) *q = ' ';
    return r;
}

/* Whether s[i] ends a sentence of s[0..n): . ! or ? then a space or the end, and not the
 * initial of a name ("M. Dupont", "J. Chirac": one letter before the point). */
static bool sentence_end(const char *s, size_t i, size_t n) {
    if (!strchr(".!?", s[i]) || (i + 1 < n && s[i + 1] != ' ')) return false;
    return !(s[i] == '.' && i >= 1 && isalpha((unsigned char)s[i - 1]) &&
             (i == 1 || s[i - 2] == ' '));
}

/* Drop, in place, every sentence of s that repeats an earlier one word for word, and a last
 * unfinished sentence that begins like an earlier one: a small model decoding greedily can
 * loop on two sentences until the summary's maxLength ("Les membres ont approuvé … Le
 * directeur a également discuté … Les membres ont approuvé …"). Finished sentences of under
 * 16 bytes stay. */
static void drop_repeats(char *s) {
    size_t w = 0, n = strlen(s);
    for (size_t r = 0; r < n;) {
        size_t e = r;                   /* the sentence s[r..e): up to ". " "! " "? " or the end */
        while (e < n && !sentence_end(s, e, n)) e++;
        bool finished = e < n;
        if (finished) e++;
        size_t len = e - r;
        bool seen = false;
        for (size_t k = 0; k < w && !seen;) {   /* earlier kept sentences */
            size_t f = k;
            while (f < w && !sentence_end(s, f, w)) f++;
            if (f < w) f++;
            size_t klen = f - k;
            seen = (finished ? len >= 16 && klen == len : len <= klen) &&
                   !memcmp(s + k, s + r, len);
            k = f;
            while (k < w && s[k] == ' ') k++;
        }
        if (!seen) {
            if (w && s[w - 1] != ' ') s[w++] = ' ';
            memmove(s + w, s + r, len);
            w += len;
        }
        r = e;
        while (r < n && s[r] == ' ') r++;
    }
    while (w && s[w - 1] == ' ') w--;
    s[w] = 0;
}

static bool add_str(cJSON *obj, const char *key, const char *val) {
    return cJSON_AddStringToObject(obj, key, val) != NULL;
}

/* A new array of the cleaned, de-duplicated strings of src (at most max_items). */
static cJSON *str_array(const cJSON *src, int max_items, int max_len) {
    cJSON *a = cJSON_CreateArray();
    if (!a) return NULL;
    const cJSON *v;
    int n = 0;
    const cJSON *arr = cJSON_IsArray(src) ? src : NULL;
    cJSON_ArrayForEach(v, arr) {
        if (n >= max_items) break;
        char *s = clean_str(v, max_len);
        if (!s) continue;
        bool dup = false;
        const cJSON *w;
        cJSON_ArrayForEach(w, a) if (!strcmp(w->valuestring, s)) dup = true;
        if (!dup) {
            cJSON *item = cJSON_CreateString(s);
            if (!item || !cJSON_AddItemToArray(a, item)) {
                cJSON_Delete(item);
                l4a_free(s);
                cJSON_Delete(a);
                return NULL;
            }
            n++;
        }
        l4a_free(s);
    }
    return a;
}

static cJSON *topics(const cJSON *src, const bounds *b) {
    cJSON *a = cJSON_CreateArray();
    if (!a) return NULL;
    const cJSON *v;
    int n = 0;
    const cJSON *arr = cJSON_IsArray(src) ? src : NULL;
    cJSON_ArrayForEach(v, arr) {
        if (n >= b->topics) break;
        if (!cJSON_IsObject(v)) continue;
        char *theme = clean_str(cJSON_GetObjectItemCaseSensitive(v, "theme"), b->theme);
        cJSON *pts = str_array(cJSON_GetObjectItemCaseSensitive(v, "points"), b->points, b->point);
        cJSON *t = cJSON_CreateObject();
        bool ok = theme && pts && t && add_str(t, "theme", theme);
        if (ok) { ok = cJSON_AddItemToObject(t, "points", pts); if (ok) pts = NULL; }
        if (ok) { ok = cJSON_AddItemToArray(a, t); if (ok) { t = NULL; n++; } }
        l4a_free(theme);
        cJSON_Delete(pts);
        cJSON_Delete(t);
    }
    return a;
}

static cJSON *actions(const cJSON *src, const bounds *b, const char *language) {
    cJSON *a = cJSON_CreateArray();
    if (!a) return NULL;
    const cJSON *v;
    int n = 0;
    const cJSON *arr = cJSON_IsArray(src) ? src : NULL;
    cJSON_ArrayForEach(v, arr) {
        if (n >= b->actions) break;
        if (!cJSON_IsObject(v)) continue;
        char *action = clean_str(cJSON_GetObjectItemCaseSensitive(v, "action"), b->action);
        if (!action) continue;
        char *owner = clean_str(cJSON_GetObjectItemCaseSensitive(v, "owner"), b->owner);
        char *dl = clean_str(cJSON_GetObjectItemCaseSensitive(v, "deadline"), b->deadline);
        cJSON *t = cJSON_CreateObject();
        bool ok = t && add_str(t, "owner", owner ? owner : is_en(language) ? "(unspecified)"
                                                                          : "(non précisé)") &&
                  add_str(t, "action", action) &&
                  (dl ? add_str(t, "deadline", dl) : cJSON_AddNullToObject(t, "deadline") != NULL);
        if (ok && cJSON_AddItemToArray(a, t)) { t = NULL; n++; }
        cJSON_Delete(t);
        l4a_free(action);
        l4a_free(owner);
        l4a_free(dl);
    }
    return a;
}

/* A partial note cut before its summary (the lists come first in its schema, and a talkative
 * chunk fills the budget with them): a summary made of its decisions and open questions, whole
 * items that fit max bytes, each ended as a sentence; NULL when it has none. Without it the
 * note's prose is a placeholder, and a reduce over placeholders only is where the model invents
 * a meeting ("La réunion a été déroulée avec succès. ... stratégie de développement pour
 * l'année 2023", three FREDSum debates). */
static char *summary_from_lists(const cJSON *note, size_t max) {
    char *out = l4a_malloc(max + 1);
    if (!out) return NULL;
    size_t n = 0;
    static const char *const keys[] = {"decisions", "open_questions"};
    for (int k = 0; k < 2; k++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(note, keys[k])) {
            const char *t = cJSON_GetStringValue(it);
            size_t len = t ? strlen(t) : 0;
            if (!len) continue;
            const char last = t[len - 1];
            bool ended = last == '.' || last == '!' || last == '?' ||
                         (len >= 3 && !strcmp(t + len - 3, "…"));
            size_t need = (n ? 1 : 0) + len + (ended ? 0 : 1);
            if (n + need > max) continue;
            if (n) out[n++] = ' ';
            memcpy(out + n, t, len);
            n += len;
            if (!ended) out[n++] = '.';
        }
    }
    out[n] = 0;
    if (n == 0) { l4a_free(out); return NULL; }
    return out;
}

cJSON *l4a_minutes_normalize(cJSON *in, bool partial, const char *language) {
    if (!cJSON_IsObject(in)) { cJSON_Delete(in); return NULL; }
    const bounds *b = partial ? &PART : &FULL;
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (ok && !partial) {
        char *t = clean_str(cJSON_GetObjectItemCaseSensitive(in, "title"), b->title);
        ok = add_str(o, "title", t ? t : is_en(language) ? "Meeting minutes"
                                                         : "Compte rendu de réunion");
        l4a_free(t);
    }
    cJSON *parts = ok ? str_array(cJSON_GetObjectItemCaseSensitive(in, "participants"),
                                  b->participants, b->participant) : NULL;
    ok = ok && parts && cJSON_AddItemToObject(o, "participants", parts);
    if (!ok) cJSON_Delete(parts);
    bool no_summary = false;
    if (ok) {
        char *s = clean_str(cJSON_GetObjectItemCaseSensitive(in, "summary"), b->summary);
        if (s) drop_repeats(s);
        no_summary = !s;
        ok = add_str(o, "summary", s ? s : is_en(language) ? "(no summary)" : "(pas de résumé)");
        l4a_free(s);
    }
    static const char *const keys[] = {"topics", "decisions", "action_items", "open_questions"};
    for (int k = 0; k < 4 && ok; k++) {
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(in, keys[k]);
        cJSON *a = k == 0   ? topics(src, b)
                   : k == 1 ? str_array(src, b->decisions, b->item)
                   : k == 2 ? actions(src, b, language)
                            : str_array(src, b->questions, b->item);
        ok = a && cJSON_AddItemToObject(o, keys[k], a);
        if (!ok) cJSON_Delete(a);
    }
    if (ok && partial && no_summary) {  /* in place of the placeholder, same position */
        char *s = summary_from_lists(o, (size_t)b->summary);
        cJSON *v = s ? cJSON_CreateString(s) : NULL;
        if (v && !cJSON_ReplaceItemInObjectCaseSensitive(o, "summary", v)) cJSON_Delete(v);
        l4a_free(s);
    }
    if (ok) {               /* a string, or null when none was said */
        char *nm = clean_str(cJSON_GetObjectItemCaseSensitive(in, "next_meeting"),
                             b->next_meeting);
        ok = nm ? add_str(o, "next_meeting", nm) : cJSON_AddNullToObject(o, "next_meeting") != NULL;
        l4a_free(nm);
    }
    cJSON_Delete(in);
    if (!ok) { cJSON_Delete(o); return NULL; }
    return o;
}
