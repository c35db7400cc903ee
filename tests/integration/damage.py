#!/usr/bin/env python3
"""The damage suite: plant known damage in a copy of a real ELF vmcore, one kind at a time, and
check that the crash session survives, that memsim's notes count exactly the damage planted,
and that nothing else changed.

  damage.py VMLINUX VMCORE.elf VMCORE.kdump MEMSIM_SO CACHE WORKDIR

Before any damage, one crash session lists every slab of CACHE (memsim -l) and the facts the
predictions need (page_offset_base, the struct page addresses' physical frames).  Each case
then writes into the copy at the file offsets of the physical addresses it damages, runs
memsim, compares with what that damage must do, and puts the original bytes back.  The last
case cuts the copy short.  Random bytes come from a fixed seed, so every run plants the same.

Cases:
  slab_cache   N struct slabs overwritten with random bytes (a scribble, a bad DIMM): their
               slabs vanish from the memory-map scan; the node counters still count them, so
               memsim must say exactly N slabs (and their objects) MISSING.
  counters     N struct slabs' counters word made impossible (no objects, more objects than
               the cache's geometry allows, more in use than there are): exactly N skipped as
               implausible, each named, SLABS and TOTAL unchanged.
  freelist     N struct slabs' freelist head pointed outside the slab: exactly N freelist
               faults, each named, SLABS and TOTAL unchanged.
  slab_bytes   random bytes over the whole memory of N slabs that have free objects: exactly
               N freelist faults (the first free object's stored pointer is garbage).
  memmap       random bytes over a run of struct pages (the memory map) holding K of the
               cache's slab heads: exactly K slabs MISSING.
  excluded_slabs   the pages of N slabs excluded from a kdump-compressed copy (as makedumpfile
               -d excludes pages): exactly N slabs unreadable, SLABS and TOTAL unchanged.
  excluded_memmap  one page of the memory map excluded: its struct pages unreadable, exactly
               the slab heads it held missing.

  cut_short    the copy cut where the last run of RAM ends: crash opens it with a warning;
               the counts are the whole dump's and there is no finding.

A dump cut short inside RAM is not among them: a qemu guest's highest memory holds what
memblock allocates top-down at boot (page tables, the memory map, per-cpu areas), so crash
itself refuses a cut that reaches any slab; what a cut leaves for memsim is excluded pages.
"""
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys

sys.dont_write_bytecode = True    # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corrupt_freelist import pt_loads, vtop  # noqa: E402  (PT_LOAD runs, crash's vtop)

OUTSIDE = 0xdead000000001000
SEED = 20261202
ROW = re.compile(r"^([0-9a-f]{16})\s+([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)(.*)$", re.M)


def crash(vmlinux, dump, cmds):
    r = subprocess.run(["crash", "-s", vmlinux, dump],
                       input="\n".join(cmds + ["!echo memsim-damage-end", "quit"]) + "\n",
                       capture_output=True, text=True, timeout=900)
    return r.stdout + r.stderr


def values(text, n):
    """The values of the last @n crash prints in @text ("$K = V"), in order."""
    found = [int(v, 0) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+|\d+)\s*$", text, re.M)]
    return found[-n:] if len(found) >= n else [None] * n


class Copy:
    """A copy of the dump whose patches can be undone."""

    def __init__(self, src, path):
        shutil.copyfile(src, path)
        os.chmod(path, 0o600)
        self.path, self.loads, self.saved = path, pt_loads(path), []

    def offset(self, paddr):
        for start, size, off in self.loads:
            if start <= paddr < start + size:
                return off + paddr - start
        return None

    def write(self, paddr, data):
        off = self.offset(paddr)
        if off is None or self.offset(paddr + len(data) - 1) != off + len(data) - 1:
            raise SystemExit(f"FAIL setup: physical {paddr:x}+{len(data)} is not one run of the dump")
        with open(self.path, "r+b") as f:
            f.seek(off)
            self.saved.append((off, f.read(len(data))))
            f.seek(off)
            f.write(data)

    def restore(self):
        with open(self.path, "r+b") as f:
            for off, data in reversed(self.saved):
                f.seek(off)
                f.write(data)
        self.saved = []


def exclude_pages(path, pfns):
    """Exclude @pfns from the kdump-compressed file at @path as makedumpfile's filtering does:
    clear their bits in the second (dumpable) bitmap and drop their page descriptors, which
    follow the bitmaps in pfn order, one per dumpable page."""
    with open(path, "r+b") as f:
        hdr = f.read(4096)
        if hdr[:8] != b"KDUMP   ":
            raise SystemExit("FAIL setup: not a kdump-compressed file")
        block, sub_blocks, bitmap_blocks, max_mapnr = struct.unpack_from("<iiII", hdr, 428)
        bm2_off = (1 + sub_blocks) * block + bitmap_blocks * block // 2
        pd_off = (1 + sub_blocks + bitmap_blocks) * block
        f.seek(bm2_off)
        bm2 = bytearray(f.read(bitmap_blocks * block // 2))
        dumpable = sum(bin(b).count("1") for b in bm2)
        f.seek(pd_off)
        descs = f.read(dumpable * 24)
        keep, k = [], 0
        for byte_i, b in enumerate(bm2):
            if not b:
                continue
            for bit in range(8):
                if b >> bit & 1:
                    pfn = byte_i * 8 + bit
                    if pfn not in pfns:
                        keep.append(descs[k * 24:(k + 1) * 24])
                    k += 1
        for pfn in pfns:
            if not bm2[pfn // 8] >> (pfn % 8) & 1:
                raise SystemExit(f"FAIL setup: pfn {pfn:x} is not in the dump")
            bm2[pfn // 8] &= ~(1 << (pfn % 8))
        f.seek(bm2_off)
        f.write(bm2)
        f.seek(pd_off)
        f.write(b"".join(keep))


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, case, ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} damage/{case}: {what}")
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok


def report(vmlinux, dump, so, cache):
    """memsim's summary text (-s) and JSON notes on @dump, and whether the session lived on."""
    out = crash(vmlinux, dump, [f"extend {so}", "!echo memsim-damage-summary",
                                f"memsim -s {cache}", "!echo memsim-damage-json",
                                f"memsim -j -n 1 {cache}", "!echo memsim-damage-meminfo",
                                "memsim -i -j", "!echo memsim-damage-after",
                                "p jiffies"])
    doc = None
    for line in out.splitlines():
        if line.startswith("{"):
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if parsed.get("schema") == "memsim-meminfo":
                MEMINFO[dump] = parsed
            else:
                doc = parsed
    return out, doc


# The memsim -i report of each dump of the last report() on it.
MEMINFO = {}


def summary_counts(doc):
    c = doc["cache"]
    return c["slabs"], c["total"], c["allocated"], c["notes"]


def main(vmlinux, dump, kdump, so, cache, work):
    rng = random.Random(SEED)
    before = crash(vmlinux, dump, [f"extend {so}", f"memsim -l {cache}", "p/x page_offset_base",
                                   "p sizeof(struct page)"])
    slabs = [(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3)), int(m.group(4)),
              int(m.group(5)), m.group(6).strip()) for m in ROW.finditer(before)]
    pob, psize = values(before, 2)
    if len(slabs) < 60 or None in (pob, psize):
        print(before[-3000:])
        raise SystemExit(f"FAIL setup: need a cache with at least 60 slabs ({len(slabs)})")
    quiet = [s for s in slabs if not s[5]]          # no CPU's active slab
    with_free = [s for s in quiet if s[4] > 0]
    base_out, base = report(vmlinux, dump, so, cache)
    if not base:
        print(base_out[-3000:])
        raise SystemExit("FAIL setup: memsim -j printed no JSON on the undamaged dump")
    b_slabs, b_total, b_alloc, b_notes = summary_counts(base)
    if b_notes.get("slabs_missing") or b_notes["freelist_errors"] or b_notes.get("slabs_implausible"):
        raise SystemExit(f"FAIL setup: the undamaged dump already has findings: {b_notes}")
    # Struct pages sit in the vmemmap; their physical frames come from crash's vtop.
    slab_pa = dict(zip([s[0] for s in slabs], vtop(vmlinux, dump, [s[0] for s in slabs])))
    os.makedirs(work, exist_ok=True)
    cp = Copy(dump, os.path.join(work, "damaged.elf"))
    c = Checks()
    MI = {}     # each case's memsim -i report

    def run(case, path=None):
        out, doc = report(vmlinux, path or cp.path, so, cache)
        c.check(case, "memsim-damage-end" in out and "memsim-damage-after" in out,
                "the crash session survived every command")
        mi = MEMINFO.pop(path or cp.path, None)
        if c.check(case, mi is not None, "memsim -i -j printed a report"):
            MI[case] = mi
        if not c.check(case, doc is not None, "memsim -j printed a report"):
            print(out[-2000:])
            return out, None
        return out, summary_counts(doc)

    def rand(n):
        return bytes(rng.getrandbits(8) for _ in range(n))

    def stored(slab, field_off, value):
        cp.write(slab_pa[slab[0]] + field_off, struct.pack("<Q", value))

    offs = crash(vmlinux, dump, ["p &((struct slab *)0)->freelist",
                                 "p &((struct slab *)0)->counters"])
    fl_off, ct_off = (int(x, 16) for x in re.findall(r"\) (0x[0-9a-f]+)", offs)[:2])

    # slab_cache: N whole struct slabs overwritten with random bytes.
    n = 20
    hit = rng.sample(quiet, n)
    for s in hit:
        cp.write(slab_pa[s[0]], rand(psize))
    out, r = run("slab_cache")
    if r:
        slabs_n, total, alloc, notes = r
        c.check("slab_cache", notes.get("slabs_missing") == n,
                f"slabs_missing {notes.get('slabs_missing')} == {n} overwritten")
        c.check("slab_cache", notes.get("objects_missing") == sum(s[2] for s in hit),
                f"objects_missing {notes.get('objects_missing')} == {sum(s[2] for s in hit)}")
        c.check("slab_cache", (slabs_n, total, alloc) == (b_slabs - n, b_total - sum(s[2] for s in hit),
                                                        b_alloc - sum(s[3] for s in hit)),
                f"slabs/total/allocated {slabs_n}/{total}/{alloc} lose exactly those slabs")
        c.check("slab_cache", re.search(rf"MISSING: the node counters count {b_slabs} slabs .* the memory "
                                        rf"map gave {b_slabs - n}: {n} slabs", out),
                "the text says MISSING with the counts")
        c.check("slab_cache", notes["freelist_errors"] == 0 and notes.get("slabs_implausible") == 0,
                "no other finding")
    cp.restore()

    # counters: impossible counters words, three kinds.
    hit = rng.sample(quiet, 6)
    bad = [0, 0x7fff << 16, (0x10 << 16) | 0x20]     # no objects, too many, inuse > objects
    for i, s in enumerate(hit):
        stored(s, ct_off, bad[i % 3])
    out, r = run("counters")
    if r:
        slabs_n, total, alloc, notes = r
        c.check("counters", notes.get("slabs_implausible") == len(hit),
                f"slabs_implausible {notes.get('slabs_implausible')} == {len(hit)}")
        c.check("counters", (slabs_n, total) == (b_slabs, b_total),
                f"slabs {slabs_n} and total {total} unchanged (usual geometry)")
        c.check("counters", alloc == b_alloc - sum(s[3] for s in hit),
                f"allocated {alloc} == {b_alloc} less the skipped slabs' {sum(s[3] for s in hit)}")
        c.check("counters", all(re.search(rf"slab {s[0]:016x}: counters .* skipped", out) for s in hit),
                "each skipped slab is named with its address")
        c.check("counters", not notes.get("slabs_missing") and notes["freelist_errors"] == 0,
                "no other finding")
    cp.restore()

    # freelist: heads pointed outside their slabs.
    hit = rng.sample(quiet, 5)
    for s in hit:
        stored(s, fl_off, OUTSIDE)
    out, r = run("freelist")
    if r:
        slabs_n, total, alloc, notes = r
        c.check("freelist", notes["freelist_errors"] == len(hit),
                f"freelist_errors {notes['freelist_errors']} == {len(hit)}")
        c.check("freelist", (slabs_n, total) == (b_slabs, b_total), "slabs and total unchanged")
        c.check("freelist", alloc == b_alloc + sum(s[4] for s in hit),
                f"allocated {alloc} == {b_alloc} + the free objects behind the faults")
        c.check("freelist", all(re.search(rf"slab {s[0]:016x} .*pointer outside the slab: {OUTSIDE:016x}", out)
                                for s in hit), "each fault is named with its slab")
        c.check("freelist", not notes.get("slabs_missing") and not notes.get("slabs_implausible"),
                "no other finding")
    cp.restore()

    # slab_bytes: random bytes over the memory of slabs with free objects.
    hit = rng.sample(with_free, min(5, len(with_free)))
    for s in hit:
        cp.write(s[1] - pob, rand(base["cache"]["slab_size"]))
    out, r = run("slab_bytes")
    if r:
        slabs_n, total, alloc, notes = r
        c.check("slab_bytes", len(hit) == 5, f"{len(hit)} slabs with free objects damaged")
        c.check("slab_bytes", notes["freelist_errors"] == len(hit),
                f"freelist_errors {notes['freelist_errors']} == {len(hit)}")
        c.check("slab_bytes", (slabs_n, total) == (b_slabs, b_total), "slabs and total unchanged")
        c.check("slab_bytes", b_alloc <= alloc <= b_alloc + sum(s[4] for s in hit),
                "allocated grows by at most the damaged slabs' free objects")
    cp.restore()

    # memmap: random bytes over a run of struct pages holding K of the cache's slab heads.
    by_pa = sorted((slab_pa[s[0]], s) for s in quiet)
    start = by_pa[len(by_pa) // 2][0] & ~0xfff
    run_len = 3 * 4096
    inside = [s for pa, s in by_pa if start <= pa < start + run_len]
    cpu_inside = [s for s in slabs if s[5] and start <= slab_pa[s[0]] < start + run_len]
    if not cpu_inside:
        cp.write(start, rand(run_len))
        out, r = run("memmap")
        if r:
            slabs_n, total, alloc, notes = r
            c.check("memmap", notes.get("slabs_missing") == len(inside),
                    f"slabs_missing {notes.get('slabs_missing')} == {len(inside)} slab heads in "
                    f"the {run_len} scribbled bytes of the memory map")
            c.check("memmap", slabs_n == b_slabs - len(inside), f"slabs {slabs_n} lose exactly those")
        cp.restore()
    else:
        c.check("memmap", False, "the chosen run of struct pages holds a CPU's active slab")

    # cut_short: the copy cut where the last run of RAM ends (the device windows qemu dumps
    # after it, VGA and BIOS, are gone): crash opens it with a warning, and memsim must give
    # the undamaged counts with no finding.  A cut reaching into RAM takes the page tables
    # memblock put at its top, and crash itself refuses the dump.
    ram = max((l for l in cp.loads if l[1] >= 1 << 26), key=lambda l: l[2])
    with open(cp.path, "r+b") as f:
        f.truncate(ram[2] + ram[1])
    out, r = run("cut_short")
    if r:
        slabs_n, total, alloc, notes = r
        c.check("cut_short", "truncated" in out, "crash warns that the dump may be truncated")
        c.check("cut_short", (slabs_n, total, alloc) == (b_slabs, b_total, b_alloc),
                "slabs, total and allocated as on the whole dump")
        c.check("cut_short", not notes.get("slabs_missing") and not notes["slabs_unreadable"]
                and not notes["pages_unreadable"] and not notes["freelist_errors"], "no finding")
    os.unlink(cp.path)

    # kdump: pages excluded from a kdump-compressed dump, as makedumpfile -d does.
    kd = os.path.join(work, "excluded.kdump")

    def kdump_copy():
        """A fresh kdump-compressed copy at kd (qemu writes the flattened form: rebuilt)."""
        if os.path.exists(kd):
            os.unlink(kd)
        with open(kdump, "rb") as f:
            flattened = f.read(12).startswith(b"makedumpfile")
        if flattened:
            with open(kdump, "rb") as f:
                subprocess.run(["makedumpfile", "-R", kd], stdin=f, check=True, capture_output=True)
        else:
            shutil.copyfile(kdump, kd)
        os.chmod(kd, 0o600)

    kdump_copy()
    hit = rng.sample(quiet, 8)
    pfns = {(s[1] - pob) // 4096 + i for s in hit for i in range(base["cache"]["slab_size"] // 4096)}
    exclude_pages(kd, pfns)
    out, r = run("excluded_slabs", kd)
    if r:
        slabs_n, total, alloc, notes = r
        c.check("excluded_slabs", notes["slabs_unreadable"] == len(hit),
                f"slabs_unreadable {notes['slabs_unreadable']} == {len(hit)} slabs whose pages were excluded")
        c.check("excluded_slabs", (slabs_n, total) == (b_slabs, b_total), "slabs and total unchanged")
        c.check("excluded_slabs", alloc == b_alloc - sum(s[3] for s in hit),
                f"allocated {alloc} == {b_alloc} less the excluded slabs' {sum(s[3] for s in hit)}")
        c.check("excluded_slabs", not notes.get("slabs_missing") and notes["freelist_errors"] == 0,
                "no other finding")

    # The memory-map page holding some slab heads excluded: those struct pages are unreadable
    # (a 4 KiB page holds 4096 / sizeof(struct page) of them) and their slabs missing.
    kdump_copy()
    page = by_pa[len(by_pa) // 3][0] & ~0xfff
    inside = [s for s in slabs if page <= slab_pa[s[0]] < page + 4096]
    exclude_pages(kd, {page // 4096})
    out, r = run("excluded_memmap", kd)
    mi = MI.get("excluded_memmap")
    if mi:
        c.check("excluded_memmap", mi["memory_map"]["pages_unreadable"] == 4096 // psize,
                f"memsim -i: pages_unreadable {mi['memory_map']['pages_unreadable']} == "
                f"{4096 // psize} struct pages of the excluded page")
    if r:
        slabs_n, total, alloc, notes = r
        c.check("excluded_memmap", notes["pages_unreadable"] == 4096 // psize,
                f"pages_unreadable {notes['pages_unreadable']} == {4096 // psize} struct pages of the excluded page")
        c.check("excluded_memmap", notes.get("slabs_missing") == len(inside),
                f"slabs_missing {notes.get('slabs_missing')} == {len(inside)} slab heads there")
        c.check("excluded_memmap", len(inside) > 0 and not [s for s in inside if s[5]],
                "the excluded page holds slab heads, none a CPU's active slab")
    os.unlink(kd)
    print(f"damage: {c.passed} passed, {c.failed} failed")
    return c.failed == 0


if __name__ == "__main__":
    if len(sys.argv) != 7:
        raise SystemExit(__doc__)
    sys.exit(0 if main(*sys.argv[1:]) else 1)
