#!/usr/bin/env bash
# Build memsim.so for the crash that opens KERNEL's dumps and print its path: the host's
# build for the host's crash, else a build inside the generation's chroot against that
# crash's own defs.h (the extension ABI follows crash's version).
#   tests/integration/build-so.sh KERNEL
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/samples/kernels.sh"
suite=$(kernel_crash_suite "${1:?KERNEL}")
if [ -z "$suite" ]; then
	make -s -C "$top" all >&2
	echo "$top/extension/memsim.so"
	exit 0
fi
ensure_chroot "$suite" >&2
b=$memsim_cache/build/memsim-$suite
rm -rf "$b/src"
mkdir -p "$b/src"
cp -r "$top/Makefile" "$top/VERSION" "$top/analysis" "$top/extension" "$b/src/"
chroot_run "$suite" make -s -C "$b/src" BUILD="$b/obj" SO="$b/memsim.so" "$b/memsim.so" >&2
echo "$b/memsim.so"
