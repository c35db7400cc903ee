#!/usr/bin/env bash
# Integration tests: open every sample dump (ELF and kdump-compressed) in crash in batch mode,
# load the scenario's module symbols, run memsim and check its output against the manifest.
#
#   tests/integration/run.sh [SCENARIO...]      (all scenarios with a dump when none named)
#
# Environment: KERNEL (default 6.1) selects the sample generation; MEMSIM_SO the extension.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
so=${MEMSIM_SO:-$top/extension/memsim.so}
out=${MEMSIM_TEST_OUT:-$top/build/integration}
mkdir -p "$out"

if [ $# -gt 0 ]; then
	scenarios=("$@")
else
	mapfile -t scenarios < <("$top/samples/make-samples.sh" --list)
fi

pass=0
fail=0
for scen in "${scenarios[@]}"; do
	dir=$("$top/samples/make-samples.sh" --print-dir "$scen") || { echo "FAIL $scen: no dump dir"; fail=$((fail + 1)); continue; }
	manifest=$dir/manifest.json
	if [ ! -f "$manifest" ]; then
		echo "FAIL $scen: no manifest at $manifest (run: make samples)"
		fail=$((fail + 1))
		continue
	fi
	for fmt in elf kdump; do
		log=$out/$scen.$fmt.log
		cmds=$out/$scen.$fmt.cmds
		python3 "$top/tests/integration/check.py" commands "$manifest" "$fmt" "$so" >"$cmds"
		vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$manifest")
		dump=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dumps"][sys.argv[2]])' "$manifest" "$fmt")
		timeout 900 crash -s "$vmlinux" "$dump" -i "$cmds" </dev/null >"$log" 2>&1
		# Debian's python3: it has python3-jsonschema.
		if /usr/bin/python3 "$top/tests/integration/check.py" verify "$manifest" "$fmt" "$log"; then
			pass=$((pass + 1))
		else
			echo "     (crash output: $log)"
			fail=$((fail + 1))
		fi
	done
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
