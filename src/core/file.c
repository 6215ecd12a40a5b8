/*
 * file.c - whole files as read-only byte views: mmap'ed (weights stay in the page cache and
 * are shared, not copied) or read into memory when mapping is not wanted.
 *
 * Read into memory, a large file goes to anonymous memory aligned to 2 MiB with
 * MADV_HUGEPAGE: decode reads every weight once per token, and with 4 KiB pages a 1 GB model
 * walks a quarter of a million page-table entries per token. Mapped files cannot have that
 * here: ext4 page-cache pages are mapped 4 KiB at a time unless the kernel has
 * CONFIG_READ_ONLY_THP_FOR_FS (MADV_COLLAPSE answers EINVAL on this machine's kernel).
 * Whether the kernel grants huge pages depends on /sys/kernel/mm/transparent_hugepage; without
 * them this is a plain allocation.
 */
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HUGE_PAGE ((uint64_t)2 << 20)

/* n bytes of anonymous memory aligned to HUGE_PAGE and advised for huge pages, *len its
 * mapped length; NULL with *len 0 for a file under HUGE_PAGE or when mmap fails (the caller
 * then uses the heap). */
static uint8_t *huge_alloc(uint64_t n, uint64_t *len) {
    *len = 0;
    if (n < HUGE_PAGE || n > SIZE_MAX - 2 * HUGE_PAGE) return NULL;
    const size_t want = (size_t)((n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
    const size_t total = want + (size_t)HUGE_PAGE;
    uint8_t *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)base + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (p > base) munmap(base, (size_t)(p - base));
    if (p + want < base + total) munmap(p + want, (size_t)(base + total - (p + want)));
    (void)madvise(p, want, MADV_HUGEPAGE);  /* advice: refused (THP off), the memory still works */
    *len = want;
    return p;
}

static void free_buf(void *p, uint64_t anon_size) {
    if (anon_size) munmap(p, (size_t)anon_size);
    else l4a_free_aligned(p);
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
    if (use_mmap) {
        void *p = mmap(NULL, out->size, PROT_READ, MAP_PRIVATE, fd, 0);
        int e = errno;
        close(fd);
        if (p == MAP_FAILED) return l4a_fail(L4A_ERR_IO, "cannot map '%s': %s", path, strerror(e));
        out->data = p;
        out->mapped = true;
        return L4A_OK;
    }
    uint8_t *buf = huge_alloc(out->size, &out->anon_size);
    if (!buf && out->anon_size == 0) buf = l4a_malloc_aligned(out->size);
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
            free_buf(buf, out->anon_size);
            out->anon_size = 0;
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
    if (f->mapped) munmap((void *)f->data, f->size);
    else free_buf((void *)f->data, f->anon_size);
    f->anon_size = 0;
    f->data = NULL;
    f->size = 0;
}
