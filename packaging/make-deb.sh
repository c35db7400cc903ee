#!/usr/bin/env bash
# Make the Debian binary package of memsim from a built memsim.so (make deb calls it).
#
#   packaging/make-deb.sh SO MEMSIM_VERSION DEB_VERSION DEB_FILE
#
# SO is the extension built with dpkg-buildflags' flags (make deb builds it), MEMSIM_VERSION
# what it was built as (memsim -V), DEB_VERSION the package's version, DEB_FILE the .deb
# to write.  The package: memsim.so stripped in /usr/lib/crash/extensions (where crash's
# "extend memsim.so" looks), the manual and the JSON schema in /usr/share/doc/memsim, the
# copyright file, a changelog.Debian.gz and lintian's overrides (packaging/lintian/memsim,
# each with its reason); Depends from dpkg-shlibdeps plus the crash release whose defs.h the
# extension was compiled against.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
so=${1:?SO} version=${2:?MEMSIM_VERSION} debver=${3:?DEB_VERSION} deb=${4:?DEB_FILE}
maintainer="memsim developers <dev@memsim.invalid>"
die() { echo "make-deb: $*" >&2; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps dpkg-query strip gzip; do
	command -v "$tool" >/dev/null || die "$tool not found (make deps installs dpkg-dev)"
done
[ -f "$so" ] || die "$so: no such file"

arch=$(dpkg --print-architecture)
# The work directory is laid out as dpkg-shlibdeps expects (debian/control, the package's
# files in debian/memsim), so that it reads the package as a source tree's would be.
work=$(dirname "$deb")/deb/pkg
rm -rf "$work"
root=$work/debian/memsim
doc=$root/usr/share/doc/memsim
ext=$root/usr/lib/crash/extensions
mkdir -p "$root/DEBIAN" "$doc" "$ext"

# The date of the changelog entry: SOURCE_DATE_EPOCH, else the commit's (a build from git),
# else the VERSION file's; dpkg-deb clamps the files' times in the package to it too.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
		SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct)
	else
		SOURCE_DATE_EPOCH=$(stat -c %Y "$top/VERSION")
	fi
fi
export SOURCE_DATE_EPOCH

# The files, with the permissions Debian policy asks for (directories 0755, files 0644: a
# shared object is not executable).  Documents of more than 4 kB are compressed (policy
# 12.3), except the JSON schema, which validators read as it is.
install -m 0644 "$so" "$ext/memsim.so"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$ext/memsim.so"
install -m 0644 "$top/docs/memsim.md" "$top/docs/json-schema.md" \
	"$top/docs/memsim-report.schema.json" "$doc/"
gzip -9n "$doc/memsim.md" "$doc/json-schema.md"
install -m 0644 "$top/packaging/copyright" "$doc/copyright"
install -D -m 0644 "$top/packaging/lintian/memsim" "$root/usr/share/lintian/overrides/memsim"
commit=${version#*+g}
if [ "$commit" != "$version" ]; then
	what="Built from commit ${commit%-dirty} of the memsim tree"
	[ "${commit%-dirty}" = "$commit" ] || what="$what, with uncommitted changes"
else
	what="Built from the memsim $version sources"
fi
{
	echo "memsim ($debver) unstable; urgency=medium"
	echo
	echo "  * $what."
	echo "    memsim -V prints: memsim $version"
	echo
	echo " -- $maintainer  $(date -R -u -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$doc/changelog.Debian.gz"
chmod 0644 "$doc/changelog.Debian.gz"

# Depends: the libraries memsim.so uses (dpkg-shlibdeps, from their packages' symbols
# files), and crash itself: an extension uses crash's own structures as defs.h lays them
# out, which can change with any upstream release, so the crash release it was built for.
printf 'Source: memsim\n\nPackage: memsim\nArchitecture: any\n' >"$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O -edebian/memsim/usr/lib/crash/extensions/memsim.so |
	sed -n 's/^shlibs:Depends=//p')
crash_pkg=$(dpkg-query -S /usr/include/crash/defs.h | cut -d: -f1)
crash_ver=$(dpkg-query -W -f='${Version}' "$crash_pkg")
crash_up=${crash_ver#*:}
crash_up=${crash_up%-*}
crash_next=$(echo "$crash_up" | awk -F. '{ sub(/[^0-9].*/, "", $NF); $NF = $NF + 1; print }' OFS=.)
depends="$crash_pkg (>= $crash_up), $crash_pkg (<< $crash_next~)${shlibs:+, $shlibs}"

(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"
# Installed-Size as dpkg-gencontrol counts it: each file's KiB rounded up, 1 per other entry.
size=$(cd "$root" && find usr -mindepth 1 \( -type f -printf '%s\n' -o -printf '1024\n' \) |
	awk '{ k += int(($1 + 1023) / 1024) } END { print k }')
cat >"$root/DEBIAN/control" <<EOF
Package: memsim
Version: $debver
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Enhances: $crash_pkg
Section: utils
Priority: optional
Description: crash extension that finds kernel memory leaks in vmcores
 memsim adds a "memsim" command to the crash kernel debugger.  For a SLUB
 slab cache of a vmcore or a live system it walks every slab, full ones
 included, separates allocated from free objects exactly, clusters the
 allocated objects by content, resolves the pointers they hold to kernel and
 module symbols, and reports the dominant object pattern with a ranked guess
 of the struct it is.
 .
 Load it with "extend memsim.so" at the crash prompt; the manual is in
 /usr/share/doc/memsim.
EOF
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +

mkdir -p "$(dirname "$deb")"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
