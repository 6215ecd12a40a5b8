/*
 * lists.c - the lists of long-meeting minutes merged by code (docs/summarize.md): the
 * participants, decisions, action items and open questions of every partial note, in meeting
 * order, with near-duplicates dropped. A model asked to merge notes loses items once its
 * output budget is short; code does not, so a fact stated once in a two-hour meeting reaches
 * the minutes as long as the map step wrote it down. The next meeting is the last one a note
 * names (a later part of the meeting corrects an earlier one).
 *
 * Near-duplicates: two texts whose ROUGE-1 F1 (l4a_rouge, French-aware tokens) is at least
 * L4A_LIST_SAME; a participant whose words are all in another participant's name ("Leroy",
 * "Amandine Leroy"); an action item of the same owner whose action is a near-duplicate. The
 * longer text is kept (it usually says more), and an action without deadline takes the
 * deadline of its duplicate. Not here: the bounds of the schema (minutes_fix.c normalises).
 */
#include "meeting/summary.h"

#include <string.h>

#define L4A_LIST_SAME 0.7

static const char *str_of(const cJSON *v) { return cJSON_IsString(v) ? v->valuestring : NULL; }

l4a_status l4a_text_near(const char *a, const char *b, double min_f1, double min_recall,
                         bool *yes) {
    l4a_rouge_scores s;
    l4a_status st = l4a_rouge(a, b, &s);
    *yes = st == L4A_OK && (s.r1_f >= min_f1 || s.r1_r >= min_recall);
    return st;
}

/* Whether a and b say the same: ROUGE-1 F1 at least L4A_LIST_SAME. */
static l4a_status similar(const char *a, const char *b, bool *yes) {
    return l4a_text_near(a, b, L4A_LIST_SAME, 2.0, yes);
}

/* Whether every token of a is among the tokens of b. */
static l4a_status words_within(const char *a, const char *b, bool *yes) {
    *yes = false;
    char *ta = NULL, *tb = NULL;
    l4a_status st = l4a_rouge_tokens(a, &ta);
    if (st == L4A_OK) st = l4a_rouge_tokens(b, &tb);
    if (st == L4A_OK && ta[0]) {
        *yes = true;
        size_t nb = strlen(tb);
        for (char *w = ta; *w && *yes;) {
            size_t n = strcspn(w, " ");
            bool found = false;
            for (const char *p = tb; p < tb + nb && !found;) {
                size_t m = strcspn(p, " ");
                found = m == n && !strncmp(p, w, n);
                p += m + (p[m] == ' ');
            }
            *yes = found;
            w += n + (w[n] == ' ');
        }
    }
    l4a_free(ta);
    l4a_free(tb);
    return st;
}

/* Set item's string (key NULL) or its member key to val. */
static l4a_status set_string(cJSON *item, const char *key, const char *val) {
    if (!key) {
        return cJSON_SetValuestring(item, val)
                   ? L4A_OK : l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (lists)");
    }
    cJSON *s = cJSON_CreateString(val);
    if (!s || !cJSON_ReplaceItemInObjectCaseSensitive(item, key, s)) {
        cJSON_Delete(s);
        return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (lists)");
    }
    return L4A_OK;
}

/* Add the string v to the array acc unless a near-duplicate is there (names: word inclusion,
 * texts: overlap); the longer of two duplicates stays. */
static l4a_status add_text(cJSON *acc, const char *v, bool name) {
    cJSON *it;
    cJSON_ArrayForEach(it, acc) {
        const char *old = str_of(it);
        if (!old) continue;
        bool same = false, in2 = false;
        l4a_status st = name ? words_within(v, old, &same) : similar(v, old, &same);
        if (st == L4A_OK && name && !same) st = words_within(old, v, &in2);
        if (st != L4A_OK) return st;
        if (same || in2) return strlen(v) > strlen(old) ? set_string(it, NULL, v) : L4A_OK;
    }
    cJSON *s = cJSON_CreateString(v);
    if (!s || !cJSON_AddItemToArray(acc, s)) {
        cJSON_Delete(s);
        return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (lists)");
    }
    return L4A_OK;
}

/* Add an action item {owner, action, deadline} unless the same owner has a near-duplicate
 * action there. */
static l4a_status add_action(cJSON *acc, const cJSON *a) {
    const char *owner = str_of(cJSON_GetObjectItemCaseSensitive(a, "owner"));
    const char *action = str_of(cJSON_GetObjectItemCaseSensitive(a, "action"));
    const cJSON *dl = cJSON_GetObjectItemCaseSensitive(a, "deadline");
    if (!owner || !action) return L4A_OK;   /* normalised notes always have both */
    cJSON *it;
    cJSON_ArrayForEach(it, acc) {
        const char *o2 = str_of(cJSON_GetObjectItemCaseSensitive(it, "owner"));
        const char *a2 = str_of(cJSON_GetObjectItemCaseSensitive(it, "action"));
        if (!o2 || !a2) continue;
        bool in1, in2;
        l4a_status st = words_within(owner, o2, &in1);
        if (st == L4A_OK) st = words_within(o2, owner, &in2);
        if (st != L4A_OK) return st;
        if (!in1 && !in2) continue;
        bool same;
        if ((st = similar(action, a2, &same)) != L4A_OK) return st;
        if (!same) continue;
        if (strlen(action) > strlen(a2) && (st = set_string(it, "action", action)) != L4A_OK)
            return st;
        if (strlen(owner) > strlen(o2) && (st = set_string(it, "owner", owner)) != L4A_OK)
            return st;
        if (cJSON_IsString(dl) && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "deadline")))
            return set_string(it, "deadline", dl->valuestring);
        return L4A_OK;
    }
    cJSON *copy = cJSON_Duplicate(a, true);
    if (!copy || !cJSON_AddItemToArray(acc, copy)) {
        cJSON_Delete(copy);
        return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (lists)");
    }
    return L4A_OK;
}

static const char *const LISTS[] = {"participants", "decisions", "action_items",
                                    "open_questions"};

cJSON *l4a_lists_new(void) {
    cJSON *acc = cJSON_CreateObject();
    for (size_t k = 0; acc && k < sizeof LISTS / sizeof *LISTS; k++)
        if (!cJSON_AddArrayToObject(acc, LISTS[k])) { cJSON_Delete(acc); acc = NULL; }
    if (acc && !cJSON_AddNullToObject(acc, "next_meeting")) { cJSON_Delete(acc); acc = NULL; }
    if (!acc) l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (lists)");
    return acc;
}

l4a_status l4a_lists_add(cJSON *acc, const cJSON *note) {
    for (size_t k = 0; k < sizeof LISTS / sizeof *LISTS; k++) {
        cJSON *dst = cJSON_GetObjectItemCaseSensitive(acc, LISTS[k]);
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(note, LISTS[k]), *v;
        if (!cJSON_IsArray(src)) continue;
        cJSON_ArrayForEach(v, src) {
            l4a_status st = k == 2 ? (cJSON_IsObject(v) ? add_action(dst, v) : L4A_OK)
                            : str_of(v) ? add_text(dst, v->valuestring, k == 0)
                                        : L4A_OK;
            if (st != L4A_OK) return st;
        }
    }
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(note, "next_meeting");
    return str_of(next) ? set_string(acc, "next_meeting", next->valuestring) : L4A_OK;
}

l4a_status l4a_lists_put(const cJSON *acc, cJSON *doc) {
    for (size_t k = 0; k <= sizeof LISTS / sizeof *LISTS; k++) {
        const char *key = k < sizeof LISTS / sizeof *LISTS ? LISTS[k] : "next_meeting";
        cJSON *copy = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(acc, key), true);
        bool ok = copy && (cJSON_HasObjectItem(doc, key)
                               ? cJSON_ReplaceItemInObjectCaseSensitive(doc, key, copy)
                               : cJSON_AddItemToObject(doc, key, copy));
        if (!ok) {
            cJSON_Delete(copy);
            return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (lists)");
        }
    }
    return L4A_OK;
}
