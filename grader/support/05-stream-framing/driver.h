/* driver.h - what the two framing drivers share: connecting to the check's socket.
 *
 * Definitions, not only declarations: each driver's main file includes it once, so that every
 * other .c file in the build is the student's, and grader/symbols.c vets all of them. */
#ifndef DRIVER_H
#define DRIVER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Connects to the UNIX stream socket at path; exits with status 1 on failure. */
static int driver_connect(const char *path)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("driver: connect");
        exit(1);
    }
    return fd;
}

#endif
