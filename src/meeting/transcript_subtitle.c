/*
 * transcript_subtitle.c - SubRip (SRT) and WebVTT: the block structure (cue numbers or
 * identifiers, timing lines, payloads, NOTE/STYLE/REGION blocks). The payload of each cue
 * goes to l4a_tcue_emit (transcript_cue.c), which finds speakers and strips markup.
 *
 * SRT has no formal specification; we follow the de-facto layout (a number line, a timing
 * line "00:00:01,000 --> 00:00:04,000", text lines, a blank line), tolerant of missing
 * numbers, '.' instead of ',' , missing hours, coordinates after the timing, and blank lines
 * inside a cue's text (a text line that is not a new cue continues the previous one).
 * WebVTT follows the W3C WebVTT specification (https://www.w3.org/TR/webvtt1/): the
 * "WEBVTT" signature line, header lines up to the first blank line, then blocks; cue
 * settings after the times are ignored, NOTE, STYLE and REGION blocks are skipped.
 *
 * A cue whose end is before its start is an error naming the line; cues are kept in file
 * order with their times as given.
 */
#include "meeting/transcript.h"

#include <string.h>

/* A cue being collected: its times and its payload lines joined with '\n'. */
typedef struct cue {
    bool open;
    double start, end;
    char *text;
    size_t len, cap;
} cue;

static bool cue_add_line(cue *c, const char *line, size_t len) {
    size_t need = c->len + len + 2;
    if (need > c->cap) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap < need) cap *= 2;
        char *p = l4a_realloc(c->text, cap);
        if (!p) return false;
        c->text = p;
        c->cap = cap;
    }
    if (c->len) c->text[c->len++] = '\n';
    memcpy(c->text + c->len, line, len);
    c->len += len;
    return true;
}

/* Emit the open cue, if any. */
static l4a_status cue_flush(l4a_transcript *t, l4a_tcue_state *cs, cue *c) {
    if (!c->open) return L4A_OK;
    c->open = false;
    l4a_status st = l4a_tcue_emit(t, cs, c->text ? c->text : "", c->len, c->start, c->end);
    c->len = 0;
    return st;
}

/* A timing line at the reader's current line: check it and open a new cue. */
static l4a_status cue_open(l4a_transcript *t, l4a_tcue_state *cs, cue *c, const l4a_tlines *r,
                           double start, double end) {
    l4a_status st = cue_flush(t, cs, c);
    if (st != L4A_OK) return st;
    if (end < start)
        return l4a_fail(L4A_ERR_FORMAT, "line %lld: cue ends (%.3f s) before it starts "
                        "(%.3f s)", (long long)r->lineno, end, start);
    c->open = true;
    c->start = start;
    c->end = end;
    c->len = 0;
    return L4A_OK;
}

static bool all_digits(const char *s, size_t n) {
    if (n == 0 || n > 9) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* "-->" on a line that is not a valid timing line: name it rather than read it as text. */
static l4a_status bad_timing(const l4a_tlines *r, const char *line, size_t len) {
    return l4a_fail(L4A_ERR_FORMAT, "line %lld: bad timing line '%.*s' (expected "
                    "'00:00:01,000 --> 00:00:04,000')", (long long)r->lineno,
                    (int)(len > 60 ? 60 : len), line);
}

static bool has_arrow(const char *s, size_t n) { return memmem(s, n, "-->", 3) != NULL; }

l4a_status l4a_transcript_parse_srt(l4a_transcript *t, const char *s, size_t n) {
    l4a_tlines r;
    l4a_tlines_init(&r, s, n, "srt");
    l4a_tcue_state cs = {0};
    cue c = {0};
    bool any_cue = false;
    l4a_status st = L4A_OK;
    const char *line;
    size_t len;
    int rc;
    while (st == L4A_OK && (rc = l4a_tlines_next(&r, &line, &len)) > 0) {
        double a, b;
        if (l4a_tblank(line, len)) {
            if (c.open && c.len && !cue_add_line(&c, "", 0)) st = L4A_ERR_NOMEM;
            continue;
        }
        if (l4a_ttiming(line, len, &a, &b)) {
            st = cue_open(t, &cs, &c, &r, a, b);
            any_cue = true;
            continue;
        }
        if (has_arrow(line, len)) {
            st = bad_timing(&r, line, len);
            break;
        }
        const char *next;
        size_t next_len;
        if (all_digits(line, len) && l4a_tlines_peek(&r, &next, &next_len) > 0 &&
            l4a_ttiming(next, next_len, &a, &b)) {
            l4a_tlines_next(&r, &next, &next_len);
            st = cue_open(t, &cs, &c, &r, a, b);
            any_cue = true;
            continue;
        }
        if (!c.open && !any_cue) {
            st = l4a_fail(L4A_ERR_FORMAT, "line %lld: expected a cue number or a timing line "
                          "'00:00:01,000 --> 00:00:04,000', got '%.*s'", (long long)r.lineno,
                          (int)(len > 60 ? 60 : len), line);
            break;
        }
        c.open = true;          /* text after a blank line continues the last cue */
        if (!cue_add_line(&c, line, len)) st = L4A_ERR_NOMEM;
    }
    if (st == L4A_OK && rc < 0) st = L4A_ERR_FORMAT;
    if (st == L4A_OK) st = cue_flush(t, &cs, &c);
    if (st == L4A_OK && !any_cue) st = l4a_fail(L4A_ERR_FORMAT, "no cues");
    if (st == L4A_ERR_NOMEM) l4a_fail(L4A_ERR_NOMEM, "out of memory");
    l4a_tcue_state_free(&cs);
    l4a_free(c.text);
    return st;
}

/* Does the line start with word (then white space or the end)? */
static bool starts_word(const char *s, size_t n, const char *word) {
    size_t m = strlen(word);
    return n >= m && memcmp(s, word, m) == 0 && (n == m || s[m] == ' ' || s[m] == '\t');
}

l4a_status l4a_transcript_parse_vtt(l4a_transcript *t, const char *s, size_t n) {
    l4a_tlines r;
    l4a_tlines_init(&r, s, n, "vtt");
    const char *line;
    size_t len;
    int rc = l4a_tlines_next(&r, &line, &len);
    while (rc > 0 && l4a_tblank(line, len)) rc = l4a_tlines_next(&r, &line, &len);
    if (rc < 0) return L4A_ERR_FORMAT;
    if (rc == 0 || !starts_word(line, len, "WEBVTT"))
        return l4a_fail(L4A_ERR_FORMAT, "line %lld: missing the 'WEBVTT' signature line",
                        (long long)(rc == 0 ? 1 : r.lineno));

    l4a_tcue_state cs = {0};
    cue c = {0};
    bool any_cue = false;
    l4a_status st = L4A_OK;
    enum { HEADER, BETWEEN, SKIP, CUE } state = HEADER;
    while (st == L4A_OK && (rc = l4a_tlines_next(&r, &line, &len)) > 0) {
        double a, b;
        bool blank = l4a_tblank(line, len);
        bool timing = !blank && l4a_ttiming(line, len, &a, &b);
        if (timing) {                       /* a timing line always starts a cue */
            st = cue_open(t, &cs, &c, &r, a, b);
            any_cue = true;
            state = CUE;
            continue;
        }
        if (blank) {
            if (state == CUE) st = cue_flush(t, &cs, &c);
            if (state != CUE || st == L4A_OK) state = BETWEEN;
            continue;
        }
        if (has_arrow(line, len) && state != SKIP) {
            st = bad_timing(&r, line, len);
            break;
        }
        switch (state) {
        case HEADER: case SKIP:
            break;                          /* header metadata, NOTE/STYLE/REGION bodies */
        case CUE:
            if (!cue_add_line(&c, line, len)) st = L4A_ERR_NOMEM;
            break;
        case BETWEEN: {
            if (starts_word(line, len, "NOTE") || starts_word(line, len, "STYLE") ||
                starts_word(line, len, "REGION")) {
                state = SKIP;
                break;
            }
            const char *next;
            size_t next_len;
            if (l4a_tlines_peek(&r, &next, &next_len) > 0 && l4a_ttiming(next, next_len, &a, &b))
                break;                      /* a cue identifier: the timing line follows */
            if (!any_cue) {
                st = l4a_fail(L4A_ERR_FORMAT, "line %lld: expected a cue (an optional "
                              "identifier, then '00:01.000 --> 00:04.000'), got '%.*s'",
                              (long long)r.lineno, (int)(len > 60 ? 60 : len), line);
                break;
            }
            /* text after a blank line inside a cue: continue the last cue */
            c.open = true;
            state = CUE;
            if (!cue_add_line(&c, line, len)) st = L4A_ERR_NOMEM;
            break;
        }
        }
    }
    if (st == L4A_OK && rc < 0) st = L4A_ERR_FORMAT;
    if (st == L4A_OK) st = cue_flush(t, &cs, &c);
    if (st == L4A_OK && !any_cue) st = l4a_fail(L4A_ERR_FORMAT, "no cues after the header");
    if (st == L4A_ERR_NOMEM) l4a_fail(L4A_ERR_NOMEM, "out of memory");
    l4a_tcue_state_free(&cs);
    l4a_free(c.text);
    return st;
}
