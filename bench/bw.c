/*
 * bw.c - the machine's memory read bandwidth, the bound on decode speed: every generated token
 * reads every weight once, so tokens/s <= bandwidth / weight bytes.
 *
 * Sums a 1 GiB buffer (4 KiB pages, as mmap'ed weights get) with T threads, R times, and prints
 * the median GB/s. Usage: bw [threads] [reps] [MiB]. Output: "read_gb_s <median> <min> <max>".
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
    if (nt < 1 || nt > 256 || reps < 1 || reps > 1000 || mib < 1) {
        fprintf(stderr, "usage: bw [threads] [reps] [MiB]\n");
        return 2;
    }
    size_t bytes = mib << 20, n = bytes / 8;
    uint64_t *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) { perror("mmap"); return 1; }
    madvise(buf, bytes, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < n; i++) buf[i] = i;
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
    printf("read_gb_s %.2f %.2f %.2f (threads %d, %zu MiB, 4 KiB pages, check %llu)\n",
           gbs[reps / 2], gbs[0], gbs[reps - 1], nt, mib, (unsigned long long)(check & 0xff));
    free(gbs);
    munmap(buf, bytes);
    return 0;
}
