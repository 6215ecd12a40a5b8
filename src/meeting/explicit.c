/*
 * explicit.c - decisions stated in so many words ("Décision : …", "C'est décidé : …", "Nous
 * décidons …"), found by code in the rendered transcript ("Speaker: text" lines) and added to
 * the model's decisions when it left them out.
 *
 * Why: a small model asked for the decisions of a long chunk fills its list with remarks and
 * proposals, and a real decision late in the chunk can fall past its output budget (the
 * two-hour benchmark of docs/summarize.md lost "le budget de formation est fixé à 12 000
 * euros" that way). A sentence that announces itself as a decision is kept whatever the model
 * writes. The markers are few and unambiguous on purpose: "rien n'est décidé" or "on n'a pas
 * décidé" contain none of them; a proposal ("je propose …") is the model's to judge.
 *
 * The next meeting is found the same way: the last sentence that announces it ("prochaine
 * réunion", "prochaine séance" …) and carries a date or a day. It replaces the model's wording,
 * which can add what was not said (at -c 1024 the 1.5B model turned "La prochaine réunion
 * aura lieu le 22 mai." into "Le 22 mai à 10h30, salle de réunion"); the model's stays when
 * no such sentence is there.
 *
 * Not here: near-duplicates across notes (lists.c), the schema's bounds (minutes_fix.c).
 */
#include "meeting/summary.h"

#include <ctype.h>
#include <string.h>

/* Lower-case markers; a prefix marker is dropped from the decision ("Décision : X" gives X). */
static const struct { const char *m; bool prefix; } MARKERS[] = {
    {"décision :", true},     {"décision:", true},          {"c'est décidé :", true},
    {"c'est décidé, ", true}, {"c'est acté :", true},       {"c'est décidé", false},
    {"il est décidé", false}, {"nous décidons", false},     {"nous avons décidé", false},
    {"on a décidé", false},   {"on décide", false},         {"il a été décidé", false},
    {"décision prise", false},
};

/* A decision is at least this many bytes once its marker is dropped ("C'est décidé." alone
 * says nothing). */
#define L4A_EXPLICIT_MIN 12

/* ASCII lower case, and the upper-case accented letters of French marker words (É). */
static void lower_copy(const char *s, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xC3 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9E) {
            out[i] = (char)c;
            out[i + 1] = (char)((unsigned char)s[i + 1] + 0x20);
            i++;
            continue;
        }
        out[i] = (char)tolower(c);
    }
    out[n] = 0;
}

/* Apostrophes as the markers write them (the typographic one is common in transcripts). */
static void plain_quotes(char *s) {
    char *w = s;
    for (const char *r = s; *r;) {
        if ((unsigned char)r[0] == 0xE2 && (unsigned char)r[1] == 0x80 &&
            (unsigned char)r[2] == 0x99) {
            *w++ = '\'';
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
}

/* The decision a sentence states, l4a_malloc'ed, or NULL (none, or out of memory: *st). */
static char *decision_of(const char *s, size_t n, l4a_status *st) {
    char *low = l4a_malloc(n + 1), *text = l4a_malloc(n + 1);
    char *res = NULL;
    if (!low || !text) {
        *st = l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (explicit decisions)");
        goto done;
    }
    memcpy(text, s, n);
    text[n] = 0;
    plain_quotes(text);
    n = strlen(text);
    lower_copy(text, n, low);
    for (size_t k = 0; k < sizeof MARKERS / sizeof *MARKERS; k++) {
        const char *at = strstr(low, MARKERS[k].m);
        if (!at) continue;
        size_t from = 0;
        if (MARKERS[k].prefix) {
            if (at != low) continue;        /* "Décision : X" only at the sentence's start */
            from = strlen(MARKERS[k].m);
            while (text[from] == ' ') from++;
        }
        if (n - from < L4A_EXPLICIT_MIN) break;
        res = l4a_malloc(n - from + 1);
        if (!res) {
            *st = l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (explicit decisions)");
            break;
        }
        memcpy(res, text + from, n - from + 1);
        res[0] = (char)toupper((unsigned char)res[0]);
        break;
    }
done:
    l4a_free(low);
    l4a_free(text);
    return res;
}

/* Whether the array of strings has a near-duplicate of s (ROUGE-1 F1 >= 0.5, or s's words
 * mostly there: the model's wording of the same decision). */
static l4a_status present(const cJSON *arr, const char *s, bool *yes) {
    *yes = false;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) {
        if (!cJSON_IsString(v)) continue;
        l4a_status st = l4a_text_near(v->valuestring, s, 0.5, 0.8, yes);
        if (st != L4A_OK || *yes) return st;
    }
    return L4A_OK;
}

/* Add one found decision to found unless arr (the model's) or found has it already. */
static l4a_status add(const cJSON *arr, cJSON *found, const char *d) {
    bool dup;
    l4a_status st = present(arr, d, &dup);
    if (st == L4A_OK && !dup) st = present(found, d, &dup);
    if (st != L4A_OK || dup) return st;
    cJSON *s = cJSON_CreateString(d);
    if (!s || !cJSON_AddItemToArray(found, s)) {
        cJSON_Delete(s);
        return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (explicit decisions)");
    }
    return L4A_OK;
}

/* Call fn on each sentence of the rendered transcript text that is not a question, in order
 * (speaker labels dropped; sentences end at . ! ? followed by a space or the line's end),
 * until it returns an error. */
typedef l4a_status (*sentence_fn)(const char *s, size_t n, void *user);

static l4a_status each_sentence(const char *text, sentence_fn fn, void *user) {
    l4a_status st = L4A_OK;
    for (const char *line = text; *line && st == L4A_OK;) {
        size_t len = strcspn(line, "\n");
        const char *colon = memchr(line, ':', len), *p = line, *end = line + len;
        if (colon && colon > line && colon[-1] != ' ' && colon - line < 80 && colon + 1 < end &&
            colon[1] == ' ')
            p = colon + 2;      /* the speaker ("Décision :" has its French space) */
        while (p < end && st == L4A_OK) {
            while (p < end && *p == ' ') p++;
            const char *q = p;
            while (q < end && !(strchr(".!?", *q) && (q + 1 == end || q[1] == ' '))) q++;
            bool question = q < end && *q == '?';
            size_t n = (size_t)(q - p) + (q < end);
            if (!question && n > 0) st = fn(p, n, user);
            p = q < end ? q + 1 : end;
        }
        line += len + (line[len] == '\n');
    }
    return st;
}

typedef struct found_ctx {
    const cJSON *model;     /* the model's decisions */
    cJSON *found;
} found_ctx;

static l4a_status on_decision(const char *s, size_t n, void *user) {
    found_ctx *f = user;
    l4a_status st = L4A_OK;
    char *d = decision_of(s, n, &st);
    if (d) st = add(f->model, f->found, d);
    l4a_free(d);
    return st;
}

l4a_status l4a_explicit_decisions(const char *text, cJSON *doc) {
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "decisions");
    if (!arr) arr = cJSON_AddArrayToObject(doc, "decisions");
    cJSON *found = cJSON_CreateArray();
    if (!cJSON_IsArray(arr) || !found) {
        cJSON_Delete(found);
        return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (explicit decisions)");
    }
    found_ctx f = {arr, found};
    l4a_status st = each_sentence(text, on_decision, &f);
    /* the explicit decisions first, in meeting order (the schema's bounds cut the others),
     * then the model's */
    while (st == L4A_OK && cJSON_GetArraySize(arr) > 0) {
        if (!cJSON_AddItemToArray(found, cJSON_DetachItemFromArray(arr, 0)))
            st = l4a_fail(L4A_ERR_INTERNAL, "summarize: explicit decisions: array");
    }
    if (st == L4A_OK && !cJSON_ReplaceItemInObjectCaseSensitive(doc, "decisions", found))
        st = l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (explicit decisions)");
    else if (st == L4A_OK)
        return L4A_OK;
    cJSON_Delete(found);
    return st;
}

/* ---- the next meeting */

static const char *const NEXT_MARKERS[] = {
    "prochaine réunion", "prochaine séance", "prochain comité", "prochain rendez-vous",
    "réunion suivante", "prochain point", "next meeting",
};

/* Words that date a sentence besides digits and the French months and weekdays
 * (l4a_names_day, deadline.c). */
static const char *const DAY_WORDS[] = {
    "demain", "semaine prochaine", "monday", "tuesday", "wednesday", "thursday", "friday",
    "tomorrow", "next week",
};

/* Whether the lower-case word w is in low as a whole word. */
static bool has_word(const char *low, const char *w) {
    for (const char *at = strstr(low, w); at; at = strstr(at + 1, w))
        if (l4a_word_at(low, at, &w, 1)) return true;
    return false;
}

typedef struct next_ctx {
    char *last;             /* the last announcing sentence, l4a_malloc'ed */
} next_ctx;

static l4a_status on_next(const char *s, size_t n, void *user) {
    next_ctx *x = user;
    char *text = l4a_strndup(s, n), *low = l4a_malloc(n + 1);
    if (!text || !low) {
        l4a_free(text);
        l4a_free(low);
        return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (next meeting)");
    }
    plain_quotes(text);
    lower_copy(text, strlen(text), low);
    bool marked = false, dated = strpbrk(low, "0123456789") != NULL;
    for (size_t k = 0; k < sizeof NEXT_MARKERS / sizeof *NEXT_MARKERS; k++)
        marked |= strstr(low, NEXT_MARKERS[k]) != NULL;
    dated = dated || (marked && l4a_names_day(low));
    for (size_t k = 0; marked && !dated && k < sizeof DAY_WORDS / sizeof *DAY_WORDS; k++)
        dated = has_word(low, DAY_WORDS[k]);
    l4a_free(low);
    if (marked && dated) {
        l4a_free(x->last);
        x->last = text;
    } else {
        l4a_free(text);
    }
    return L4A_OK;
}

l4a_status l4a_explicit_next_meeting(const char *text, cJSON *doc) {
    next_ctx x = {NULL};
    l4a_status st = each_sentence(text, on_next, &x);
    if (st == L4A_OK && x.last) {
        cJSON *v = cJSON_CreateString(x.last);
        bool ok = v && (cJSON_HasObjectItem(doc, "next_meeting")
                            ? cJSON_ReplaceItemInObjectCaseSensitive(doc, "next_meeting", v)
                            : cJSON_AddItemToObject(doc, "next_meeting", v));
        if (!ok) {
            cJSON_Delete(v);
            st = l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (next meeting)");
        }
    }
    l4a_free(x.last);
    return st;
}
