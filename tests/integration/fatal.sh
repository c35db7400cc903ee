#!/usr/bin/env bash
# A crash error inside memsim: with the test-only MEMSIM_FAULT (extension/fault.h), scans
# 3, 6, 8 and 10 of one crash session (batch mode, the kmalloc32-fn dump) call error(FATAL)
# halfway through the walk, the counting thread running; crash longjmps back to its prompt.
# After each, before any memsim command runs again, crash's own SIGINT handler must be back
# (a SIGINT ends a long rd) and the counting thread gone (crash's thread count as before);
# after four such scans crash's resident size must be what it was after two clean ones
# (each ended scan held about 10 MB); the next scans must equal a clean run's and say under
# -t what was given back.  Scan 13 gets a SIGINT halfway (as from Ctrl-C): its report must
# say INTERRUPTED.  And crash's commands must go on.
#
#   tests/integration/fatal.sh
#
# Environment: MEMSIM_SO tests another build than this tree's extension/memsim.so;
# MEMSIM_TEST_OUT is where the commands and the crash log go (build/integration by default).
set -uo pipefail
test=fatal sample=kmalloc32-fn
. "$(dirname "$0")/one-sample.sh"

mark="=== memsim-fatal "
cmds=$out/fatal.cmds
log=$out/fatal.log
# The shell of crash's "!" is crash's child: $PPID is crash.
status="!grep -E '^(Threads|VmRSS):' /proc/\$PPID/status"
# 64 MiB of physical memory as text: many seconds, unless a SIGINT ends it after one.  Into
# a file: a write to a pipe that a SIGINT interrupts (EINTR) would end it under any handler.
rd_out=$out/rd.txt
long_rd="rd -p 100000 -e 4100000 > $rd_out"
cat >"$cmds" <<EOF
extend $so
!echo '${mark}clean'
memsim -n 3 kmalloc-32
memsim -n 3 kmalloc-32 > /dev/null
!echo '${mark}status-clean'
$status
!echo '${mark}fatal'
memsim -n 3 kmalloc-32
!echo '${mark}status-fatal'
$status
!echo '${mark}sigint'
!(sleep 1; kill -INT \$PPID) >/dev/null 2>&1 &
$long_rd
!tail -3 $rd_out; echo
!echo '${mark}again'
memsim -n 3 kmalloc-32
!echo '${mark}recovery'
memsim -t -s kmalloc-32
!echo '${mark}fatal-summary'
memsim -s kmalloc-32
!echo '${mark}status-fatal-summary'
$status
!echo '${mark}sigint-summary'
!(sleep 1; kill -INT \$PPID) >/dev/null 2>&1 &
$long_rd
!tail -3 $rd_out; echo
!echo '${mark}summary'
memsim -t -s kmalloc-32
!echo '${mark}fatal-more'
memsim -n 3 kmalloc-32
memsim -n 3 kmalloc-32 > /dev/null
memsim -n 3 kmalloc-32
memsim -n 3 kmalloc-32 > /dev/null
!echo '${mark}status-end'
$status
!echo '${mark}recovery-more'
memsim -t -s kmalloc-32
!echo '${mark}ctrl-c'
memsim -n 3 kmalloc-32
!echo '${mark}nothing-left'
memsim -t -s kmalloc-32
!echo '${mark}crash'
kmem -s kmalloc-32
!echo '${mark}end'
quit
EOF
t0=$(date +%s)
fault=fatal-mid-scan:3,fatal-mid-scan:6,fatal-mid-scan:8,fatal-mid-scan:10,sigint-mid-scan:13
MEMSIM_FAULT=$fault timeout 600 crash -s "$vmlinux" "$dump" <"$cmds" >"$log" 2>&1

python3 - "$log" "$mark" <<'EOF'
import re
import sys

log, mark = sys.argv[1], sys.argv[2]
sec, name = {}, None
for line in open(log, errors="replace").read().splitlines():
    if line.startswith(mark):
        name = line[len(mark):].strip()
        sec[name] = []
    elif name is not None and line.strip():
        sec[name].append(line)
failed = n = 0


def check(ok, what, detail=""):
    global failed, n
    n += 1
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} fatal: {what}" + ("" if ok or not detail else f": {detail}"))


def status(name):
    d = {}
    for line in sec.get(name, []):
        k, _, v = line.partition(":")
        d[k] = int(v.split()[0]) if v.split() else None
    return d


TIMING = ("recovery:", "walk:", "layout:", "analysis:", "owner guess:")


def report(name):
    return [l for l in sec.get(name, []) if not l.startswith(TIMING)]


def injected(name, scan):
    return any(f"MEMSIM_FAULT: error(FATAL) injected at slab 200 of scan {scan} " in l
               for l in sec.get(name, []))


check("end" in sec, "the session reaches its last command")
fatal = sec.get("fatal", [])
check(injected("fatal", 3) and not any(l.startswith("VERDICT") for l in fatal),
      "scan 3 ends in the injected error(FATAL), no report", fatal[:3])
base, after = status("status-clean"), status("status-fatal")
check(base.get("Threads") is not None and after.get("Threads") == base.get("Threads"),
      f"at the next prompt the counting thread is gone: crash has {after.get('Threads')} "
      f"threads, {base.get('Threads')} after the clean scans")


def rd_ended_early(name, after):
    """The last address the rd wrote (restart() may leave a partial line or two blank)."""
    addrs = [int(m.group(1), 16) for m in
             (re.match(r"^\s*([0-9a-f]+):", l) for l in sec.get(name, [])) if m]
    last = addrs[-1] if addrs else None
    check(last is not None and last < 0x40ffff0,
          f"after {after}, crash's SIGINT handler is back: a SIGINT ends a 64 MiB rd early "
          f"(last line {last and hex(last)}, complete at 0x40ffff0)")


rd_ended_early("sigint", "the full scan's error")
check(bool(report("again")) and report("again") == report("clean"),
      "the next scan's report equals the clean scan's",
      f"{len(report('again'))} lines vs {len(report('clean'))}")
rec = [l for l in sec.get("recovery", []) if l.startswith("recovery:")]
check(len(rec) == 1 and "ended by a crash error" in rec[0] and "counting thread" in rec[0]
      and "clustering engine" in rec[0] and "SIGINT handler restored" in rec[0],
      "-t says what the ended scan held was given back: the counting thread, the engine, SIGINT",
      rec)
fs = sec.get("fatal-summary", [])
check(injected("fatal-summary", 6) and not any(l.startswith("CACHE") for l in fs),
      "scan 6 (-s) ends in the injected error(FATAL)", fs[:3])
s2 = status("status-fatal-summary")
check(s2.get("Threads") == base.get("Threads"), f"after it, {s2.get('Threads')} threads")
rd_ended_early("sigint-summary", "the summary's error")
rec = [l for l in sec.get("summary", []) if l.startswith("recovery:")]
check(len(rec) == 1 and "walk buffers" in rec[0], "-t says the walk buffers were given back", rec)
check(bool(report("summary")) and report("summary") == report("recovery"),
      "the next summary equals the one before the error")
check(injected("fatal-more", 8) and injected("fatal-more", 10), "scans 8 and 10 end in it too")
end = status("status-end")
# Each ended scan held its tables, ring and walk buffers: about 10 MB on this dump.
grew = (end.get("VmRSS") or 0) - (base.get("VmRSS") or 0)
check(bool(base.get("VmRSS") and end.get("VmRSS")) and grew < 8192 and
      end.get("Threads") == base.get("Threads"),
      f"four ended scans later the memory is given back: resident {end.get('VmRSS')} kB, "
      f"{base.get('VmRSS')} kB after the clean scans ({grew:+d} kB); {end.get('Threads')} threads")
rec = [l for l in sec.get("recovery-more", []) if l.startswith("recovery:")]
check(len(rec) == 1 and "counting thread" in rec[0], "-t says so for scans 8 and 10 too", rec)
cc = sec.get("ctrl-c", [])
check(any("INTERRUPTED" in l for l in cc) and any(l.startswith("VERDICT") for l in cc),
      "a SIGINT mid-walk (scan 13) reaches memsim: a partial report, marked INTERRUPTED",
      [l for l in cc if "INTERRUPT" in l or l.startswith(("CACHE", "VERDICT"))][:3])
rec = [l for l in sec.get("nothing-left", []) if l.startswith("recovery:")]
check(rec == ["recovery: nothing left over by an earlier memsim command"],
      "then nothing is left over", rec)
check(any(l.startswith("CACHE") for l in sec.get("crash", [])), "crash's kmem -s still works")
print(f"fatal: {n - failed} of {n} checks passed")
sys.exit(1 if failed else 0)
EOF
rc=$?
echo "fatal: crash log $log; $(($(date +%s) - t0)) s"
if [ $rc -eq 0 ]; then
	echo "fatal: 1 passed, 0 failed"
else
	echo "fatal: 0 passed, 1 failed"
fi
exit $rc
