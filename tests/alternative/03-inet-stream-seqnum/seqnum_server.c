/* Reads the request with stdio on the socket. */
#include <arpa/inet.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int valid(const char *s, long *n)
{
    size_t len = strlen(s);
    if (len == 0 || len > 4)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    *n = atol(s);
    return *n >= 1 && *n <= 1000;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), yes = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])),
                             .sin_addr.s_addr = INADDR_ANY };
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, SOMAXCONN) < 0) {
        perror("seqnum_server");
        return 1;
    }
    long seq = 0;
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        FILE *in = fdopen(dup(c), "r");
        char line[100];
        if (in && fgets(line, sizeof line, in) && strchr(line, '\n')) {
            line[strcspn(line, "\n")] = 0;
            long n;
            char out[32];
            if (valid(line, &n)) {
                snprintf(out, sizeof out, "%ld\n", seq);
                seq += n;
            } else {
                strcpy(out, "ERR\n");
            }
            send(c, out, strlen(out), 0);
        }
        if (in)
            fclose(in);
        close(c);
    }
}
