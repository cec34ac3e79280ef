/* upper_client.c - sends each argument as one datagram to upper_server and prints the replies.
 *
 * Usage: upper_client PATH MSG...
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=02-unix-dgram-upper` grades it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_DATAGRAM 4096

#define TODO(n) do { \
        fprintf(stderr, "upper_client: TODO %d is not done yet (see upper_client.c)\n", (n)); \
        exit(3); \
    } while (0)

int main(int argc, char *argv[])
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PATH MSG...\n", argv[0]);
        return 1;
    }

    /* TODO 1: create a UNIX domain datagram socket. man 2 socket, man 7 unix */
    TODO(1);

    /* TODO 2: the server replies to the address your datagram came from, so your socket needs
     * one: bind() it to a pathname no other client uses at the same time (your process id,
     * getpid(), makes a good part of it). man 2 bind, man 2 getpid, TLPI 57.3 */
    TODO(2);

    /* TODO 3: for each MSG in argv[2..]: sendto() it to the server at PATH as one datagram,
     * recvfrom() the reply, and print the reply followed by a newline. The reply is not
     * NUL-terminated: print exactly the number of bytes recvfrom() returned.
     * man 2 sendto, man 2 recvfrom */
    TODO(3);

    /* TODO 4: remove your own socket file before exiting: it would outlive the process.
     * man 2 unlink */
    TODO(4);
    return 0;
}
