/* Replays inputs through a libFuzzer target without libFuzzer: a plain main()
 * that reads each file named on the command line (a directory: every regular
 * file in it, in name order) and hands its bytes to LLVMFuzzerTestOneInput once.
 * ctest runs it over fixtures/fuzz/<target>/ (seeds and regress-* crash inputs)
 * in the normal and the ASan + UBSan builds, so a fixed crash stays fixed
 * without clang. Exit status: 0 when every input ran, 1 when a file could not be
 * read; a crash or a sanitizer report ends the process itself. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer caps inputs with -max_len (scripts/fuzz.sh: 65536); a fixture is
 * far smaller, and a larger file is an error here rather than a silent cut. */
#define REPLAY_MAX_INPUT (1u << 20)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = malloc(REPLAY_MAX_INPUT + 1);
    size_t n = buf ? fread(buf, 1, REPLAY_MAX_INPUT + 1, f) : 0;
    int bad = !buf || ferror(f) || n > REPLAY_MAX_INPUT;
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s (or larger than %u bytes)\n", path, REPLAY_MAX_INPUT);
        free(buf);
        return 1;
    }
    /* An exact-size copy, so ASan sees a read one past the input. */
    uint8_t *in = malloc(n ? n : 1);
    if (!in) {
        free(buf);
        return 1;
    }
    memcpy(in, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(in, n);
    free(in);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_path(const char *path, unsigned *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such file or directory: %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        ++*count;
        return replay_file(path);
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s\n", path);
        return 1;
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char sub[4096];
        int w = snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
        struct stat sst;
        if (w > 0 && (size_t)w < sizeof sub && stat(sub, &sst) == 0 && S_ISREG(sst.st_mode)) {
            ++*count;
            failed |= replay_file(sub);
        }
        free(names[i]);
    }
    free(names);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    unsigned count = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++)
        failed |= replay_path(argv[i], &count);
    if (count == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    printf("replayed %u input(s)\n", count);
    return failed;
}
