/* fuzz_transcript.c - libFuzzer target for the transcript parsers (src/meeting/).
 *
 * The first byte picks the format (auto, plain, srt, vtt, json) and the flags; the rest is
 * the input. On success the result is walked (every turn and speaker) and rendered, and the
 * rendering is parsed again as plain text, which must succeed: it is valid UTF-8 with at
 * least one non-empty line. Run: make fuzz && build-fuzz/fuzz_transcript -max_total_time=60
 * CORPUS, where CORPUS holds the samples of tests/data/transcripts with a first byte 0 (auto)
 * or 8 (auto, merge) put in front. */
#include "meeting/transcript.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    l4a_transcript_format fmt = (l4a_transcript_format)(data[0] % 5);
    unsigned flags = (data[0] >> 3) & 3u;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;

    (void)l4a_transcript_detect(s, n);
    l4a_transcript *t = NULL;
    if (l4a_transcript_parse_ex(s, n, fmt, flags, &t) != L4A_OK) {
        if (t) abort();                     /* *out must be NULL on error */
        return 0;
    }
    int32_t nt = l4a_transcript_n_turns(t), ns = l4a_transcript_n_speakers(t);
    if (nt <= 0) abort();
    for (int32_t i = 0; i < nt; i++) {
        l4a_transcript_turn tu;
        if (l4a_transcript_get_turn(t, i, &tu) != L4A_OK) abort();
        if (tu.text_len == 0 || strlen(tu.text) != tu.text_len) abort();
        if (tu.speaker_id >= ns || (tu.speaker_id < 0) != (tu.speaker[0] == 0)) abort();
        if (strchr(tu.text, '\n') || tu.text[0] == ' ' || tu.text[tu.text_len - 1] == ' ')
            abort();
    }
    for (int32_t i = 0; i < ns; i++)
        if (!l4a_transcript_speaker(t, i) || !l4a_transcript_speaker(t, i)[0]) abort();

    int64_t need = l4a_transcript_render(t, NULL, 0);
    if (need >= 0) abort();
    char *buf = malloc((size_t)(-need) + 1);
    if (buf) {
        if (l4a_transcript_render(t, buf, (size_t)(-need) + 1) != -need) abort();
        l4a_transcript *u = NULL;
        l4a_status st = l4a_transcript_parse(buf, (size_t)(-need), L4A_TRANSCRIPT_PLAIN, &u);
        /* allowed failures: limits (joined lines, many speakers), and unknown-speaker text
         * that reads as something else ("00:05 - 00:01 x", "<?xml", a lone "Name:") */
        const char *e = l4a_last_error();
        if (st != L4A_OK && st != L4A_ERR_NOMEM && !strstr(e, "limit") &&
            !strstr(e, "distinct") && !strstr(e, "before start time") && !strstr(e, "XML") &&
            !strstr(e, "no text"))
            abort();
        l4a_transcript_free(u);
        free(buf);
    }
    l4a_transcript_free(t);
    return 0;
}
