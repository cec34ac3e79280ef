/* faults.h - fault injection for the framing drivers. The drivers are linked with
 * -Wl,--wrap=read,--wrap=recv,... so every such call in the student's framing.c goes through
 * faults.c first, which, on the socket the driver names, can make it move fewer bytes than
 * asked or fail once with EINTR: exactly what a slow network or a signal does, but every time. */
#ifndef FAULTS_H
#define FAULTS_H

enum {
    FAULT_SHORT = 1,    /* reads return at most 1 byte, writes move at most 3 */
    FAULT_EINTR = 2,    /* every other call fails with EINTR before doing anything */
};

/* Injects the faults in mode (a mix of FAULT_*) into calls on fd. */
void faults_inject(int fd, int mode);
/* Reads "--short" and "--eintr" options at argv[*i...]; returns the mode. */
int faults_parse_options(int argc, char *argv[], int *i);

#endif
