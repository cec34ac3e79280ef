/* driver.h - what the two framing drivers share: connecting to the check's socket. */
#ifndef DRIVER_H
#define DRIVER_H

/* Connects to the UNIX stream socket at path; exits with status 1 on failure. */
int driver_connect(const char *path);

#endif
