#!/usr/bin/env python3
"""Write a scenario's manifest.json: ground truth from the scenario table and the guest.

  write_manifest.py OUT_DIR SCENARIO_JSON KERNEL_JSON SERIAL_LOG

SERIAL_LOG holds the guest's /proc/slabinfo lines for the scenario's caches between the
markers MEMSIM-SLABINFO-BEGIN and MEMSIM-SLABINFO-END, captured just before the dump.
"""
import json
import os
import re
import sys

FIELDS = ["active_objs", "num_objs", "objsize", "objperslab", "pagesperslab"]


def slabinfo(serial, cache):
    lines, inside = [], False
    for raw in open(serial, errors="replace"):
        line = raw.strip().replace("\r", "")
        if "MEMSIM-SLABINFO-BEGIN" in line:
            inside, lines = True, []
        elif "MEMSIM-SLABINFO-END" in line:
            inside = False
        elif inside:
            lines.append(line)
    # The cache's own line, else (a cache merged into another) the line of the one it joined.
    for want in (cache, None):
        for line in lines:
            f = line.split()
            if f and "slabdata" in f and (want is None or f[0] == want):
                parsed = {k: int(v) for k, v in zip(FIELDS, f[1:6])}
                i = f.index("slabdata")
                parsed["active_slabs"], parsed["num_slabs"] = int(f[i + 1]), int(f[i + 2])
                parsed["name"] = f[0]
                return line, parsed
    return None, None


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
    line, parsed = slabinfo(serial, scen["cache"])
    made, levels = dumps(out, scen)
    if line is None:
        raise SystemExit(f"no /proc/slabinfo line for {scen['cache']} in {serial}")
    m = {
        "scenario": scen["name"],
        "description": scen["description"],
        "kernel": kern["version"],
        "generation": kern["generation"],
        "vmlinux": kern["vmlinux"],
        # Program scenarios plant real kernel structs: no module is involved.
        "modules": [] if scen.get("program") else
                   [{"name": "memsim_leak", "path": os.path.join(out, "memsim_leak.ko")}],
        "dumps": made,
        "cache": scen["cache"],
        "planted": scen["planted"],
        "owner_struct": scen.get("owner_struct"),
        "owner_origin": scen.get("owner_origin"),
        "facts": scen.get("facts", {}),
        # The cache memsim walks: the scenario's, or the one SLUB merged it into.
        "walked_cache": parsed["name"],
        "slabinfo_line": line,
        "slabinfo": parsed,
    }
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
