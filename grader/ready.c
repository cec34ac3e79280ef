/* ready.c - waiting until a student's server is ready (listening, bound), and saying why not
 * when it never is: exited, on another port or path, a stale socket file, in the background. */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "conversation.h"
#include "diagnose.h"
#include "procnet.h"

/* --- Waiting until a server is ready -------------------------------------------------------- */

/* Gives the server a few milliseconds before the next attempt; true if it exited meanwhile. */
static bool server_exited_while_waiting(struct proc *server)
{
    return proc_wait(server, deadline_in(POLL_INTERVAL_MS));
}

static _Noreturn void fail_server_exited(struct proc *server, const char *waiting_for)
{
    expected("%s", waiting_for);
    tell_about(server);
    fail();
}

/* A server that ends with status 0 by itself has most likely gone into the background. */
bool check_went_into_background(const struct proc *p)
{
    return p->exited && exited_with(p, 0) && strstr(p->name, "server") != NULL;
}

/* Called once the server is reachable: if it is on its way out (a parent that forked a daemon
 * and returns), it ends before this returns, and the check says so; a server that waits in
 * accept(), poll() or recvfrom() costs nothing. */
static void expect_in_foreground(struct proc *server, const char *waiting_for)
{
    if (check.in_foreground[server - check.procs])
        return; /* a daemon's parent leaves at once: looking once is enough */
    check_wait_blocked_until(server, deadline_in(FOREGROUND_MS));
    if (!proc_running(server))
        fail_server_exited(server, waiting_for);
    check.in_foreground[server - check.procs] = true;
}

static void explain_unix_connect_error(const char *path, int err)
{
    struct stat st;
    if (err == ENOENT)
        cause("no-socket-file",
              "No socket file appeared at %s: bind() the socket to the path given on the command line.", path);
    else if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        cause("not-a-socket-file", "%s is not a socket file: was it created by something other than bind()?",
              path);
    else if (err == ECONNREFUSED)
        cause("stale-socket-file",
              "The file %s exists but nobody listens on it. Either listen() is missing, or the file is "
              "stale (left by an earlier run) and the server never bound its own: remove it with "
              "unlink() before bind(), since bind() fails with EADDRINUSE when the path exists.",
              path);
    else if (err == EAGAIN)
        cause("no-accept", "The server's queue of pending connections is full: is it calling accept()?");
    else
        cause("connect-failed", "connect() failed with %s.", errno_text(err));
}

int connect_unix_server(struct proc *server, const char *path)
{
    int64_t deadline = deadline_in(STARTUP_MS);
    for (;;) {
        int fd = unix_connect(path, SOCK_STREAM);
        if (fd >= 0) {
            conversation_name_peer(fd, server->name);
            expect_in_foreground(server, fmt("%s to accept connections at %s", server->name, path));
            return fd;
        }
        int err = errno;
        if (server_exited_while_waiting(server)) {
            /* A server killed by a signal may have listened before; the file is then its own. */
            if (err == ECONNREFUSED && !WIFSIGNALED(server->status))
                explain_unix_connect_error(path, err);
            fail_server_exited(server, fmt("%s to accept connections at %s", server->name, path));
        }
        if (now_ms() >= deadline) {
            expected("%s to accept connections at %s", server->name, path);
            got("connect() kept failing for %d s with %s", STARTUP_MS / 1000, errno_text(err));
            explain_unix_connect_error(path, err);
            fail();
        }
    }
}

void wait_unix_dgram_server(struct proc *server, const char *path)
{
    int64_t deadline = deadline_in(STARTUP_MS);
    for (;;) {
        int fd = unix_connect(path, SOCK_DGRAM);
        if (fd >= 0) {
            close(fd);
            expect_in_foreground(server, fmt("%s to receive datagrams at %s", server->name, path));
            return;
        }
        int err = errno;
        if (server_exited_while_waiting(server)) {
            if (err == ECONNREFUSED)
                explain_unix_connect_error(path, err);
            fail_server_exited(server, fmt("%s to receive datagrams at %s", server->name, path));
        }
        if (now_ms() >= deadline) {
            expected("%s to receive datagrams at %s", server->name, path);
            got("no socket bound there after %d s (%s)", STARTUP_MS / 1000, errno_text(err));
            explain_unix_connect_error(path, err);
            fail();
        }
    }
}

int connect_tcp_server(struct proc *server, const char *ip, uint16_t port)
{
    int64_t deadline = deadline_in(STARTUP_MS);
    for (;;) {
        int fd = tcp_connect(ip, port, deadline);
        if (fd >= 0) {
            conversation_name_peer(fd, server->name);
            expect_in_foreground(server, fmt("%s to accept connections on %s:%u", server->name, ip, port));
            return fd;
        }
        int err = errno;
        if (server_exited_while_waiting(server))
            fail_server_exited(server, fmt("%s to accept connections on %s:%u", server->name, ip, port));
        bool swapped = diagnose_on_swapped_port(server->pid, "tcp", port);
        if (swapped || now_ms() >= deadline) {
            expected("%s to accept connections on %s:%u", server->name, ip, port);
            if (swapped)
                got("connect() failed with %s: it listens on port %u", errno_text(err),
                    port_byte_swapped(port));
            else
                got("connect() kept failing for %d s with %s", STARTUP_MS / 1000, errno_text(err));
            struct text why = { 0 };
            const char *id = diagnose_tcp_listener(&why, server->pid, port);
            if (id)
                cause(id, "%s", text_str(&why));
            if (swapped)
                fail_for_shared_reason(fmt("swapped-port:%s", server->name),
                                       "%s listens on the port with its two bytes swapped: "
                                       "htons() is missing",
                                       server->name);
            text_free(&why);
            fail();
        }
    }
}

void wait_udp_server(struct proc *server, uint16_t port)
{
    int64_t deadline = deadline_in(STARTUP_MS);
    for (;;) {
        struct inet_socket s[64];
        int n = procnet_sockets_of(server->pid, "udp", s, 64);
        for (int i = 0; i < n; i++) {
            if (s[i].local_port == port) {
                expect_in_foreground(server, fmt("%s to receive datagrams on port %u", server->name, port));
                return;
            }
        }
        if (server_exited_while_waiting(server))
            fail_server_exited(server, fmt("%s to receive datagrams on port %u", server->name, port));
        bool swapped = diagnose_on_swapped_port(server->pid, "udp", port);
        if (swapped || now_ms() >= deadline) {
            expected("%s to receive datagrams on port %u", server->name, port);
            if (swapped)
                got("its UDP socket is on port %u", port_byte_swapped(port));
            else
                got("no UDP socket bound to port %u after %d s", port, STARTUP_MS / 1000);
            struct text why = { 0 };
            const char *id = diagnose_udp_binding(&why, server->pid, port);
            if (id)
                cause(id, "%s", text_str(&why));
            if (swapped)
                fail_for_shared_reason(fmt("swapped-port:%s", server->name),
                                       "%s is bound to the port with its two bytes swapped: "
                                       "htons() is missing",
                                       server->name);
            text_free(&why);
            fail();
        }
    }
}
