/*
 * fuzz_tokenizer_json.c - libFuzzer target for the Hugging Face tokenizer.json and
 * tokenizer_config.json parsers (src/tokenizer/tokenizer_hf.c, hf_pipeline.c).
 *
 * The input is a tokenizer.json text, optionally followed by a NUL byte and a
 * tokenizer_config.json text. Whatever it is, loading must fail cleanly or give a vocabulary;
 * a vocabulary must then tokenize a few fixed texts (French, brackets and quotes, spaces,
 * special-looking tokens, invalid UTF-8) with parse_special off and on, and detokenize the ids
 * with the size it asked for.
 * Build with `make fuzz`; seed it with small tokenizer.json files, e.g.
 *     mkdir -p /tmp/seed && cp -r tests/fuzz/seeds/tokenizer_json/. /tmp/seed/
 *     build-fuzz/fuzz_tokenizer_json -max_total_time=60 -max_len=4096 /tmp/seed
 */
#include "tokenizer/tokenizer_hf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_texts[] = {
    "Le cahier de l'administrateur (édition 2024) : « bonjour » — c’est 12 345 €.",
    "  deux espaces\n\t(a [b {c /d <e 'f \"g",
    "<s></s><unk><|eot_id|>>>TITLE<<ab ba",
    "\xff\xfe bad \xc3 bytes \xe2\x96\x81",
    "",
};

static void die(const char *what) {
    fprintf(stderr, "fuzz_tokenizer_json: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *json = (const char *)data, *cfg = NULL;
    size_t len = size, cfg_len = 0;
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        len = (size_t)(nul - data);
        cfg = (const char *)nul + 1;
        cfg_len = size - len - 1;
    }
    l4a_vocab *v = NULL;
    if (l4a_vocab_load_hf_json(json, len, cfg, cfg_len, "fuzz/tokenizer.json", &v) != L4A_OK) {
        if (v) die("a failed load returned a vocabulary");
        return 0;
    }
    for (size_t t = 0; t < sizeof k_texts / sizeof k_texts[0]; t++) {
        for (int ps = 0; ps < 2; ps++) {
            size_t tl = strlen(k_texts[t]);
            int32_t need = l4a_vocab_tokenize(v, k_texts[t], tl, NULL, 0, true, ps);
            if (need == INT32_MIN) continue;  /* e.g. no unknown token for an unknown character */
            int32_t n = need < 0 ? -need : need;
            l4a_token *ids = malloc(((size_t)n + 1) * sizeof *ids);
            if (l4a_vocab_tokenize(v, k_texts[t], tl, ids, n, true, ps) != n) die("tokenize is not stable");
            int32_t m = l4a_vocab_detokenize(v, ids, n, NULL, 0, ps);
            if (m == INT32_MIN) die("detokenize failed");
            size_t cap = (size_t)(m < 0 ? -m : m);
            char *out = malloc(cap + 1);
            if (l4a_vocab_detokenize(v, ids, n, out, cap, ps) < 0) die("detokenize with the size it asked for failed");
            for (int32_t i = 0; i < n; i++) {
                char piece[16];
                if (l4a_vocab_token_to_piece(v, ids[i], piece, sizeof piece, ps) == INT32_MIN)
                    die("token_to_piece of a produced id failed");
            }
            free(out);
            free(ids);
        }
    }
    l4a_vocab_free(v);
    return 0;
}
