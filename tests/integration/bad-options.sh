#!/usr/bin/env bash
# Bad options: every option of memsim fed bad values (junk, empty, signs, hex, overflow, out of
# range, missing, twice, unknown, combinations that do not go together) in one crash session
# on the kmalloc32-fn dump.  Each must print exactly one line, "memsim: ..." naming the
# mistake, and no report; values at the edges of the ranges must still scan; and the session
# must go on to the last command.
#
#   tests/integration/bad-options.sh
#
# Environment: MEMSIM_SO tests another build than this tree's extension/memsim.so;
# MEMSIM_TEST_OUT is where the commands and the crash log go (build/integration by default).
set -uo pipefail
test=bad-options sample=kmalloc32-fn
. "$(dirname "$0")/one-sample.sh"

# NAME|COMMAND|WHAT THE ONE LINE MUST SAY.  An empty third field: the command must scan.
cases=$(cat <<'EOF'
S-junk|memsim -S abc kmalloc-32|-S abc: not a decimal number (-S slabs, at least 1)
S-suffix|memsim -s -S 10x kmalloc-32|-S 10x: not a decimal number
S-hex|memsim -S 0x10 kmalloc-32|-S 0x10: not a decimal number
S-zero|memsim -S 0 kmalloc-32|-S 0: at least 1
S-negative|memsim -S -5 kmalloc-32|-S -5: at least 1
S-empty|memsim -S "" kmalloc-32|-S: empty value: -S slabs, at least 1
S-overflow|memsim -S 99999999999999999999999 kmalloc-32|-S 99999999999999999999999: at least 1
S-missing|memsim kmalloc-32 -S|-S needs a value: -S slabs, at least 1
S-twice|memsim -S 4 -S 8 kmalloc-32|-S given twice
n-junk|memsim -n abc kmalloc-32|-n abc: not a decimal number (-n top, between 1 and 64)
n-zero|memsim -n 0 kmalloc-32|-n 0: between 1 and 64
n-too-many|memsim -n 1000 kmalloc-32|-n 1000: between 1 and 64
n-65|memsim -n 65 kmalloc-32|-n 65: between 1 and 64
n-negative|memsim -n -1 kmalloc-32|-n -1: between 1 and 64
n-plus|memsim -n +5 kmalloc-32|-n +5: not a decimal number
n-space|memsim -n " 5" kmalloc-32|-n " 5": not a decimal number
n-empty|memsim -n "" kmalloc-32|-n: empty value: -n top, between 1 and 64
n-missing|memsim kmalloc-32 -n|-n needs a value: -n top, between 1 and 64
n-twice|memsim -n 3 -n 5 kmalloc-32|-n given twice
m-junk|memsim -m lots kmalloc-32|-m lots: not a decimal number (-m MiB, between 1 and 1048576)
m-zero|memsim -m 0 kmalloc-32|-m 0: between 1 and 1048576
m-huge|memsim -m 1048577 kmalloc-32|-m 1048577: between 1 and 1048576
m-overflow|memsim -m 18446744073709551616 kmalloc-32|-m 18446744073709551616: between 1 and 1048576
m-suffix|memsim -m 10x kmalloc-32|-m 10x: not a decimal number
m-negative|memsim -m -256 kmalloc-32|-m -256: between 1 and 1048576
m-too-small|memsim -m 1 kmalloc-32|-m 1: a memory limit of 1048576 bytes cannot hold the tables for 32-byte objects: give a larger -m
m-missing|memsim kmalloc-32 -m|-m needs a value: -m MiB, between 1 and 1048576
d-junk|memsim -d deep kmalloc-32|-d deep: not a decimal number (-d depth, between 0 and 4)
d-five|memsim -d 5 kmalloc-32|-d 5: between 0 and 4
d-negative|memsim -d -1 kmalloc-32|-d -1: between 0 and 4
d-suffix|memsim -d 1x kmalloc-32|-d 1x: not a decimal number
d-missing|memsim kmalloc-32 -d|-d needs a value: -d depth, between 0 and 4
unknown|memsim -x kmalloc-32|-x: no such option (memsim [-bfjlst] [-S slabs] [-n top] [-m MiB] [-d depth] cache | -a | -i | -V)
unknown-long|memsim --sample=4 kmalloc-32|--sample=4: no such option
unknown-in-cluster|memsim -sq kmalloc-32|-q: no such option
s-j|memsim -s -j kmalloc-32|-j: only for the clustering report, which -s does not print
s-f|memsim -s -f kmalloc-32|-f: only for the clustering report, which -s does not print
s-n|memsim -s -n 3 kmalloc-32|-n: only for the clustering report, which -s does not print
l-m|memsim -l -m 64 kmalloc-32|-m: only for the clustering report, which -l does not print
b-d|memsim -b -d 1 kmalloc-32|-d: only for the clustering report, which -b does not print
b-l|memsim -b -l kmalloc-32|-l: -b decodes no slab, so there is nothing to list
no-cache|memsim|no cache named: try "memsim kmalloc-32" ("kmem -s" lists caches)
no-cache-options|memsim -n 3|no cache named
two-caches|memsim kmalloc-32 kmalloc-64|one cache at a time: kmalloc-32 and kmalloc-64
unknown-cache|memsim -s kmalloc-33|no slab cache named "kmalloc-33"; closest:
a-cache|memsim -a kmalloc-32|-a: takes no cache (kmalloc-32 given)
a-s|memsim -a -s|-a and -s: one at a time
a-i|memsim -a -i|-a and -i: one at a time
i-cache|memsim -i kmalloc-32|-i: takes no cache (kmalloc-32 given)
i-s|memsim -i -s|-i and -s: one at a time
i-f|memsim -i -f|-f: not with -i (-i takes -j, -t and -n vmalloc callers)
i-d|memsim -i -d 1|-d: not with -i
i-m|memsim -i -m 64|-m: not with -i
i-n-zero|memsim -i -n 0|-n 0: between 1 and 64
i-V|memsim -V -i|-V and -i: one at a time
a-b|memsim -b -a|-b and -a: one at a time
a-f|memsim -a -f|-f: not with -a (-a takes -j, -t, -n suspects, -m and -d)
a-S|memsim -a -S 4|-S: not with -a
a-l|memsim -a -l|-a and -l: one at a time
a-n-zero|memsim -a -n 0|-n 0: between 1 and 64
V-a|memsim -V -a|-V and -a: one at a time
V-j|memsim -V -j|-V: alone (it prints the version and scans nothing)
V-cache|memsim -V kmalloc-32|-V: alone
ok-a|memsim -a -n 1 -d 0|
ok-V|memsim -V|
ok-i|memsim -i -n 3|
ok-S-beyond|memsim -s -S 1000000 kmalloc-32|
ok-S-one|memsim -s -S 1 kmalloc-32|
ok-edges|memsim -n 64 -d 0 -m 1048576 kmalloc-32|
ok-depth|memsim -n 1 -d 4 -m 2 kmalloc-32|
EOF
)

mark="=== memsim-bad "
cmds=$out/bad-options.cmds
log=$out/bad-options.log
{
	echo "extend $so"
	while IFS='|' read -r name cmd _; do
		echo "!echo '$mark$name'"
		echo "$cmd"
	done <<<"$cases"
	echo "!echo '${mark}end'"
	echo "kmem -s kmalloc-32"
	echo "!echo '${mark}after'"
	echo "quit"
} >"$cmds"
t0=$(date +%s)
timeout 600 crash -s "$vmlinux" "$dump" <"$cmds" >"$log" 2>&1

python3 - "$log" "$mark" "$cases" "$top/VERSION" <<'EOF'
import sys

log, mark, cases = sys.argv[1], sys.argv[2], sys.argv[3]
sections, name = {}, None
for line in open(log, errors="replace").read().splitlines():
    if line.startswith(mark):
        name = line[len(mark):].strip()
        sections[name] = []
    elif name is not None and line.strip():
        sections[name].append(line)
failed = n = 0


def check(ok, what):
    global failed, n
    n += 1
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} bad-options: {what}")


REPORT = ("CACHE ", "VERDICT", "floor (read only)", "walk:", "SLAB CACHES:")
VERSION = "memsim " + open(sys.argv[4]).read().strip()
for row in cases.splitlines():
    name, cmd, want = row.split("|", 2)
    got = sections.get(name)
    if got is None:
        check(False, f"{name}: no output section (did the session end early?)")
        continue
    report = [l for l in got if l.startswith(REPORT) or l.startswith(VERSION)]
    if want:
        one = len(got) == 1 and got[0].startswith("memsim: ") and want in got[0]
        check(one and not report,
              f"{name}: {cmd!r} says one line with {want!r}" +
              ("" if one and not report else f"; got {len(got)} lines: {got[:4]}"))
    else:
        errs = [l for l in got if l.startswith("memsim: ")]
        check(not errs and report, f"{name}: {cmd!r} scans" +
              ("" if not errs and report else f"; got {got[:4]}"))
end = sections.get("end", [])
check(any(l.startswith("CACHE ") for l in end) and "after" in sections,
      "the session goes on: kmem -s after the last case")
print(f"bad-options: {n - failed} of {n} checks passed")
sys.exit(1 if failed else 0)
EOF
rc=$?
echo "bad-options: crash log $log; $(($(date +%s) - t0)) s"
if [ $rc -eq 0 ]; then
	echo "bad-options: 1 passed, 0 failed"
else
	echo "bad-options: 0 passed, 1 failed"
fi
exit $rc
