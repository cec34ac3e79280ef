/* scratch.c - a check's memory, freed all at once when it ends. */
#define _GNU_SOURCE
#include "scratch.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static char **blocks;
static size_t nblocks;

static const char *keep(char *s)
{
    char **grown = realloc(blocks, (nblocks + 1) * sizeof *grown);
    if (grown == NULL)
        abort();
    blocks = grown;
    blocks[nblocks++] = s;
    return s;
}

void *scratch_alloc(size_t n)
{
    char *p = calloc(1, n ? n : 1);
    if (p == NULL)
        abort();
    return (void *)keep(p);
}

const char *fmt(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char *s;
    if (vasprintf(&s, format, ap) < 0)
        abort();
    va_end(ap);
    return keep(s);
}

const char *quote(const void *bytes, size_t n)
{
    struct text t = { 0 };
    text_quote(&t, bytes, n, 200);
    return keep(t.data);
}

const char *quote_text(const struct text *t)
{
    return quote(t->data ? t->data : "", t->len);
}

const char *test_bytes(size_t n, unsigned seed)
{
    char *b = scratch_alloc(n);
    uint32_t x = seed * 2654435761u + 1;
    /* Plenty of NUL bytes (every 97th from the 6th): data is not a string. Counted down, not
     * i % 97: a check makes up to 16 MB of them, and a division a byte shows. */
    size_t until_nul = 5;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (char)(x >> 16);
        if (until_nul-- == 0) {
            b[i] = '\0';
            until_nul = 96;
        }
    }
    return b;
}

void scratch_free_all(void)
{
    for (size_t i = 0; i < nblocks; i++)
        free(blocks[i]);
    free(blocks);
    blocks = NULL;
    nblocks = 0;
}
