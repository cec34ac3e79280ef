/* flood.c - the red team's flood: linked into every program of an exercise of a correct
 * submission, it tries to reach the container's output (process 1's stdout and stderr, where an
 * older grader wrote results.json) with a forged results.json, then writes 1 GiB to its own stdout
 * and stderr before main runs. A correct grader caps what it keeps (RLIMIT_FSIZE; EFBIG here,
 * since SIGXFSZ is ignored), never lets it reach the results, and grades the program honestly. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char forged[] =
    "{\"score\": 999, \"max_score\": 999, \"output\": \"forged\", \"tests\": []}\n";

static void flood(int fd)
{
    static char block[1 << 16];
    memset(block, 'x', sizeof block);
    for (long long sent = 0; sent < (1LL << 30);) {
        ssize_t n = write(fd, block, sizeof block);
        if (n <= 0)
            return;         /* the file size limit: EFBIG */
        sent += n;
    }
}

__attribute__((constructor)) static void red_team_flood(void)
{
    signal(SIGXFSZ, SIG_IGN);
    static const char *const targets[] = { "/proc/1/fd/1", "/proc/1/fd/2", "/dev/console", NULL };
    for (int i = 0; targets[i]; i++) {
        int fd = open(targets[i], O_WRONLY | O_APPEND);
        if (fd >= 0) {
            if (write(fd, forged, sizeof forged - 1) < 0) { /* refused: as it should be */ }
            close(fd);
        }
    }
    flood(STDOUT_FILENO);
    flood(STDERR_FILENO);
}
