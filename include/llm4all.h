/*
 * llm4all.h - the public API of llm4all, and its manual.
 *
 * llm4all runs open decoder language models (GGUF files) on a CPU. This header is the only
 * public interface: the CLI `llm4all` is built on it and nothing else.
 *
 * Conventions
 *  - Every symbol starts with l4a_ (functions, types) or L4A_ (macros, enum values).
 *  - Objects are opaque handles created by *_load / *_new and released by *_free; freeing NULL
 *    is a no-op.
 *  - Functions that can fail return an l4a_status; l4a_last_error() then holds a message that
 *    names the problem (per thread).
 *  - Parameters come in structs returned by value from l4a_*_default_params().
 *  - A function that fills a caller buffer returns the size it needs; when the buffer is too
 *    small it returns the negative of that size and writes nothing useful.
 *  - Thread safety: an l4a_model is read-only after loading and may be shared by threads; an
 *    l4a_ctx (the per-stream state: KV cache, logits) and an l4a_sampler belong to one thread
 *    at a time.
 */
#ifndef LLM4ALL_H
#define LLM4ALL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define L4A_VERSION_MAJOR 0
#define L4A_VERSION_MINOR 1
#define L4A_VERSION_PATCH 0
#define L4A_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define L4A_API __attribute__((visibility("default")))
#else
#define L4A_API
#endif

/* ---------------------------------------------------------------- status and logging */

typedef enum l4a_status {
    L4A_OK = 0,
    L4A_ERR_INVALID_ARG,    /* a caller passed a bad value */
    L4A_ERR_IO,             /* open/read/mmap failed */
    L4A_ERR_FORMAT,         /* a file is malformed (GGUF, tokenizer data ...) */
    L4A_ERR_UNSUPPORTED,    /* valid but not supported (architecture, tensor type ...) */
    L4A_ERR_NOMEM,          /* an allocation failed */
    L4A_ERR_CONTEXT_FULL,   /* the tokens do not fit in the context (KV cache) */
    L4A_ERR_INTERNAL,       /* a bug: please report it */
    L4A_ERR_CANCELLED,      /* the caller asked to stop (l4a_summary_params.cancel) */
} l4a_status;

/* A static English string for a status code. Never NULL. Thread-safe. */
L4A_API const char *l4a_status_str(l4a_status s);

/* The message of the last error on this thread ("" if none). Valid until the next call that
 * fails on this thread. Thread-safe (thread-local). */
L4A_API const char *l4a_last_error(void);

typedef enum l4a_log_level {
    L4A_LOG_ERROR = 0,
    L4A_LOG_WARN = 1,
    L4A_LOG_INFO = 2,
    L4A_LOG_DEBUG = 3,
} l4a_log_level;

typedef void (*l4a_log_fn)(l4a_log_level level, const char *msg, void *user);

/* Route library log messages to fn (NULL restores the default: WARN and above to stderr).
 * Messages above max_level are dropped. Not thread-safe: call before starting threads. */
L4A_API void l4a_log_set(l4a_log_fn fn, void *user, l4a_log_level max_level);

/* "0.1.0 (commit abcdef0)". Static string. */
L4A_API const char *l4a_version(void);

/* ---------------------------------------------------------------- model */

typedef struct l4a_model l4a_model;   /* weights, hyper-parameters, vocabulary: read-only */
typedef int32_t l4a_token;

typedef struct l4a_model_params {
    bool use_mmap;      /* map weights read-only (default true); false reads them into memory */
    bool vocab_only;    /* load the tokenizer and metadata only (default false) */
    bool repack;        /* put the weights decode reads in 2 MiB pages and this CPU's fastest
                           layout at load (default true; same results, same memory; false
                           keeps the file's mapping) */
} l4a_model_params;

L4A_API l4a_model_params l4a_model_default_params(void);

/* Load a GGUF file, or a Hugging Face model folder (config.json, model.safetensors or shards
 * with model.safetensors.index.json, tokenizer.json / tokenizer.model; families Llama,
 * Mistral, Qwen2, Gemma 3, Falcon). A folder without tokenizer files loads without a
 * vocabulary: it decodes token ids, and the tokenizer functions fail saying so.
 * On success *out owns the model (free with l4a_model_free).
 * Errors: L4A_ERR_IO, L4A_ERR_FORMAT (message names the file, key or tensor),
 * L4A_ERR_UNSUPPORTED. */
L4A_API l4a_status l4a_model_load(const char *path, l4a_model_params params, l4a_model **out);

/* Convert the Hugging Face model folder dir to a GGUF file at out_path that llm4all and
 * llama.cpp load. type: "f32", "f16", "bf16", "q8_0", "q4_0" or "q4_k" for the matrices
 * (norms and biases stay F32; a matrix whose rows do not fit the type's blocks falls back to
 * q8_0, then f16); NULL means "f16". The tokenizer is not written yet. The file appears only
 * when complete. Errors name the file, key or tensor. */
L4A_API l4a_status l4a_model_convert(const char *dir, const char *out_path, const char *type);
L4A_API void l4a_model_free(l4a_model *model);

/* Hyper-parameters. */
L4A_API const char *l4a_model_arch(const l4a_model *m);      /* "llama", "qwen2", "gemma3" */
L4A_API const char *l4a_model_name(const l4a_model *m);      /* general.name or "" */
L4A_API int32_t l4a_model_n_vocab(const l4a_model *m);
L4A_API int32_t l4a_model_n_ctx_train(const l4a_model *m);
L4A_API int32_t l4a_model_n_embd(const l4a_model *m);
L4A_API int32_t l4a_model_n_layer(const l4a_model *m);
L4A_API int32_t l4a_model_n_head(const l4a_model *m);
L4A_API int32_t l4a_model_n_head_kv(const l4a_model *m);
L4A_API uint64_t l4a_model_n_params(const l4a_model *m);
L4A_API uint64_t l4a_model_size_bytes(const l4a_model *m);  /* bytes of tensor data */
/* Bytes of weights one generated token reads: the tensor data less the embedding table's
 * unread rows (all of it is read when the output projection is tied to it). */
L4A_API uint64_t l4a_model_decode_bytes(const l4a_model *m);
L4A_API uint64_t l4a_model_file_size(const l4a_model *m);

/* Metadata, in file order. Keys and values are rendered as text (arrays as "[n items]" or a
 * short list). Return the string length needed without the NUL; negative when buf is short. */
L4A_API int32_t l4a_model_meta_count(const l4a_model *m);
L4A_API int32_t l4a_model_meta_key(const l4a_model *m, int32_t i, char *buf, size_t size);
L4A_API int32_t l4a_model_meta_value(const l4a_model *m, int32_t i, char *buf, size_t size);
/* Value of a key by name, as text; negative of needed size if short; INT32_MIN if absent. */
L4A_API int32_t l4a_model_meta_get(const l4a_model *m, const char *key, char *buf, size_t size);

/* Tensors, in file order. */
typedef struct l4a_tensor_info {
    const char *name;       /* owned by the model */
    const char *type_name;  /* "Q4_K", "F32" ... */
    int32_t n_dims;
    int64_t ne[4];          /* ne[0] is the innermost (contiguous) dimension */
    uint64_t n_bytes;
} l4a_tensor_info;

L4A_API int32_t l4a_model_tensor_count(const l4a_model *m);
L4A_API l4a_status l4a_model_tensor_info(const l4a_model *m, int32_t i, l4a_tensor_info *out);

/* ---------------------------------------------------------------- vocabulary */

L4A_API l4a_token l4a_token_bos(const l4a_model *m);   /* -1 if none */
L4A_API l4a_token l4a_token_eos(const l4a_model *m);   /* -1 if none */
L4A_API l4a_token l4a_token_eot(const l4a_model *m);   /* end of turn, -1 if none */
L4A_API bool l4a_token_is_eog(const l4a_model *m, l4a_token t); /* eos, eot, or other end */
L4A_API bool l4a_token_is_control(const l4a_model *m, l4a_token t);
L4A_API bool l4a_add_bos(const l4a_model *m);          /* does the model want a BOS first */

/* Tokenize text (len bytes, need not be NUL-terminated).
 * add_special: add BOS/EOS as the model's rules say. parse_special: recognise special tokens
 * written in the text ("<|im_start|>"); otherwise they are plain text.
 * Returns the number of tokens; if more than n_max, returns -(number needed).
 * Invalid UTF-8 is tokenized byte by byte as the model's tokenizer allows. Thread-safe.
 * INT32_MIN on an error (bad arguments, out of memory), with l4a_last_error() set. */
L4A_API int32_t l4a_tokenize(const l4a_model *m, const char *text, size_t len, l4a_token *tokens,
                             int32_t n_max, bool add_special, bool parse_special);

/* The bytes of one token (a piece may be part of a UTF-8 character). special: render control
 * tokens as their text (otherwise they render empty). Returns bytes written, or -(needed).
 * INT32_MIN for a token id outside the vocabulary (l4a_last_error() names it). */
L4A_API int32_t l4a_token_to_piece(const l4a_model *m, l4a_token t, char *buf, size_t size,
                                   bool special);

/* Concatenated pieces of n tokens, with the model's decoding rules (leading-space removal for
 * SentencePiece when remove_leading_space). Returns bytes written (no NUL) or -(needed).
 * INT32_MIN when a token id is outside the vocabulary (nothing is decoded). */
L4A_API int32_t l4a_detokenize(const l4a_model *m, const l4a_token *tokens, int32_t n, char *buf,
                               size_t size, bool special);

/* Generated tokens to visible text, one token's piece at a time (streamed output): an
 * incomplete UTF-8 character at the end, and any end that could begin one of the stop strings,
 * are held back until later pieces decide; a stop string ends the text and is not part of it.
 * stops are copied (empty ones ignored). replace_invalid: bytes that are not UTF-8 become
 * U+FFFD (for JSON); otherwise they are passed on as they are. */
typedef struct l4a_textout l4a_textout;
L4A_API l4a_status l4a_textout_new(const char *const *stops, int n_stops, bool replace_invalid,
                                   l4a_textout **out);
/* Append n bytes. *text, *len: the text that became visible (NUL-terminated; use *len, as a
 * model may generate NUL bytes), owned by t and valid until its next call. *stopped: a stop
 * string has been reached (now or before); what follows is dropped. */
L4A_API l4a_status l4a_textout_push(l4a_textout *t, const char *bytes, size_t n,
                                    const char **text, size_t *len, bool *stopped);
/* End of generation: what is held becomes visible (nothing after a stop string). */
L4A_API l4a_status l4a_textout_flush(l4a_textout *t, const char **text, size_t *len);
L4A_API void l4a_textout_free(l4a_textout *t);

/* ---------------------------------------------------------------- chat template */

typedef struct l4a_chat_msg {
    const char *role;       /* "system", "user", "assistant" */
    const char *content;
} l4a_chat_msg;

/* Render messages with the model's chat template (tokenizer.chat_template), recognised among
 * the common families (ChatML/Qwen, Llama 3, Gemma, Mistral/Llama 2, SmolLM). add_assistant:
 * open an assistant turn at the end. tmpl: NULL for the model's own, or a family name
 * ("chatml", "llama3", "gemma", "mistral"). Returns bytes needed (no NUL) or negative when
 * buf is short; L4A-style error (INT32_MIN) when the template is unknown, with
 * l4a_last_error() naming it. The text never starts with the BOS token's text: tokenize it
 * with add_special so that the prompt gets exactly one BOS. */
L4A_API int32_t l4a_chat_apply(const l4a_model *m, const char *tmpl, const l4a_chat_msg *msgs,
                               size_t n_msgs, bool add_assistant, char *buf, size_t size);

/* ---------------------------------------------------------------- context */

typedef struct l4a_ctx l4a_ctx;     /* per-stream state: KV cache, scratch, logits */

typedef enum l4a_kv_type {
    L4A_KV_F32 = 0,
    L4A_KV_F16 = 1,
    L4A_KV_Q8_0 = 2,
} l4a_kv_type;

typedef struct l4a_ctx_params {
    int32_t n_ctx;          /* tokens in the KV cache; 0 = min(model's training context, 4096) */
    int32_t n_batch;        /* max tokens per l4a_decode call (default 512) */
    int32_t n_threads;      /* 0 = number of physical cores */
    l4a_kv_type kv_type;    /* default L4A_KV_F16 */
    int32_t n_seq;          /* independent sequences (default 1), each with its own cache of
                               n_ctx tokens: one per server slot */
} l4a_ctx_params;

L4A_API l4a_ctx_params l4a_ctx_default_params(void);

/* Create a context: allocates the KV cache and all scratch memory once.
 * Errors: L4A_ERR_INVALID_ARG, L4A_ERR_NOMEM. */
L4A_API l4a_status l4a_ctx_new(const l4a_model *m, l4a_ctx_params params, l4a_ctx **out);
L4A_API void l4a_ctx_free(l4a_ctx *ctx);
L4A_API int32_t l4a_ctx_n_ctx(const l4a_ctx *ctx);
/* Number of tokens in the KV cache (the position of the next token) of sequence 0. */
L4A_API int32_t l4a_ctx_n_past(const l4a_ctx *ctx);
/* Drop cached tokens of sequence 0 from position n_keep on (0 clears the cache). */
L4A_API l4a_status l4a_ctx_truncate(l4a_ctx *ctx, int32_t n_keep);
/* Sequences of the context (n_seq of its params). */
L4A_API int32_t l4a_ctx_n_seq(const l4a_ctx *ctx);
/* The same as the two above for sequence seq (0 .. n_seq-1); an invalid seq gives 0 /
 * L4A_ERR_INVALID_ARG. */
L4A_API int32_t l4a_ctx_n_past_seq(const l4a_ctx *ctx, int32_t seq);
L4A_API l4a_status l4a_ctx_truncate_seq(l4a_ctx *ctx, int32_t seq, int32_t n_keep);
/* Bytes held by the context (KV cache + scratch). */
L4A_API uint64_t l4a_ctx_memory_bytes(const l4a_ctx *ctx);

/* Run the model on n tokens at positions n_past .. n_past+n-1 and append them to the KV cache.
 * all_logits: keep logits for every token; otherwise only the last one's.
 * n may exceed n_batch (it is split). Errors: L4A_ERR_CONTEXT_FULL when n_past + n > n_ctx
 * (nothing is evaluated), L4A_ERR_INVALID_ARG for a token id outside the vocabulary. */
L4A_API l4a_status l4a_decode(l4a_ctx *ctx, const l4a_token *tokens, int32_t n, bool all_logits);

/* l4a_decode for sequence seq of a context made with n_seq > 1 (l4a_decode is seq 0). */
L4A_API l4a_status l4a_decode_seq(l4a_ctx *ctx, int32_t seq, const l4a_token *tokens, int32_t n,
                                  bool all_logits);

/* One token for each of n different sequences (seqs[i] gets tokens[i] at its next position),
 * in one pass over the weights: the step of continuous batching, where n streams cost little
 * more than one because decoding is bound by reading the weights. Logits of every token are
 * kept: l4a_get_logits(ctx, i) is seqs[i]'s. Each sequence's result is the same as decoding
 * its token alone. Errors: L4A_ERR_INVALID_ARG (n < 1 or > n_batch, a seq out of range or
 * repeated, a token outside the vocabulary), L4A_ERR_CONTEXT_FULL (a sequence is full);
 * nothing is evaluated on error. */
L4A_API l4a_status l4a_decode_step(l4a_ctx *ctx, const int32_t *seqs, const l4a_token *tokens,
                                   int32_t n);

/* Logits (n_vocab floats) of the i-th token of the last decode call (i = -1: the last one).
 * NULL if i was not kept. Owned by ctx, valid until the next decode call. */
L4A_API const float *l4a_get_logits(const l4a_ctx *ctx, int32_t i);

/* ---------------------------------------------------------------- sampling */

typedef struct l4a_sampler l4a_sampler;

typedef struct l4a_sampler_params {
    float temperature;      /* <= 0: greedy (default 0.8) */
    int32_t top_k;          /* <= 0: off (default 40) */
    float top_p;            /* >= 1: off (default 0.95) */
    float min_p;            /* <= 0: off (default 0.05) */
    float repeat_penalty;   /* 1: off (default 1.0) */
    float presence_penalty; /* 0: off */
    float frequency_penalty;/* 0: off */
    int32_t penalty_last_n; /* window of recent tokens for penalties (default 64) */
    uint64_t seed;          /* same seed, same draws (default 0xC0FFEE) */
} l4a_sampler_params;

L4A_API l4a_sampler_params l4a_sampler_default_params(void);
L4A_API l4a_status l4a_sampler_new(const l4a_model *m, l4a_sampler_params p, l4a_sampler **out);
L4A_API void l4a_sampler_free(l4a_sampler *s);
/* Pick the next token from logits (n_vocab floats; not modified). Penalties use the tokens
 * passed to l4a_sampler_accept. Not thread-safe per sampler. */
L4A_API l4a_token l4a_sampler_sample(l4a_sampler *s, const float *logits);
/* Record a token (prompt or generated) for the penalties. */
L4A_API void l4a_sampler_accept(l4a_sampler *s, l4a_token t);
/* Forget the accepted tokens (penalties) and restart the JSON document, if any. */
L4A_API void l4a_sampler_reset(l4a_sampler *s);

/* Constrain sampling to one JSON document valid against a JSON Schema (schema: len bytes of
 * JSON, the subset in docs/json-schema.md), or to any JSON object when schema is NULL (the
 * OpenAI json_object mode). From the next l4a_sampler_sample on, tokens that cannot continue a
 * valid document are never drawn, and end-of-generation tokens only once the document is
 * complete; each token that l4a_sampler_sample returns is taken as produced (the document
 * advances), so sample exactly the tokens you generate. Replaces an earlier constraint.
 * Errors: L4A_ERR_INVALID_ARG naming the schema's problem, L4A_ERR_UNSUPPORTED for a keyword
 * outside the subset, L4A_ERR_NOMEM. The model's token mask is built once per model, at the
 * first call (about 0.1 s for a 150k vocabulary); thread-safe with respect to other samplers. */
L4A_API l4a_status l4a_sampler_set_json_schema(l4a_sampler *s, const char *schema, size_t len);
/* Remove the constraint. */
L4A_API void l4a_sampler_clear_json(l4a_sampler *s);
/* With a constraint: 1 when the document is complete and nothing more can follow it (only an
 * end-of-generation token can come next), 0 otherwise; -1 without a constraint. */
L4A_API int l4a_sampler_json_done(const l4a_sampler *s);

/* ---------------------------------------------------------------- embeddings */

/* A sentence embedding: clear sequence seq, run the model on n tokens there and write the mean
 * over the tokens of the final normalised hidden state (the input of the output projection)
 * into out (n_out floats, at least l4a_model_n_embd). The sequence is left empty. Returns
 * L4A_OK, or L4A_ERR_INVALID_ARG / L4A_ERR_CONTEXT_FULL as l4a_decode_seq. Not thread-safe
 * per context. */
L4A_API l4a_status l4a_embed_seq(l4a_ctx *ctx, int32_t seq, const l4a_token *tokens, int32_t n,
                                 float *out, int32_t n_out);

/* ---------------------------------------------------------------- HTTP server */

/* An OpenAI-compatible HTTP server over one model (docs/server.md): /v1/chat/completions,
 * /v1/completions, /v1/embeddings, /v1/models, /tokenize, /detokenize, /health, /metrics;
 * meeting minutes as jobs (/v1/meetings/summarize) and a web page for them at /.
 * Lifecycle: l4a_server_start (listening; /health answers 503 "loading"), l4a_server_set_model
 * (ready), l4a_server_run (blocks until l4a_server_stop, then lets in-flight requests finish),
 * l4a_server_free. */
typedef struct l4a_server l4a_server;

typedef struct l4a_server_params {
    const char *host;           /* address to bind (default "127.0.0.1") */
    int32_t port;               /* default 8080; 0 = any free port (see l4a_server_port) */
    const char *api_key;        /* Bearer key; required for a non-loopback host (NULL: none) */
    const char *alias;          /* model id shown to clients (NULL: the file's name) */
    const char *allow_origin;   /* extra allowed Origin, e.g. "https://app.example" (NULL) */
    int32_t n_slots;            /* requests decoded together (default 4) */
    int32_t n_ctx;              /* context per slot (0: the library's default) */
    int32_t n_batch;            /* prompt tokens per pass (default 512) */
    int32_t n_threads;          /* 0: physical cores */
    l4a_kv_type kv_type;
    int32_t max_queue;          /* waiting requests beyond the slots (default 64): then 429 */
    int64_t max_body;           /* request body bytes (default 1 MiB): then 413 */
    int32_t max_tokens;         /* largest max_tokens a request may ask (default 4096) */
    int32_t max_conns;          /* open connections (default 64) */
    int32_t timeout_s;          /* idle connection timeout (default 30 s) */
    int32_t drain_s;            /* on stop, wait at most this for in-flight requests (60) */
    int32_t meeting_queue;      /* minutes jobs waiting behind the running one (default 4):
                                   then 429 */
    int32_t meeting_ttl_s;      /* a finished minutes job is kept this long (default 3600) */
    bool metrics;               /* serve /metrics (default false) */
    int32_t log_level;          /* 0 errors, 1 warnings, 2 info + access log, 3 debug (2) */
} l4a_server_params;

L4A_API l4a_server_params l4a_server_default_params(void);

/* Bind and start answering (503 for model endpoints until l4a_server_set_model). Refuses a
 * non-loopback host without an api_key (L4A_ERR_INVALID_ARG, with a message saying why).
 * L4A_ERR_IO when the address cannot be bound. */
L4A_API l4a_status l4a_server_start(const l4a_server_params *p, l4a_server **out);
/* The port actually bound. */
L4A_API int32_t l4a_server_port(const l4a_server *s);
/* Serve this model (which must outlive the server): creates the context with n_slots
 * sequences and starts the scheduler. id: the model id for /v1/models (NULL: the alias or
 * "model"). Call once. */
L4A_API l4a_status l4a_server_set_model(l4a_server *s, const l4a_model *m, const char *id);
/* Serve data (len bytes, copied) at GET path with a content type (a static page). */
L4A_API l4a_status l4a_server_add_static(l4a_server *s, const char *path, const char *type,
                                         const char *data, size_t len);
/* Block until l4a_server_stop; then refuse new requests (503), cancel the minutes jobs, let
 * in-flight requests finish (at most drain_s seconds) and return. */
L4A_API l4a_status l4a_server_run(l4a_server *s);
/* Ask l4a_server_run to return. Async-signal-safe (a SIGTERM handler may call it). */
L4A_API void l4a_server_stop(l4a_server *s);
L4A_API void l4a_server_free(l4a_server *s);
/* ---------------------------------------------------------------- meeting transcripts
 *
 * Transcripts as speech tools write them, parsed into an ordered list of speaker turns: plain
 * "Speaker: text" lines (with or without timestamps), SubRip (SRT), WebVTT, and ASR JSON
 * (Whisper, whisperX, whisper.cpp, LinTO). docs/transcripts.md lists every accepted layout.
 * Input: UTF-8 (a BOM is skipped), LF/CRLF/CR, at most L4A_TRANSCRIPT_MAX_BYTES bytes, lines
 * (plain, SRT, VTT) of at most L4A_TRANSCRIPT_MAX_LINE bytes. Turn text is normalised (no
 * leading/trailing or repeated white space, no line break); empty turns are dropped.
 */

#define L4A_TRANSCRIPT_MAX_BYTES ((size_t)64 << 20)  /* 64 MiB: longer inputs are refused */
#define L4A_TRANSCRIPT_MAX_LINE ((size_t)1 << 20)    /* 1 MiB per line (not JSON) */

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
L4A_API l4a_status l4a_transcript_parse(const char *data, size_t len, l4a_transcript_format fmt,
                                        l4a_transcript **out);
/* The same with flags (L4A_TRANSCRIPT_MERGE_SPEAKERS, L4A_TRANSCRIPT_REPLACE_INVALID_UTF8). */
L4A_API l4a_status l4a_transcript_parse_ex(const char *data, size_t len, l4a_transcript_format fmt,
                                           unsigned flags, l4a_transcript **out);
/* Freeing NULL is a no-op. */
L4A_API void l4a_transcript_free(l4a_transcript *t);

/* The format a buffer would be parsed as under AUTO (after the BOM, leading blank lines):
 * JSON when it starts with '{', or '[' followed by '{' or ']'; VTT when it starts with
 * "WEBVTT"; SRT when the first line is a cue number followed by a timing line, or a timing
 * line; PLAIN otherwise. Never fails; content is not validated. */
L4A_API l4a_transcript_format l4a_transcript_detect(const char *data, size_t len);
/* "auto", "plain", "srt", "vtt", "json"; "unknown" for other values. */
L4A_API const char *l4a_transcript_format_name(l4a_transcript_format fmt);
/* The inverse, for command lines: also accepts "txt", "webvtt"; returns false if unknown. */
L4A_API bool l4a_transcript_format_from_name(const char *name, l4a_transcript_format *out);

/* Accessors. Out-of-range indices give NULL / L4A_ERR_INVALID_ARG. */
L4A_API l4a_transcript_format l4a_transcript_format_of(const l4a_transcript *t);  /* as parsed */
L4A_API int32_t l4a_transcript_n_turns(const l4a_transcript *t);
L4A_API l4a_status l4a_transcript_get_turn(const l4a_transcript *t, int32_t i,
                                           l4a_transcript_turn *out);
/* Speakers, in order of first appearance; the unknown speaker is not listed. */
L4A_API int32_t l4a_transcript_n_speakers(const l4a_transcript *t);
L4A_API const char *l4a_transcript_speaker(const l4a_transcript *t, int32_t i);
/* True when some turn starts before an earlier turn ends, or before an earlier turn starts
 * (overlapping speech or unordered times; turns split from one cue do not count). */
L4A_API bool l4a_transcript_times_overlap(const l4a_transcript *t);
/* True when at least one turn has a known start time. */
L4A_API bool l4a_transcript_has_times(const l4a_transcript *t);
/* Number of invalid UTF-8 sequences replaced by U+FFFD (0 unless the flag was given). */
L4A_API int64_t l4a_transcript_n_replaced(const l4a_transcript *t);

/* Render as one line per turn, "Speaker: text\n" ("text\n" for an unknown speaker), for
 * prompts. Returns the length in bytes (without the NUL) and writes it with a NUL when
 * size > length; otherwise returns -length and leaves buf unspecified. Parsing the result as
 * PLAIN gives back the same turns when every speaker is known and is a valid label (see
 * docs/transcripts.md); an unknown-speaker turn reads back as a continuation. */
L4A_API int64_t l4a_transcript_render(const l4a_transcript *t, char *buf, size_t size);


/* ---------------------------------------------------------------- meeting minutes
 *
 * Minutes of a meeting from its transcript, of any length (docs/summarize.md): one pass when
 * the transcript, the prompt and the output fit the context; otherwise map-reduce over chunks
 * cut at speaker turns (a turn longer than a chunk is cut at sentence ends), each chunk
 * summarised into partial minutes, the partials merged (hierarchically when they do not fit
 * together). Every generated document is constrained to the minutes JSON Schema
 * (data/schemas/meeting_minutes.json, embedded in the library) while sampling. The French
 * prompts are embedded too (data/prompts/), and may be overridden from a folder.
 */

/* Progress: stage is "plan", "map", "reduce" or "final"; done of total steps of that stage. */
typedef void (*l4a_summary_progress_fn)(const char *stage, int32_t done, int32_t total,
                                        void *user);
/* Cancellation: polled before every generated token and between prompt pieces (at most
 * min(n_batch, 128) tokens apart when set); returning true stops the run with L4A_ERR_CANCELLED. Called on the
 * thread that runs l4a_meeting_summarize; it may read a flag that another thread sets. */
typedef bool (*l4a_summary_cancel_fn)(void *user);

/* Figures of one run (filled when params.stats is not NULL). */
typedef struct l4a_summary_stats {
    int32_t n_ctx;              /* context used */
    int32_t transcript_tokens;  /* tokens of the rendered transcript */
    int32_t n_chunks;           /* 1 for a single pass */
    int32_t chunk_budget;       /* transcript tokens allowed per chunk (0 for a single pass) */
    int32_t n_reduce_levels;    /* 0 for a single pass, 1 for one merge of all partials ... */
    int32_t n_generations;      /* documents generated (chunks, merges, final) */
    int32_t n_truncated;        /* of those, cut at their token budget and closed */
    int64_t prompt_tokens;      /* tokens evaluated (after prefix reuse) */
    int64_t generated_tokens;
    double seconds;
} l4a_summary_stats;

typedef struct l4a_summary_params {
    int32_t n_ctx;              /* context tokens; 0 = min(model's training context, 4096) */
    int32_t n_threads;          /* 0 = physical cores */
    int32_t n_batch;            /* tokens per forward pass when reading a prompt (default 512) */
    float temperature;          /* 0 = greedy (default) */
    uint64_t seed;              /* for temperature > 0 */
    int32_t max_output_tokens;  /* tokens of the final minutes (default 1024; lowered to fit
                                   the context, see docs/summarize.md) */
    int32_t chunk_tokens;       /* 0: from the context (default); > 0: at most this many
                                   transcript tokens per chunk (smaller chunks, for tests) */
    l4a_transcript_format format;   /* of the text given to l4a_meeting_summarize (AUTO) */
    const char *prompts_dir;    /* NULL: the embedded prompts; else files of this folder named
                                   as in data/prompts/ replace them (missing ones: embedded) */
    const char *language;       /* language of the minutes, "fr" (default) or "en" */
    l4a_summary_progress_fn progress;   /* NULL: none */
    void *progress_user;
    l4a_summary_cancel_fn cancel;       /* NULL: runs to the end */
    void *cancel_user;
    l4a_summary_stats *stats;   /* NULL or filled at the end (also on error, as far as run) */
} l4a_summary_params;

L4A_API l4a_summary_params l4a_summary_default_params(void);

/* Minutes of a transcript (len bytes in the format p->format, see the transcript section).
 * On success *minutes_json (valid against data/schemas/meeting_minutes.json) and, when
 * minutes_md is not NULL, *minutes_md (Markdown rendered from it) are NUL-terminated strings
 * to free with l4a_free. p NULL: defaults. Errors: L4A_ERR_FORMAT for text that is not a
 * transcript (message names the line), L4A_ERR_INVALID_ARG (bad params, a context too small
 * for the prompts: the message says the least that works), L4A_ERR_IO / L4A_ERR_FORMAT for a
 * prompts folder that cannot be read or a prompt with an unknown placeholder, L4A_ERR_NOMEM,
 * L4A_ERR_CANCELLED when p->cancel asked to stop (nothing is returned then).
 * Runs on the calling thread (plus p->n_threads workers); the model may be shared. */
L4A_API l4a_status l4a_meeting_summarize(const l4a_model *m, const char *transcript, size_t len,
                                         const l4a_summary_params *p, char **minutes_json,
                                         char **minutes_md);
/* The same from a parsed transcript (p->format is not used). */
L4A_API l4a_status l4a_meeting_summarize_transcript(const l4a_model *m, const l4a_transcript *t,
                                                    const l4a_summary_params *p,
                                                    char **minutes_json, char **minutes_md);

/* Check that len bytes of JSON are minutes valid against the schema's structure (required
 * fields, types, bounds). partial: the partial-minutes schema of the map step instead. Returns
 * L4A_OK, or L4A_ERR_FORMAT with a message naming the field. Independent of the sampler. */
L4A_API l4a_status l4a_minutes_validate(const char *json, size_t len, bool partial);

/* Markdown from minutes JSON (valid as above) for language "fr" or "en" (NULL: "fr"):
 * title, participants, summary, topics by theme, decisions, action items as a table, open
 * questions, the next meeting when one was said. *md to free with l4a_free. L4A_ERR_FORMAT when the JSON is not valid minutes. */
L4A_API l4a_status l4a_minutes_to_markdown(const char *json, size_t len, const char *language,
                                           char **md);

/* Release memory the library handed out (minutes strings). NULL is a no-op. */
L4A_API void l4a_free(void *p);

/* ---------------------------------------------------------------- evaluation
 *
 * ROUGE (Lin 2004) F1 between a candidate and a reference text, with French-aware
 * tokenisation: text lower-cased (Unicode), split on every character that is not a letter or
 * a digit (so elisions split: "l'école" -> "l" "école", "qu'il" -> "qu" "il", with ' or ’);
 * accented letters are letters. No stemming, no stop words. ROUGE-N: clipped n-gram overlap;
 * ROUGE-L: longest common subsequence of the whole token sequences (rouge-score's "rougeL").
 */
typedef struct l4a_rouge_scores {
    double r1_p, r1_r, r1_f;    /* ROUGE-1 precision, recall, F1 */
    double r2_p, r2_r, r2_f;
    double rl_p, rl_r, rl_f;
} l4a_rouge_scores;

/* Scores of cand against ref (NUL-terminated UTF-8; invalid bytes count as separators).
 * A side with no token gives zeros. Errors: L4A_ERR_INVALID_ARG, L4A_ERR_NOMEM. */
L4A_API l4a_status l4a_rouge(const char *cand, const char *ref, l4a_rouge_scores *out);
/* The tokens of text, as the scores see them, separated by single spaces: *out to free with
 * l4a_free (for checks and for reference implementations fed the same tokens). */
L4A_API l4a_status l4a_rouge_tokens(const char *text, char **out);

/* ---------------------------------------------------------------- system */

/* Number of physical cores (>= 1). */
L4A_API int32_t l4a_n_physical_cores(void);
/* Peak resident set size of this process in bytes (0 if unknown). */
L4A_API uint64_t l4a_peak_rss(void);
/* Bytes of this process's memory mapped now with 2 MiB pages, anonymous and file-backed (0 if
 * none or unknown): how much of a model's weights the kernel gave huge pages. */
L4A_API uint64_t l4a_huge_page_bytes(void);
/* Description of the CPU and the kernels chosen, e.g. "x86-64 avx2 fma f16c". */
L4A_API const char *l4a_cpu_features(void);

#ifdef __cplusplus
}
#endif
#endif /* LLM4ALL_H */
