/* dockercli.c - the docker client as batch grading runs it (dockercli.h). */
#define _GNU_SOURCE
#include "dockercli.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"

#define OUTPUT_KEPT 4096

const struct limits dockercli_limits = {
    .cpu_seconds = 3600,
    .processes = 4096,
    .file_bytes = 1 << 20,
    .open_files = 1024,
};

int dockercli_run(const char *const *argv, const char *scratch, struct text *out, int ms)
{
    static int runs;
    char out_path[4096];
    if (out)
        snprintf(out_path, sizeof out_path, "%s/docker-%d-%d.out", scratch, (int)getpid(), runs++);
    struct proc p;
    struct text why = { 0 };
    struct proc_spec spec = {
        .argv = argv, .name = "docker", .stdout_path = out ? out_path : NULL, .limits = &dockercli_limits
    };
    int status = -1;
    if (proc_start(&p, &spec, &why) == 0) {
        if (proc_wait(&p, deadline_in(ms)) && WIFEXITED(p.status))
            status = WEXITSTATUS(p.status);
        proc_kill(&p);
    }
    text_free(&why);
    if (out) {
        text_read_file(out, out_path, OUTPUT_KEPT);
        unlink(out_path);
    }
    return status;
}
