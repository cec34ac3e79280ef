#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4)
        return 1;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *p;
    if (getaddrinfo(argv[1], argv[2], &hints, &res) != 0)
        return 1;
    int s = -1;
    for (p = res; p; p = p->ai_next) {
        s = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (s >= 0 && connect(s, p->ai_addr, p->ai_addrlen) == 0)
            break;
        if (s >= 0)
            close(s);
        s = -1;
    }
    freeaddrinfo(res);
    if (s < 0) {
        fprintf(stderr, "seqnum_client: cannot connect\n");
        return 1;
    }
    FILE *f = fdopen(s, "r+");
    fprintf(f, "%s\n", argc == 4 ? argv[3] : "1");
    fflush(f);
    char line[64];
    if (!fgets(line, sizeof line, f))
        return 1;
    fputs(line, stdout);
    return 0;
}
