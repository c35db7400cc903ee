#!/usr/bin/env bash
# Corrupt two freelists in a copy of the idle sample's ELF dump; memsim must report both
# faults with their addresses and finish the walk (see corrupt_freelist.py).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$("$top/samples/make-samples.sh" --print-dir idle)
vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$dir/manifest.json")
# Dump copies go under the cache (never the repo), in a directory of this run's own: runs
# side by side (a CI run and a developer's) must not write into each other's copies.
mkdir -p "${MEMSIM_CACHE:-$HOME/.cache/memsim}/work"
work=$(mktemp -d "${MEMSIM_CACHE:-$HOME/.cache/memsim}/work/corrupt.XXXXXX")
trap 'rm -rf "$work"' EXIT
if python3 "$top/tests/integration/corrupt_freelist.py" "$vmlinux" "$dir/vmcore.elf" \
	"$top/extension/memsim.so" kmalloc-64 "$work"; then
	echo "corrupt-freelist: 1 passed, 0 failed"
else
	echo "corrupt-freelist: 0 passed, 1 failed"
	exit 1
fi
