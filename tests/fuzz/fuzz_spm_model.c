/*
 * fuzz_spm_model.c - libFuzzer target for the SentencePiece tokenizer.model reader
 * (src/tokenizer/spm_model.c: a hand-written protobuf reader).
 *
 * Any bytes: loading fails cleanly or gives a vocabulary, which must then tokenize and
 * detokenize a few fixed texts. Seed it with the real model (a good start: every field is
 * there), e.g.
 *     mkdir -p /tmp/seed && cp ../shared/data/tokenizers/mistral-7b-v0.1/tokenizer.model /tmp/seed/
 *     build-fuzz/fuzz_spm_model -max_total_time=60 -max_len=600000 /tmp/seed
 */
#include "tokenizer/tokenizer_hf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_texts[] = {
    "Le cahier de l'administrateur (édition 2024) : « bonjour » — c’est 12 345 €.",
    "  <s>deux</s> espaces\n\t\xe2\x96\x81",
    "\xff\xfe bad \xc3 bytes",
};

static void die(const char *what) {
    fprintf(stderr, "fuzz_spm_model: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    l4a_vocab *v = NULL;
    if (l4a_vocab_load_spm_model(data, size, NULL, 0, "fuzz/tokenizer.model", &v) != L4A_OK) {
        if (v) die("a failed load returned a vocabulary");
        return 0;
    }
    for (size_t t = 0; t < sizeof k_texts / sizeof k_texts[0]; t++) {
        for (int ps = 0; ps < 2; ps++) {
            size_t tl = strlen(k_texts[t]);
            int32_t need = l4a_vocab_tokenize(v, k_texts[t], tl, NULL, 0, true, ps);
            if (need == INT32_MIN) die("tokenize failed");
            int32_t n = need < 0 ? -need : need;
            l4a_token *ids = malloc(((size_t)n + 1) * sizeof *ids);
            if (l4a_vocab_tokenize(v, k_texts[t], tl, ids, n, true, ps) != n) die("tokenize is not stable");
            int32_t m = l4a_vocab_detokenize(v, ids, n, NULL, 0, ps);
            if (m == INT32_MIN) die("detokenize failed");
            size_t cap = (size_t)(m < 0 ? -m : m);
            char *out = malloc(cap + 1);
            if (l4a_vocab_detokenize(v, ids, n, out, cap, ps) < 0) die("detokenize with the size it asked for failed");
            free(out);
            free(ids);
        }
    }
    l4a_vocab_free(v);
    return 0;
}
