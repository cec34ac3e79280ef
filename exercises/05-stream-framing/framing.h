/* framing.h - messages over a byte stream (TLPI 61.1). Provided by the kit: do not change it.
 *
 * A stream socket keeps no message boundaries, so each message travels as a frame: its length
 * as a 4-byte unsigned integer in network byte order (big-endian), then that many bytes. */
#ifndef FRAMING_H
#define FRAMING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Sends one frame: the length of buf, then its len bytes. Handles partial writes and EINTR.
 * Returns 0, or -1 on error. Messages are never empty: len 0 returns -1 with errno EINVAL. */
int send_msg(int fd, const void *buf, uint32_t len);

/* Receives one frame into buf, which holds cap bytes. Handles partial reads and EINTR.
 * Returns the message's length; 0 at a clean end-of-file before a message; -1 on error, on
 * end-of-file in the middle of a frame, for a length of 0 (messages are never empty, so 0
 * always means end-of-file), or when the message is longer than cap (never writing past
 * cap). */
ssize_t recv_msg(int fd, void *buf, size_t cap);

#endif
