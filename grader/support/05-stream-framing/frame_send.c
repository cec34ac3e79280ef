/* frame_send.c - the kit's driver for send_msg().
 *
 * Usage: frame_send [--short] [--eintr] [--signals] PATH MSG...
 *
 * Connects to PATH and calls send_msg() once per MSG ("@N" stands for N bytes of a pattern),
 * printing each return value on a line of its own (-1 with the name of errno: "-1 EINVAL"),
 * then closes the connection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "faults.h"
#include "framing.h"

int main(int argc, char *argv[])
{
    int i = 1;
    int mode = faults_parse_options(argc, argv, &i);
    if (mode < 0 || argc - i < 2) {
        fprintf(stderr, "usage: frame_send [--short] [--eintr] [--signals] PATH MSG...\n");
        return 1;
    }
    int fd = driver_connect(argv[i++]);
    faults_inject(fd, mode);
    for (; i < argc; i++) {
        const char *msg = argv[i];
        uint32_t len = (uint32_t)strlen(msg);
        char *pattern = NULL;
        if (msg[0] == '@') {
            len = (uint32_t)strtoul(msg + 1, NULL, 10);
            pattern = malloc(len ? len : 1);
            for (uint32_t k = 0; k < len; k++)
                pattern[k] = (char)(k % 251);
            msg = pattern;
        }
        int r = send_msg(fd, msg, len);
        if (r < 0)
            printf("%d %s\n", r, errno == EINVAL ? "EINVAL" : errno == EINTR ? "EINTR" : strerror(errno));
        else
            printf("%d\n", r);
        fflush(stdout);
        free(pattern);
    }
    close(fd);
    return 0;
}
