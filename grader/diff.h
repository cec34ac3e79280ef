/* diff.h - how the bytes a check got differ from those it expected, as data: where they part,
 * the shape of the difference, and the likely cause that shape suggests. The words of the
 * feedback are the harness's (explain_difference); this needs no check to run, so that it is
 * unit tested. */
#ifndef GC_DIFF_H
#define GC_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "text.h"

enum diff_shape {
    DIFF_SAME,    /* no difference */
    DIFF_NOTHING, /* not one byte came */
    DIFF_CUT,     /* got is the start of want, cut short */
    DIFF_LONGER,  /* got is want and more bytes after it */
    DIFF_AT,      /* they differ at byte .at */
};

enum diff_cause {
    DIFF_NO_CAUSE,
    DIFF_STOPPED_AT_NUL,    /* cut right before want's first NUL: treated as a C string */
    DIFF_SHORT_TRANSFER,    /* cut elsewhere: one recv() or send() where a loop was needed */
    DIFF_LOST_NUL,          /* a NUL byte of want is missing from got */
    DIFF_PRINTED_AS_STRING, /* bytes where a line ended: a buffer printed as a C string */
    DIFF_BYTE_ORDER,        /* 2 or 4 bytes reversed: a number in the other byte order */
};

struct difference {
    enum diff_shape shape;
    size_t at; /* how many bytes at the start agree */
    enum diff_cause cause;
};

struct difference diff_compare(const char *want, size_t n, const char *got, size_t len);

/* True for short text made of printable lines: worth showing as a line diff. */
bool diff_is_text(const char *s, size_t n);

/* Appends "Diff (- expected, + got):" and the first 40 lines of each side: "    line" where
 * they agree, "  - expected" and "  + got" where they do not; bytes escaped as printable. */
void diff_lines(struct text *out, const char *want, size_t n, const char *got, size_t len);

/* True when the 2 or 4 bytes at want are got's in reverse order (and differ). */
bool diff_bytes_reversed(const char *want, size_t n, const char *got, size_t len);

#endif
