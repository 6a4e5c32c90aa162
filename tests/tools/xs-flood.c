/*
 * xs-flood PREFIX COUNT [SPREAD]: a guest writing its own xenstore subtree
 * in a loop, as fast as xenstored answers. Writes COUNT times to
 * PREFIX/<i % SPREAD> (default SPREAD 1000: distinct paths, so no server
 * coalesces the events) through libxenstore (XENSTORED_PATH names the
 * fake host's server). Exit 0 when every write was answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: xs-flood PREFIX COUNT [SPREAD]\n");
        return 2;
    }
    long count = strtol(argv[2], NULL, 10), spread = argc == 4 ? strtol(argv[3], NULL, 10) : 1000;
    if (count < 0 || spread < 1) {
        fprintf(stderr, "xs-flood: bad COUNT or SPREAD\n");
        return 2;
    }
    struct xs_handle *h = xs_open(0);
    if (!h) {
        perror("xs-flood: xs_open");
        return 1;
    }
    for (long i = 0; i < count; i++) {
        char path[512], value[32];
        snprintf(path, sizeof path, "%s/%ld", argv[1], i % spread);
        int n = snprintf(value, sizeof value, "%ld", i);
        if (!xs_write(h, XBT_NULL, path, value, (unsigned)n)) {
            fprintf(stderr, "xs-flood: write %ld to %s failed\n", i, path);
            xs_close(h);
            return 1;
        }
    }
    xs_close(h);
    return 0;
}
