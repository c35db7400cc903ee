#!/usr/bin/env bash
# make demo: open the kmalloc32-fn sample dump in crash, load the leak module's symbols and
# run memsim on kmalloc-32, the way an engineer would at the crash prompt.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$("$top/samples/make-samples.sh" --print-dir kmalloc32-fn)
manifest=$dir/manifest.json
vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$manifest")
dump=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dumps"]["kdump"])' "$manifest")
cmds=$(mktemp)
trap 'rm -f "$cmds"' EXIT
{
	echo "extend $top/extension/memsim.so"
	python3 -c 'import json,sys
for m in json.load(open(sys.argv[1])).get("modules") or []:
    print("mod -s %s %s" % (m["name"], m["path"]))' "$manifest"
	echo "memsim kmalloc-32"
	echo "quit"
} >"$cmds"
echo "crash -s $vmlinux $dump"
sed 's/^/crash> /' "$cmds"
echo
crash -s "$vmlinux" "$dump" -i "$cmds" </dev/null
