/* frame_recv.c - the kit's driver for recv_msg().
 *
 * Usage: frame_recv [--short] [--eintr] [--signals] PATH CAP
 *
 * Connects to PATH and calls recv_msg() with a buffer of exactly CAP bytes (so that a write past
 * it is caught by AddressSanitizer) until it returns 0 or -1. For each call it prints a line:
 * the return value and, for a message, its bytes in hex. */
#include <stdio.h>
#include <stdlib.h>

#include "driver.h"
#include "faults.h"
#include "framing.h"

int main(int argc, char *argv[])
{
    int i = 1;
    int mode = faults_parse_options(argc, argv, &i);
    if (mode < 0 || argc - i != 2) {
        fprintf(stderr, "usage: frame_recv [--short] [--eintr] [--signals] PATH CAP\n");
        return 1;
    }
    int fd = driver_connect(argv[i]);
    size_t cap = strtoul(argv[i + 1], NULL, 10);
    unsigned char *buf = malloc(cap ? cap : 1);
    faults_inject(fd, mode);
    for (int calls = 0; calls < 100; calls++) {
        ssize_t n = recv_msg(fd, buf, cap);
        printf("%zd", n);
        if (n > 0) {
            putchar(' ');
            for (ssize_t k = 0; k < n && (size_t)k < cap; k++)
                printf("%02x", buf[k]);
        }
        putchar('\n');
        fflush(stdout);
        if (n <= 0)
            break;
    }
    free(buf);
    return 0;
}
