# kernels.sh - the kernel generations the samples and tests cover (sourced, not run).
#
#   KERNEL   suite      kernel ABI (resolved from the suite's index)   crash that opens it
#   5.10     bullseye   5.10.0-32-cloud-amd64 (newest with -dbg)       host's (bookworm 8.0.2)
#   6.1      bookworm   the host's own suite                           host's
#   6.12     trixie     6.12.*+deb13-cloud-amd64                       trixie chroot's (8.0.6)
#   7.x      sid        7.*+deb14-cloud-amd64                          sid chroot's (9.0.x), --no_modules
#
# Other suites' packages never touch the host: each gets a minbase debootstrap chroot under
# $cache/chroots/SUITE with gcc (new kernels need a newer one), the suite's kernel headers and
# crash (whose defs.h memsim.so is built against for that crash).  6.1 uses the host alone.

memsim_cache=${MEMSIM_CACHE:-$HOME/.cache/memsim}

kernel_suite() {
	case "$1" in
	5.10) echo bullseye ;;
	6.1) echo bookworm ;;
	6.12) echo trixie ;;
	7.x) echo sid ;;
	*) return 1 ;;
	esac
}

# The suite whose chroot builds modules for KERNEL ("" for the host).
kernel_build_suite() {
	case "$1" in
	6.1) echo "" ;;
	*) kernel_suite "$1" ;;
	esac
}

# The suite whose crash opens KERNEL's dumps ("" for the host's crash).
kernel_crash_suite() {
	case "$1" in
	5.10 | 6.1) echo "" ;;
	*) kernel_suite "$1" ;;
	esac
}

# Extra crash options for KERNEL.
kernel_crash_flags() {
	case "$1" in
	7.x) echo "--no_modules" ;;
	*) echo "" ;;
	esac
}

chroot_dir() { echo "$memsim_cache/chroots/$1"; }

# The Debian archive this machine's apt uses (the URI serving its own release's main suite),
# for debootstrap: read from /etc/apt/sources.list and sources.list.d (one-line and deb822
# forms); MEMSIM_MIRROR overrides.  Fails, saying so, when no source names one.
apt_mirror() {
	local codename uri
	if [ -n "${MEMSIM_MIRROR:-}" ]; then
		echo "$MEMSIM_MIRROR"
		return 0
	fi
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	uri=$(python3 - "$codename" /etc/apt/sources.list /etc/apt/sources.list.d/* <<'PY'
import re, sys
codename, files = sys.argv[1], sys.argv[2:]
def wanted(uri, suites, comps):
    # The release's own suite (not -security/-updates/-backports) with main, on a Debian archive.
    return uri.rstrip("/").endswith("/debian") and codename in suites and "main" in comps
found = []
for f in files:
    try:
        text = open(f).read()
    except OSError:
        continue
    if f.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                k, v = line.split(":", 1)
                fields[k.strip().lower()] = v.split()
            if fields.get("enabled", ["yes"])[0].lower() == "no" or "deb" not in fields.get("types", []):
                continue
            for uri in fields.get("uris", []):
                if wanted(uri, fields.get("suites", []), fields.get("components", [])):
                    found.append(uri)
    elif f.endswith(".list"):
        for line in text.splitlines():
            words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
            if len(words) >= 4 and words[0] == "deb" and wanted(words[1], [words[2]], words[3:]):
                found.append(words[1])
print(found[0] if found else "")
PY
)
	if [ -z "$uri" ]; then
		echo "no Debian archive for '$codename' main in /etc/apt/sources.list{,.d}; set MEMSIM_MIRROR" >&2
		return 1
	fi
	echo "$uri"
}

# Make the minbase chroot of SUITE with what module builds and crash need (once; ~2 min).
ensure_chroot() {
	local suite=$1 d
	d=$(chroot_dir "$suite")
	[ -f "$d/.memsim-ready" ] && return 0
	command -v debootstrap >/dev/null || { echo "debootstrap missing (make deps)" >&2; return 1; }
	mkdir -p "$memsim_cache/chroots"
	if [ ! -x "$d/usr/bin/apt-get" ]; then
		local mirror
		mirror=$(apt_mirror) || return 1
		rm -rf "$d.part"
		debootstrap --variant=minbase "$suite" "$d.part" "$mirror" \
			>"$memsim_cache/chroots/$suite.log" 2>&1 || {
			tail -n 20 "$memsim_cache/chroots/$suite.log" >&2
			return 1
		}
		rm -rf "$d"
		mv "$d.part" "$d"
	fi
	chroot_run "$suite" apt-get -q -o Acquire::Check-Valid-Until=false update \
		>>"$memsim_cache/chroots/$suite.log" 2>&1
	chroot_run "$suite" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends crash gcc make libc6-dev libdw-dev libelf-dev libxxhash-dev \
		linux-headers-cloud-amd64 xz-utils >>"$memsim_cache/chroots/$suite.log" 2>&1 || {
		tail -n 20 "$memsim_cache/chroots/$suite.log" >&2
		return 1
	}
	touch "$d/.memsim-ready"
}

# Run a command in SUITE's chroot with /proc mounted and the cache at the same path inside.
chroot_run() {
	local suite=$1 d rc=0
	shift
	d=$(chroot_dir "$suite")
	mkdir -p "$d/proc" "$d$memsim_cache"
	mountpoint -q "$d/proc" || mount -t proc proc "$d/proc"
	mountpoint -q "$d$memsim_cache" || mount --bind "$memsim_cache" "$d$memsim_cache"
	chroot "$d" "$@" || rc=$?
	umount "$d$memsim_cache" 2>/dev/null || true
	umount "$d/proc" 2>/dev/null || true
	return $rc
}

# Run the crash that opens KERNEL's dumps: crash_for KERNEL VMLINUX DUMP [CMDFILE]
crash_for() {
	local kernel=$1 vmlinux=$2 dump=$3 cmds=${4:-} suite flags
	suite=$(kernel_crash_suite "$kernel")
	flags=$(kernel_crash_flags "$kernel")
	if [ -z "$suite" ]; then
		crash -s $flags "$vmlinux" "$dump" ${cmds:+-i "$cmds"} </dev/null
	else
		chroot_run "$suite" crash -s $flags "$vmlinux" "$dump" ${cmds:+-i "$cmds"} </dev/null
	fi
}

# What scenario $1 leaks (scenarios.json's "kind"; slab when absent).
scenario_kind() {
	python3 -c 'import json,sys
for s in json.load(open(sys.argv[1])):
    if s["name"] == sys.argv[2]: print(s.get("kind", "slab"))' \
		"$(dirname "${BASH_SOURCE[0]}")/scenarios.json" "$1"
}

# The scenarios made for KERNEL by default: all on 6.1; on the others, the slab ones whose
# cache is the same on every generation (kmalloc-cg-* only exists since 5.14) and the three
# that leak outside the slab allocator.
kernel_scenarios() {
	case "$1" in
	6.1) "$(dirname "${BASH_SOURCE[0]}")/make-samples.sh" --list ;;
	*) printf '%s\n' kmalloc32-fn chain epoll-items vmalloc-leak page-leak shmem-leak ;;
	esac
}

# The kernel ABI of KERNEL, resolved once (apt takes 1-3 s a time) and exported for the
# make-samples.sh calls of one test script (MEMSIM_ABI, for MEMSIM_ABI_KERNEL only); nothing
# is exported when it cannot be resolved, and each call then asks apt itself.
pin_kernel_abi() {
	local here abi
	here=$(dirname "${BASH_SOURCE[0]}")
	abi=$("$here/make-samples.sh" --print-version 2>/dev/null) || return 0
	[ -n "$abi" ] || return 0
	export MEMSIM_ABI=$abi MEMSIM_ABI_KERNEL=$KERNEL
}
