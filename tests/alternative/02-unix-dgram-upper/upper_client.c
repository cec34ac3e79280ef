/* Binds an abstract-namespace address: nothing to remove afterwards. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 1;
    struct sockaddr_un me = { .sun_family = AF_UNIX }, srv = { .sun_family = AF_UNIX };
    int len = snprintf(me.sun_path + 1, sizeof me.sun_path - 1, "upper-client-%d", (int)getpid());
    snprintf(srv.sun_path, sizeof srv.sun_path, "%s", argv[1]);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&me, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) < 0) {
        perror("upper_client");
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        char r[4097];
        if (sendto(s, argv[i], strlen(argv[i]), 0, (struct sockaddr *)&srv, sizeof srv) < 0) {
            perror("sendto");
            return 1;
        }
        ssize_t n = recv(s, r, sizeof r - 1, 0);
        if (n < 0)
            return 1;
        fwrite(r, 1, (size_t)n, stdout);
        putchar('\n');
    }
    return 0;
}
