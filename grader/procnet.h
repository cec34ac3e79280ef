/* procnet.h - what the kernel says about a process's IPv4 sockets (/proc/net/tcp and udp, and
 * the sock_diag netlink family for the one socket a check asks about most often).
 *
 * This is how the grader tells "not listening" from "listening on the wrong port" (forgot htons),
 * and how it knows that a peer has read the bytes sent to it (its receive queue is empty). */
#ifndef GC_PROCNET_H
#define GC_PROCNET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The "st" column: a socket whose connection is over but which a process still holds open
 * (CLOSE), one whose peer has closed but this end has not (CLOSE_WAIT), and a listener. */
enum { PROCNET_TCP_CLOSE = 7, PROCNET_TCP_CLOSE_WAIT = 8, PROCNET_TCP_LISTEN = 10 };

struct inet_socket {
    uint32_t local_ip; /* host byte order */
    uint16_t local_port;
    uint32_t remote_ip;
    uint16_t remote_port;
    int state;
    unsigned long tx_queue;
    unsigned long rx_queue;
    unsigned long inode;
    unsigned long uid; /* the socket's owner */
};

/* Parses one data line of /proc/net/tcp or /proc/net/udp. False for the header or junk. */
bool procnet_parse_line(const char *line, struct inet_socket *s);

/* Sockets of protocol ("tcp" or "udp") that process pid has open. Returns how many were stored
 * in out (at most max), or -1 when the process is gone. When its descriptors cannot be read
 * (another user's process, to a grader without CAP_SYS_PTRACE), these are the sockets owned by
 * its user id instead: in a check, that id is the check's own, so they are the same sockets. */
int procnet_sockets_of(pid_t pid, const char *protocol, struct inet_socket *out, int max);

/* Its TCP sockets that listen: asked without walking every connection of the machine. */
int procnet_listeners_of(pid_t pid, struct inet_socket *out, int max);

/* The same for several processes (a server and its children): their sockets, each once. */
int procnet_sockets_of_all(const pid_t *pids, int npids, const char *protocol, struct inet_socket *out,
                           int max);

/* The far end of the check's TCP connection fd (the program's socket, accepted or not yet), as
 * the kernel sees it: its receive queue holds what we sent and it has not read. False when fd is
 * not an IPv4 TCP connection or that end is gone (the program closed it). */
bool procnet_peer_end(int fd, struct inet_socket *out);

/* Whether process pid holds the far end of the check's TCP connection fd: it has accept()ed
 * it. One lookup, where procnet_sockets_of walks every connection slot of the machine (262,144
 * on a machine with 24 GiB: a quarter of a millisecond a look). */
bool procnet_holds_peer_end(pid_t pid, int fd);

/* "0.0.0.0:20517" */
const char *procnet_address(uint32_t ip, uint16_t port);

#endif
