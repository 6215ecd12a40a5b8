/* test_transcript.c - the meeting-transcript parsers (src/meeting/transcript*.c): every format
 * and variant on the hand-written samples of tests/data/transcripts/, the 20 FREDSum debate
 * transcripts (each line one turn; the reference is a plain split of each line at its first
 * ": " and the turn counts of FREDSum's speakers.tsv and index.tsv), malformed inputs with the
 * expected error, format detection, the label rule, flags, rendering round trips and
 * allocation failures. */
#include "harness.h"
#include "meeting/transcript.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- helpers */

/* CHECK_MSG as an expression: true when x holds. */
#define CHECKED(x, ...) checked((x), __FILE__, __LINE__, #x, __VA_ARGS__)
static bool checked(bool ok, const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static bool checked(bool ok, const char *file, int line, const char *expr, const char *fmt, ...) {
    if (l4a_test_check(ok, file, line, expr)) return true;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "    ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return false;
}

static char *read_sample(const char *name, size_t *len) {
    char rel[256];
    snprintf(rel, sizeof rel, "data/transcripts/%s", name);
    char *buf = l4a_test_read_file(l4a_test_path(rel), len);
    CHECK_MSG(buf != NULL, "cannot read tests/%s", rel);
    return buf;
}

static l4a_transcript *parse_sample(const char *name, l4a_transcript_format fmt, unsigned flags) {
    size_t len;
    char *buf = read_sample(name, &len);
    if (!buf) return NULL;
    l4a_transcript *t = NULL;
    l4a_status st = l4a_transcript_parse_ex(buf, len, fmt, flags, &t);
    CHECK_MSG(st == L4A_OK, "%s: %s", name, l4a_last_error());
    free(buf);
    return t;
}

/* Check turn i: speaker ("" unknown), times (-1 unknown), text. */
static void expect_turn(const l4a_transcript *t, int32_t i, const char *spk, double start,
                        double end, const char *text) {
    l4a_transcript_turn tu;
    if (!CHECKED(l4a_transcript_get_turn(t, i, &tu) == L4A_OK, "turn %d missing", i)) return;
    CHECK_MSG(strcmp(tu.speaker, spk) == 0, "turn %d: speaker '%s', expected '%s'", i,
              tu.speaker, spk);
    CHECK_MSG((tu.speaker_id < 0) == (spk[0] == 0), "turn %d: speaker id %d", i, tu.speaker_id);
    CHECK_NEAR(tu.start_s, start, 1e-9);
    CHECK_NEAR(tu.end_s, end, 1e-9);
    CHECK_MSG(strcmp(tu.text, text) == 0, "turn %d: text '%s', expected '%s'", i, tu.text, text);
    CHECK_EQ_INT(tu.text_len, strlen(text));
}

static void expect_error_buf(const char *what, const char *data, size_t len,
                             l4a_transcript_format fmt, unsigned flags, l4a_status want,
                             const char *substr) {
    l4a_transcript *t = (l4a_transcript *)1;
    l4a_status st = l4a_transcript_parse_ex(data, len, fmt, flags, &t);
    CHECK_MSG(st == want, "%s: status %d, expected %d (%s)", what, st, want, l4a_last_error());
    CHECK_MSG(t == NULL, "%s: *out not NULL on error", what);
    CHECK_MSG(strstr(l4a_last_error(), substr) != NULL, "%s: error '%s' lacks '%s'", what,
              l4a_last_error(), substr);
    if (st == L4A_OK) l4a_transcript_free(t);
}

static void expect_error_file(const char *name, l4a_transcript_format fmt, const char *substr) {
    size_t len;
    char *buf = read_sample(name, &len);
    if (!buf) return;
    expect_error_buf(name, buf, len, fmt, 0, L4A_ERR_FORMAT, substr);
    free(buf);
}

static l4a_transcript *parse_str(const char *s, l4a_transcript_format fmt, unsigned flags) {
    l4a_transcript *t = NULL;
    l4a_status st = l4a_transcript_parse_ex(s, strlen(s), fmt, flags, &t);
    CHECK_MSG(st == L4A_OK, "'%.40s': %s", s, l4a_last_error());
    return t;
}

/* ---------------------------------------------------------------- plain */

static void test_plain(void) {
    l4a_transcript *t = parse_sample("plain_speakers.txt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK(l4a_transcript_format_of(t) == L4A_TRANSCRIPT_PLAIN);
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 5);
        CHECK_EQ_INT(l4a_transcript_n_speakers(t), 4);
        CHECK(strcmp(l4a_transcript_speaker(t, 0), "Alice") == 0);
        CHECK(strcmp(l4a_transcript_speaker(t, 3), "Patrick Poivre d'Arvor") == 0);
        CHECK(l4a_transcript_speaker(t, 4) == NULL && l4a_transcript_speaker(t, -1) == NULL);
        expect_turn(t, 1, "M. DUPONT", -1, -1, "Merci. Il a dit : non, pas avant mars.");
        expect_turn(t, 2, "Jean-Pierre Le Gall", -1, -1, "D'accord. Deuxième chose : le budget.");
        expect_turn(t, 4, "Alice", -1, -1, "Moi.");
        CHECK(!l4a_transcript_has_times(t) && !l4a_transcript_times_overlap(t));
        l4a_transcript_turn tu;
        CHECK(l4a_transcript_get_turn(t, 5, &tu) == L4A_ERR_INVALID_ARG);
        CHECK(l4a_transcript_get_turn(t, -1, &tu) == L4A_ERR_INVALID_ARG);
        l4a_transcript_free(t);
    }

    t = parse_sample("plain_spk_ids.txt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 4);
        expect_turn(t, 0, "spk1", -1, -1, "bonjour tout le monde");
        expect_turn(t, 2, "spk1", -1, -1, "on parle du planning");
        expect_turn(t, 3, "SPEAKER_00", -1, -1, "je prends la suite");
        CHECK_EQ_INT(l4a_transcript_n_speakers(t), 3);
        l4a_transcript_free(t);
    }

    t = parse_sample("plain_timestamps.txt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 7);
        expect_turn(t, 0, "Alice", 1, -1, "Bonjour.");
        expect_turn(t, 1, "Bob", 62.5, -1, "Salut, ça va ?");
        expect_turn(t, 2, "Alice", 65.5, 69, "Très bien, merci.");
        expect_turn(t, 3, "Bob", 70, -1, "On commence.");
        expect_turn(t, 4, "Alice", 80, 85, "Premier point.");
        expect_turn(t, 5, "Bob", 90, -1, "Deuxième point.");
        /* a timestamped line without a label: a new turn of the current speaker */
        expect_turn(t, 6, "Bob", 100, -1, "Et un troisième.");
        CHECK(l4a_transcript_has_times(t) && !l4a_transcript_times_overlap(t));
        l4a_transcript_free(t);
    }

    /* French typography: "Marie : ..." is a label (reused), "Il faut voir : ..." is not */
    t = parse_sample("plain_french_colons.txt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 4);
        expect_turn(t, 0, "Marie", -1, -1,
                    "Bonjour. Je voudrais dire une chose : le projet avance.");
        expect_turn(t, 1, "Paul", -1, -1, "Il a dit : non, pas maintenant.");
        expect_turn(t, 2, "Marie", -1, -1,
                    "Alors : on attend ? Il faut voir : le comité décide demain.");
        l4a_transcript_free(t);
    }

    /* prose: one unknown-speaker turn per paragraph; a lone "Remarque:" is no speaker */
    t = parse_sample("plain_prose.txt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 3);
        CHECK_EQ_INT(l4a_transcript_n_speakers(t), 0);
        expect_turn(t, 0, "", -1, -1, "Compte rendu de la réunion du 12 mars. Les participants "
                    "ont discuté du budget et du planning des prochains mois.");
        expect_turn(t, 1, "", -1, -1, "Remarque: le comité se réunira de nouveau en avril. "
                    "Il a dit : non.");
        expect_turn(t, 2, "", -1, -1, "Fin du document.");
        l4a_transcript_free(t);
    }

    /* lines without a label continue the turn, across blank lines in a labelled file */
    t = parse_sample("plain_continuation.txt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 3);
        expect_turn(t, 0, "", -1, -1, "Réunion hebdomadaire");
        expect_turn(t, 1, "Alice", -1, -1, "Premier paragraphe de mon intervention, qui continue "
                    "sur cette ligne. Et un second paragraphe, toujours Alice.");
        expect_turn(t, 2, "Bob", -1, -1, "Je réponds sur la ligne suivante.");
        l4a_transcript_free(t);
    }

    /* BOM + CRLF, lone CR */
    const char *const crlf[] = {"plain_bom_crlf.txt", "plain_cr.txt"};
    for (int k = 0; k < 2; k++) {
        t = parse_sample(crlf[k], L4A_TRANSCRIPT_AUTO, 0);
        if (!t) continue;
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 3);
        expect_turn(t, 0, "Alice", -1, -1, "Bonjour.");
        expect_turn(t, 1, "Bob", -1, -1, "Salut.");
        expect_turn(t, 2, "Alice", -1, -1, "Fin.");
        l4a_transcript_free(t);
    }

    /* white space: tabs, runs of spaces, trailing spaces, NBSP before the colon, labels
     * with spaces collapsed */
    t = parse_str("  Alice\t:   un \t deux   \n\nBob\xc2\xa0: trois\nAlice : quatre  \n"
                  "Bob: cinq\n", L4A_TRANSCRIPT_PLAIN, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 4);
        expect_turn(t, 0, "Alice", -1, -1, "un deux");
        expect_turn(t, 1, "Bob", -1, -1, "trois");
        expect_turn(t, 2, "Alice", -1, -1, "quatre");
        l4a_transcript_free(t);
    }
    /* speaker ids are labels even with a space before ':'; a lowercase spaced prefix is not */
    t = parse_str("spk1 : bonjour\nspk2 : salut\nil a dit : non\nil a dit : oui\n",
                  L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 1, "spk2", -1, -1, "salut il a dit : non il a dit : oui");
        l4a_transcript_free(t);
    }
    /* a "Name:" line with its text on the next lines; a timestamp-only header line */
    t = parse_str("Alice:\nBonjour\nà tous.\n[00:00:05]\nSuite.\n", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "Alice", -1, -1, "Bonjour à tous.");
        expect_turn(t, 1, "Alice", 5, -1, "Suite.");
        l4a_transcript_free(t);
    }
    /* a one-line transcript; a URL and a clock time are not labels */
    t = parse_str("Alice: voir https://exemple.fr à 10:30", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 1);
        expect_turn(t, 0, "Alice", -1, -1, "voir https://exemple.fr à 10:30");
        l4a_transcript_free(t);
    }
    t = parse_str("http://exemple.fr: lien\nRéunion à 10:30 demain\n", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_speakers(t), 0);
        l4a_transcript_free(t);
    }
    /* whisper's console layout: "[00:00.000 --> 00:02.000]  text" */
    t = parse_str("[00:00.000 --> 00:02.000]  Bonjour.\n[00:02.000 --> 00:04.500]  Au revoir.\n",
                  L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK(l4a_transcript_format_of(t) == L4A_TRANSCRIPT_PLAIN);
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 1, "", 2, 4.5, "Au revoir.");
        l4a_transcript_free(t);
    }
    /* overlapping and unordered times are kept and flagged */
    t = parse_str("[00:00:10] A: x\n[00:00:05] B: y\n", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        expect_turn(t, 1, "B", 5, -1, "y");
        CHECK(l4a_transcript_times_overlap(t));
        l4a_transcript_free(t);
    }
    t = parse_str("00:00:01 - 00:00:05 A: x\n00:00:04 - 00:00:06 B: y\n", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK(l4a_transcript_times_overlap(t));
        l4a_transcript_free(t);
    }
}

/* ---------------------------------------------------------------- the label rule, times */

static void test_rules(void) {
    static const char *const good[] = {
        "Alice", "M. CHIRAC", "Mme. COTTA", "J. BOISSONNAT", "Valéry GISCARD D'ESTAING",
        "Patrick Poivre d'Arvor", "spk1", "SPEAKER_00", "P1", "Élise", "Jean (modérateur)",
        "D’Estaing", "Speaker 2", "a b c d e",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_MSG(l4a_tlabel_valid(good[i], strlen(good[i])), "'%s' should be a label", good[i]);
    static const char *const bad[] = {
        "", "Il est venu. Il a dit", "a b c d e f", "12", "- Alice", "Alors, bon",
        "Quoi ?", "« Oui", "Trois points...", "un deux trois quatre cinq six",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop", "Lui!", "Alice \"A\"", "Jean-P.",
        "Victor.", "(bruit)",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(!l4a_tlabel_valid(bad[i], strlen(bad[i])), "'%s' should not be a label",
                  bad[i]);
    CHECK(l4a_tlabel_is_id("spk12", 5) && l4a_tlabel_is_id("SPEAKER_00", 10) &&
          l4a_tlabel_is_id("Locuteur 3", 10) && !l4a_tlabel_is_id("Alice", 5) &&
          !l4a_tlabel_is_id("spk", 3));

    size_t ll, off;
    bool spaced;
    double tm;
    CHECK(l4a_tlabel_scan("M. CHIRAC: Oui", 14, &ll, &off, &spaced, &tm) && ll == 9 &&
          off == 11 && !spaced && tm < 0);
    CHECK(l4a_tlabel_scan("Marie : Oui", 11, &ll, &off, &spaced, &tm) && ll == 5 && spaced);
    CHECK(l4a_tlabel_scan("Bob (00:01:30): x", 17, &ll, &off, &spaced, &tm) && ll == 3 &&
          tm == 90);
    CHECK(!l4a_tlabel_scan("10:30 demain", 12, &ll, &off, &spaced, &tm));
    CHECK(!l4a_tlabel_scan("Note:x", 6, &ll, &off, &spaced, &tm));

    struct { const char *s; double v; size_t used; } times[] = {
        {"00:01:02", 62, 8}, {"1:02:03.5", 3723.5, 9}, {"01:02", 62, 5}, {"75:30", 4530, 5},
        {"00:00:01,250", 1.25, 12}, {"00:60", 0, 0}, {"00:61:00", 0, 0}, {"1:2", 0, 0},
        {"00:01:02:03", 0, 0}, {"12", 0, 0}, {"0:00:00.1234567891", 0, 0},
        {"300:00:00", 0, 0},    /* over the 1e6 s limit */
    };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        double v = -1;
        size_t used = l4a_ttime(times[i].s, strlen(times[i].s), &v);
        CHECK_MSG(used == times[i].used && (!used || v == times[i].v),
                  "l4a_ttime('%s') = %zu, %g", times[i].s, used, v);
    }
    double a, b;
    CHECK(l4a_ttiming("00:00:01,000 --> 00:00:04,000", 29, &a, &b) && a == 1 && b == 4);
    CHECK(l4a_ttiming("00:01.000 --> 00:04.000 align:start", 35, &a, &b) && b == 4);
    CHECK(!l4a_ttiming("00:00:01,000 -> 00:00:04,000", 28, &a, &b));
    CHECK(!l4a_ttiming("00:00:01,000 --> 00:00:04,000x", 30, &a, &b));
}

/* ---------------------------------------------------------------- SRT, WebVTT */

static void test_subtitles(void) {
    l4a_transcript *t = parse_sample("basic.srt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK(l4a_transcript_format_of(t) == L4A_TRANSCRIPT_SRT);
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "", 1, 4, "Bonjour à tous, on commence la réunion.");
        expect_turn(t, 1, "", 4.5, 7.25, "Le premier point est le budget.");
        l4a_transcript_free(t);
    }

    t = parse_sample("speakers.srt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 6);
        expect_turn(t, 0, "ALICE", 1, 3, "Bonjour Bob.");
        expect_turn(t, 1, "ALICE", 3, 5, "Comment vas-tu ?");     /* continues the speaker */
        expect_turn(t, 2, "Bob", 5, 7, "Très bien & toi ?");
        expect_turn(t, 3, "", 7, 9, "Parfait.");                  /* dialogue dashes */
        expect_turn(t, 4, "", 7, 9, "Tant mieux.");
        expect_turn(t, 5, "ALICE", 9, 12, "On commence.");        /* {\an8}, <font>, coords */
        CHECK(!l4a_transcript_times_overlap(t));                 /* same cue: no overlap */
        l4a_transcript_free(t);
    }
    /* merging: consecutive cues of one known speaker; unknown speakers stay apart */
    t = parse_sample("speakers.srt", L4A_TRANSCRIPT_AUTO, L4A_TRANSCRIPT_MERGE_SPEAKERS);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 5);
        expect_turn(t, 0, "ALICE", 1, 5, "Bonjour Bob. Comment vas-tu ?");
        expect_turn(t, 3, "", 7, 9, "Tant mieux.");
        l4a_transcript_free(t);
    }

    t = parse_sample("noindex.srt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK(l4a_transcript_format_of(t) == L4A_TRANSCRIPT_SRT);
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "", 1, 2, "Sans numéro.");
        expect_turn(t, 1, "", 2, 5, "Deuxième réplique. Suite après une ligne vide.");
        l4a_transcript_free(t);
    }

    t = parse_sample("basic.vtt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK(l4a_transcript_format_of(t) == L4A_TRANSCRIPT_VTT);
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "", 0, 3.129, "Bonjour tout le monde.");
        expect_turn(t, 1, "", 3.129, 7.719, "La séance est ouverte.");
        l4a_transcript_free(t);
    }

    t = parse_sample("voices.vtt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 5);
        CHECK_EQ_INT(l4a_transcript_n_speakers(t), 2);
        expect_turn(t, 0, "Marie Curie", 0, 2.5, "Bonjour <à tous>\xc2\xa0!");
        expect_turn(t, 1, "Pierre", 2.5, 5, "Merci Marie.");
        expect_turn(t, 2, "Marie Curie", 5, 6, "Oui ?");
        expect_turn(t, 3, "Pierre", 5, 6, "Non.");
        expect_turn(t, 4, "Pierre", 6, 8, "Le point suivant était — l'ordre du jour.");
        CHECK(!l4a_transcript_times_overlap(t));
        l4a_transcript_free(t);
    }

    /* CRLF, a BOM, a cue with no hours and one with 3-digit hours, a cue id with spaces,
     * a bare "WEBVTT" and a NOTE between cues */
    t = parse_str("\xef\xbb\xbfWEBVTT\r\n\r\nid one\r\n00:01.000 --> 00:02.000\r\n<v A>x\r\n\r\n"
                  "NOTE\r\nrien\r\n\r\n100:00:00.000 --> 100:00:01.000\r\ny\r\n",
                  L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK(l4a_transcript_format_of(t) == L4A_TRANSCRIPT_VTT);
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "A", 1, 2, "x");
        expect_turn(t, 1, "A", 360000, 360001, "y");
        l4a_transcript_free(t);
    }
    /* Zoom's layout: numbered cues, "Name: text" payloads */
    t = parse_str("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nJean Dupont: Bonjour\n\n2\n"
                  "00:00:02.000 --> 00:00:03.000\nÉlise Martin: Salut\n", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "Jean Dupont", 1, 2, "Bonjour");
        expect_turn(t, 1, "Élise Martin", 2, 3, "Salut");
        l4a_transcript_free(t);
    }
    /* a label inside an SRT cue with a space before ':' counts only for a known speaker */
    t = parse_str("1\n00:00:01,000 --> 00:00:02,000\nALICE: un\n\n2\n00:00:02,000 --> "
                  "00:00:03,000\nALICE : deux\n\n3\n00:00:03,000 --> 00:00:04,000\n"
                  "Il dit : trois\n", L4A_TRANSCRIPT_SRT, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 3);
        expect_turn(t, 1, "ALICE", 2, 3, "deux");
        expect_turn(t, 2, "ALICE", 3, 4, "Il dit : trois");
        l4a_transcript_free(t);
    }
}

/* ---------------------------------------------------------------- JSON */

static void test_json(void) {
    l4a_transcript *t = parse_sample("whisper.json", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK(l4a_transcript_format_of(t) == L4A_TRANSCRIPT_JSON);
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "", 0, 2.5, "Bonjour à tous.");
        expect_turn(t, 1, "", 2.5, 4, "On commence.");
        l4a_transcript_free(t);
    }
    t = parse_sample("whisperx.json", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 4);
        expect_turn(t, 0, "SPEAKER_00", 0.031, 2.2, "Bonjour Bob.");
        expect_turn(t, 1, "SPEAKER_01", 2.0, 3.5, "Salut Alice.");
        expect_turn(t, 2, "", 3.5, 4, "Euh.");                    /* "speaker": null */
        expect_turn(t, 3, "SPEAKER_00", 4, 6, "On commence ?");
        CHECK(l4a_transcript_times_overlap(t));                  /* 2.0 < 2.2 */
        l4a_transcript_free(t);
    }
    t = parse_sample("linto.json", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 3);
        expect_turn(t, 0, "spk1", 0, 5.26, "Bonjour ! Est-ce que vous allez bien ?");
        expect_turn(t, 1, "spk2", 5.26, 7.26, "Mais oui et vous ?");  /* end = start + duration */
        expect_turn(t, 2, "spk1", 7.5, 8, "très bien");                /* raw_segment only */
        CHECK(!l4a_transcript_times_overlap(t));
        l4a_transcript_free(t);
    }
    t = parse_sample("segments_array.json", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 3);
        expect_turn(t, 0, "1", 0, 1.5, "Premier.");              /* integer speaker */
        expect_turn(t, 1, "2", 1, 2, "Chevauchement.");          /* seg_begin / seg_end */
        expect_turn(t, 2, "1", -1, -1, "Sans temps.");
        CHECK_EQ_INT(l4a_transcript_n_speakers(t), 2);
        CHECK(l4a_transcript_times_overlap(t));
        l4a_transcript_free(t);
    }
    t = parse_sample("whispercpp.json", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "", 0, 3.12, "Bonjour.");
        expect_turn(t, 1, "", 3.12, 5, "Au revoir.");
        l4a_transcript_free(t);
    }
    /* escapes, newlines in text, empty segments dropped */
    t = parse_str("[{\"text\":\"a\\nb\\t\\u00e9\\ud83d\\ude00\"},{\"text\":\"  \"},"
                  "{\"text\":\"c\"}]",
                  L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_turns(t), 2);
        expect_turn(t, 0, "", -1, -1, "a b \xc3\xa9\xf0\x9f\x98\x80");
        l4a_transcript_free(t);
    }
}

/* ---------------------------------------------------------------- malformed inputs */

static void test_malformed(void) {
    const l4a_transcript_format A = L4A_TRANSCRIPT_AUTO;
    expect_error_file("bad_empty.txt", A, "empty input");
    expect_error_file("bad_whitespace.txt", A, "only white space");
    expect_error_file("bad_binary.png", A, "binary data, not a text transcript (control byte "
                      "0x1A at offset 6)");
    expect_error_file("bad_control.txt", A, "control byte 0x07 at offset 12");
    expect_error_file("bad_latin1.txt", A, "invalid UTF-8 at byte offset 24 (byte 0xE9)");
    expect_error_file("bad_utf16.txt", A, "UTF-16");
    expect_error_file("bad_markup.xml", A, "looks like XML or HTML");
    expect_error_file("bad_timing.srt", A, "srt: line 6: bad timing line");
    expect_error_file("bad_reversed.srt", A, "srt: line 2: cue ends (4.000 s) before it starts");
    expect_error_file("bad_header.vtt", L4A_TRANSCRIPT_VTT, "missing the 'WEBVTT' signature");
    expect_error_file("bad_nocue.vtt", A, "vtt: line 3: expected a cue");
    expect_error_file("bad_syntax.json", A, "json: syntax error at byte offset 91 (line 2");
    expect_error_file("bad_nosegments.json", A, "no 'segments' list (top-level keys: 'name', "
                      "'date', 'participants')");
    expect_error_file("bad_type.json", A, "segment 1: 'start' is a string");
    expect_error_file("bad_notext.json", A, "segment 2 has no text");
    expect_error_file("bad_range.json", A, "segment 1: 'start' = inf is out of range");
    expect_error_file("bad_negative.json", A, "segment 0: 'start' = -2 is out of range");
    expect_error_file("bad_end_before_start.json", A, "segment 1: end 4.000 s is before start");
    expect_error_file("bad_speaker_type.json", A, "segment 0: 'speaker' is an object");
    expect_error_file("bad_empty_segments.json", A, "no segments");
    expect_error_file("bad_all_empty.json", A, "no text");

    /* every message names the format */
    expect_error_file("bad_timing.srt", L4A_TRANSCRIPT_SRT, "transcript: srt:");
    /* a format forced on the wrong input */
    expect_error_file("plain_speakers.txt", L4A_TRANSCRIPT_SRT, "line 1: expected a cue number");
    expect_error_file("plain_speakers.txt", L4A_TRANSCRIPT_VTT, "missing the 'WEBVTT'");
    expect_error_file("plain_speakers.txt", L4A_TRANSCRIPT_JSON, "json: syntax error at byte "
                      "offset 0");
    expect_error_file("basic.srt", L4A_TRANSCRIPT_JSON, "unexpected data after the JSON "
                      "document at byte offset 2");

    const char *s = "[1, 2]";
    CHECK(l4a_transcript_detect(s, strlen(s)) == L4A_TRANSCRIPT_PLAIN);   /* "[1" as in "[1] x" */
    expect_error_buf("array of numbers", s, strlen(s), L4A_TRANSCRIPT_JSON, 0, L4A_ERR_FORMAT,
                     "segment 0 is a number, expected an object");
    s = "{\"segments\": {\"a\": 1}}";
    expect_error_buf("segments object", s, strlen(s), A, 0, L4A_ERR_FORMAT,
                     "'segments' is an object, expected an array");
    s = "\"texte\"";
    expect_error_buf("json string", s, strlen(s), L4A_TRANSCRIPT_JSON, 0, L4A_ERR_FORMAT,
                     "the document is a string");
    s = "[{\"text\": \"a\"}] x";
    expect_error_buf("trailing data", s, strlen(s), A, 0, L4A_ERR_FORMAT,
                     "unexpected data after the JSON document at byte offset 16");
    s = "[{\"text\": 3}]";
    expect_error_buf("text type", s, strlen(s), A, 0, L4A_ERR_FORMAT,
                     "segment 0: 'text' is a number, expected a string");
    s = "[{\"text\": \"a\", \"speaker\": 1.5}]";
    expect_error_buf("speaker number", s, strlen(s), A, 0, L4A_ERR_FORMAT,
                     "segment 0: 'speaker' = 1.5 is not a speaker number");
    s = "[{\"text\": \"a\", \"start\": 2e6}]";
    expect_error_buf("time range", s, strlen(s), A, 0, L4A_ERR_FORMAT, "out of range");
    s = "00:00:05 - 00:00:01 A: x\n";
    expect_error_buf("plain reversed", s, strlen(s), A, 0, L4A_ERR_FORMAT,
                     "plain: line 1: end time 1.000 s is before start time 5.000 s");
    s = "1\n00:00:01,000 --> 00:00:02,000\n<v A>x\n";
    expect_error_buf("srt as vtt", s, strlen(s), L4A_TRANSCRIPT_VTT, 0, L4A_ERR_FORMAT,
                     "WEBVTT");
    s = "WEBVTT\n\n";
    expect_error_buf("vtt no cue", s, strlen(s), A, 0, L4A_ERR_FORMAT, "no cues");
    s = "A: x\n\x01";
    expect_error_buf("control", s, strlen(s), A, 0, L4A_ERR_FORMAT, "control byte 0x01 at "
                     "offset 5");
    expect_error_buf("nul", "A: x\0y", 6, A, 0, L4A_ERR_FORMAT, "NUL byte 0x00 at offset 4");
    /* overlong encoding, surrogate, beyond U+10FFFF, truncated sequence */
    expect_error_buf("overlong", "ab\xc0\xaf", 4, A, 0, L4A_ERR_FORMAT, "offset 2 (byte 0xC0)");
    expect_error_buf("surrogate", "a\xed\xa0\x80", 4, A, 0, L4A_ERR_FORMAT, "offset 1");
    expect_error_buf("too big", "a\xf4\x90\x80\x80", 5, A, 0, L4A_ERR_FORMAT, "offset 1");
    expect_error_buf("truncated", "abc\xe2\x82", 5, A, 0, L4A_ERR_FORMAT, "offset 3");

    /* arguments */
    l4a_transcript *t = NULL;
    CHECK(l4a_transcript_parse("x", 1, L4A_TRANSCRIPT_PLAIN, NULL) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_transcript_parse(NULL, 1, L4A_TRANSCRIPT_PLAIN, &t) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_transcript_parse("x", 1, (l4a_transcript_format)9, &t) == L4A_ERR_INVALID_ARG);
    CHECK(l4a_transcript_parse(NULL, 0, L4A_TRANSCRIPT_AUTO, &t) == L4A_ERR_FORMAT && !t);
    l4a_transcript_free(NULL);

    /* limits: a line over 1 MiB, an input over 64 MiB, too many speakers */
    size_t n = L4A_TRANSCRIPT_MAX_LINE + 10;
    char *big = malloc(L4A_TRANSCRIPT_MAX_BYTES + 1);
    if (CHECK(big != NULL)) {
        memset(big, 'a', n);
        memcpy(big, "A: ", 3);
        expect_error_buf("long line", big, n, A, 0, L4A_ERR_FORMAT,
                         "plain: line 1 is 1048586 bytes long, more than the limit");
        expect_error_buf("long srt line", big, n, L4A_TRANSCRIPT_SRT, 0, L4A_ERR_FORMAT,
                         "srt: line 1 is 1048586 bytes long");
        expect_error_buf("huge", big, L4A_TRANSCRIPT_MAX_BYTES + 1, A, 0, L4A_ERR_FORMAT,
                         "more than the limit of 64 MiB");
        /* 10001 distinct labels */
        size_t o = 0;
        for (int i = 0; i <= L4A_TRANSCRIPT_MAX_SPEAKERS; i++)
            o += (size_t)sprintf(big + o, "Nom%d: x\n", i);
        expect_error_buf("speakers", big, o, A, 0, L4A_ERR_FORMAT,
                         "more than 10000 distinct speaker labels");
        o = 0;
        o += (size_t)sprintf(big + o, "[");
        for (int i = 0; i <= L4A_TRANSCRIPT_MAX_SPEAKERS; i++)
            o += (size_t)sprintf(big + o, "%s{\"text\":\"x\",\"speaker\":%d}", i ? "," : "", i);
        o += (size_t)sprintf(big + o, "]");
        expect_error_buf("json speakers", big, o, A, 0, L4A_ERR_FORMAT,
                         "segment 10000: more than 10000 distinct speakers");
        free(big);
    }
}

/* ---------------------------------------------------------------- detection, names, flags */

static void test_detect(void) {
    static const struct { const char *file; l4a_transcript_format fmt; } k_files[] = {
        {"plain_speakers.txt", L4A_TRANSCRIPT_PLAIN},
        {"plain_timestamps.txt", L4A_TRANSCRIPT_PLAIN},
        {"plain_bom_crlf.txt", L4A_TRANSCRIPT_PLAIN}, {"basic.srt", L4A_TRANSCRIPT_SRT},
        {"noindex.srt", L4A_TRANSCRIPT_SRT},          {"speakers.srt", L4A_TRANSCRIPT_SRT},
        {"basic.vtt", L4A_TRANSCRIPT_VTT},            {"voices.vtt", L4A_TRANSCRIPT_VTT},
        {"whisper.json", L4A_TRANSCRIPT_JSON},        {"segments_array.json", L4A_TRANSCRIPT_JSON},
        {"bad_header.vtt", L4A_TRANSCRIPT_PLAIN},
    };
    for (size_t i = 0; i < sizeof k_files / sizeof k_files[0]; i++) {
        size_t len;
        char *buf = read_sample(k_files[i].file, &len);
        if (!buf) continue;
        l4a_transcript_format f = l4a_transcript_detect(buf, len);
        CHECK_MSG(f == k_files[i].fmt, "%s detected as %s", k_files[i].file,
                  l4a_transcript_format_name(f));
        free(buf);
    }
    CHECK(l4a_transcript_detect("[]", 2) == L4A_TRANSCRIPT_JSON);
    CHECK(l4a_transcript_detect("\n  [ {", 6) == L4A_TRANSCRIPT_JSON);
    CHECK(l4a_transcript_detect("[00:01] A: x", 12) == L4A_TRANSCRIPT_PLAIN);
    CHECK(l4a_transcript_detect("WEBVTTX", 7) == L4A_TRANSCRIPT_PLAIN);
    CHECK(l4a_transcript_detect("WEBVTT", 6) == L4A_TRANSCRIPT_VTT);
    CHECK(l4a_transcript_detect("12\r\n00:00:01,000 --> 00:00:02,000\r\n", 34) ==
          L4A_TRANSCRIPT_SRT);
    CHECK(l4a_transcript_detect("12\nbonjour", 10) == L4A_TRANSCRIPT_PLAIN);
    CHECK(l4a_transcript_detect(NULL, 0) == L4A_TRANSCRIPT_PLAIN);

    const char *names[] = {"auto", "plain", "srt", "vtt", "json"};
    for (int f = 0; f <= L4A_TRANSCRIPT_JSON; f++) {
        CHECK(strcmp(l4a_transcript_format_name((l4a_transcript_format)f), names[f]) == 0);
        l4a_transcript_format back;
        CHECK(l4a_transcript_format_from_name(names[f], &back) && (int)back == f);
    }
    l4a_transcript_format g;
    CHECK(l4a_transcript_format_from_name("WebVTT", &g) && g == L4A_TRANSCRIPT_VTT);
    CHECK(l4a_transcript_format_from_name("txt", &g) && g == L4A_TRANSCRIPT_PLAIN);
    CHECK(!l4a_transcript_format_from_name("docx", &g));
    CHECK(strcmp(l4a_transcript_format_name((l4a_transcript_format)42), "unknown") == 0);

    /* invalid UTF-8 replaced on request: each maximal invalid sequence -> one U+FFFD */
    l4a_transcript *t = parse_sample("bad_latin1.txt", L4A_TRANSCRIPT_AUTO,
                                     L4A_TRANSCRIPT_REPLACE_INVALID_UTF8);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_replaced(t), 2);
        expect_turn(t, 1, "Bob", -1, -1, "Caf\xef\xbf\xbd cr\xef\xbf\xbd" "me.");
        l4a_transcript_free(t);
    }
    t = parse_str("A: \xe2\x82 x \xf0\x9f\x98", L4A_TRANSCRIPT_AUTO,
                  L4A_TRANSCRIPT_REPLACE_INVALID_UTF8);
    if (t) {
        CHECK_EQ_INT(l4a_transcript_n_replaced(t), 2);
        expect_turn(t, 0, "A", -1, -1, "\xef\xbf\xbd x \xef\xbf\xbd");
        l4a_transcript_free(t);
    }
    /* binary stays an error with the flag */
    expect_error_buf("binary+replace", "A: x\0", 5, L4A_TRANSCRIPT_AUTO,
                     L4A_TRANSCRIPT_REPLACE_INVALID_UTF8, L4A_ERR_FORMAT, "NUL byte");
}

/* ---------------------------------------------------------------- rendering */

/* Render t, parse the result as plain, compare turn by turn (speakers and texts). */
static void check_round_trip(const l4a_transcript *t, const char *what) {
    int64_t need = l4a_transcript_render(t, NULL, 0);
    if (!CHECKED(need < 0, "%s: render(NULL) = %lld", what, (long long)need)) return;
    size_t size = (size_t)(-need) + 1;
    char *buf = malloc(size);
    if (!CHECK(buf != NULL)) return;
    CHECK(l4a_transcript_render(t, buf, size - 1) == need);   /* no room for the NUL */
    CHECK(l4a_transcript_render(t, buf, size) == -need);
    CHECK_EQ_INT(strlen(buf), -need);
    l4a_transcript *u = NULL;
    l4a_status st = l4a_transcript_parse(buf, size - 1, L4A_TRANSCRIPT_PLAIN, &u);
    CHECK_MSG(st == L4A_OK, "%s: %s", what, l4a_last_error());
    if (u) {
        CHECK_EQ_INT(l4a_transcript_n_turns(u), l4a_transcript_n_turns(t));
        int bad = 0;
        for (int32_t i = 0; i < l4a_transcript_n_turns(t) && i < l4a_transcript_n_turns(u); i++) {
            l4a_transcript_turn a, b;
            l4a_transcript_get_turn(t, i, &a);
            l4a_transcript_get_turn(u, i, &b);
            if (strcmp(a.speaker, b.speaker) || strcmp(a.text, b.text)) {
                if (!bad++) fprintf(stderr, "  %s turn %d: '%s: %.60s' vs '%s: %.60s'\n", what,
                                    i, a.speaker, a.text, b.speaker, b.text);
            }
        }
        CHECK_MSG(bad == 0, "%s: %d turns differ after the round trip", what, bad);
        l4a_transcript_free(u);
    }
    free(buf);
}

static void test_render(void) {
    l4a_transcript *t = parse_sample("plain_speakers.txt", L4A_TRANSCRIPT_AUTO, 0);
    if (t) {
        char buf[512];
        int64_t n = l4a_transcript_render(t, buf, sizeof buf);
        const char *want = "Alice: Bonjour à tous, on commence la réunion.\n"
                           "M. DUPONT: Merci. Il a dit : non, pas avant mars.\n"
                           "Jean-Pierre Le Gall: D'accord. Deuxième chose : le budget.\n"
                           "Patrick Poivre d'Arvor: Une question : qui s'en charge ?\n"
                           "Alice: Moi.\n";
        CHECK_EQ_INT(n, strlen(want));
        CHECK(strcmp(buf, want) == 0);
        check_round_trip(t, "plain_speakers");
        l4a_transcript_free(t);
    }
    const char *const files[] = {"voices.vtt", "linto.json", "whisperx.json", "speakers.srt"};
    for (int k = 0; k < 4; k++) {
        t = parse_sample(files[k], L4A_TRANSCRIPT_AUTO, L4A_TRANSCRIPT_MERGE_SPEAKERS);
        if (!t) continue;
        /* unknown speakers read back as continuations: compare only fully-labelled ones */
        bool all_known = true;
        for (int32_t i = 0; i < l4a_transcript_n_turns(t); i++) {
            l4a_transcript_turn tu;
            l4a_transcript_get_turn(t, i, &tu);
            all_known = all_known && tu.speaker_id >= 0;
        }
        if (all_known) check_round_trip(t, files[k]);
        else {
            char buf[1024];
            CHECK(l4a_transcript_render(t, buf, sizeof buf) > 0);
            CHECK(strstr(buf, "\nEuh.\n") || strstr(buf, "\nParfait.\n"));
        }
        l4a_transcript_free(t);
    }
}

/* ---------------------------------------------------------------- FREDSum */

static const char *fredsum_dir(void) {
    static const char *const dirs[] = {"../shared/data/fredsum", "/work/shared/data/fredsum"};
    struct stat sb;
    for (int i = 0; i < 2; i++)
        if (stat(dirs[i], &sb) == 0 && S_ISDIR(sb.st_mode)) return dirs[i];
    return NULL;
}

/* Line i of a file as the reference sees it: label before the first ": ", text after, white
 * space collapsed. Returns false at the end. */
static bool ref_line(char **cur, char *label, size_t lsize, char *text, size_t tsize) {
    char *s = *cur;
    if (!*s) return false;
    char *e = strchr(s, '\n');
    char *next = e ? e + 1 : s + strlen(s);
    if (e) *e = 0;
    char *colon = strstr(s, ": ");
    label[0] = text[0] = 0;
    if (colon) {
        snprintf(label, lsize, "%.*s", (int)(colon - s), s);
        s = colon + 2;
    }
    size_t o = 0;
    bool pending = false;
    for (; *s && o + 2 < tsize; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\r') { pending = o > 0; continue; }
        if (pending) text[o++] = ' ';
        pending = false;
        text[o++] = *s;
    }
    text[o] = 0;
    *cur = next;
    return true;
}

static void check_fredsum_file(const char *path, const char *tsv, int want_turns,
                               int want_speakers) {
    size_t len;
    char *buf = l4a_test_read_file(path, &len);
    if (!CHECKED(buf != NULL, "cannot read %s", path)) return;
    l4a_transcript *t = NULL;
    l4a_status st = l4a_transcript_parse(buf, len, L4A_TRANSCRIPT_AUTO, &t);
    if (!CHECKED(st == L4A_OK, "%s: %s", path, l4a_last_error())) { free(buf); return; }
    CHECK(l4a_transcript_format_of(t) == L4A_TRANSCRIPT_PLAIN);
    CHECK_MSG(l4a_transcript_n_turns(t) == want_turns, "%s: %d turns, index.tsv says %d", path,
              l4a_transcript_n_turns(t), want_turns);
    CHECK_MSG(l4a_transcript_n_speakers(t) == want_speakers, "%s: %d speakers, index.tsv says "
              "%d", path, l4a_transcript_n_speakers(t), want_speakers);
    static char label[256], text[65536];
    char *cur = buf;
    int32_t i = 0, bad = 0;
    while (ref_line(&cur, label, sizeof label, text, sizeof text)) {
        l4a_transcript_turn tu;
        if (l4a_transcript_get_turn(t, i, &tu) != L4A_OK) { bad++; break; }
        if (strcmp(tu.speaker, label) != 0 || strcmp(tu.text, text) != 0) {
            if (!bad) fprintf(stderr, "  %s line %d: '%s' / '%.50s' vs '%s' / '%.50s'\n", path,
                              i + 1, tu.speaker, tu.text, label, text);
            bad++;
        }
        i++;
    }
    CHECK_MSG(bad == 0 && i == l4a_transcript_n_turns(t), "%s: %d lines differ (%d lines, %d "
              "turns)", path, bad, i, l4a_transcript_n_turns(t));
    /* speakers.tsv: turns per label (the labels of transcript.txt) */
    if (tsv) {
        char *cur2 = (char *)tsv;
        int rows = 0;
        while (*cur2) {
            char *e = strchr(cur2, '\n');
            char *next = e ? e + 1 : cur2 + strlen(cur2);
            char lab[128] = {0};
            int turns = -1;
            char *tab1 = strchr(cur2, '\t');
            if (tab1 && tab1 < next && rows++ > 0) {      /* skip the header */
                snprintf(lab, sizeof lab, "%.*s", (int)(tab1 - cur2), cur2);
                char *tab2 = strchr(tab1 + 1, '\t');
                if (tab2 && tab2 < next) turns = atoi(tab2 + 1);
                int count = 0;
                for (int32_t k = 0; k < l4a_transcript_n_turns(t); k++) {
                    l4a_transcript_turn tu;
                    l4a_transcript_get_turn(t, k, &tu);
                    count += strcmp(tu.speaker, lab) == 0;
                }
                CHECK_MSG(count == turns, "%s: speaker '%s' has %d turns, speakers.tsv says %d",
                          path, lab, count, turns);
            }
            cur2 = next;
        }
        CHECK_MSG(rows - 1 == l4a_transcript_n_speakers(t), "%s: %d speakers.tsv rows", path,
                  rows - 1);
    }
    check_round_trip(t, path);
    l4a_transcript_free(t);
    free(buf);
}

static void test_fredsum(void) {
    const char *dir = fredsum_dir();
    if (!CHECKED(dir != NULL, "FREDSum not found at ../shared/data/fredsum or "
                   "/work/shared/data/fredsum")) return;
    char path[1024];
    snprintf(path, sizeof path, "%s/index.tsv", dir);
    char *index = l4a_test_read_file(path, NULL);
    if (!CHECKED(index != NULL, "cannot read %s", path)) return;
    int n_segments = 0;
    char *cur = strchr(index, '\n');
    while (cur && *++cur) {
        char *e = strchr(cur, '\n');
        if (e) *e = 0;
        /* segment, in_test_list, turns, speakers, ... */
        char name[512];
        int turns = 0, speakers = 0;
        if (sscanf(cur, "%511[^\t]\t%*[^\t]\t%d\t%d", name, &turns, &speakers) == 3) {
            n_segments++;
            snprintf(path, sizeof path, "%s/%s/speakers.tsv", dir, name);
            char *tsv = l4a_test_read_file(path, NULL);
            CHECK_MSG(tsv != NULL, "cannot read %s", path);
            snprintf(path, sizeof path, "%s/%s/transcript.txt", dir, name);
            check_fredsum_file(path, tsv, turns, speakers);
            snprintf(path, sizeof path, "%s/%s/transcript_named.txt", dir, name);
            check_fredsum_file(path, NULL, turns, speakers);
            free(tsv);
        }
        cur = e;
    }
    CHECK_EQ_INT(n_segments, 20);
    free(index);
}

/* ---------------------------------------------------------------- allocation failures */

static void test_alloc_failures(void) {
    const char *const files[] = {"plain_timestamps.txt", "speakers.srt", "voices.vtt",
                                 "whisperx.json", "plain_prose.txt"};
    for (int f = 0; f < 5; f++) {
        size_t len;
        char *buf = read_sample(files[f], &len);
        if (!buf) continue;
        int fails = 0;
        bool done = false;
        for (int k = 0; k < 200 && !done; k++) {
            l4a_transcript *t = NULL;
            l4a_alloc_fail_after(k);
            l4a_status st = l4a_transcript_parse_ex(buf, len, L4A_TRANSCRIPT_AUTO,
                                                    L4A_TRANSCRIPT_MERGE_SPEAKERS, &t);
            l4a_alloc_fail_after(-1);
            if (st == L4A_OK) done = true;
            else if (st == L4A_ERR_NOMEM && t == NULL) fails++;
            else CHECK_MSG(false, "%s: fail after %d: status %d (%s)", files[f], k, st,
                           l4a_last_error());
            l4a_transcript_free(t);
        }
        CHECK_MSG(done && fails > 3, "%s: %d injected failures, done %d", files[f], fails, done);
        free(buf);
    }
}

int main(void) {
    test_plain();
    test_rules();
    test_subtitles();
    test_json();
    test_malformed();
    test_detect();
    test_render();
    test_fredsum();
    test_alloc_failures();
    return l4a_test_summary("test_transcript");
}
