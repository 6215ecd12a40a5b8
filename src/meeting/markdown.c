/*
 * markdown.c - Markdown minutes rendered from minutes JSON (after validation): a title, the
 * participants, the summary, topics by theme with their points, decisions, action items as a
 * table (owner, action, deadline), open questions, the next meeting when one was said.
 * Headings in French or English. Text from the model is written as is, except line breaks
 * (made spaces) and '|' in table cells (escaped), so that the structure cannot be broken by a
 * field.
 */
#include "meeting/summary.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = (b->cap ? b->cap : 1024);
        while (nc < b->n + n + 1) nc *= 2;
        char *ns = l4a_realloc(b->s, nc);
        if (!ns) { b->oom = true; return; }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}
static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

/* Text of a field on one line; in a table cell '|' is escaped. */
static void text(sbuf *b, const char *s, bool cell) {
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t') put(b, " ", 1);
        else if (cell && *s == '|') put(b, "\\|", 2);
        else put(b, s, 1);
    }
}

typedef struct labels {
    const char *participants, *summary, *topics, *decisions, *actions, *questions, *next, *none;
    const char *owner, *action, *deadline, *no_deadline;
} labels;

static const labels FR = {"Participants", "Résumé", "Thèmes abordés", "Décisions", "Actions",
                          "Questions ouvertes", "Prochaine réunion", "_Aucune._", "Responsable",
                          "Action", "Échéance", "—"};
static const labels EN = {"Participants", "Summary", "Topics", "Decisions", "Action items",
                          "Open questions", "Next meeting", "_None._", "Owner", "Action",
                          "Deadline", "—"};

static void list(sbuf *b, const cJSON *a, const labels *L) {
    if (cJSON_GetArraySize(a) == 0) { puts_(b, L->none); puts_(b, "\n"); return; }
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        puts_(b, "- ");
        text(b, v->valuestring, false);
        puts_(b, "\n");
    }
}

l4a_status l4a_minutes_markdown(const cJSON *doc, const char *language, char **out) {
    *out = NULL;
    l4a_status st = l4a_minutes_check(doc, false);
    if (st != L4A_OK) return st;
    const labels *L = language && !strncmp(language, "en", 2) ? &EN : &FR;
    sbuf b = {0};
    const cJSON *g;
    puts_(&b, "# ");
    text(&b, cJSON_GetObjectItemCaseSensitive(doc, "title")->valuestring, false);
    puts_(&b, "\n\n**");
    puts_(&b, L->participants);
    puts_(&b, L == &FR ? " :** " : ":** ");
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(doc, "participants");
    int i = 0;
    cJSON_ArrayForEach(g, parts) {
        if (i++) puts_(&b, ", ");
        text(&b, g->valuestring, false);
    }
    if (!i) puts_(&b, L->none);
    puts_(&b, "\n\n## ");
    puts_(&b, L->summary);
    puts_(&b, "\n\n");
    text(&b, cJSON_GetObjectItemCaseSensitive(doc, "summary")->valuestring, false);
    puts_(&b, "\n\n## ");
    puts_(&b, L->topics);
    puts_(&b, "\n\n");
    const cJSON *topics = cJSON_GetObjectItemCaseSensitive(doc, "topics");
    if (cJSON_GetArraySize(topics) == 0) { puts_(&b, L->none); puts_(&b, "\n"); }
    cJSON_ArrayForEach(g, topics) {
        puts_(&b, "### ");
        text(&b, cJSON_GetObjectItemCaseSensitive(g, "theme")->valuestring, false);
        puts_(&b, "\n\n");
        list(&b, cJSON_GetObjectItemCaseSensitive(g, "points"), L);
        puts_(&b, "\n");
    }
    if (cJSON_GetArraySize(topics) == 0) puts_(&b, "\n");
    puts_(&b, "## ");
    puts_(&b, L->decisions);
    puts_(&b, "\n\n");
    list(&b, cJSON_GetObjectItemCaseSensitive(doc, "decisions"), L);
    puts_(&b, "\n## ");
    puts_(&b, L->actions);
    puts_(&b, "\n\n");
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(doc, "action_items");
    if (cJSON_GetArraySize(acts) == 0) {
        puts_(&b, L->none);
        puts_(&b, "\n");
    } else {
        char head[256];
        snprintf(head, sizeof head, "| %s | %s | %s |\n|---|---|---|\n", L->owner, L->action,
                 L->deadline);
        puts_(&b, head);
        cJSON_ArrayForEach(g, acts) {
            const cJSON *dl = cJSON_GetObjectItemCaseSensitive(g, "deadline");
            puts_(&b, "| ");
            text(&b, cJSON_GetObjectItemCaseSensitive(g, "owner")->valuestring, true);
            puts_(&b, " | ");
            text(&b, cJSON_GetObjectItemCaseSensitive(g, "action")->valuestring, true);
            puts_(&b, " | ");
            text(&b, cJSON_IsString(dl) ? dl->valuestring : L->no_deadline, true);
            puts_(&b, " |\n");
        }
    }
    puts_(&b, "\n## ");
    puts_(&b, L->questions);
    puts_(&b, "\n\n");
    list(&b, cJSON_GetObjectItemCaseSensitive(doc, "open_questions"), L);
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(doc, "next_meeting");
    if (cJSON_IsString(next)) {         /* no section when none was said */
        puts_(&b, "\n## ");
        puts_(&b, L->next);
        puts_(&b, "\n\n");
        text(&b, next->valuestring, false);
        puts_(&b, "\n");
    }
    if (b.oom || !b.s) {
        l4a_free(b.s);
        return l4a_fail(L4A_ERR_NOMEM, "minutes: out of memory for the Markdown");
    }
    *out = b.s;
    return L4A_OK;
}

L4A_API l4a_status l4a_minutes_to_markdown(const char *json, size_t len, const char *language,
                                           char **md) {
    if (!json || !md) return l4a_fail(L4A_ERR_INVALID_ARG, "minutes: NULL argument");
    *md = NULL;
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (!doc) return l4a_fail(L4A_ERR_FORMAT, "minutes: not JSON");
    l4a_status st = l4a_minutes_markdown(doc, language, md);
    cJSON_Delete(doc);
    return st;
}
