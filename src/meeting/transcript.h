/*
 * transcript.h - meeting transcripts as speech tools write them, parsed into an ordered list
 * of speaker turns: plain "Speaker: text" lines (with or without timestamps), SubRip (SRT),
 * WebVTT, and ASR JSON (Whisper, whisperX, whisper.cpp, LinTO). docs/transcripts.md lists
 * every accepted layout, the speaker-label rule and the limits, with examples.
 *
 * What it is not: no summarising, no audio, no diarisation; times are kept as given (never
 * re-sorted or repaired). The public half of the API is in include/llm4all.h; this header
 * adds the limits and what the parsers share.
 *
 * Input contract (all formats): UTF-8 (a BOM is skipped), LF, CRLF or lone CR line ends, at
 * most L4A_TRANSCRIPT_MAX_BYTES bytes, lines (plain, SRT, VTT) of at most
 * L4A_TRANSCRIPT_MAX_LINE bytes. NUL or other control bytes, UTF-16 and invalid UTF-8 are
 * errors that name the byte offset (invalid UTF-8 may be replaced instead: see flags).
 *
 * Turn text is normalised: no leading or trailing space, no line break, no control character,
 * runs of white space collapsed to one space, U+FEFF (a stray BOM) removed. Turns whose text
 * ends up empty are dropped.
 */
#ifndef L4A_TRANSCRIPT_H
#define L4A_TRANSCRIPT_H

#include "core/core.h"

#define L4A_TRANSCRIPT_MAX_TIME 1e6                  /* seconds (11.6 days); above: an error */
#define L4A_TRANSCRIPT_MAX_TURNS (1 << 20)           /* turns (cues, segments) before merging */
#define L4A_TRANSCRIPT_MAX_SPEAKERS 10000            /* distinct speaker names or labels */

/* The public part (formats, flags, turns, parse, accessors, render) is in include/llm4all.h. */

/* ======================================================================================
 * Shared by the parsers (transcript_*.c). Not for other callers.
 * ====================================================================================== */

/* The builder: l4a_tb_new makes an empty transcript (NULL when out of memory), parsers append
 * turns; l4a_tb_finish drops empty turns, lists speakers, merges when asked and computes the
 * time flags (L4A_ERR_FORMAT when no turn is left). */
l4a_transcript *l4a_tb_new(l4a_transcript_format fmt, unsigned flags);
l4a_status l4a_tb_finish(l4a_transcript *t);
void l4a_tb_set_replaced(l4a_transcript *t, int64_t n);
/* Parsers append turns; speakers and texts are normalised on the way in. A speaker name of
 * more than 256 bytes, more than L4A_TRANSCRIPT_MAX_SPEAKERS names or more than
 * L4A_TRANSCRIPT_MAX_TURNS turns is an error (L4A_ERR_FORMAT). */
l4a_status l4a_tb_turn(l4a_transcript *t, const char *spk, size_t spk_len, double start,
                       double end, const char *text, size_t len);
/* Append text to the last turn (joined with a space); a new unknown-speaker turn if none. */
l4a_status l4a_tb_append(l4a_transcript *t, const char *text, size_t len);
/* Tag the turns added from now on with a cue id, so that the overlap check skips turns split
 * from one cue (give each cue a new id; 0 = not from a cue, the initial value). */
void l4a_tb_set_cue(l4a_transcript *t, int64_t cue_id);
/* Is this speaker name (normalised) already used by a turn? */
bool l4a_tb_known_speaker(const l4a_transcript *t, const char *spk, size_t len);

/* Line reader over NUL-terminated text. Line ends: LF, CRLF, CR. Trailing white space is
 * removed from each line. Fails (L4A_ERR_FORMAT) on a line longer than the limit. */
typedef struct l4a_tlines {
    const char *s;
    size_t n, pos;
    int64_t lineno;         /* 1-based number of the line last returned */
    const char *fmt;        /* format name for messages */
} l4a_tlines;
void l4a_tlines_init(l4a_tlines *r, const char *s, size_t n, const char *fmt);
/* Next line into *line and *len: returns 1 for a line, 0 at the end, -1 on error (message
 * set). */
int l4a_tlines_next(l4a_tlines *r, const char **line, size_t *len);
/* The next line without consuming it (same return values). */
int l4a_tlines_peek(const l4a_tlines *r, const char **line, size_t *len);

/* Is the line empty after removing white space? */
bool l4a_tblank(const char *s, size_t n);
/* Width in bytes of the white space at s (ASCII space, tab, NBSP U+00A0, narrow NBSP
 * U+202F, thin space U+2009), 0 if none. */
size_t l4a_tspace(const char *s, size_t n);

/* A clock time at s: [H+:]MM:SS or M+:SS, optionally followed by '.' or ',' and 1-9 digits.
 * With two fields the first is minutes. Fields after the first are 2 digits below 60.
 * Returns the bytes used (0 if none) and the value in seconds (at most
 * L4A_TRANSCRIPT_MAX_TIME). */
size_t l4a_ttime(const char *s, size_t n, double *sec);
/* A time or a range at s: T, or T, optional white space, "-->", "-", "–", "—" or "→",
 * optional white space, T. Returns the bytes used (0 if no time); *end is -1 without a
 * second time. */
size_t l4a_trange(const char *s, size_t n, double *start, double *end);
/* An SRT/VTT timing line "T --> T [settings]": true with both times, false otherwise. */
bool l4a_ttiming(const char *s, size_t n, double *start, double *end);

/* The speaker-label rule (docs/transcripts.md): is [s, s+n) a valid label? Up to 40
 * characters, up to 5 words, letters or digits required (not only digits), no sentence
 * punctuation; '.' only to end an abbreviation of up to 4 letters ("M.", "Mme.", "J."). */
bool l4a_tlabel_valid(const char *s, size_t n);
/* Labels that are speaker ids ("spk1", "SPEAKER_00", "Speaker 2", "Locuteur 3", "P1"). */
bool l4a_tlabel_is_id(const char *s, size_t n);
/* Does a label start with a capital or a digit? (Non-ASCII counts as a capital: "Élise".) */
bool l4a_tlabel_capital(const char *s, size_t n);
/* A "Label:" prefix at the start of a line: the raw label is [s, s+*lab_len) (trimmed), the
 * text starts at *text_off, *spaced tells whether white space precedes the ':' (French
 * typography, ambiguous with "Il a dit : non"). Requires white space or the end of the line
 * after ':'. The label may end in "(T)" or "[T]": then *start is T (else -1) and the label
 * excludes it. Returns false when there is no such prefix or the label is not valid. */
bool l4a_tlabel_scan(const char *s, size_t n, size_t *lab_len, size_t *text_off, bool *spaced,
                     double *start);

/* Cue payload (SRT and VTT): strip tags, decode entities, split turns at voice tags
 * (<v Name>), dialogue dashes ("- "), "[Name] " and "Name: " labels. cur_speaker is the
 * speaker that an unmarked cue continues (updated); cue_id as for l4a_tb_set_cue. */
typedef struct l4a_tcue_state {
    char *speaker;          /* l4a_malloc'ed, NULL when unknown */
    char *scratch;          /* work buffer */
    size_t scratch_cap;
    int64_t cue_id;
} l4a_tcue_state;
l4a_status l4a_tcue_emit(l4a_transcript *t, l4a_tcue_state *st, const char *text, size_t n,
                         double start, double end);
void l4a_tcue_state_free(l4a_tcue_state *st);

/* The format parsers: s is NUL-terminated valid UTF-8 without BOM. */
l4a_status l4a_transcript_parse_plain(l4a_transcript *t, const char *s, size_t n);
l4a_status l4a_transcript_parse_srt(l4a_transcript *t, const char *s, size_t n);
l4a_status l4a_transcript_parse_vtt(l4a_transcript *t, const char *s, size_t n);
l4a_status l4a_transcript_parse_json(l4a_transcript *t, const char *s, size_t n);

#endif
