/*
 * repack.c - at load time, the matrices decode reads put in the x4 layout (quant/x4.h) where
 * this CPU has a kernel for it: four rows interleaved, read as one sequential stream and
 * unpacked four rows at once (Q4_K and Q6_K on AVX2; in cache 1.47x and 1.2x the file
 * layout's speed per core, from memory 1.33x and 1.06x; Q4_0: a Llama-2-7B-shaped file decoded
 * 1.1x to 1.3x faster at -t 1 on the Zen 4 VM).
 *
 * The layout has the file's size, so memory does not grow:
 *  - a mapped file: every tensor decode reads whole, repacked or not, is copied (the x4 ones
 *    group by group) into anonymous memory advised for huge pages, and the mapped pages they
 *    came from are dropped from the resident set (they stay readable: the kernel reads them
 *    back from the file if touched). The page cache gives a mapping 2 MiB pages only where it
 *    holds the file in 2 MiB folios (core/file.c), which a file written or read by another
 *    program may not be; the copy makes them certain where the kernel has transparent huge
 *    pages: a Llama-2-7B-shaped Q4_0 file, not repacked, decoded 1.1x faster so (7.8 against
 *    7.0 tok/s at -t 2, medians of 4 alternating runs on the Zen 4 VM, its folios 2 MiB);
 *  - a file read into memory (--no-mmap): repacked in place;
 *  - a model built in memory (a Hugging Face folder): copied, the source kept.
 * An untied token embedding table is left mapped as it is (its rows are looked up one by
 * one); tied to the output matrix, it is repacked like the others. Prompts and the float path
 * read these matrices through kernels/matmul.c's file_rows, which unpacks a tile at a time.
 */
#include "models/model_impl.h"
#include "kernels/vecdot.h"
#include "quant/x4.h"

#include <string.h>

/* Whether t is one of the matrices the matmul reads (a fused q, k, v only when its row views
 * start on groups of 4 rows); the embedding table only when tied to the output (forward.c
 * then unpacks a token's group of 4 rows). */
static bool is_matrix(const l4a_model *m, const l4a_tensor *t) {
    if (t == m->output) return true;
    for (int il = 0; il < m->hp.n_layer; il++) {
        const l4a_layer *L = &m->layers[il];
        if (t == L->wqkv)
            return L->qkv_view[0].ne[1] % 4 == 0 && L->qkv_view[1].ne[1] % 4 == 0;
        if (t == L->wq || t == L->wk || t == L->wv || t == L->wo || t == L->ffn_gate ||
            t == L->ffn_up || t == L->ffn_down)
            return true;
    }
    return false;
}

static bool eligible(const l4a_model *m, const l4a_tensor *t) {
    if (!is_matrix(m, t) || t->n_dims != 2 || t->ne[1] % 4 != 0 ||
        t->layout != L4A_LAYOUT_ROWS || !l4a_x4_has_layout(t->type))
        return false;
    uint64_t rb = 0;
    if (!l4a_row_size(t->type, t->ne[0], &rb) || rb != t->nb[1] || rb * (uint64_t)t->ne[1] !=
                                                                     t->n_bytes)
        return false;
    const l4a_vecdot *v = l4a_vecdot_get(t->type);
    return v && v->dot_x4 && t->ne[0] % v->block == 0;
}

/* Bytes copied between two drops of the mapped source pages: the peak resident memory of a load
 * stays near the model's size (one tensor's copy and source at once was 170 MB more for
 * gemma3-270m's embedding table). */
#define DROP_STEP ((size_t)8 << 20)

/* t's bytes to dst: packed four rows at a time (x4), in place through tmp when dst is t's own
 * data, or copied as they are; the mapped pages read are dropped as it goes (file NULL: kept). */
static void move_tensor(const l4a_tensor *t, bool x4, uint8_t *dst, uint8_t *tmp,
                        const l4a_mapped_file *file) {
    const size_t n = (size_t)t->n_bytes, step = x4 ? 4 * (size_t)t->nb[1] : DROP_STEP;
    const uint8_t *src = t->data;
    size_t dropped = 0;
    for (size_t at = 0; at < n; at += step) {
        const size_t len = n - at < step ? n - at : step;
        if (!x4) {
            memcpy(dst + at, src + at, len);
        } else if (tmp) {
            memcpy(tmp, src + at, len);
            l4a_x4_pack(t->type, t->ne[0], tmp, (size_t)t->nb[1], dst + at);
        } else {
            l4a_x4_pack(t->type, t->ne[0], src + at, (size_t)t->nb[1], dst + at);
        }
        if (file && (at + len - dropped >= DROP_STEP || at + len == n)) {
            l4a_file_drop_pages(file, src + dropped, at + len - dropped);
            dropped = at + len;
        }
    }
}

static size_t padded(uint64_t n) { return ((size_t)n + 63) & ~(size_t)63; }

l4a_status l4a_model_repack(l4a_model *m) {
    l4a_gguf *g = m->gguf;
    /* x4: the tensors to repack; moved: those that go to anonymous memory (a mapped file:
     * every tensor read whole per token, so that no dropped page shares a 2 MiB page with
     * one still read; the untied embedding table, read a row at a time, stays mapped) */
    bool *x4 = l4a_calloc(g->n_tensors ? g->n_tensors : 1, 2 * sizeof(bool));
    if (!x4) return l4a_fail(L4A_ERR_NOMEM, "model: out of memory");
    bool *moved = x4 + g->n_tensors;
    size_t total = 0, group = 0;
    int64_t n_x4 = 0;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const l4a_tensor *t = &g->tensors[i];
        x4[i] = eligible(m, t);
        n_x4 += x4[i];
        if (x4[i] && 4 * (size_t)t->nb[1] > group) group = 4 * (size_t)t->nb[1];
    }
    const bool in_place = g->owns_file && !g->file.mapped;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const l4a_tensor *t = &g->tensors[i];
        const bool untied_embd = t == m->tok_embd && m->output != m->tok_embd;
        moved[i] = !in_place && (x4[i] || (g->file.mapped && !untied_embd));
        if (moved[i]) total += padded(t->n_bytes);
    }
    l4a_status st = L4A_OK;
    uint8_t *region = NULL, *tmp = NULL;
    if (n_x4 == 0 && total == 0) goto done;
    if (in_place) tmp = l4a_malloc(group);
    else region = l4a_pages_alloc(total);
    if (!region && !in_place && n_x4 == 0) {    /* nothing to repack: the mapping serves */
        L4A_LOG_D("model: no memory to move %zu bytes of weights to anonymous pages", total);
        goto done;
    }
    if (in_place ? !tmp : !region) {
        st = l4a_fail(L4A_ERR_NOMEM, "model: cannot allocate %zu bytes to repack the weights "
                      "(--no-repack loads without)", in_place ? group : total);
        goto done;
    }
    size_t off = 0;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        l4a_tensor *t = &g->tensors[i];
        if (!x4[i] && !moved[i]) continue;
        uint8_t *dst = moved[i] ? region + off : (uint8_t *)t->data;
        move_tensor(t, x4[i], dst, moved[i] ? NULL : tmp, moved[i] ? &g->file : NULL);
        if (moved[i]) {
            t->data = dst;
            off += padded(t->n_bytes);
        }
        if (x4[i]) t->layout = L4A_LAYOUT_X4;
    }
    for (int il = 0; il < m->hp.n_layer; il++) {    /* fused q, k, v: row views follow */
        l4a_layer *L = &m->layers[il];
        if (!L->wqkv) continue;
        int64_t r0 = 0;
        for (int k = 0; k < 3; k++) {
            L->qkv_view[k].data = (const uint8_t *)L->wqkv->data + (uint64_t)r0 * L->wqkv->nb[1];
            L->qkv_view[k].layout = L->wqkv->layout;
            r0 += L->qkv_view[k].ne[1];
        }
    }
    m->repacked = region;
    m->repacked_bytes = region ? total : 0;
    L4A_LOG_D("model: %lld matrices repacked for decode%s, %zu bytes moved to anonymous pages",
              (long long)n_x4, in_place ? " in place" : "", total);
done:
    l4a_free(tmp);
    l4a_free(x4);
    return st;
}
