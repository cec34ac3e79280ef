#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
int make_addr(struct sockaddr_un *a, const char *path);
int write_fully(int fd, const void *buf, size_t n);
