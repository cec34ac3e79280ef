/* select() instead of poll(); clients in a fixed table indexed by descriptor. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static struct { int used, id; size_t n; char buf[1100]; } cl[FD_SETSIZE];

int main(int argc, char **argv)
{
    if (argc != 2)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1, next = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 100))
        return 1;
    for (;;) {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(s, &r);
        int max = s;
        for (int fd = 0; fd < FD_SETSIZE; fd++)
            if (cl[fd].used) {
                FD_SET(fd, &r);
                if (fd > max)
                    max = fd;
            }
        if (select(max + 1, &r, NULL, NULL, NULL) < 0)
            continue;
        if (FD_ISSET(s, &r)) {
            int c = accept(s, 0, 0);
            if (c >= 0 && c < FD_SETSIZE) {
                cl[c].used = 1;
                cl[c].id = next++;
                cl[c].n = 0;
            }
        }
        for (int fd = 0; fd <= max; fd++) {
            if (fd == s || !cl[fd].used || !FD_ISSET(fd, &r))
                continue;
            ssize_t k = recv(fd, cl[fd].buf + cl[fd].n, 1024 - cl[fd].n, 0);
            if (k <= 0) {
                close(fd);
                cl[fd].used = 0;
                continue;
            }
            cl[fd].n += (size_t)k;
            char *nl;
            while ((nl = memchr(cl[fd].buf, '\n', cl[fd].n))) {
                size_t len = (size_t)(nl - cl[fd].buf) + 1;
                char out[1200];
                int h = snprintf(out, sizeof out, "%d: ", cl[fd].id);
                memcpy(out + h, cl[fd].buf, len);
                for (int o = 0; o < FD_SETSIZE; o++)
                    if (cl[o].used && o != fd)
                        send(o, out, (size_t)h + len, MSG_NOSIGNAL);
                memmove(cl[fd].buf, cl[fd].buf + len, cl[fd].n - len);
                cl[fd].n -= len;
            }
            if (cl[fd].n == 1024) {
                close(fd);
                cl[fd].used = 0;
            }
        }
    }
}
