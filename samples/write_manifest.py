#!/usr/bin/env python3
"""Write a scenario's manifest.json: ground truth from the scenario table and the guest.

  write_manifest.py OUT_DIR SCENARIO_JSON KERNEL_JSON SERIAL_LOG

SERIAL_LOG holds what the guest's /init printed just before the dump: for a slab scenario
the /proc/slabinfo line of its cache between MEMSIM-SLABINFO-BEGIN and MEMSIM-SLABINFO-END;
for every scenario /proc/meminfo (MEMSIM-MEMINFO-BEGIN/END), /proc/vmallocinfo summed by
caller, the top 30 by bytes (MEMSIM-VMALLOC-BEGIN/END), and /proc/slabinfo whole
(MEMSIM-SLABINFO-ALL-BEGIN/END).  Each of the three END markers says how many lines came
before it; a block that lost a line (or never came) fails the manifest rather than give a
wrong ground truth.
"""
import json
import os
import re
import sys

FIELDS = ["active_objs", "num_objs", "objsize", "objperslab", "pagesperslab"]
VMALLOC_TOP = 30


def serial_lines(serial):
    return [raw.strip().replace("\r", "") for raw in open(serial, errors="replace")]


def block(lines, name):
    """The lines between MEMSIM-NAME-BEGIN and MEMSIM-NAME-END (the last such block), and the
    end marker's key=value words."""
    begin, end = f"MEMSIM-{name}-BEGIN", f"MEMSIM-{name}-END"
    got, inside, found = [], False, None
    for line in lines:
        if begin in line:
            inside, got = True, []
        elif end in line and inside:
            inside = False
            words = line[line.index(end) + len(end):].split()
            found = (got, dict(w.split("=", 1) for w in words if "=" in w))
        elif inside:
            got.append(line)
    if found is None:
        raise SystemExit(f"no {begin} ... {end} block in the serial log")
    return found


def parse_slabinfo_line(line):
    f = line.split()
    if len(f) < 6 or "slabdata" not in f:
        return None
    try:
        parsed = {"name": f[0], **{k: int(v) for k, v in zip(FIELDS, f[1:6])}}
        i = f.index("slabdata")
        parsed["active_slabs"], parsed["num_slabs"] = int(f[i + 1]), int(f[i + 2])
    except (ValueError, IndexError):
        return None
    return parsed


def meminfo(lines):
    """Every /proc/meminfo field: kB, or a count (HugePages_*), as /proc/meminfo prints it."""
    got, end = block(lines, "MEMINFO")
    out = {}
    for line in got:
        m = re.fullmatch(r"([A-Za-z0-9_()]+):\s+(\d+)(?: kB)?", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    if len(out) != int(end.get("lines", -1)):
        raise SystemExit(f"/proc/meminfo: {end.get('lines')} lines printed, {len(out)} read")
    return out


def vmalloc_callers(lines):
    """/proc/vmallocinfo by caller ("symbol [module]"), the top VMALLOC_TOP by bytes: areas,
    bytes (vmallocinfo's sizes, guard pages included) and pages (its pages=N); and the totals
    over every area."""
    got, end = block(lines, "VMALLOC")
    callers = []
    for line in got:
        m = re.fullmatch(r"(\d+) (\d+) (\d+) (.+)", line)
        if m:
            callers.append({"caller": m.group(4), "areas": int(m.group(2)),
                            "bytes": int(m.group(1)), "pages": int(m.group(3))})
    try:
        total = {k: int(end[k]) for k in ("callers", "areas", "bytes", "pages")}
    except (KeyError, ValueError):
        raise SystemExit(f"/proc/vmallocinfo: no totals after MEMSIM-VMALLOC-END ({end})")
    if len(callers) != min(VMALLOC_TOP, total["callers"]):
        raise SystemExit(f"/proc/vmallocinfo: {min(VMALLOC_TOP, total['callers'])} callers "
                         f"printed, {len(callers)} read")
    callers.sort(key=lambda c: (-c["bytes"], c["caller"]))
    return callers, total


def slabinfo_all(lines):
    """Every cache's /proc/slabinfo line, parsed."""
    got, end = block(lines, "SLABINFO-ALL")
    caches = [p for p in map(parse_slabinfo_line, got) if p]
    # The two header lines ("slabinfo - version", "# name ...") are no cache.
    headers = sum(1 for line in got if line.startswith(("slabinfo - version", "# name")))
    if len(caches) + headers != int(end.get("lines", -1)):
        raise SystemExit(f"/proc/slabinfo: {end.get('lines')} lines printed, "
                         f"{len(caches) + headers} read")
    return caches


def check_leak(scen, m):
    """The leak a non-slab scenario planted must show in the guest's own accounting."""
    kind, facts = scen.get("kind", "slab"), scen.get("facts", {})
    if kind == "vmalloc":
        want = facts["vmalloc_caller"]
        hit = [c for c in m["vmalloc_callers"] if c["caller"].split()[0] == want]
        if not hit or hit[0]["areas"] != facts["vmalloc_areas"] or \
                hit[0]["pages"] * 4096 != facts["leak_bytes"]:
            raise SystemExit(f"/proc/vmallocinfo shows no {facts['vmalloc_areas']} areas of "
                             f"{facts['leak_bytes']} bytes in all from {want}: {hit}")
    elif kind == "shmem":
        if m["meminfo"].get("Shmem", 0) * 1024 < facts["shmem_leak_bytes"]:
            raise SystemExit(f"/proc/meminfo Shmem {m['meminfo'].get('Shmem')} kB is less "
                             f"than the {facts['shmem_leak_bytes']} bytes written to tmpfs")


def slabinfo(lines, cache):
    got, inside = [], False
    for line in lines:
        if "MEMSIM-SLABINFO-BEGIN" in line:
            inside, got = True, []
        elif "MEMSIM-SLABINFO-END" in line:
            inside = False
        elif inside:
            got.append(line)
    # The cache's own line, else (a cache merged into another) the line of the one it joined.
    for want in (cache, None):
        for line in got:
            f = line.split()
            if f and "slabdata" in f and (want is None or f[0] == want):
                parsed = {k: int(v) for k, v in zip(FIELDS, f[1:6])}
                i = f.index("slabdata")
                parsed["active_slabs"], parsed["num_slabs"] = int(f[i + 1]), int(f[i + 2])
                parsed["name"] = f[0]
                return line, parsed
    return None, None


def alloc_calls(lines):
    """SLUB's alloc_calls/alloc_traces lines (slub_debug=U), summed by call site: count, site
    ("symbol+0xOFF" as %pS prints it, less the length), module, ages in jiffies (min, the
    count-weighted mean, max) and pids.  Empty without U; None when the block never came."""
    try:
        got, end = block(lines, "ALLOC-CALLS")
    except SystemExit:
        return None
    if len(got) != int(end.get("lines", -1)):
        raise SystemExit(f"alloc_calls: {end.get('lines')} lines printed, {len(got)} read")
    sites = {}
    for line in got:
        m = re.match(r"\s*(\d+) (\S+?)(?:/0x[0-9a-f]+)?(?: \[(\S+)\])?(?: |$)", line)
        age = re.search(r" age=(\d+)(?:/(\d+)/(\d+))?", line)
        pid = re.search(r" pid=(\S+)", line)
        if not m or not pid:
            raise SystemExit(f"alloc_calls: cannot parse {line!r}")
        n, site, mod = int(m.group(1)), m.group(2), m.group(3)
        lo = int(age.group(1)) if age else 0
        avg = int(age.group(2) or lo) if age else 0
        hi = int(age.group(3) or lo) if age else 0
        s = sites.setdefault(site, {"site": site, "module": mod, "count": 0, "age_min": lo,
                                    "age_sum": 0, "age_max": hi, "pids": pid.group(1)})
        s["count"] += n
        s["age_min"], s["age_max"] = min(s["age_min"], lo), max(s["age_max"], hi)
        s["age_sum"] += avg * n
    out = sorted(sites.values(), key=lambda s: -s["count"])
    for s in out:
        s["age_avg"] = s.pop("age_sum") // max(s["count"], 1)
    return out


def dumps(out, scen):
    """The dumps made, by format name; for in-guest kdump also makedumpfile's -d of each."""
    kig = scen.get("kdump_in_guest")
    if kig:
        levels = {}
        for name, args in kig["dumps"].items():
            d = re.search(r"(?:^|\s)-d\s*(\d+)", args)
            levels[name] = int(d.group(1)) if d else 0
        return {n: os.path.join(out, f"vmcore.{n}") for n in kig["dumps"]}, levels
    made = {"elf": os.path.join(out, "vmcore.elf")}
    if scen.get("kdump") is not False:
        made["kdump"] = os.path.join(out, "vmcore.kdump")
    return made, None


def main(out, scen_json, kernel_json, serial):
    scen, kern = json.loads(scen_json), json.loads(kernel_json)
    kind = scen.get("kind", "slab")
    lines = serial_lines(serial)
    made, levels = dumps(out, scen)
    m = {
        "scenario": scen["name"],
        "description": scen["description"],
        # What the scenario leaks: slab (a cache's objects), vmalloc, pages or shmem.
        "kind": kind,
        "kernel": kern["version"],
        "generation": kern["generation"],
        "vmlinux": kern["vmlinux"],
        # Program scenarios plant real kernel structs: no module is involved.
        "modules": [] if scen.get("program") else
                   [{"name": "memsim_leak", "path": os.path.join(out, "memsim_leak.ko")}],
        "dumps": made,
        "facts": scen.get("facts", {}),
    }
    if kind == "slab":
        line, parsed = slabinfo(lines, scen["cache"])
        if line is None:
            raise SystemExit(f"no /proc/slabinfo line for {scen['cache']} in {serial}")
        m.update({
            "cache": scen["cache"],
            "planted": scen["planted"],
            "owner_struct": scen.get("owner_struct"),
            "owner_origin": scen.get("owner_origin"),
            # The cache memsim walks: the scenario's, or the one SLUB merged it into.
            "walked_cache": parsed["name"],
            "slabinfo_line": line,
            "slabinfo": parsed,
        })
        calls = alloc_calls(lines)
        if calls is not None:
            m["alloc_calls"] = calls
        for key in ("tracks", "redzone", "owner_evidence", "owner_within", "owner_array"):
            if key in scen:
                m[key] = scen[key]
        if "tracks" in scen and not calls:
            raise SystemExit(f"{scen['name']}: slub_debug tracks planted, but the guest's "
                             f"alloc_calls for {scen['cache']} came out empty")
    # The guest's own accounting just before the dump, for every scenario.
    callers, vm_total = vmalloc_callers(lines)
    m["meminfo"] = meminfo(lines)
    m["vmalloc_callers"] = callers
    m["vmalloc_total"] = vm_total
    m["slabinfo_all"] = slabinfo_all(lines)
    check_leak(scen, m)
    t = [l.split() for l in lines if l.startswith("MEMSIM-GROUND-TRUTH ")]
    top = ", ".join(f"{c['caller']} {c['bytes']}" for c in callers[:3])
    print(f"{scen['name']}: ground truth: {len(m['meminfo'])} meminfo fields, "
          f"{vm_total['callers']} vmalloc callers ({vm_total['areas']} areas; top: {top}), "
          f"{len(m['slabinfo_all'])} caches" +
          (f"; captured in {float(t[-1][2]) - float(t[-1][1]):.2f} s" if t and len(t[-1]) == 3 else ""))
    if levels is not None:
        # makedumpfile's dump level: which kinds of pages the dump left out (31: zero pages,
        # page cache, private cache, user pages and free pages; slab pages stay).
        m["dump_level"] = levels
        m["makedumpfile"] = dict(scen["kdump_in_guest"]["dumps"])
    # planted_total: every object the scenario put in the cache, the leak and the rest.
    for k in ("freed", "freed_struct", "planted_total"):
        if k in scen:
            m[k] = scen[k]
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
