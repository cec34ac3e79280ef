/* conc_echo_server.c - a concurrent TCP echo server: one child process per client (TLPI 60.3).
 *
 * Usage: conc_echo_server PORT
 *
 * Your task: replace each TODO(n) below with code, in order. Until you do, the program stops
 * at the first one it reaches and says which. `make check EX=06-concurrent-server` grades it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKLOG 64

#define TODO(n) do { \
        fprintf(stderr, "conc_echo_server: TODO %d is not done yet (see conc_echo_server.c)\n", (n)); \
        exit(3); \
    } while (0)

/* The SIGCHLD handler: reaps children that have ended. */
void reap_children(int sig)
{
    /* TODO 5: one SIGCHLD may stand for several children that ended: call waitpid() without
     * blocking (WNOHANG) until it finds no more. waitpid() may change errno: save and restore
     * it, since the handler interrupts code that may be reading errno. man 2 waitpid, TLPI 26.3 */
    (void)sig;
    TODO(5);
}

/* In the child: echoes the client's bytes until it shuts down its side. */
void echo(int client)
{
    /* TODO 4: the loop of exercise 01's server: recv(), then send everything back, until recv()
     * returns 0 or fails. */
    (void)client;
    TODO(4);
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 1;
    }

    /* TODO 1: a send() to a connection the client has reset raises SIGPIPE, which would kill
     * the server: ignore that signal, as exercise 01's server does. man 2 signal, man 7 signal */
    TODO(1);

    /* TODO 2: install reap_children() as the SIGCHLD handler with sigaction(), with SA_RESTART
     * so that accept() is restarted after the handler runs. man 2 sigaction, TLPI 60.3 */
    TODO(2);

    /* TODO 3: a TCP socket listening on PORT on every IPv4 address, as in exercise 03. */
    TODO(3);

    /* TODO 6: forever: accept() a client and fork(). The child closes the listening socket,
     * echo()es its client and exits. The parent closes its copy of the connected socket at
     * once (each fork() leaves one in both processes) and accepts the next client.
     * man 2 fork, TLPI 60.3 */
    TODO(6);
    return 0;
}
