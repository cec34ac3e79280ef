/* tlpi_err.c - see tlpi_err.h. */
#include "tlpi_err.h"

#include <stdio.h>
#include <stdlib.h>

void errExit(const char *what)
{
    perror(what);
    exit(EXIT_FAILURE);
}
