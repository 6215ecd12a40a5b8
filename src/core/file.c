/*
 * file.c - whole files as read-only byte views: mmap'ed (weights stay in the page cache and
 * are shared, not copied) or read into memory when mapping is not wanted.
 */
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
    uint8_t *buf = l4a_malloc_aligned(out->size);
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
            l4a_free_aligned(buf);
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
    else l4a_free_aligned((void *)f->data);
    f->data = NULL;
    f->size = 0;
}
