#!/usr/bin/python3
"""The peer: drgn's slab_cache_for_each_allocated_object over one cache, reading each object.

  drgn_walk.py VMCORE VMLINUX CACHE [SECONDS]

Stops after SECONDS (default 60) and prints objects, seconds and objects/s.
"""
import sys
import time

import drgn
from drgn.helpers.linux.slab import find_slab_cache, slab_cache_for_each_allocated_object


def main(core, vmlinux, cache, limit=60.0):
    prog = drgn.Program()
    prog.set_core_dump(core)
    prog.load_debug_info([vmlinux])
    s = find_slab_cache(prog, cache)
    size = s.object_size.value_()
    t0, n = time.monotonic(), 0
    for obj in slab_cache_for_each_allocated_object(s, "char"):
        prog.read(obj.value_(), size)
        n += 1
        if n % 65536 == 0 and time.monotonic() - t0 > limit:
            break
    dt = time.monotonic() - t0
    print(f"drgn: {n} objects in {dt:.1f} s: {n / dt:.0f} objects/s")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 60.0)
