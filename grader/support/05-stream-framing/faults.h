/* faults.h - fault injection for the framing drivers.
 *
 * Two kinds, so that a framing.c cannot step around them:
 * - From the check's side (FAULT_SIGNALS): the driver catches SIGUSR1 with a handler installed
 *   without SA_RESTART and keeps a small send buffer. The check then feeds bytes one at a time,
 *   lets sends fill the buffer, and sends SIGUSR1 while a call waits: the kernel itself makes
 *   that call fail with EINTR or return short, however framing.c makes it.
 * - In the driver (FAULT_SHORT, FAULT_EINTR): the drivers are linked with
 *   -Wl,--wrap=read,--wrap=recv,... so every such call in framing.c goes through faults.c first,
 *   which can make it move fewer bytes than asked or fail with EINTR, every time. The grader
 *   refuses a framing.c that calls anything else to move bytes (see grader/symbols.h). */
#ifndef FAULTS_H
#define FAULTS_H

enum {
    FAULT_SHORT = 1,    /* reads return at most 1 byte, writes move at most 3 */
    FAULT_EINTR = 2,    /* every other call fails with EINTR before doing anything */
    FAULT_SIGNALS = 4,  /* SIGUSR1 interrupts calls (no SA_RESTART); a small send buffer */
};

/* Injects the faults in mode (a mix of FAULT_*) into calls on fd. Exits with status 1 when the
 * signal handler cannot be installed. */
void faults_inject(int fd, int mode);
/* Reads the options ("--short", "--eintr", "--signals") at argv[*i...]; returns the mode, or -1
 * for an unknown option (so that a check passing a wrong one finds out at once). */
int faults_parse_options(int argc, char *argv[], int *i);

#endif
