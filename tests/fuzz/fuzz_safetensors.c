/*
 * fuzz_safetensors.c - libFuzzer target for the .safetensors header parser
 * (src/formats/safetensors.c). Any input must give L4A_OK or an error with a message, never a
 * crash, an overread (ASan) or undefined behaviour (UBSan); a parsed file must expose only
 * views inside the input, which this target reads end to end.
 *
 *   make fuzz && build-fuzz/fuzz_safetensors -max_total_time=60 /tmp/st_corpus tests/data/hf_tiny/
 */
#include "formats/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    l4a_safetensors *s = NULL;
    if (l4a_st_parse(data, size, &s) != L4A_OK) {
        if (s != NULL || l4a_last_error()[0] == 0) __builtin_trap();   /* errors leave a message */
        return 0;
    }
    volatile unsigned sink = 0;
    for (uint64_t i = 0; i < s->n_tensors; i++) {
        const l4a_st_tensor *t = &s->tensors[i];
        const uint8_t *p = t->data;
        if (p < data || p + t->n_bytes > data + size) __builtin_trap();
        if (t->n_bytes) sink += p[0] + p[t->n_bytes - 1];
        if (l4a_st_find(s, t->name) != t) __builtin_trap();       /* names are unique */
    }
    (void)sink;
    l4a_st_free(s);
    return 0;
}
