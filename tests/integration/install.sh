#!/usr/bin/env bash
# Installing: make install puts memsim.so where crash's "extend memsim.so" (no path) finds
# it, and memsim -V and the JSON report give this tree's version (make version); make
# uninstall takes it away again (crash then finds no memsim.so); then the same with the
# Debian package: make deb, dpkg -i, the same checks, dpkg -r.  Each crash session is crash
# in batch mode on the kmalloc32-fn sample (ELF), run in an empty directory with
# CRASH_EXTENSIONS unset, so that only crash's system directories can supply memsim.so.
#
#   tests/integration/install.sh
#
# It installs into the real system (/usr), so it runs as root (CI does) and leaves the
# system as it found it: memsim files that were there before (an earlier make install) are
# put back, and it refuses to run while the memsim package is installed.
#
# Environment: MEMSIM_TEST_OUT is where the commands and crash logs go (build/integration by
# default).
set -uo pipefail
test=install sample=kmalloc32-fn
. "$(dirname "$0")/one-sample.sh"

ext=/usr/lib/crash/extensions/memsim.so
docdir=/usr/share/doc/memsim
[ "$(id -u)" -eq 0 ] || give_up "must run as root: it installs into /usr"
status=$(dpkg-query -W -f='${db:Status-Status}' memsim 2>/dev/null)
[ -z "$status" ] || [ "$status" = not-installed ] ||
	give_up "the memsim package is $status: this test installs and removes its own (dpkg -r memsim first)"
[ ! -e /usr/lib64/crash/extensions/memsim.so ] ||
	give_up "/usr/lib64/crash/extensions/memsim.so exists and would be found before $ext"
exec 9>/run/lock/memsim-install-test.lock && flock 9 || give_up "cannot lock /run/lock/memsim-install-test.lock"

# What a make install left before this run is put back at the end, whatever happens.
saved=$out/saved
rm -rf "$saved" && mkdir -p "$saved"
[ ! -e "$ext" ] || cp -a "$ext" "$saved/memsim.so"
[ ! -d "$docdir" ] || cp -a "$docdir" "$saved/doc"
restore() {
	if [ "$(dpkg-query -W -f='${db:Status-Status}' memsim 2>/dev/null)" = installed ]; then
		dpkg -r memsim >/dev/null 2>&1
	fi
	make -s --no-print-directory -C "$top" uninstall >/dev/null 2>&1
	[ ! -e "$saved/memsim.so" ] || cp -a "$saved/memsim.so" "$ext"
	[ ! -d "$saved/doc" ] || { mkdir -p "$docdir" && cp -a "$saved/doc/." "$docdir/"; }
}
trap restore EXIT

passed=0 failed=0
check() {	# check OK WHAT [DETAIL]
	if [ "$1" = 0 ]; then
		echo "ok   install: $2"
		passed=$((passed + 1))
	else
		echo "FAIL install: $2${3:+: $3}"
		failed=$((failed + 1))
	fi
}
t0=$(date +%s)
version=$(make -s --no-print-directory -C "$top" version)

# One crash session: extend memsim.so by its bare name, memsim -V, a JSON report.  In an
# empty directory: crash tries ./memsim.so and ./extensions/memsim.so too.
mark="=== memsim-install "
session() {	# session NAME: the log is $out/NAME.log
	local cmds=$out/$1.cmds log=$out/$1.log dir
	cat >"$cmds" <<-EOF
	!echo '${mark}extend'
	extend memsim.so
	!echo '${mark}version'
	memsim -V
	!echo '${mark}json'
	memsim -j -n 1 -d 0 kmalloc-32
	!echo '${mark}end'
	quit
	EOF
	dir=$(mktemp -d)
	(cd "$dir" && env -u CRASH_EXTENSIONS timeout 600 crash -s "$vmlinux" "$dump" <"$cmds" >"$log" 2>&1)
	rmdir "$dir"
}
section() {	# section LOG NAME: the lines after NAME's marker, up to the next
	awk -v m="$mark" -v n="$2" 'index($0, m) == 1 { on = (substr($0, length(m) + 1) == n); next }
		on' "$1"
}
loaded() {	# loaded NAME HOW: memsim.so found in $ext, -V and the report give $version
	local log=$out/$1.log got json
	session "$1"
	got=$(section "$log" extend)
	[ "$got" = "$ext: shared object loaded" ]
	check $? "$2: crash's \"extend memsim.so\" loads $ext" "$got"
	got=$(section "$log" version)
	[ "$got" = "memsim $version" ]
	check $? "$2: memsim -V prints \"memsim $version\"" "$got"
	json=$(section "$log" json | grep -m1 '^{')
	got=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("memsim_version"))' 2>&1)
	[ "$got" = "$version" ]
	check $? "$2: the JSON report's memsim_version is $version" "$got"
	grep -q "^${mark}end" "$log"
	check $? "$2: the crash session reaches its last command" "$log"
}
gone() {	# gone NAME HOW: no memsim file left, and crash finds no memsim.so
	local left got
	left=$(ls -d "$ext" "$docdir" 2>/dev/null)
	[ -z "$left" ]
	check $? "$2: nothing of memsim is left in /usr" "$left"
	session "$1"
	got=$(section "$out/$1.log" extend)
	[ "$got" = "extend: memsim.so: No such device or address" ]
	check $? "$2: crash's \"extend memsim.so\" finds none" "$got"
}

# make install / make uninstall (as installed before this run is already saved).
make -s --no-print-directory -C "$top" uninstall >/dev/null 2>&1
make -s --no-print-directory -C "$top" install >"$out/make-install.log" 2>&1
check $? "make install" "$out/make-install.log"
modes=$(stat -c '%a %n' "$ext" "$docdir"/memsim.md "$docdir"/json-schema.md \
	"$docdir"/memsim-report.schema.json 2>&1)
[ "$(echo "$modes" | grep -c '^644 ')" = 4 ]
check $? "make install puts memsim.so and the manual in place, mode 0644" "$modes"
loaded make-install "make install"
make -s --no-print-directory -C "$top" uninstall >"$out/make-uninstall.log" 2>&1
check $? "make uninstall" "$out/make-uninstall.log"
gone make-uninstall "make uninstall"

# make deb / dpkg -i / dpkg -r.
deb=$(make -s --no-print-directory -C "$top" deb 2>"$out/make-deb.log" | tail -n1)
[ -f "$deb" ] && [ "${deb%.deb}" != "$deb" ]
check $? "make deb makes the package" "$deb; $out/make-deb.log"
case $deb in /*) ;; *) deb=$top/$deb ;; esac
if [ -f "$deb" ]; then
	dpkg -i "$deb" >"$out/dpkg-i.log" 2>&1
	check $? "dpkg -i $(basename "$deb")" "$out/dpkg-i.log"
	got=$(dpkg-query -W -f='${db:Status-Status} ${Version}' memsim 2>&1)
	[ "$got" = "installed $(echo "$version" | tr - .)-1" ]
	check $? "dpkg knows memsim as installed, version $(echo "$version" | tr - .)-1" "$got"
	loaded deb "the package"
	dpkg -r memsim >"$out/dpkg-r.log" 2>&1
	check $? "dpkg -r memsim" "$out/dpkg-r.log"
	got=$(dpkg-query -W -f='${db:Status-Status}' memsim 2>/dev/null)
	[ -z "$got" ] || [ "$got" = not-installed ]
	check $? "dpkg -r leaves memsim not installed" "$got"
	gone deb-removed "dpkg -r"
fi

echo "install: $passed of $((passed + failed)) checks passed; logs in $out; $(($(date +%s) - t0)) s"
if [ "$failed" -eq 0 ]; then
	echo "install: 1 passed, 0 failed"
else
	echo "install: 0 passed, 1 failed"
fi
[ "$failed" -eq 0 ]
