/* check.h - the check in progress, as the files of the harness share it (harness.c: the check's
 * folder and programs; stall.c: knowing early that an answer will not come; ready.c: waiting for
 * a server to be ready; verdict.c: the feedback and the failure). Suites use harness.h only. */
#ifndef GC_CHECK_H
#define GC_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "exercise.h"
#include "feedback.h"
#include "lease.h"
#include "sandbox.h"
#include "text.h"

#define MAX_PROCS 64
/* How often a wait on a program that gives no event looks again. */
#define POLL_INTERVAL_MS 5
/* A daemon's parent is gone within this; a server still busy after it is not going away. */
#define FOREGROUND_MS 500

/* A check's folder has two parts: work/, where the student's programs run and may write
 * (their socket files, say), owned by the check's sandbox user; and io/, the files of their
 * stdin, stdout and stderr, which only the grader can write. The grader, privileged, opens
 * files in io/ only, so a link a program plants in work/ can never redirect what it opens. */
struct check_state {
    const struct exercise *exercise;
    char dir[512];  /* the check's folder, the grader's */
    char work[540]; /* the programs' working folder, theirs */
    char io[540];   /* their stdin/stdout/stderr files, the grader's */
    struct lease uid;
    struct lease port;
    struct proc procs[MAX_PROCS];
    bool left_processes[MAX_PROCS]; /* exited while others of its group still ran */
    bool in_foreground[MAX_PROCS];  /* seen waiting for clients once it was reachable */
    int nprocs;
    struct feedback fb;   /* what a failure will say, as data */
    struct text feedback; /* a note being written (stderr's end, a diff): see flush_note */
    char *pending_cause, *pending_cause_id;
};
extern struct check_state check;

/* harness.c */
/* The path of one of p's output files in io/ ("out", "err"). */
const char *check_output_path(const struct proc *p, const char *ext);
/* Waits until p sleeps in a call (or has exited), at most until deadline. */
void check_wait_blocked_until(struct proc *p, int64_t deadline);

/* ready.c */
/* A server that ends with status 0 by itself has most likely gone into the background. */
bool check_went_into_background(const struct proc *p);

/* stall.c */
/* Forgets what the last waits learnt (at the end of a check). */
void stall_forget(void);

#endif
