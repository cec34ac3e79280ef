/* procnet.c - reading /proc/net/{tcp,udp}{,6} and matching sockets to a process by inode. */
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

/* An address as /proc/net prints it: 8 hex digits for IPv4, 32 for IPv6 (four 32-bit words,
 * each the word the kernel stores, in network byte order, printed as a number: hence ntohl).
 * IPv6 "::" (any address) becomes 0 and an IPv4-mapped ::ffff:a.b.c.d its IPv4 address, so
 * that a dual-stack socket reads like the IPv4 one it also is; any other IPv6 address becomes
 * 255.255.255.255, "one address that is not 0.0.0.0". */
static uint32_t parse_address(const char *hex)
{
    size_t len = strlen(hex);
    unsigned long words[4] = { 0 };
    int n = (int)(len / 8);
    for (int i = 0; i < n && i < 4; i++) {
        char word[9];
        memcpy(word, hex + 8 * i, 8);
        word[8] = '\0';
        words[i] = strtoul(word, NULL, 16);
    }
    if (n == 1)
        return ntohl((uint32_t)words[0]);
    if (words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0)
        return 0;
    if (words[0] == 0 && words[1] == 0 && ntohl((uint32_t)words[2]) == 0xffff)
        return ntohl((uint32_t)words[3]);
    return 0xffffffffu;
}

bool procnet_parse_line(const char *line, struct inet_socket *s)
{
    unsigned slot, lport, rport, state;
    unsigned long tx, rx, inode, uid;
    char local[33], remote[33];
    /* "  0: 0100007F:4E21 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 12345 ..." */
    int n = sscanf(line, " %u: %32[0-9A-Fa-f]:%4X %32[0-9A-Fa-f]:%4X %2X %8lX:%8lX %*x:%*x %*x %lu %*d %lu",
                   &slot, local, &lport, remote, &rport, &state, &tx, &rx, &uid, &inode);
    if (n != 10 || (strlen(local) != 8 && strlen(local) != 32))
        return false;
    s->uid = uid;
    s->local_ip = parse_address(local);
    s->remote_ip = parse_address(remote);
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

/* Calls keep(s, arg) for each socket of /proc/net/PROTOCOL and /proc/net/PROTOCOL6 (a
 * dual-stack IPv6 socket serves IPv4 clients too) until it returns false. */
static void each_socket(const char *protocol, bool (*keep)(const struct inet_socket *, void *), void *arg)
{
    for (int v6 = 0; v6 <= 1; v6++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/net/%s%s", protocol, v6 ? "6" : "");
        FILE *f = fopen(path, "re");
        if (f == NULL)
            continue;
        char line[512];
        bool more = true;
        while (more && fgets(line, sizeof line, f)) {
            struct inet_socket s;
            if (procnet_parse_line(line, &s))
                more = keep(&s, arg);
        }
        fclose(f);
        if (!more)
            return;
    }
}

struct owned_sockets {
    const unsigned long *inodes;
    int ninodes;            /* -1: match by owner instead */
    uid_t owner;
    struct inet_socket *out;
    int found, max;
};

static bool keep_if_owned(const struct inet_socket *s, void *arg)
{
    struct owned_sockets *o = arg;
    bool mine = false;
    if (o->ninodes < 0) {
        mine = s->uid == o->owner && s->inode != 0;
    } else {
        for (int i = 0; i < o->ninodes && !mine; i++)
            mine = o->inodes[i] == s->inode;
    }
    if (mine)
        o->out[o->found++] = *s;
    return o->found < o->max;
}

int procnet_sockets_of(pid_t pid, const char *protocol, struct inet_socket *out, int max)
{
    unsigned long inodes[256];
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    if (stat(path, &st) < 0)
        return -1;
    struct owned_sockets o = { inodes, socket_inodes_of(pid, inodes, 256), st.st_uid, out, 0, max };
    if (max > 0)
        each_socket(protocol, keep_if_owned, &o);
    return o.found;
}

int procnet_sockets_of_all(const pid_t *pids, int npids, const char *protocol, struct inet_socket *out,
                           int max)
{
    unsigned long inodes[1024];
    int n = 0;
    struct stat st;
    for (int i = 0; i < npids && n < 1024; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d", (int)pids[i]);
        int got = stat(path, &st) < 0 ? 0 : socket_inodes_of(pids[i], inodes + n, 1024 - n);
        if (got < 0) {
            n = -1;         /* not ours to read: match by their owner, as procnet_sockets_of */
            break;
        }
        n += got;
    }
    if (npids == 0)
        return 0;
    struct owned_sockets o = { inodes, n, st.st_uid, out, 0, max };
    if (max > 0)
        each_socket(protocol, keep_if_owned, &o);
    return o.found;
}

struct connection {
    uint16_t local_port, remote_port;
    struct inet_socket *out;
    bool found;
};

static bool keep_unless_found(const struct inet_socket *s, void *arg)
{
    struct connection *c = arg;
    if (s->local_port == c->local_port && s->remote_port == c->remote_port) {
        *c->out = *s;
        c->found = true;
    }
    return !c->found;
}

bool procnet_find_tcp(uint16_t local_port, uint16_t remote_port, struct inet_socket *out)
{
    struct connection c = { local_port, remote_port, out, false };
    each_socket("tcp", keep_unless_found, &c);
    return c.found;
}

const char *procnet_address(uint32_t ip, uint16_t port)
{
    static __thread char buf[32];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
             ip & 0xff, port);
    return buf;
}
