#!/usr/bin/env bash
# memsim -a on every slab sample: the planted cache must be among the three most suspicious
# (first when it is also the cache holding the most bytes); the JSON must follow
# docs/memsim-triage.schema.json, its suspects docs/memsim-report.schema.json; every cache's
# object count must equal the cache's own node counters (no cache disagrees) and the
# guest's /proc/slabinfo captured just before the dump; the slab bytes must agree with the
# guest's /proc/meminfo Slab; and the text form must name the top suspect with the command
# for its full report.
#
#   tests/integration/triage.sh [SCENARIO...]     (default: every slab scenario of KERNEL)
#
# Environment (KERNEL, MEMSIM_SO, MEMSIM_TEST_OUT): tests/integration/per-sample.sh.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
NAME=triage
. "$top/tests/integration/per-sample.sh"

if [ $# -eq 0 ]; then
	set -- $(kernel_scenarios "$KERNEL" | python3 -c 'import json,sys
kinds = {s["name"]: s for s in json.load(open(sys.argv[1]))}
for n in sys.stdin.read().split():
    s = kinds.get(n, {})
    if not s.get("bench") and s.get("kind", "slab") == "slab" and s.get("planted"): print(n)' \
		"$top/samples/scenarios.json")
fi

passed=0 failed=0
mark="=== memsim-triage "
for scen in "$@"; do
	if ! sample_open "$scen"; then
		failed=$((failed + 1))
		continue
	fi
	cmds=$out/$scen.cmds log=$out/$scen.log
	{
		echo "extend $so"
		module_lines
		echo "!echo '${mark}json'"
		echo "memsim -a -j -n 1 -d 0"
		echo "!echo '${mark}text'"
		echo "memsim -a -n 1 -d 1"
		echo "!echo '${mark}end'"
		echo "quit"
	} >"$cmds"
	t0=$(date +%s)
	crash_run "$cmds" "$log"
	if python3 - "$log" "$mark" "$manifest" "$top/docs" "$scen" <<'EOF'
import json, sys

import jsonschema

log, mark, manifest, docs, scen = sys.argv[1:6]
m = json.load(open(manifest))
sections, name = {}, None
for line in open(log, errors="replace").read().splitlines():
    if line.startswith(mark):
        name = line[len(mark):].strip()
        sections[name] = []
    elif name is not None:
        sections[name].append(line)
failed = n = 0


def check(ok, what):
    global failed, n
    n += 1
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} triage/{scen}: {what}")
    return ok


js = [l for l in sections.get("json", []) if l.startswith("{")]
if not check(len(js) == 1, "memsim -a -j prints one JSON line"):
    sys.exit(1)
try:
    d = json.loads(js[0])
except ValueError as e:
    check(False, f"the JSON parses ({e})")
    sys.exit(1)
for schema, what, doc in (("memsim-triage.schema.json", "the -a JSON", d),
                          ("memsim-report.schema.json", "the suspect's report",
                           d["suspects"][0] if d.get("suspects") else None)):
    try:
        if doc is None:
            raise jsonschema.ValidationError("missing")
        jsonschema.validate(doc, json.load(open(f"{docs}/{schema}")))
        check(True, f"{what} follows docs/{schema}")
    except jsonschema.ValidationError as e:
        check(False, f"{what} follows docs/{schema}: {e.message[:200]}")

caches = d["caches"]
tot = d["totals"]
byname = {c["name"]: c for c in caches}
# The cache the planted objects live in: the scenario's own, or the one it is merged into.
want = m.get("walked_cache") or m["cache"]
planted = byname.get(want) or next((c for c in caches if m["cache"] in c["aliases"]), None)
if not check(planted is not None, f"{want} is among the {len(caches)} caches ranked"):
    sys.exit(1)
rank = planted["rank"]
biggest = max(caches, key=lambda c: c["bytes"])
top3 = ", ".join(f"{c['name']} {c['score']:.2f}" for c in caches[:3])
check(rank <= 3, f"{planted['name']} (planted) ranks {rank}, in the top 3 ({top3})")
if biggest["name"] == planted["name"]:
    check(rank == 1, f"{planted['name']} holds the most bytes ({planted['bytes']}) and ranks first")
check([c["rank"] for c in caches] == list(range(1, len(caches) + 1)), "ranks run 1..N")
scores = [c["score"] for c in caches if c["allocated"]]
check(scores == sorted(scores, reverse=True), "caches with objects come in falling score")
check(tot["caches_disagree"] == 0 and tot["caches_unreadable"] == 0 and
      tot["pages_unreadable"] == 0 and tot["slabs_unreadable"] == 0,
      "every cache's slabs equal its node counters; nothing unreadable "
      f"(disagree {tot['caches_disagree']}, unreadable caches {tot['caches_unreadable']})")
check(sum(c["allocated"] for c in caches) == tot["allocated"] and
      sum(c["bytes"] for c in caches) == tot["bytes"], "the totals are the caches' sums")
check(planted["allocated"] >= m["planted"],
      f"{planted['name']}: {planted['allocated']} allocated >= {m['planted']} planted")
check(planted["dominant"] <= planted["allocated"] and 0 < planted["dominant_share"] <= 1,
      f"{planted['name']}: dominant {planted['dominant']} ({100 * planted['dominant_share']:.1f}%) "
      "within the allocated objects")
# Against the guest's own /proc/slabinfo, captured just before the dump.
si = {s["name"]: s for s in m.get("slabinfo_all", [])}
if si:
    same = [c for c in caches if c["name"] in si and c["total"] == si[c["name"]]["num_objs"]]
    common = [c for c in caches if c["name"] in si]
    check(len(common) >= 0.9 * len(si) and len(same) >= 0.9 * len(common),
          f"object slots equal /proc/slabinfo's num_objs for {len(same)} of {len(common)} "
          f"caches it lists ({len(si)})")
    p = si.get(planted["name"])
    check(p is not None and abs(planted["total"] - p["num_objs"]) <= 0.01 * p["num_objs"],
          f"{planted['name']}: {planted['total']} slots, /proc/slabinfo "
          f"{p['num_objs'] if p else None}")
else:
    check(False, "the manifest has the guest's /proc/slabinfo (slabinfo_all)")
mi = m.get("meminfo", {})
if "Slab" in mi:
    # /proc/meminfo's Slab also counts kmalloc's large allocations (pages, no cache).
    slab = mi["Slab"] * 1024
    # Large kmallocs are 4-6 % of Slab on 6.1 samples, about 10 % on 7.x: a sanity bound.
    check(0.85 * slab <= tot["bytes"] <= 1.01 * slab,
          f"slab bytes {tot['bytes']} against /proc/meminfo Slab {slab} "
          f"({100 * tot['bytes'] / slab:.1f}%)")
    if "SReclaimable" in mi:
        rcl = mi["SReclaimable"] * 1024
        check(abs(tot["bytes_reclaimable"] - rcl) <= max(0.05 * rcl, 256 << 10),
              f"reclaimable slab bytes {tot['bytes_reclaimable']} against SReclaimable {rcl}")
else:
    check(False, "the manifest has the guest's /proc/meminfo")

text = sections.get("text", [])
first = caches[0]["name"]
check(any(l.startswith("RANK  CACHE") for l in text), "the text form has the ranked table")
check(any(l.startswith(f"SUSPECT 1: {first} ") for l in text) and
      any(l.strip() == f"full report: crash> memsim {first}" for l in text),
      f"the text form names suspect 1 ({first}) with its full-report command")
check(not any(l.startswith("memsim: ") for l in sections.get("json", []) + text),
      "no error line")
check("end" in sections, "the session goes on to the end")
print(f"triage/{scen}: {n - failed} of {n} checks passed")
sys.exit(1 if failed else 0)
EOF
	then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	echo "triage/$scen: crash log $log; $(($(date +%s) - t0)) s"
done
echo "triage ($KERNEL): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
