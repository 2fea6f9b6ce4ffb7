#!/usr/bin/env python3
"""How far two `critnet reproduce` runs agree, case by case (their summary.json files).

    scripts/compare_verdicts.py RUN_A/summary.json RUN_B/summary.json

Used for the portability check of docs/results.md: the same command with --threads 1 and
--threads 2 (a proxy for two CPUs: the reductions, hence the trained weights, differ in the
last bits and then more). Prints, per treatment arm, how many counted measure x layer cases
(every case but "untested") get the same verdict (treatment only / both / neither / baseline
only / incomplete), then the per-arm seed counts that differ. Exit status 0 always: it
measures, the reader judges.
"""
import json
import sys


def contrasts(doc):
    out = {}
    for case in doc["cases"]:
        for arm, c in case["contrasts"].items():
            out[(arm, case["measure"], case["layer"])] = c["contrast"]
    return out


def seed_counts(doc):
    out = {}
    for case in doc["cases"]:
        for arm, v in case["arms"].items():
            out[(arm, case["measure"], case["layer"])] = v.get("scale_invariant_seeds")
    return out


def main():
    a, b = (json.load(open(path)) for path in sys.argv[1:3])
    ca, cb = contrasts(a), contrasts(b)
    arms = sorted({k[0] for k in ca})
    total_same = total = 0
    for arm in arms:
        keys = [k for k in ca if k[0] == arm and ca[k] != "untested"]
        same = sum(ca[k] == cb.get(k) for k in keys)
        total_same += same
        total += len(keys)
        print(f"{arm} vs baseline: {same} of {len(keys)} counted cases agree")
        for k in keys:
            if ca[k] != cb.get(k):
                print(f"  differs: {k[1]} layer {k[2]}: {ca[k]} vs {cb.get(k)}")
    print(f"all arms: {total_same} of {total} counted cases agree "
          f"({100.0 * total_same / max(total, 1):.1f}%)")
    sa, sb = seed_counts(a), seed_counts(b)
    differ = [k for k in sa if sa[k] != sb.get(k)]
    print(f"seed counts (scale invariant in k of n seeds): {len(sa) - len(differ)} of {len(sa)} "
          f"arm x measure x layer entries agree")
    for k in differ:
        print(f"  differs: {k[0]} {k[1]} layer {k[2]}: {sa[k]} vs {sb.get(k)} seeds")


if __name__ == "__main__":
    main()
