#!/usr/bin/env bash
# Integration tests: open every sample dump in crash in batch mode (every format the manifest's
# `dumps` lists: elf and kdump made over QMP, kdump-c and kdump-lzo made by kdump in the guest),
# load the scenario's module symbols, run memsim and check its output against the manifest.
# Scenarios whose kind is not slab (vmalloc-leak, page-leak, shmem-leak: no cache to walk) are
# skipped, saying so; they are not failures.
#
#   tests/integration/run.sh [SCENARIO...]      (all scenarios with a dump when none named)
#
# Environment: KERNEL (5.10, 6.1 the default, 6.12, 7.x) selects the sample generation and the
# crash that opens it (samples/kernels.sh); MEMSIM_SO overrides the extension built for it.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
export KERNEL=${KERNEL:-6.1}
. "$top/samples/kernels.sh"
pin_kernel_abi
# The crash of another suite runs in its chroot: commands and logs live under the cache,
# which the chroot sees at the same path.
if [ -n "$(kernel_crash_suite "$KERNEL")" ]; then
	out=$memsim_cache/build/integration/$KERNEL
else
	out=${MEMSIM_TEST_OUT:-$top/build/integration}/$KERNEL
fi
mkdir -p "$out"
so=${MEMSIM_SO:-$("$top/tests/integration/build-so.sh" "$KERNEL")} || { echo "FAIL: cannot build memsim.so for $KERNEL"; exit 1; }

if [ $# -gt 0 ]; then
	scenarios=("$@")
else
	mapfile -t scenarios < <(kernel_scenarios "$KERNEL")
fi

# For the support matrix: every verify appends its tallies here.
export MEMSIM_RESULTS=${MEMSIM_RESULTS:-$out/results.jsonl}
rm -f "$MEMSIM_RESULTS"
if [ -n "$(kernel_crash_suite "$KERNEL")" ]; then
	MEMSIM_CRASH_VERSION=$(chroot_run "$(kernel_crash_suite "$KERNEL")" crash --version 2>/dev/null | awk '/^crash /{print $2; exit}')
else
	MEMSIM_CRASH_VERSION=$(crash --version 2>/dev/null | awk '/^crash /{print $2; exit}')
fi
export MEMSIM_CRASH_VERSION
pass=0
fail=0
skip=0
for scen in "${scenarios[@]}"; do
	# memsim CACHE checks slab leaks only.
	kind=$(scenario_kind "$scen")
	if [ -n "$kind" ] && [ "$kind" != slab ]; then
		echo "SKIP $scen: not a slab scenario (kind $kind)"
		skip=$((skip + 1))
		continue
	fi
	dir=$("$top/samples/make-samples.sh" --print-dir "$scen") || { echo "FAIL $scen: no dump dir"; fail=$((fail + 1)); continue; }
	manifest=$dir/manifest.json
	if [ ! -f "$manifest" ]; then
		echo "FAIL $scen: no manifest at $manifest (run: make samples)"
		fail=$((fail + 1))
		continue
	fi
	mapfile -t formats < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["dumps"]))' "$manifest")
	for fmt in "${formats[@]}"; do
		log=$out/$scen.$fmt.log
		rm -f "$log"
		cmds=$out/$scen.$fmt.cmds
		python3 "$top/tests/integration/check.py" commands "$manifest" "$fmt" "$so" >"$cmds"
		vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$manifest")
		dump=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dumps"][sys.argv[2]])' "$manifest" "$fmt")
		timeout 900 bash -c '. "$1"; crash_for "$2" "$3" "$4" "$5"' _ "$top/samples/kernels.sh" \
			"$KERNEL" "$vmlinux" "$dump" "$cmds" >"$log" 2>&1
		# Debian's python3: it has python3-jsonschema.
		if /usr/bin/python3 "$top/tests/integration/check.py" verify "$manifest" "$fmt" "$log"; then
			pass=$((pass + 1))
		else
			echo "     (crash output: $log)"
			fail=$((fail + 1))
		fi
	done
done
echo "integration ($KERNEL): $pass passed, $fail failed$([ "$skip" -eq 0 ] || echo ", $skip skipped (not slab scenarios)")"
[ "$fail" -eq 0 ]
