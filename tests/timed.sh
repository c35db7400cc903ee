#!/usr/bin/env bash
# timed.sh CMD [ARG...]: run CMD and then say how long it took, for the CI log's budget
# ("timed: run.sh (KERNEL=6.12): 312 s"); CMD's exit status is this script's.
t0=$(date +%s)
"$@"
rc=$?
echo "timed: $(basename "$1")${2:+ $2}${KERNEL:+ (KERNEL=$KERNEL)}: $(($(date +%s) - t0)) s"
exit $rc
