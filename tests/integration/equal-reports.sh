#!/usr/bin/env bash
# Report equality: on every sample dump of the host's generation, the memsim -j reports of
# this tree's memsim.so must equal those of the reference engine, built from REFERENCE_REV,
# field by field (compare_reports.py: the runs, the fields ignored, the allow-list).
#
#   tests/integration/equal-reports.sh [SCENARIO...]      (all scenarios when none named)
#
# Environment: REFERENCE_REV overrides the commit below; MEMSIM_SO_NEW tests another build
# than this tree's extension/memsim.so, MEMSIM_SO_REF another reference than REFERENCE_REV's;
# MEMSIM_TEST_OUT is where the crash logs go (as for run.sh; build/integration by default).
set -uo pipefail

# The engine whose reports every build must reproduce: the last commit before the clustering
# engine was replaced.  Move it only when a report is meant to change: to the commit that makes
# the change, once its rows in compare_reports.py's allow-list are reviewed (and then drop them).
REFERENCE_REV=${REFERENCE_REV:-2c570cc}
# Fixes outside the engine that are meant to change reports, applied to the reference too
# (COMMIT:PATH[,PATH...]), so that the comparison stays one of engines: 640b8f1 makes the
# per-cpu areas the used part of each first-chunk unit (a pointer into a unit's tail, which
# the page allocator owns, is a heap pointer, no per-cpu one).
REFERENCE_FIXES=${REFERENCE_FIXES-640b8f1:extension/crash_env.c,extension/crash_env.h}

top=$(cd "$(dirname "$0")/../.." && pwd)
# Both builds are for the host's crash, so the host's generation only.
export KERNEL=6.1
. "$top/samples/kernels.sh"
pin_kernel_abi
out=${MEMSIM_TEST_OUT:-$top/build/integration}/equal-reports/$KERNEL
mkdir -p "$out"
cmp_py=$top/tests/integration/compare_reports.py
t0=$(date +%s)

apply_fixes() {
	local fix commit paths
	for fix in $REFERENCE_FIXES; do
		commit=${fix%%:*}
		paths=${fix#*:}
		git -C "$top" show "$commit" -- ${paths//,/ } | patch -s -p1 -d "$1" || return 1
	done
}

give_up() {
	echo "FAIL equal-reports: $*"
	echo "equal-reports: 0 passed, 1 failed"
	exit 1
}

# The reference build, made once per commit (the source tree is the commit's, not this one),
# in a directory of its own that is renamed into place: runs side by side share it.
if [ -n "${MEMSIM_SO_REF:-}" ]; then
	so_ref=$MEMSIM_SO_REF
else
	rev=$(git -C "$top" rev-parse -q --verify "$REFERENCE_REV^{commit}" 2>/dev/null) ||
		give_up "reference commit $REFERENCE_REV is not in this repository (a shallow clone? git fetch --unshallow)"
	fixes_id=$(printf '%s' "$REFERENCE_FIXES" | sha1sum | cut -c1-8)
	ref=$top/build/equal-reports/reference-${rev:0:12}-$fixes_id
	so_ref=$ref/memsim.so
	if [ ! -f "$so_ref" ]; then
		part=$ref.part.$$
		rm -rf "$part"
		mkdir -p "$part/reference-src"
		if ! git -C "$top" archive "$rev" | tar -x -C "$part/reference-src" ||
			! apply_fixes "$part/reference-src" ||
			! make -s -C "$part/reference-src" BUILD="$part/obj" SO="$part/memsim.so" \
				"$part/memsim.so" >&2; then
			rm -rf "$part"
			give_up "cannot build the reference memsim.so of $REFERENCE_REV ($rev)"
		fi
		[ -f "$so_ref" ] || { rm -rf "$ref" && mv "$part" "$ref"; }
		rm -rf "$part"
	fi
fi
so_new=${MEMSIM_SO_NEW:-$("$top/tests/integration/build-so.sh" "$KERNEL")} ||
	give_up "cannot build this tree's memsim.so"
[ -f "$so_ref" ] || give_up "no reference build at $so_ref"
[ -f "$so_new" ] || give_up "no build to test at $so_new"

if [ $# -gt 0 ]; then
	scenarios=("$@")
else
	mapfile -t scenarios < <(kernel_scenarios "$KERNEL")
fi

pass=0
fail=0
skip=0
for scen in "${scenarios[@]}"; do
	# memsim CACHE compares slab leaks only: vmalloc-leak, page-leak and shmem-leak have no cache.
	kind=$(scenario_kind "$scen")
	if [ -n "$kind" ] && [ "$kind" != slab ]; then
		echo "SKIP equal-reports: $scen: not a slab scenario (kind $kind)"
		skip=$((skip + 1))
		continue
	fi
	dir=$("$top/samples/make-samples.sh" --print-dir "$scen") || { echo "FAIL equal-reports: $scen: no dump dir"; fail=$((fail + 1)); continue; }
	manifest=$dir/manifest.json
	if [ ! -f "$manifest" ]; then
		echo "FAIL equal-reports: $scen: no manifest at $manifest (run: make samples)"
		fail=$((fail + 1))
		continue
	fi
	vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$manifest")
	# The ELF dump; a scenario made by kdump in the guest has none: its first dump.
	dump=$(python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))["dumps"]; print(d.get("elf") or next(iter(d.values())))' "$manifest")
	# One crash session per build, side by side: crash loads one extension per command name,
	# and one unloaded with extend -u could still lend its symbols to the next.
	pids=()
	for side in reference new; do
		so=$so_ref
		[ "$side" = new ] && so=$so_new
		/usr/bin/python3 "$cmp_py" commands "$manifest" "$so" >"$out/$scen.$side.cmds"
		rm -f "$out/$scen.$side.log"
		timeout 900 bash -c '. "$1"; crash_for "$2" "$3" "$4" "$5"' _ "$top/samples/kernels.sh" \
			"$KERNEL" "$vmlinux" "$dump" "$out/$scen.$side.cmds" >"$out/$scen.$side.log" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	if /usr/bin/python3 "$cmp_py" compare "$manifest" "$out/$scen.reference.log" \
		"$out/$scen.new.log" "$out/$scen.diff"; then
		pass=$((pass + 1))
	else
		echo "     (crash output: $out/$scen.reference.log, $out/$scen.new.log)"
		fail=$((fail + 1))
	fi
done
echo "equal-reports: reference $REFERENCE_REV ($so_ref), new $so_new; $(($(date +%s) - t0)) s"
echo "equal-reports: $pass passed, $fail failed, $skip skipped (not slab)"
[ "$fail" -eq 0 ]
