/* procnet.c - reading /proc/net/{tcp,udp} and matching sockets to a process by inode. */
#define _GNU_SOURCE
#include "procnet.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool procnet_parse_line(const char *line, struct inet_socket *s)
{
    unsigned slot, lip, lport, rip, rport, state;
    unsigned long tx, rx, inode, uid;
    /* "  0: 0100007F:4E21 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 12345 ..." */
    int n = sscanf(line, " %u: %8X:%4X %8X:%4X %2X %8lX:%8lX %*x:%*x %*x %lu %*d %lu",
                   &slot, &lip, &lport, &rip, &rport, &state, &tx, &rx, &uid, &inode);
    if (n != 10)
        return false;
    s->uid = uid;
    /* The kernel prints the address as the 32-bit word it stores, which is in network byte
     * order: reading it back as a number gives the network-order value, so ntohl() it. */
    s->local_ip = ntohl((uint32_t)lip);
    s->remote_ip = ntohl((uint32_t)rip);
    s->local_port = (uint16_t)lport;
    s->remote_port = (uint16_t)rport;
    s->state = (int)state;
    s->tx_queue = tx;
    s->rx_queue = rx;
    s->inode = inode;
    return true;
}

/* The socket inodes that pid has open, from the links in /proc/PID/fd ("socket:[12345]"). */
static int socket_inodes_of(pid_t pid, unsigned long *inodes, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while (n >= 0 && n < max && (e = readdir(d)) != NULL) {
        char link[400], target[64];
        snprintf(link, sizeof link, "%s/%s", path, e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len < 0 && errno == EACCES) {
            n = -1;     /* listed, but not ours to read: another user's process */
            break;
        }
        if (len <= 0)
            continue;
        target[len] = '\0';
        unsigned long inode;
        if (sscanf(target, "socket:[%lu]", &inode) == 1)
            inodes[n++] = inode;
    }
    closedir(d);
    return n;
}

int procnet_sockets_of(pid_t pid, const char *protocol, struct inet_socket *out, int max)
{
    unsigned long inodes[256];
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    if (stat(path, &st) < 0)
        return -1;
    int count = socket_inodes_of(pid, inodes, 256);
    bool by_owner = count < 0;
    snprintf(path, sizeof path, "/proc/net/%s", protocol);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char line[512];
    int found = 0;
    while (found < max && fgets(line, sizeof line, f)) {
        struct inet_socket s;
        if (!procnet_parse_line(line, &s))
            continue;
        if (by_owner) {
            if (s.uid == st.st_uid && s.inode != 0)
                out[found++] = s;
            continue;
        }
        for (int i = 0; i < count; i++) {
            if (inodes[i] == s.inode) {
                out[found++] = s;
                break;
            }
        }
    }
    fclose(f);
    return found;
}

bool procnet_find_tcp(uint16_t local_port, uint16_t remote_port, struct inet_socket *out)
{
    FILE *f = fopen("/proc/net/tcp", "re");
    if (f == NULL)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        struct inet_socket s;
        if (procnet_parse_line(line, &s) && s.local_port == local_port && s.remote_port == remote_port) {
            *out = s;
            found = true;
        }
    }
    fclose(f);
    return found;
}

const char *procnet_address(uint32_t ip, uint16_t port)
{
    static __thread char buf[32];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
             ip & 0xff, port);
    return buf;
}
