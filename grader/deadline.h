/* deadline.h - monotonic milliseconds. Every wait in the grader ends at a deadline. */
#ifndef GC_DEADLINE_H
#define GC_DEADLINE_H

#include <stdint.h>
#include <time.h>

static inline int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t deadline_in(int ms)
{
    return now_ms() + ms;
}

/* Milliseconds left until deadline, never negative; suitable for poll(). */
static inline int ms_left(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    return left > 0 ? (int)left : 0;
}

#endif
