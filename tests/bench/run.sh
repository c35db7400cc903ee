#!/usr/bin/env bash
# make bench: on five dumps of kmalloc-32 (samples/scenarios.json, "bench": true) the walker
# against its floor, the full analysis end to end and crash's peak memory with and without
# memsim, and on the slub_debug=U one what reading SLUB's tracks costs; on the first, the
# walker against drgn; the owner guess on the chain sample.  Writes docs/PERFORMANCE.md and
# docs/bench.svg.
#
#   tests/bench/run.sh [SCENARIO...]    the five bench dumps by default
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
so=$top/extension/memsim.so
cache=kmalloc-32
mark="=== bench "
if [ $# -gt 0 ]; then
	names=("$@")
else
	names=(bench32 bench32-100m bench32-patterns bench32-mixed bench32-tracks)
fi
manifest_vmlinux() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$1"
}

rm -rf "$out"
mkdir -p "$out"
"$top/samples/make-samples.sh" "${names[@]}" chain

# The owner guess on the chain sample (pointers followed two deep): a first crash session
# builds the vmlinux's struct index into an empty cache, a second one reads it back.  Every
# session below reads it from there too, so none of them pays for building it.
chain=$("$top/samples/make-samples.sh" --print-dir chain)
vmlinux=$(manifest_vmlinux "$chain/manifest.json")
printf 'extend %s\nmod -s memsim_leak %s/memsim_leak.ko\nmemsim -t %s\nquit\n' "$so" "$chain" "$cache" \
	>"$out/cmds-guess"
for run in first second; do
	MEMSIM_CACHE=$out/dwarf-cache crash -s "$vmlinux" "$chain/vmcore.kdump" -i "$out/cmds-guess" \
		</dev/null >"$out/guess-$run.log" 2>&1
done

# One crash session per dump: floor and walk alternate (the second of each is the warm
# figure), then the full analysis; every command's output is fenced by a marker line.
session_cmds() {
	local dir=$1 c
	echo "extend $so"
	echo "mod -s memsim_leak $dir/memsim_leak.ko"
	for c in "floor1:memsim -b $cache" "walk1:memsim -t -s $cache" "floor2:memsim -b $cache" \
		"walk2:memsim -t -s $cache" "kmem:kmem -s $cache" "analysis:memsim -t $cache" \
		"triage:memsim -t -a" "meminfo:memsim -t -i"; do
		echo "!echo '$mark${c%%:*}'"
		echo "${c#*:}"
	done
	echo "!echo '${mark}end'"
	echo "quit"
}

for name in "${names[@]}"; do
	dir=$("$top/samples/make-samples.sh" --print-dir "$name")
	d=$out/$name
	mkdir -p "$d"
	cp "$dir/manifest.json" "$d/manifest.json"
	vmlinux=$(manifest_vmlinux "$d/manifest.json")
	session_cmds "$dir" >"$d/cmds"
	echo "bench: $name: memsim session"
	cut -d' ' -f1-3 /proc/loadavg >"$d/load"
	MEMSIM_CACHE=$out/dwarf-cache /usr/bin/time -v crash -s "$vmlinux" "$dir/vmcore.elf" \
		-i "$d/cmds" </dev/null >"$d/memsim.log" 2>"$d/memsim.time"
	# The same dump and module symbols without memsim: crash's own resident memory.
	printf 'mod -s memsim_leak %s/memsim_leak.ko\nkmem -s %s\nquit\n' "$dir" "$cache" >"$d/cmds0"
	echo "bench: $name: crash session without memsim"
	/usr/bin/time -v crash -s "$vmlinux" "$dir/vmcore.elf" -i "$d/cmds0" </dev/null \
		>"$d/crash.log" 2>"$d/crash.time"
done

# The peer, on the first dump (drgn reads only the ELF form with paging).
first=$("$top/samples/make-samples.sh" --print-dir "${names[0]}")
vmlinux=$(manifest_vmlinux "$first/manifest.json")
echo "bench: drgn on ${names[0]}"
dpkg-query -W -f '${Version}\n' python3-drgn >"$out/drgn.version" 2>/dev/null ||
	echo "(not installed)" >"$out/drgn.version"
/usr/bin/python3 "$top/tests/bench/drgn_walk.py" "$first/vmcore.elf" "$vmlinux" "$cache" 60 \
	>"$out/drgn.log" 2>&1 || true

# The clustering engine alone, on synthetic kmalloc-32 slabs held in memory (no dump).
echo "bench: the engine alone"
make -s -C "$top" build/engine_bench >&2
"$top/build/engine_bench" 20 >"$out/engine.log" 2>&1 || true

python3 "$top/tests/bench/report.py" "$out" "${names[@]}" >"$top/docs/PERFORMANCE.md"
gnuplot -e "data='$out/plot.dat'; svg='$top/docs/bench.svg'" "$top/tests/bench/bench.gp"
cat "$top/docs/PERFORMANCE.md"
