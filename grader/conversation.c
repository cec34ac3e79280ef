/* conversation.c - the timeline of what a check and the student's programs said to each other.
 *
 * Events go into a ring of the last CONVERSATION_KEPT; the program calls a trace gives go into
 * a ring of their own and are merged in by time when the conversation is shown. Names of peers
 * are kept per descriptor, and notes say "{peer}" where the peer's name goes, so that a name
 * given after the event (conversation_name_peer) still shows. */
#define _GNU_SOURCE
#include "conversation.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"

#define NAME_CHARS 64
#define NOTE_CHARS 240
#define MAX_NAMED_FDS 128
/* Events of one operation it looks back over to merge into: a full-duplex exchange alternates
 * sending and receiving, so the event to extend is one or two back. */
#define MERGE_LOOKBACK 3
/* Characters of an event's escaped bytes on one line of text; the JSON has all it kept. */
#define TEXT_WIDTH_SHOWN 48
#define JSON_WIDTH_SHOWN (4 * CONVERSATION_BYTES_KEPT)
#define PEER_PLACEHOLDER "{peer}"
#define CHECK_PLACEHOLDER "{check}"
/* A wait shorter than this that ends at its deadline is a look, not a wait: not "gave up". */
#define GAVE_UP_WORTH_MS 10

struct event {
    int64_t ns, last_ns; /* since the check began */
    enum conversation_kind kind;
    int fd;                /* -1 when not about one of the check's descriptors */
    unsigned op;           /* the netio call that recorded it */
    int conn;              /* the check's connection it is on (1, 2, ...), 0: none */
    bool outgoing;         /* the check sent it, or connected */
    char peer[NAME_CHARS]; /* the program at the other end; the program for PROGRAM/CALL */
    size_t len;            /* bytes moved in all */
    size_t nkept;
    unsigned char kept[CONVERSATION_BYTES_KEPT];
    char note[NOTE_CHARS]; /* may hold PEER_PLACEHOLDER */
    unsigned repeat;       /* 1, or how many times the same note came in a row */
};

struct ring {
    struct event items[CONVERSATION_KEPT];
    int capacity; /* at most CONVERSATION_KEPT */
    int start, count;
    long omitted; /* events that fell off the front */
};

static struct {
    bool active;
    int64_t begin_ns; /* CLOCK_MONOTONIC at conversation_begin */
    unsigned op;
    int64_t op_ns;      /* when the current operation began, since the check began */
    struct ring events; /* the check's side, and programs starting and ending */
    struct ring calls;  /* the programs' own calls, from their traces */
    char default_peer[NAME_CHARS];
    struct {
        int fd;
        int conn;
        char name[NAME_CHARS];
    } named[MAX_NAMED_FDS];
    int nnamed;
    int nconns, open_conns, most_open; /* the check's connections, numbered in order */
} conv;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void copy_name(char *dst, const char *src)
{
    snprintf(dst, NAME_CHARS, "%s", src ? src : "");
}

void conversation_begin(void)
{
    memset(&conv, 0, sizeof conv);
    conv.active = true;
    conv.begin_ns = mono_ns();
    conv.events.capacity = CONVERSATION_KEPT;
    conv.calls.capacity = CONVERSATION_CALLS_KEPT;
    copy_name(conv.default_peer, "the program");
}

void conversation_end(void)
{
    memset(&conv, 0, sizeof conv);
}

/* --- The rings -------------------------------------------------------------------------- */

static struct event *ring_at(struct ring *r, int i)
{
    return &r->items[(r->start + i) % r->capacity];
}

static struct event *ring_push(struct ring *r)
{
    if (r->count == r->capacity) {
        r->start = (r->start + 1) % r->capacity;
        r->count--;
        r->omitted++;
    }
    struct event *e = ring_at(r, r->count++);
    memset(e, 0, sizeof *e);
    e->repeat = 1;
    return e;
}

static struct event *ring_last(struct ring *r, int back)
{
    return back < r->count ? ring_at(r, r->count - 1 - back) : NULL;
}

/* --- Peers ------------------------------------------------------------------------------ */

static int named_index(int fd)
{
    for (int i = 0; i < conv.nnamed; i++)
        if (conv.named[i].fd == fd)
            return i;
    return -1;
}

bool conversation_knows(int fd)
{
    return conv.active && fd >= 0 && named_index(fd) >= 0;
}

void conversation_forget(int fd)
{
    int i = named_index(fd);
    if (i < 0)
        return;
    if (conv.named[i].conn > 0)
        conv.open_conns--;
    conv.named[i] = conv.named[--conv.nnamed];
}

/* The name of fd's peer; the first time, the default peer becomes it for good. */
static const char *peer_of(int fd)
{
    if (fd < 0)
        return conv.default_peer;
    int i = named_index(fd);
    if (i < 0) {
        if (conv.nnamed == MAX_NAMED_FDS)
            return conv.default_peer;
        i = conv.nnamed++;
        conv.named[i].fd = fd;
        conv.named[i].conn = 0;
        copy_name(conv.named[i].name, conv.default_peer);
    }
    return conv.named[i].name;
}

void conversation_name_peer(int fd, const char *program)
{
    if (!conv.active || fd < 0)
        return;
    peer_of(fd);
    int i = named_index(fd);
    if (i >= 0)
        copy_name(conv.named[i].name, program);
    /* Back to where fd was opened (its last close before, if the number was used already). */
    for (int back = 0; back < conv.events.count; back++) {
        struct event *e = ring_last(&conv.events, back);
        if (e->fd != fd)
            continue;
        if (e->kind == CONV_CLOSE && back > 0)
            break;
        copy_name(e->peer, program);
    }
}

void conversation_set_default_peer(const char *program)
{
    copy_name(conv.default_peer, program);
}

void conversation_operation(void)
{
    conv.op++;
    conv.op_ns = mono_ns() - conv.begin_ns;
}

/* --- Recording -------------------------------------------------------------------------- */

/* Moves the newest event of r back past those recorded before it that happened after it;
 * returns where it is now. */
static struct event *put_in_time_order(struct ring *r)
{
    int i = r->count - 1;
    for (; i > 0; i--) {
        struct event *e = ring_at(r, i), *before = ring_at(r, i - 1);
        if (before->ns <= e->ns)
            break;
        struct event swap = *e;
        *e = *before;
        *before = swap;
    }
    return ring_at(r, i);
}

/* What the check sends, and its connects, are timed when the operation began, before the
 * system call: by the time it returns, the program may have received it and said so in its
 * trace. What the check receives is timed when it has it. */
static bool timed_before_the_call(enum conversation_kind kind, bool outgoing)
{
    return outgoing && (kind == CONV_DATA || kind == CONV_DATAGRAM || kind == CONV_CONNECT);
}

/* A new event at ns since the check began (-1: now), in time order among the others. */
static struct event *new_event_at(enum conversation_kind kind, int fd, bool outgoing, int64_t ns)
{
    if (ns < 0)
        ns = mono_ns() - conv.begin_ns;
    struct event *e = ring_push(&conv.events);
    e->ns = e->last_ns = ns;
    e->kind = kind;
    e->fd = fd;
    e->op = conv.op;
    e->outgoing = outgoing;
    copy_name(e->peer, peer_of(fd));
    int i = named_index(fd);
    e->conn = i >= 0 ? conv.named[i].conn : 0;
    return put_in_time_order(&conv.events);
}

static struct event *new_event(enum conversation_kind kind, int fd, bool outgoing)
{
    bool before = timed_before_the_call(kind, outgoing) && conv.op_ns > 0;
    return new_event_at(kind, fd, outgoing, before ? conv.op_ns : -1);
}

static void keep_bytes(struct event *e, const void *bytes, size_t n)
{
    size_t room = CONVERSATION_BYTES_KEPT - e->nkept;
    size_t k = n < room ? n : room;
    memcpy(e->kept + e->nkept, bytes, k);
    e->nkept += k;
    e->len += n;
}

/* The event of this operation that the bytes extend: same descriptor, same direction. */
static struct event *mergeable(int fd, bool outgoing)
{
    for (int back = 0; back < MERGE_LOOKBACK; back++) {
        struct event *e = ring_last(&conv.events, back);
        if (e == NULL || e->op != conv.op || e->fd != fd)
            return NULL;
        if (e->kind == CONV_DATA && e->outgoing == outgoing)
            return e;
        if (e->kind != CONV_DATA)
            return NULL;
    }
    return NULL;
}

void conversation_data_at(int fd, const void *bytes, size_t n, bool outgoing, bool datagram, int64_t mono)
{
    if (!conv.active)
        return;
    int64_t now = mono_ns();
    if (mono <= conv.begin_ns || mono > now) {
        conversation_data(fd, bytes, n, outgoing, datagram);
        return;
    }
    struct event *e = new_event_at(datagram ? CONV_DATAGRAM : CONV_DATA, fd, outgoing, mono - conv.begin_ns);
    keep_bytes(e, bytes, n);
}

void conversation_data(int fd, const void *bytes, size_t n, bool outgoing, bool datagram)
{
    if (!conv.active)
        return;
    struct event *e = datagram ? NULL : mergeable(fd, outgoing);
    if (e == NULL)
        e = new_event(datagram ? CONV_DATAGRAM : CONV_DATA, fd, outgoing);
    else
        e->last_ns = mono_ns() - conv.begin_ns;
    keep_bytes(e, bytes, n);
}

/* The tries that failed just before a connect succeeded: a server still starting up refuses a
 * few, which is no news once it accepts; they become a count on the connect's line. */
static unsigned failed_tries_before(const char *where)
{
    struct event *last = ring_last(&conv.events, 0);
    char prefix[NOTE_CHARS];
    snprintf(prefix, sizeof prefix, "{check}'s connect() to %s failed", where);
    if (last == NULL || last->kind != CONV_ERROR || last->fd != -1
        || strncmp(last->note, prefix, strlen(prefix)) != 0)
        return 0;
    unsigned tries = last->repeat;
    conv.events.count--;
    return tries;
}

void conversation_connected(int fd, bool outgoing, const char *where)
{
    if (!conv.active)
        return;
    unsigned tries = where ? failed_tries_before(where) : 0;
    /* A new connection on fd: numbered, so that a check with several open at once can say on
     * which each thing happened. */
    peer_of(fd);
    int i = named_index(fd);
    if (i >= 0) {
        /* A number closed without net_close() and reused is a new socket: a new peer too. */
        if (conv.named[i].conn > 0)
            conv.open_conns--;
        copy_name(conv.named[i].name, conv.default_peer);
        conv.named[i].conn = ++conv.nconns;
        if (++conv.open_conns > conv.most_open)
            conv.most_open = conv.open_conns;
    }
    struct event *e = new_event(CONV_CONNECT, fd, outgoing);
    if (tries > 0)
        snprintf(e->note, sizeof e->note, "%s, after %u failed tr%s", where, tries, tries == 1 ? "y" : "ies");
    else
        snprintf(e->note, sizeof e->note, "%s", where ? where : "");
}

void conversation_note(int fd, enum conversation_kind kind, const char *format, ...)
{
    if (!conv.active)
        return;
    char note[NOTE_CHARS];
    va_list ap;
    va_start(ap, format);
    vsnprintf(note, sizeof note, format, ap);
    va_end(ap);
    struct event *last = ring_last(&conv.events, 0);
    if (last && last->kind == kind && last->fd == fd && strcmp(last->note, note) == 0) {
        last->repeat++;
        last->last_ns = mono_ns() - conv.begin_ns;
        return;
    }
    struct event *e = new_event(kind, fd, true);
    snprintf(e->note, sizeof e->note, "%s", note);
}

void conversation_gave_up(int fd, int64_t start_ms, int64_t deadline_ms, const char *what)
{
    if (deadline_ms - start_ms >= GAVE_UP_WORTH_MS)
        conversation_note(fd, CONV_GAVE_UP, "gave up waiting for %s (waited %ld ms)", what,
                          (long)(now_ms() - start_ms));
}

void conversation_stopped_waiting(int fd, int64_t start_ms, const char *what, const char *why)
{
    conversation_note(fd, CONV_GAVE_UP, "stopped waiting for %s after %ld ms: %s", what,
                      (long)(now_ms() - start_ms), why);
}

void conversation_program(const char *program, const char *format, ...)
{
    if (!conv.active)
        return;
    struct event *e = new_event(CONV_PROGRAM, -1, false);
    copy_name(e->peer, program);
    va_list ap;
    va_start(ap, format);
    vsnprintf(e->note, sizeof e->note, format, ap);
    va_end(ap);
}

/* The calls that show the other side of the conversation; setsockopt() or getaddrinfo() are
 * for the "Socket calls:" section. */
static bool call_is_about_the_conversation(const char *text)
{
    static const char *const names[] = { "listen", "accept", "connect",  "send",  "recv",
                                         "read",   "write",  "shutdown", "close", NULL };
    for (int i = 0; names[i]; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(text, names[i], n) == 0)
            return true;
    }
    return false;
}

void conversation_call(const char *program, int64_t mono, const char *text)
{
    if (!conv.active || !call_is_about_the_conversation(text))
        return;
    /* The calls of several programs come one program after the other: kept in time order, and
     * when the ring is full, the latest in time stay. */
    struct ring *r = &conv.calls;
    if (r->count == r->capacity && mono - conv.begin_ns < ring_at(r, 0)->ns) {
        r->omitted++;
        return;
    }
    struct event *e = ring_push(r);
    e->ns = e->last_ns = mono - conv.begin_ns;
    e->kind = CONV_CALL;
    e->fd = -1;
    copy_name(e->peer, program);
    snprintf(e->note, sizeof e->note, "%s", text);
    put_in_time_order(r); /* (e may have moved: not used after this) */
}

bool conversation_happened(void)
{
    for (int i = 0; i < conv.events.count; i++)
        if (ring_at(&conv.events, i)->kind != CONV_PROGRAM)
            return true;
    return false;
}

/* --- Showing ---------------------------------------------------------------------------- */

/* Both rings merged by time, the last CONVERSATION_KEPT; *omitted counts the rest. Events of
 * the same time keep the check's first: a program's recv() follows the send it reads. */
static int timeline(const struct event **out, long *omitted)
{
    const struct event *all[2 * CONVERSATION_KEPT];
    int n = 0, i = 0, j = 0;
    while (i < conv.events.count || j < conv.calls.count) {
        const struct event *a = i < conv.events.count ? ring_at(&conv.events, i) : NULL;
        const struct event *b = j < conv.calls.count ? ring_at(&conv.calls, j) : NULL;
        if (a && (!b || a->ns <= b->ns)) {
            all[n++] = a;
            i++;
        } else {
            all[n++] = b;
            j++;
        }
    }
    int first = n > CONVERSATION_KEPT ? n - CONVERSATION_KEPT : 0;
    *omitted = conv.events.omitted + conv.calls.omitted + first;
    for (int k = first; k < n; k++)
        out[k - first] = all[k];
    return n - first;
}

/* The check's name on an event: "check", or "check#2" on its second connection when it had
 * several open at once (07's three clients, 1.10's one that leaves while another waits). */
static const char *check_of(const struct event *e)
{
    static __thread char name[32];
    if (e->conn == 0 || conv.most_open < 2)
        return CONVERSATION_CHECK;
    snprintf(name, sizeof name, "%s#%d", CONVERSATION_CHECK, e->conn);
    return name;
}

static bool check_first(const struct event *e)
{
    return e->outgoing || (e->kind != CONV_DATA && e->kind != CONV_DATAGRAM && e->kind != CONV_CONNECT);
}

static const char *from_of(const struct event *e)
{
    if (e->kind == CONV_PROGRAM || e->kind == CONV_CALL)
        return e->peer;
    return check_first(e) ? check_of(e) : e->peer;
}

static const char *to_of(const struct event *e)
{
    if (e->kind == CONV_PROGRAM || e->kind == CONV_CALL)
        return NULL;
    return check_first(e) ? e->peer : check_of(e);
}

/* The note with the peer's name where it says {peer}, the check's where it says {check}. */
static void note_of(struct text *t, const struct event *e)
{
    if (e->kind == CONV_GAVE_UP && strcmp(check_of(e), CONVERSATION_CHECK) != 0)
        text_printf(t, "%s ", check_of(e)); /* which of its connections gave up */
    for (const char *s = e->note; *s;) {
        if (strncmp(s, PEER_PLACEHOLDER, strlen(PEER_PLACEHOLDER)) == 0) {
            text_puts(t, e->peer);
            s += strlen(PEER_PLACEHOLDER);
        } else if (strncmp(s, CHECK_PLACEHOLDER, strlen(CHECK_PLACEHOLDER)) == 0) {
            text_puts(t, check_of(e));
            s += strlen(CHECK_PLACEHOLDER);
        } else {
            text_append(t, s++, 1);
        }
    }
}

/* The bytes kept, escaped as text_quote does (without its quotes), as many as fit in width
 * characters (binary data escapes to four per byte). Returns how many bytes it showed. */
static size_t escaped_bytes(struct text *t, const struct event *e, size_t width)
{
    size_t start = t->len, shown = 0;
    struct text one = { 0 };
    for (; shown < e->nkept; shown++) {
        text_clear(&one);
        text_quote(&one, e->kept + shown, 1, 1);
        if (t->len - start + one.len - 2 > width)
            break;
        text_append(t, one.data + 1, one.len - 2);
    }
    text_free(&one);
    return shown;
}

static long ms_of(int64_t ns)
{
    return (long)(ns / 1000000);
}

/* What happened, after the time and who: the note, or the bytes. */
static void what_of(struct text *t, const struct event *e, int who_width)
{
    switch (e->kind) {
    case CONV_DATA:
    case CONV_DATAGRAM: {
        int start = (int)t->len;
        text_printf(t, "%s -> %s", from_of(e), to_of(e));
        text_printf(t, "%*s", who_width + 2 - ((int)t->len - start), "");
        if (e->kind == CONV_DATAGRAM)
            text_puts(t, "datagram ");
        text_puts(t, "\"");
        size_t shown = escaped_bytes(t, e, TEXT_WIDTH_SHOWN);
        text_puts(t, "\"");
        if (shown < e->len)
            text_printf(t, " ... (%zu bytes in all)", e->len);
        if (ms_of(e->last_ns) > ms_of(e->ns))
            text_printf(t, " until +%ld ms", ms_of(e->last_ns));
        return;
    }
    case CONV_CONNECT:
        text_printf(t, "%s connects to %s", from_of(e), to_of(e));
        if (e->note[0])
            text_printf(t, " (%s)", e->note);
        return;
    case CONV_CALL: text_printf(t, "%s %s", e->peer, e->note); return;
    default:
        note_of(t, e);
        if (e->repeat > 1 && ms_of(e->last_ns) > ms_of(e->ns))
            text_printf(t, " (x%u, until +%ld ms)", e->repeat, ms_of(e->last_ns));
        else if (e->repeat > 1)
            text_printf(t, " (x%u)", e->repeat);
    }
}

void conversation_describe(struct text *out)
{
    if (!conv.active || !conversation_happened())
        return;
    const struct event *shown[CONVERSATION_KEPT];
    long omitted;
    int n = timeline(shown, &omitted);
    int time_width = 0, who_width = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(NULL, 0, "+%ld ms", ms_of(shown[i]->ns));
        time_width = w > time_width ? w : time_width;
        if (shown[i]->kind == CONV_DATA || shown[i]->kind == CONV_DATAGRAM) {
            w = snprintf(NULL, 0, "%s -> %s", from_of(shown[i]), to_of(shown[i]));
            who_width = w > who_width ? w : who_width;
        }
    }
    while (out->len >= 2 && out->data[out->len - 1] == '\n' && out->data[out->len - 2] == '\n')
        out->data[--out->len] = '\0'; /* a section before that ended with a blank line */
    text_puts(out, "Conversation:\n");
    if (omitted > 0)
        text_printf(out, "    (%ld earlier event%s left out)\n", omitted, omitted == 1 ? "" : "s");
    for (int i = 0; i < n; i++) {
        char time[32];
        snprintf(time, sizeof time, "+%ld ms", ms_of(shown[i]->ns));
        struct text line = { 0 };
        text_printf(&line, "    %-*s", time_width + 2, time);
        what_of(&line, shown[i], who_width);
        text_printf(out, "%s\n", text_str(&line));
        text_free(&line);
    }
}

static const char *const kind_names[] = {
    [CONV_DATA] = "data",         [CONV_DATAGRAM] = "datagram", [CONV_CONNECT] = "connect",
    [CONV_SHUTDOWN] = "shutdown", [CONV_CLOSE] = "close",       [CONV_EOF] = "eof",
    [CONV_ERROR] = "error",       [CONV_GAVE_UP] = "gave-up",   [CONV_NOTE] = "note",
    [CONV_PROGRAM] = "program",   [CONV_CALL] = "call",
};

/* A JSON string of any bytes (a program's call may show what it sent): valid UTF-8 always. */
static json_t *safe_string(const char *s)
{
    struct text t = { 0 };
    text_append_utf8_sanitized(&t, s, strlen(s));
    json_t *j = json_stringn(text_str(&t), t.len);
    text_free(&t);
    return j;
}

static json_t *event_json(const struct event *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "ms", json_integer(ms_of(e->ns)));
    json_object_set_new(o, "kind", json_string(kind_names[e->kind]));
    json_object_set_new(o, "from", safe_string(from_of(e)));
    if (to_of(e))
        json_object_set_new(o, "to", safe_string(to_of(e)));
    if (e->kind == CONV_DATA || e->kind == CONV_DATAGRAM) {
        struct text b = { 0 };
        size_t shown = escaped_bytes(&b, e, JSON_WIDTH_SHOWN);
        json_object_set_new(o, "bytes", json_string(text_str(&b)));
        json_object_set_new(o, "len", json_integer((json_int_t)e->len));
        json_object_set_new(o, "cut", json_boolean(shown < e->len));
        text_free(&b);
    }
    if (ms_of(e->last_ns) > ms_of(e->ns))
        json_object_set_new(o, "until_ms", json_integer(ms_of(e->last_ns)));
    if (e->repeat > 1)
        json_object_set_new(o, "repeat", json_integer(e->repeat));
    struct text note = { 0 };
    if (e->kind == CONV_CALL)
        text_puts(&note, e->note);
    else if (e->kind != CONV_DATA && e->kind != CONV_DATAGRAM)
        what_of(&note, e, 0);
    if (note.len > 0)
        json_object_set_new(o, "note", safe_string(text_str(&note)));
    text_free(&note);
    return o;
}

json_t *conversation_json(void)
{
    json_t *array = json_array();
    if (!conv.active || !conversation_happened())
        return array;
    const struct event *shown[CONVERSATION_KEPT];
    long omitted;
    int n = timeline(shown, &omitted);
    if (omitted > 0)
        json_array_append_new(array, json_pack("{s:s, s:I}", "kind", "omitted", "count", (json_int_t)omitted));
    for (int i = 0; i < n; i++)
        json_array_append_new(array, event_json(shown[i]));
    return array;
}
