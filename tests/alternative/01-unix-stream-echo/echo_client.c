#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util.h"

int main(int argc, char **argv)
{
    struct sockaddr_un a;
    if (argc != 2 || make_addr(&a, argv[1]) < 0) {
        fprintf(stderr, "usage: echo_client PATH\n");
        return 1;
    }
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("echo_client: connect");
        return 1;
    }
    char buf[777];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (write_fully(s, buf, n) < 0)
            return 1;
    shutdown(s, SHUT_WR);
    ssize_t r;
    while ((r = read(s, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)r, stdout);
    return r < 0 ? 1 : 0;
}
