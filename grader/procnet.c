/* procnet.c - reading /proc/net/{tcp,udp}{,6} and matching sockets to a process by inode; asking
 * sock_diag (netlink) for one connection. */
#define _GNU_SOURCE
#include "procnet.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALL_STATES 0xffffffffu /* a mask of 1 << state: every state */

/* An IPv4 address in host byte order from the words the kernel stores (network byte order): one
 * for IPv4, four for IPv6. IPv6 "::" (any address) becomes 0 and an IPv4-mapped ::ffff:a.b.c.d
 * its IPv4 address, so that a dual-stack socket reads like the IPv4 one it also is; any other
 * IPv6 address becomes 255.255.255.255, "one address that is not 0.0.0.0". */
static uint32_t ipv4_of(const uint32_t *words, int n)
{
    if (n == 1)
        return ntohl(words[0]);
    if (words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0)
        return 0;
    if (words[0] == 0 && words[1] == 0 && ntohl(words[2]) == 0xffff)
        return ntohl(words[3]);
    return 0xffffffffu;
}

/* An address as /proc/net prints it: 8 hex digits for IPv4, 32 for IPv6 (each 32-bit word the
 * kernel stores, printed as a number). */
static uint32_t parse_address(const char *hex)
{
    uint32_t words[4] = { 0 };
    int n = (int)(strlen(hex) / 8);
    for (int i = 0; i < n && i < 4; i++) {
        char word[9];
        memcpy(word, hex + 8 * i, 8);
        word[8] = '\0';
        words[i] = (uint32_t)strtoul(word, NULL, 16);
    }
    return ipv4_of(words, n == 1 ? 1 : 4);
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
            n = -1; /* listed, but not ours to read: another user's process */
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

/* --- sock_diag (sock_diag(7)): the kernel's own answers, without /proc's text ------------- */

/* A socket as sock_diag describes it, in /proc/net's terms. */
static void from_diag(const struct inet_diag_msg *m, struct inet_socket *s)
{
    int words = m->idiag_family == AF_INET ? 1 : 4;
    *s = (struct inet_socket){
        .local_ip = ipv4_of(m->id.idiag_src, words),
        .local_port = ntohs(m->id.idiag_sport),
        .remote_ip = ipv4_of(m->id.idiag_dst, words),
        .remote_port = ntohs(m->id.idiag_dport),
        .state = m->idiag_state,
        .tx_queue = m->idiag_wqueue,
        .rx_queue = m->idiag_rqueue,
        .inode = m->idiag_inode,
        .uid = m->idiag_uid,
    };
}

/* Sends sock_diag one request: a dump of the sockets of family and protocol in states (a mask of
 * 1 << state), or the one socket id names. The kernel answers within send(): the whole answer,
 * or a dump's first part, is queued when it returns, and each recv() queues the next part, so
 * that reading it never waits (MSG_DONTWAIT). Returns the descriptor to read it from, or -1. */
static int diag_ask(int family, int protocol, uint32_t states, const struct inet_diag_sockid *id)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return -1;
    struct {
        struct nlmsghdr header;
        struct inet_diag_req_v2 request;
    } ask = {
        .header = { .nlmsg_len = sizeof ask,
                    .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                    .nlmsg_flags = NLM_F_REQUEST | (id ? 0 : NLM_F_DUMP) },
        .request = { .sdiag_family = (uint8_t)family,
                     .sdiag_protocol = (uint8_t)protocol,
                     .idiag_states = states },
    };
    if (id)
        ask.request.id = *id;
    if (send(fd, &ask, sizeof ask, 0) != (ssize_t)sizeof ask) {
        close(fd);
        return -1;
    }
    return fd;
}

union diag_reply {
    struct nlmsghdr header;
    char bytes[32768];
};

/* Calls keep(s, arg) for each socket of a dump while *more. Returns 0 at the dump's end (or
 * when keep said stop), -1 when the kernel cannot be asked or stopped answering; *told counts
 * the sockets passed to keep. */
static int diag_dump(int family, int protocol, uint32_t states,
                     bool (*keep)(const struct inet_socket *, void *), void *arg, bool *more, int *told)
{
    int fd = diag_ask(family, protocol, states, NULL);
    if (fd < 0)
        return -1;
    union diag_reply reply;
    int result = -1;
    for (bool done = false; !done;) {
        int len = (int)recv(fd, &reply, sizeof reply, MSG_DONTWAIT);
        if (len <= 0)
            break;
        for (const struct nlmsghdr *h = &reply.header; !done && NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                result = h->nlmsg_type == NLMSG_DONE ? 0 : -1;
                done = true;
            } else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY
                       && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
                struct inet_socket s;
                from_diag(NLMSG_DATA(h), &s);
                (*told)++;
                *more = keep(&s, arg);
                done = !*more;
                result = done ? 0 : result;
            }
        }
    }
    close(fd);
    return result;
}

/* Calls keep(s, arg) for each socket of /proc/net/FILE in states, while *more. */
static void proc_dump(const char *file, uint32_t states, bool (*keep)(const struct inet_socket *, void *),
                      void *arg, bool *more)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/net/%s", file);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    char line[512];
    while (*more && fgets(line, sizeof line, f)) {
        struct inet_socket s;
        /* (a state past 31 is no TCP state: a shift that far would be undefined) */
        if (procnet_parse_line(line, &s) && s.state < 32 && (states & (1u << s.state)))
            *more = keep(&s, arg);
    }
    fclose(f);
}

/* Calls keep(s, arg) for each IPv4 and IPv6 socket of protocol ("tcp" or "udp") in states (a
 * dual-stack IPv6 socket serves IPv4 clients too) until it returns false. sock_diag first: it
 * lists TCP listeners alone without walking every connection slot of the machine, as
 * /proc/net/tcp does (a millisecond or more each time); /proc when it cannot be asked. */
static void each_socket(const char *protocol, uint32_t states,
                        bool (*keep)(const struct inet_socket *, void *), void *arg)
{
    bool tcp = strcmp(protocol, "tcp") == 0, more = true;
    for (int v6 = 0; v6 <= 1 && more; v6++) {
        int told = 0;
        if (diag_dump(v6 ? AF_INET6 : AF_INET, tcp ? IPPROTO_TCP : IPPROTO_UDP, states, keep, arg, &more, &told)
                < 0
            && told == 0) {
            char file[16];
            snprintf(file, sizeof file, "%s%s", protocol, v6 ? "6" : "");
            proc_dump(file, states, keep, arg, &more);
        }
    }
}

struct owned_sockets {
    const unsigned long *inodes;
    int ninodes; /* -1: match by owner instead */
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

static int sockets_in_states(pid_t pid, const char *protocol, uint32_t states, struct inet_socket *out, int max)
{
    unsigned long inodes[256];
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    if (stat(path, &st) < 0)
        return -1;
    struct owned_sockets o = { inodes, socket_inodes_of(pid, inodes, 256), st.st_uid, out, 0, max };
    if (max > 0)
        each_socket(protocol, states, keep_if_owned, &o);
    return o.found;
}

int procnet_sockets_of(pid_t pid, const char *protocol, struct inet_socket *out, int max)
{
    return sockets_in_states(pid, protocol, ALL_STATES, out, max);
}

int procnet_listeners_of(pid_t pid, struct inet_socket *out, int max)
{
    return sockets_in_states(pid, "tcp", 1u << PROCNET_TCP_LISTEN, out, max);
}

int procnet_sockets_of_all(const pid_t *pids, int npids, const char *protocol, struct inet_socket *out, int max)
{
    unsigned long inodes[1024];
    int n = 0;
    struct stat st;
    for (int i = 0; i < npids && n < 1024; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d", (int)pids[i]);
        int got = stat(path, &st) < 0 ? 0 : socket_inodes_of(pids[i], inodes + n, 1024 - n);
        if (got < 0) {
            n = -1; /* not ours to read: match by their owner, as procnet_sockets_of */
            break;
        }
        n += got;
    }
    if (npids == 0)
        return 0;
    struct owned_sockets o = { inodes, n, st.st_uid, out, 0, max };
    if (max > 0)
        each_socket(protocol, ALL_STATES, keep_if_owned, &o);
    return o.found;
}

/* Asks sock_diag for the TCP socket whose own end is `local` and whose peer is `remote`: a hash
 * lookup, where /proc/net/tcp walks every connection slot of the machine (and a check waiting
 * for a program to read looks every millisecond). Returns 1 and fills out when found, 0 when
 * there is none, -1 when the kernel cannot be asked. */
static int diag_lookup(const struct sockaddr_in *local, const struct sockaddr_in *remote,
                       struct inet_socket *out)
{
    struct inet_diag_sockid id = {
        .idiag_sport = local->sin_port,
        .idiag_dport = remote->sin_port,
        .idiag_src = { local->sin_addr.s_addr },
        .idiag_dst = { remote->sin_addr.s_addr },
        .idiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
    };
    int fd = diag_ask(AF_INET, IPPROTO_TCP, ALL_STATES, &id);
    if (fd < 0)
        return -1;
    union diag_reply reply;
    int len = (int)recv(fd, &reply, sizeof reply, MSG_DONTWAIT);
    close(fd);
    const struct nlmsghdr *h = &reply.header;
    if (len < 0 || !NLMSG_OK(h, len))
        return -1;
    if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        return e->error == -ENOENT ? 0 : -1;
    }
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
        return -1;
    const struct inet_diag_msg *m = NLMSG_DATA(h);
    /* With no connection of that pair, the kernel's lookup falls back to the listener. */
    if (m->idiag_state == PROCNET_TCP_LISTEN || m->id.idiag_dport != remote->sin_port)
        return 0;
    from_diag(m, out);
    return 1;
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

bool procnet_peer_end(int fd, struct inet_socket *out)
{
    struct sockaddr_in self, peer;
    socklen_t self_len = sizeof self, peer_len = sizeof peer;
    if (getsockname(fd, (struct sockaddr *)&self, &self_len) < 0
        || getpeername(fd, (struct sockaddr *)&peer, &peer_len) < 0 || self.sin_family != AF_INET)
        return false;
    int found = diag_lookup(&peer, &self, out);
    if (found >= 0)
        return found == 1;
    struct connection c = { ntohs(peer.sin_port), ntohs(self.sin_port), out, false };
    each_socket("tcp", ALL_STATES, keep_unless_found, &c);
    return c.found;
}

bool procnet_holds_peer_end(pid_t pid, int fd)
{
    struct inet_socket s;
    if (!procnet_peer_end(fd, &s) || s.inode == 0) /* no inode yet: still in the accept queue */
        return false;
    unsigned long inodes[256];
    int n = socket_inodes_of(pid, inodes, 256);
    for (int i = 0; i < n; i++)
        if (inodes[i] == s.inode)
            return true;
    if (n >= 0)
        return false;
    char path[64]; /* its descriptors are not ours to read: by owner, as procnet_sockets_of */
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    return stat(path, &st) == 0 && st.st_uid == s.uid;
}

const char *procnet_address(uint32_t ip, uint16_t port)
{
    static __thread char buf[32];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff, port);
    return buf;
}
