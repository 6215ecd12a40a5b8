/*
 * transcript_cue.c - the payload of one SRT or WebVTT cue, turned into speaker turns.
 *
 * Step 1 rewrites the payload into a work buffer: tags are removed ("<i>", "<c.x>",
 * "<00:01.000>", "</v>", SRT "<font ...>", ASS "{\an8}"), a voice tag "<v Name>" or
 * "<v.class Name>" (WebVTT section 4.2.2) becomes the marker VOICE Name END, character
 * references are decoded (&amp; &lt; &gt; &quot; &apos; &nbsp; &lrm; &rlm; and numeric ones).
 * The input checks guarantee no control byte, so the markers cannot collide with text.
 * Step 2 walks the lines: a voice marker, a dialogue dash ("- " at a line start, speaker
 * unknown), "[Name] text" or "Name: text" (the label rule of transcript_text.c; with a space
 * before ':' only for a known speaker or a speaker id) starts a new turn; other lines
 * continue the current one. A cue without any marker continues the speaker of the previous
 * cue (captions label a speaker when it changes); after dialogue dashes it is unknown.
 */
#include "meeting/transcript.h"

#include <string.h>

#define VOICE '\x01'
#define VOICE_END '\x02'

static bool buf_reserve(l4a_tcue_state *st, size_t need) {
    if (need <= st->scratch_cap) return true;
    size_t cap = st->scratch_cap ? st->scratch_cap : 256;
    while (cap < need) cap *= 2;
    char *p = l4a_realloc(st->scratch, cap);
    if (!p) return false;
    st->scratch = p;
    st->scratch_cap = cap;
    return true;
}

/* UTF-8 encoding of c into out (at least 4 bytes); returns the length. */
static size_t put_utf8(uint32_t c, char *out) {
    if (c < 0x80) { out[0] = (char)c; return 1; }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* A character reference at s ('&'): writes its text into out (up to 4 bytes) and returns
 * the bytes of s used, or 0 when it is not one (the '&' is then kept as is). */
static size_t entity(const char *s, size_t n, char *out, size_t *out_len) {
    static const struct { const char *name; const char *text; } k_named[] = {
        {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"},
        {"&nbsp;", "\xc2\xa0"}, {"&lrm;", ""}, {"&rlm;", ""},
    };
    for (size_t k = 0; k < sizeof k_named / sizeof k_named[0]; k++) {
        size_t m = strlen(k_named[k].name);
        if (n >= m && memcmp(s, k_named[k].name, m) == 0) {
            *out_len = strlen(k_named[k].text);
            memcpy(out, k_named[k].text, *out_len);
            return m;
        }
    }
    if (n < 4 || s[1] != '#') return 0;
    bool hex = s[2] == 'x' || s[2] == 'X';
    size_t i = hex ? 3 : 2, d0 = i;
    uint32_t c = 0;
    for (; i < n && i - d0 < 7; i++) {
        char ch = s[i];
        uint32_t v;
        if (ch >= '0' && ch <= '9') v = (uint32_t)(ch - '0');
        else if (hex && (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
            v = (uint32_t)((ch | 0x20) - 'a' + 10);
        else break;
        c = c * (hex ? 16 : 10) + v;
    }
    if (i == d0 || i >= n || s[i] != ';') return 0;
    if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) return 0;
    *out_len = put_utf8(c, out);
    return i + 1;
}

/* Step 1: payload -> work buffer. The output is never longer than the input: a voice tag
 * "<v N>" becomes VOICE N END, a reference of k bytes gives at most k - 2 ("&#x10FFFF;"
 * gives 4 bytes of UTF-8). Returns the length. */
static size_t rewrite(const char *s, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (c == '<') {
            size_t e = i + 1;
            while (e < n && s[e] != '>' && s[e] != '\n' && s[e] != '<') e++;
            if (e < n && s[e] == '>' && e > i + 1) {
                const char *tag = s + i + 1;
                size_t tl = e - i - 1;
                if (tag[0] == 'v' && tl > 1 && (tag[1] == ' ' || tag[1] == '\t' || tag[1] == '.')) {
                    size_t k = 1;
                    while (k < tl && tag[k] != ' ' && tag[k] != '\t') k++;   /* classes */
                    out[o++] = VOICE;
                    memcpy(out + o, tag + k, tl - k);
                    o += tl - k;
                    out[o++] = VOICE_END;
                }
                i = e + 1;
                continue;
            }
        } else if (c == '{' && i + 1 < n && s[i + 1] == '\\') {
            size_t e = i + 2;
            while (e < n && s[e] != '}' && s[e] != '\n' && s[e] != '{') e++;
            if (e < n && s[e] == '}') {
                i = e + 1;
                continue;
            }
        } else if (c == '&') {
            size_t w, used = entity(s + i, n - i, out + o, &w);
            if (used) {
                o += w;
                i += used;
                continue;
            }
        }
        out[o++] = c;
        i++;
    }
    return o;
}

static size_t skip_space(const char *s, size_t n, size_t i) {
    for (size_t w; i < n && (w = l4a_tspace(s + i, n - i)); i += w) {}
    return i;
}

/* Set st->speaker to a copy of [s, s+n) (NULL for none). */
static bool set_speaker(l4a_tcue_state *st, const char *s, size_t n) {
    l4a_free(st->speaker);
    st->speaker = NULL;
    if (!s) return true;
    st->speaker = l4a_strndup(s, n);
    return st->speaker != NULL;
}

/* A marker at the start of a line segment: a label ("[Name] " or "Name: "). Sets *spk and
 * returns the offset of the text, 0 when there is none. */
static size_t line_label(const l4a_transcript *t, const char *s, size_t n, const char **spk,
                         size_t *spk_len) {
    if (n > 2 && s[0] == '[') {
        size_t e = 1;
        while (e < n && s[e] != ']') e++;
        size_t after = skip_space(s, n, e + 1);
        if (e < n && after < n && after > e + 1 && l4a_tlabel_valid(s + 1, e - 1)) {
            *spk = s + 1;
            *spk_len = e - 1;
            return after;
        }
    }
    size_t lab_len, text_off;
    bool spaced;
    double tm;
    if (l4a_tlabel_scan(s, n, &lab_len, &text_off, &spaced, &tm) && tm < 0 &&
        (!spaced || l4a_tlabel_is_id(s, lab_len) || l4a_tb_known_speaker(t, s, lab_len))) {
        *spk = s;
        *spk_len = lab_len;
        return text_off;
    }
    return 0;
}

l4a_status l4a_tcue_emit(l4a_transcript *t, l4a_tcue_state *st, const char *text, size_t n,
                         double start, double end) {
    if (!buf_reserve(st, n + 8)) return l4a_fail(L4A_ERR_NOMEM, "out of memory");
    size_t m = rewrite(text, n, st->scratch);
    const char *s = st->scratch;
    l4a_tb_set_cue(t, ++st->cue_id);
    bool started = false;                   /* a turn of this cue exists */
    l4a_status rc = L4A_OK;
    for (size_t b = 0; b < m && rc == L4A_OK;) {
        size_t e = b;
        while (e < m && s[e] != '\n') e++;
        /* one line: segments start at voice markers */
        size_t i = skip_space(s, e, b);
        bool line_start = true;
        while (i < e && rc == L4A_OK) {
            const char *spk = NULL;
            size_t spk_len = 0, k;
            bool new_turn = false, voice = false;
            if (s[i] == VOICE) {
                size_t ve = i + 1;
                while (ve < e && s[ve] != VOICE_END) ve++;
                size_t ns = skip_space(s, ve, i + 1), ne = ve;
                while (ne > ns && l4a_tspace(s + ne - 1, 1)) ne--;
                if (!set_speaker(st, ne > ns ? s + ns : NULL, ne - ns)) goto nomem;
                i = ve < e ? ve + 1 : e;
                new_turn = voice = true;
            } else if (line_start && e - i >= 2 && s[i] == '-' &&
                       l4a_tspace(s + i + 1, e - i - 1)) {
                i = skip_space(s, e, i + 1);
                if (!set_speaker(st, NULL, 0)) goto nomem;
                new_turn = true;
            } else if (line_start && e - i >= 4 && (memcmp(s + i, "\xe2\x80\x93", 3) == 0 ||
                                                    memcmp(s + i, "\xe2\x80\x94", 3) == 0) &&
                       l4a_tspace(s + i + 3, e - i - 3)) {
                i = skip_space(s, e, i + 3);
                if (!set_speaker(st, NULL, 0)) goto nomem;
                new_turn = true;
            }
            if (!voice && line_start && (k = line_label(t, s + i, e - i, &spk, &spk_len)) > 0) {
                if (!set_speaker(st, spk, spk_len)) goto nomem;
                i += k;
                new_turn = true;
            }
            /* the segment runs to the next voice marker or the end of the line */
            size_t se = i;
            while (se < e && s[se] != VOICE) se++;
            const char *sp = st->speaker;
            if (new_turn || !started) {
                rc = l4a_tb_turn(t, sp, sp ? strlen(sp) : 0, start, end, s + i, se - i);
                started = true;
            } else {
                rc = l4a_tb_append(t, s + i, se - i);
            }
            i = se;
            line_start = false;
        }
        b = e + 1;
    }
    return rc;
nomem:
    return l4a_fail(L4A_ERR_NOMEM, "out of memory");
}

void l4a_tcue_state_free(l4a_tcue_state *st) {
    l4a_free(st->speaker);
    l4a_free(st->scratch);
    st->speaker = st->scratch = NULL;
    st->scratch_cap = 0;
}
