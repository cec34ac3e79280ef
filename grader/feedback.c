/* feedback.c - a check's feedback as data: lines of a few kinds, shown in one order. */
#define _GNU_SOURCE
#include "feedback.h"

#include <stdlib.h>
#include <string.h>

/* The marker of a feedback JSON text: anything else reaching the runner is plain text. */
#define FEEDBACK_FORMAT "get-connected-feedback-1"

static const struct {
    const char *name;  /* in the JSON */
    const char *label; /* in the text */
    int rank;          /* the order shown: lower first */
} kinds[] = {
    [FEEDBACK_RAN] = { "ran", "Ran:      ", 0 },
    [FEEDBACK_SENT] = { "sent", "Sent:     ", 1 },
    [FEEDBACK_EXPECTED] = { "expected", "Expected: ", 2 },
    [FEEDBACK_GOT] = { "got", "Got:      ", 3 },
    [FEEDBACK_CAUSE] = { "cause", "Likely cause: ", 4 },
    [FEEDBACK_SECTION] = { "section", "", 5 },
    [FEEDBACK_NOTE] = { "note", "", -1 }, /* the rank of the line it follows */
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static char *copy(const char *s)
{
    char *c = strdup(s ? s : "");
    if (c == NULL)
        abort();
    return c;
}

void feedback_add(struct feedback *f, enum feedback_kind kind, const char *text)
{
    if (f->count == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->lines = realloc(f->lines, f->cap * sizeof *f->lines);
        if (f->lines == NULL)
            abort();
    }
    f->lines[f->count++] = (struct feedback_line){ kind, copy(text) };
}

void feedback_drop(struct feedback *f, enum feedback_kind kind)
{
    size_t kept = 0;
    bool dropping = false; /* a dropped line's notes go with it */
    for (size_t i = 0; i < f->count; i++) {
        enum feedback_kind k = f->lines[i].kind;
        if (k != FEEDBACK_NOTE)
            dropping = k == kind;
        if (dropping) {
            free(f->lines[i].text);
            continue;
        }
        f->lines[kept++] = f->lines[i];
    }
    f->count = kept;
}

bool feedback_has(const struct feedback *f, enum feedback_kind kind)
{
    for (size_t i = 0; i < f->count; i++)
        if (f->lines[i].kind == kind)
            return true;
    return false;
}

void feedback_set_cause_id(struct feedback *f, const char *id)
{
    free(f->cause_id);
    f->cause_id = id ? copy(id) : NULL;
}

void feedback_set_group(struct feedback *f, const char *key, const char *text)
{
    free(f->group_key);
    free(f->group_text);
    f->group_key = key ? copy(key) : NULL;
    f->group_text = key ? copy(text) : NULL;
}

void feedback_set_extra(struct feedback *f, const char *key, json_t *value)
{
    if (f->extra == NULL)
        f->extra = json_object();
    json_object_set_new(f->extra, key, value);
}

void feedback_free(struct feedback *f)
{
    for (size_t i = 0; i < f->count; i++)
        free(f->lines[i].text);
    free(f->lines);
    free(f->cause_id);
    free(f->group_key);
    free(f->group_text);
    json_decref(f->extra);
    *f = (struct feedback){ 0 };
}

void feedback_copy(struct feedback *dst, const struct feedback *src)
{
    *dst = (struct feedback){ 0 };
    for (size_t i = 0; i < src->count; i++)
        feedback_add(dst, src->lines[i].kind, src->lines[i].text);
    feedback_set_cause_id(dst, src->cause_id);
    feedback_set_group(dst, src->group_key, src->group_text);
    if (src->extra)
        dst->extra = json_deep_copy(src->extra);
}

const char *feedback_label(enum feedback_kind kind)
{
    return (size_t)kind < NKINDS ? kinds[kind].label : "";
}

void feedback_each_in_order(const struct feedback *f,
                            void (*emit)(const struct feedback_line *line, void *arg), void *arg)
{
    /* A few lines at most: for each rank, the lines of that rank with their notes. */
    for (int rank = 0; rank <= kinds[FEEDBACK_SECTION].rank; rank++) {
        int current = kinds[FEEDBACK_GOT].rank; /* notes before any line go with Got */
        for (size_t i = 0; i < f->count; i++) {
            const struct feedback_line *line = &f->lines[i];
            if (line->kind != FEEDBACK_NOTE)
                current = kinds[line->kind].rank;
            if (current == rank)
                emit(line, arg);
        }
    }
}

static void render_line(const struct feedback_line *line, void *arg)
{
    struct text *out = arg;
    if (out->len > 0)
        text_puts(out, "\n");
    text_puts(out, feedback_label(line->kind));
    size_t len = strlen(line->text);
    while (len > 0 && line->text[len - 1] == '\n')
        len--; /* the line ends here; the next one adds its own newline */
    text_append(out, line->text, len);
}

void feedback_render(const struct feedback *f, struct text *out)
{
    struct text t = { 0 };
    feedback_each_in_order(f, render_line, &t);
    text_append(out, text_str(&t), t.len);
    text_free(&t);
}

/* A JSON string from any bytes: ill-formed UTF-8 and NUL become U+FFFD. */
static json_t *string_json(const char *s)
{
    struct text t = { 0 };
    text_append_utf8_sanitized(&t, s ? s : "", s ? strlen(s) : 0);
    json_t *j = json_stringn(text_str(&t), t.len);
    text_free(&t);
    return j;
}

char *feedback_to_json(const struct feedback *f)
{
    json_t *lines = json_array();
    for (size_t i = 0; i < f->count; i++)
        json_array_append_new(lines, json_pack("{s:s, s:o}", "kind", kinds[f->lines[i].kind].name, "text",
                                               string_json(f->lines[i].text)));
    json_t *root = json_pack("{s:s, s:o}", "format", FEEDBACK_FORMAT, "lines", lines);
    if (f->cause_id)
        json_object_set_new(root, "cause_id", string_json(f->cause_id));
    if (f->group_key)
        json_object_set_new(root, "group",
                            json_pack("{s:o, s:o}", "key", string_json(f->group_key), "text",
                                      string_json(f->group_text)));
    if (f->extra)
        json_object_set(root, "extra", f->extra);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (s == NULL)
        abort();
    return s;
}

static bool kind_named(const char *name, enum feedback_kind *kind)
{
    for (size_t k = 0; name && k < NKINDS; k++) {
        if (strcmp(kinds[k].name, name) == 0) {
            *kind = (enum feedback_kind)k;
            return true;
        }
    }
    return false;
}

bool feedback_from_json(struct feedback *f, const char *s)
{
    *f = (struct feedback){ 0 };
    if (s == NULL || strncmp(s, "{\"format\"", 9) != 0)
        return false; /* cheap: most plain text fails here */
    json_t *root = json_loads(s, 0, NULL);
    const char *format = json_string_value(json_object_get(root, "format"));
    if (format == NULL || strcmp(format, FEEDBACK_FORMAT) != 0) {
        json_decref(root);
        return false;
    }
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(root, "lines"), i, line) {
        enum feedback_kind kind;
        const char *text = json_string_value(json_object_get(line, "text"));
        if (text && kind_named(json_string_value(json_object_get(line, "kind")), &kind))
            feedback_add(f, kind, text);
    }
    const char *id = json_string_value(json_object_get(root, "cause_id"));
    if (id)
        feedback_set_cause_id(f, id);
    json_t *group = json_object_get(root, "group");
    const char *key = json_string_value(json_object_get(group, "key"));
    if (key)
        feedback_set_group(f, key, json_string_value(json_object_get(group, "text")));
    json_t *extra = json_object_get(root, "extra");
    if (json_is_object(extra))
        f->extra = json_incref(extra);
    json_decref(root);
    return true;
}
