#!/usr/bin/env python3
"""Is the owner guess's stated confidence calibrated on the sample scenarios?

  calibration.py RESULTS.jsonl...

Reads the integration runs' records (check.py writes one per scenario and dump format, with
the top owner guess's stated confidence and whether it named the planted struct), keeps one
per kernel generation and scenario (the dump formats of one scenario state the same), and
prints a reliability table.  Fails when the guesses stated at 90 % or more are right less
than 90 % of the time, or when no scenario with a planted struct was recorded.  A scenario
memsim refused to name (no guess) states nothing and is listed apart.
"""
import json
import sys

BINS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.95), (0.95, 1.0001)]


def load(paths):
    seen = {}
    for path in paths:
        try:
            lines = open(path).read().splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            owner = rec.get("owner")
            if owner:
                seen.setdefault((rec.get("generation"), rec.get("scenario")), owner)
    return seen


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    seen = load(argv[1:])
    stated = {k: o for k, o in seen.items() if isinstance(o.get("confidence"), (int, float))}
    refused = sorted(f"{g}/{s}" for (g, s), o in seen.items() if (g, s) not in stated)
    print("| stated confidence | guesses | mean stated | right |")
    print("|---|---|---|---|")
    for lo, hi in BINS:
        inbin = [o for o in stated.values() if lo <= o["confidence"] < hi]
        mean = sum(o["confidence"] for o in inbin) / len(inbin) if inbin else 0
        right = sum(o["right"] for o in inbin) / len(inbin) if inbin else 0
        print(f"| {lo * 100:.0f}..{min(hi, 1) * 100:.0f} % | {len(inbin)} | "
              f"{mean * 100:.1f} % | {right * 100:.1f} % |")
    for (g, s), o in sorted(stated.items()):
        print(f"  {g} {s}: {o['type']} stated {o['confidence'] * 100:.1f} %, "
              f"{'right' if o['right'] else 'wrong (planted ' + o['want'] + ')'}")
    if refused:
        print("  no guess: " + ", ".join(refused))
    high = [o for o in stated.values() if o["confidence"] >= 0.9]
    ok_high = sum(o["right"] for o in high)
    print(f"stated >= 90%: {len(high)} guesses, {ok_high} right")
    if not seen:
        print("FAIL calibration: no scenario with a planted struct was recorded")
        return 1
    if high and ok_high * 10 < len(high) * 9:
        print("FAIL calibration: guesses stated at 90 % or more are right less than 90 % "
              "of the time")
        return 1
    print("ok   calibration: guesses stated at 90 % or more are right at least 90 % of the time")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
