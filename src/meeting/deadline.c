/*
 * deadline.c - an action item's deadline taken from its own text when the model left the
 * field null: "Envoyer le planning à tout le monde avant le 15 avril." has the deadline
 * "avant le 15 avril".
 *
 * Why: the 1.5B model often copies the sentence that states an action, date included, into
 * "action" and leaves "deadline" null (the two-hour benchmark of docs/summarize.md: both
 * deadlines said in the meeting were in the text only). A date in the action's text is one
 * the model wrote for this action, so moving a copy into the field adds nothing new.
 *
 * A date: a day number and a month ("15 avril", "1er mars", "mardi 12 mars", "3 juin 2025"),
 * "début", "mi-", "fin (de)" or "courant" and a month, or a weekday after "avant", "d'ici",
 * "pour", "jusqu'à", "au plus tard" or before "prochain". It is kept with the words before it
 * that say how it binds ("avant le", "d'ici la", "au plus tard le", "pour le", "jusqu'au",
 * "le" ...), which a day and month need: "le compte rendu du 30 mai" has no deadline. The
 * first such date of the text counts; a month alone ("en avril") does not.
 *
 * Not here: the schema's bounds (minutes_fix.c cuts the field at its maxLength).
 */
#include "meeting/summary.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const MONTHS[] = {
    "janvier", "février", "mars",     "avril",   "mai",      "juin",
    "juillet", "août",    "septembre", "octobre", "novembre", "décembre",
};
static const char *const WEEKDAYS[] = {"lundi", "mardi", "mercredi", "jeudi", "vendredi",
                                       "samedi", "dimanche"};
/* Words before a date that belong to the deadline, longest first. */
static const char *const BINDERS[] = {"au plus tard le ", "jusqu'au ", "avant le ", "avant la ",
                                      "d'ici le ", "d'ici la ", "d'ici au ", "pour le ",
                                      "d'ici ", "avant ", "pour ", "le "};
/* Words between a binder and a month ("avant la fin de mars", "d'ici mi-mai"), longest first. */
static const char *const PERIODS[] = {"début de ", "fin de ", "courant ", "début ", "fin ",
                                      "mi-"};
/* Words that make a weekday a deadline when they come before it. */
static const char *const WEEKDAY_BINDERS[] = {"au plus tard ", "jusqu'à ", "d'ici ", "avant ",
                                              "pour "};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static bool is_letter(unsigned char c) { return isalpha(c) || c >= 0x80; }

size_t l4a_word_at(const char *text, const char *s, const char *const *list, size_t n) {
    if (s > text && is_letter((unsigned char)s[-1])) return 0;
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(list[k]);
        if (!strncasecmp(s, list[k], len) && !is_letter((unsigned char)s[len])) return len;
    }
    return 0;
}

/* The start of the entry of list that text ends with just before at (itself preceded by a
 * non-letter), or NULL. */
static const char *ending(const char *text, const char *at, const char *const *list,
                          size_t n) {
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(list[k]);
        if ((size_t)(at - text) < len || strncasecmp(at - len, list[k], len)) continue;
        const char *b = at - len;
        if (b == text || !is_letter((unsigned char)b[-1])) return b;
    }
    return NULL;
}

/* The start of a day number ("15", "1er") followed by spaces up to at, or NULL. */
static const char *day_number(const char *text, const char *at) {
    const char *e = at;
    while (e > text && e[-1] == ' ') e--;
    if (e == at) return NULL;
    if (e - text >= 3 && !strncasecmp(e - 2, "er", 2) && isdigit((unsigned char)e[-3])) e -= 2;
    const char *d = e;
    while (d > text && isdigit((unsigned char)d[-1])) d--;
    if (d == e || e - d > 2 || (d > text && is_letter((unsigned char)d[-1]))) return NULL;
    for (size_t k = 0; k < COUNT(WEEKDAYS); k++) {      /* "mardi 12 mars": with the day */
        size_t len = strlen(WEEKDAYS[k]);
        const char *w = d - len - 1;
        if ((size_t)(d - text) >= len + 1 && d[-1] == ' ' && !strncasecmp(w, WEEKDAYS[k], len) &&
            (w == text || !is_letter((unsigned char)w[-1])))
            return w;
    }
    return d;
}

/* The first deadline in text: [*from, *to), or false. */
static bool find(const char *text, const char **from, const char **to) {
    for (const char *p = text; *p; p++) {
        size_t m = l4a_word_at(text, p, MONTHS, COUNT(MONTHS));
        if (m) {
            const char *day = day_number(text, p), *period = NULL;
            if (!day) period = ending(text, p, PERIODS, COUNT(PERIODS));
            const char *start = day ? day : period;
            const char *b = start ? ending(text, start, BINDERS, COUNT(BINDERS)) : NULL;
            /* a month alone ("en avril") or a day without binder ("le compte rendu du 30
             * mai") is not a deadline; "mi-mai", "fin juin" are */
            if (!period && !b) continue;
            const char *end = p + m;
            if (end[0] == ' ' && isdigit((unsigned char)end[1]) &&
                isdigit((unsigned char)end[2]) && isdigit((unsigned char)end[3]) &&
                isdigit((unsigned char)end[4]) && !isdigit((unsigned char)end[5]))
                end += 5;               /* a year */
            *from = b ? b : start;
            *to = end;
            return true;
        }
        size_t w = l4a_word_at(text, p, WEEKDAYS, COUNT(WEEKDAYS));
        if (w && !(p[w] == ' ' && isdigit((unsigned char)p[w + 1]))) {
            const char *b = ending(text, p, WEEKDAY_BINDERS, COUNT(WEEKDAY_BINDERS));
            const char *end = p + w;
            bool next = !strncasecmp(end, " prochain", 9) && !is_letter((unsigned char)end[9]);
            if (next) end += 9;
            if (b || next) {
                *from = b ? b : p;
                *to = end;
                return true;
            }
        }
    }
    return false;
}

bool l4a_names_day(const char *text) {
    for (const char *p = text; *p; p++)
        if (l4a_word_at(text, p, MONTHS, COUNT(MONTHS)) ||
            l4a_word_at(text, p, WEEKDAYS, COUNT(WEEKDAYS)))
            return true;
    return false;
}

l4a_status l4a_deadlines_from_text(cJSON *doc) {
    cJSON *acts = cJSON_GetObjectItemCaseSensitive(doc, "action_items"), *a;
    cJSON_ArrayForEach(a, acts) {
        const cJSON *action = cJSON_GetObjectItemCaseSensitive(a, "action");
        if (!cJSON_IsString(action) ||
            cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "deadline")))
            continue;
        const char *from, *to;
        if (!find(action->valuestring, &from, &to)) continue;
        char *dl = l4a_strndup(from, (size_t)(to - from));
        cJSON *v = dl ? cJSON_CreateString(dl) : NULL;
        l4a_free(dl);
        bool ok = v && (cJSON_HasObjectItem(a, "deadline")
                            ? cJSON_ReplaceItemInObjectCaseSensitive(a, "deadline", v)
                            : cJSON_AddItemToObject(a, "deadline", v));
        if (!ok) {
            cJSON_Delete(v);
            return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (deadlines)");
        }
    }
    return L4A_OK;
}
