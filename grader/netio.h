/* netio.h - the tests' side of a conversation: sockets with deadlines.
 *
 * Every socket here is non-blocking and every call ends at a deadline (see deadline.h), so a
 * student program that never answers costs a bounded time and yields a clear "timed out". */
#ifndef GC_NETIO_H
#define GC_NETIO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "text.h"

enum io_result {
    IO_OK,      /* got what was asked for */
    IO_EOF,     /* the peer closed its side first */
    IO_TIMEOUT, /* the deadline passed */
    IO_FULL,    /* the cap was reached before the end */
    IO_ERROR,   /* errno says why (ECONNRESET, EPIPE, ...) */
};

/* "ECONNREFUSED (Connection refused)": the name a student can look up, and its meaning. */
const char *errno_text(int err);

/* Clients. They return a connected non-blocking socket, or -1 with errno set. */
int unix_connect(const char *path, int type);
int tcp_connect(const char *ip, uint16_t port, int64_t deadline);

/* Servers and datagram ends for the tests. -1 with errno set on failure. */
int unix_listen(const char *path);
int unix_dgram_bind(const char *path);
int tcp_listen_loopback(uint16_t *port);      /* port: out, chosen by the kernel */
int udp_bind(const char *ip, uint16_t *port); /* *port 0: chosen by the kernel, out */
/* Both loopback addresses, for a client that resolves "localhost": fds[0] bound to 127.0.0.1
 * and, where the host has IPv6, fds[1] to [::1] with the same port (else -1), both listening
 * for SOCK_STREAM. On many machines localhost is ::1 first, and a correct client that asks
 * getaddrinfo() for AF_UNSPEC goes there. 0, or -1 with errno when 127.0.0.1 fails. */
int loopback_pair(int type, int fds[2], uint16_t *port);
int accept_until(int listen_fd, int64_t deadline); /* -1 with errno ETIMEDOUT at the deadline */

/* Sends all n bytes. IO_OK, IO_TIMEOUT or IO_ERROR. */
enum io_result send_all(int fd, const void *bytes, size_t n, int64_t deadline);
/* Reads into in until end-of-file (IO_EOF), until cap bytes are in (IO_FULL), or, with
 * stop_at_newline, until a '\n' is in (IO_OK). */
enum io_result recv_until(int fd, struct text *in, size_t cap, bool stop_at_newline, int64_t deadline);
/* The same as part of the operation under way (conversation_operation()): what it reads extends
 * the conversation's last line from this peer, for a wait made of several reads. */
enum io_result recv_more(int fd, struct text *in, size_t cap, bool stop_at_newline, int64_t deadline);
/* What such a read waits for, in the conversation's words ("a line from {peer}"). */
const char *recv_awaited(bool stop_at_newline);
/* Sends out (then shuts down the writing side when asked) while reading everything that comes
 * back until end-of-file: a peer that echoes as it reads cannot deadlock against us. */
enum io_result exchange(int fd, const void *out, size_t n, bool shut_wr, struct text *in, size_t cap,
                        int64_t deadline);
/* Sends one datagram to the UNIX socket bound at path. -1 with errno on failure. */
int unix_sendto(int fd, const char *path, const void *bytes, size_t n);
/* sendto() that the conversation records (conversation.h): a datagram the check sends. */
ssize_t net_sendto(int fd, const void *bytes, size_t n, const struct sockaddr *to, socklen_t len);
/* shutdown() and close() of the check's sockets, recorded in the conversation: a check that
 * closes early or shuts down its side is part of what the student's program saw. */
int net_shutdown(int fd, int how);
int net_close(int fd);
/* Waits for one datagram. from may be NULL. */
enum io_result recv_datagram(int fd, struct text *in, size_t cap, struct sockaddr_storage *from,
                             socklen_t *from_len, int64_t deadline);
/* When the last datagram recv_datagram() read arrived, in now_ms() time: the kernel's stamp on
 * an IP socket, so that a check slow to wake up on a loaded machine does not move the times;
 * the time it was read on a UNIX socket. */
int64_t last_datagram_arrival_ms(void);
/* Waits until fd is readable (data or EOF). False at the deadline. */
bool wait_readable(int fd, int64_t deadline);

#endif
