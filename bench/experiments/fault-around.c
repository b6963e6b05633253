/* How much of a mapped file one read makes resident (docs/benchmarks.md,
 * "Issue 12, item 5"). Maps FILE (8 MiB or more, already in the page
 * cache), reads one byte every 256 KiB, and prints how much RssFile grew;
 * with ADVICE (1 = MADV_RANDOM, 2 = MADV_SEQUENTIAL) it is applied first.
 *
 *   gcc -O2 bench/experiments/fault-around.c -o /tmp/fault-around
 *   head -c 8388608 /dev/urandom > /tmp/blob && cat /tmp/blob > /dev/null
 *   /tmp/fault-around /tmp/blob; /tmp/fault-around /tmp/blob 1
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long rss_file_kib(void) {
    char line[256];
    long kib = -1;
    FILE *status = fopen("/proc/self/status", "r");
    if (!status) return -1;
    while (fgets(line, sizeof line, status))
        if (!strncmp(line, "RssFile:", 8)) kib = atol(line + 8);
    fclose(status);
    return kib;
}

int main(int argc, char **argv) {
    const size_t len = 8u << 20, stride = 256u << 10;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [ADVICE]\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    char *map = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    if (argc > 2 && madvise(map, len, atoi(argv[2])) != 0) {
        perror("madvise");
        return 1;
    }
    long before = rss_file_kib();
    volatile char sum = 0;
    for (size_t at = 0; at < len; at += stride) sum += map[at];
    printf("%zu reads, RssFile +%ld KiB\n", len / stride, rss_file_kib() - before);
    return 0;
}
