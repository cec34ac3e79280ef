/* upper_server.c - a UNIX domain datagram server that answers each datagram in capitals.
 *
 * Usage: upper_server PATH
 *
 * Binds an AF_UNIX SOCK_DGRAM socket to PATH (removing a stale file first). For each datagram
 * of up to 4096 bytes it sends one reply, to the address the datagram came from, with the same
 * bytes and the ASCII letters a-z turned into A-Z. Datagrams keep their boundaries: one
 * recvfrom() is one message, and one sendto() one reply. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_DATAGRAM 4096

/* Only ASCII letters: toupper() would also depend on the locale. */
static void to_upper_ascii(char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] = (char)(buf[i] - 'a' + 'A');
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        return 1;
    }
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "upper_server: path too long: %s\n", argv[1]);
        return 1;
    }
    strcpy(addr.sun_path, argv[1]);

    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    if (unlink(argv[1]) < 0 && errno != ENOENT) {   /* a stale file makes bind() fail */
        perror("unlink");
        return 1;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }

    for (;;) {
        char buf[MAX_DATAGRAM];
        struct sockaddr_un from;
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("recvfrom");
            return 1;
        }
        to_upper_ascii(buf, (size_t)n);
        /* A client that never bound an address cannot be answered: skip it, serve the rest. */
        if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, from_len) != n)
            perror("sendto");
    }
}
