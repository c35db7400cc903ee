#!/usr/bin/env bash
# Turn leak scenarios into real vmcores of Debian's real kernels, booted under qemu.
#
#   samples/make-samples.sh [SCENARIO...]    make (or reuse) the dumps; all scenarios by default
#   samples/make-samples.sh --list           the scenario names
#   samples/make-samples.sh --print-dir S    where scenario S's dump and manifest.json live
#
# KERNEL selects the kernel generation: 5.10, 6.1 (the default), 6.12 or 7.x; see kernels.sh.
# Everything downloaded or made goes under $HOME/.cache/memsim; a scenario whose inputs (this
# script, the module, the scenario table, the kernel version) did not change is reused.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${MEMSIM_CACHE:-$HOME/.cache/memsim}
KERNEL=${KERNEL:-6.1}

die() { echo "make-samples: $*" >&2; exit 1; }

# shellcheck source=samples/kernels.sh
. "$here/kernels.sh"
kernel_suite "$KERNEL" >/dev/null || die "KERNEL=$KERNEL: choose 5.10, 6.1, 6.12 or 7.x"
build_suite=$(kernel_build_suite "$KERNEL")

# Functions whose answer is what they print (resolve_version, build_module, build_program,
# setup_line, scenario_json) send every tool's own output to stderr: under a parent make,
# Kbuild's "Entering directory" lines go to stdout and would become part of the answer.

# Run a build step on the host (6.1) or in the generation's chroot.
in_build_env() {
	if [ -n "$build_suite" ]; then chroot_run "$build_suite" "$@"; else "$@"; fi
}

scenario_names() {
	# Benchmark scenarios are made only when named.
	python3 -c 'import json,sys; [print(s["name"]) for s in json.load(open(sys.argv[1])) if not s.get("bench")]' \
		"$here/scenarios.json"
}

scenario_json() {
	python3 -c 'import json,sys
for s in json.load(open(sys.argv[1])):
    if s["name"] == sys.argv[2]: print(json.dumps(s)); break
else: sys.exit(1)' "$here/scenarios.json" "$1" || die "no scenario named $1 (see --list)"
}

# The kernel ABI Debian serves now for the generation, e.g. 6.1.0-56-cloud-amd64.
resolve_version() {
	local v
	# A test script that asks for many samples asks apt once (kernels.sh: pin_kernel_abi).
	if [ -n "${MEMSIM_ABI:-}" ] && [ "${MEMSIM_ABI_KERNEL:-}" = "$KERNEL" ]; then
		echo "$MEMSIM_ABI"
		return 0
	fi
	if [ -n "$build_suite" ]; then
		ensure_chroot "$build_suite" >&2 || die "cannot make the $build_suite chroot"
	fi
	v=$(in_build_env apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(.*-cloud-amd64\)$/\1/p' | head -n1)
	if [ -z "$v" ] && [ -z "$build_suite" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		v=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			sed -n 's/.*Depends: linux-image-\(.*-cloud-amd64\)$/\1/p' | head -n1)
	fi
	# Debuginfo is a must: fall back to the newest ABI of the suite that has a -dbg package.
	if [ -n "$v" ] && ! in_build_env apt-cache show "linux-image-$v-dbg" >/dev/null 2>&1; then
		v=$(in_build_env apt-cache pkgnames linux-image- 2>/dev/null |
			sed -n 's/^linux-image-\(.*-cloud-amd64\)-dbg$/\1/p' | sort -V | tail -n1)
	fi
	[ -n "$v" ] || v=$(ls "$cache/kernels" 2>/dev/null | grep "^${KERNEL%.x}" | sort -V | tail -n1)
	[ -n "$v" ] || die "cannot resolve the cloud kernel version (apt-cache depends linux-image-cloud-amd64)"
	echo "$v"
}

# The image package of kernel V, plus the package holding the binaries where the image
# package is only a wrapper (linux-binary-V in sid, -unsigned elsewhere).
kernel_pkgs() {
	echo "linux-image-$1 $(in_build_env apt-cache depends "linux-image-$1" 2>/dev/null |
		sed -n "s/.*Depends: \(linux-\(binary\|modules\|image\)-$1\(-unsigned\)\?\)$/\1/p")"
}

# Unpack the packages PKGS (downloaded once into $cache/debs) into DIR.
unpack_pkgs() {
	local dir=$1 p debs=$cache/debs
	shift
	mkdir -p "$debs"
	for p in "$@"; do
		(cd "$debs" && ls "$p"_*.deb >/dev/null 2>&1 ||
			in_build_env sh -c "cd '$debs' && apt-get download -q '$p'") ||
			die "cannot download $p"
		dpkg-deb -x "$debs/$p"_*.deb "$dir"
	done
}

fetch_kernel() {
	local v=$1 k=$cache/kernels/$1 debs=$cache/debs
	mkdir -p "$k" "$debs"
	if [ ! -f "$k/vmlinuz" ] || [ ! -f "$k/qemu_fw_cfg.ko" ]; then
		local pkgs tmp
		pkgs=$(kernel_pkgs "$v")
		tmp=$(mktemp -d)
		# shellcheck disable=SC2086
		unpack_pkgs "$tmp" $pkgs
		local z
		for z in "$tmp/boot/vmlinuz-$v" "$tmp/usr/lib/modules/$v/vmlinuz" "$tmp/lib/modules/$v/vmlinuz" ""; do
			[ -z "$z" ] && die "no vmlinuz for $v in $pkgs"
			[ -f "$z" ] && break
		done
		cp "$z" "$k/vmlinuz"
		local fw; fw=$(find "$tmp/lib/modules" "$tmp/usr/lib/modules" -name 'qemu_fw_cfg.ko*' 2>/dev/null | head -n1 || true)
		case "$fw" in
		"") die "no qemu_fw_cfg module in $pkgs" ;;
		*.xz) xz -dc "$fw" >"$k/qemu_fw_cfg.ko" ;;
		*) cp "$fw" "$k/qemu_fw_cfg.ko" ;;
		esac
		rm -rf "$tmp"
	fi
	if [ ! -f "$k/vmlinux" ]; then
		(cd "$debs" && ls linux-image-"$v"-dbg_*.deb >/dev/null 2>&1 ||
			in_build_env sh -c "cd '$debs' && apt-get download -q 'linux-image-$v-dbg'")
		# The regular file (newer packages put it under lib/modules and link boot/ to it).
		local member
		member=$(dpkg-deb -c "$debs"/linux-image-"$v"-dbg_*.deb |
			awk -v a="/boot/vmlinux-$v" -v b="/modules/$v/vmlinux" '
				function ends(s, t) { return length(s) >= length(t) && substr(s, length(s) - length(t) + 1) == t }
				!found && $1 ~ /^-/ && (ends($6, a) || ends($6, b)) { print $6; found = 1 }')
		[ -n "$member" ] || die "no vmlinux in linux-image-$v-dbg"
		dpkg-deb --fsys-tarfile "$debs"/linux-image-"$v"-dbg_*.deb |
			tar -xO "$member" >"$k/vmlinux.part"
		[ -s "$k/vmlinux.part" ] || die "empty vmlinux from linux-image-$v-dbg"
		mv "$k/vmlinux.part" "$k/vmlinux"
	fi
	index_vmlinux "$k/vmlinux"
	if ! in_build_env test -d "/lib/modules/$v/build"; then
		in_build_env env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "linux-headers-$v" >/dev/null
	fi
}

# Give the debug vmlinux a .gdb_index (gdb-add-index, from Debian's gdb) once: every crash
# session starts from the index instead of scanning all of the DWARF, which halves crash's start
# on every generation (6.1: 8.7 s -> 3.8 s; 5.10 6.0 -> 2.9; 6.12 16.6 -> 8.7; 7.x 13.2 -> 10.1).
# The index only speeds the start: without it (the tool missing or failing) crash reads the same.
index_vmlinux() {
	local f=$1
	[ -f "$f.indexed" ] && return 0
	if readelf -S "$f" 2>/dev/null | grep -q '\.gdb_index'; then
		touch "$f.indexed"
	elif ! command -v gdb-add-index >/dev/null; then
		echo "note: gdb-add-index missing (make deps installs gdb); crash will start slower" >&2
	elif gdb-add-index "$f" >"$f.index.log" 2>&1; then
		rm -f "$f.index.log"
		touch "$f.indexed"
	else
		echo "note: gdb-add-index $f failed (see $f.index.log); crash will start slower" >&2
	fi
}

build_module() {
	local v=$1 b=$cache/build/$1/module
	mkdir -p "$b"
	if ! cmp -s "$here/module/memsim_leak.c" "$b/memsim_leak.c" || [ ! -f "$b/memsim_leak.ko" ]; then
		cp "$here/module/memsim_leak.c" "$here/module/Kbuild" "$b/"
		rm -f "$b/memsim_leak.ko"
		{ in_build_env make -s -C "/lib/modules/$v/build" M="$b" modules 2>&1 |
			grep -v 'Skipping BTF' || true; } >&2
		[ -f "$b/memsim_leak.ko" ] || die "module build failed in $b"
	fi
	echo "$b/memsim_leak.ko"
}

# A static user-space program for the scenarios that plant real kernel structs.
build_program() {
	local name=$1 b=$cache/build/guest
	mkdir -p "$b"
	if ! cmp -s "$here/guest/$name.c" "$b/$name.c" || [ ! -x "$b/$name" ]; then
		cp "$here/guest/$name.c" "$b/"
		gcc -static -O2 -Wall -Wextra -o "$b/$name" "$b/$name.c" >&2 || die "building $name failed"
	fi
	echo "$b/$name"
}

# A field of the scenario's JSON, as text (DEFAULT when it has none; JSON for lists and maps).
scen_field() {
	python3 -c 'import json,sys
v = json.loads(sys.argv[1]).get(sys.argv[2], sys.argv[3])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" "${3:-}"
}

# The scenario's kind: what it leaks.  "slab" (no "kind" field) has a "cache" memsim walks;
# "vmalloc", "pages" and "shmem" leak outside the slab allocator and name no cache.
scen_kind() {
	scen_field "$1" kind slab
}

# The scenario's setup lines in /init: load the leak module, or run the program, then run its
# "commands" (busybox applets, each line `/bin/busybox COMMAND`); on failure print the marker
# and run FAIL (nothing more by default: the host sees the marker).
setup_line() {
	local scen=$1 fail=${2:-} args program on_fail
	args=$(scen_field "$scen" args)
	program=$(scen_field "$scen" program)
	on_fail="|| { echo MEMSIM-SETUP-FAILED;${fail:+ $fail;} }"
	if [ -n "$program" ]; then
		echo "/$program $args $on_fail"
	else
		echo "/bin/busybox insmod /memsim_leak.ko $args $on_fail"
	fi
	python3 -c 'import json,sys
for c in json.loads(sys.argv[1]).get("commands", []): print(f"/bin/busybox {c} {sys.argv[2]}")' \
		"$scen" "$on_fail"
}

# SLUB's alloc_traces (or alloc_calls) of a slab scenario's CACHE, then its /proc/slabinfo line
# between MEMSIM-SLABINFO-BEGIN and -END.
slabinfo_script() {
	local slab=$1
	cat <<INIT
# SLUB's own summary of the allocation tracks (slub_debug=U): debugfs alloc_traces from v5.17,
# sysfs alloc_calls before; one line per call site and stack, the 40 biggest (none without U).
echo MEMSIM-ALLOC-CALLS-BEGIN
for f in /sys/kernel/debug/slab/$slab/alloc_traces /sys/kernel/slab/$slab/alloc_calls; do
	[ -r "\$f" ] && { /bin/busybox cat "\$f" 2>/dev/null; break; }
done | /bin/busybox awk '/^ *[0-9]+ [^ ]/ && / pid=/' | /bin/busybox sort -k1,1nr |
	/bin/busybox head -n 40 | /bin/busybox awk '{ print } END { print "MEMSIM-ALLOC-CALLS-END lines=" NR }'
# The cache's line last: reading alloc_traces allocates (7.x: one more slab of the cache).
echo MEMSIM-SLABINFO-BEGIN
# A cache merged into another has no line of its own: print the line of the one it joined.
/bin/busybox grep -E '^($slab) ' /proc/slabinfo || {
	t=\$(/bin/busybox readlink /sys/kernel/slab/$slab)
	for n in /sys/kernel/slab/*; do
		[ -n "\$t" ] && [ "\$(/bin/busybox readlink \$n)" = "\$t" ] &&
			/bin/busybox grep -E "^\${n##*/} " /proc/slabinfo
	done
}
echo MEMSIM-SLABINFO-END
INIT
}

# The ground truth /init prints just before the dump, for every scenario: /proc/meminfo whole,
# /proc/vmallocinfo summed by caller (the top 30 by bytes) and /proc/slabinfo whole, each
# between MEMSIM-*-BEGIN and MEMSIM-*-END markers; the end marker says how many lines came
# (write_manifest.py checks it).  Kernel messages stay off the console meanwhile (console
# log level 1), so that none splits a line, and the level is put back after.  Takes
# 0.3-0.5 s under TCG, most of it the serial console.
#
# A vmallocinfo line is "0xSTART-0xEND SIZE [CALLER [MODULE]] [pages=N] [phys=..] [flags]";
# SIZE counts the guard page of an area that has one, pages=N only the pages it maps.  The
# caller is printed as %pS: "symbol+0xOFF/0xLEN [module]", kept as "symbol [module]"; lazily
# freed areas are "unpurged vm_area", vm_map_ram's areas "vm_map_ram"; an area with no
# caller counts under "-".
ground_truth_script() {
	cat <<'CAPTURE'
memsim_up() { /bin/busybox cut -d" " -f1 /proc/uptime; }
memsim_t0=$(memsim_up)
memsim_level=$(/bin/busybox cut -f1 /proc/sys/kernel/printk)
echo 1 >/proc/sys/kernel/printk
# Fold the per-cpu vmstat deltas into the global counters /proc/meminfo reads (and the dump
# holds): without it Shmem, for one, lags the pages just written by up to a few hundred kB.
echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
echo MEMSIM-MEMINFO-BEGIN
/bin/busybox awk '{ print } END { print "MEMSIM-MEMINFO-END lines=" NR }' /proc/meminfo
echo MEMSIM-VMALLOC-BEGIN
/bin/busybox awk '
	{
		c = "-"
		if ($3 == "unpurged") c = "unpurged vm_area"
		else if ($3 == "vm_map_ram") c = "vm_map_ram"
		else if (NF >= 3 && $3 !~ /^(pages|phys)=/ && $3 !~ /^(ioremap|vmalloc|vmap|user|vpages|dma-coherent|N[0-9]+=)/) {
			c = $3
			sub(/\+0x[0-9a-f]+\/0x[0-9a-f]+$/, "", c)
			if ($4 ~ /^\[.*\]$/) c = c " " $4
		}
		p = 0
		for (i = 3; i <= NF; i++) if ($i ~ /^pages=[0-9]+$/) p = substr($i, 7)
		if (!(c in areas)) callers++
		areas[c]++; bytes[c] += $2; pages[c] += p
		all_areas++; all_bytes += $2; all_pages += p
	}
	END {
		for (c in areas) printf "%.0f %d %.0f %s\n", bytes[c], areas[c], pages[c], c >"/memsim-vmalloc"
		printf "callers=%d areas=%d bytes=%.0f pages=%.0f\n", callers, all_areas, all_bytes, all_pages >"/memsim-vmalloc-total"
	}' /proc/vmallocinfo
/bin/busybox sort -k1,1nr -k4 /memsim-vmalloc | /bin/busybox head -n 30
echo "MEMSIM-VMALLOC-END $(/bin/busybox cat /memsim-vmalloc-total)"
/bin/busybox rm -f /memsim-vmalloc /memsim-vmalloc-total
echo MEMSIM-SLABINFO-ALL-BEGIN
/bin/busybox awk '{ print } END { print "MEMSIM-SLABINFO-ALL-END lines=" NR }' /proc/slabinfo
echo "$memsim_level" >/proc/sys/kernel/printk
echo "MEMSIM-GROUND-TRUTH $memsim_t0 $(memsim_up)"
CAPTURE
}

# In-guest kdump (scenarios with "kdump_in_guest"): the dump is made the way kdump-tools
# makes it on a customer's machine.  The first kernel boots with crashkernel=, its /init
# loads a capture kernel with kexec -p, plants the leak and panics; the capture kernel's
# /init runs makedumpfile on /proc/vmcore once per dump, in the flattened format (-F),
# each written raw to a virtio disk of its own that the host rebuilds with makedumpfile -R.

# The virtio modules the capture kernel needs to reach its disks, in load order.
KDUMP_MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk"

# Take them from kernel V's own package (once) into $cache/kernels/V/kdump; print that path.
fetch_kdump_modules() {
	local v=$1 d=$cache/kernels/$1/kdump tmp pkgs m f
	if [ ! -f "$d/.done" ]; then
		tmp=$(mktemp -d)
		pkgs=$(kernel_pkgs "$v")
		# shellcheck disable=SC2086
		unpack_pkgs "$tmp" $pkgs >&2
		rm -rf "$d"
		mkdir -p "$d"
		for m in $KDUMP_MODULES; do
			f=$(find "$tmp/lib/modules" "$tmp/usr/lib/modules" -name "$m.ko*" 2>/dev/null | head -n1 || true)
			case "$f" in
			"") ;; # built in, or not in this generation
			*.xz) xz -dc "$f" >"$d/$m.ko" ;;
			*) cp "$f" "$d/$m.ko" ;;
			esac
		done
		[ -f "$d/virtio_blk.ko" ] || grep -qs '^CONFIG_VIRTIO_BLK=y' "$tmp/boot/config-$v" ||
			die "no virtio_blk module in $pkgs"
		rm -rf "$tmp"
		touch "$d/.done"
	fi
	echo "$d"
}

# Copy the host's BINARY... into ROOT at the same paths, with every shared library ldd names.
copy_with_libs() {
	local root=$1 b l
	shift
	for b in "$@"; do
		[ -x "$b" ] || die "$b missing (make deps installs kexec-tools and makedumpfile)"
		for l in "$b" $(ldd "$b" | grep -o '/[^ ]*'); do
			mkdir -p "$root$(dirname "$l")"
			cp -L "$l" "$root$l"
		done
	done
}

# The capture kernel's initrd: busybox, makedumpfile and the virtio modules; its /init
# writes one dump per entry of the scenario's kdump_in_guest.dumps to the disk whose serial
# is the dump's name, then reboots (qemu runs with -no-reboot: it exits).
make_capture_initrd() {
	local v=$1 scen=$2 out=$3 root mods
	mods=$(fetch_kdump_modules "$v")
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/lib/kdump"
	cp /bin/busybox "$root/bin/busybox"
	cp "$mods"/*.ko "$root/lib/kdump/" 2>/dev/null || true
	copy_with_libs "$root" /usr/bin/makedumpfile
	{
		cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
up() { cut -d' ' -f1 /proc/uptime; }
echo "MEMSIM-CAPTURE-START $(up)"
INIT
		echo "for m in $KDUMP_MODULES; do"
		cat <<'INIT'
	[ -f /lib/kdump/$m.ko ] && insmod /lib/kdump/$m.ko
done
# dump NAME ARGS...: makedumpfile ARGS in the flattened format, to the disk serialled NAME.
dump() {
	name=$1 disk= i=0
	shift
	while [ -z "$disk" ] && [ $i -lt 100 ]; do
		for b in /sys/block/vd*; do
			[ "$(cat $b/serial 2>/dev/null)" = "$name" ] && disk=/dev/${b##*/}
		done
		[ -n "$disk" ] || sleep 0.1
		i=$((i + 1))
	done
	[ -n "$disk" ] || { echo "MEMSIM-CAPTURE-FAILED $name: no disk with serial $name"; return; }
	if makedumpfile -F --message-level 22 "$@" /proc/vmcore >"$disk"; then
		echo "MEMSIM-DUMPED $name $(up)"
	else
		echo "MEMSIM-CAPTURE-FAILED $name: makedumpfile $*"
	fi
}
INIT
		python3 -c 'import json,sys
for name, args in json.loads(sys.argv[1])["kdump_in_guest"]["dumps"].items():
    print(f"dump {name} {args}")' "$scen"
		cat <<'INIT'
sync
echo MEMSIM-CAPTURE-DONE
reboot -f
INIT
	} >"$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
	rm -rf "$root"
}

make_initrd() {
	local k=$1 payload=$2 scen=$3 out=$4 root kig
	kig=$(scen_field "$scen" kdump_in_guest)
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp /bin/busybox "$root/bin/busybox"
	cp "$payload" "$root/"
	local setup head tail slabinfo=
	if [ "$(scen_kind "$scen")" = slab ]; then
		slabinfo=$(slabinfo_script "$(scen_field "$scen" cache)")
	fi
	if [ -z "$kig" ]; then
		cp "$k/qemu_fw_cfg.ko" "$root/"
		setup=$(setup_line "$scen")
		head='/bin/busybox insmod /qemu_fw_cfg.ko'
		tail='echo MEMSIM-READY
while true; do /bin/busybox sleep 1000; done'
	else
		# No qemu_fw_cfg: the VMCOREINFO is the one the kernel hands its capture kernel.
		copy_with_libs "$root" /usr/sbin/kexec
		cp "$k/vmlinuz" "$root/vmlinuz"
		make_capture_initrd "${k##*/}" "$scen" "$root/capture.gz"
		setup=$(setup_line "$scen" "/bin/busybox poweroff -f")
		# As kdump-tools does at boot: the capture kernel (this same vmlinuz) is loaded into
		# the crashkernel= reservation with this boot's command line less crashkernel=,
		# plus the usual kdump options.
		head='append="$(/bin/busybox sed "s/crashkernel=[^ ]*//" /proc/cmdline) reset_devices irqpoll nr_cpus=1 nousb"
/usr/sbin/kexec -p /vmlinuz --initrd=/capture.gz --append="$append" &&
	[ "$(/bin/busybox cat /sys/kernel/kexec_crash_loaded)" = 1 ] ||
	{ echo MEMSIM-SETUP-FAILED: kexec -p; /bin/busybox poweroff -f; }'
		# The crash: the kernel kexecs into the capture kernel, which writes the dumps.
		# The serial console is still sending what /init wrote (the ground truth is some 20 kB)
		# when write() returns, and the panic cuts it short: give it a second to drain.
		tail='echo "MEMSIM-READY $(/bin/busybox cut -d" " -f1 /proc/uptime)"
/bin/busybox sleep 1
echo c >/proc/sysrq-trigger'
	fi
	cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
$head
$setup
$slabinfo
$(ground_truth_script)
$tail
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
	rm -rf "$root"
}

# Boot, wait for the ready marker, dump both formats over QMP.
boot_and_dump() {
	local k=$1 initrd=$2 dir=$3 scen=$4 mem paging kdump append
	mem=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("mem", 512))' "$scen")
	paging=$(python3 -c 'import json,sys; print("--paging" if json.loads(sys.argv[1]).get("paging") else "")' "$scen")
	kdump=$(python3 -c 'import json,sys; print("" if json.loads(sys.argv[1]).get("kdump") is False else "k")' "$scen")
	append=$(scen_field "$scen" append "")	# the scenario's own kernel parameters
	local sock=$dir/qmp.sock serial=$dir/serial.log pid i try
	# A guest kernel that oopses before the scenario is set up (under TCG, sid's 7.2 kernel
	# sometimes hits a stray int3 while patching its own text at boot) is booted again, up to
	# three times in all; a scenario that fails its own setup is not.
	for try in 1 2 3; do
		rm -f "$sock" "$serial" "$dir"/vmcore.*
		qemu-system-x86_64 -m "$mem" -smp 2 -nographic -no-reboot -kernel "$k/vmlinuz" \
			-initrd "$initrd" -append "console=ttyS0 panic=-1 quiet${append:+ $append}" \
			-device vmcoreinfo \
			-qmp "unix:$sock,server,nowait" </dev/null >"$serial" 2>&1 &
		pid=$!
		for i in $(seq 1 900); do
			grep -aq MEMSIM-READY "$serial" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		grep -aq MEMSIM-READY "$serial" && break
		grep -aq MEMSIM-SETUP-FAILED "$serial" && break
		grep -aq 'Oops\|Kernel panic' "$serial" || break
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		[ "$try" -lt 3 ] && echo "make-samples: the guest kernel oopsed before it was ready" \
			"($(grep -a -m1 'Oops\|Kernel panic' "$serial" | tr -d '\r' | sed 's/^.*\] //')):" \
			"booting again (attempt $((try + 1)) of 3)" >&2
	done
	if ! grep -aq MEMSIM-READY "$serial" || grep -aq MEMSIM-SETUP-FAILED "$serial"; then
		kill "$pid" 2>/dev/null || true
		tail -n 40 "$serial" >&2
		die "guest did not get ready (serial log: $serial)"
	fi
	python3 "$here/qmp_dump.py" "$sock" "$dir/vmcore.elf" "${kdump:+$dir/vmcore.kdump}" $paging
	wait "$pid" 2>/dev/null || true
	rm -f "$sock"
}

# In-guest kdump: boot with crashkernel=, one raw disk per dump; the guest plants, panics,
# and its capture kernel writes the dumps and reboots, which ends qemu (-no-reboot).  The
# flattened dumps are rebuilt here with makedumpfile -R.
boot_and_capture() {
	local k=$1 initrd=$2 dir=$3 scen=$4 mem ck names n rc=0 out
	local serial=$dir/serial.log drives=()
	mem=$(scen_field "$scen" mem 1024)
	ck=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["kdump_in_guest"]["crashkernel"])' "$scen")
	names=$(python3 -c 'import json,sys; print(" ".join(json.loads(sys.argv[1])["kdump_in_guest"]["dumps"]))' "$scen")
	rm -f "$serial" "$dir"/vmcore.* "$dir"/disk.*.img
	for n in $names; do
		# Sparse: only what makedumpfile writes takes room.  A dump never exceeds the memory.
		truncate -s "$((mem + 64))M" "$dir/disk.$n.img"
		drives+=(-drive "if=none,id=$n,file=$dir/disk.$n.img,format=raw"
			-device "virtio-blk-pci,drive=$n,serial=$n")
	done
	timeout 900 qemu-system-x86_64 -m "$mem" -smp 2 -nographic -no-reboot -kernel "$k/vmlinuz" \
		-initrd "$initrd" -append "console=ttyS0 panic=-1 quiet crashkernel=$ck" "${drives[@]}" \
		</dev/null >"$serial" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] || ! grep -aq MEMSIM-READY "$serial" || ! grep -aq MEMSIM-CAPTURE-DONE "$serial" ||
		grep -aq 'MEMSIM-SETUP-FAILED\|MEMSIM-CAPTURE-FAILED' "$serial"; then
		tail -n 40 "$serial" >&2
		die "in-guest kdump failed (qemu exit $rc; serial log: $serial)"
	fi
	for n in $names; do
		grep -aq "MEMSIM-DUMPED $n " "$serial" || die "the capture kernel wrote no $n dump (serial log: $serial)"
		out=$(makedumpfile -R "$dir/vmcore.$n" <"$dir/disk.$n.img" 2>&1) ||
			die "makedumpfile -R $dir/vmcore.$n failed: $out"
		rm -f "$dir/disk.$n.img"
	done
	# The guest's clocks: the first kernel's uptime at the panic, the capture kernel's at its
	# /init and after each dump.
	tr -d '\r' <"$serial" | awk -v name="$(scen_field "$scen" name)" '
		$1 == "MEMSIM-READY" { ready = $2 }
		$1 == "MEMSIM-CAPTURE-START" { last = start = $2 }
		$1 == "MEMSIM-DUMPED" { dumps = dumps sprintf(", %s %.1f s", $2, $3 - last); last = $3 }
		END { printf "%s: boot and plant %.1f s (uptime at the panic), capture kernel to /init %.1f s; makedumpfile%s\n",
			name, ready, start, substr(dumps, 2) }'
}

inputs_hash() {
	local v=$1 scen=$2
	{
		echo "$v"
		echo "$scen"
		cat "$here/make-samples.sh" "$here/module/memsim_leak.c" \
			"$here/qmp_dump.py" "$here/write_manifest.py" "$here"/guest/*.c
		# In-guest kdump runs the host's kexec and makedumpfile.
		[ -z "$(scen_field "$scen" kdump_in_guest)" ] ||
			dpkg-query -W -f '${Package} ${Version}\n' kexec-tools makedumpfile 2>/dev/null
	} | sha256sum | cut -d' ' -f1
}

make_scenario() {
	local v=$1 name=$2 scen dir k payload program stamp t0
	scen=$(scenario_json "$name")
	dir=$cache/dumps/$v/$name
	k=$cache/kernels/$v
	stamp=$(inputs_hash "$v" "$scen")
	if [ -f "$dir/manifest.json" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; then
		echo "$name: up to date: $dir"
		return
	fi
	t0=$(date +%s)
	mkdir -p "$dir"
	rm -f "$dir/stamp"
	program=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("program", ""))' "$scen")
	if [ -n "$program" ]; then
		payload=$(build_program "$program")
		rm -f "$dir/memsim_leak.ko"
	else
		payload=$(build_module "$v")
		cp "$payload" "$dir/memsim_leak.ko"
	fi
	make_initrd "$k" "$payload" "$scen" "$dir/initrd.gz"
	if [ -n "$(scen_field "$scen" kdump_in_guest)" ]; then
		boot_and_capture "$k" "$dir/initrd.gz" "$dir" "$scen"
	else
		boot_and_dump "$k" "$dir/initrd.gz" "$dir" "$scen"
	fi
	python3 "$here/write_manifest.py" "$dir" "$scen" \
		"{\"version\": \"$v\", \"generation\": \"$KERNEL\", \"vmlinux\": \"$k/vmlinux\"}" \
		"$dir/serial.log"
	echo "$stamp" >"$dir/stamp"
	echo "$name: made in $(($(date +%s) - t0)) s: $dir"
}

case "${1:-}" in
--list)
	scenario_names
	exit 0
	;;
--print-version)
	resolve_version
	exit 0
	;;
--print-dir)
	[ -n "${2:-}" ] || die "--print-dir needs a scenario"
	scenario_json "$2" >/dev/null
	echo "$cache/dumps/$(resolve_version)/$2"
	exit 0
	;;
esac

v=$(resolve_version)
fetch_kernel "$v"
if [ $# -eq 0 ]; then
	mapfile -t names < <(kernel_scenarios "$KERNEL")
else
	names=("$@")
fi
for n in "${names[@]}"; do
	make_scenario "$v" "$n"
done
