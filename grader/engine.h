/* engine.h - batch grading's containers, through the Docker Engine's API on its UNIX socket.
 *
 * `docker run --network none` still makes the engine run its network hook for every container
 * (libnetwork-setkey: a new process of the engine's own binary, a tenth of a second of CPU a
 * student). The API can say NetworkDisabled, which the docker client cannot: the container gets
 * a network namespace of its own with loopback only, as with --network none, and no hook. Each
 * call is one HTTP/1.0 request (the engine then closes the connection after its answer, and never
 * chunks it), versioned, so that a newer engine answers as this one was written for. */
#ifndef GC_ENGINE_H
#define GC_ENGINE_H

#include <jansson.h>
#include <stdbool.h>

#include "text.h"

#define ENGINE_ID_CHARS 72

/* A container being waited for: its wait call's connection, and what came back so far. */
struct engine_wait {
    int fd; /* readable when the engine answers or hangs up; -1 when none */
    struct text answer;
};

/* Whether the engine's socket is one this client can reach ($DOCKER_HOST unix://PATH, or the
 * default /var/run/docker.sock); false with the reason in why. */
bool engine_reachable(struct text *why);

/* Creates a container named name from config (the API's container configuration) and starts
 * it, removed by the engine once it ends. Its end can be waited for from *w, opened before the
 * start so that not even the quickest end is missed. Returns 0, or -1 with the engine's words
 * in why. */
int engine_run(const char *name, json_t *config, struct engine_wait *w, struct text *why);

/* Reads what the wait call has to say. Returns 1 once the answer is complete (the container
 * ended; *status is its exit status, or -1 with the reason in why when the engine did not say),
 * 0 while it is still to come. */
int engine_wait_read(struct engine_wait *w, int *status, struct text *why);

/* Sends the container SIGKILL (it is then removed); false when the engine refused. */
bool engine_kill(const char *name);

void engine_wait_close(struct engine_wait *w);

#endif
