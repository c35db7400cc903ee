# per-sample.sh - what the per-sample crash tests (triage.sh, tracks.sh, meminfo.sh) share; sourced
# after setting top and NAME (the test's name: its output directory and its messages).
#
#   KERNEL           the sample generation (6.1 by default), see samples/kernels.sh
#   MEMSIM_SO        test this build instead of the one build-so.sh makes for KERNEL
#   MEMSIM_TEST_OUT  where commands and crash logs go (build/integration by default; under
#                    the cache for another generation, whose chroot crash sees only that)
#
# Sets out (made) and so; per scenario, sample_open SCEN sets dir, manifest, vmlinux and
# dump (or says FAIL and returns 1), module_lines prints the scenario's mod -s commands, and
# crash_run CMDS LOG runs them in the crash that opens KERNEL's dumps.
export KERNEL=${KERNEL:-6.1}
. "$top/samples/kernels.sh"
pin_kernel_abi
if [ -n "$(kernel_crash_suite "$KERNEL")" ]; then
	out=$memsim_cache/build/integration/$KERNEL/$NAME
else
	out=${MEMSIM_TEST_OUT:-$top/build/integration}/$KERNEL/$NAME
fi
mkdir -p "$out"
so=${MEMSIM_SO:-$("$top/tests/integration/build-so.sh" "$KERNEL")} || {
	echo "FAIL $NAME: cannot build memsim.so"; echo "$NAME: 0 passed, 1 failed"; exit 1; }

# The sample of scenario $1, made if missing: its directory, manifest, vmlinux and dump (the
# ELF one, else kdump's, else the first).
sample_open() {
	if ! "$top/samples/make-samples.sh" "$1" >"$out/$1.make.log" 2>&1; then
		echo "FAIL $NAME/$1: no sample dump (see $out/$1.make.log)"
		return 1
	fi
	dir=$("$top/samples/make-samples.sh" --print-dir "$1")
	manifest=$dir/manifest.json
	read -r vmlinux dump < <(python3 -c 'import json,sys
m = json.load(open(sys.argv[1])); d = m["dumps"]
print(m["vmlinux"], d.get("elf") or d.get("kdump") or next(iter(d.values())))' "$manifest")
}

# The module symbols of the sample in $dir.
module_lines() {
	local ko
	for ko in "$dir"/*.ko; do
		[ -f "$ko" ] && echo "mod -s $(basename "$ko" .ko) $ko"
	done
}

crash_run() {
	timeout 900 bash -c '. "$1"; crash_for "$2" "$3" "$4" "$5"' _ "$top/samples/kernels.sh" \
		"$KERNEL" "$vmlinux" "$dump" "$1" >"$2" 2>&1
}
