/*
 * transcript.h - meeting transcripts as speech tools write them, parsed into an ordered list
 * of speaker turns: plain "Speaker: text" lines (with or without timestamps), SubRip (SRT),
 * WebVTT, and ASR JSON (Whisper, whisperX, whisper.cpp, LinTO). docs/transcripts.md lists
 * every accepted layout, the speaker-label rule and the limits, with examples.
 *
 * What it is not: no summarising, no audio, no diarisation; times are kept as given (never
 * re-sorted or repaired). Internal for now (prefix l4a_, not in include/llm4all.h); the first
 * half of this header is the future public API, the second half is shared by the parsers.
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

#define L4A_TRANSCRIPT_MAX_BYTES ((size_t)64 << 20)  /* 64 MiB: longer inputs are refused */
#define L4A_TRANSCRIPT_MAX_LINE ((size_t)1 << 20)    /* 1 MiB per line (not JSON) */
#define L4A_TRANSCRIPT_MAX_TIME 1e6                  /* seconds (11.6 days); above: an error */
#define L4A_TRANSCRIPT_MAX_TURNS (1 << 20)           /* turns (cues, segments) before merging */
#define L4A_TRANSCRIPT_MAX_SPEAKERS 10000            /* distinct speaker names or labels */

typedef enum l4a_transcript_format {
    L4A_TRANSCRIPT_AUTO = 0,    /* detect (see l4a_transcript_detect) */
    L4A_TRANSCRIPT_PLAIN,       /* "Speaker: text" lines, or prose paragraphs */
    L4A_TRANSCRIPT_SRT,         /* SubRip */
    L4A_TRANSCRIPT_VTT,         /* WebVTT */
    L4A_TRANSCRIPT_JSON,        /* segments: Whisper, whisperX, whisper.cpp, LinTO, array */
} l4a_transcript_format;

/* Flags for l4a_transcript_parse_ex. */
enum {
    /* Join consecutive turns of the same known speaker into one (SRT and VTT split sentences
     * across cues). Turns of an unknown speaker are never joined. */
    L4A_TRANSCRIPT_MERGE_SPEAKERS = 1u << 0,
    /* Replace each invalid UTF-8 sequence by U+FFFD instead of failing. */
    L4A_TRANSCRIPT_REPLACE_INVALID_UTF8 = 1u << 1,
};

typedef struct l4a_transcript l4a_transcript;

/* One speaker turn. Pointers are owned by the transcript and valid until it is freed. */
typedef struct l4a_transcript_turn {
    const char *speaker;    /* "" when unknown */
    int32_t speaker_id;     /* index into the speaker list, -1 when unknown */
    double start_s, end_s;  /* seconds, -1 when unknown */
    const char *text;       /* normalised, never empty */
    size_t text_len;        /* bytes, without the NUL */
} l4a_transcript_turn;

/* Parse len bytes of data (need not be NUL-terminated; not kept) as fmt, or detect the format
 * when fmt is L4A_TRANSCRIPT_AUTO. On success *out owns a transcript of at least one turn.
 * Errors (message in l4a_last_error(), prefixed "transcript: <format>: "): L4A_ERR_FORMAT for
 * input that is not a transcript of that format (the message names the line, byte offset or
 * JSON segment index), L4A_ERR_INVALID_ARG for a NULL pointer or an unknown format,
 * L4A_ERR_NOMEM. *out is NULL on error. Thread-safe: no state is shared, except that cJSON
 * notes its last syntax error in a global that nothing reads. JSON takes up to ~10 bytes of
 * memory per input byte while parsing (the cJSON tree); the other formats about 2. */
l4a_status l4a_transcript_parse(const char *data, size_t len, l4a_transcript_format fmt,
                                l4a_transcript **out);
/* The same with flags (L4A_TRANSCRIPT_MERGE_SPEAKERS, L4A_TRANSCRIPT_REPLACE_INVALID_UTF8). */
l4a_status l4a_transcript_parse_ex(const char *data, size_t len, l4a_transcript_format fmt,
                                   unsigned flags, l4a_transcript **out);
/* Freeing NULL is a no-op. */
void l4a_transcript_free(l4a_transcript *t);

/* The format a buffer would be parsed as under AUTO (after the BOM, leading blank lines):
 * JSON when it starts with '{', or '[' followed by '{' or ']'; VTT when it starts with
 * "WEBVTT"; SRT when the first line is a cue number followed by a timing line, or a timing
 * line; PLAIN otherwise. Never fails; content is not validated. */
l4a_transcript_format l4a_transcript_detect(const char *data, size_t len);
/* "auto", "plain", "srt", "vtt", "json"; "unknown" for other values. */
const char *l4a_transcript_format_name(l4a_transcript_format fmt);
/* The inverse, for command lines: also accepts "txt", "webvtt"; returns false if unknown. */
bool l4a_transcript_format_from_name(const char *name, l4a_transcript_format *out);

/* Accessors. Out-of-range indices give NULL / L4A_ERR_INVALID_ARG. */
l4a_transcript_format l4a_transcript_format_of(const l4a_transcript *t);  /* as parsed */
int32_t l4a_transcript_n_turns(const l4a_transcript *t);
l4a_status l4a_transcript_get_turn(const l4a_transcript *t, int32_t i, l4a_transcript_turn *out);
/* Speakers, in order of first appearance; the unknown speaker is not listed. */
int32_t l4a_transcript_n_speakers(const l4a_transcript *t);
const char *l4a_transcript_speaker(const l4a_transcript *t, int32_t i);
/* True when some turn starts before an earlier turn ends, or before an earlier turn starts
 * (overlapping speech or unordered times; turns split from one cue do not count). */
bool l4a_transcript_times_overlap(const l4a_transcript *t);
/* True when at least one turn has a known start time. */
bool l4a_transcript_has_times(const l4a_transcript *t);
/* Number of invalid UTF-8 sequences replaced by U+FFFD (0 unless the flag was given). */
int64_t l4a_transcript_n_replaced(const l4a_transcript *t);

/* Render as one line per turn, "Speaker: text\n" ("text\n" for an unknown speaker), for
 * prompts. Returns the length in bytes (without the NUL) and writes it with a NUL when
 * size > length; otherwise returns -length and leaves buf unspecified. Parsing the result as
 * PLAIN gives back the same turns when every speaker is known and is a valid label (see
 * docs/transcripts.md); an unknown-speaker turn reads back as a continuation. */
int64_t l4a_transcript_render(const l4a_transcript *t, char *buf, size_t size);

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
