/* feedback.h - a failed check's feedback as data, from the check that writes it to every place
 * that shows it (terminal, results.json, the class report).
 *
 * A check adds lines of a few kinds as it goes; they are always shown in one order (Ran, Sent,
 * Expected, Got, the likely cause, then sections such as the socket calls), whatever order the
 * check found them in. A note (the end of a program's stderr, a diff) belongs to the line before
 * it and moves with it. Besides the lines, feedback carries:
 *   - cause_id: the likely cause as a stable name ("htons"), which results.json carries as a tag
 *     "cause:<id>" so that a class's common mistakes can be counted;
 *   - a group: a key shared by every check that failed for one reason that is not about the
 *     check itself (a program that stopped at a TODO, one that was not built, a server on the
 *     wrong port), and that reason in words, so that a report can say it once for them all.
 *
 * The check runs in a process of its own; its feedback reaches the grader as JSON text
 * (feedback_to_json, feedback_from_json). No Criterion here: reports use it too. */
#ifndef GC_FEEDBACK_H
#define GC_FEEDBACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "text.h"

enum feedback_kind {
    FEEDBACK_RAN,  /* a program the check started, as a command line */
    FEEDBACK_SENT, /* what the check sent or did */
    FEEDBACK_EXPECTED,
    FEEDBACK_GOT,
    FEEDBACK_CAUSE,   /* the likely mistake behind what was got */
    FEEDBACK_SECTION, /* a titled block: "Socket calls:", "Conversation:" */
    FEEDBACK_NOTE,    /* more about the line before it (stderr's end, a diff) */
};

struct feedback_line {
    enum feedback_kind kind;
    char *text; /* may hold several lines (a note, a section) */
};

struct feedback {
    struct feedback_line *lines;
    size_t count, cap;
    char *cause_id;  /* NULL: no cause named, or none that has an id */
    char *group_key; /* NULL: the check failed for its own reasons */
    char *group_text;
    json_t *extra; /* structured extras (the conversation), or NULL */
};

void feedback_add(struct feedback *f, enum feedback_kind kind, const char *text);
/* Removes the lines of one kind (e.g. the causes, when a program simply stopped at a TODO). */
void feedback_drop(struct feedback *f, enum feedback_kind kind);
bool feedback_has(const struct feedback *f, enum feedback_kind kind);
void feedback_set_cause_id(struct feedback *f, const char *id);
void feedback_set_group(struct feedback *f, const char *key, const char *text);
/* Adds value (its reference is taken) under key in the extras. */
void feedback_set_extra(struct feedback *f, const char *key, json_t *value);
void feedback_free(struct feedback *f);
/* dst (uninitialised) becomes a copy of src. */
void feedback_copy(struct feedback *dst, const struct feedback *src);

/* The label a line of that kind starts with ("Expected: "), "" for notes and sections. */
const char *feedback_label(enum feedback_kind kind);
/* Calls emit for each line in the order they are shown. */
void feedback_each_in_order(const struct feedback *f,
                            void (*emit)(const struct feedback_line *line, void *arg), void *arg);
/* The feedback as plain text, lines in the order they are shown, without a final newline. */
void feedback_render(const struct feedback *f, struct text *out);

/* The feedback as one JSON text (all strings made valid UTF-8). The caller frees it. */
char *feedback_to_json(const struct feedback *f);
/* Reads what feedback_to_json wrote. False (f left empty) when s is not such a text. */
bool feedback_from_json(struct feedback *f, const char *s);

#endif
