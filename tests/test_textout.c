/* test_textout.c - generated pieces to visible text (l4a_textout, used by the CLI's stream and
 * the server): a UTF-8 character split across pieces is held until complete, a stop string
 * split across pieces is never shown and ends the text, invalid bytes are passed on or made
 * U+FFFD, and every split of a text into pieces gives the same visible text. */
#include "harness.h"
#include "llm4all.h"

#include <string.h>

/* Push the pieces of s cut at the given offsets (then flush); the visible text into out. */
static bool run(l4a_textout *t, const char *s, const size_t *cuts, int n_cuts, char *out,
                size_t cap, int *n_stopped_at) {
    size_t from = 0, n = strlen(s), o = 0;
    *n_stopped_at = -1;
    for (int i = 0; i <= n_cuts; i++) {
        size_t to = i < n_cuts ? cuts[i] : n;
        const char *text;
        size_t len;
        bool stopped;
        if (l4a_textout_push(t, s + from, to - from, &text, &len, &stopped) != L4A_OK) return false;
        if (o + len >= cap) return false;
        memcpy(out + o, text, len);
        o += len;
        if (stopped && *n_stopped_at < 0) *n_stopped_at = i;
        from = to;
    }
    const char *text;
    size_t len;
    if (l4a_textout_flush(t, &text, &len) != L4A_OK || o + len >= cap) return false;
    memcpy(out + o, text, len);
    out[o + len] = 0;
    return true;
}

/* A character split in the middle: nothing of it shows until its last byte. */
static void test_utf8_split(void) {
    l4a_textout *t = NULL;
    CHECK(l4a_textout_new(NULL, 0, false, &t) == L4A_OK);
    const char *text;
    size_t len;
    bool stopped;
    CHECK(l4a_textout_push(t, "caf\xC3", 4, &text, &len, &stopped) == L4A_OK);
    CHECK(len == 3 && !memcmp(text, "caf", 3) && !stopped);
    CHECK(l4a_textout_push(t, "\xA9 \xE2\x82", 4, &text, &len, &stopped) == L4A_OK);
    CHECK(len == 3 && !memcmp(text, "\xC3\xA9 ", 3));
    CHECK(l4a_textout_push(t, "\xAC", 1, &text, &len, &stopped) == L4A_OK);
    CHECK(len == 3 && !memcmp(text, "\xE2\x82\xAC", 3));
    /* an emoji in four pieces of one byte */
    const char *emoji = "\xF0\x9F\x98\x80";
    for (int i = 0; i < 4; i++) {
        CHECK(l4a_textout_push(t, emoji + i, 1, &text, &len, &stopped) == L4A_OK);
        CHECK(len == (i < 3 ? 0u : 4u));
    }
    l4a_textout_free(t);
}

/* Stop strings: held while they may still begin, dropped with what follows once complete;
 * the earliest of two wins; a held prefix that does not complete is shown. */
static void test_stops(void) {
    const char *stops[] = {"</s>", "\n\nUser:", ""};
    const char *cases[][2] = {
        {"Bonjour.</s>ignored", "Bonjour."},
        {"Oui.\n\nUser: encore", "Oui."},
        {"a </b> and <ok> then </s", "a </b> and <ok> then </s"},
        {"x\n\nUse the force</s>y", "x\n\nUse the force"},
        {"no stop at all", "no stop at all"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *s = cases[c][0];
        size_t n = strlen(s);
        /* every single cut, and every byte its own piece */
        for (size_t cut = 0; cut <= n; cut++) {
            l4a_textout *t = NULL;
            CHECK(l4a_textout_new(stops, 3, false, &t) == L4A_OK);
            char out[256];
            int at;
            CHECK(run(t, s, &cut, 1, out, sizeof out, &at));
            CHECK_MSG(!strcmp(out, cases[c][1]), "case %zu cut %zu: '%s'", c, cut, out);
            l4a_textout_free(t);
        }
        size_t cuts[64];
        for (size_t i = 0; i + 1 < n && i < 64; i++) cuts[i] = i + 1;
        l4a_textout *t = NULL;
        CHECK(l4a_textout_new(stops, 3, false, &t) == L4A_OK);
        char out[256];
        int at;
        CHECK(run(t, s, cuts, (int)(n - 1 < 64 ? n - 1 : 64), out, sizeof out, &at));
        CHECK_MSG(!strcmp(out, cases[c][1]), "case %zu bytewise: '%s'", c, out);
        /* the piece that completes the stop string reports it */
        const char *stop = strstr(s, "</s>") ? strstr(s, "</s>") : strstr(s, "\n\nUser:");
        if (stop) {
            size_t end = (size_t)(stop - s) + (strstr(s, "</s>") == stop ? 4 : 7);
            CHECK_MSG(at == (int)end - 1, "case %zu: stopped at piece %d, want %zu", c, at,
                      end - 1);
        } else {
            CHECK(at == -1);
        }
        l4a_textout_free(t);
    }
}

/* Invalid UTF-8: passed on as is, or made U+FFFD (one per bad byte), never held forever. */
static void test_invalid(void) {
    const char *s = "a\xFF" "b\xC3(\xED\xA0\x80z";      /* bad byte, bad continuation, surrogate */
    for (int replace = 0; replace < 2; replace++) {
        l4a_textout *t = NULL;
        CHECK(l4a_textout_new(NULL, 0, replace, &t) == L4A_OK);
        char out[64];
        int at;
        CHECK(run(t, s, NULL, 0, out, sizeof out, &at));
        if (!replace)
            CHECK(!strcmp(out, s));
        else
            CHECK_MSG(!strcmp(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD"
                                   "\xEF\xBF\xBDz"), "replaced: '%s'", out);
        l4a_textout_free(t);
    }
    /* a truncated character at the very end is shown at flush (replaced) */
    l4a_textout *t = NULL;
    CHECK(l4a_textout_new(NULL, 0, true, &t) == L4A_OK);
    char out[64];
    int at;
    CHECK(run(t, "fin\xE2\x82", NULL, 0, out, sizeof out, &at));
    CHECK_MSG(!strcmp(out, "fin\xEF\xBF\xBD\xEF\xBF\xBD"), "'%s'", out);
    l4a_textout_free(t);
}

static void test_args(void) {
    l4a_textout *t = NULL;
    const char *text;
    size_t len;
    bool stopped;
    CHECK(l4a_textout_new(NULL, 1, false, &t) == L4A_ERR_INVALID_ARG && t == NULL);
    CHECK(l4a_textout_new(NULL, -1, false, &t) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_textout_new(NULL, 0, false, NULL) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_textout_push(NULL, "a", 1, &text, &len, &stopped) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_textout_new(NULL, 0, false, &t) == L4A_OK);
    CHECK(l4a_textout_push(t, NULL, 1, &text, &len, &stopped) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_textout_push(t, NULL, 0, &text, &len, &stopped) == L4A_OK && len == 0);
    l4a_textout_free(t);
    l4a_textout_free(NULL);
}

int main(void) {
    test_utf8_split();
    test_stops();
    test_invalid();
    test_args();
    return l4a_test_summary("test_textout");
}
