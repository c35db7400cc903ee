#!/usr/bin/env python3
"""Check memsim's output in a crash batch log against a sample's ground-truth manifest.

  check.py commands MANIFEST FORMAT MEMSIM_SO   print the crash command file for one dump
  check.py verify MANIFEST FORMAT LOG           check the log; exit 1 on any failed check

Each crash command's output is fenced by a marker line (printed with crash's "!echo"), so
the checks read exactly the output of the command they are about.
"""
import json
import os
import re
import sys

MARK = "=== memsim-test "


def manifest_modules(m):
    return m.get("modules") or []


def commands(manifest_path, fmt, so):
    m = json.load(open(manifest_path))
    cache = m["cache"]
    walked = m.get("walked_cache") or cache   # crash's kmem knows no merged-cache alias
    lines = [f"extend {so}"]
    if no_modules(m):
        # crash opens this generation only with --no_modules: module symbols are unknown.
        m["modules"] = []
    if manifest_modules(m) and m.get("owner_struct"):
        # Before the module's debuginfo is loaded, the owner guess must say it lacks it.
        lines.append(f"!echo '{MARK}nomod'")
        lines.append(f"memsim -j -n 1 {cache}")
    for mod in manifest_modules(m):
        lines.append(f"mod -s {mod['name']} {mod['path']}")
    sections = [
        ("kmem", f"kmem -s {walked}"),
        ("summary", f"memsim -s {cache}"),
        ("json", f"memsim -j -f -n 5 {cache}"),
        ("kmemS", f"kmem -S {walked}"),
        ("list", f"memsim -l {cache}"),
        ("sample", f"memsim -s -S 10 {cache}"),
        ("layout", f"memsim -t -n 1 {cache}"),
        ("pcpu", "p/x page_offset_base"),
        ("pcpu_base", "p/x pcpu_base_addr"),
        ("pcpu_chunk", "p/x *pcpu_first_chunk"),
        ("pcpu_unit", "p pcpu_unit_size"),
    ]
    if not generation_at_least(m.get("generation", ""), "6.10"):
        sections.append(("slabpages", "kmem -p | grep -w slab"))
    if dump_level(m, fmt):
        # A dump makedumpfile filtered: crash must see it as one.
        sections.append(("sys", "sys"))
    for name, cmd in sections:
        lines.append(f"!echo '{MARK}{name}'")
        lines.append(cmd)
    lines.append(f"!echo '{MARK}end'")
    lines.append("quit")
    print("\n".join(lines))


def split_sections(text, mark=None):
    """The lines after each `mark`NAME line (MARK by default), by NAME."""
    mark = mark or MARK
    sections, name = {}, None
    for line in text.splitlines():
        if line.startswith(mark):
            name = line[len(mark):].strip()
            sections[name] = []
        elif name:
            sections[name].append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


HEADER = re.compile(r"^CACHE\s+OBJSIZE\s+ALLOCATED\s+TOTAL\s+SLABS\s+SSIZE\s+NAME")


def parse_cache_line(text, cache):
    """The counts row of a `kmem -s`-style table for @cache: (objsize, allocated, total, slabs)."""
    seen_header = False
    for line in text.splitlines():
        if HEADER.match(line):
            seen_header = True
            continue
        f = line.split()
        if seen_header and len(f) >= 7 and f[-1] == cache:
            return tuple(int(x) for x in f[1:5])
    return None


class Checks:
    """Results, also tallied per area for the support matrix (docs/SUPPORT.md)."""

    def __init__(self, label):
        self.label, self.failed, self.n = label, 0, 0
        self.area, self.areas = "run", {}
        self.owner = None   # the top guess's stated confidence and whether it was right

    def check(self, ok, what):
        self.n += 1
        if not ok:
            self.failed += 1
        tally = self.areas.setdefault(self.area, [0, 0])
        tally[0 if ok else 1] += 1
        print(f"{'ok  ' if ok else 'FAIL'} {self.label}: {what}")
        return ok


def record(c, m, fmt):
    """Append this run's tallies to $MEMSIM_RESULTS (one JSON object per line)."""
    path = os.environ.get("MEMSIM_RESULTS")
    if not path:
        return
    with open(path, "a") as f:
        f.write(json.dumps({"generation": m.get("generation"), "kernel": m.get("kernel"),
                            "scenario": m.get("scenario"), "format": fmt,
                            "crash": os.environ.get("MEMSIM_CRASH_VERSION", ""),
                            "areas": c.areas, "owner": c.owner}) + "\n")


def no_modules(m):
    """crash opens 7.x dumps only with --no_modules (samples/kernels.sh)."""
    return m.get("generation") == "7.x"


def dump_level(m, fmt):
    """makedumpfile's -d for this dump (in-guest kdump); 0 for an unfiltered dump."""
    return int((m.get("dump_level") or {}).get(fmt, 0))


def check_filtered(c, m, fmt, sec):
    """A filtered dump (makedumpfile -d 31 leaves out zero, cache, user and free pages) keeps
    every slab page, its free objects too: the walk must have read them all, and crash must
    see the dump as partial (else the filter was not tested)."""
    level = dump_level(m, fmt)
    if not level:
        return
    c.check(re.search(r"DUMPFILE:.*\[PARTIAL DUMP\]", sec.get("sys", "")) is not None,
            f"crash sees the -d {level} dump as a partial dump")
    rep = load_report(sec.get("json", "")) or {}
    notes = rep.get("cache", {}).get("notes", {})
    c.check(notes.get("slabs_unreadable") == 0 and notes.get("pages_unreadable") == 0,
            f"every slab page is in the -d {level} dump (unreadable: {notes.get('slabs_unreadable')} slabs, "
            f"{notes.get('pages_unreadable')} pages)")


def kmem_fails(m):
    """crash's own kmem -s cannot read 7.x caches (cpu_sheaves, per_node[])."""
    return m.get("generation") == "7.x"


SHEAF_NOTE = re.compile(r"^\s+(\d+) free objects held in per-CPU sheaves and node barns", re.M)


def check_against_slabinfo(c, m, summ, summary_text):
    """Where kmem fails, the guest's /proc/slabinfo is the ground truth.

    slabinfo's num_objs and num_slabs are every slab's objects and the slabs; its active_objs
    is num_objs minus the free objects of the node partial slabs, so objects held in per-CPU
    sheaves and node barns count as active there, while memsim counts them free.  Hence
    memsim TOTAL == num_objs, SLABS == num_slabs, ALLOCATED + sheaf-held == active_objs.
    """
    si = m["slabinfo"]
    sheaf = SHEAF_NOTE.search(summary_text)
    held = int(sheaf.group(1)) if sheaf else 0
    # A slub_debug cache (the samples with "tracks") has no per-CPU caching: every allocation
    # and free of the guest's own commands between reading /proc/slabinfo and the dump (the
    # reader's exit, the ground truth read after it) reaches the slab lists.  On 7.x that moves
    # the counts by up to one slab; elsewhere the per-CPU slabs absorb it.
    slack_slabs = 1 if m.get("tracks") else 0
    slack = slack_slabs * int(si.get("objperslab") or 0)
    eq = "==" if not slack else f"== (+-{slack_slabs} slab, slub_debug)"
    c.check(abs(summ[2] - si["num_objs"]) <= slack,
            f"total: memsim {summ[2]} {eq} slabinfo num_objs {si['num_objs']}")
    c.check(abs(summ[3] - si["num_slabs"]) <= slack_slabs,
            f"slabs: memsim {summ[3]} {eq} slabinfo num_slabs {si['num_slabs']}")
    c.check(abs(summ[1] + held - si["active_objs"]) <= slack,
            f"allocated: memsim {summ[1]} + {held} in sheaves {eq} slabinfo active_objs {si['active_objs']}")


def verify(manifest_path, fmt, log_path):
    m = json.load(open(manifest_path))
    cache, planted = m.get("walked_cache") or m["cache"], int(m.get("planted", 0))
    text = open(log_path, errors="replace").read()
    sec = split_sections(text)
    c = Checks(f"{m.get('scenario', '?')}/{fmt}")
    c.check("end" in sec, "crash ran every command (end marker reached)")
    c.area = "counts"
    kmem = parse_cache_line(sec.get("kmem", ""), cache)
    summ = parse_cache_line(sec.get("summary", ""), cache)
    if kmem_fails(m):
        c.check(kmem is None, f"crash's kmem -s {cache} fails on {m.get('generation')} (as known)")
        if c.check(summ is not None, f"memsim -s {cache} printed counts"):
            check_against_slabinfo(c, m, summ, sec.get("summary", ""))
            c.check(summ[1] >= planted, f"allocated {summ[1]} >= planted {planted}")
        kmem = None
    elif c.check(kmem is not None, f"kmem -s {cache} printed counts") and \
       c.check(summ is not None, f"memsim -s {cache} printed counts"):
        names = ("objsize", "allocated", "total", "slabs")
        for i, n in enumerate(names):
            c.check(kmem[i] == summ[i], f"{n}: memsim {summ[i]} == kmem -s {kmem[i]}")
        c.check(summ[1] >= planted, f"allocated {summ[1]} >= planted {planted}")
    check_filtered(c, m, fmt, sec)
    c.area = "pattern"
    check_json(c, m, sec.get("json", ""), summ)
    c.area = "owner"
    if "nomod" in sec:
        check_missing_module(c, sec["nomod"], m)
    c.area = "slab lists"
    check_slab_lists(c, sec, kmem)
    c.area = "layout"
    check_percpu(c, sec, text, m.get("generation", ""))
    record(c, m, fmt)
    return c.failed == 0


SLAB_ROW = re.compile(r"^\s*([0-9a-f]{16})\s+([0-9a-f]{16})\s+\d+\s+\d+\s+\d+\s+\d+\s*$")
LIST_ROW = re.compile(r"^([0-9a-f]{16})\s+([0-9a-f]{16})\s+\d+\s+\d+\s+\d+")


LAYOUT_LINE = re.compile(r"^layout: (\d+) per-cpu areas of (\d+) bytes from ([0-9a-f]{16}) "
                         r"\(unit (\d+) bytes", re.M)
# A kmem -p row of a slab page: PAGE PHYSICAL MAPPING(the cache) INDEX CNT FLAGS slab[,head].
PAGE_ROW = re.compile(r"^[0-9a-f]{16}\s+([0-9a-f]+)\s+[0-9a-f]{16}\s+[0-9a-f]+\s+\d+\s+[0-9a-f]+\s+\S*\bslab\b",
                      re.M)


def crash_value(text, name=None):
    """The value of a crash 'p' print: '$1 = 0x..' or, for a member, 'name = 0x..'."""
    pat = rf"^\s*{name} = (0x[0-9a-f]+|\d+)" if name else r"= (?:\(\w+ \*\) )?(0x[0-9a-f]+|\d+)"
    v = re.search(pat, text, re.M)
    return int(v.group(1), 0) if v else None


def generation_at_least(gen, version):
    """Is kernel generation @gen ("5.10", "6.1", "6.12", "7.x") at least @version?"""
    def key(v):
        return tuple(int(x) if x.isdigit() else 99 for x in v.split("."))
    return bool(gen) and key(gen) >= key(version)


def check_percpu(c, sec, text, generation):
    """memsim's per-cpu areas are the used part of each first-chunk unit, never its tail.

    pcpu_embed_first_chunk() returns each unit's tail past static + reserved + dynamic to the
    page allocator, so slabs live there; a pointer to them is a heap pointer.  The used size
    is computed here from crash's own prints of pcpu_first_chunk, and every slab page crash's
    kmem -p lists inside a unit must lie in that tail.  The piped kmem -p output may land
    before its section marker in the log, so its rows are taken from the whole log."""
    lay = LAYOUT_LINE.search(sec.get("layout", ""))
    if not c.check(lay is not None, "memsim -t describes the per-cpu areas"):
        return
    nr, used, first, unit = int(lay.group(1)), int(lay.group(2)), int(lay.group(3), 16), int(lay.group(4))
    chunk = sec.get("pcpu_chunk", "")
    base, pages, end = (crash_value(chunk, n) for n in ("base_addr", "nr_pages", "end_offset"))
    pcpu_base = crash_value(sec.get("pcpu_base", ""))
    c.check(crash_value(sec.get("pcpu_unit", "")) == unit,
            f"per-cpu unit {unit} == crash's pcpu_unit_size")
    c.check(pcpu_base == first, f"first per-cpu area {first:x} == pcpu_base_addr")
    if None not in (base, pages, end, pcpu_base):
        expect = base + pages * 4096 - end - pcpu_base
        c.check(used == expect, f"per-cpu area {used} bytes == static+reserved+dynamic {expect} "
                "from crash's pcpu_first_chunk")
    def in_area(vaddr):
        off = vaddr - first
        return 0 <= off < nr * unit and off % unit < used

    # The walked cache's own slabs (memsim -l) never lie in an area: on every generation.
    listed = [int(m.group(2), 16) for m in map(LIST_ROW.match, sec.get("list", "").splitlines()) if m]
    c.check(listed and not [a for a in listed if in_area(a)],
            f"none of the walked cache's {len(listed)} slabs lies in a per-cpu area")
    # Every slab page of every cache, where crash's kmem -p marks them: slab is a page flag
    # there; since v6.10 it is a page type, which crash's kmem -p does not print.
    offset_base = crash_value(sec.get("pcpu", ""))
    rows = PAGE_ROW.findall(text)
    if generation_at_least(generation, "6.10"):
        return
    if offset_base is None or not rows:
        c.check(False, "crash's kmem -p lists slab pages to compare with the per-cpu areas")
        return
    inside = tail = 0
    for r in rows:
        off = offset_base + int(r, 16) - first
        if 0 <= off < nr * unit:
            if off % unit < used:
                inside += 1
            else:
                tail += 1
    c.check(inside == 0, f"no slab page lies in a per-cpu area ({inside} do; {tail} slab pages "
            f"lie in the units' tails, outside the areas)")


def check_slab_lists(c, sec, kmem):
    """memsim -l lists every slab; kmem -S lists only those on SLUB's lists; -S N samples N."""
    listed = {m.group(1) for m in map(LIST_ROW.match, sec.get("list", "").splitlines()) if m}
    kmem_s = {m.group(1) for m in map(SLAB_ROW.match, sec.get("kmemS", "").splitlines()) if m}
    if kmem:
        c.check(len(listed) == kmem[3], f"memsim -l lists {len(listed)} slabs, kmem -s counts {kmem[3]}")
    c.check(kmem_s <= listed, f"every slab kmem -S lists ({len(kmem_s)}) is among memsim's ({len(listed)})")
    sample = sec.get("sample", "")
    if kmem and kmem[3] > 10:
        row = re.search(r"^[0-9a-f]{16}\s+\d+\s+\d+\s+\d+\s+(\d+)", sample, re.M)
        c.check(row and int(row.group(1)) == 10 and "SAMPLED: 10 of" in sample,
                "memsim -S 10 reads 10 slabs and says SAMPLED")


def load_report(text):
    start = text.find("{")
    try:
        return json.loads(text[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        return None


SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                      "memsim-report.schema.json")


def schema_errors(rep):
    import jsonschema  # Debian's python3-jsonschema (make deps)
    schema = json.load(open(SCHEMA))
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(rep)]


def words_by_offset(cluster):
    return {w["offset"]: w for w in cluster.get("pattern") or []}


def check_json(c, m, text, summ):
    """The report's clusters against the scenario's ground truth."""
    rep = load_report(text)
    if not c.check(rep is not None, "memsim -j printed one JSON document"):
        return
    c.check(schema_errors(rep) == [], "JSON validates against docs/memsim-report.schema.json "
            f"({'; '.join(schema_errors(rep)[:3])})")
    c.check(rep.get("schema") and rep.get("cache", {}).get("name") == (m.get("walked_cache") or m["cache"]),
            "JSON names the cache walked")
    if summ:
        c.check(rep["counts"]["allocated"] == summ[1], "JSON allocated count equals the walk's")
    alloc = [x for x in rep["clusters"] if x["state"] == "allocated"]
    free = [x for x in rep["clusters"] if x["state"] == "free"]
    planted, facts = int(m.get("planted", 0)), m.get("facts", {})
    verdict = rep["verdict"]["kind"]
    if planted == 0:
        c.check(verdict != "likely_leak", f"no planted leak, verdict is {verdict}, not likely_leak")
        return
    if not c.check(alloc, "an allocated cluster exists"):
        return
    top = alloc[0]
    c.check(abs(top["count"] - planted) <= planted / 100,
            f"dominant cluster {top['count']} within 1% of planted {planted}")
    # With SLUB's tracks the report itself says which objects came from another call site: a
    # cluster may hold a few of them only when its first site has exactly the planted ones.
    sites = top.get("alloc_sites") or []
    exact = all(not x["error"] for x in sites)
    others = sum(x["count"] for x in sites[1:]) if exact else 0
    told = f", {others} of them allocated elsewhere by SLUB's tracks" if others else ""
    c.check(top["count"] - others <= planted,
            f"dominant cluster {top['count']} not merged with others (<= {planted}{told})")
    # A dedicated cache holds one type by design: dominance alone is no leak signal there.
    general = m["cache"].startswith(("kmalloc-", "dma-kmalloc-"))
    want = ("likely_leak",) if general else ("likely_leak", "dominant_pattern")
    c.check(verdict in want, f"verdict {' or '.join(want)} (got {verdict})")
    words = words_by_offset(top)
    if no_modules(m) and m.get("modules"):
        # Module symbols are unknown to crash --no_modules: check kinds, not names.
        facts = {k: v for k, v in facts.items() if k not in ("symbols", "shared_target")}
    for off, sym in facts.get("symbols", {}).items():
        w = words.get(int(off), {})
        c.check((w.get("symbol") or "").startswith(sym), f"+{int(off):#x} resolves to {sym} (got {w.get('symbol')})")
    for off, target in facts.get("self_pointers", {}).items():
        w = words.get(int(off), {})
        c.check(w.get("kind") == "self" and int(w.get("arg", "0"), 16) == target,
                f"+{int(off):#x} is a self pointer to +{target:#x} (got {w.get('kind')} {w.get('arg')})")
    for off in facts.get("varying", []):
        w = words.get(int(off), {})
        c.check(not w.get("constant", True), f"+{int(off):#x} varies")
    for off, t in facts.get("shared_target", {}).items():
        w = words.get(int(off), {})
        meaning = w.get("meaning") or ""
        c.check(w.get("constant") and t["cache"] in meaning and t["symbol_at_0"] in meaning,
                f"+{int(off):#x}: all point to one {t['cache']} object holding {t['symbol_at_0']} ({meaning})")
    for s in facts.get("strings", []):
        raw = bytes.fromhex(top["representative"]["bytes"])
        c.check(s.encode() in raw, f"representative holds the string {s!r}")
    if not (no_modules(m) and m.get("modules")):
        area, c.area = c.area, "owner"
        check_owner(c, rep, m)
        c.area = area
    if "freed" in m:
        gone = set(facts.get("freed_symbols", {}).values())
        leaked = [x for x in alloc if any((w.get("symbol") or "").split(" ")[0] in gone
                                          for w in x.get("pattern") or [])]
        c.check(not leaked, "no allocated cluster carries the freed pattern")
        stale = [x for x in free if any((w.get("symbol") or "").split(" ")[0] in gone
                                        for w in x.get("pattern") or [])]
        c.check(stale and abs(stale[0]["count"] - m["freed"]) <= m["freed"] / 100,
                f"the freed pattern is a free cluster of ~{m['freed']} (got {stale[0]['count'] if stale else 0})")
        if stale and m.get("freed_struct") and not (no_modules(m) and m.get("modules")):
            g = ((stale[0].get("owner") or {}).get("guesses") or [{}])[0]
            c.check(g.get("type") == f"struct {m['freed_struct']}",
                    f"that free cluster's own owner guess is struct {m['freed_struct']} "
                    f"(got {g.get('type')})")


def check_owner(c, rep, m):
    """Top-1 owner guess is the planted struct, with offset evidence and a struct command."""
    want = m.get("owner_struct")
    if not want:
        return
    owner = rep.get("owner") or {}
    guesses = owner.get("guesses") or []
    # A scenario whose struct the bytes cannot single out (owner_within N) must find it among
    # the first N, and then the report must say the guess is ambiguous.
    within = int(m.get("owner_within") or 1)
    # An array of the struct (owner_array N) is guessed as "struct T[N]", shown with a count.
    n = m.get("owner_array")
    want_type = f"struct {want}[{n}]" if n else f"struct {want}"
    rank = next((i for i, g in enumerate(guesses) if g.get("type") == want_type), None)
    if within > 1 and rank is not None and 0 < rank < within:
        c.check("ambiguous" in (owner.get("note") or ""),
                f"struct {want} is guess {rank + 1} of the first {within}, and the note says "
                f"the guess is ambiguous ({owner.get('note')})")
    # For the calibration test (calibration.py): what the report stated, and whether its top
    # guess was the planted struct (a guess ranked lower counts as wrong there).
    c.owner = {"want": want_type, "type": guesses[0].get("type") if guesses else None,
               "confidence": guesses[0].get("confidence") if guesses else None,
               "right": bool(guesses) and guesses[0].get("type") == want_type}
    if guesses:
        c.check(isinstance(guesses[0].get("confidence"), (int, float)) and
                0 <= guesses[0]["confidence"] <= 1,
                f"the top guess states a confidence in 0..1 (got {guesses[0].get('confidence')})")
    top = guesses[rank] if rank is not None and rank < within else guesses[0] if guesses else {}
    c.check(top.get("type") == want_type,
            f"top owner guess is {want_type} (got {top.get('type')}; note: {owner.get('note')})")
    if not top:
        return
    origin = m.get("owner_origin") or "vmlinux"
    c.check(top.get("origin") == origin, f"owner guess comes from {origin} (got {top.get('origin')})")
    c.check(top.get("margin", 0) > 0, f"owner guess leads the next by a margin (got {top.get('margin')})")
    c.check(any(e.startswith("+0x") for e in top.get("evidence", [])),
            "owner evidence lines name the offsets that decided")
    c.check((top.get("command") or "").startswith(f"struct {want} ") and
            (not n or (top.get("command") or "").endswith(f" {n}")),
            f"owner guess gives a ready-to-run 'struct {want} ADDR{' ' + str(n) if n else ''}'")
    # The evidence the scenario is about (a header's length member, ...) is among the lines.
    for prefix in m.get("owner_evidence") or []:
        c.check(any(e.startswith(prefix) for e in top.get("evidence", [])),
                f"owner evidence has {prefix!r}")
    # Every listed cluster has its own guesses; the dominant one's are the top-level ones.
    clusters = rep.get("clusters") or []
    c.check(all("owner" in x and isinstance(x["owner"].get("guesses"), list) for x in clusters),
            f"each of the {len(clusters)} listed clusters has its own owner guesses")
    dom = next((x for x in clusters if x.get("rank") == owner.get("cluster")), {})
    c.check((dom.get("owner") or {}).get("guesses") == guesses and
            (dom.get("owner") or {}).get("note") == owner.get("note"),
            f"cluster #{owner.get('cluster')}'s own guesses are the top-level owner's")


def check_missing_module(c, text, m):
    """Without `mod -s`, the guess names the module whose debuginfo it lacks."""
    try:
        rep, _ = json.JSONDecoder().raw_decode(text[text.index("{"):])
    except ValueError:
        c.check(False, "memsim -j before mod -s printed one JSON document")
        return
    note = (rep.get("owner") or {}).get("note") or ""
    names = [mod["name"] for mod in manifest_modules(m)]
    c.check(any(f"mod -s {n}" in note for n in names),
            f"before mod -s, the owner note says which module's debuginfo is missing ({note})")


def main(argv):
    if len(argv) == 5 and argv[1] == "commands":
        commands(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 5 and argv[1] == "verify":
        return 0 if verify(argv[2], argv[3], argv[4]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
