#!/usr/bin/env bash
# The damage suite (see damage.py): known damage planted in copies of the stale sample's ELF
# and kdump-compressed dumps (kmalloc-64, whose slabs are many and mostly partial), one kind
# at a time; memsim's notes must count exactly the damage planted and nothing else change.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$("$top/samples/make-samples.sh" --print-dir stale)
vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$dir/manifest.json")
# Dump copies go under the cache (never the repo), in a directory of this run's own: runs
# side by side (a CI run and a developer's) must not write into each other's copies.
mkdir -p "${MEMSIM_CACHE:-$HOME/.cache/memsim}/work"
work=$(mktemp -d "${MEMSIM_CACHE:-$HOME/.cache/memsim}/work/damage.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$top/tests/integration/damage.py" "$vmlinux" "$dir/vmcore.elf" "$dir/vmcore.kdump" \
	"$top/extension/memsim.so" kmalloc-64 "$work"
