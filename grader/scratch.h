/* scratch.h - memory that lives until the check ends: a check allocates freely and never frees,
 * and check_teardown() frees it all at once (scratch_free_all). Checks run in processes of their
 * own, one at a time each, so one list serves. */
#ifndef GC_SCRATCH_H
#define GC_SCRATCH_H

#include <stddef.h>

#include "text.h"

/* n bytes, zeroed. */
void *scratch_alloc(size_t n);
/* printf into scratch memory. */
const char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* bytes as a quoted literal ("hi\n\x00"), at most 200 shown. */
const char *quote(const void *bytes, size_t n);
const char *quote_text(const struct text *t);
/* n pseudo-random bytes (NUL bytes included), the same for the same seed. */
const char *test_bytes(size_t n, unsigned seed);
/* Frees everything allocated above since the last call. */
void scratch_free_all(void);

#endif
