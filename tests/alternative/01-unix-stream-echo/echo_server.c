#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util.h"

int main(int argc, char **argv)
{
    struct sockaddr_un a;
    if (argc != 2 || make_addr(&a, argv[1]) < 0) {
        fprintf(stderr, "usage: echo_server PATH\n");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || (remove(argv[1]) < 0 && errno != ENOENT) || bind(s, (struct sockaddr *)&a, sizeof a) < 0
        || listen(s, 16) < 0) {
        perror("echo_server");
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        char buf[1000];
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0 && write_fully(c, buf, (size_t)n) < 0)
                break;
        close(c);
    }
}
