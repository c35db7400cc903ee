#!/usr/bin/env bash
# make bench: the walker against its floor and against drgn, on a dump with 20 million
# planted kmalloc-32 objects in a 2.5 GiB guest; writes docs/PERFORMANCE.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
mkdir -p "$out"
"$top/samples/make-samples.sh" bench32
dir=$("$top/samples/make-samples.sh" --print-dir bench32)
manifest=$dir/manifest.json
vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$manifest")
dump=$dir/vmcore.elf
so=$top/extension/memsim.so

# One crash session: floor and walk alternate (the second of each is the warm figure), then
# the full analysis.
cat >"$out/cmds" <<CMDS
extend $so
mod -s memsim_leak $dir/memsim_leak.ko
memsim -b kmalloc-32
memsim -t -s kmalloc-32
memsim -b kmalloc-32
memsim -t -s kmalloc-32
kmem -s kmalloc-32
memsim -t kmalloc-32
quit
CMDS
/usr/bin/time -v crash -s "$vmlinux" "$dump" -i "$out/cmds" </dev/null >"$out/memsim.log" 2>"$out/memsim.time"
# The same session without memsim: crash's own resident memory, for the difference.
printf 'kmem -s kmalloc-32\nquit\n' >"$out/cmds0"
/usr/bin/time -v crash -s "$vmlinux" "$dump" -i "$out/cmds0" </dev/null >"$out/crash.log" 2>"$out/crash.time"
/usr/bin/python3 "$top/tests/bench/drgn_walk.py" "$dump" "$vmlinux" kmalloc-32 60 >"$out/drgn.log" 2>&1 || true

# The owner guess on the chain sample (pointers followed two deep): a first crash session
# builds the vmlinux's struct index into an empty cache, a second one reads it back.
"$top/samples/make-samples.sh" chain
chain=$("$top/samples/make-samples.sh" --print-dir chain)
rm -rf "$out/dwarf-cache"
printf 'extend %s\nmod -s memsim_leak %s/memsim_leak.ko\nmemsim -t kmalloc-32\nquit\n' "$so" "$chain" >"$out/cmds-guess"
for run in first second; do
	MEMSIM_CACHE=$out/dwarf-cache crash -s "$vmlinux" "$chain/vmcore.kdump" -i "$out/cmds-guess" \
		</dev/null >"$out/guess-$run.log" 2>&1
done

python3 "$top/tests/bench/report.py" "$out" "$manifest" >"$top/docs/PERFORMANCE.md"
cat "$top/docs/PERFORMANCE.md"
