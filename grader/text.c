/* text.c - growable strings, quoting bytes for feedback, UTF-8 checking. */
#define _GNU_SOURCE
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void text_reserve(struct text *t, size_t extra)
{
    if (t->len + extra + 1 <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 64;
    while (cap < t->len + extra + 1)
        cap *= 2;
    char *p = realloc(t->data, cap);
    if (p == NULL) {
        perror("grader: out of memory");
        abort();
    }
    t->data = p;
    t->cap = cap;
}

void text_append(struct text *t, const void *bytes, size_t n)
{
    text_reserve(t, n);
    if (n > 0)
        memcpy(t->data + t->len, bytes, n);
    t->len += n;
    t->data[t->len] = '\0';
}

void text_puts(struct text *t, const char *s)
{
    text_append(t, s, strlen(s));
}

void text_printf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    text_reserve(t, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(t->data + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void text_clear(struct text *t)
{
    t->len = 0;
    if (t->data)
        t->data[0] = '\0';
}

void text_free(struct text *t)
{
    free(t->data);
    *t = (struct text){ 0 };
}

const char *text_str(const struct text *t)
{
    return t->data ? t->data : "";
}

static void append_escaped_byte(struct text *t, unsigned char c)
{
    switch (c) {
    case '\n': text_puts(t, "\\n"); return;
    case '\r': text_puts(t, "\\r"); return;
    case '\t': text_puts(t, "\\t"); return;
    case '"': text_puts(t, "\\\""); return;
    case '\\': text_puts(t, "\\\\"); return;
    default: break;
    }
    if (c >= 0x20 && c < 0x7f)
        text_append(t, &c, 1);
    else
        text_printf(t, "\\x%02x", c);
}

void text_quote(struct text *t, const void *bytes, size_t n, size_t max_shown)
{
    const unsigned char *b = bytes;
    size_t shown = n < max_shown ? n : max_shown;
    text_puts(t, "\"");
    for (size_t i = 0; i < shown; i++)
        append_escaped_byte(t, b[i]);
    text_puts(t, "\"");
    if (shown < n)
        text_printf(t, " ... and %zu more bytes", n - shown);
}

void text_indent_tail(struct text *t, const char *bytes, size_t n, int max_lines, size_t max_bytes)
{
    while (n > 0 && (bytes[n - 1] == '\n' || bytes[n - 1] == '\r'))
        n--;
    size_t start = n > max_bytes ? n - max_bytes : 0;
    int lines = 0;
    for (size_t i = n; i > start; i--) {
        if (bytes[i - 1] == '\n' && ++lines == max_lines) {
            start = i;
            break;
        }
    }
    if (start > 0)
        text_puts(t, "    ...\n");
    text_puts(t, "    ");
    for (size_t i = start; i < n; i++) {
        if (bytes[i] == '\n')
            text_puts(t, "\n    ");
        else
            text_append_printable(t, bytes + i, 1);
    }
    text_puts(t, "\n");
}

void text_append_printable(struct text *t, const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c == '\t' || (c >= 0x20 && c < 0x7f))
            text_append(t, &c, 1);
        else
            text_printf(t, "\\x%02x", c);
    }
}

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 when it is ill-formed. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned min;
    unsigned code;
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    /* clang-format off */ /* the table of UTF-8 lead bytes */
    if (c >= 0xc2 && c <= 0xdf) { len = 2; code = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; code = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; code = c & 0x07; min = 0x10000; }
    else return 0;
    /* clang-format on */
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        code = (code << 6) | (s[i] & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return len;
}

bool utf8_valid(const char *bytes, size_t n)
{
    const unsigned char *s = (const unsigned char *)bytes;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_sequence_length(s + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

void text_append_utf8_sanitized(struct text *t, const char *bytes, size_t n)
{
    static const char replacement[] = "\xef\xbf\xbd";
    const unsigned char *s = (const unsigned char *)bytes;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_sequence_length(s + i, n - i);
        if (len == 0) {
            text_append(t, replacement, 3);
            i++;
        } else {
            text_append(t, s + i, len);
            i += len;
        }
    }
}

long text_read_file(struct text *t, const char *path, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    size_t want = (size_t)st.st_size < cap ? (size_t)st.st_size : cap;
    text_reserve(t, want);
    size_t got = 0;
    while (got < want) {
        ssize_t r = read(fd, t->data + t->len + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    t->len += got;
    t->data[t->len] = '\0';
    close(fd);
    return (long)st.st_size;
}

int text_split_sections(char *s, const char *heading, char *sections[], int max)
{
    size_t hlen = strlen(heading);
    int n = 0;
    for (char *line = s; line && *line && n < max;) {
        if (strncmp(line, heading, hlen) == 0) {
            if (line > s)
                line[-1] = '\0'; /* ends the previous section */
            sections[n++] = line;
        }
        char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

void text_append_markup(struct text *t, const char *s, size_t max_chars, bool keep_lines)
{
    struct text clean = { 0 };
    text_append_utf8_sanitized(&clean, s, strlen(s));
    size_t chars = 0;
    for (const unsigned char *c = (const unsigned char *)text_str(&clean); *c; c++) {
        if ((*c & 0xc0) != 0x80 && ++chars > max_chars) {
            text_puts(t, "\xe2\x80\xa6"); /* ... */
            break;
        }
        switch (*c) {
        case '<': text_puts(t, "&lt;"); break;
        case '>': text_puts(t, "&gt;"); break;
        case '&': text_puts(t, "&amp;"); break;
        case '"': text_puts(t, "&quot;"); break;
        case '\'': text_puts(t, "&#39;"); break;
        default:
            if ((*c < 0x20 && !(keep_lines && (*c == '\n' || *c == '\t'))) || *c == 0x7f)
                text_printf(t, "\\x%02x", *c);
            else
                text_append(t, c, 1);
        }
    }
    text_free(&clean);
}
