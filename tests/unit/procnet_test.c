/* Unit tests of procnet.c and lease.h: reading /proc/net/tcp lines, asking the kernel about the
 * far end of a connection, swapping port bytes. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lease.h"
#include "procnet.h"

Test(procnet, parses_a_listening_socket)
{
    struct inet_socket s;
    const char *line =
        "   3: 00000000:4E21 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0";
    cr_assert(procnet_parse_line(line, &s));
    cr_assert_eq(s.local_ip, 0);
    cr_assert_eq(s.local_port, 20001);
    cr_assert_eq(s.state, PROCNET_TCP_LISTEN);
    cr_assert_eq(s.inode, 123456);
    cr_assert_eq(s.uid, 1000);
}

Test(procnet, parses_queues_and_loopback_addresses)
{
    struct inet_socket s;
    const char *line =
        "  12: 0100007F:9C40 0200007F:4E21 01 00000000:00000005 00:00000000 00000000     0        0 777 1";
    cr_assert(procnet_parse_line(line, &s));
    cr_assert_eq(s.local_ip, 0x7f000001);
    cr_assert_eq(s.remote_ip, 0x7f000002);
    cr_assert_eq(s.remote_port, 20001);
    cr_assert_eq(s.rx_queue, 5);
}

Test(procnet, skips_the_header)
{
    struct inet_socket s;
    cr_assert_not(
        procnet_parse_line("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                           &s));
}

Test(lease, swaps_the_two_bytes_of_a_port)
{
    cr_assert_eq(port_byte_swapped(0x4e21), 0x214e);
    cr_assert_eq(port_byte_swapped(port_byte_swapped(25000)), 25000);
}

Test(procnet, formats_an_address)
{
    cr_assert_str_eq(procnet_address(0x7f000001, 80), "127.0.0.1:80");
}

Test(procnet, reads_a_dual_stack_socket_as_ipv4)
{
    struct inet_socket s;
    const char *any =
        "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1";
    cr_assert(procnet_parse_line(any, &s));
    cr_assert_eq(s.local_ip, 0);
    cr_assert_eq(s.local_port, 8080);
    cr_assert_eq(s.inode, 4242);
    const char *mapped =
        "   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4243 1";
    cr_assert(procnet_parse_line(mapped, &s));
    cr_assert_eq(s.local_ip, 0x7f000001);
    cr_assert_eq(s.remote_port, 40000);
}

/* A listener of family on loopback and a connection to it (not accepted): *client. */
static int listen_and_connect(int family, int *client)
{
    struct sockaddr_storage addr = { 0 };
    socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    addr.ss_family = (sa_family_t)family; /* port 0, any address: the kernel picks a port */
    int server = socket(family, SOCK_STREAM, 0);
    cr_assert(server >= 0 && bind(server, (struct sockaddr *)&addr, len) == 0 && listen(server, 4) == 0);
    cr_assert(getsockname(server, (struct sockaddr *)&addr, &len) == 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    to.sin_port = family == AF_INET ? ((struct sockaddr_in *)&addr)->sin_port
                                    : ((struct sockaddr_in6 *)&addr)->sin6_port;
    *client = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(connect(*client, (struct sockaddr *)&to, sizeof to) == 0);
    return server;
}

static void sees_what_the_far_end_has_not_read(int family)
{
    int client, server = listen_and_connect(family, &client);
    struct inet_socket s;
    cr_assert(procnet_peer_end(client, &s), "the connection waiting to be accepted is found");
    cr_assert_eq(s.rx_queue, 0);
    cr_assert_eq(s.local_ip, 0x7f000001);
    cr_assert_eq(write(client, "abc", 3), 3);
    cr_assert(procnet_peer_end(client, &s));
    cr_assert_eq(s.rx_queue, 3, "what was sent waits in its receive queue");
    int accepted = accept(server, NULL, NULL);
    char buf[3];
    cr_assert(accepted >= 0 && read(accepted, buf, sizeof buf) == 3);
    cr_assert(procnet_peer_end(client, &s));
    cr_assert_eq(s.rx_queue, 0, "read: the queue is empty");
    close(accepted);
    close(server);
    close(client);
}

Test(procnet, sees_what_the_far_end_of_a_connection_has_not_read)
{
    sees_what_the_far_end_has_not_read(AF_INET);
}

Test(procnet, sees_it_on_a_dual_stack_server_too)
{
    sees_what_the_far_end_has_not_read(AF_INET6);
}

Test(procnet, a_socket_not_connected_has_no_far_end)
{
    int client, server = listen_and_connect(AF_INET, &client);
    struct inet_socket s;
    int other = socket(AF_INET, SOCK_STREAM, 0); /* not connected: no far end */
    cr_assert_not(procnet_peer_end(other, &s));
    close(other);
    close(server);
    close(client);
}

Test(procnet, lists_a_process_s_listeners_and_connections)
{
    int client, server = listen_and_connect(AF_INET, &client);
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    cr_assert(getsockname(server, (struct sockaddr *)&addr, &len) == 0);
    struct inet_socket s[16];
    int n = procnet_listeners_of(getpid(), s, 16);
    cr_assert_eq(n, 1, "our one listener (found %d)", n);
    cr_assert_eq(s[0].local_port, ntohs(addr.sin_port));
    cr_assert_eq(s[0].state, PROCNET_TCP_LISTEN);
    cr_assert_eq(s[0].rx_queue, 1, "one connection waits to be accepted");
    n = procnet_sockets_of(getpid(), "tcp", s, 16);
    cr_assert_eq(n, 2, "the listener and the client's end (found %d)", n);
    close(server);
    close(client);
}
