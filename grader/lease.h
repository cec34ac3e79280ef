/* lease.h - exclusive use of a shared resource (a TCP/UDP port, a sandbox user id) by one test at
 * a time, across the graders of one user on the machine. A lease is a lock on a file in the
 * user's private lock folder: it ends when its holder closes it or dies, so a killed test never
 * keeps one. (Graders of different users may pick the same free port at the same moment; the
 * port range is wide and a leased port is checked free first, so that is rare.) */
#ifndef GC_LEASE_H
#define GC_LEASE_H

#include <stdint.h>
#include <sys/types.h>

struct lease {
    int fd;     /* the locked file, -1 when none */
    long value; /* the port or user id leased */
};

/* A port in 20000..29999 that is free for TCP and UDP on all addresses, whose byte-swapped value
 * is a different, also free, unprivileged port (so "forgot htons" can be seen). */
int lease_port(struct lease *l);
/* A user id of its own for the test's student processes, swept clean of leftovers, from this
 * grader's range. */
int lease_uid(struct lease *l);
/* This grader's range of sandbox user ids (value: its first id), chosen once before any check
 * runs and passed to the checks in $GC_SANDBOX_UID_BASE. Batch tells each container its range
 * in that variable; a grader told one keeps it (the lease then holds no lock: fd -1). */
int lease_uid_range(struct lease *l);
/* A range of sandbox user ids no other grader of this lock folder holds (value: its first id):
 * what batch gives each container it runs at once. */
int lease_free_uid_range(struct lease *l);
void lease_release(struct lease *l);
/* 0 when the lock folder can be used; -1 otherwise (see lease_last_error). */
int lease_ready(void);
/* Why the last lease failed, for the message (e.g. a lock folder that is not the user's). */
const char *lease_last_error(void);

/* The port with its two bytes swapped: where a server that forgot htons() listens. */
static inline uint16_t port_byte_swapped(uint16_t port)
{
    return (uint16_t)((port << 8) | (port >> 8));
}

/* Kills the processes of every sandbox user id that no test holds a lease on any more. */
void lease_sweep_abandoned_uids(void);

#endif
