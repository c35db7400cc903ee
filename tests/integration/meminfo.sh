#!/usr/bin/env bash
# memsim -i (where the memory went) on the samples of KERNEL (slab, vmalloc, page and shmem
# leaks and the idle baseline): the JSON must follow docs/memsim-meminfo.schema.json; every row
# that names a /proc/meminfo field must agree with the guest's /proc/meminfo captured just
# before the dump; the memory map must be read whole and agree with the kernel's counters
# where both count; each leak must be found where it is (the vmalloc caller with its areas,
# pages and bytes as /proc/vmallocinfo gave them; the alloc_pages() pages as unaccounted, with
# a 'search -k' that finds who holds them; the shmem in the Shmem row), and a system that
# leaks no pages must explain them (unaccounted under 2 % of MemTotal); the text form must
# have the rows, the verdict and the next command.
#
#   tests/integration/meminfo.sh [SCENARIO...]    (default: KERNEL's vmalloc, page and shmem
#                                                 leaks, idle, kmalloc32-fn and its kdump)
#
# Environment (KERNEL, MEMSIM_SO, MEMSIM_TEST_OUT): tests/integration/per-sample.sh.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
NAME=meminfo
. "$top/tests/integration/per-sample.sh"

if [ $# -eq 0 ]; then
	set -- $(kernel_scenarios "$KERNEL" | python3 -c 'import json,sys
kinds = {s["name"]: s for s in json.load(open(sys.argv[1]))}
# By default the leaks outside the slab allocator, the idle baseline and one slab leak in
# each dump format (the other slab samples only repeat those rows: name them to run them).
for n in sys.stdin.read().split():
    s = kinds.get(n, {})
    if not s.get("bench") and (s.get("kind", "slab") != "slab" or
                               n in ("idle", "kmalloc32-fn", "kmalloc32-fn-kdump")): print(n)' \
		"$top/samples/scenarios.json")
fi

passed=0 failed=0
mark="=== memsim-meminfo "
for scen in "$@"; do
	if ! sample_open "$scen"; then
		failed=$((failed + 1))
		continue
	fi
	cmds=$out/$scen.cmds log=$out/$scen.log
	mods=$out/$scen.mods	# the module lines, again in the follow-up session (page-leak)
	module_lines >"$mods"
	{
		echo "extend $so"
		cat "$mods"
		echo "!echo '${mark}json'"
		echo "memsim -i -j"
		echo "!echo '${mark}text'"
		echo "memsim -i"
		echo "!echo '${mark}end'"
		echo "quit"
	} >"$cmds"
	t0=$(date +%s)
	crash_run "$cmds" "$log"
	if python3 - "$log" "$mark" "$manifest" "$top" "$scen" "$out" "$vmlinux" "$dump" "$mods" <<'EOF'
import json, os, re, subprocess, sys

import jsonschema

log, mark, manifest, top, scen, out, vmlinux, dump, mods = sys.argv[1:10]
docs = os.path.join(top, "docs")
m = json.load(open(manifest))
kind = m.get("kind") or "slab"
facts = m.get("facts") or {}
for s in json.load(open(os.path.join(top, "samples", "scenarios.json"))):
    if s["name"] == scen:
        kind = s.get("kind", kind)
        facts = s.get("facts", facts)
MiB = 1 << 20


def sections_of(path):
    sections, name = {}, None
    for line in open(path, errors="replace").read().splitlines():
        if line.startswith(mark):
            name = line[len(mark):].strip()
            sections[name] = []
        elif name is not None:
            sections[name].append(line)
    return sections


sections = sections_of(log)
failed = n = 0


def check(ok, what):
    global failed, n
    n += 1
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} meminfo/{scen}: {what}")
    return ok


def skip(what):
    print(f"skip meminfo/{scen}: {what}")


def near(a, b, share=0.02, floor=MiB):
    """Within share of the larger, or floor bytes, whichever is larger."""
    return abs(a - b) <= max(share * max(abs(a), abs(b)), floor)


def mib(b):
    return f"{b / MiB:.1f} MiB"


# ---- 1. the JSON parses and follows its schema
js = [l for l in sections.get("json", []) if l.startswith('{"schema":"memsim-meminfo"')]
if not check(len(js) == 1, 'memsim -i -j prints one JSON line ({"schema":"memsim-meminfo"...)'):
    sys.exit(1)
try:
    d = json.loads(js[0])
except ValueError as e:
    check(False, f"the JSON parses ({e})")
    sys.exit(1)
schema_path = os.path.join(docs, "memsim-meminfo.schema.json")
if not os.path.exists(schema_path):
    check(False, "docs/memsim-meminfo.schema.json exists (the -i JSON's contract; missing)")
else:
    try:
        jsonschema.validate(d, json.load(open(schema_path)))
        check(True, "the -i JSON follows docs/memsim-meminfo.schema.json")
    except jsonschema.ValidationError as e:
        where = "/".join(map(str, e.absolute_path)) or "(top level)"
        check(False, f"the -i JSON follows docs/memsim-meminfo.schema.json: {where}: "
                     f"{e.message[:200]}")
    except (jsonschema.SchemaError, ValueError) as e:
        check(False, f"docs/memsim-meminfo.schema.json is a valid schema: {str(e)[:200]}")

rows = d.get("meminfo", [])
byname = {r["name"]: r for r in rows}
total = byname.get("MemTotal", {}).get("bytes") or 0
check(total > 0, f"a MemTotal row ({mib(total)})")

# ---- 2. the rows against the guest's /proc/meminfo
# The guest captured /proc/meminfo a fraction of a second before the dump, and capturing it
# runs processes of its own (the shell, cat): pages move between the capture and the dump.
# A row of a few pages moves by whole pages, a big row by a share of itself: 2 % or 1 MiB,
# whichever is larger.
mi = m.get("meminfo") or {}
if check(bool(mi), "the manifest has the guest's /proc/meminfo"):
    for r in rows:
        expr = r.get("proc")
        if not expr:
            continue
        terms = re.findall(r"([+-]?)\s*([A-Za-z_][A-Za-z0-9_()]*)", expr)
        missing = [f for _, f in terms if f not in mi]
        if missing:
            skip(f"row {r['name']} ({expr}): the guest's /proc/meminfo has no "
                 f"{', '.join(missing)} (this kernel does not print it)")
            continue
        want = sum((-1 if sign == "-" else 1) * mi[f] * 1024 for sign, f in terms)
        check(near(r["bytes"], want),
              f"row {r['name']}: {r['bytes']} bytes, /proc/meminfo {expr} {want} "
              f"(off by {r['bytes'] - want:+d})")

# ---- 3. inside the dump: the memory map read whole, and where map and counter both count
mm = d.get("memory_map", {})
check(mm.get("pages_unreadable") == 0 and mm.get("pages_walked", 0) > 0 and
      not mm.get("interrupted"),
      f"memory map: {mm.get('pages_walked')} struct pages walked, "
      f"{mm.get('pages_unreadable')} unreadable, interrupted {mm.get('interrupted')}")
classes = mm.get("classes", {})
check(sum(classes.values()) == mm.get("pages_walked"),
      f"the classes' pages ({sum(classes.values())}) add up to the pages walked")
shaped = sum(s["pages"] for s in d.get("unaccounted_shapes", []))
check(shaped <= classes.get("other", 0),
      f"the shapes' {shaped} pages are among the {classes.get('other')} other pages")
un = byname.get("Unaccounted", {})
check(un.get("bytes") == d.get("unaccounted_bytes"),
      f"the Unaccounted row ({un.get('bytes')}) is unaccounted_bytes ({d.get('unaccounted_bytes')})")
vm, vcs = d.get("vmalloc", {}), d.get("vmalloc_callers", [])
check(vm.get("walked") and vm.get("areas_unreadable") == 0 and
      [sum(c[k] for c in vcs) for k in ("areas", "pages", "bytes")] ==
      [vm.get(k) for k in ("areas", "pages", "bytes")],
      f"vmalloc walked, nothing unreadable, its {vm.get('areas')} areas, {vm.get('pages')} pages "
      f"and {vm.get('bytes')} bytes the callers' sums")
check([c["pages"] for c in vcs] == sorted((c["pages"] for c in vcs), reverse=True),
      f"the {len(vcs)} vmalloc callers come in falling pages")
for name in ("MemTotal", "Shmem", "Slab reclaimable", "PageTables", "VmallocUsed", "Hugetlb"):
    r = byname.get(name)
    if r is None or "map_bytes" not in r or "counter_bytes" not in r:
        skip(f"row {name}: no map and counter both ({'no row' if r is None else 'one side'})")
        continue
    check(near(r["map_bytes"], r["counter_bytes"]),
          f"row {name}: the memory map's {r['map_bytes']} agrees with {r['counter']} "
          f"{r['counter_bytes']}")

verdict = d.get("verdict", {})
vtext, vnext = verdict.get("text", ""), verdict.get("next", "")
callers = d.get("vmalloc_callers", [])
shapes = d.get("unaccounted_shapes", [])
unacc = d.get("unaccounted_bytes", -1)

# ---- 4. vmalloc-leak: the caller, its areas, pages and bytes
if kind == "vmalloc":
    want = facts["vmalloc_caller"]
    c0 = callers[0] if callers else {}
    name0 = c0.get("caller", "")
    if m.get("generation") == "7.x":
        # crash opens 7.x dumps only with --no_modules (samples/kernels.sh): no module
        # symbols, so the caller is its address, said to be in a module without symbols.
        check(re.fullmatch(r"0x[0-9a-f]{16} \[no module symbols\]", name0) is not None,
              f"vmalloc caller 1 is an address in a module without symbols ({name0!r}, "
              f"{c0.get('pages')} pages; {want} in the guest)")
    else:
        check(name0.startswith(want), f"vmalloc caller 1 is {want} ({name0!r}, "
                                      f"{c0.get('pages')} pages)")
    check(c0.get("areas") == facts["vmalloc_areas"],
          f"{name0}: {c0.get('areas')} areas, {facts['vmalloc_areas']} planted")
    check(c0.get("pages") == facts["vmalloc_pages"],
          f"{name0}: {c0.get('pages')} pages, {facts['vmalloc_pages']} planted")
    guest = [g for g in m.get("vmalloc_callers", []) if g["caller"] == name0] or \
            [g for g in m.get("vmalloc_callers", []) if g["caller"].split()[0] == want]
    check(len(guest) == 1 and c0.get("bytes") == guest[0]["bytes"],
          f"{name0}: {c0.get('bytes')} bytes, /proc/vmallocinfo "
          f"{[g['bytes'] for g in guest]}")
    check(vnext == "kmem -v", f"verdict next is 'kmem -v' ({vnext!r})")
    check(name0 and name0 in vtext, f"verdict names {name0!r} ({vtext!r})")

# ---- 5. page-leak: the pages unaccounted, one shape, and who holds them
if kind == "pages":
    leak, leak_pages = facts["leak_bytes"], facts["leak_pages"]
    # Unaccounted is the leak plus what a healthy kernel of this generation leaves in no
    # row (0.7-2 MiB on 5.10-6.12, 5.5 MiB on 7.2: pages in use with refcount 0 that no
    # counter counts either): the leak shows within 5 %, the rest stays under the idle bound.
    check(unacc >= 0.95 * leak and unacc - leak <= 0.02 * total,
          f"unaccounted {unacc} ({mib(unacc)}): the {leak} ({mib(leak)}) leaked, less 5 % at "
          f"most, plus under 2 % of MemTotal ({mib(0.02 * total)})")
    big = max(shapes, key=lambda s: s["pages"]) if shapes else {}
    check(abs(big.get("pages", 0) - leak_pages) <= 0.05 * leak_pages,
          f"the biggest unaccounted shape has {big.get('pages')} pages, the {leak_pages} "
          f"leaked within 5 % (flags {big.get('flags')}, refcount {big.get('refcount')}, "
          f"example {big.get('example')})")
    check("unaccounted" in vtext, f"verdict mentions 'unaccounted' ({vtext[:120]!r})")
    # The advice works: its 'search -k ADDR' finds who holds the example page.
    s = re.search(r"search -k (0x[0-9a-fA-F]+|[0-9a-fA-F]+)", vnext)
    if check(s is not None, f"verdict next has a 'search -k ADDR' ({vnext!r})"):
        addr = int(s.group(1), 16)
        scmds, slog = os.path.join(out, f"{scen}.search.cmds"), os.path.join(out, f"{scen}.search.log")
        with open(scmds, "w") as f:
            f.write(open(mods).read())
            f.write(f"!echo '{mark}search'\nsearch -k {s.group(1)}\n!echo '{mark}end'\nquit\n")
        with open(slog, "w") as f:
            try:
                subprocess.run(["bash", "-c", '. "$1"; crash_for "$2" "$3" "$4" "$5"', "_",
                                os.path.join(top, "samples", "kernels.sh"),
                                os.environ["KERNEL"], vmlinux, dump, scmds],
                               stdout=f, stderr=subprocess.STDOUT, timeout=900)
            except subprocess.TimeoutExpired:
                pass
        ss = sections_of(slog)
        hits = [l for l in ss.get("search", [])
                if re.match(r"^\s*[0-9a-f]+:\s+[0-9a-f]+", l) and
                int(l.split(":")[1].split()[0], 16) == addr]
        check(len(hits) >= 1 and "end" in ss,
              f"'search -k {s.group(1)}' prints {len(hits)} hit line(s) "
              f"({'; '.join(h.strip() for h in hits[:3])}) (log {slog})")

# ---- 6. shmem-leak: the Shmem row holds it
if kind == "shmem":
    want = facts["shmem_leak_bytes"]
    sh = byname.get("Shmem", {}).get("bytes", 0)
    check(sh >= want, f"row Shmem {sh} ({mib(sh)}) >= {want} ({mib(want)}) planted")
    check("shmem" in vtext.lower(), f"verdict mentions shmem ({vtext!r})")

# ---- 7. a system that leaks no pages explains them: a misclassification shows here.
# Measured: 1.8-2.1 MiB unaccounted of 470-717 MiB on the 6.1 samples that leak no pages
# (0.7 MiB before the map counted refcount-0 tails of non-compound allocations as in use),
# 1.4-1.6 MiB of 475 MiB on 5.10; 2 % is 9.4 MiB, and a misclassified 64 MiB leak is 13 %.
if kind != "pages":
    check(0 <= unacc < 0.02 * total,
          f"unaccounted {unacc} ({mib(unacc)}) below 2 % of MemTotal ({mib(0.02 * total)})")

# ---- 8. the text form
text = sections.get("text", [])
check(any(re.match(r"^ROW\s+BYTES\s+MAP\s+COUNTER\s+NOTE", l) for l in text),
      "the text form has the ROW header")
tv = [l for l in text if l.startswith("VERDICT: ")]
tn = [l for l in text if l.startswith("NEXT: ")]
check(len(tv) == 1 and tv[0] == f"VERDICT: {vtext}",
      f"the text form has the JSON's VERDICT: line ({tv[:1]})")
check(len(tn) == 1 and tn[0] == f"NEXT: {vnext}", f"the text form has the JSON's NEXT: line ({tn[:1]})")
if kind == "vmalloc" and callers:
    check(any(callers[0]["caller"] in l for l in text if not l.startswith("VERDICT")),
          f"the text form's vmalloc table names {callers[0]['caller']!r}")
check(not any(l.startswith("memsim: ") for l in sections.get("json", []) + text), "no error line")
check("end" in sections, "the session goes on to the end")

summary = [f"kind {kind}", f"MemTotal {mib(total)}", f"unaccounted {mib(unacc)}"]
if callers:
    summary.append(f"vmalloc caller 1 {callers[0]['caller']} {callers[0]['pages']} pages")
print(f"meminfo/{scen}: {n - failed} of {n} checks passed ({', '.join(summary)})")
sys.exit(1 if failed else 0)
EOF
	then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	echo "meminfo/$scen: crash log $log; $(($(date +%s) - t0)) s"
done
echo "meminfo ($KERNEL): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
