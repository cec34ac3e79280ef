/* files.c - safe copies and removals for submissions and work folders. */
#define _GNU_SOURCE
#include "files.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int copy_regular_file(const char *from, const char *to, size_t max_bytes)
{
    int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max_bytes) {
        if (in >= 0)
            close(in);
        return -1;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    int rc = out < 0 ? -1 : 0;
    char buf[65536];
    ssize_t r = 0;
    while (rc == 0 && (r = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)r) != r)
            rc = -1;
    if (r < 0)
        rc = -1;
    close(in);
    if (out >= 0 && close(out) < 0)
        rc = -1;
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void remove_sockets_of(const char *dir, uid_t uid)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode)
            && st.st_uid == uid)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}
