#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 1;
    struct sockaddr_un me = { .sun_family = AF_UNIX };
    snprintf(me.sun_path, sizeof me.sun_path, "%s", argv[1]);
    unlink(argv[1]);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof me) < 0) {
        perror("upper_server");
        return 1;
    }
    for (;;) {
        unsigned char b[4096];
        struct sockaddr_un peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&peer, &len);
        for (ssize_t i = 0; i < n; i++)
            if (b[i] >= 'a' && b[i] <= 'z')
                b[i] ^= 0x20;
        if (n >= 0)
            sendto(s, b, (size_t)n, 0, (struct sockaddr *)&peer, len);
    }
}
