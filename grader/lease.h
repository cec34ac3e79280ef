/* lease.h - exclusive use of a shared resource (a TCP/UDP port, a sandbox user id) by one test at
 * a time, across every grader on the machine. A lease is a lock on a file in a shared folder: it
 * ends when its holder closes it or dies, so a killed test never keeps one. */
#ifndef GC_LEASE_H
#define GC_LEASE_H

#include <stdint.h>
#include <sys/types.h>

struct lease {
    int fd;          /* the locked file, -1 when none */
    long value;      /* the port or user id leased */
};

/* A port in 20000..29999 that is free for TCP and UDP on all addresses, whose byte-swapped value
 * is a different, also free, unprivileged port (so "forgot htons" can be seen). */
int lease_port(struct lease *l);
/* A user id of its own for the test's student processes, swept clean of leftovers. */
int lease_uid(struct lease *l);
void lease_release(struct lease *l);

/* The port with its two bytes swapped: where a server that forgot htons() listens. */
static inline uint16_t port_byte_swapped(uint16_t port)
{
    return (uint16_t)((port << 8) | (port >> 8));
}



/* Kills the processes of every sandbox user id that no test holds a lease on any more. */
void lease_sweep_abandoned_uids(void);

#endif
