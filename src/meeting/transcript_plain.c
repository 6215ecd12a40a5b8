/*
 * transcript_plain.c - plain-text transcripts: one turn per "Speaker: text" line, optional
 * timestamps ("[00:01:02] A: x", "00:01:02.5 - 00:01:09 A: x", "(00:01) A: x",
 * "A (00:01:02): x"), and prose without labels (one turn per paragraph).
 *
 * Two passes. The first classifies every line and counts the label candidates, so that the
 * second can apply the consistency rule (docs/transcripts.md, "Speaker labels"):
 *  - "Label: text" (no space before ':') is a label, unless it is the only labelled line of a
 *    file of several paragraphs ("Remarque: ..." inside prose);
 *  - "Label : text" (space before ':', French typography, as in "Il a dit : non") is a label
 *    only when it is a speaker id ("spk1", "SPEAKER_00"), or the same label appears elsewhere
 *    without the space, or it starts with a capital, appears at least twice, and label
 *    candidates start at least a quarter of the non-blank lines.
 * A line without a label continues the previous turn (joined with a space), except in a file
 * without labels, where a blank line starts a new paragraph turn; a timestamped line without
 * a label starts a new turn for the current speaker (the last label seen, or unknown).
 */
#include "meeting/transcript.h"

#include <string.h>

typedef struct pline {
    double start, end;          /* from a timestamp prefix or suffix, -1 if none */
    bool has_time;
    bool has_label, spaced;     /* a syntactically valid "Label:" */
    size_t lab_off, lab_len;    /* label in the line */
    double lab_time;            /* "Name (00:01:02):": the time in the label, -1 if none */
    size_t body_off;            /* after the time prefix: the text when the label is refused */
    size_t text_off;            /* after the time prefix and the label */
} pline;

/* Timestamp prefix: "[T]", "(T)", "[T - T]", or a bare "T" / "T - T" followed by space;
 * then an optional "- " or "| " separator. Returns the bytes used, 0 if none. */
static size_t time_prefix(const char *s, size_t n, double *start, double *end) {
    size_t i = 0;
    if (n > 0 && (s[0] == '[' || s[0] == '(')) {
        char close = s[0] == '[' ? ']' : ')';
        i = 1;
        while (i < n && l4a_tspace(s + i, n - i)) i += l4a_tspace(s + i, n - i);
        size_t k = l4a_trange(s + i, n - i, start, end);
        if (!k) return 0;
        i += k;
        while (i < n && l4a_tspace(s + i, n - i)) i += l4a_tspace(s + i, n - i);
        if (i >= n || s[i] != close) return 0;
        i++;
    } else {
        size_t k = l4a_trange(s, n, start, end);
        if (!k || (k < n && !l4a_tspace(s + k, n - k))) return 0;
        i = k;
    }
    size_t j = i;
    while (j < n && l4a_tspace(s + j, n - j)) j += l4a_tspace(s + j, n - j);
    if (j + 1 < n && (s[j] == '-' || s[j] == '|') && l4a_tspace(s + j + 1, n - j - 1)) j += 1;
    while (j < n && l4a_tspace(s + j, n - j)) j += l4a_tspace(s + j, n - j);
    return j;
}

static void classify(const char *s, size_t n, pline *pl) {
    memset(pl, 0, sizeof *pl);
    pl->start = pl->end = pl->lab_time = -1;
    size_t i = 0;
    while (i < n && l4a_tspace(s + i, n - i)) i += l4a_tspace(s + i, n - i);
    size_t k = time_prefix(s + i, n - i, &pl->start, &pl->end);
    if (k) {
        pl->has_time = true;
        i += k;
    }
    pl->body_off = pl->text_off = i;
    size_t lab_len, text_off;
    bool spaced;
    double t;
    if (l4a_tlabel_scan(s + i, n - i, &lab_len, &text_off, &spaced, &t)) {
        pl->has_label = true;
        pl->spaced = spaced;
        pl->lab_off = i;
        pl->lab_len = lab_len;
        pl->text_off = i + text_off;
        pl->lab_time = t;
    }
}

/* ---------------------------------------------------------------- label statistics */

typedef struct lstat {
    size_t off, len;            /* the label's first occurrence in the input */
    int32_t count;              /* lines with this label, spaced or not */
    bool unspaced;              /* seen at least once without a space before ':' */
} lstat;

typedef struct ltable {
    lstat *e;
    int32_t *slots;
    size_t n, n_slots;
} ltable;

static uint32_t hash_bytes(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static lstat *ltable_find(const ltable *lt, const char *base, const char *s, size_t n) {
    if (!lt->n_slots) return NULL;
    size_t mask = lt->n_slots - 1;
    for (size_t i = hash_bytes(s, n) & mask;; i = (i + 1) & mask) {
        if (lt->slots[i] < 0) return NULL;
        lstat *e = &lt->e[lt->slots[i]];
        if (e->len == n && memcmp(base + e->off, s, n) == 0) return e;
    }
}

/* Add one occurrence of a label; false when out of memory. */
static bool ltable_add(ltable *lt, const char *base, size_t off, size_t len, bool spaced) {
    lstat *e = ltable_find(lt, base, base + off, len);
    if (!e) {
        if (lt->n * 2 + 2 > lt->n_slots) {
            size_t ns = lt->n_slots ? lt->n_slots * 2 : 64;
            int32_t *slots = l4a_malloc(ns * sizeof *slots);
            lstat *ne = l4a_realloc(lt->e, (ns / 2) * sizeof *ne);
            if (!slots || !ne) {
                l4a_free(slots);
                if (ne) lt->e = ne;
                return false;
            }
            lt->e = ne;
            for (size_t i = 0; i < ns; i++) slots[i] = -1;
            for (size_t k = 0; k < lt->n; k++) {
                size_t i = hash_bytes(base + ne[k].off, ne[k].len) & (ns - 1);
                while (slots[i] >= 0) i = (i + 1) & (ns - 1);
                slots[i] = (int32_t)k;
            }
            l4a_free(lt->slots);
            lt->slots = slots;
            lt->n_slots = ns;
        }
        e = &lt->e[lt->n];
        *e = (lstat){off, len, 0, false};
        size_t i = hash_bytes(base + off, len) & (lt->n_slots - 1);
        while (lt->slots[i] >= 0) i = (i + 1) & (lt->n_slots - 1);
        lt->slots[i] = (int32_t)lt->n++;
    }
    e->count++;
    if (!spaced) e->unspaced = true;
    return true;
}

typedef struct pstats {
    ltable labels;
    int64_t nonblank, candidates, paragraphs;
} pstats;

/* The consistency rule (see the top of this file). */
static bool accept_label(const pstats *ps, const char *base, const char *lab, size_t lab_len,
                         bool spaced) {
    const lstat *e = ltable_find(&ps->labels, base, lab, lab_len);
    L4A_ASSERT(e != NULL);
    if (!spaced) {
        bool lone = ps->labels.n == 1 && e->count == 1 && ps->paragraphs > 1;
        return !lone;
    }
    if (l4a_tlabel_is_id(lab, lab_len) || e->unspaced) return true;
    return l4a_tlabel_capital(lab, lab_len) && e->count >= 2 &&
           ps->candidates * 4 >= ps->nonblank;
}

/* ---------------------------------------------------------------- the parser */

static l4a_status first_pass(const char *s, size_t n, pstats *ps) {
    l4a_tlines r;
    l4a_tlines_init(&r, s, n, "plain");
    const char *line;
    size_t len;
    bool prev_blank = true;
    int rc;
    while ((rc = l4a_tlines_next(&r, &line, &len)) > 0) {
        if (l4a_tblank(line, len)) {
            prev_blank = true;
            continue;
        }
        ps->nonblank++;
        if (prev_blank) ps->paragraphs++;
        prev_blank = false;
        pline pl;
        classify(line, len, &pl);
        if (!pl.has_label) continue;
        ps->candidates++;
        if (ps->labels.n >= L4A_TRANSCRIPT_MAX_SPEAKERS &&
            !ltable_find(&ps->labels, s, line + pl.lab_off, pl.lab_len))
            return l4a_fail(L4A_ERR_FORMAT, "line %lld: more than %d distinct speaker labels: "
                            "not a meeting transcript", (long long)r.lineno,
                            L4A_TRANSCRIPT_MAX_SPEAKERS);
        if (!ltable_add(&ps->labels, s, (size_t)(line - s) + pl.lab_off, pl.lab_len, pl.spaced))
            return l4a_fail(L4A_ERR_NOMEM, "out of memory");
    }
    return rc < 0 ? L4A_ERR_FORMAT : L4A_OK;
}

l4a_status l4a_transcript_parse_plain(l4a_transcript *t, const char *s, size_t n) {
    pstats ps = {0};
    l4a_status st = first_pass(s, n, &ps);
    bool any_labels = false;
    for (size_t k = 0; k < ps.labels.n && st == L4A_OK; k++) {
        const lstat *e = &ps.labels.e[k];
        any_labels = any_labels || accept_label(&ps, s, s + e->off, e->len, !e->unspaced);
    }

    l4a_tlines r;
    l4a_tlines_init(&r, s, n, "plain");
    const char *line, *spk = NULL;      /* the current speaker: a label in the input */
    size_t len, spk_len = 0;
    bool have_turn = false, blank_since = false;
    int rc = 1;
    while (st == L4A_OK && (rc = l4a_tlines_next(&r, &line, &len)) > 0) {
        if (l4a_tblank(line, len)) {
            blank_since = true;
            continue;
        }
        pline pl;
        classify(line, len, &pl);
        if (pl.has_time && pl.end >= 0 && pl.end < pl.start) {
            st = l4a_fail(L4A_ERR_FORMAT, "line %lld: end time %.3f s is before start time "
                          "%.3f s", (long long)r.lineno, pl.end, pl.start);
            break;
        }
        bool labelled = pl.has_label &&
                        accept_label(&ps, s, line + pl.lab_off, pl.lab_len, pl.spaced);
        if (labelled && pl.lab_time >= 0 && !pl.has_time) {
            pl.has_time = true;
            pl.start = pl.lab_time;
        }
        size_t off = labelled ? pl.text_off : pl.body_off;
        const char *text = line + off;
        size_t text_len = len - off;
        if (labelled) {
            spk = line + pl.lab_off;
            spk_len = pl.lab_len;
            st = l4a_tb_turn(t, spk, spk_len, pl.start, pl.end, text, text_len);
        } else if (pl.has_time) {
            st = l4a_tb_turn(t, spk, spk_len, pl.start, pl.end, text, text_len);
        } else if (have_turn && (!blank_since || any_labels)) {
            st = l4a_tb_append(t, text, text_len);
        } else {
            st = l4a_tb_turn(t, NULL, 0, -1, -1, text, text_len);
        }
        if (st == L4A_ERR_FORMAT) l4a_error_prefix("line %lld", (long long)r.lineno);
        have_turn = true;
        blank_since = false;
    }
    if (st == L4A_OK && rc < 0) st = L4A_ERR_FORMAT;
    l4a_free(ps.labels.e);
    l4a_free(ps.labels.slots);
    return st;
}
