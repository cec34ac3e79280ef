/* text.h - a growable byte string, and the ways the grader shows bytes to a person. */
#ifndef GC_TEXT_H
#define GC_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A growable buffer. Zero-initialise it ({0}); data is always NUL-terminated once non-empty. */
struct text {
    char *data;
    size_t len;
    size_t cap;
};

void text_append(struct text *t, const void *bytes, size_t n);
void text_puts(struct text *t, const char *s);
void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void text_clear(struct text *t);
void text_free(struct text *t);
/* The contents as a C string ("" when empty); stays owned by t. */
const char *text_str(const struct text *t);

/* Appends bytes as a quoted C-like literal: "hi\n\x00". Printable ASCII stays as it is, the
 * rest is escaped, so the result is plain ASCII whatever the bytes were. At most max_shown
 * bytes are shown; the rest is summarised ("... and 1048000 more bytes"). */
void text_quote(struct text *t, const void *bytes, size_t n, size_t max_shown);

/* Appends the last max_lines lines (at most max_bytes bytes) of bytes, each line indented,
 * non-printable bytes escaped as in text_quote. For stderr tails and compiler messages. */
void text_indent_tail(struct text *t, const char *bytes, size_t n, int max_lines, size_t max_bytes);

/* Appends bytes with everything but printable ASCII and tab escaped as \xNN. */
void text_append_printable(struct text *t, const char *bytes, size_t n);

/* True when bytes[0..n) is well-formed UTF-8 (no overlongs, no surrogates, no NUL). */
bool utf8_valid(const char *bytes, size_t n);
/* Appends bytes with each ill-formed UTF-8 sequence and each NUL replaced by U+FFFD. */
void text_append_utf8_sanitized(struct text *t, const char *bytes, size_t n);

/* Appends s escaped for HTML or XML text and attribute values alike (< > & " '), at most
 * max_chars characters (a text cut ends with an ellipsis; SIZE_MAX: all). Ill-formed UTF-8
 * becomes U+FFFD; control characters are shown as \xNN, except newline and tab when
 * keep_lines (text in <pre>; XML 1.0 has no place for the others either). */
void text_append_markup(struct text *t, const char *s, size_t max_chars, bool keep_lines);

/* Splits s, in place, into its sections: each starts at a line beginning with heading (say
 * "## " in Markdown) and ends where the next starts, its '\n' replaced by NUL. What comes before
 * the first heading belongs to no section. Returns how many (at most max) sections[] holds. */
int text_split_sections(char *s, const char *heading, char *sections[], int max);

/* Reads up to cap bytes of a file into t (appending). Returns the file's size, or -1. */
long text_read_file(struct text *t, const char *path, size_t cap);

#endif
