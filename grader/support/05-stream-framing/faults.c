/* faults.c - the wrappers behind faults.h: short transfers and EINTR, deterministically. */
#define _GNU_SOURCE
#include "faults.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fault_fd = -1;
static int fault_mode;
static unsigned long calls;

void faults_inject(int fd, int mode)
{
    fault_fd = fd;
    fault_mode = mode;
}

int faults_parse_options(int argc, char *argv[], int *i)
{
    int mode = 0;
    for (; *i < argc && strncmp(argv[*i], "--", 2) == 0; (*i)++) {
        if (strcmp(argv[*i], "--short") == 0)
            mode |= FAULT_SHORT;
        else if (strcmp(argv[*i], "--eintr") == 0)
            mode |= FAULT_EINTR;
    }
    return mode;
}

/* True when this call should fail with EINTR instead of doing its work. */
static int interrupted(int fd)
{
    if (fd != fault_fd || !(fault_mode & FAULT_EINTR) || calls++ % 2 != 0)
        return 0;
    errno = EINTR;
    return 1;
}

static size_t shortened(int fd, size_t n, size_t most)
{
    return fd == fault_fd && (fault_mode & FAULT_SHORT) && n > most ? most : n;
}

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __real_recv(int fd, void *buf, size_t n, int flags);
ssize_t __real_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *len);
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __real_send(int fd, const void *buf, size_t n, int flags);
ssize_t __real_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t len);

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    return interrupted(fd) ? -1 : __real_read(fd, buf, shortened(fd, n, 1));
}

ssize_t __wrap_recv(int fd, void *buf, size_t n, int flags)
{
    return interrupted(fd) ? -1 : __real_recv(fd, buf, shortened(fd, n, 1), flags & ~MSG_WAITALL);
}

ssize_t __wrap_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *len)
{
    return interrupted(fd) ? -1 : __real_recvfrom(fd, buf, shortened(fd, n, 1), flags & ~MSG_WAITALL, from, len);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    return interrupted(fd) ? -1 : __real_write(fd, buf, shortened(fd, n, 3));
}

ssize_t __wrap_send(int fd, const void *buf, size_t n, int flags)
{
    return interrupted(fd) ? -1 : __real_send(fd, buf, shortened(fd, n, 3), flags);
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t len)
{
    return interrupted(fd) ? -1 : __real_sendto(fd, buf, shortened(fd, n, 3), flags, to, len);
}
