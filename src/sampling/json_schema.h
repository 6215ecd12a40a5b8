/*
 * json_schema.h - JSON output constrained while sampling: the model's text always parses as
 * JSON and validates against a JSON Schema (a documented subset: docs/json-schema.md).
 *
 * Three parts, used in this order by the sampler and the server:
 *   1. l4a_jschema_compile: read a JSON Schema (cJSON) into a small graph of nodes, checking
 *      that every keyword is supported and that some document satisfies it;
 *   2. l4a_jmatch: an incremental matcher, a pushdown automaton over bytes whose state is a
 *      fixed-capacity struct (no allocation; copy it by value to keep a checkpoint);
 *   3. l4a_jmask: the vocabulary in a byte trie; l4a_jmask_apply sets to -INFINITY the logit of
 *      every token whose bytes cannot continue the document.
 *
 * It is not a validator of arbitrary JSON: the matcher accepts one canonical family of
 * documents per schema (listed property order, numbers without exponent and at most 15
 * digits, bounded whitespace), which is what a model needs to be steered into.
 *
 * The invariant everything relies on: every byte string the matcher accepts can be completed
 * into a document that validates. So a sampler that only picks unmasked tokens never gets
 * stuck, and stops with a valid document when it picks EOS.
 *
 * Specs: RFC 8259 (JSON), JSON Schema 2020-12 Validation (and the draft-04/07 spellings of
 * definitions, tuple items and boolean exclusiveMinimum), RFC 3629 (UTF-8).
 *
 * Thread safety: a compiled schema and a mask are read-only after creation and may be shared
 * by threads; an l4a_jmatch belongs to one stream.
 */
#ifndef L4A_JSON_SCHEMA_H
#define L4A_JSON_SCHEMA_H

#include "llm4all.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- limits */

#define L4A_JM_MAX_DEPTH 32     /* values nested in one another (the root counts as 1) */
#define L4A_JM_MAX_THREADS 4    /* anyOf alternatives alive at the same time */
#define L4A_JM_MAX_KEYS 64      /* free (not listed) keys remembered in the open objects */
#define L4A_JM_MAX_WS 40        /* whitespace bytes in one gap between JSON tokens */
#define L4A_JM_MAX_DIGITS 15    /* digit characters in one number */
#define L4A_JM_MAX_ITEMS 65535  /* items in one array */

/* ---------------------------------------------------------------- schema */

typedef struct l4a_jschema l4a_jschema;

/* Compile a JSON Schema given as text (len bytes, need not be NUL-terminated). text == NULL
 * or only whitespace: any JSON object (as l4a_jschema_any_object). On success *out owns the
 * schema (free with l4a_jschema_free).
 * Errors: L4A_ERR_FORMAT (not JSON, a keyword of the wrong type, a $ref to nowhere, a $ref
 * cycle), L4A_ERR_UNSUPPORTED (a keyword outside the subset, or a schema no document
 * satisfies: the message names the keyword and where it is), L4A_ERR_NOMEM. */
l4a_status l4a_jschema_compile(const char *text, size_t len, l4a_jschema **out);

/* The schema of OpenAI's json_object mode: any JSON object (keys free, values any JSON). */
l4a_status l4a_jschema_any_object(l4a_jschema **out);

void l4a_jschema_free(l4a_jschema *s);

/* ---------------------------------------------------------------- matcher */

/* One value in progress (8 bytes). */
typedef struct l4a_jframe {
    uint16_t node;      /* schema node this value must match */
    uint8_t phase;      /* where in the value we are (L4A_JP_*, json_match.c) */
    uint8_t kstart;     /* objects: this object's first key hash in l4a_jthread.keys */
    uint16_t a;         /* objects: listed properties passed; arrays: items started */
    uint16_t b;         /* objects: the property whose value comes next (0xFFFF: a free key) */
} l4a_jframe;

/* State of the scalar (string, key, number, literal) at the top of the stack; zeroed when
 * a scalar starts and when it ends, so equal states compare equal byte for byte. */
typedef struct l4a_jscalar {
    uint64_t mant;      /* number: its digits as an integer */
    uint32_t len;       /* string: code points so far */
    uint32_t hash;      /* key: FNV-1a of its raw bytes */
    int32_t cand;       /* key: first listed property still matching, literal: first literal
                           still matching; -1 none */
    uint32_t pos;       /* key, literal: bytes matched */
    uint16_t hex;       /* string: \uXXXX value so far */
    uint8_t sub;        /* string: L4A_JS_* */
    uint8_t need;       /* string: \u digits or UTF-8 continuation bytes still expected */
    uint8_t lo, hi;     /* string: range of the next UTF-8 continuation byte */
    uint8_t free_ok;    /* key: may still be a free (not listed) key */
    uint8_t num;        /* number: phase */
    uint8_t nd, nfrac;  /* number: digits, digits after the point */
    uint8_t neg;        /* number: has a minus sign */
    uint8_t pad[5];     /* no implicit padding: states compare with memcmp */
} l4a_jscalar;

enum { L4A_JS_NORMAL = 0, L4A_JS_ESC, L4A_JS_HEX, L4A_JS_UTF8 };   /* l4a_jscalar.sub */

/* One way of reading the bytes so far (anyOf alternatives fork into several). Only the
 * first `depth` frames and `nkeys` hashes are meaningful. */
typedef struct l4a_jthread {
    l4a_jscalar sc;
    uint8_t depth;      /* frames in use; 0 = the document is complete */
    uint8_t ws;         /* whitespace bytes in the current gap */
    uint8_t nkeys;      /* hashes in use in keys[] */
    uint8_t pad;
    uint32_t keys[L4A_JM_MAX_KEYS];     /* hashes of the free keys of the open objects */
    l4a_jframe fr[L4A_JM_MAX_DEPTH];    /* fr[0] is the root value */
} l4a_jthread;

/* The matcher state: fixed capacity, no pointers but the schema; copy it by value. */
typedef struct l4a_jmatch {
    const l4a_jschema *schema;
    uint32_t n;                         /* live threads (>= 1 for a state that can go on) */
    l4a_jthread th[L4A_JM_MAX_THREADS];
} l4a_jmatch;

/* Start a document. The schema must outlive the state. */
void l4a_jmatch_init(l4a_jmatch *st, const l4a_jschema *s);

/* Feed n bytes. True: the bytes so far are the start of at least one valid document (and
 * every such prefix can be completed). False: these bytes cannot continue any valid document;
 * the state is left unchanged (all or nothing). */
bool l4a_jmatch_feed(l4a_jmatch *st, const char *bytes, size_t n);

/* A complete valid document has been produced (generation may stop here). */
bool l4a_jmatch_accepting(const l4a_jmatch *st);

/* Some byte can still be fed (false after the root object or array has closed). */
bool l4a_jmatch_can_continue(const l4a_jmatch *st);

/* Copy the live part of src into dst (cheaper than a struct copy of ~2 KB). */
void l4a_jmatch_copy(l4a_jmatch *dst, const l4a_jmatch *src);

/* Internal, for the mask: the state after one more byte, written to dst (dst != src).
 * Returns false when the byte cannot continue (dst is then garbage). */
bool l4a_jmatch_step(const l4a_jmatch *src, uint8_t byte, l4a_jmatch *dst);

/* Internal, for the mask: split the threads of st into those inside a string between
 * characters (a value, or a key that may be free), which accept any run of "plain"
 * characters (printable ASCII other than '"' and '\', and whole UTF-8 sequences) up to
 * *budget code points (the most any of them has left), and the others. */
void l4a_jmatch_split_plain(const l4a_jmatch *st, l4a_jmatch *plain, l4a_jmatch *rest,
                            uint32_t *budget);

/* ---------------------------------------------------------------- mask */

typedef struct l4a_jmask l4a_jmask;

/* Build the mask for a vocabulary: pieces[i] is the bytes of token i (lens[i] of them; an
 * empty piece marks a control token, which is never allowed). The pieces are copied.
 * Errors: L4A_ERR_INVALID_ARG (n_vocab <= 0, a NULL piece with a length, a piece over 65535
 * bytes), L4A_ERR_NOMEM. */
l4a_status l4a_jmask_new(const char *const *pieces, const uint32_t *lens, int32_t n_vocab,
                         l4a_jmask **out);
void l4a_jmask_free(l4a_jmask *m);

/* Set to -INFINITY the logits (n_vocab floats) of the tokens that cannot continue the document
 * in st; eos_token (-1 or out of range: none) keeps its logit only when st is accepting.
 * Allowed logits are left as they were. Thread-safe for a shared mask (scratch memory is per
 * call). */
void l4a_jmask_apply(const l4a_jmask *m, const l4a_jmatch *st, float *logits,
                     l4a_token eos_token);

/* The same with several tokens that end generation (a chat model's end-of-turn and EOS):
 * each keeps its logit only when st is accepting. */
void l4a_jmask_apply_ends(const l4a_jmask *m, const l4a_jmatch *st, float *logits,
                          const l4a_token *ends, int32_t n_ends);

/* The same result, token by token without the trie: the reference the tests compare against,
 * and the path taken if scratch memory cannot be allocated. */
void l4a_jmask_apply_ref(const l4a_jmask *m, const l4a_jmatch *st, float *logits,
                         l4a_token eos_token);

/* Feed the bytes of token t to st (false, st unchanged, when it cannot continue or t is out of
 * range or a control token). */
bool l4a_jmask_feed_token(const l4a_jmask *m, l4a_jmatch *st, l4a_token t);

/* ---------------------------------------------------------------- compiled schema
 * Internal: shared by the compiler (json_schema*.c) and the matcher (json_match*.c). */

typedef enum l4a_jkind {
    L4A_JK_ANY = 0,     /* any JSON value: dispatched on its first byte to the any_* nodes */
    L4A_JK_OBJ,         /* props[a .. a+b), additional node in extra (-1: none) */
    L4A_JK_ARR,         /* prefix items idx[a .. a+b), items node in extra (-1: none) */
    L4A_JK_STR,         /* min_n .. max_n code points */
    L4A_JK_NUM,         /* number within lo .. hi */
    L4A_JK_INT,         /* integer within lo .. hi */
    L4A_JK_LIT,         /* one of the literals lits[a .. a+b) (enum, const, true/false/null) */
    L4A_JK_ANYOF,       /* one of the alternatives idx[a .. a+b) */
    L4A_JK_REF,         /* alias of node a (removed after compilation) */
} l4a_jkind;

/* First-byte classes of a value, to pick anyOf alternatives and check oneOf. */
enum {
    L4A_JC_OBJ = 1, L4A_JC_ARR = 2, L4A_JC_STR = 4, L4A_JC_NUM = 8,
    L4A_JC_TRUE = 16, L4A_JC_FALSE = 32, L4A_JC_NULL = 64, L4A_JC_ALL = 127,
};

typedef struct l4a_jnode {
    uint8_t kind;       /* l4a_jkind */
    uint8_t cls;        /* L4A_JC_* bits a value we generate may start with */
    uint8_t vcls;       /* L4A_JC_* bits of the values the schema accepts when validated:
                           wider than cls for a schema without "type" (it accepts any type,
                           we generate the one its keywords describe) */
    uint8_t one_of;     /* ANYOF compiled from oneOf (alternatives checked disjoint) */
    uint8_t lo_on, hi_on, lo_excl, hi_excl;   /* NUM, INT: which bounds apply */
    uint16_t mindepth;  /* frames needed to complete a value (0xFFFF: never) */
    uint32_t a, b;      /* see l4a_jkind */
    uint32_t reqn;      /* OBJ: first of b+1 entries in reqnext[] */
    int32_t extra;      /* OBJ: additional-properties node; ARR: items node; -1 none */
    uint32_t min_n, max_n;  /* STR: code points; ARR: items */
    double lo, hi;      /* NUM, INT: bounds */
    uint32_t name;      /* REF: offset of the $ref text in blob (for messages) */
} l4a_jnode;

typedef struct l4a_jprop {
    uint32_t enc, enc_len;  /* the name JSON-encoded (no quotes), in blob */
    uint32_t node;
    uint32_t hash;          /* FNV-1a of the encoded name */
    uint8_t required;
} l4a_jprop;

typedef struct l4a_jlit {
    uint32_t off, len;      /* canonical compact JSON text of one literal, in blob */
} l4a_jlit;

struct l4a_jschema {
    l4a_jnode *nodes;   uint32_t n_nodes, cap_nodes;
    l4a_jprop *props;   uint32_t n_props, cap_props;
    uint32_t *idx;      uint32_t n_idx, cap_idx;        /* item and alternative lists */
    uint32_t *reqnext;  uint32_t n_reqnext, cap_reqnext;/* per object: for each property
                            index i (0..n), the first required index >= i (n: none) */
    l4a_jlit *lits;     uint32_t n_lits, cap_lits;
    char *blob;         uint32_t n_blob, cap_blob;
    uint32_t root;
    /* built-in nodes for "any value" */
    uint32_t any_value, any_obj, any_arr, any_str, any_num, any_bool, any_null;
};

/* Compiler internals (json_schema_lit.c, json_schema_check.c). */
struct cJSON;
l4a_status l4a_jblob_add(l4a_jschema *s, const void *p, size_t n, uint32_t *off);
/* The canonical JSON text of a property name (no quotes) / of a value, appended to blob. */
l4a_status l4a_jenc_name(l4a_jschema *s, const char *str, uint32_t *off, uint32_t *len);
l4a_status l4a_jenc_value(l4a_jschema *s, const struct cJSON *v, uint32_t *off, uint32_t *len);
/* After all nodes are built: resolve $ref aliases, compute classes and mindepth, check oneOf
 * and recursion. */
l4a_status l4a_jschema_finish(l4a_jschema *s);

/* FNV-1a over bytes, continuing from h (start with L4A_JHASH_INIT). */
#define L4A_JHASH_INIT 2166136261u
static inline uint32_t l4a_jhash_byte(uint32_t h, uint8_t c) { return (h ^ c) * 16777619u; }

/* Result of one byte given to a scalar. */
enum {
    L4A_JR_FAIL = 0,    /* the byte cannot continue this value */
    L4A_JR_OK,          /* consumed, the value goes on */
    L4A_JR_DONE,        /* consumed, and the value is complete */
    L4A_JR_END,         /* not consumed: the value was complete before it (numbers) */
};

/* Scalars (json_match_num.c, json_match_str.c). sc was zeroed when the value started. */
int l4a_jnum_byte(const l4a_jnode *n, l4a_jscalar *sc, uint8_t c);
bool l4a_jnum_complete(const l4a_jnode *n, const l4a_jscalar *sc);  /* may end here */
bool l4a_jnum_can_start(const l4a_jnode *n);   /* some number satisfies the node */
/* String body after the opening quote. key: the canonical spelling used for keys (no '\/',
 * \u only for control characters without a short escape, lowercase hex). DONE at the
 * closing quote. */
int l4a_jstr_byte(l4a_jscalar *sc, uint32_t min_len, uint32_t max_len, bool key, uint8_t c);
int l4a_jlit_byte(const l4a_jschema *s, const l4a_jnode *n, l4a_jscalar *sc, uint8_t c);
bool l4a_jlit_complete(const l4a_jschema *s, const l4a_jnode *n, const l4a_jscalar *sc);

#endif
