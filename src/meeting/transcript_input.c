/*
 * transcript_input.c - the entry point of transcript parsing: the checks every input gets
 * before a format parser sees it (size limit, BOM, binary data, UTF-16, UTF-8 validity,
 * emptiness), format detection, and format names.
 *
 * UTF-8 validity follows RFC 3629 (no overlong forms, no surrogates, nothing above
 * U+10FFFF). Invalid input is an error naming the byte offset, because a Latin-1 or
 * Windows-1252 file (common for French text exported on Windows) read as UTF-8 would
 * otherwise give garbled names and words silently; with L4A_TRANSCRIPT_REPLACE_INVALID_UTF8
 * each maximal invalid subsequence becomes one U+FFFD instead (the WHATWG "replacement"
 * practice), and the count is kept.
 */
#include "meeting/transcript.h"

#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- format names */

static const char *const k_names[] = {"auto", "plain", "srt", "vtt", "json"};

const char *l4a_transcript_format_name(l4a_transcript_format fmt) {
    if ((unsigned)fmt < sizeof k_names / sizeof k_names[0]) return k_names[fmt];
    return "unknown";
}

bool l4a_transcript_format_from_name(const char *name, l4a_transcript_format *out) {
    static const struct { const char *name; l4a_transcript_format fmt; } k_alias[] = {
        {"auto", L4A_TRANSCRIPT_AUTO}, {"plain", L4A_TRANSCRIPT_PLAIN},
        {"txt", L4A_TRANSCRIPT_PLAIN}, {"text", L4A_TRANSCRIPT_PLAIN},
        {"srt", L4A_TRANSCRIPT_SRT},   {"vtt", L4A_TRANSCRIPT_VTT},
        {"webvtt", L4A_TRANSCRIPT_VTT}, {"json", L4A_TRANSCRIPT_JSON},
    };
    if (!name || !out) return false;
    for (size_t i = 0; i < sizeof k_alias / sizeof k_alias[0]; i++) {
        if (strcasecmp(name, k_alias[i].name) == 0) {
            *out = k_alias[i].fmt;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid; *used is then the length
 * of the maximal invalid subsequence to replace (at least 1). */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *used) {
    unsigned char c = s[0];
    *used = 1;
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;     /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c == 0xe0) len = 3, lo = 0xa0;
    else if (c >= 0xe1 && c <= 0xef) len = 3, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c == 0xf0) len = 4, lo = 0x90;
    else if (c >= 0xf1 && c <= 0xf3) len = 4;
    else if (c == 0xf4) len = 4, hi = 0x8f;
    else return 0;
    for (size_t k = 1; k < len; k++) {
        if (k >= n) { *used = k; return 0; }
        unsigned char b = s[k];
        bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xbf);
        if (!ok) { *used = k; return 0; }
    }
    return len;
}

/* Check the bytes after the BOM: no NUL or control byte, valid UTF-8 unless replacing.
 * base is the offset of s in the caller's buffer (for messages). Counts invalid sequences
 * and the bytes the replaced copy needs. */
static l4a_status check_bytes(const unsigned char *s, size_t n, size_t base, bool replace,
                              int64_t *n_bad, size_t *out_len) {
    /* control bytes first: binary data gets the binary message, not a UTF-8 one */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') ||
            c == 0x7f)
            return l4a_fail(L4A_ERR_FORMAT, "binary data, not a text transcript (%s byte 0x%02X "
                            "at offset %zu)", c ? "control" : "NUL", c, base + i);
    }
    *n_bad = 0;
    size_t out = 0;
    for (size_t i = 0; i < n;) {
        size_t used, len = utf8_seq(s + i, n - i, &used);
        if (len) {
            i += len;
            out += len;
            continue;
        }
        if (!replace)
            return l4a_fail(L4A_ERR_FORMAT,
                            "invalid UTF-8 at byte offset %zu (byte 0x%02X): the file may be "
                            "Latin-1 or Windows-1252; convert it (iconv -f WINDOWS-1252 -t "
                            "UTF-8) or ask for replacement of invalid bytes",
                            base + i, s[i]);
        (*n_bad)++;
        i += used;
        out += 3;
    }
    *out_len = out;
    return L4A_OK;
}

/* Copy s into out (sized by check_bytes) with each invalid sequence replaced by U+FFFD. */
static void copy_replaced(const unsigned char *s, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t used, len = utf8_seq(s + i, n - i, &used);
        if (len) {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i += used;
        }
    }
    out[o] = 0;
}

/* ---------------------------------------------------------------- detection */

static size_t bom_len(const char *s, size_t n) {
    return n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
                                   c == '\v' || c == '\f'; }

l4a_transcript_format l4a_transcript_detect(const char *data, size_t len) {
    if (!data) return L4A_TRANSCRIPT_PLAIN;
    size_t i = bom_len(data, len);
    while (i < len && is_ws(data[i])) i++;
    const char *s = data + i;
    size_t n = len - i;
    if (n == 0) return L4A_TRANSCRIPT_PLAIN;
    if (s[0] == '{') return L4A_TRANSCRIPT_JSON;
    if (s[0] == '[') {
        size_t k = 1;
        while (k < n && is_ws(s[k])) k++;
        if (k == n || s[k] == '{' || s[k] == ']') return L4A_TRANSCRIPT_JSON;
    }
    if (n >= 6 && memcmp(s, "WEBVTT", 6) == 0 && (n == 6 || is_ws(s[6])))
        return L4A_TRANSCRIPT_VTT;
    /* SRT: "N" then a timing line, or a timing line first. */
    size_t e1 = 0;
    while (e1 < n && s[e1] != '\n' && s[e1] != '\r') e1++;
    double a, b;
    if (l4a_ttiming(s, e1, &a, &b)) return L4A_TRANSCRIPT_SRT;
    bool digits = e1 > 0;
    size_t last = e1;
    while (last > 0 && (s[last - 1] == ' ' || s[last - 1] == '\t')) last--;
    for (size_t k = 0; k < last; k++) digits = digits && s[k] >= '0' && s[k] <= '9';
    if (digits && last > 0 && last <= 9) {
        size_t b2 = e1;
        if (b2 < n && s[b2] == '\r') b2++;
        if (b2 < n && s[b2] == '\n') b2++;
        size_t e2 = b2;
        while (e2 < n && s[e2] != '\n' && s[e2] != '\r') e2++;
        if (l4a_ttiming(s + b2, e2 - b2, &a, &b)) return L4A_TRANSCRIPT_SRT;
    }
    return L4A_TRANSCRIPT_PLAIN;
}

/* Markup that is not a transcript: say so instead of reading tags as prose. */
static bool looks_like_markup(const char *s, size_t n) {
    static const char *const k_starts[] = {"<?xml", "<!doctype", "<html", "<tt ", "<tt>"};
    size_t i = 0;
    while (i < n && is_ws(s[i])) i++;
    for (size_t k = 0; k < sizeof k_starts / sizeof k_starts[0]; k++) {
        size_t m = strlen(k_starts[k]);
        if (n - i >= m && strncasecmp(s + i, k_starts[k], m) == 0) return true;
    }
    return false;
}

/* ---------------------------------------------------------------- entry point */

l4a_status l4a_transcript_parse(const char *data, size_t len, l4a_transcript_format fmt,
                                l4a_transcript **out) {
    return l4a_transcript_parse_ex(data, len, fmt, 0, out);
}

l4a_status l4a_transcript_parse_ex(const char *data, size_t len, l4a_transcript_format fmt,
                                   unsigned flags, l4a_transcript **out) {
    if (!out) return l4a_fail(L4A_ERR_INVALID_ARG, "transcript: out is NULL");
    *out = NULL;
    if (!data && len) return l4a_fail(L4A_ERR_INVALID_ARG, "transcript: data is NULL");
    if ((unsigned)fmt > L4A_TRANSCRIPT_JSON)
        return l4a_fail(L4A_ERR_INVALID_ARG, "transcript: unknown format %d", (int)fmt);
    if (len > L4A_TRANSCRIPT_MAX_BYTES)
        return l4a_fail(L4A_ERR_FORMAT, "transcript: input is %zu bytes, more than the limit "
                        "of %zu MiB", len, L4A_TRANSCRIPT_MAX_BYTES >> 20);
    if (len == 0) return l4a_fail(L4A_ERR_FORMAT, "transcript: empty input");
    const unsigned char *u = (const unsigned char *)data;
    if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
        return l4a_fail(L4A_ERR_FORMAT, "transcript: UTF-16 text (byte order mark at offset "
                        "0) is not supported: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)");

    size_t skip = bom_len(data, len), n = len - skip;
    int64_t n_bad = 0;
    size_t n_out = 0;
    bool replace = (flags & L4A_TRANSCRIPT_REPLACE_INVALID_UTF8) != 0;
    l4a_status st = check_bytes(u + skip, n, skip, replace, &n_bad, &n_out);
    if (st != L4A_OK) {
        l4a_error_prefix("transcript");
        return st;
    }
    /* A NUL-terminated copy: parsers (and cJSON) may rely on the terminator. */
    char *s = l4a_malloc(n_out + 1);
    if (!s) return l4a_fail(L4A_ERR_NOMEM, "transcript: out of memory (%zu bytes)", n_out);
    if (n_bad) copy_replaced(u + skip, n, s);
    else {
        memcpy(s, data + skip, n);
        s[n] = 0;
    }
    if (l4a_tblank(s, n_out)) {
        l4a_free(s);
        return l4a_fail(L4A_ERR_FORMAT, "transcript: empty input (only white space)");
    }
    if (fmt == L4A_TRANSCRIPT_AUTO) fmt = l4a_transcript_detect(s, n_out);
    if (fmt == L4A_TRANSCRIPT_PLAIN && looks_like_markup(s, n_out)) {
        l4a_free(s);
        return l4a_fail(L4A_ERR_FORMAT, "transcript: the input looks like XML or HTML, not a "
                        "transcript (accepted: plain text, SRT, WebVTT, JSON)");
    }

    l4a_transcript *t = l4a_tb_new(fmt, flags);
    if (!t) {
        l4a_free(s);
        return l4a_fail(L4A_ERR_NOMEM, "transcript: out of memory");
    }
    l4a_tb_set_replaced(t, n_bad);
    switch (fmt) {
    case L4A_TRANSCRIPT_PLAIN: st = l4a_transcript_parse_plain(t, s, n_out); break;
    case L4A_TRANSCRIPT_SRT: st = l4a_transcript_parse_srt(t, s, n_out); break;
    case L4A_TRANSCRIPT_VTT: st = l4a_transcript_parse_vtt(t, s, n_out); break;
    case L4A_TRANSCRIPT_JSON: st = l4a_transcript_parse_json(t, s, n_out); break;
    default: st = l4a_fail(L4A_ERR_INTERNAL, "unreachable format %d", (int)fmt); break;
    }
    if (st == L4A_OK) st = l4a_tb_finish(t);
    l4a_free(s);
    if (st != L4A_OK) {
        l4a_error_prefix("transcript: %s", l4a_transcript_format_name(fmt));
        l4a_transcript_free(t);
        return st;
    }
    *out = t;
    return L4A_OK;
}
