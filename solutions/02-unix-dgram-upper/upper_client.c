/* upper_client.c - sends each argument as one datagram to upper_server and prints the replies.
 *
 * Usage: upper_client PATH MSG...
 *
 * A datagram client must bind an address of its own, or the server has nowhere to send the
 * reply: this one binds a unique pathname made from its process id, and removes it at the end. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_DATAGRAM 4096

static int fill_address(struct sockaddr_un *addr, const char *path)
{
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr->sun_path)
        return -1;
    strcpy(addr->sun_path, path);
    return 0;
}

/* Sends every message and prints every reply. Returns the exit status. */
static int converse(int fd, const struct sockaddr_un *server, char *messages[], int count)
{
    for (int i = 0; i < count; i++) {
        size_t len = strlen(messages[i]);
        if (sendto(fd, messages[i], len, 0, (const struct sockaddr *)server, sizeof *server) != (ssize_t)len) {
            perror("sendto");
            return 1;
        }
        char reply[MAX_DATAGRAM];
        ssize_t n = recvfrom(fd, reply, sizeof reply, 0, NULL, NULL);
        if (n < 0) {
            perror("recvfrom");
            return 1;
        }
        printf("%.*s\n", (int)n, reply);
    }
    return 0;
}

int main(int argc, char *argv[])
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PATH MSG...\n", argv[0]);
        return 1;
    }
    struct sockaddr_un server, self;
    char self_path[sizeof self.sun_path];
    snprintf(self_path, sizeof self_path, "/tmp/upper_client.%ld", (long)getpid());
    if (fill_address(&server, argv[1]) < 0 || fill_address(&self, self_path) < 0) {
        fprintf(stderr, "upper_client: path too long\n");
        return 1;
    }

    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    unlink(self_path);                  /* left by an earlier process with our pid? */
    if (bind(fd, (struct sockaddr *)&self, sizeof self) < 0) {
        perror("bind");
        return 1;
    }
    int status = converse(fd, &server, argv + 2, argc - 2);
    if (unlink(self_path) < 0)          /* our socket file must not outlive us */
        perror("unlink");
    close(fd);
    return status;
}
