/* diff.c - how the bytes a check got differ from those it expected (see diff.h). */
#include "diff.h"

#include <string.h>

#define DIFF_MAX_TEXT 4000 /* longer output is shown by its first difference only */
#define DIFF_MAX_LINES 40

bool diff_is_text(const char *s, size_t n)
{
    if (n == 0 || n > DIFF_MAX_TEXT || memchr(s, '\n', n) == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
            return false;
    return true;
}

/* The next line of s (without its '\n'), advancing *pos; NULL at the end. */
static const char *next_line_of(const char *s, size_t n, size_t *pos, size_t *len)
{
    if (*pos >= n)
        return NULL;
    const char *start = s + *pos;
    const char *nl = memchr(start, '\n', n - *pos);
    *len = nl ? (size_t)(nl - start) : n - *pos;
    *pos += *len + (nl != NULL);
    return start;
}

static void diff_line(struct text *out, const char *mark, const char *line, size_t len)
{
    text_puts(out, mark);
    text_append_printable(out, line, len);
    text_puts(out, "\n");
}

void diff_lines(struct text *out, const char *want, size_t n, const char *got, size_t len)
{
    text_puts(out, "Diff (- expected, + got):\n");
    size_t wp = 0, gp = 0, wl = 0, gl = 0;
    for (int lines = 0; lines < DIFF_MAX_LINES; lines++) {
        const char *w = next_line_of(want, n, &wp, &wl);
        const char *g = next_line_of(got, len, &gp, &gl);
        if (w == NULL && g == NULL)
            break;
        if (w && g && wl == gl && memcmp(w, g, wl) == 0) {
            diff_line(out, "    ", w, wl);
            continue;
        }
        if (w)
            diff_line(out, "  - ", w, wl);
        if (g)
            diff_line(out, "  + ", g, gl);
    }
}

bool diff_bytes_reversed(const char *want, size_t n, const char *got, size_t len)
{
    for (size_t width = 4; width >= 2; width -= 2) {
        if (n < width || len < width)
            continue;
        bool reversed = true;
        for (size_t i = 0; i < width && reversed; i++)
            reversed = want[i] == got[width - 1 - i];
        if (reversed && memcmp(want, got, width) != 0)
            return true;
    }
    return false;
}

struct difference diff_compare(const char *want, size_t n, const char *got, size_t len)
{
    struct difference d = { DIFF_AT, 0, DIFF_NO_CAUSE };
    while (d.at < n && d.at < len && want[d.at] == got[d.at])
        d.at++;
    if (d.at == n && d.at == len) {
        d.shape = DIFF_SAME;
    } else if (len == 0) {
        d.shape = DIFF_NOTHING;
    } else if (len < n && d.at == len) {
        d.shape = DIFF_CUT;
        const char *nul = memchr(want, '\0', n);
        d.cause = nul && (size_t)(nul - want) == len ? DIFF_STOPPED_AT_NUL : DIFF_SHORT_TRANSFER;
    } else if (len > n && d.at == n) {
        d.shape = DIFF_LONGER;
    } else if (diff_bytes_reversed(want + d.at, n - d.at, got + d.at, len - d.at)) {
        d.cause = DIFF_BYTE_ORDER;
    } else if (want[d.at] == '\0') {
        d.cause = DIFF_LOST_NUL;
    } else if (want[d.at] == '\n' && got[d.at] != '\n') {
        d.cause = DIFF_PRINTED_AS_STRING;
    }
    return d;
}
