#!/bin/sh
# Entry point of a grading worker pod (image target `grader`), then `exec "$@"` (dask worker ...).
#
# cgroup v2 in a container: the pod's own cgroup is the root of the container's cgroup namespace
# and already holds processes (this one), and the kernel refuses to enable controllers for the
# children of a cgroup that has processes ("no internal processes").  shequn's sandbox creates
# one child cgroup per kernel (/sys/fs/cgroup/shequn-grader/...), so first move every process
# here into a leaf "init" cgroup, then enable the controllers for the children - the same step
# as docker-in-docker's entry point.  Needs a writable /sys/fs/cgroup: a privileged container.
set -eu
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p /sys/fs/cgroup/init
    while read -r pid; do
        echo "$pid" > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
    done < /sys/fs/cgroup/cgroup.procs
    for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
        echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || :
    done
fi
# refuse early, with the sandbox's own reason, rather than accept tasks it cannot grade
python -c "
import sys
from shequn.grading.sandbox.bubblewrap import sandbox_available
why = sandbox_available()
sys.exit(f'shequn-grading-worker: {why}') if why else None
"
exec "$@"
