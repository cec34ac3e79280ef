/* dockercli.h - running the docker client from batch grading: under limits, with a deadline. */
#ifndef GC_DOCKERCLI_H
#define GC_DOCKERCLI_H

#include "sandbox.h"
#include "text.h"

/* The docker client's limits: it may run as long as a grading takes; what it prints (its own
 * errors only: a container's output goes nowhere) is capped. */
extern const struct limits dockercli_limits;

/* Runs the docker client with argv ({"/usr/bin/env", "docker", ...}) until it ends or ms pass,
 * then makes sure it is gone. With out, its standard output (at most 4 KiB) is appended there,
 * through a file in the folder scratch. Returns its exit status, or -1. */
int dockercli_run(const char *const *argv, const char *scratch, struct text *out, int ms);

#endif
