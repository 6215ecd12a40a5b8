/*
 * reduce.c - the reduce step of the summariser (docs/summarize.md): partial notes (in meeting
 * order) become the final minutes, in two parts.
 *   Lists (participants, decisions, action items, open questions): merged by code, every
 *   note's items in order without near-duplicates (lists.c), so none is lost to a model's
 *   short output budget.
 *   Prose (summary, topics): each note's prose, compact JSON, goes to the model. When all fit
 *   one final prompt (o_notes + their tokens + r_final <= avail) one generation writes the
 *   title, summary and topics; otherwise consecutive prose notes are grouped greedily into
 *   groups that fit a merge prompt (o_notes + tokens <= avail - r_part), each group of two or
 *   more is merged into one prose note, and this repeats level after level. The budgets
 *   guarantee that any two notes fit together (2 r_part + o_notes + r_final <= avail), so
 *   each level shrinks the count.
 */
#include "meeting/summary.h"

#include <string.h>

/* The notes [a, b) joined by line breaks, l4a_malloc'ed. */
static char *join(char **notes, int32_t a, int32_t b) {
    size_t need = 1;
    for (int32_t i = a; i < b; i++) need += strlen(notes[i]) + 1;
    char *s = l4a_malloc(need);
    if (!s) return NULL;
    size_t o = 0;
    for (int32_t i = a; i < b; i++) {
        size_t n = strlen(notes[i]);
        memcpy(s + o, notes[i], n);
        o += n;
        s[o++] = '\n';
    }
    s[o] = 0;
    return s;
}

/* The prose of a normalised note {summary, topics}, compact JSON, l4a_malloc'ed; NULL when
 * out of memory (message set). */
static char *prose_of(const cJSON *note) {
    cJSON *p = cJSON_CreateObject();
    cJSON *sum = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(note, "summary"), true);
    cJSON *top = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(note, "topics"), true);
    bool ok = p && sum && top && cJSON_AddItemToObject(p, "summary", sum);
    if (ok) sum = NULL;
    ok = ok && cJSON_AddItemToObject(p, "topics", top);
    if (ok) top = NULL;
    char *out = ok ? l4a_sum_print(p) : NULL;
    if (!ok) l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory (notes)");
    cJSON_Delete(sum);
    cJSON_Delete(top);
    cJSON_Delete(p);
    return out;
}

/* One generation over notes [a, b) with prompt kind k (merge: a prose note, compact JSON;
 * reduce: the final document without its lists). */
static l4a_status gen_over(l4a_sum_run *r, char **notes, int32_t a, int32_t b, l4a_prompt_kind k,
                           cJSON **out) {
    char *joined = join(notes, a, b), *safe = joined ? l4a_sum_sanitize(joined) : NULL;
    char *user = NULL;
    const char *keys[] = {"NOTES"};
    const char *vals[] = {safe};
    l4a_status st = safe ? l4a_sum_fill(r, k, keys, vals, 1, &user)
                         : l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory");
    if (st == L4A_OK)
        st = l4a_sum_generate(r, k, user, k == L4A_PROMPT_REDUCE ? r->r_final : r->r_part, out);
    l4a_free(joined);
    l4a_free(safe);
    l4a_free(user);
    return st;
}

/* The final minutes: the model's title and prose over all notes, the lists of acc. */
static l4a_status final_doc(l4a_sum_run *r, char **notes, int32_t n, const cJSON *acc,
                            char **out) {
    cJSON *doc = NULL;
    l4a_sum_progress(r, "final", 0, 1);
    l4a_status st = gen_over(r, notes, 0, n, L4A_PROMPT_REDUCE, &doc);
    if (st == L4A_OK) st = l4a_lists_put(acc, doc);
    if (st == L4A_OK) {     /* the schema's bounds on the merged lists */
        doc = l4a_minutes_normalize(doc, false, r->p.language);
        if (!doc) st = l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory for the minutes");
    }
    if (st == L4A_OK && !(*out = l4a_sum_print(doc))) st = L4A_ERR_NOMEM;
    cJSON_Delete(doc);
    if (st == L4A_OK) l4a_sum_progress(r, "final", 1, 1);
    return st;
}

l4a_status l4a_sum_reduce(l4a_sum_run *r, cJSON *const *in, int32_t n, char **out) {
    *out = NULL;
    if (n < 1) return l4a_fail(L4A_ERR_INTERNAL, "summarize: no notes to reduce");
    cJSON *acc = l4a_lists_new();
    char **notes = l4a_calloc((size_t)n, sizeof *notes);     /* prose; levels replace them */
    int32_t *tok = l4a_calloc((size_t)n, sizeof *tok);
    l4a_status st = acc && notes && tok ? L4A_OK
                                        : l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory");
    for (int32_t i = 0; i < n && st == L4A_OK; i++) {
        st = l4a_lists_add(acc, in[i]);
        if (st == L4A_OK && !(notes[i] = prose_of(in[i]))) st = L4A_ERR_NOMEM;
    }
    int32_t level = 0;
    while (st == L4A_OK) {
        int64_t total = 0;
        for (int32_t i = 0; i < n && st == L4A_OK; i++) {
            tok[i] = l4a_sum_count(notes[i], strlen(notes[i]), r) + 1;
            if (tok[i] <= 0) st = L4A_ERR_INTERNAL;
            total += tok[i];
        }
        if (st != L4A_OK) break;
        level++;
        r->st.n_reduce_levels = level;
        if (r->o_notes + total + r->r_final <= r->avail) {
            st = final_doc(r, notes, n, acc, out);
            break;
        }
        /* groups that fit a merge prompt */
        int64_t cap = (int64_t)r->avail - r->o_notes - r->r_part;
        int32_t n_groups = 0, merged = 0;
        for (int32_t i = 0; i < n;) {
            int64_t sum = tok[i];
            int32_t j = i + 1;
            while (j < n && sum + tok[j] <= cap) sum += tok[j++];
            n_groups++;
            merged += j - i >= 2;
            i = j;
        }
        if (n_groups >= n) {
            st = l4a_fail(L4A_ERR_INTERNAL, "summarize: reduce level %d cannot group %d notes "
                          "(a note is larger than its budget of %d tokens)", level, n, r->r_part);
            break;
        }
        char **next = l4a_calloc((size_t)n_groups, sizeof *next);
        if (!next) { st = l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory"); break; }
        int32_t g = 0, done = 0;
        l4a_sum_progress(r, "reduce", 0, merged);
        for (int32_t i = 0; i < n && st == L4A_OK;) {
            int64_t sum = tok[i];
            int32_t j = i + 1;
            while (j < n && sum + tok[j] <= cap) sum += tok[j++];
            if (j - i == 1) {
                next[g] = notes[i];
                notes[i] = NULL;
            } else {
                cJSON *merged_note = NULL;
                st = gen_over(r, notes, i, j, L4A_PROMPT_MERGE, &merged_note);
                if (st == L4A_OK && !(next[g] = prose_of(merged_note))) st = L4A_ERR_NOMEM;
                cJSON_Delete(merged_note);
                if (st == L4A_OK) l4a_sum_progress(r, "reduce", ++done, merged);
            }
            g++;
            i = j;
        }
        for (int32_t i = 0; i < n; i++) l4a_free(notes[i]);
        l4a_free(notes);
        notes = next;
        n = n_groups;
        if (st != L4A_OK) break;
    }
    for (int32_t i = 0; notes && i < n; i++) l4a_free(notes[i]);
    l4a_free(notes);
    l4a_free(tok);
    cJSON_Delete(acc);
    return st;
}
