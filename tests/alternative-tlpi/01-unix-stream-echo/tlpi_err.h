/* tlpi_err.h - TLPI-style error exits: print what failed and why, then exit(EXIT_FAILURE). */
#ifndef TLPI_ERR_H
#define TLPI_ERR_H

_Noreturn void errExit(const char *what);

#endif
