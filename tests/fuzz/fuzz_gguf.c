/*
 * fuzz_gguf.c - libFuzzer target for the GGUF reader (src/formats/gguf.c). Any input must give
 * L4A_OK or an error, never a crash, an overread (ASan) or undefined behaviour (UBSan); a
 * parsed file must expose only views inside the input, which this target reads end to end.
 *
 *   make fuzz && build-fuzz/fuzz_gguf -max_total_time=60 /tmp/gguf_corpus tests/data/bad_gguf/
 *
 * libFuzzer writes the inputs it finds into the FIRST corpus folder: give it a scratch folder
 * first, as above, so that the hostile files of tests/data/bad_gguf/ stay as generated.
 */
#include "formats/gguf.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    l4a_gguf *g = NULL;
    if (l4a_gguf_parse(data, size, &g) != L4A_OK) {
        if (g != NULL || l4a_last_error()[0] == 0) __builtin_trap();  /* errors leave a message */
        return 0;
    }
    // Read every view the parse handed out: keys, values, string elements, tensor bytes.
    volatile unsigned sink = 0;
    char buf[256];
    for (uint64_t i = 0; i < g->n_kv; i++) {
        const l4a_gguf_kv *kv = &g->kv[i];
        sink += (unsigned)l4a_gguf_value_str(kv, buf, sizeof buf);
        sink += (unsigned char)kv->key.ptr[kv->key.len - 1];
        if (kv->strs) {
            for (uint64_t j = 0; j < kv->n; j++)
                if (kv->strs[j].len) sink += (unsigned char)kv->strs[j].ptr[kv->strs[j].len - 1];
        }
        char key[64];
        size_t n = kv->key.len < sizeof key - 1 ? (size_t)kv->key.len : sizeof key - 1;
        memcpy(key, kv->key.ptr, n);
        key[n] = 0;
        uint32_t u;
        float f;
        l4a_str s;
        l4a_gguf_get_u32(g, key, false, &u);
        l4a_gguf_get_f32(g, key, false, &f);
        l4a_gguf_get_str(g, key, false, &s);
    }
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const l4a_tensor *t = &g->tensors[i];
        const uint8_t *p = t->data;
        sink += p[0] + p[t->n_bytes - 1];
        if (l4a_gguf_tensor(g, t->name) == NULL) __builtin_trap();
    }
    (void)sink;
    l4a_gguf_free(g);
    return 0;
}
