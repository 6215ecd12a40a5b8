/*
 * unicode.h - the few Unicode facts the tokenizers need: UTF-8 decoding and encoding, the
 * character classes of the pre-tokenizer regexes (\p{L}, \p{N}, \p{P}, \s) and GPT-2's
 * byte <-> character map.
 *
 * Not a Unicode library: categories come from libutf8proc (utf8proc_category), White_Space is
 * the list of the Unicode Character Database (PropList.txt), and the decoder is deliberately
 * the lenient one llama.cpp uses, so that token ids match llama.cpp's on invalid input too.
 */
#ifndef L4A_TOKENIZER_UNICODE_H
#define L4A_TOKENIZER_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define L4A_CP_REPLACEMENT 0xFFFDu

/* Decode one code point from s[0..n) (n >= 1) and set *used to the bytes consumed.
 * Lenient, as llama.cpp decodes: the lead byte gives the length (2, 3 or 4) and the
 * continuation bytes must be 10xxxxxx, but overlong forms and surrogates are accepted as the
 * value they spell. Anything else (a stray continuation byte, 0xF8..0xFF, a truncated
 * sequence, a value above U+10FFFF) is U+FFFD and consumes one byte. */
uint32_t l4a_utf8_decode(const uint8_t *s, size_t n, size_t *used);

/* Encode cp (<= U+10FFFF; surrogates are encoded as their three bytes) into out, return the
 * length 1..4. */
size_t l4a_utf8_encode(uint32_t cp, uint8_t out[4]);

/* Length of a UTF-8 sequence from its first byte alone, by the high four bits
 * (0xxx: 1, 10xx: 1, 110x: 2, 1110: 3, 1111: 4), as SentencePiece splits text into symbols. */
size_t l4a_utf8_seq_len(uint8_t first);

/* True when s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF). */
bool l4a_utf8_valid(const uint8_t *s, size_t n);

/* Character classes used by the pre-tokenizers (a code point may be in none). */
enum {
    L4A_CP_LETTER = 1,  /* \p{L}: Lu Ll Lt Lm Lo */
    L4A_CP_NUMBER = 2,  /* \p{N}: Nd Nl No */
    L4A_CP_SPACE = 4,   /* \s: the White_Space property */
    L4A_CP_PUNCT = 8,   /* \p{P}: Pc Pd Ps Pe Pi Pf Po */
};
unsigned l4a_cp_class(uint32_t cp);

/* GPT-2's reversible map from the 256 byte values to printable characters: bytes that are
 * printable Latin-1 ('!'..'~', 0xA1..0xAC, 0xAE..0xFF) map to themselves, the others to
 * U+0100 + k in byte order. l4a_gpt2_char_byte is the inverse (-1 for other characters). */
uint32_t l4a_gpt2_byte_char(uint8_t b);
int l4a_gpt2_char_byte(uint32_t cp);

#endif
