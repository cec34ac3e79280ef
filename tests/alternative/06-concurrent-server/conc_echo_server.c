/* SIGCHLD ignored: the kernel reaps the children itself. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 100))
        return 1;
    for (;;) {
        int c = accept(s, 0, 0);
        if (c < 0)
            continue;
        if (fork() == 0) {
            close(s);
            char b[512];
            ssize_t n;
            while ((n = read(c, b, sizeof b)) > 0)
                for (ssize_t off = 0, w; off < n; off += w)
                    if ((w = write(c, b + off, (size_t)(n - off))) <= 0)
                        _exit(0);
            _exit(0);
        }
        close(c);
    }
}
