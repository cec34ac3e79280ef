/* Unit tests of procnet.c and lease.h: reading /proc/net/tcp lines, swapping port bytes. */
#include <criterion/criterion.h>

#include "lease.h"
#include "procnet.h"

Test(procnet, parses_a_listening_socket)
{
    struct inet_socket s;
    const char *line = "   3: 00000000:4E21 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0";
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
    const char *line = "  12: 0100007F:9C40 0200007F:4E21 01 00000000:00000005 00:00000000 00000000     0        0 777 1";
    cr_assert(procnet_parse_line(line, &s));
    cr_assert_eq(s.local_ip, 0x7f000001);
    cr_assert_eq(s.remote_ip, 0x7f000002);
    cr_assert_eq(s.remote_port, 20001);
    cr_assert_eq(s.rx_queue, 5);
}

Test(procnet, skips_the_header)
{
    struct inet_socket s;
    cr_assert_not(procnet_parse_line("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", &s));
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
    const char *any = "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1";
    cr_assert(procnet_parse_line(any, &s));
    cr_assert_eq(s.local_ip, 0);
    cr_assert_eq(s.local_port, 8080);
    cr_assert_eq(s.inode, 4242);
    const char *mapped = "   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4243 1";
    cr_assert(procnet_parse_line(mapped, &s));
    cr_assert_eq(s.local_ip, 0x7f000001);
    cr_assert_eq(s.remote_port, 40000);
}
