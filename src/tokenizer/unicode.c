/*
 * unicode.c - see unicode.h. UTF-8 per RFC 3629 (with the lenient decoding documented in the
 * header), categories from libutf8proc, White_Space from the Unicode Character Database.
 */
#include "tokenizer/unicode.h"

#include <utf8proc.h>

static bool is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

uint32_t l4a_utf8_decode(const uint8_t *s, size_t n, size_t *used) {
    uint8_t b = s[0];
    *used = 1;
    if (b < 0x80) return b;
    size_t len;
    uint32_t cp;
    if ((b & 0xE0) == 0xC0) { len = 2; cp = b & 0x1F; }
    else if ((b & 0xF0) == 0xE0) { len = 3; cp = b & 0x0F; }
    else if ((b & 0xF8) == 0xF0) { len = 4; cp = b & 0x07; }
    else return L4A_CP_REPLACEMENT;          /* continuation byte or 0xF8..0xFF as a lead */
    if (n < len) return L4A_CP_REPLACEMENT;  /* truncated at the end of the text */
    for (size_t i = 1; i < len; i++) {
        if (!is_cont(s[i])) return L4A_CP_REPLACEMENT;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp > 0x10FFFF) return L4A_CP_REPLACEMENT;
    *used = len;
    return cp;
}

size_t l4a_utf8_encode(uint32_t cp, uint8_t out[4]) {
    if (cp < 0x80) { out[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

size_t l4a_utf8_seq_len(uint8_t first) {
    static const uint8_t len_by_nibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return len_by_nibble[first >> 4];
}

bool l4a_utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t used;
        uint32_t cp = l4a_utf8_decode(s + i, n - i, &used);
        if (cp == L4A_CP_REPLACEMENT) {
            /* a real U+FFFD in the text is EF BF BD; anything else that decoded to it is bad */
            if (!(used == 3 && s[i] == 0xEF)) return false;
        } else {
            size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (used != need || (cp >= 0xD800 && cp <= 0xDFFF)) return false; /* overlong, surrogate */
        }
        i += used;
    }
    return true;
}

/* White_Space=yes in PropList.txt. */
static bool is_white_space(uint32_t cp) {
    if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
    switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

unsigned l4a_cp_class(uint32_t cp) {
    if (cp < 0x80) {  /* fast path for ASCII */
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return L4A_CP_LETTER;
        if (cp >= '0' && cp <= '9') return L4A_CP_NUMBER;
        if (is_white_space(cp)) return L4A_CP_SPACE;
        if (cp <= 0x20 || cp == 0x7F) return 0;
        int cat = utf8proc_category((utf8proc_int32_t)cp);
        return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO ? L4A_CP_PUNCT : 0;
    }
    if (is_white_space(cp)) return L4A_CP_SPACE;
    if (cp > 0x10FFFF) return 0;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        return L4A_CP_LETTER;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return L4A_CP_NUMBER;
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return L4A_CP_PUNCT;
    default:
        return 0;
    }
}

static bool gpt2_printable(unsigned b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

/* The 68 other bytes, in order: 0x00..0x20 (k = 0..32), 0x7F..0xA0 (k = 33..66), 0xAD (k = 67). */
uint32_t l4a_gpt2_byte_char(uint8_t b) {
    if (gpt2_printable(b)) return b;
    if (b <= 0x20) return 0x100u + b;
    if (b >= 0x7F && b <= 0xA0) return 0x100u + 33 + (b - 0x7Fu);
    return 0x100u + 67;  /* 0xAD, the soft hyphen */
}

int l4a_gpt2_char_byte(uint32_t cp) {
    if (cp < 0x100) return gpt2_printable(cp) ? (int)cp : -1;
    uint32_t k = cp - 0x100;
    if (k <= 32) return (int)k;
    if (k <= 66) return (int)(0x7F + k - 33);
    if (k == 67) return 0xAD;
    return -1;
}
