# Sourced by the tests that run one crash session on one 6.1 sample (bad-options.sh,
# fatal.sh): with $test (the test's name) and $sample set, it sets top, out (the test's log
# directory), so (the memsim.so to load), vmlinux and dump (the sample's ELF), and give_up.
#
# Environment: MEMSIM_SO tests another build than this tree's extension/memsim.so;
# MEMSIM_TEST_OUT is where the commands and the crash log go (build/integration by default).
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export KERNEL=6.1	# the host's crash, the host's generation
out=${MEMSIM_TEST_OUT:-$top/build/integration}/$test
mkdir -p "$out"
give_up() { echo "FAIL $test: $*"; echo "$test: 0 passed, 1 failed"; exit 1; }
so=${MEMSIM_SO:-$("$top/tests/integration/build-so.sh" "$KERNEL")} || give_up "cannot build memsim.so"
"$top/samples/make-samples.sh" "$sample" >/dev/null || give_up "no $sample sample dump"
dir=$("$top/samples/make-samples.sh" --print-dir "$sample") || give_up "no dump dir"
manifest=$dir/manifest.json
vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$manifest")
dump=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dumps"]["elf"])' "$manifest")
