#!/usr/bin/env python3
"""Check memsim's output in a crash batch log against a sample's ground-truth manifest.

  check.py commands MANIFEST FORMAT MEMSIM_SO   print the crash command file for one dump
  check.py verify MANIFEST FORMAT LOG           check the log; exit 1 on any failed check

Each crash command's output is fenced by a marker line (printed with crash's "!echo"), so
the checks read exactly the output of the command they are about.
"""
import json
import re
import sys

MARK = "=== memsim-test "


def manifest_modules(m):
    return m.get("modules") or []


def commands(manifest_path, fmt, so):
    m = json.load(open(manifest_path))
    cache = m["cache"]
    lines = [f"extend {so}"]
    for mod in manifest_modules(m):
        lines.append(f"mod -s {mod['name']} {mod['path']}")
    sections = [
        ("kmem", f"kmem -s {cache}"),
        ("summary", f"memsim -s {cache}"),
    ]
    for name, cmd in sections:
        lines.append(f"!echo '{MARK}{name}'")
        lines.append(cmd)
    lines.append(f"!echo '{MARK}end'")
    lines.append("quit")
    print("\n".join(lines))


def split_sections(text):
    sections, name = {}, None
    for line in text.splitlines():
        if line.startswith(MARK):
            name = line[len(MARK):].strip()
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
    def __init__(self, label):
        self.label, self.failed, self.n = label, 0, 0

    def check(self, ok, what):
        self.n += 1
        if not ok:
            self.failed += 1
        print(f"{'ok  ' if ok else 'FAIL'} {self.label}: {what}")
        return ok


def verify(manifest_path, fmt, log_path):
    m = json.load(open(manifest_path))
    cache, planted = m["cache"], int(m.get("planted", 0))
    text = open(log_path, errors="replace").read()
    sec = split_sections(text)
    c = Checks(f"{m.get('scenario', '?')}/{fmt}")
    c.check("end" in sec, "crash ran every command (end marker reached)")
    kmem = parse_cache_line(sec.get("kmem", ""), cache)
    summ = parse_cache_line(sec.get("summary", ""), cache)
    if c.check(kmem is not None, f"kmem -s {cache} printed counts") and \
       c.check(summ is not None, f"memsim -s {cache} printed counts"):
        names = ("objsize", "allocated", "total", "slabs")
        for i, n in enumerate(names):
            c.check(kmem[i] == summ[i], f"{n}: memsim {summ[i]} == kmem -s {kmem[i]}")
        c.check(summ[1] >= planted, f"allocated {summ[1]} >= planted {planted}")
    return c.failed == 0


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
