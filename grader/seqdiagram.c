/* seqdiagram.c - a conversation as an SVG sequence diagram (see seqdiagram.h).
 *
 * Rows are evenly spaced, one per event, rather than proportional to time: a 3 s wait would
 * otherwise take the whole picture. A long pause gets a little extra room and says how long it
 * was; each row's time is written on its left. Text is cut to the room it has (the full text
 * is in the row's <title>, shown on hover), so nothing is drawn outside the picture. */
#define _GNU_SOURCE
#include "seqdiagram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_LANE_NAME "check"
#define NAME_CHARS 22   /* a lane's name in its header */
#define FIELD_CHARS 400 /* any text read from the JSON, before it is cut to its room */
#define DESC_CHARS 3000 /* the <desc> for screen readers */

/* Layout, in pixels. */
#define TIME_RIGHT 100 /* the time column's texts end here */
#define FIRST_LANE 190
#define LANE_GAP 250
#define NOTE_ROOM 400 /* right of the last lane, for notes (840 wide with one program) */
#define HEAD_TOP 10
#define HEAD_W 170
#define HEAD_H 26
#define FIRST_ROW 66
#define OMITTED_ROOM 16
#define ROW 30
#define PAUSE_MS 1000 /* a pause this long gets room of its own */
#define PAUSE_ROOM 16
#define BOTTOM 22
#define ARROW_HEAD 8
/* Widths of one character at 12px (DejaVu, the widest of the usual fonts), to cut text. */
#define MONO_CHAR_W 7.3
#define SANS_CHAR_W 7.4
#define BOLD_CHAR_W 8.6 /* where it went wrong is in bold */

struct event {
    char kind[16];
    char from[NAME_CHARS * 4 + 1], to[NAME_CHARS * 4 + 1];
    char bytes[FIELD_CHARS], note[FIELD_CHARS];
    long ms, until, len, repeat;
    bool has_bytes, cut, has_to;
    int from_lane, to_lane;
};

struct diagram {
    struct event *events;
    int n;
    long omitted;
    char lanes[SEQDIAGRAM_MAX_LANES][NAME_CHARS * 4 + 1];
    int nlanes;
    int bad; /* the row where it went wrong */
};

/* --- Reading the JSON, which may be anything -------------------------------------------- */

static void copy_field(char *dst, size_t size, json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    struct text clean = { 0 };
    if (s)
        text_append_utf8_sanitized(&clean, s, strlen(s));
    /* Cut at size - 1 bytes, never inside a UTF-8 sequence. */
    size_t n = clean.len < size - 1 ? clean.len : size - 1;
    while (n > 0 && n < clean.len && ((unsigned char)clean.data[n] & 0xc0) == 0x80)
        n--;
    memcpy(dst, text_str(&clean), n);
    dst[n] = '\0';
    text_free(&clean);
}

static long integer_field(json_t *object, const char *key, long otherwise)
{
    json_t *v = json_object_get(object, key);
    if (!json_is_integer(v))
        return otherwise;
    json_int_t i = json_integer_value(v);
    return i < 0 ? 0 : i > 1000000000 ? 1000000000 : (long)i;
}

/* "#2" when name is the check on one of several connections ("check#2"); NULL otherwise. */
static const char *connection_of(const char *name)
{
    size_t n = strlen(CHECK_LANE_NAME);
    return strncmp(name, CHECK_LANE_NAME, n) == 0 && name[n] == '#' ? name + n : NULL;
}

static int lane_of(struct diagram *d, const char *name)
{
    if (connection_of(name))
        return 0; /* the check's connections share its lane; arrows say which */
    for (int i = 0; i < d->nlanes; i++)
        if (strcmp(d->lanes[i], name) == 0)
            return i;
    if (d->nlanes == SEQDIAGRAM_MAX_LANES)
        return d->nlanes - 1; /* more programs than lanes (a forged file): the last lane */
    snprintf(d->lanes[d->nlanes], sizeof d->lanes[0], "%s", name);
    return d->nlanes++;
}

static bool read_event(struct diagram *d, json_t *o, struct event *e)
{
    if (!json_is_object(o))
        return false;
    copy_field(e->kind, sizeof e->kind, o, "kind");
    if (strcmp(e->kind, "omitted") == 0) {
        d->omitted += integer_field(o, "count", 0);
        return false;
    }
    copy_field(e->from, sizeof e->from, o, "from");
    copy_field(e->to, sizeof e->to, o, "to");
    copy_field(e->bytes, sizeof e->bytes, o, "bytes");
    copy_field(e->note, sizeof e->note, o, "note");
    if (e->from[0] == '\0')
        snprintf(e->from, sizeof e->from, "%s", CHECK_LANE_NAME);
    e->has_to = e->to[0] != '\0';
    e->has_bytes = json_is_string(json_object_get(o, "bytes"));
    e->ms = integer_field(o, "ms", 0);
    e->until = integer_field(o, "until_ms", -1);
    e->len = integer_field(o, "len", -1);
    e->repeat = integer_field(o, "repeat", 1);
    e->cut = json_is_true(json_object_get(o, "cut"));
    e->from_lane = lane_of(d, e->from);
    e->to_lane = e->has_to ? lane_of(d, e->to) : e->from_lane;
    return true;
}

static bool is_arrow(const struct event *e)
{
    return e->has_to && e->from_lane != e->to_lane
           && (strcmp(e->kind, "data") == 0 || strcmp(e->kind, "datagram") == 0
               || strcmp(e->kind, "connect") == 0);
}

/* How telling an event is of where a check went wrong: a wait given up on is the check's own
 * verdict; then a program's death; a failed call; what last came back (a wrong answer). */
static int telling(const struct event *e)
{
    if (strcmp(e->kind, "gave-up") == 0)
        return 4;
    if (strcmp(e->kind, "program") == 0
        && (strstr(e->note, " was killed by ") || strstr(e->note, " exited") || strstr(e->note, " kills ")))
        return 3;
    if (strcmp(e->kind, "error") == 0)
        return 2;
    if ((strcmp(e->kind, "data") == 0 || strcmp(e->kind, "datagram") == 0) && e->to_lane == 0
        && e->from_lane != 0)
        return 1;
    return 0;
}

/* The row to mark: the last of the most telling events, else the last event. */
static int where_it_went_wrong(const struct diagram *d)
{
    int best = d->n - 1, level = 0;
    for (int i = 0; i < d->n; i++) {
        int t = telling(&d->events[i]);
        if (t > 0 && t >= level) {
            best = i;
            level = t;
        }
    }
    return best;
}

/* The last events (where it went wrong is at the end), and the row to mark. */
static bool read_diagram(struct diagram *d, json_t *conversation)
{
    memset(d, 0, sizeof *d);
    if (!json_is_array(conversation))
        return false;
    lane_of(d, CHECK_LANE_NAME);
    size_t total = json_array_size(conversation);
    size_t first = total > SEQDIAGRAM_MAX_EVENTS + 1 ? total - SEQDIAGRAM_MAX_EVENTS - 1 : 0;
    d->events = calloc(SEQDIAGRAM_MAX_EVENTS + 1, sizeof *d->events);
    if (d->events == NULL)
        return false;
    for (size_t i = 0; i < first; i++)
        d->omitted += strcmp(json_string_value(json_object_get(json_array_get(conversation, i), "kind")) ?: "",
                             "omitted")
                      != 0;
    for (size_t i = first; i < total && d->n < SEQDIAGRAM_MAX_EVENTS; i++)
        d->n += read_event(d, json_array_get(conversation, i), &d->events[d->n]);
    d->bad = where_it_went_wrong(d);
    return d->n > 0;
}

/* --- Writing ---------------------------------------------------------------------------- */

/* s escaped for XML text and attributes, at most max characters: a text cut ends with an
 * ellipsis. Each text is one line of the picture: control characters are shown as \xNN. */
static void xml_text(struct text *t, const char *s, size_t max)
{
    text_append_markup(t, s, max, false);
}

static int lane_x(int lane)
{
    return FIRST_LANE + lane * LANE_GAP;
}

static int width_of(const struct diagram *d)
{
    return lane_x(d->nlanes - 1) + NOTE_ROOM;
}

/* What an arrow says: the bytes, quoted, and their count when not all are shown. */
static void arrow_label(struct text *t, const struct event *e, size_t max_chars)
{
    if (strcmp(e->kind, "connect") == 0) {
        const char *conn = connection_of(e->from) ? connection_of(e->from) : connection_of(e->to);
        text_puts(t, "connect");
        if (conn) {
            text_puts(t, " ");
            xml_text(t, conn, 8);
        }
        return;
    }
    char count[64] = "";
    if (e->cut && e->len >= 0)
        snprintf(count, sizeof count, " (%ld bytes)", e->len);
    const char *prefix = strcmp(e->kind, "datagram") == 0 ? "datagram " : "";
    const char *conn = connection_of(e->from) ? connection_of(e->from) : connection_of(e->to);
    char on[16] = "";
    if (conn)
        snprintf(on, sizeof on, "%.8s ", conn);
    size_t fixed = strlen(on) + strlen(prefix) + 2 + strlen(count);
    size_t room = max_chars > fixed + 4 ? max_chars - fixed : 4;
    xml_text(t, on, sizeof on);
    text_printf(t, "%s\"", prefix);
    xml_text(t, e->bytes, room);
    text_printf(t, "\"%s", count);
}

/* The whole of an event in words (not escaped yet), for its <title> and the <desc>. */
static void event_words(struct text *w, const struct event *e)
{
    text_printf(w, "+%ld ms: ", e->ms);
    if (is_arrow(e)) {
        text_printf(w, "%s to %s: ", e->from, e->to);
        if (strcmp(e->kind, "connect") == 0)
            text_printf(w, "connect%s%s", e->note[0] ? ", " : "", e->note);
        else
            text_printf(w, "%s\"%s\"", strcmp(e->kind, "datagram") == 0 ? "datagram " : "", e->bytes);
        if (e->len >= 0 && e->has_bytes)
            text_printf(w, " (%ld bytes%s)", e->len, e->cut ? " in all" : "");
    } else {
        text_printf(w, "%s", e->note[0] ? e->note : e->kind);
    }
    if (e->until > e->ms)
        text_printf(w, ", until +%ld ms", e->until);
}

static void write_style(struct text *t)
{
    text_puts(t, "<style>"
                 ".sq-bg{fill:#ffffff;stroke:#d1d9e0}"
                 ".sq text{font-family:'DejaVu Sans',Verdana,'Segoe UI',Arial,sans-serif;font-size:12px;fill:#1f2328}"
                 ".sq text.sq-m{font-family:'DejaVu Sans Mono',Menlo,Consolas,'Liberation Mono',monospace}"
                 ".sq text.sq-h{font-weight:bold}"
                 ".sq text.sq-t,.sq text.sq-p{fill:#59636e}.sq text.sq-p{font-style:italic}"
                 ".sq text.sq-o{fill:#1a7f37}.sq text.sq-i{fill:#0969da}"
                 ".sq text.sq-bad{fill:#cf222e;font-weight:bold}"
                 ".sq .sq-halo{paint-order:stroke;stroke:#ffffff;stroke-width:4px;stroke-linejoin:round}"
                 ".sq-head{fill:#f6f8fa;stroke:#59636e}"
                 ".sq-life{stroke:#8c959f;stroke-dasharray:4 4}"
                 ".sq-out{stroke:#0969da;stroke-width:1.5}.sq-outh{fill:#0969da}"
                 ".sq-in{stroke:#1a7f37;stroke-width:1.5}.sq-inh{fill:#1a7f37}"
                 ".sq-con{stroke:#59636e;stroke-width:1}.sq-conh{fill:#59636e}"
                 ".sq-dg{stroke-dasharray:6 3}"
                 ".sq-dot{fill:#59636e}"
                 ".sq-badl{stroke:#cf222e;stroke-width:2}.sq-badh,.sq-badd{fill:#cf222e}"
                 ".sq-band{fill:#cf222e;fill-opacity:.12}"
                 "@media (prefers-color-scheme: dark){"
                 ".sq-bg{fill:#0d1117;stroke:#3d444d}"
                 ".sq text{fill:#e6edf3}"
                 ".sq text.sq-t,.sq text.sq-p{fill:#9198a1}"
                 ".sq text.sq-o{fill:#3fb950}.sq text.sq-i{fill:#4493f8}"
                 ".sq text.sq-bad{fill:#f85149}"
                 ".sq .sq-halo{stroke:#0d1117}"
                 ".sq-head{fill:#151b23;stroke:#9198a1}"
                 ".sq-life{stroke:#656c76}"
                 ".sq-out{stroke:#4493f8}.sq-outh{fill:#4493f8}"
                 ".sq-in{stroke:#3fb950}.sq-inh{fill:#3fb950}"
                 ".sq-con{stroke:#9198a1}.sq-conh{fill:#9198a1}"
                 ".sq-dot{fill:#9198a1}"
                 ".sq-badl{stroke:#f85149}.sq-badh,.sq-badd{fill:#f85149}"
                 ".sq-band{fill:#f85149;fill-opacity:.18}"
                 "}"
                 "</style>");
}

/* An arrow from one lane to another at y, its label above it. */
static void draw_arrow(struct text *t, const struct event *e, int y, bool bad)
{
    int x1 = lane_x(e->from_lane), x2 = lane_x(e->to_lane), dir = x2 > x1 ? 1 : -1;
    bool outgoing = e->from_lane == 0;
    const char *line = bad                               ? "sq-badl"
                       : strcmp(e->kind, "connect") == 0 ? "sq-con"
                       : outgoing                        ? "sq-out"
                                                         : "sq-in";
    const char *head = bad                               ? "sq-badh"
                       : strcmp(e->kind, "connect") == 0 ? "sq-conh"
                       : outgoing                        ? "sq-outh"
                                                         : "sq-inh";
    text_printf(t, "<line class='%s%s' x1='%d' y1='%d' x2='%d' y2='%d'/>", line,
                strcmp(e->kind, "datagram") == 0 ? " sq-dg" : "", x1, y, x2 - dir * ARROW_HEAD, y);
    text_printf(t, "<polygon class='%s' points='%d,%d %d,%d %d,%d'/>", head, x2, y, x2 - dir * ARROW_HEAD,
                y - 4, x2 - dir * ARROW_HEAD, y + 4);
    size_t room = (size_t)(((x2 - x1) * dir - 16) / MONO_CHAR_W);
    const char *colour = bad                               ? " sq-bad"
                         : strcmp(e->kind, "connect") == 0 ? " sq-p"
                         : outgoing                        ? " sq-i"
                                                           : " sq-o";
    text_printf(t, "<text class='sq-m sq-halo%s' x='%d' y='%d' text-anchor='middle'>", colour, (x1 + x2) / 2,
                y - 6);
    arrow_label(t, e, room);
    text_puts(t, "</text>");
}

/* A note beside a lane: a dot on the lane, the words to its right, cut to the room left. */
static void draw_note(struct text *t, const struct diagram *d, const struct event *e, int y, bool bad)
{
    int x = lane_x(e->from_lane);
    bool call = strcmp(e->kind, "call") == 0;
    text_printf(t, "<circle class='%s' cx='%d' cy='%d' r='%d'/>", bad ? "sq-badd" : "sq-dot", x, y,
                bad ? 5 : 3);
    size_t room = (size_t)((width_of(d) - x - 18) / (call ? MONO_CHAR_W : bad ? BOLD_CHAR_W : SANS_CHAR_W));
    text_printf(t, "<text class='sq-halo%s%s' x='%d' y='%d'>", call ? " sq-m" : "", bad ? " sq-bad" : "",
                x + 10, y + 4);
    struct text words = { 0 };
    text_puts(&words, e->note[0] ? e->note : e->kind);
    if (e->repeat > 1)
        text_printf(&words, " (x%ld)", e->repeat);
    xml_text(t, text_str(&words), room);
    text_free(&words);
    text_puts(t, "</text>");
}

static void write_desc(struct text *t, const struct diagram *d)
{
    struct text words = { 0 };
    text_puts(&words, "A sequence diagram, time going down, with a lane for each side: ");
    for (int i = 0; i < d->nlanes; i++)
        text_printf(&words, "%s%s", i ? ", " : "", d->lanes[i]);
    text_puts(&words, ". ");
    if (d->omitted > 0)
        text_printf(&words, "%ld earlier events are left out. ", d->omitted);
    for (int i = 0; i < d->n; i++) {
        if (i == d->bad)
            text_puts(&words, "It went wrong here: ");
        event_words(&words, &d->events[i]);
        text_puts(&words, i + 1 < d->n ? "; " : ".");
    }
    text_puts(t, "<desc>");
    xml_text(t, text_str(&words), DESC_CHARS);
    text_puts(t, "</desc>");
    text_free(&words);
}

/* The y of each row, with room for long pauses; returns the height of the picture. */
static int layout(const struct diagram *d, int *ys, bool *paused)
{
    int y = FIRST_ROW + (d->omitted > 0 ? OMITTED_ROOM : 0);
    for (int i = 0; i < d->n; i++) {
        paused[i] = i > 0 && d->events[i].ms - d->events[i - 1].ms >= PAUSE_MS;
        if (paused[i])
            y += PAUSE_ROOM;
        ys[i] = y;
        y += ROW;
    }
    return y - ROW + BOTTOM;
}

bool seqdiagram_svg(struct text *out, json_t *conversation, const char *title)
{
    struct diagram d;
    if (!read_diagram(&d, conversation)) {
        free(d.events);
        return false;
    }
    int ys[SEQDIAGRAM_MAX_EVENTS];
    bool paused[SEQDIAGRAM_MAX_EVENTS];
    int height = layout(&d, ys, paused), width = width_of(&d);
    struct text *t = out;
    text_printf(t,
                "<svg xmlns='http://www.w3.org/2000/svg' class='sq' viewBox='0 0 %d %d' width='%d' "
                "height='%d' role='img'><title>",
                width, height, width, height);
    xml_text(t, title, FIELD_CHARS);
    text_puts(t, "</title>");
    write_desc(t, &d);
    write_style(t);
    text_printf(t, "<rect class='sq-bg' x='0.5' y='0.5' width='%d' height='%d' rx='6'/>", width - 1,
                height - 1);
    for (int l = 0; l < d.nlanes; l++) {
        int x = lane_x(l);
        text_printf(t, "<line class='sq-life' x1='%d' y1='%d' x2='%d' y2='%d'/>", x, HEAD_TOP + HEAD_H, x,
                    height - 8);
        text_printf(t,
                    "<rect class='sq-head' x='%d' y='%d' width='%d' height='%d' rx='4'/>"
                    "<text class='sq-h' x='%d' y='%d' text-anchor='middle'>",
                    x - HEAD_W / 2, HEAD_TOP, HEAD_W, HEAD_H, x, HEAD_TOP + 17);
        xml_text(t, d.lanes[l], NAME_CHARS);
        text_puts(t, "</text>");
    }
    if (d.omitted > 0)
        text_printf(t, "<text class='sq-p' x='10' y='%d'>(%ld earlier event%s left out)</text>",
                    FIRST_ROW - 6, d.omitted, d.omitted == 1 ? "" : "s");
    for (int i = 0; i < d.n; i++) {
        const struct event *e = &d.events[i];
        bool bad = i == d.bad;
        int y = ys[i];
        struct text words = { 0 };
        event_words(&words, e);
        text_puts(t, "<g><title>");
        xml_text(t, text_str(&words), 2 * FIELD_CHARS);
        text_puts(t, "</title>");
        text_free(&words);
        if (bad)
            text_printf(t, "<rect class='sq-band' x='1' y='%d' width='%d' height='%d'/>", y - ROW / 2 - 2,
                        width - 2, ROW);
        if (paused[i])
            text_printf(t, "<text class='sq-p' x='%d' y='%d' text-anchor='end'>%ld ms later</text>",
                        TIME_RIGHT, y - ROW / 2 - 2, e->ms - d.events[i - 1].ms);
        text_printf(t, "<text class='sq-t%s' x='%d' y='%d' text-anchor='end'>+%ld ms</text>",
                    bad ? " sq-bad" : "", TIME_RIGHT, y + 4, e->ms);
        if (is_arrow(e))
            draw_arrow(t, e, y, bad);
        else
            draw_note(t, &d, e, y, bad);
        text_puts(t, "</g>");
    }
    text_puts(t, "</svg>");
    free(d.events);
    return true;
}
