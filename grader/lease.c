/* lease.c - leases on ports and sandbox user ids, by flock on files in a shared folder. */
#define _GNU_SOURCE
#include "lease.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sandbox.h"

#define FIRST_PORT 20000
#define PORT_COUNT 10000

/* Sandbox user ids come in ranges, one range per grader instance (a `grader grade`, or one
 * container of a batch): UID_RANGE_COUNT ranges of UID_RANGE_SIZE ids from FIRST_SANDBOX_UID,
 * all below 2^31. No two graders that may run at once share a range, so that one grader's
 * sweep never kills another's checks and RLIMIT_NPROC, which the kernel counts per user id
 * across every container, is never shared. */
#define FIRST_SANDBOX_UID 1700000000L
#define UID_RANGE_SIZE 512
#define UID_RANGE_COUNT 65536

static char lock_dir[PATH_MAX];

static char error_text[PATH_MAX + 256];

static int lease_error(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(error_text, sizeof error_text, format, ap);
    va_end(ap);
    return -1;
}

const char *lease_last_error(void)
{
    return error_text[0] ? error_text : "no free lease";
}

/* The lock folder: one per user ($GC_LOCK_DIR, or /tmp/get-connected-locks-UID), created
 * private, and used only when it is a real folder that belongs to this user alone: in a
 * shared /tmp another user could have made it first. */
static int open_lock_dir(void)
{
    if (lock_dir[0] != '\0')
        return 0;
    const char *env = config()->lock_dir;
    char dir[PATH_MAX];
    if (env)
        snprintf(dir, sizeof dir, "%s", env);
    else
        snprintf(dir, sizeof dir, "/tmp/get-connected-locks-%ld", (long)geteuid());
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return lease_error("cannot create the lock folder %s: %s", dir, strerror(errno));
    struct stat st;
    if (lstat(dir, &st) < 0)
        return lease_error("cannot use the lock folder %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) != 0)
        return lease_error("the lock folder %s is not a private folder of yours (another user "
                           "may have created it): remove it, or set GC_LOCK_DIR to a folder of "
                           "your own",
                           dir);
    snprintf(lock_dir, sizeof lock_dir, "%s", dir);
    return 0;
}

int lease_ready(void)
{
    return open_lock_dir();
}

static int try_lock(const char *kind, long value)
{
    if (open_lock_dir() < 0)
        return -1;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s-%ld", lock_dir, kind, value);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The first id of this grader's range: $GC_SANDBOX_UID_BASE, set by lease_uid_range (in this
 * process, for its checks) or by batch (for a container). */
static long first_sandbox_uid(void)
{
    long value = config()->sandbox_uid_base;
    return value >= FIRST_SANDBOX_UID ? value : FIRST_SANDBOX_UID;
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
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_ANY) };
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static bool usable_port(uint16_t port)
{
    uint16_t swapped = port_byte_swapped(port);
    return swapped != port && swapped >= 1024 && (swapped < 20000 || swapped >= 30000)
           && (swapped < 32768 || swapped > 60999) /* not in the usual ephemeral range */
           && bind_free(SOCK_STREAM, port) && bind_free(SOCK_DGRAM, port) && bind_free(SOCK_STREAM, swapped)
           && bind_free(SOCK_DGRAM, swapped);
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
    long start = spread(UID_RANGE_SIZE);
    for (long i = 0; i < UID_RANGE_SIZE; i++) {
        long uid = first_sandbox_uid() + (start + i) % UID_RANGE_SIZE;
        int fd = try_lock("uid", uid);
        if (fd < 0)
            continue;
        uid_sweep((uid_t)uid); /* a test killed by its timeout may have left processes */
        /* Zombies nobody reaps (their parent died, and process 1 may never reap) still count
         * against the id's process limit: an id that has some is left alone. */
        if (uid_zombie_count((uid_t)uid) > 0) {
            close(fd);
            continue;
        }
        *l = (struct lease){ fd, uid };
        return 0;
    }
    *l = (struct lease){ -1, 0 };
    return -1;
}

int lease_free_uid_range(struct lease *l)
{
    /* Graders that share this lock folder never pick the same range; others (in containers,
     * with a /tmp of their own) start at a random one, which two of them share once in 65536. */
    long start = spread(UID_RANGE_COUNT);
    for (long i = 0; i < UID_RANGE_COUNT; i++) {
        long range = (start + i) % UID_RANGE_COUNT;
        int fd = try_lock("uid-range", range);
        if (fd >= 0) {
            *l = (struct lease){ fd, FIRST_SANDBOX_UID + range * UID_RANGE_SIZE };
            return 0;
        }
        if (lock_dir[0] == '\0')
            break; /* no lock folder at all: the reason is said already */
    }
    *l = (struct lease){ -1, 0 };
    return -1;
}

int lease_uid_range(struct lease *l)
{
    long told = config()->sandbox_uid_base;
    if (told >= FIRST_SANDBOX_UID) {
        *l = (struct lease){ -1, told }; /* batch chose it for us */
        return 0;
    }
    if (lease_free_uid_range(l) < 0)
        return -1;
    char value[32];
    snprintf(value, sizeof value, "%ld", l->value);
    setenv("GC_SANDBOX_UID_BASE", value, 1);
    return 0;
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
        if (uid < first_sandbox_uid() || uid >= first_sandbox_uid() + UID_RANGE_SIZE)
            continue;
        int fd = try_lock("uid", uid);
        if (fd < 0)
            continue; /* a running test owns it */
        uid_sweep((uid_t)uid);
        close(fd);
    }
    closedir(proc);
}
