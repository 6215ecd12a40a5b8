/*
 * file.c - whole files as read-only byte views: mmap'ed (weights stay in the page cache and
 * are shared, not copied) or read into memory when mapping is not wanted.
 *
 * Both views of a file of 2 MiB or more start on a 2 MiB boundary and are advised for
 * transparent huge pages. Decode reads every weight once per token; with 4 KiB pages a 1 GB
 * model is a quarter of a million page-table entries per token, with 2 MiB pages five hundred.
 * A mapped file gets 2 MiB pages where the kernel keeps the file's page cache in 2 MiB folios
 * (seen on Linux 6.18 with ext4: the advice makes readahead allocate them). Pages already
 * cached in small folios, as after the file was written, stay 4 KiB until they leave the cache:
 * so the writers of model files (gguf_write.c, `llm4all pull`) drop them once on disk. The
 * advice only changes speed: without it, or where the kernel refuses it, the bytes are the
 * same.
 */
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

/* A 2 MiB-aligned range of n bytes of address space: reserved with PROT_NONE, for the caller to
 * map over with MAP_FIXED. NULL when n is under HUGE_PAGE or mmap fails (the caller then lets
 * the kernel place it). */
static uint8_t *reserve_aligned(size_t n) {
    if (n < HUGE_PAGE || n > SIZE_MAX - 2 * HUGE_PAGE) return NULL;
    const size_t total = n + HUGE_PAGE;
    uint8_t *base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)base + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (p > base) munmap(base, (size_t)(p - base));
    const size_t mapped = (n + 4095) & ~(size_t)4095;
    if (p + mapped < base + total) munmap(p + mapped, (size_t)(base + total - (p + mapped)));
    return p;
}

/* n bytes of anonymous memory, 2 MiB-aligned and advised for huge pages; NULL when n is under
 * HUGE_PAGE or mmap fails. */
static uint8_t *huge_anon(size_t n) {
    uint8_t *p = reserve_aligned(n);
    if (p && mmap(p, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
                 MAP_FAILED) {
        munmap(p, n);
        return NULL;
    }
    if (p) (void)madvise(p, n, MADV_HUGEPAGE);  /* advice: refused (THP off), the memory works */
    return p;
}

/* n bytes of memory for a file read whole: huge_anon (*anon true), aligned heap below it. */
static uint8_t *read_buffer(size_t n, bool *anon) {
    uint8_t *p = huge_anon(n);
    *anon = p != NULL;
    return p ? p : l4a_malloc_aligned(n);
}

static void free_buffer(const l4a_mapped_file *f) {
    if (f->mapped || f->anon) munmap((void *)f->data, (size_t)f->size);
    else l4a_free_aligned((void *)f->data);
}

l4a_status l4a_file_map(const char *path, bool use_mmap, l4a_mapped_file *out) {
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return l4a_fail(L4A_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return l4a_fail(L4A_ERR_IO, "cannot stat '%s': %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return l4a_fail(L4A_ERR_IO, "'%s' is not a regular file", path);
    }
    out->size = (uint64_t)st.st_size;
    if (out->size == 0) {
        close(fd);
        return L4A_OK;
    }
    if (out->size > SIZE_MAX) {
        close(fd);
        return l4a_fail(L4A_ERR_NOMEM, "'%s' is larger than the address space", path);
    }
    if (use_mmap) {
        uint8_t *at = reserve_aligned((size_t)out->size);
        void *p = mmap(at, (size_t)out->size, PROT_READ, MAP_PRIVATE | (at ? MAP_FIXED : 0), fd,
                       0);
        int e = errno;
        close(fd);
        if (p == MAP_FAILED) {
            if (at) munmap(at, (size_t)out->size);
            return l4a_fail(L4A_ERR_IO, "cannot map '%s': %s", path, strerror(e));
        }
        if (at) (void)madvise(p, (size_t)out->size, MADV_HUGEPAGE);    /* advice, as above */
        out->data = p;
        out->mapped = true;
        return L4A_OK;
    }
    uint8_t *buf = read_buffer((size_t)out->size, &out->anon);
    if (!buf) {
        close(fd);
        return l4a_fail(L4A_ERR_NOMEM, "cannot allocate %llu bytes to read '%s'",
                        (unsigned long long)out->size, path);
    }
    uint64_t got = 0;
    while (got < out->size) {
        ssize_t r = read(fd, buf + got, out->size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            close(fd);
            out->data = buf;
            free_buffer(out);
            memset(out, 0, sizeof *out);
            return l4a_fail(L4A_ERR_IO, "cannot read '%s': %s", path, strerror(e));
        }
        got += (uint64_t)r;
    }
    close(fd);
    out->data = buf;
    return L4A_OK;
}

void l4a_file_unmap(l4a_mapped_file *f) {
    if (!f || !f->data) return;
    free_buffer(f);
    memset(f, 0, sizeof *f);
}

/* madvise(advice) on the align-sized pages wholly inside bytes p..p+n of a mapped file: nothing
 * for a file read into memory or a range outside f. Advice only: a refusal changes nothing. */
static void advise_inside(const l4a_mapped_file *f, const void *p, uint64_t n, uintptr_t align,
                          int advice) {
    if (!f || !f->mapped || !f->data) return;
    uintptr_t lo = (uintptr_t)p, hi = lo + (uintptr_t)n;
    const uintptr_t begin = (uintptr_t)f->data, end = begin + (uintptr_t)f->size;
    if (lo < begin || hi > end || hi < lo) return;
    lo = (lo + align - 1) & ~(align - 1);
    hi &= ~(align - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, advice);
}

void l4a_file_advise_sparse(const l4a_mapped_file *f, const void *p, uint64_t n) {
    advise_inside(f, p, n, HUGE_PAGE, MADV_NOHUGEPAGE);
}

void l4a_file_drop_pages(const l4a_mapped_file *f, const void *p, uint64_t n) {
    advise_inside(f, p, n, (uintptr_t)sysconf(_SC_PAGESIZE), MADV_DONTNEED);
}

void *l4a_pages_alloc(size_t n) {
    if (n == 0) return NULL;
    uint8_t *p = huge_anon(n);
    if (p) return p;
    void *q = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return q == MAP_FAILED ? NULL : q;
}

void l4a_pages_free(void *p, size_t n) {
    if (p) munmap(p, n);
}
