/* volumes.c - filling the volumes of volumes.h, once per image, and naming their mounts. */
#define _GNU_SOURCE
#include "volumes.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dockercli.h"
#include "text.h"

#define INSPECT_MS 30000
/* Copying /usr of the image (about 370 MB) takes a few seconds; a slow disk, a minute. */
#define FILL_MS 300000
#define FILL_TRIES 3

/* The copy, in the image itself, with the image's own tools. The marker files are written last:
 * a copy cut short (a killed grader) is started again from nothing by the next one. */
static const char fill_script[] =
    "set -e\n"
    "if [ -e /fill/usr/.gc-complete ] && [ -e /fill/kit/.gc-complete ]; then exit 0; fi\n"
    "find /fill/usr /fill/kit -mindepth 1 -delete\n"
    "cp -a /usr/. /fill/usr/\n"
    "cp -a /opt/get-connected/. /fill/kit/\n"
    "touch /fill/usr/.gc-complete /fill/kit/.gc-complete\n";

/* The first VOLUMES_ID_CHARS hex digits of the image's id ("sha256:c0169ee56f9e..."), or false. */
static bool image_id(const char *image, const char *scratch, char id[VOLUMES_ID_CHARS + 1])
{
    const char *argv[] = { "/usr/bin/env", "docker", "image", "inspect", "--format", "{{.Id}}", image, NULL };
    struct text out = { 0 };
    bool ok = dockercli_run(argv, scratch, &out, INSPECT_MS) == 0;
    const char *hex = ok ? strchr(text_str(&out), ':') : NULL;
    ok = hex != NULL && strspn(hex + 1, "0123456789abcdef") >= VOLUMES_ID_CHARS;
    if (ok)
        snprintf(id, VOLUMES_ID_CHARS + 1, "%s", hex + 1);
    text_free(&out);
    return ok;
}

/* One try at filling them; a container of the same name means another grader is filling them:
 * then this waits for it (docker wait) and says to try again. */
static int fill(const char *image, const char *id, const char *scratch)
{
    char name[64], usr[128], kit[128];
    snprintf(name, sizeof name, "gc-volumes-%s", id);
    snprintf(usr, sizeof usr, "type=volume,source=gc-usr-%s,target=/fill/usr", id);
    snprintf(kit, sizeof kit, "type=volume,source=gc-kit-%s,target=/fill/kit", id);
    const char *argv[] = {
        "/usr/bin/env", "docker", "run", "--rm",         "--name", name,        "--network",
        "none",         "--user", "0:0", "--log-driver", "none",   "--mount",   usr,
        "--mount",      kit,      image, "sh",           "-c",     fill_script, NULL,
    };
    if (dockercli_run(argv, scratch, NULL, FILL_MS) == 0)
        return 0;
    const char *wait_argv[] = { "/usr/bin/env", "docker", "wait", name, NULL };
    dockercli_run(wait_argv, scratch, NULL, FILL_MS);
    return -1;
}

int volumes_prepare(const char *image, const char *scratch, char id[VOLUMES_ID_CHARS + 1])
{
    if (!image_id(image, scratch, id)) {
        fprintf(stderr, "grader batch: cannot read the id of image %s: grading from its own files\n", image);
        return -1;
    }
    char usr[64];
    snprintf(usr, sizeof usr, "gc-usr-%s", id);
    const char *inspect[] = { "/usr/bin/env", "docker", "volume", "inspect", usr, NULL };
    if (dockercli_run(inspect, scratch, NULL, INSPECT_MS) != 0)
        fprintf(stderr,
                "grader batch: copying the image's /usr and kit into volumes gc-usr-%s and "
                "gc-kit-%s (once for this image; a few seconds)\n",
                id, id);
    int tries = 0;
    while (fill(image, id, scratch) < 0) {
        if (++tries == FILL_TRIES) {
            fprintf(stderr,
                    "grader batch: cannot fill the volumes gc-usr-%s and gc-kit-%s: grading from "
                    "the image's own files (slower)\n",
                    id, id);
            return -1;
        }
    }
    return 0;
}

void volumes_add_mounts(json_t *mounts, const char *id)
{
    static const char *const targets[][2] = { { "usr", "/usr" }, { "kit", "/opt/get-connected" } };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "gc-%s-%s", targets[i][0], id);
        /* NoCopy: a volume removed meanwhile comes back empty rather than half-copied. */
        json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b, s:{s:b}}", "Type", "volume", "Source",
                                                name, "Target", targets[i][1], "ReadOnly", 1, "VolumeOptions",
                                                "NoCopy", 1));
    }
}
