#!/usr/bin/env python3
"""Turn the benchmark logs into docs/PERFORMANCE.md (stdout) and OUT_DIR/plot.dat.

  report.py OUT_DIR SCENARIO...

OUT_DIR/SCENARIO/ holds each dump's manifest.json, memsim.log (the crash session, each
command fenced by a "=== bench NAME" line), memsim.time and crash.time (/usr/bin/time -v of
the session and of one without memsim) and load (the load average before the session).
"""
import json
import os
import platform
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import check  # noqa: E402  (the integration test's section parser)

MARK = "=== bench "
CACHE = "kmalloc-32"
SEED_OBJECTS = 419_000_000       # the seed's cache: 419 M kmalloc-32 objects, 13 GB
TARGET_OPS = 30e6                # end to end, objects per second
TARGET_FLOOR_RATIO = 3.0         # end to end / floor
TARGET_RSS_MB = 100.0            # crash's peak RSS growth with memsim
LEAK_SERIES = ("bench32", "bench32-100m")   # one leak at two sizes: the scaling line

WALK = re.compile(r"^(walk|floor \(read only\)): (\d+) slabs, (\d+) objects, ([\d.]+) MB slab data "
                  r"\+ ([\d.]+) MB struct pages in ([\d.]+) s: (\d+) objects/s, ([\d.]+) MB/s", re.M)
# Both forms: "... in T s end to end (P passes, walk and clustering): ..." and "... in T s (P pass): ...".
ANALYSIS = re.compile(r"^analysis: (\d+) objects in ([\d.]+) s( end to end)? \((\d+) pass(?:es)?[^)]*\): "
                      r"[\d.]+ objects/s; clustering memory peak ([\d.]+) MB", re.M)


def grab(pattern, text, cast=float, nth=-1):
    found = re.findall(pattern, text, re.M)
    return cast(found[nth]) if found else None


def sections(text):
    return check.split_sections(text, MARK)


def rss_mb(path):
    kb = grab(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read(), int)
    return kb / 1024 if kb is not None else None


def wall_s(path):
    """Elapsed (wall clock) time of a /usr/bin/time -v run, in seconds."""
    t = grab(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", open(path).read(), str)
    if t is None:
        return None
    s = 0.0
    for part in t.split(":"):
        s = s * 60 + float(part)
    return s


def walk_figures(text):
    m = WALK.search(text or "")
    if not m:
        return None
    return {"line": m.group(0), "slabs": int(m.group(2)), "objects": int(m.group(3)),
            "slab_mb": float(m.group(4)), "page_mb": float(m.group(5)), "s": float(m.group(6)),
            "ops": int(m.group(7)), "mbs": float(m.group(8))}


def dump_figures(out, name, problems):
    d = os.path.join(out, name)
    m = json.load(open(os.path.join(d, "manifest.json")))
    log = open(os.path.join(d, "memsim.log")).read()
    sec = sections(log)
    f = {"name": name, "manifest": m, "sessions": {}}
    for key in ("floor1", "walk1", "floor2", "walk2"):
        f[key] = walk_figures(sec.get(key))
        if f[key] is None:
            problems.append(f"{name}: no `{key[:-1]}` line in the output of command {key}")
    a = ANALYSIS.search(sec.get("analysis", ""))
    if a:
        f["analysis"] = {"line": a.group(0), "objects": int(a.group(1)), "s": float(a.group(2)),
                         "end_to_end_form": bool(a.group(3)), "passes": int(a.group(4)),
                         "peak_mb": float(a.group(5))}
    else:
        f["analysis"] = None
        problems.append(f"{name}: no `analysis:` line in the output of `memsim -t {CACHE}`")
    # The whole memsim CACHE command, and memsim -a (all caches, then three suspects in full).
    f["total_s"] = grab(r"^total: ([\d.]+) s for the whole command", sec.get("analysis", ""))
    tri = sec.get("triage", "")
    f["triage_pass_s"] = grab(r"^triage: \d+ caches, .* in one pass over the memory map: ([\d.]+) s", tri)
    f["triage_caches"] = grab(r"^triage: (\d+) caches,", tri, int)
    f["triage_suspects_s"] = grab(r"^triage: suspects analysed in ([\d.]+) s", tri)
    f["triage_all_s"] = grab(r"^triage: suspects analysed in [\d.]+ s; ([\d.]+) s in all", tri)
    f["triage_lines"] = re.findall(r"^triage: .*$", tri, re.M)
    f["triage_first"] = grab(r"^\s+1  \S+  (\S+) ", tri, str)
    if f["triage_all_s"] is None:
        problems.append(f"{name}: no `triage:` lines in the output of `memsim -t -a`")
    # memsim -i: the counters, every vmalloc area and every struct page classified.
    mi = sec.get("meminfo", "")
    f["meminfo_line"] = grab(r"^(meminfo: .*)$", mi, str)
    f["meminfo_s"] = grab(r"^meminfo: .*; ([\d.]+) s in all", mi)
    f["meminfo_pages"] = grab(r"^meminfo: .*, (\d+) struct pages ", mi, int)
    f["meminfo_map_s"] = grab(r"^meminfo: .* struct pages ([\d.]+) s;", mi)
    if f["meminfo_s"] is None:
        problems.append(f"{name}: no `meminfo:` line in the output of `memsim -t -i`")
    # A slub_debug cache: the second walk that reads every object's tracks (and checks).
    f["debug_line"] = grab(r"^(slub_debug: \d+ slabs walked again .*)$", sec.get("analysis", ""), str)
    f["debug_s"] = grab(r"^slub_debug: \d+ slabs walked again .* in ([\d.]+) s$",
                        sec.get("analysis", ""))
    f["debug_stacks"] = grab(r"^slub_debug: \d+ slabs walked again for tracks and checks, (\d+) "
                             r"depot stacks read", sec.get("analysis", ""), int)
    if m.get("append", "").startswith("slub_debug") and f["debug_s"] is None:
        problems.append(f"{name}: no `slub_debug:` line in the output of `memsim -t {CACHE}`")
    f["verdict"] = grab(r"^(VERDICT: .*)$", sec.get("analysis", ""), str)
    f["distinct"] = grab(r"^(DISTINCT: .*)$", sec.get("analysis", ""), str)
    f["rss_with"] = rss_mb(os.path.join(d, "memsim.time"))
    f["rss_without"] = rss_mb(os.path.join(d, "crash.time"))
    f["wall_with"] = wall_s(os.path.join(d, "memsim.time"))
    f["wall_without"] = wall_s(os.path.join(d, "crash.time"))
    f["session_growth"] = (f["rss_with"] - f["rss_without"]
                           if f["rss_with"] is not None and f["rss_without"] is not None else None)
    # The scan's own growth, from memsim -t (peak reset before the scan): what the target is
    # about.  The session difference also holds the owner guess's debuginfo mappings.
    scan = re.search(r"^analysis: crash resident ([\d.]+) MB before the scan, peak ([\d.]+) MB "
                     r"during it \(\+([\d.]+) MB\)", sec.get("analysis", ""), re.M)
    f["scan_line"] = scan.group(0) if scan else None
    f["rss_growth"] = float(scan.group(3)) if scan else f["session_growth"]
    busy = re.search(r"^analysis: counting thread busy .*$", sec.get("analysis", ""), re.M)
    f["busy_line"] = busy.group(0) if busy else None
    f["load"] = open(os.path.join(d, "load")).read().strip() if os.path.exists(os.path.join(d, "load")) else "?"
    elf = m["dumps"]["elf"]
    st = os.stat(elf) if os.path.exists(elf) else None
    f["dump_bytes"] = st.st_size if st else None
    f["dump_disk"] = st.st_blocks * 512 if st else None
    # The warm figures: the second floor and walk of the session.
    f["floor"], f["walk"] = f["floor2"] or f["floor1"], f["walk2"] or f["walk1"]
    a, fl, w = f["analysis"], f["floor"], f["walk"]
    f["e2e_ops"] = a["objects"] / a["s"] if a and a["s"] > 0 else None
    f["e2e_mbs"] = w["slab_mb"] / a["s"] if a and w and a["s"] > 0 else None
    f["e2e_floor"] = a["s"] / fl["s"] if a and fl and fl["s"] > 0 else None
    f["walk_floor"] = w["s"] / fl["s"] if w and fl and fl["s"] > 0 else None
    return f


def num(v, fmt="{:,.0f}", missing="not measured"):
    return missing if v is None else fmt.format(v)


def met(ok):
    return "met" if ok else "**not met**"


def gib(b):
    return num(b / 2**30 if b is not None else None, "{:.2f} GiB")


def planted_words(m):
    total = m.get("planted_total", m["planted"])
    if total == m["planted"]:
        return f"{m['planted']:,} planted struct {m['owner_struct']}" if m.get("owner_struct") else \
            f"{m['planted']:,} planted objects"
    return f"{total:,} planted objects, {m['planted']:,} of them struct {m.get('owner_struct')}"


def dump_table(f):
    m, a, fl, w = f["manifest"], f["analysis"], f["floor"], f["walk"]
    rows = [
        ("walk (exact allocated/free split)",
         f"{w['s']} s, {w['ops']:,} objects/s, {w['mbs']} MB/s" if w else "not measured",
         f"`memsim -t -s {CACHE}` (second run)"),
        ("floor: the same struct page scan and slab reads, nothing decoded",
         f"{fl['s']} s, {fl['ops']:,} objects/s, {fl['mbs']} MB/s" if fl else "not measured",
         f"`memsim -b {CACHE}` (second run)"),
        ("walk / floor", num(f["walk_floor"], "{:.2f}×") + " (target ≤ 1.25×)", ""),
        ("end to end: walk and clustering", num(a and a["s"], "{} s") +
         (f", {a['objects']:,} objects" if a else ""), f"`memsim -t {CACHE}`, the `analysis:` line"),
        ("end to end / floor", num(f["e2e_floor"], "{:.1f}×") +
         f" (target ≤ {TARGET_FLOOR_RATIO:.0f}×: "
         f"{met(f['e2e_floor'] is not None and f['e2e_floor'] <= TARGET_FLOOR_RATIO)})", ""),
        ("end to end objects/s (objects / seconds)", num(f["e2e_ops"]) +
         f" (target ≥ {TARGET_OPS / 1e6:.0f} M: {met(f['e2e_ops'] is not None and f['e2e_ops'] >= TARGET_OPS)})",
         ""),
        ("end to end MB/s (slab data / seconds)", num(f["e2e_mbs"], "{:,.1f}") +
         (f" ({w['slab_mb']} MB of slab data)" if w else ""), ""),
        ("memsim CACHE, the whole command (following and owner guess too)",
         num(f["total_s"], "{} s"), f"`memsim -t {CACHE}`, the `total:` line"),
    ]
    if f["debug_s"] is not None:
        objs = a["objects"] if a else None
        rows += [
            ("SLUB's tracks: a second walk reading every object's allocation track and stack",
             f"{f['debug_s']} s" + (f", {objs / f['debug_s']:,.0f} objects/s" if objs and f["debug_s"] else "")
             + f", {f['debug_stacks']} depot stacks read", f"`memsim -t {CACHE}`, the `slub_debug:` line"),
            ("tracks pass / walk", num(f["debug_s"] / w["s"] if w and w["s"] else None, "{:.1f}×"), ""),
        ]
    rows += [
        ("memsim -a: every cache ranked, then 3 suspects in full",
         num(f["triage_all_s"], "{} s") +
         (f" = one pass over {f['triage_caches']} caches {f['triage_pass_s']} s + suspects "
          f"{f['triage_suspects_s']} s; first ranked: {f['triage_first']}"
          if f["triage_all_s"] is not None else ""), "`memsim -t -a`, the `triage:` lines"),
        ("memsim -a / memsim CACHE",
         num(f["triage_all_s"] / f["total_s"] if f["triage_all_s"] and f["total_s"] else None,
             "{:.2f}×") + " (target ≤ 2×: " +
         met(bool(f["triage_all_s"] and f["total_s"] and f["triage_all_s"] <= 2 * f["total_s"])) + ")",
         ""),
        ("memsim -i: counters, vmalloc areas and every struct page classified",
         num(f["meminfo_s"], "{} s") +
         (f" (memory map: {f['meminfo_pages']:,} struct pages in {f['meminfo_map_s']} s)"
          if f["meminfo_pages"] is not None else ""), "`memsim -t -i`, the `meminfo:` line"),
        ("passes over the slabs", num(a and a["passes"], "{}"), "the `analysis:` line"),
        ("clustering memory peak", num(a and a["peak_mb"], "{:.1f} MB"), "the `analysis:` line"),
        ("crash peak RSS with memsim / without", num(f["rss_with"], "{:.0f} MB") + " / " +
         num(f["rss_without"], "{:.0f} MB"), "`/usr/bin/time -v crash ...`, two sessions"),
        ("crash RSS growth during the scan", num(f["rss_growth"], "{:.0f} MB") +
         f" (target ≤ {TARGET_RSS_MB:.0f} MB: "
         f"{met(f['rss_growth'] is not None and f['rss_growth'] <= TARGET_RSS_MB)})",
         "`memsim -t`: peak RSS (reset before the scan) minus RSS before it" if f["scan_line"]
         else "the difference of the two sessions"),
        ("crash session peak RSS growth (scan, following, owner guess)",
         num(f["session_growth"], "{:.0f} MB"), "the difference of the two sessions"),
        ("crash session wall time with memsim / without", num(f["wall_with"], "{:.0f} s") + " / " +
         num(f["wall_without"], "{:.0f} s"), "`/usr/bin/time -v`"),
    ]
    head = (f"### {f['name']}: {planted_words(m)}\n\n{m['description']}.  ELF dump "
            f"{gib(f['dump_bytes'])} ({gib(f['dump_disk'])} on disk); "
            f"load average before the session: {f['load']}.\n\n"
            "| figure | value | measured by |\n|---|---|---|\n")
    return head + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows) + "\n"


def scaling(figs):
    """The line comparing the 20 M and 100 M dumps of the same leak."""
    small, big = figs.get("bench32"), figs.get("bench32-100m")
    if not small or not big or not small["analysis"] or not big["analysis"]:
        return "Linear cost / flat memory: not measured (needs the bench32 and bench32-100m runs)."
    na, nb = small["analysis"]["objects"], big["analysis"]["objects"]
    ta, tb = small["analysis"]["s"], big["analysis"]["s"]
    cost = (tb / nb) / (ta / na)
    ra, rb = small["rss_growth"], big["rss_growth"]
    pa, pb = small["analysis"]["peak_mb"], big["analysis"]["peak_mb"]
    linear = 0.8 <= cost <= 1.25
    flat = ra is not None and rb is not None and rb <= max(ra * 1.2, ra + 20)
    return (f"Linear cost / flat memory, 20 M against 100 M objects of the same leak: "
            f"{nb / na:.2f}× the objects took {tb / ta:.2f}× the end-to-end time, so the cost per "
            f"object is {cost:.2f}× ({'linear' if linear else 'not linear'}: within 0.8–1.25×); "
            f"crash's RSS growth went from {num(ra, '{:.0f}')} MB to {num(rb, '{:.0f}')} MB and the "
            f"clustering peak from {pa:.1f} MB to {pb:.1f} MB "
            f"({'flat' if flat else 'not flat'}: RSS growth at most 20 % or 20 MB more).")


def extrapolation(figs):
    base = figs.get("bench32-100m") or figs.get("bench32")
    if not base or not base["analysis"]:
        return "Seed scale: not measured."
    a, fl, w = base["analysis"], base["floor"], base["walk"]
    per = a["s"] / a["objects"]
    lines = [f"Seed scale, {SEED_OBJECTS / 1e6:.0f} M kmalloc-32 objects ({SEED_OBJECTS * 32 / 1e9:.1f} GB), "
             f"from the per-object cost measured on {base['name']} ({a['objects']:,} objects):", ""]
    lines.append(f"- end to end: {per * 1e9:.1f} ns an object → {per * SEED_OBJECTS:,.0f} s "
                 f"({per * SEED_OBJECTS / 60:.1f} min); at the target of {TARGET_OPS / 1e6:.0f} M objects/s "
                 f"it would be {SEED_OBJECTS / TARGET_OPS:.0f} s")
    if fl:
        lines.append(f"- floor: {fl['s'] / fl['objects'] * 1e9:.1f} ns an object → "
                     f"{fl['s'] / fl['objects'] * SEED_OBJECTS:,.1f} s")
    if w:
        lines.append(f"- walk: {w['s'] / w['objects'] * 1e9:.1f} ns an object → "
                     f"{w['s'] / w['objects'] * SEED_OBJECTS:,.1f} s")
    lines.append(f"- memory: crash's RSS growth measured at this size {num(base['rss_growth'], '{:.0f} MB')}, "
                 f"clustering peak {a['peak_mb']:.1f} MB (capped by `-m`, default 256 MiB); the "
                 "walker's own state does not grow with the cache")
    return "\n".join(lines)


def plot_data(out, figs):
    """tests/bench/bench.gp's input: block 0 the leak series by size, block 1 the other dumps."""
    def row(f):
        return (f"{f['name']} {f['analysis']['objects'] / 1e6:.3f} {f['e2e_ops'] / 1e6:.4f} "
                f"{f['rss_growth']:.1f}\n")
    done = [f for f in figs.values() if f["analysis"] and f["rss_growth"] is not None]
    done.sort(key=lambda f: f["analysis"]["objects"])
    with open(os.path.join(out, "plot.dat"), "w") as fp:
        fp.write("# name objects_M end_to_end_objects_per_s_M rss_growth_MB\n")
        fp.writelines(row(f) for f in done if f["name"] in LEAK_SERIES)
        fp.write("\n\n")
        fp.writelines(row(f) for f in done if f["name"] not in LEAK_SERIES)


def main(out, names):
    problems = []
    figs = {n: dump_figures(out, n, problems) for n in names}
    first = figs[names[0]]
    drgn = open(os.path.join(out, "drgn.log")).read()
    drgn_ops = grab(r"(\d+) objects/s", drgn)
    drgn_version = open(os.path.join(out, "drgn.version")).read().strip()
    drgn_line = grab(r"^(drgn: .*)$", drgn, str) or f"drgn: no result ({drgn.strip()[-200:]})"
    guess = {}
    for run in ("first", "second"):
        text = open(os.path.join(out, f"guess-{run}.log")).read()
        guess[run] = (grab(r"^owner guess: ([\d.]+) s", text), grab(r"^(owner guess: .*)$", text, str),
                      grab(r"^\s+1\. (struct \S+)", text, str))
    w = first["walk"]
    speedup = w["ops"] / drgn_ops if w and drgn_ops else None
    plot_data(out, figs)
    m0 = first["manifest"]
    cpu = grab(r"^model name\s*: (.*)$", open("/proc/cpuinfo").read(), str) or "?"

    print(f"""# memsim performance

Written by `make bench` (tests/bench/run.sh, tests/bench/report.py); every figure below is
copied from the command output named beside it.  Machine: {os.cpu_count()} cores ({cpu}),
{platform.machine()}, kernel {platform.release()}.  Dumps: Debian {m0['kernel']}, made by
`samples/make-samples.sh NAME` (qemu TCG, ELF with paging, the form drgn reads too), cache
`{CACHE}`.

Targets: end to end (walk and clustering, `memsim -t {CACHE}`) at least {TARGET_OPS / 1e6:.0f} M
objects/s, i.e. at most {TARGET_FLOOR_RATIO:.0f}× the floor (reading the same slab pages and
decoding nothing); crash's peak RSS growth with memsim at most {TARGET_RSS_MB:.0f} MB; the walk at most
1.25× the floor.  Each dump's section gives the load average before its session: on these
2 cores anything above 1 means other work shared the machine, and every time is then longer
than on an idle one.

![objects/s end to end and crash's RSS growth against the objects in the cache](bench.svg)

## Per dump
""")
    for n in names:
        print(dump_table(figs[n]))
    print(f"""## Scale

{scaling(figs)}

{extrapolation(figs)}

## The peer and the owner guess

| figure | value | measured by |
|---|---|---|
| drgn {drgn_version} `slab_cache_for_each_allocated_object` + read, on {first['name']} | {num(drgn_ops)} objects/s | `tests/bench/drgn_walk.py` (60 s cap) |
| walk / drgn objects per second | {num(speedup, "{:,.0f}×")} (target ≥ 100×) | |
| owner guess, first run on this vmlinux (index built) | {guess['first'][0]} s, top guess {guess['first'][2]} | `memsim -t {CACHE}` on the chain sample, empty index cache |
| owner guess, next crash session (index from the cache) | {guess['second'][0]} s (target < 10 s) | the same, second session |

## How it was measured

For each dump one crash session, run as

    /usr/bin/time -v crash -s VMLINUX DIR/vmcore.elf -i CMDS

with CMDS (each command fenced by an `!echo '{MARK}NAME'` line):

    extend extension/memsim.so
    mod -s memsim_leak DIR/memsim_leak.ko
    memsim -b {CACHE}
    memsim -t -s {CACHE}
    memsim -b {CACHE}
    memsim -t -s {CACHE}
    kmem -s {CACHE}
    memsim -t {CACHE}
    memsim -t -a
    quit

The second floor and walk are the warm figures; end to end is the `analysis:` line of the
last command, objects/s its objects over its seconds.  Then one session of the same dump
without memsim (`mod -s memsim_leak DIR/memsim_leak.ko`, `kmem -s {CACHE}`, `quit`): crash's
own peak RSS; the session growth is the difference of the two "Maximum resident set size"
figures.  The scan's own growth (the target) is `memsim -t`'s line: it resets the peak
(`/proc/self/clear_refs`) before the scan and prints peak minus the RSS before it.
Every memsim session reads the vmlinux's struct index from the cache the owner-guess run
built (`MEMSIM_CACHE=build/bench/dwarf-cache`), so none of them pays for building it.
Make the dumps with `samples/make-samples.sh {' '.join(names)}`;
`make bench` makes them when missing and runs everything here.

## Raw lines
""")
    for n in names:
        f = figs[n]
        print(f"{n}:\n")
        for key in ("floor2", "walk2"):
            if f[key]:
                print(f"    {f[key]['line']}")
        for key in ("busy_line", "scan_line"):
            if f[key]:
                print(f"    {f[key]}")
        print(f"    {f['analysis']['line'] if f['analysis'] else 'analysis: (missing)'}")
        for key in ("debug_line", "distinct", "verdict"):
            if f[key]:
                print(f"    {f[key]}")
        for line in f["triage_lines"]:
            print(f"    {line}")
        if f["meminfo_line"]:
            print(f"    {f['meminfo_line']}")
        print()
    engine = os.path.join(out, "engine.log")
    if os.path.exists(engine):
        print("the engine alone, `build/engine_bench 20` (synthetic kmalloc-32 slabs in memory, one "
              "thread, no dump; tests/bench/engine_bench.c):\n")
        for line in open(engine).read().splitlines():
            print(f"    {line}")
        print()
    print("peer and owner guess:\n")
    print(f"    {drgn_line}")
    for run in ("first", "second"):
        print(f"    {guess[run][1]}")
    if problems:
        print("\n## Problems\n")
        for p in problems:
            print(f"- {p}")
    print("""
Memory: the walker holds one memory section of struct pages (2 MiB), one slab and one bitmap,
whatever the cache size; the clustering engine is capped (`-m`, default 256 MiB) and its peak
is printed on the analysis line.  Tests never assert a time: speed lives here.""")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2:])
