/*
 * system.c - facts about the machine and process: version, physical cores, peak memory,
 * monotonic time, CPU features (for the kernels chosen at run time).
 */
#include "core/core.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#ifndef L4A_GIT_COMMIT
#define L4A_GIT_COMMIT "unknown"
#endif

const char *l4a_version(void) { return L4A_VERSION_STRING " (commit " L4A_GIT_COMMIT ")"; }

double l4a_time_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

uint64_t l4a_peak_rss(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (uint64_t)ru.ru_maxrss * 1024u; /* Linux reports KiB */
}

uint64_t l4a_huge_page_bytes(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) return 0;
    char line[256];
    uint64_t kib = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "AnonHugePages: %llu kB", &v) == 1 ||
            sscanf(line, "FilePmdMapped: %llu kB", &v) == 1 ||
            sscanf(line, "ShmemPmdMapped: %llu kB", &v) == 1)
            kib += v;
    }
    fclose(f);
    return kib * 1024u;
}

/* Count distinct (physical id, core id) pairs in /proc/cpuinfo; fall back to online CPUs. */
int32_t l4a_n_physical_cores(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    int32_t n = 0;
    if (f) {
        char line[512];
        int phys = 0, seen_pairs[1024][2], n_pairs = 0;
        while (fgets(line, sizeof line, f)) {
            int v;
            if (sscanf(line, "physical id : %d", &v) == 1) phys = v;
            else if (sscanf(line, "core id : %d", &v) == 1) {
                bool dup = false;
                for (int i = 0; i < n_pairs; i++)
                    if (seen_pairs[i][0] == phys && seen_pairs[i][1] == v) dup = true;
                if (!dup && n_pairs < 1024) {
                    seen_pairs[n_pairs][0] = phys;
                    seen_pairs[n_pairs][1] = v;
                    n_pairs++;
                }
            }
        }
        fclose(f);
        n = n_pairs;
    }
    if (n < 1) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int32_t)c : 1;
    }
    return n;
}

const char *l4a_cpu_features(void) {
    static char buf[256];
    if (buf[0]) return buf;
#if defined(__x86_64__)
    __builtin_cpu_init();
    unsigned a = 0, b = 0, c = 0, d = 0;    /* AMX-INT8: CPUID leaf 7, edx bit 25 */
    if (__get_cpuid_max(0, NULL) >= 7) __cpuid_count(7, 0, a, b, c, d);
    const int amx = (d >> 25) & 1;
    snprintf(buf, sizeof buf, "x86-64%s%s%s%s%s%s%s", __builtin_cpu_supports("avx2") ? " avx2" : "",
             __builtin_cpu_supports("fma") ? " fma" : "",
             __builtin_cpu_supports("avx512f") ? " avx512f" : "",
             __builtin_cpu_supports("avx512bw") ? " avx512bw" : "",
             __builtin_cpu_supports("avx512vnni") ? " avx512vnni" : "",
             __builtin_cpu_supports("avx512bf16") ? " avx512bf16" : "", amx ? " amx-int8" : "");
#elif defined(__aarch64__)
    snprintf(buf, sizeof buf, "aarch64 neon");
#else
    snprintf(buf, sizeof buf, "generic");
#endif
    return buf;
}
