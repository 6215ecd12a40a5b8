/*
 * fuzz_tokenizer.c - libFuzzer target for the tokenizer: any bytes are tokenized with
 * parse_special off and on, the ids detokenized, and valid UTF-8 must come back exactly (when
 * the vocabulary has a token for each of its bytes: l4a_vocab_has_byte).
 * Also exercises the short-buffer paths and token_to_piece on every id produced.
 *
 * The vocabulary is loaded once: $L4A_FUZZ_MODEL, default
 * $LLM4ALL_HOME/models/smollm2-135m.gguf (default ~/.cache/llm4all) (byte-level BPE; point it at gemma3-270m.gguf
 * for SentencePiece). Build with `make fuzz`, run e.g.
 *     build-fuzz/fuzz_tokenizer -max_total_time=60 -max_len=4096
 */
#include "formats/gguf.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static l4a_vocab *g_vocab;

static void die(const char *what) {
    fprintf(stderr, "fuzz_tokenizer: %s (%s)\n", what, l4a_last_error());
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    static char buf[4096];
    const char *path = getenv("L4A_FUZZ_MODEL");
    if (!path || !*path) {   /* the cache that `llm4all pull` fills */
        const char *home = getenv("LLM4ALL_HOME");
        if (home && *home) snprintf(buf, sizeof buf, "%s/models/smollm2-135m.gguf", home);
        else snprintf(buf, sizeof buf, "%s/.cache/llm4all/models/smollm2-135m.gguf",
                      getenv("HOME") ? getenv("HOME") : ".");
        path = buf;
    }
    l4a_gguf *g = NULL;
    if (l4a_gguf_open(path, true, &g) != L4A_OK) die("cannot open the model");
    if (l4a_vocab_load(g, &g_vocab) != L4A_OK) die("cannot load the vocabulary");
    l4a_gguf_free(g);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const l4a_vocab *v = g_vocab;
    /* the round trip holds for valid UTF-8 whose every byte some token can spell */
    bool valid = l4a_utf8_valid(data, size);
    for (size_t i = 0; i < size && valid; i++) valid = l4a_vocab_has_byte(v, data[i]);
    for (int ps = 0; ps < 2; ps++) {
        int32_t need = l4a_vocab_tokenize(v, (const char *)data, size, NULL, 0, !ps, ps);
        if (need == INT32_MIN) die("tokenize failed");
        int32_t n = need < 0 ? -need : need;
        l4a_token *ids = malloc(((size_t)n + 1) * sizeof *ids);
        if (l4a_vocab_tokenize(v, (const char *)data, size, ids, n, !ps, ps) != n) die("tokenize is not stable");
        for (int32_t i = 0; i < n; i++) {
            char piece[8];
            int32_t m = l4a_vocab_token_to_piece(v, ids[i], piece, sizeof piece, ps);
            if (m == INT32_MIN) die("token_to_piece of a produced id failed");
        }
        int32_t len = l4a_vocab_detokenize(v, ids, n, NULL, 0, ps);
        if (len == INT32_MIN) die("detokenize failed");
        size_t cap = (size_t)(len < 0 ? -len : len);
        char *out = malloc(cap + 1);
        int32_t got = l4a_vocab_detokenize(v, ids, n, out, cap, ps);
        if (got < 0) die("detokenize with the size it asked for failed");
        if (valid && !((size_t)got == size && memcmp(out, data, size) == 0)) {
            fprintf(stderr, "round trip (parse_special %d): %zu bytes in, %d out: '%.*s'\n", ps, size, got, got, out);
            abort();
        }
        free(out);
        free(ids);
    }
    return 0;
}
