/*
 * vocab.h - the inside of l4a_vocab, shared by the tokenizer's .c files only (other modules use
 * tokenizer.h). Built once by l4a_vocab_load (vocab.c), read-only afterwards.
 *
 * Token texts are kept as stored in the GGUF (byte-level BPE vocabularies store GPT-2-mapped
 * characters, SentencePiece ones store "▁" for spaces). The BPE merge loop works on raw bytes
 * instead: by_bytes and merges hold the tokens and merge rules decoded through the GPT-2 byte
 * map, which is a bijection, so nothing is lost and no text is re-mapped while tokenizing.
 */
#ifndef L4A_TOKENIZER_VOCAB_H
#define L4A_TOKENIZER_VOCAB_H

#include "tokenizer/strmap.h"
#include "tokenizer/tokenizer.h"

typedef enum l4a_vocab_type {
    L4A_VOCAB_BPE,   /* tokenizer.ggml.model = "gpt2": byte-level BPE */
    L4A_VOCAB_SPM,   /* tokenizer.ggml.model = "llama": SentencePiece (BPE by score) */
    L4A_VOCAB_CBPE,  /* tokenizer.json BPE without ByteLevel: merges by rank over characters,
                        byte fallback <0xXX> or <unk> for characters outside the vocabulary */
} l4a_vocab_type;

/* Pre-tokenizers of byte-level BPE (pretok.c), chosen by tokenizer.ggml.pre. */
typedef enum l4a_pre_type {
    L4A_PRE_DEFAULT, /* punctuation runs, then GPT-2's regex, then digit runs, then 3 ASCII digits */
    L4A_PRE_GPT2,    /* GPT-2's regex */
    L4A_PRE_LLAMA3,  /* Llama 3's regex: contractions, letters with one leading mark, 1-3 digits */
    L4A_PRE_QWEN2,   /* Llama 3's regex with single digits */
    L4A_PRE_SMOLLM,  /* each digit alone, then GPT-2's regex (StarCoder, SmolLM) */
    L4A_PRE_FALCON,  /* HF tokenizers' Falcon sequence: punctuation runs (ASCII punctuation and
                        \p{P}), GPT-2's regex, then, on the byte-mapped text, numeric runs and
                        [0-9][0-9][0-9] (bpe.c: l4a_pretokenize_mapped_digits) */
    L4A_PRE_NONE,    /* no pre-tokenizer: each raw fragment is one word (CBPE) */
} l4a_pre_type;

/* One step of a Hugging Face normalizer or decoder chain (tokenizer.json), hf_pipeline.c. */
typedef struct l4a_hf_step l4a_hf_step;

/* Special-token trie node (first child / next sibling lists). */
typedef struct l4a_trie_node {
    int32_t child;   /* first child, -1 if none */
    int32_t sibling; /* next sibling, -1 if none */
    int32_t token;   /* token whose text ends here, -1 if none */
    uint8_t byte;    /* the byte on the edge into this node */
} l4a_trie_node;

struct l4a_vocab {
    l4a_vocab_type type;
    l4a_pre_type pre;
    int32_t n_tokens;

    char *text;            /* token texts, concatenated (copied from the GGUF) */
    uint64_t *text_off;    /* n_tokens + 1 offsets: token i is text[off[i] .. off[i+1]) */
    float *score;          /* n_tokens (SentencePiece merge priority; 0 when absent) */
    uint8_t *attr;         /* n_tokens: L4A_TOK_* bits */
    char *piece;           /* token_to_piece(special = true) of every token, concatenated */
    uint64_t *piece_off;   /* n_tokens + 1 */
    uint32_t max_token_len;

    l4a_strmap by_text;    /* token text -> id (all tokens) */
    l4a_strmap by_bytes;   /* BPE: decoded bytes -> id (tokens made only of GPT-2 map chars) */
    l4a_strmap merges;     /* BPE: (left bytes, right bytes) -> rank, the first rank of a pair */
    uint32_t max_merge_len;/* BPE: longest left + right of a merge, in bytes */
    int32_t byte_token[256]; /* SPM: the byte-fallback token of each byte (<0xXX>, else the
                                one-byte token), BPE: the token whose text is that one byte;
                                -1 if none */

    l4a_token bos, eos, eot, eom, unk, pad;
    l4a_token fim_pre, fim_suf, fim_mid, fim_pad, fim_rep, fim_sep;
    l4a_token *eog;        /* sorted ids that end generation */
    int32_t n_eog;

    bool add_bos, add_eos;
    bool add_space_prefix; /* SPM: prefix raw text with a space (and strip it when decoding) */
    bool ignore_merges;    /* BPE (Llama 3): a pre-token that is a token is not merged */
    bool clean_spaces;     /* BPE: clean_up_tokenization_spaces when decoding */

    l4a_token *special;    /* control / user-defined / unknown ids, longest text first */
    int32_t n_special;
    int32_t *special_rank; /* n_tokens: position in `special`, -1 for others */
    l4a_trie_node *trie;   /* node 0 is the root */
    int32_t n_trie;

    char *chat_template;   /* tokenizer.chat_template, NUL-terminated, or NULL */

    /* Hugging Face tokenizer.json only (tokenizer_hf.c); zero for GGUF and tokenizer.model. */
    bool hf;               /* ids follow HF tokenizers: normalizer, decoder chain below */
    bool byte_fallback;    /* CBPE: characters outside the vocabulary become <0xXX> tokens */
    bool fuse_unk;         /* CBPE: consecutive <unk> become one */
    l4a_hf_step *norm;     /* normalizer steps, applied in order to each raw fragment */
    int32_t n_norm;
    l4a_hf_step *dec;      /* decoder steps (detokenize) */
    int32_t n_dec;
    uint32_t meta_char;    /* Metaspace pre-tokenizer: replacement code point (0: none) */
    uint8_t meta_prepend;  /* 0 never, 1 first (the text's first fragment only), 2 always */
    bool meta_split;       /* split words before each replacement character */
};

static inline const char *l4a_vocab_text(const l4a_vocab *v, l4a_token t, size_t *len) {
    *len = (size_t)(v->text_off[t + 1] - v->text_off[t]);
    return v->text + v->text_off[t];
}

/* A growable array of token ids. */
typedef struct l4a_tokvec {
    l4a_token *ids;
    size_t n, cap;
} l4a_tokvec;

l4a_status l4a_tokvec_push(l4a_tokvec *tv, l4a_token t);

/* A piece of the input after special-token matching: raw text, or one special token. */
typedef struct l4a_fragment {
    size_t start, len;  /* raw text text[start .. start+len) when token < 0 */
    l4a_token token;    /* the special token, or -1 */
} l4a_fragment;

typedef struct l4a_fragvec {
    l4a_fragment *f;
    size_t n, cap;
} l4a_fragvec;

/* Split text into raw fragments and special tokens (special.c). */
l4a_status l4a_special_partition(const l4a_vocab *v, const uint8_t *text, size_t len,
                                 bool parse_special, l4a_fragvec *out);
/* Build the trie and the priority order of special tokens (special.c); called by load. */
l4a_status l4a_special_build(l4a_vocab *v);

/* A [start, end) range, in code points or bytes. */
typedef struct l4a_span {
    uint32_t start, end;
} l4a_span;

typedef struct l4a_spanvec {
    l4a_span *s;
    size_t n, cap;
} l4a_spanvec;

/* Split code points cps[0..n) (classes cls[i] = l4a_cp_class(cps[i])) into pre-tokens,
 * appended to out as code point ranges in order (pretok.c). */
l4a_status l4a_pretokenize(l4a_pre_type pre, const uint32_t *cps, const uint8_t *cls, uint32_t n,
                           l4a_spanvec *out);

/* Byte-level BPE of raw text (one fragment): decode, pre-tokenize, merge; ids appended (bpe.c). */
l4a_status l4a_bpe_tokenize(const l4a_vocab *v, const uint8_t *text, size_t len, l4a_tokvec *out);

/* Character BPE of one word (CBPE: HF tokenizers' BPE model without ByteLevel): symbols start
 * as UTF-8 characters, merge by rank, then byte fallback / <unk> (bpe.c). */
l4a_status l4a_cbpe_tokenize(const l4a_vocab *v, const uint8_t *text, size_t len, l4a_tokvec *out);

/* Falcon's last two HF pre-tokenizer stages, run on the byte-mapped text of one pre-token
 * u[a..b) (raw bytes: a byte is "numeric" when its GPT-2 character is, i.e. ASCII digits and
 * 0xB2 0xB3 0xB9 0xBC 0xBD 0xBE): numeric runs isolated, then [0-9]{3} isolated (pretok.c).
 * Byte ranges appended to out. */
l4a_status l4a_pretokenize_mapped_digits(const uint8_t *u, uint32_t a, uint32_t b, l4a_spanvec *out);

/* HF pipeline (hf_pipeline.c). Normalize one raw fragment (normalizer steps, then the Metaspace
 * pre-tokenizer's replacement and prefix; first: the fragment starts the text) into a new
 * buffer *out (l4a_free) of *out_len bytes. */
l4a_status l4a_hf_normalize(const l4a_vocab *v, const uint8_t *s, size_t len, bool first,
                            uint8_t **out, size_t *out_len);
/* Run the decoder chain on tokens (skipping control/unknown tokens unless special); the text in
 * a new buffer *out of *out_len bytes. */
l4a_status l4a_hf_decode(const l4a_vocab *v, const l4a_token *tokens, int32_t n, bool special,
                         char **out, size_t *out_len);
void l4a_hf_steps_free(l4a_hf_step *steps, int32_t n);

/* Shared with the loaders of other formats (vocab.c): allocate an empty vocabulary; finish one
 * whose token table, ids and flags are set (end-of-generation set, special-token trie, pieces);
 * decode a GPT-2-mapped string to bytes (false when a character is outside the map). */
l4a_vocab *l4a_vocab_new(void);
l4a_status l4a_vocab_finish(l4a_vocab *v);
/* The token table from n texts (copied; none empty): text, offsets, zero scores, NORMAL
 * attributes, by_text. A duplicate text is an error naming file. */
l4a_status l4a_vocab_set_tokens(l4a_vocab *v, const l4a_str *texts, int32_t n, const char *file);
bool l4a_gpt2_decode(const uint8_t *s, size_t len, uint8_t *out, size_t *out_len);
/* Set bos/eos/unknown/padding ids, add_bos/add_eos and the chat template from the GGUF keys
 * (tokenizer.ggml.*_token_id, add_*_token, tokenizer.chat_template) of g, for a vocabulary
 * being loaded from the tokenizer.json that g carries (vocab.c). */
l4a_status l4a_vocab_apply_gguf_ids(l4a_vocab *v, const l4a_gguf *g);

/* SentencePiece merge loop over text (spaces already "▁"), ids appended (spm.c). */
l4a_status l4a_spm_tokenize(const l4a_vocab *v, const uint8_t *text, size_t len, l4a_tokvec *out);

#endif
