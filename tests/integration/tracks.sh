#!/usr/bin/env bash
# SLUB's own record on the slub_debug samples (a scenario with "tracks" or "redzone" in
# samples/scenarios.json): memsim CACHE's allocation tracks and red-zone checks against what
# the module planted and what the guest's kernel itself said just before the dump
# (alloc_traces or alloc_calls, in the manifest).  The leading cluster's first call site must
# be the allocating function, with as many objects as were planted and as the guest counted
# there; its commonest stack must pass through the planting caller; the ages must span the
# pause between the planting steps; with red zones, exactly the overrun objects must be
# damaged, at the planted offset, with the planted bytes, and nothing else; the owner guess
# must be the planted struct, counting the allocating function (its return type or a local of
# the struct's pointer type) as evidence; the JSON must follow docs/memsim-report.schema.json.
#
#   tests/integration/tracks.sh [SCENARIO...]     (default: every slub_debug scenario)
#
# Environment (KERNEL, MEMSIM_SO, MEMSIM_TEST_OUT): tests/integration/per-sample.sh.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
NAME=tracks
. "$top/tests/integration/per-sample.sh"

if [ $# -eq 0 ]; then
	# Every slub_debug scenario (check-kernels names one per generation to keep CI short).
	set -- $(python3 -c 'import json,sys
print(" ".join(s["name"] for s in json.load(open(sys.argv[1])) if s.get("tracks") and not s.get("bench")))' \
		"$top/samples/scenarios.json")
fi

passed=0 failed=0
mark="=== memsim-tracks "
for scen in "$@"; do
	if ! sample_open "$scen"; then
		failed=$((failed + 1))
		continue
	fi
	cache=$(python3 -c 'import json,sys; m = json.load(open(sys.argv[1])); print(m.get("walked_cache") or m["cache"])' "$manifest")
	cmds=$out/$scen.cmds log=$out/$scen.log
	{
		echo "extend $so"
		module_lines
		echo "!echo '${mark}json'"
		echo "memsim -j -f -n 16 $cache"
		echo "!echo '${mark}text'"
		echo "memsim -n 3 $cache"
		echo "!echo '${mark}end'"
		echo "quit"
	} >"$cmds"
	t0=$(date +%s)
	crash_run "$cmds" "$log"
	if python3 - "$log" "$mark" "$manifest" "$top/docs" "$scen" "$top/samples/scenarios.json" <<'EOF'
import json, os, sys

import jsonschema

log, mark, manifest, docs, scen, scenarios = sys.argv[1:7]
sys.dont_write_bytecode = True    # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(docs), "tests", "integration"))
import check as common  # noqa: E402  (section markers, the checks' tally)

m = json.load(open(manifest))
spec = next(s for s in json.load(open(scenarios)) if s["name"] == scen)
want_t, want_rz = spec["tracks"], spec.get("redzone")
# crash opens 7.x dumps only with --no_modules: a module's functions are bare addresses.
named = not common.no_modules(m)
sections = {k: v.splitlines() for k, v in
            common.split_sections(open(log, errors="replace").read(), mark).items()}
checks = common.Checks(f"tracks/{scen}")
check = checks.check


def func(site):
    """The function of 'fn+0x1f [mod]' (None for a bare address)."""
    s = site.split()[0]
    return None if all(c in "0123456789abcdef" for c in s) else s.split("+")[0]


js = [l for l in sections.get("json", []) if l.startswith("{")]
if not check(len(js) == 1, "memsim -j prints one JSON line"):
    sys.exit(1)
d = json.loads(js[0])
try:
    jsonschema.validate(d, json.load(open(f"{docs}/memsim-report.schema.json")))
    check(True, "the JSON follows docs/memsim-report.schema.json")
except jsonschema.ValidationError as e:
    check(False, f"the JSON follows docs/memsim-report.schema.json: {e.message[:200]}")
sd = d.get("slub_debug") or {}
check(sd.get("tracks") is True and "U" in (sd.get("flags") or ""),
      f"the cache stores tracks (flags {sd.get('flags')})")
check(sd.get("stacks_failed") == 0 and not sd.get("interrupted"),
      f"every stack fetched ({sd.get('stacks_failed')} failed), not interrupted")
check(sd.get("hz") in (100, 250, 300, 1000), f"HZ {sd.get('hz')} from {sd.get('hz_source')}")

top = d["clusters"][0]
sites = top.get("alloc_sites") or []
planted = int(m["planted"])
if not check(bool(sites), "the leading cluster has allocation sites"):
    sys.exit(1)
s0 = sites[0]
# The allocating function is the module's, or the kernel's for objects planted from user space.
origin = want_t.get("alloc_origin", "memsim_leak")
in_kernel = origin == "vmlinux"
named = named or in_kernel
if named:
    check(func(s0["site"]) == want_t["alloc_function"] and
          (("[" not in s0["site"]) if in_kernel else f"[{origin}]" in s0["site"]),
          f"first call site {s0['site']} is {want_t['alloc_function']} ({origin})")
else:
    check(func(s0["site"]) is None and int(s0["address"], 16) >= 0xffffffffc0000000,
          f"first call site {s0['site']} lies in module space (no module symbols)")
# Every object of that site, whichever listed cluster it fell into (the first and last of a
# list point to its head, not to other objects, and so cluster apart).
at_site = sum(x["count"] for c in d["clusters"] for x in c.get("alloc_sites") or []
              if x["address"] == s0["address"])
check(s0["error"] == 0 and at_site == planted,
      f"{at_site} objects allocated there ({s0['count']} in the leading cluster, error "
      f"{s0['error']}) == {planted} planted")
# The guest's own summary (alloc_traces, or alloc_calls before v5.17) for the same function.
guest = [c for c in m.get("alloc_calls", []) if func(c["site"]) == want_t["alloc_function"]]
if guest:
    g = sum(c["count"] for c in guest)
    check(g == at_site, f"the guest's SLUB counted {g} there too")
elif m.get("generation") == "5.10":
    # Before v5.17 the summary is sysfs alloc_calls: one page, in the order of the call
    # sites' addresses, so a module's sites (the highest addresses) fall off its end.
    print(f"note tracks/{scen}: the guest's alloc_calls (one sysfs page) stops before "
          f"{want_t['alloc_function']}: not compared")
else:
    check(False, f"the manifest has the guest's count for {want_t['alloc_function']}")
stack = s0.get("stack") or []
if named:
    check(any(func(f) == want_t["caller_function"] for f in stack),
          f"its stack passes through {want_t['caller_function']} ({' <- '.join(stack[:4])})")
else:
    check(len(stack) >= 3 and func(stack[-1]) is not None,
          f"its stack has {len(stack)} frames, ending in the kernel's {stack[-1] if stack else None}")
tr = top.get("tracks") or {}
listed = sum(x["count"] for x in tr.get("stacks", []))
recorded = (tr.get("objects") or 0) - (tr.get("not_recorded") or 0)
if tr.get("stacks_exact") and len(tr.get("stacks", [])) == tr.get("distinct_stacks"):
    check(listed == recorded, f"its {tr.get('distinct_stacks')} stacks hold {listed} of the "
          f"{recorded} objects recorded: all")
else:
    check(0 < listed <= recorded, f"the listed stacks hold {listed} of {recorded} objects")
check(tr.get("not_recorded") == 0, f"every object has its allocation track ({tr.get('not_recorded')} not)")
age = top.get("age_s") or {}
steps = want_t.get("steps")
if want_t.get("pause_s") and steps and len(steps) > 1:
    # The site's own ages: a cluster may hold an older object of another site (7.x: one from
    # boot in the red-zone sample's cluster).
    lo, hi = s0.get("age_min_s", 0), s0.get("age_max_s", 0)
    check(want_t["pause_s"] - 0.5 <= hi - lo <= want_t["pause_s"] + 3,
          f"the site's ages span {hi - lo:.1f} s ({lo}..{hi}), the planting's "
          f"{want_t['pause_s']} s pause and its two steps")
    stacks = sorted(x["count"] for x in tr.get("stacks", []) if x["site"] == s0["site"])
    check(sorted(steps) == stacks[-len(steps):] if len(stacks) >= len(steps) else False,
          f"one stack per planting step: {stacks} against {sorted(steps)}")
check(0 < age.get("min", 0) <= age.get("max", 0) < 3600, f"ages {age.get('min')}..{age.get('max')} s")
verdict = d["verdict"].get("tracks") or ""
check(str(s0["count"]) in verdict and s0["site"] in verdict, f"the verdict says so: {verdict}")

ck = sd.get("checks")
if want_rz:
    if check(ck is not None, "the red zones and poison are checked"):
        f = ck["findings"]
        check(ck["objects_damaged"] == want_rz["overruns"] and len(f) == want_rz["overruns"],
              f"{ck['objects_damaged']} objects damaged == {want_rz['overruns']} overrun")
        check(all(x["area"] == "right red zone" and x["first_bad_offset"] == want_rz["offset"]
                  and x["bad_bytes"] == want_rz["bytes"] and x["found"] == want_rz["value"]
                  and x["state"] == "allocated" and x["cluster"] == 1 for x in f),
              f"each at +{want_rz['offset']:#x}, {want_rz['bytes']} bytes {want_rz['value']}, "
              "allocated, in cluster 1")
        others = {k: v for k, v in ck["by_area"].items() if k != "right red zone" and v}
        check(not others, f"no other area damaged ({others})")
        check(ck["allocated_checked"] == d["counts"]["allocated"] and
              ck["free_checked"] == d["counts"]["free"],
              f"every object checked ({ck['allocated_checked']} allocated, {ck['free_checked']} free)")
else:
    check(ck is None or ck["objects_damaged"] == 0, "nothing damaged without red zones planted")

# The owner guess takes the allocating function as evidence (its return type or a local of the
# struct's pointer type), when the function has a name and debuginfo.
owner = m.get("owner_struct")
if owner and named:
    g = (d["owner"].get("guesses") or [None])[0] or {}
    at = g.get("allocated_at") or {}
    check(g.get("type") == f"struct {owner}" and
          at.get("function") == want_t["alloc_function"] and at.get("type") == f"struct {owner}"
          and at.get("relation") in ("returns", "local") and at.get("bonus", 0) >= 2,
          f"the owner guess {g.get('type')} counts the allocating function: {at}")
    check(any(e.startswith(f"allocated at {s0['site']}") for e in g.get("evidence", [])),
          "its evidence says where the objects were allocated")

text = sections.get("text", [])
check(any("SLUB" in l and "track" in l.lower() for l in text), "the text form has the tracks section")
check(not any(l.startswith("memsim: ") for l in sections.get("json", []) + text), "no error line")
check("end" in sections, "the session goes on to the end")
print(f"tracks/{scen}: {checks.n - checks.failed} of {checks.n} checks passed")
sys.exit(1 if checks.failed else 0)
EOF
	then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	echo "tracks/$scen: crash log $log; $(($(date +%s) - t0)) s"
done
echo "tracks ($KERNEL): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
