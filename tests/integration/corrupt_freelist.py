#!/usr/bin/env python3
"""Corrupt two freelists in a copy of a real ELF vmcore and check that memsim reports both
faults with their addresses and still finishes the walk with the right slab counts.

  corrupt_freelist.py VMLINUX VMCORE.elf MEMSIM_SO CACHE WORKDIR

Slab A's freelist head is pointed at an object whose stored free pointer, encoded the way the
cache encodes them (memsim -l says how), points back to itself: a cycle.  Slab B's freelist
head is pointed outside its slab.  Both are written into the dump file itself, at the file
offsets of the physical addresses crash's vtop gives.
"""
import os
import re
import shutil
import struct
import subprocess
import sys

OUTSIDE = 0xdeadbeef00001000


def crash(vmlinux, dump, cmds):
    r = subprocess.run(["crash", "-s", vmlinux, dump], input="\n".join(cmds + ["quit"]) + "\n",
                       capture_output=True, text=True, timeout=600)
    return r.stdout + r.stderr


def vtop(vmlinux, dump, addrs):
    out = crash(vmlinux, dump, [f"vtop {a:x}" for a in addrs])
    phys = re.findall(r"^([0-9a-f]{16})\s+([0-9a-f]+)\s*$", out, re.M)
    table = {int(v, 16): int(p, 16) for v, p in phys}
    return [table[a] for a in addrs]


def pt_loads(path):
    with open(path, "rb") as f:
        ehdr = f.read(64)
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
        f.seek(phoff)
        loads = []
        for _ in range(phnum):
            p = f.read(phentsize)
            ptype, _, off, _, paddr, filesz = struct.unpack_from("<IIQQQQ", p, 0)
            if ptype == 1:
                loads.append((paddr, filesz, off))
    return loads


def patch(path, loads, paddr, value):
    for start, size, off in loads:
        if start <= paddr < start + size:
            with open(path, "r+b") as f:
                f.seek(off + paddr - start)
                f.write(struct.pack("<Q", value))
            return
    raise SystemExit(f"physical address {paddr:x} is not in the dump")


def encode(encoding, ptr, random, slot):
    if encoding == "hardened+swab":
        return ptr ^ random ^ int.from_bytes(slot.to_bytes(8, "little"), "big")
    if encoding == "hardened":
        return ptr ^ random ^ slot
    return ptr


def main(vmlinux, dump, so, cache, work):
    out = crash(vmlinux, dump, [f"extend {so}", f"memsim -l {cache}",
                                "p &((struct slab *)0)->freelist",
                                "p &((struct page *)0)->freelist"])
    slabs = [l.split() for l in out.splitlines() if re.match(r"^[0-9a-f]{16}\s+[0-9a-f]{16}\s+\d", l)]
    quiet = [s for s in slabs if len(s) == 5]   # no "cpu N slab" note: only its own freelist
    summary = re.search(rf"^([0-9a-f]{{16}})\s+\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+{re.escape(cache)}$", out, re.M)
    enc = re.search(r"free pointers: (\S+)", out)
    offs = re.findall(r"\(void \*\*\) (0x[0-9a-f]+)", out)
    if len(quiet) < 2 or not summary or not enc or not offs:
        print(out)
        raise SystemExit(f"FAIL setup: need two slabs that are no CPU's active slab in {cache}")
    cache_addr = int(summary.group(1), 16)
    fl_off = int(offs[0], 16)
    info = crash(vmlinux, dump, [f"p/x ((struct kmem_cache *){cache_addr:#x})->random",
                                 f"p ((struct kmem_cache *){cache_addr:#x})->offset"])
    m = re.search(r"= (0x[0-9a-f]+)\s*\n.*?= (\d+)", info, re.S)
    random, fp_off = (int(m.group(1), 16), int(m.group(2))) if m else (0, 0)
    slab_a, mem_a = int(quiet[0][0], 16), int(quiet[0][1], 16)
    slab_b = int(quiet[1][0], 16)
    obj = mem_a  # object 0 of slab A (no red zone on a production kernel)
    pa_slab_a, pa_slab_b, pa_obj = vtop(vmlinux, dump, [slab_a, slab_b, obj])

    os.makedirs(work, exist_ok=True)
    bad = os.path.join(work, "corrupt.elf")
    shutil.copyfile(dump, bad)
    loads = pt_loads(bad)
    patch(bad, loads, pa_slab_a + fl_off, obj)
    patch(bad, loads, pa_obj + fp_off, encode(enc.group(1), obj, random, obj + fp_off))
    patch(bad, loads, pa_slab_b + fl_off, OUTSIDE)

    after = crash(vmlinux, bad, [f"extend {so}", f"memsim -s {cache}"])
    os.unlink(bad)
    ok = True
    def check(cond, what):
        nonlocal ok
        ok &= bool(cond)
        print(f"{'ok  ' if cond else 'FAIL'} corrupt-freelist: {what}")
    s2 = re.search(rf"^([0-9a-f]{{16}})\s+\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+{re.escape(cache)}$", after, re.M)
    check(s2, "the walk finished and printed its summary")
    if s2:
        check(s2.group(3) == summary.group(3) and s2.group(4) == summary.group(4),
              f"total {s2.group(3)} and slabs {s2.group(4)} unchanged")
    check(re.search(rf"slab {slab_a:016x} .*: cycle: {obj:016x} \(next of free object {obj:016x}\)", after),
          f"cycle reported in slab {slab_a:016x}")
    check(re.search(rf"slab {slab_b:016x} .*: pointer outside the slab: {OUTSIDE:016x} \(the list head\)", after),
          f"pointer outside slab reported in slab {slab_b:016x}")
    check(re.search(r"2 corrupt freelists", after), "exactly two faults counted")
    if not ok:
        print(after)
    return ok


if __name__ == "__main__":
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    sys.exit(0 if main(*sys.argv[1:]) else 1)
