/* lease.c - leases on ports and sandbox user ids, by flock on files in a shared folder. */
#define _GNU_SOURCE
#include "lease.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

#define LOCK_DIR "/tmp/get-connected-locks"
#define FIRST_PORT 20000
#define PORT_COUNT 10000
#define SANDBOX_UID_COUNT 512

/* The first sandbox user id: 1700000000, or $GC_SANDBOX_UID_BASE. Graders in containers use a
 * range of their own (batch sets it): a grader on the host sees the containers' processes, and
 * sweeping "its" user ids must never reach into a container's checks. */
static long first_sandbox_uid(void)
{
    const char *base = getenv("GC_SANDBOX_UID_BASE");
    long value = base ? strtol(base, NULL, 10) : 0;
    return value >= 1000 ? value : 1700000000L;
}

static int try_lock(const char *kind, long value)
{
    if (mkdir(LOCK_DIR, 01777) == 0)
        chmod(LOCK_DIR, 01777);     /* umask may have taken bits away */
    char path[128];
    snprintf(path, sizeof path, LOCK_DIR "/%s-%ld", kind, value);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0)
        return -1;
    fchmod(fd, 0666);               /* so that other users' graders can lock it too */
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A pseudo-random starting point, so parallel tests do not all contend for the same values. */
static long spread(long count)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long x = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
    x ^= x >> 13;
    x *= 0x9e3779b97f4a7c15UL;
    return (long)((x >> 20) % (unsigned long)count);
}

static bool bind_free(int type, uint16_t port)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_ANY) };
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static bool usable_port(uint16_t port)
{
    uint16_t swapped = port_byte_swapped(port);
    return swapped != port && swapped >= 1024 && (swapped < 20000 || swapped >= 30000)
        && (swapped < 32768 || swapped > 60999)   /* not in the usual ephemeral range */
        && bind_free(SOCK_STREAM, port) && bind_free(SOCK_DGRAM, port)
        && bind_free(SOCK_STREAM, swapped) && bind_free(SOCK_DGRAM, swapped);
}

int lease_port(struct lease *l)
{
    long start = spread(PORT_COUNT);
    for (long i = 0; i < PORT_COUNT; i++) {
        long port = FIRST_PORT + (start + i) % PORT_COUNT;
        int fd = try_lock("port", port);
        if (fd < 0)
            continue;
        if (usable_port((uint16_t)port)) {
            *l = (struct lease){ fd, port };
            return 0;
        }
        close(fd);
    }
    *l = (struct lease){ -1, 0 };
    return -1;
}

int lease_uid(struct lease *l)
{
    long start = spread(SANDBOX_UID_COUNT);
    for (long i = 0; i < SANDBOX_UID_COUNT; i++) {
        long uid = first_sandbox_uid() + (start + i) % SANDBOX_UID_COUNT;
        int fd = try_lock("uid", uid);
        if (fd < 0)
            continue;
        uid_sweep((uid_t)uid);      /* a test killed by its timeout may have left processes */
        *l = (struct lease){ fd, uid };
        return 0;
    }
    *l = (struct lease){ -1, 0 };
    return -1;
}

void lease_release(struct lease *l)
{
    if (l->fd >= 0)
        close(l->fd);
    *l = (struct lease){ -1, 0 };
}

void lease_sweep_abandoned_uids(void)
{
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        char path[300];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%s", e->d_name);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || stat(path, &st) < 0)
            continue;
        long uid = (long)st.st_uid;
        if (uid < first_sandbox_uid() || uid >= first_sandbox_uid() + SANDBOX_UID_COUNT)
            continue;
        int fd = try_lock("uid", uid);
        if (fd < 0)
            continue;       /* a running test owns it */
        uid_sweep((uid_t)uid);
        close(fd);
    }
    closedir(proc);
}
