#!/usr/bin/env python3
"""Compare the memsim -j reports of two builds on one sample dump, field by field.

  compare_reports.py commands MANIFEST MEMSIM_SO
        print the crash command file: the sample's module symbols, then one report per run
  compare_reports.py compare MANIFEST REFERENCE_LOG NEW_LOG [DIFF_FILE]
        compare the reports of the two crash logs; exit 1 on a difference not allowed below

Every field of every report is compared (the walk, the counts, the verdict, every cluster
with its examples, representative and per-offset consensus words and what their pointers
reach, the owner guesses), except the IGNORED ones.  A difference is printed as its path and
both values, e.g.

    chain/json/clusters/0/pattern/1/max: reference "0xfffe90c300000100", new "0xfffe90c300000000"

A path is SCENARIO/RUN/ and the JSON keys and list indexes down to the value (0-based, so
clusters/0 is rank 1); PATH/# is a list's number of entries.  Patterns in the tables below
match paths segment by segment: `*` and `?` within a segment (fnmatch), `**` any number of
segments.

The allow-list (ALLOWED) is where a deliberate change of the engine is documented: one row
per difference, with the rule the new value must satisfy and why it is right.  The rules:

    new <= reference                 a number that may only go down (fewer unclustered, ...)
    new >= reference                 a number that may only go up
    new a lower bound of the exact value   a lower bound: at most the exact value (the
                                     reference's value in the run's exact counterpart)
    new closer to the exact value    an estimate or a lower bound that may only get closer to
                                     the exact value: the reference's value at the same path in
                                     the run's exact counterpart (RUNS), the same report made
                                     without the memory cap (booleans count as 0 and 1, so an
                                     "estimated" flag may go from true to false, not back)
    new field                        a field the reference does not print
    any value                        the value may change freely (say why it carries nothing)
    where the allocation sites were weighed   only in a report (the new build's, that run)
                                     of a cache with SLUB's tracks whose owner guess counted an
                                     allocation site, or says why one could not be asked
    new where the reference had none a value where the reference had null or nothing
    where headers or arrays were candidates   only in a report (the new build's, that run)
                                     whose dominant cluster's examples show a length field
                                     (clusters[].payload.length_fields) or whose owner note
                                     counts structs scored as arrays
A difference that several rows match is allowed when any one of their rules holds.
"""
import fnmatch
import json
import os
import sys

sys.dont_write_bytecode = True    # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the integration test: section markers, module rules)

# The reports made in each crash session: (run name, memsim options, exact counterpart).
# The counterpart is the run with the same options but no memory cap, whose counts are exact.
RUNS = [
    ("json", "-j -f -n 5", None),        # the report the integration test checks
    ("alloc", "-j -n 64", None),         # without -f, every cluster kept (64 at most)
    ("all", "-j -f -n 64", None),        # free objects too, every cluster kept of each class
    ("lowmem", "-j -f -m 2", "json"),    # a 2 MiB cap: content estimates and lower bounds
]

# Fields that may differ without the analysis differing: (path pattern, reason).
IGNORED = [
    ("*/*/counts/memory_peak", "bytes the engine held at most: a property of its data "
     "structures, not of what it found"),
    ("*/*/memsim_version", "the build that wrote the report (VERSION and the commit), not what "
     "it found"),
]

# Deliberate differences of the new engine: (path pattern, rule, reason).  Keep it empty
# unless a change is meant; every row needs a reason.
ALLOWED = [
    # The heavy-hitter tables became Misra-Gries with batched sweeps (analysis/hhtable.h)
    # instead of Space-Saving with a min-heap.  Without a cap nothing differs; under -m 2 the
    # tables overflow and these do:
    ("*/lowmem/clusters/*/largest_identical", "new a lower bound of the exact value",
     "a lower bound once the content table overflowed: Misra-Gries' count replaces "
     "Space-Saving's count - err; neither bound dominates the other (on a fresh dump the "
     "reference said 16 and the new engine 15 for one cluster), and both must never exceed "
     "the exact group size"),
    ("*/lowmem/counts/distinct_contents", "new closer to the exact value",
     "the HyperLogLog estimate is now capped at the allocated objects counted (it could say "
     "~26,249,931 contents for 26,000,509 objects), which only brings it closer"),
    ("*/lowmem/counts/evictions", "any value",
     "how many keys the bounded pattern table dropped in pass 1: a property of the counting "
     "algorithm (a sweep frees about half the table at once); any eviction makes the exact "
     "second pass, whose counts are compared field by field"),
    ("*/lowmem/counts/unclustered", "any value",
     "under a 2 MiB cap only the biggest few dozen patterns become candidates, and which "
     "patterns of the tail make the cut depends on the algorithm's pass-1 counts (upper bounds "
     "then, lower bounds now); the listed clusters are compared field by field and are equal"),
    ("*/lowmem/counts/clusters_total", "any value",
     "the same tail of candidates: clusters found beyond the listed ones"),
    ("*/lowmem/clusters/*/patterns_merged", "any value",
     "the same tail of candidates: how many of the candidate patterns a listed cluster took "
     "in (user-keys: 2 then, 1 now, for a cluster whose count, words and examples are equal)"),
    # The walk is cross-checked with the cache's node counters (notes added, never removed).
    ("*/*/cache/notes/node_slabs", "new field", "what the node counters count"),
    ("*/*/cache/notes/node_objects", "new field", "what the node counters count"),
    ("*/*/cache/notes/slabs_missing", "new field", "counted there, not in the memory map"),
    ("*/*/cache/notes/objects_missing", "new field", "their objects"),
    ("*/*/cache/notes/slabs_extra", "new field", "in the memory map beyond the counters"),
    ("*/*/cache/notes/slabs_implausible", "new field", "struct slabs with impossible counters"),
    ("*/*/cache/notes/cpu_slabs_missing", "new field", "CPU active slabs never met"),
    ("*/*/cache/notes/sheaf_objects_dropped", "new field", "sheaf-held objects not kept"),
    ("*/*/follow", "new field", "what pointer following cost and missed"),
    ("*/*/follow/*", "new field", "what pointer following cost and missed"),
    # SLUB's own record on a slub_debug cache (SLAB_STORE_USER tracks, red zone and poison
    # checks): printed only where the cache keeps them, nothing else changes.
    ("*/*/slub_debug", "new field", "the cache's slub_debug flags, HZ, and what the checks found"),
    ("*/*/verdict/tracks", "new field", "the leading cluster's allocation sites and ages"),
    ("*/*/clusters/*/tracks", "new field", "how many of the cluster's objects have tracks"),
    ("*/*/clusters/*/alloc_sites", "new field", "allocating call sites with their stacks"),
    ("*/*/clusters/*/age_s", "new field", "ages of the allocations"),
    ("*/*/clusters/*/free_tracks", "new field", "how many free objects have free tracks"),
    ("*/*/clusters/*/free_sites", "new field", "freeing call sites with their stacks"),
    ("*/*/clusters/*/free_age_s", "new field", "ages of the frees"),
    # Every listed cluster has its own owner guesses (the dominant one's equal the top level's),
    # so every listed cluster's words are resolved and followed, not only the first three's.
    ("*/*/clusters/*/owner", "new field", "the cluster's own owner guesses"),
    *[(f"*/*/clusters/{rank}/pattern/*/{field}", "new where the reference had none",
       "clusters past the third are resolved and followed now: a symbol or target is added")
      for rank in ("[3-9]", "[1-9][0-9]") for field in ("symbol", "target")],
    *[(f"*/*/clusters/{rank}/pattern/*/meaning", "any value",
       "clusters past the third: the meaning now says what the added symbol or target is")
      for rank in ("[3-9]", "[1-9][0-9]")],
    # Each owner guess states how likely it is right (owner.h, docs/CALIBRATION.md).
    ("*/*/owner/guesses/*/confidence", "new field", "the guess's calibrated probability"),
    ("*/*/clusters/*/owner/guesses/*/confidence", "new field",
     "the guess's calibrated probability"),
    # The owner guess weighs the struct types in scope at the allocation sites (owner.h).
    ("*/*/owner/guesses/*/allocated_at", "new field", "the allocation site that counted"),
    # Header + payload objects (payload.h): what the examples show, and the owner guesses
    # that weigh a header's length member where one was found (owner.h).
    ("*/*/clusters/*/payload", "new field", "the examples' length fields"),
    ("*/*/owner/**", "where headers or arrays were candidates",
     "a header smaller than the size class becomes a candidate and a length member counts, or "
     "structs of a repeating pattern's period are scored as arrays: the guesses, their scores "
     "and the note's count of structs change only where the examples show a length field or "
     "the note counts arrays"),
    ("*/*/owner/**", "where the allocation sites were weighed",
     "on a cache with SLUB's tracks the guesses gain the allocating function's evidence (its "
     "score, margin, order and evidence lines change); elsewhere nothing may"),
]

# Differences printed per run and per sample (the first of each run say the most: a cluster
# that changes shifts the ranks after it); DIFF_FILE gets all of them.
MAX_PRINTED_RUN, MAX_PRINTED = 10, 40


def commands(manifest_path, so):
    """The crash command file: as the integration test loads the sample, then each run."""
    m = json.load(open(manifest_path))
    lines = [f"extend {so}"]
    # crash opens some generations only with --no_modules: no module symbols then.
    modules = [] if check.no_modules(m) else check.manifest_modules(m)
    lines += [f"mod -s {mod['name']} {mod['path']}" for mod in modules]
    for name, options, _ in RUNS:
        lines.append(f"!echo '{check.MARK}{name}'")
        lines.append(f"memsim {options} {m['cache']}")
    lines.append(f"!echo '{check.MARK}end'")
    lines.append("quit")
    print("\n".join(lines))


def matches(pattern, path):
    def rec(p, s):
        if not p:
            return not s
        if p[0] == "**":
            return any(rec(p[1:], s[i:]) for i in range(len(s) + 1))
        return bool(s) and fnmatch.fnmatchcase(s[0], p[0]) and rec(p[1:], s[1:])
    return rec(pattern.split("/"), path.split("/"))


ABSENT = object()


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def same(a, b):
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def diff(ref, new, path, out, counter):
    """Append (path, reference value, new value) for every difference under @path."""
    if any(matches(p, path) for p, _ in IGNORED):
        return
    if isinstance(ref, dict) and isinstance(new, dict):
        for k in list(ref) + [k for k in new if k not in ref]:
            diff(ref.get(k, ABSENT), new.get(k, ABSENT), f"{path}/{k}", out, counter)
    elif isinstance(ref, list) and isinstance(new, list):
        counter[0] += 1
        if len(ref) != len(new):
            out.append((f"{path}/#", len(ref), len(new)))
        for i in range(min(len(ref), len(new))):
            diff(ref[i], new[i], f"{path}/{i}", out, counter)
    else:
        counter[0] += 1
        if not same(ref, new):
            out.append((path, ref, new))


def show(v, other=None):
    """A value for a difference line; a long string around where it differs from @other."""
    if v is ABSENT:
        return "(absent)"
    s = json.dumps(v)
    if isinstance(v, str) and isinstance(other, str) and len(s) > 80:
        at = next((i for i, (a, b) in enumerate(zip(v, other)) if a != b), min(len(v), len(other)))
        lo = max(0, at - 20)
        hi = min(len(v), lo + 60)
        return f"chars {lo}-{hi} of {len(v)}: {json.dumps(v[lo:hi])}"
    return s if len(s) <= 200 else s[:200] + "..."


def number(v):
    if isinstance(v, bool):
        return int(v)
    return v if is_number(v) else None


def exact_value(path, exact_reports):
    """The reference's value at @path in the exact counterpart of the path's run."""
    scen, run, rest = (path.split("/", 2) + ["", ""])[:3]
    counterpart = {name: exact for name, _, exact in RUNS}.get(run)
    if not counterpart or counterpart not in exact_reports:
        return ABSENT
    v = exact_reports[counterpart]
    for k in rest.split("/") if rest else []:
        if isinstance(v, dict) and k in v:
            v = v[k]
        elif isinstance(v, list) and k.isdigit() and int(k) < len(v):
            v = v[int(k)]
        else:
            return ABSENT
    return v


def closer(ref, new, exact):
    r, n, x = number(ref), number(new), number(exact)
    return None not in (r, n, x) and abs(n - x) <= abs(r - x)


def weighed_sites(report):
    """Did the owner guess of @report (the new build's, one run) weigh SLUB's allocation
    sites: a cache with tracks, and a guess that counted one or a note on a site not asked?"""
    if not report or (report.get("slub_debug") or {}).get("tracks") is not True:
        return False
    owner = report.get("owner") or {}
    return (any("allocated_at" in g for g in owner.get("guesses") or []) or
            "allocation site" in (owner.get("note") or ""))


def new_candidates(report):
    """Did @report (the new build's, one run) have headers or arrays among the candidates of
    its dominant cluster, whose owner the top-level guesses are: a length field in that
    cluster's examples, or arrays counted in the owner note?"""
    if not report:
        return False
    owner = report.get("owner") or {}
    dom = next((x for x in report.get("clusters") or [] if x.get("rank") == owner.get("cluster")),
               {})
    return (bool((dom.get("payload") or {}).get("length_fields")) or
            " as arrays of " in (owner.get("note") or ""))


# Each rule sees the reference's and the new value, the exact counterpart's value, and the
# new build's whole report of that run.
RULES = {
    "new <= reference": lambda ref, new, exact, rep: None not in (number(ref), number(new)) and
    number(new) <= number(ref),
    "new >= reference": lambda ref, new, exact, rep: None not in (number(ref), number(new)) and
    number(new) >= number(ref),
    "new closer to the exact value": lambda ref, new, exact, rep: closer(ref, new, exact),
    "new a lower bound of the exact value": lambda ref, new, exact, rep: None not in (
        number(new), number(exact)) and 0 <= number(new) <= number(exact),
    "new field": lambda ref, new, exact, rep: ref is ABSENT,
    "any value": lambda ref, new, exact, rep: True,
    "where the allocation sites were weighed": lambda ref, new, exact, rep: weighed_sites(rep),
    "where headers or arrays were candidates": lambda ref, new, exact, rep: new_candidates(rep),
    "new where the reference had none": lambda ref, new, exact, rep: ref is ABSENT or ref is None,
}


def check_tables():
    bad = [row for row in ALLOWED if len(row) != 3 or row[1] not in RULES or not str(row[2]).strip()]
    bad += [row for row in IGNORED if len(row) != 2 or not str(row[1]).strip()]
    for row in bad:
        print(f"compare_reports.py: bad table row {row!r}: need (pattern, rule, reason) with a "
              f"rule among {sorted(RULES)}, or (pattern, reason)", file=sys.stderr)
    return not bad


def reports(log_path):
    text = open(log_path, errors="replace").read()
    sec = check.split_sections(text)
    return "end" in sec, {name: check.load_report(sec.get(name, "")) for name, _, _ in RUNS}, sec


def refusal(section):
    """The one-line error memsim gave instead of a report ("memsim: ..."), or None."""
    lines = [x for x in (section or "").splitlines() if x.startswith("memsim: ")]
    return lines[0] if len(lines) == 1 else None


def compare(manifest_path, ref_log, new_log, diff_file=None):
    if not check_tables():
        return 2
    m = json.load(open(manifest_path))
    scen = m.get("scenario", "?")
    ref_end, ref, ref_sec = reports(ref_log)
    new_end, new, new_sec = reports(new_log)
    # A run both builds refuse, each with a one-line error (a 2 MiB cap cannot hold the
    # tables for 1 KiB objects; the wording may have changed), has no report to compare.
    refused = {name: refusal(new_sec.get(name)) for name, _, _ in RUNS
               if ref[name] is None and new[name] is None and
               refusal(ref_sec.get(name)) and refusal(new_sec.get(name))}
    problems = []
    for side, end, reps in (("reference", ref_end, ref), ("new", new_end, new)):
        if not end:
            problems.append(f"the {side} crash session did not run every command (no end marker)")
        problems += [f"the {side} build printed no JSON report for run {name} "
                     f"(memsim {opts} {m['cache']})"
                     for name, opts, _ in RUNS if reps[name] is None and name not in refused]
    if problems:
        print(f"FAIL equal-reports: {scen}: {problems[0]}")
        for p in problems[1:]:
            print(f"     {p}")
        return 1
    diffs, counter = [], [0]
    for name, _, _ in RUNS:
        if name not in refused:
            diff(ref[name], new[name], f"{scen}/{name}", diffs, counter)
    failed, lines = 0, []   # lines: (run, text), in the order found
    for path, r, n in diffs:
        # Where several rows match, the difference is allowed when any one of them holds.
        rows = [row for row in ALLOWED if matches(row[0], path)]
        held = [row for row in rows
                if RULES[row[1]](r, n, exact_value(path, ref), new.get(path.split("/")[1]))]
        row = (held or rows or [None])[0]
        line = f"{path}: reference {show(r, n)}, new {show(n, r)}"
        if held:
            line = f"allowed {line} ({row[1]}: {row[2]})"
        else:
            failed += 1
            if row:
                line += f" (allow-list rule '{row[1]}' does not hold)"
        lines.append((path.split("/")[1], line))
    if diff_file:
        with open(diff_file, "w") as f:
            f.writelines(line + "\n" for _, line in lines)
    what = f"{len(RUNS) - len(refused)} reports, {counter[0]} values compared" + "".join(
        f"; run {name} refused alike by both: {msg}" for name, msg in refused.items())
    if failed:
        print(f"FAIL equal-reports: {scen}: {failed} differences ({what})")
    else:
        extra = f", {len(lines)} allowed differences" if lines else ""
        print(f"ok   equal-reports: {scen}: reports equal ({what}{extra})")
    shown, total = {}, {}
    for run, line in lines:
        total[run] = total.get(run, 0) + 1
        if total[run] <= MAX_PRINTED_RUN and sum(shown.values()) < MAX_PRINTED:
            print(f"     {line}")
            shown[run] = shown.get(run, 0) + 1
    if sum(shown.values()) < len(lines):
        print(f"     ... {len(lines) - sum(shown.values())} more ("
              + ", ".join(f"{run} {k - shown.get(run, 0)}" for run, k in total.items()
                          if k > shown.get(run, 0))
              + (f"), all in {diff_file}" if diff_file else ")"))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "commands":
        commands(argv[2], argv[3])
        return 0
    if len(argv) in (5, 6) and argv[1] == "compare":
        return compare(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
