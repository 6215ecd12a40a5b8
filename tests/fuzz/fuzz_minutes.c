/* fuzz_minutes.c - libFuzzer target for the minutes JSON code (src/meeting/minutes_*.c,
 * markdown.c): any bytes go through l4a_minutes_repair (closing a cut document, then
 * normalising it), whose result must always pass the schema check and render as Markdown;
 * the same bytes go through l4a_minutes_validate and, when valid, l4a_minutes_to_markdown,
 * which must then succeed. Run: make fuzz && build-fuzz/fuzz_minutes -max_total_time=60
 * CORPUS (e.g. tests/data/minutes/). */
#include "meeting/summary.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16) return 0;                       /* repair is quadratic in the cut */
    const char *s = (const char *)data;
    for (int partial = 0; partial < 2; partial++) {
        cJSON *d = l4a_minutes_repair(s, size, partial, "fr");
        if (d) {
            if (l4a_minutes_check(d, partial) != L4A_OK) abort();
            char *md = NULL;
            if (!partial && l4a_minutes_markdown(d, "fr", &md) != L4A_OK) abort();
            l4a_free(md);
            cJSON_Delete(d);
        }
        if (l4a_minutes_validate(s, size, partial) == L4A_OK && !partial) {
            char *md = NULL;
            if (l4a_minutes_to_markdown(s, size, "en", &md) != L4A_OK || !md) abort();
            l4a_free(md);
        }
    }
    return 0;
}
