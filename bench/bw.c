/*
 * bw.c - the machine's memory read bandwidth, the bound on decode speed: every generated token
 * reads every weight once, so tokens/s <= bandwidth / weight bytes.
 *
 * Sums a 1 GiB buffer with T threads, R times, and prints the median GB/s. The buffer has 4 KiB
 * pages (the reference: weights mapped from a page cache of small folios get those), or
 * with the argument 2m, 2 MiB ones where the kernel grants them (as llm4all's weights get, see
 * src/core/file.c), the output then says how many MiB it granted.
 * Usage: bw [threads] [reps] [MiB] [4k|2m]. Output: "read_gb_s <median> <min> <max> (...)".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

typedef struct { const uint64_t *p; size_t n; uint64_t sum; } part;

static void *sum_part(void *raw) {
    part *a = raw;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (size_t i = 0; i + 8 <= a->n; i += 8) {
        s0 += a->p[i]; s1 += a->p[i + 1]; s2 += a->p[i + 2]; s3 += a->p[i + 3];
        s4 += a->p[i + 4]; s5 += a->p[i + 5]; s6 += a->p[i + 6]; s7 += a->p[i + 7];
    }
    a->sum = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int nt = argc > 1 ? atoi(argv[1]) : 2, reps = argc > 2 ? atoi(argv[2]) : 9;
    size_t mib = argc > 3 ? (size_t)atol(argv[3]) : 1024;
    const char *pages = argc > 4 ? argv[4] : "4k";
    const int huge = strcmp(pages, "2m") == 0;
    if (nt < 1 || nt > 256 || reps < 1 || reps > 1000 || mib < 1 ||
        (!huge && strcmp(pages, "4k") != 0)) {
        fprintf(stderr, "usage: bw [threads] [reps] [MiB] [4k|2m]\n");
        return 2;
    }
    size_t bytes = mib << 20, n = bytes / 8, align = (size_t)2 << 20;
    uint8_t *raw = mmap(NULL, bytes + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    if (raw == MAP_FAILED) { perror("mmap"); return 1; }
    uint64_t *buf = (uint64_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    madvise(buf, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    for (size_t i = 0; i < n; i++) buf[i] = i;
    char desc[64] = "4 KiB pages";
    if (huge) {
        unsigned long long kib = 0, v;
        char line[256];
        FILE *f = fopen("/proc/self/smaps_rollup", "r");
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "AnonHugePages: %llu kB", &v) == 1) kib += v;
        if (f) fclose(f);
        snprintf(desc, sizeof desc, "2 MiB pages: %llu MiB of them", kib >> 10);
    }
    double *gbs = calloc((size_t)reps, sizeof *gbs);
    uint64_t check = 0;
    for (int r = 0; r < reps; r++) {
        pthread_t th[256];
        part parts[256];
        double t0 = now();
        for (int t = 0; t < nt; t++) {
            parts[t] = (part){buf + n / nt * t, n / nt, 0};
            pthread_create(&th[t], NULL, sum_part, &parts[t]);
        }
        for (int t = 0; t < nt; t++) { pthread_join(th[t], NULL); check += parts[t].sum; }
        gbs[r] = (double)bytes / (now() - t0) / 1e9;
    }
    qsort(gbs, (size_t)reps, sizeof *gbs, cmp);
    printf("read_gb_s %.2f %.2f %.2f (threads %d, %zu MiB, %s, check %llu)\n",
           gbs[reps / 2], gbs[0], gbs[reps - 1], nt, mib, desc, (unsigned long long)(check & 0xff));
    free(gbs);
    munmap(raw, bytes + align);
    return 0;
}
