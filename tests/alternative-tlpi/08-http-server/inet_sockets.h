/* inet_sockets.h - TLPI-style helpers for Internet domain sockets (after TLPI 59.12). */
#ifndef INET_SOCKETS_H
#define INET_SOCKETS_H

#include <sys/types.h>

/* A socket of type bound to every address, IPv4 and IPv6 (one dual-stack IPv6 socket, or an
 * IPv4 one where the host has no IPv6), with SO_REUSEADDR; listening when type is
 * SOCK_STREAM. -1 on error (errno set). */
int inetBindAny(const char *service, int type);

/* A socket of type connected to the first address of host:service that accepts (getaddrinfo
 * with AF_UNSPEC). -1 on error. */
int inetConnect(const char *host, const char *service, int type);

/* Reads a line of at most n - 1 bytes, up to and including '\n', one byte at a time, and
 * terminates it. Returns the bytes read, 0 at end-of-file, -1 on error. */
ssize_t readLine(int fd, char *buf, size_t n);

#endif
