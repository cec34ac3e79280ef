/* seqdiagram.h - a failed check's conversation drawn as a small SVG sequence diagram: a lane
 * for the check and one for each program, time going down, arrows with the bytes on them, and
 * the point where it went wrong marked in red: the last "gave up"; else a program's death; else
 * a failed call; else what last came back to the check; else the last event.
 *
 * The input is the JSON array conversation_json() makes (results.json's
 * tests[].extra_data.conversation), read as untrusted: a results file may have been edited, so
 * every field may be missing, of another type, or hold any text; all of it is escaped and cut.
 * The SVG is self-contained (inline styles, no scripts, no fonts or images fetched) and has its
 * own light and dark colours (prefers-color-scheme), with a <title> and a <desc>. */
#ifndef GC_SEQDIAGRAM_H
#define GC_SEQDIAGRAM_H

#include <jansson.h>
#include <stdbool.h>

#include "text.h"

/* Events drawn at most (a conversation has at most 41; a forged file may have any number). */
#define SEQDIAGRAM_MAX_EVENTS 60
/* Lanes at most: the check and the programs of one check. */
#define SEQDIAGRAM_MAX_LANES 6

/* Appends the diagram of conversation to out, titled title (e.g. "Check 3.3: what was said").
 * Returns false, appending nothing, when there is nothing to draw (not an array, no events). */
bool seqdiagram_svg(struct text *out, json_t *conversation, const char *title);

#endif
