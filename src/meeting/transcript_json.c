/*
 * transcript_json.c - ASR results as JSON: a list of segments, each with a text, optional
 * start and end times in seconds and an optional speaker. Parsed with cJSON.
 *
 * Layouts accepted (docs/transcripts.md lists the keys):
 *  - Whisper (openai-whisper, faster-whisper): {"text": ..., "segments": [{"start", "end",
 *    "text"}]}; whisperX adds "speaker" to segments.
 *  - LinTO transcription service: {"segments": [{"spk_id", "start", "end", "duration",
 *    "segment", "raw_segment", "words"}], "transcription_result": ...}; "segment" (punctuated)
 *    is preferred to "raw_segment".
 *  - whisper.cpp (-oj): {"transcription": [{"offsets": {"from", "to"} (milliseconds),
 *    "text"}]}.
 *  - A bare array of segments.
 * Keys tried, first found wins: text: "text", "segment", "raw_segment"; start: "start",
 * "seg_begin", offsets.from; end: "end", "seg_end", offsets.to, start + "duration"; speaker:
 * "speaker", "spk_id", "speaker_id", "spk" (a string, an integer, or null). Other keys are
 * ignored. Errors name the segment index (from 0).
 */
#include "meeting/transcript.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *type_name(const cJSON *v) {
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    return "an invalid value";
}

/* The first of keys present in obj (NULL-terminated list); *key gets its name. */
static const cJSON *first_key(const cJSON *obj, const char *const *keys, const char **key) {
    for (; *keys; keys++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, *keys);
        if (v) {
            *key = *keys;
            return v;
        }
    }
    return NULL;
}

/* A time value: a number in [0, MAX_TIME] after scaling, or null (unknown: -1). */
static l4a_status get_time(const cJSON *v, const char *key, double scale, int idx, double *out) {
    *out = -1;
    if (!v || cJSON_IsNull(v)) return L4A_OK;
    if (!cJSON_IsNumber(v))
        return l4a_fail(L4A_ERR_FORMAT, "segment %d: '%s' is %s, expected a number of seconds",
                        idx, key, type_name(v));
    double x = v->valuedouble * scale;
    if (!isfinite(x) || x < 0 || x > L4A_TRANSCRIPT_MAX_TIME)
        return l4a_fail(L4A_ERR_FORMAT, "segment %d: '%s' = %g is out of range (0 to %g "
                        "seconds)", idx, key, v->valuedouble, L4A_TRANSCRIPT_MAX_TIME);
    *out = x;
    return L4A_OK;
}

static l4a_status parse_segment(l4a_transcript *t, const cJSON *seg, int idx) {
    static const char *const k_text[] = {"text", "segment", "raw_segment", NULL};
    static const char *const k_start[] = {"start", "seg_begin", NULL};
    static const char *const k_end[] = {"end", "seg_end", NULL};
    static const char *const k_spk[] = {"speaker", "spk_id", "speaker_id", "spk", NULL};
    if (!cJSON_IsObject(seg))
        return l4a_fail(L4A_ERR_FORMAT, "segment %d is %s, expected an object", idx,
                        type_name(seg));
    const char *key = "text";
    const cJSON *text = first_key(seg, k_text, &key);
    if (!text)
        return l4a_fail(L4A_ERR_FORMAT, "segment %d has no text (expected a key 'text', "
                        "'segment' or 'raw_segment')", idx);
    if (!cJSON_IsString(text))
        return l4a_fail(L4A_ERR_FORMAT, "segment %d: '%s' is %s, expected a string", idx, key,
                        type_name(text));

    /* times: seconds, or whisper.cpp offsets in milliseconds */
    double start, end;
    const cJSON *v = first_key(seg, k_start, &key);
    l4a_status st = get_time(v, key, 1.0, idx, &start);
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(seg, "offsets");
    if (st == L4A_OK && !v && cJSON_IsObject(offsets))
        st = get_time(cJSON_GetObjectItemCaseSensitive(offsets, "from"), "offsets.from", 1e-3,
                      idx, &start);
    if (st != L4A_OK) return st;
    v = first_key(seg, k_end, &key);
    st = get_time(v, key, 1.0, idx, &end);
    if (st == L4A_OK && !v && cJSON_IsObject(offsets))
        st = get_time(cJSON_GetObjectItemCaseSensitive(offsets, "to"), "offsets.to", 1e-3, idx,
                      &end);
    const cJSON *dur = cJSON_GetObjectItemCaseSensitive(seg, "duration");
    if (st == L4A_OK && end < 0 && start >= 0 && dur) {
        double d;
        st = get_time(dur, "duration", 1.0, idx, &d);
        if (st == L4A_OK && d >= 0) end = start + d;
    }
    if (st != L4A_OK) return st;
    if (end >= 0 && start >= 0 && end < start)
        return l4a_fail(L4A_ERR_FORMAT, "segment %d: end %.3f s is before start %.3f s", idx,
                        end, start);

    /* speaker: a string, an integer id, or null */
    char num[32];
    const char *spk = NULL;
    const cJSON *sv = first_key(seg, k_spk, &key);
    if (cJSON_IsString(sv)) {
        spk = sv->valuestring;
    } else if (cJSON_IsNumber(sv)) {
        double x = sv->valuedouble;
        if (!(x >= 0 && x <= 1e9 && x == floor(x)))
            return l4a_fail(L4A_ERR_FORMAT, "segment %d: '%s' = %g is not a speaker number",
                            idx, key, x);
        snprintf(num, sizeof num, "%.0f", x);
        spk = num;
    } else if (sv && !cJSON_IsNull(sv)) {
        return l4a_fail(L4A_ERR_FORMAT, "segment %d: '%s' is %s, expected a string", idx, key,
                        type_name(sv));
    }
    st = l4a_tb_turn(t, spk, spk ? strlen(spk) : 0, start, end, text->valuestring,
                     strlen(text->valuestring));
    if (st == L4A_ERR_FORMAT) l4a_error_prefix("segment %d", idx);
    return st;
}

/* The top-level keys, for the message when no segment list is found. */
static void list_keys(const cJSON *obj, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = 0;
    for (const cJSON *c = obj->child; c && o + 1 < size; c = c->next) {
        int w = snprintf(buf + o, size - o, "%s'%.30s'", o ? ", " : "", c->string ? c->string : "");
        if (w < 0) break;
        o += (size_t)w;
    }
    if (o >= size) memcpy(buf + size - 4, "...", 4);
}

l4a_status l4a_transcript_parse_json(l4a_transcript *t, const char *s, size_t n) {
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(s, n, &end, false);
    if (!root) {
        size_t off = end && end >= s && end <= s + n ? (size_t)(end - s) : 0;
        long long line = 1, col = 1;
        for (size_t i = 0; i < off; i++) {
            if (s[i] == '\n') line++, col = 1;
            else col++;
        }
        return l4a_fail(L4A_ERR_FORMAT, "syntax error at byte offset %zu (line %lld, column "
                        "%lld)", off, line, col);
    }
    /* trailing content after the document (cJSON stops at its end) */
    size_t rest = end ? (size_t)(end - s) : n;
    while (rest < n && (s[rest] == ' ' || s[rest] == '\t' || s[rest] == '\n' || s[rest] == '\r'))
        rest++;
    if (rest < n) {
        cJSON_Delete(root);
        return l4a_fail(L4A_ERR_FORMAT, "unexpected data after the JSON document at byte offset "
                        "%zu", rest);
    }

    const cJSON *segs = NULL;
    l4a_status st = L4A_OK;
    if (cJSON_IsArray(root)) {
        segs = root;
    } else if (cJSON_IsObject(root)) {
        static const char *const k_list[] = {"segments", "transcription", NULL};
        const char *key = "segments";
        segs = first_key(root, k_list, &key);
        if (!segs) {
            char keys[256];
            list_keys(root, keys, sizeof keys);
            st = l4a_fail(L4A_ERR_FORMAT, "not a transcript: no 'segments' list (top-level "
                          "keys: %s)", keys[0] ? keys : "none");
        } else if (!cJSON_IsArray(segs)) {
            st = l4a_fail(L4A_ERR_FORMAT, "'%s' is %s, expected an array of segments", key,
                          type_name(segs));
        }
    } else {
        st = l4a_fail(L4A_ERR_FORMAT, "not a transcript: the document is %s, expected an object "
                      "with 'segments' or an array of segments", type_name(root));
    }
    if (st == L4A_OK && cJSON_GetArraySize(segs) == 0)
        st = l4a_fail(L4A_ERR_FORMAT, "no segments: the segment list is empty");
    int idx = 0;
    for (const cJSON *seg = segs ? segs->child : NULL; st == L4A_OK && seg; seg = seg->next)
        st = parse_segment(t, seg, idx++);
    cJSON_Delete(root);
    return st;
}
