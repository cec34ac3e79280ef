#!/bin/sh
# as-student COMMAND...: runs COMMAND as the image's `student` user, so that what it writes in the
# student's mounted working copy (exercises/, .grades/) belongs to the student on the host too.
# `make docker-check` and `make docker-shell` start the container as root with this script in
# front of their command; it does only this and then drops root for good.
#
#   - The working copy belongs to a user other than root on the host (a Linux student: uid 1000,
#     or 1001, ...): `student` takes that user's ids, so both sides own the same files.
#   - It belongs to root (a host where the student works as root; Docker Desktop shows some
#     mounts that way): `student` keeps its ids. Either way .grades/ is given to `student`.
set -eu

kit=/opt/get-connected
uid=$(stat -c %u "$kit/exercises")
gid=$(stat -c %g "$kit/exercises")

if [ "$(id -u)" -ne 0 ]; then
    # Started as someone else already (docker run --user ...): nothing to change, nothing to drop.
    exec "$@"
fi
if [ "$uid" -ne 0 ]; then
    # -o: the host's ids may already be taken in the image (gid 100 "users", say).
    [ "$gid" -eq "$(id -g student)" ] || groupmod -o -g "$gid" student
    [ "$uid" -eq "$(id -u student)" ] || usermod -o -u "$uid" student
fi
# .grades/ is the student's to write, whoever made it (make, as the host's user or as root).
mkdir -p "$kit/.grades"
chown -R student:student "$kit/.grades" 2>/dev/null || true

# setpriv (util-linux): drop to student for good, with its groups, and no way back to root.
exec setpriv --reuid=student --regid=student --init-groups --inh-caps=-all \
    env HOME=/home/student USER=student LOGNAME=student "$@"
