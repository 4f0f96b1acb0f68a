"""The plausibility checks (kpi.plausibility.check) at national size, against a baseline
of the same run.

    python -m bench.plausibility [--courts 400] [--repeats 7]

Input: the clean yearly facts and resources of ``--courts`` courts over 2020-2025, as
tests/test_plausibility.yearly_data makes them (four categories, log-normal sizes).
Baseline: one pandas group-by sum of the same facts per court and category, the least
any check over court series must do. Prints the median and best of each and their
ratio; the goal (printed, never asserted; this was a timed test before) is the checks
well under half a second, so a page or an upload review never waits on them.
"""

from __future__ import annotations

import argparse
import statistics
import time

from kpi.plausibility import check
from tests.test_plausibility import yearly_data

GOAL_S = 0.5


def _times(run, repeats: int) -> list[float]:
    run()  # warm-up: imports, caches
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courts", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    facts, resources = yearly_data(3, n_courts=args.courts, years=tuple(range(2020, 2026)))
    key = ["court_code", "category"]
    baseline = _times(lambda: facts.groupby(key)[["incoming", "resolved"]].sum(),
                      args.repeats)
    checks = _times(lambda: check(facts, resources), args.repeats)
    print(f"{len(facts):,} fact rows, {len(resources):,} resource rows, "
          f"{args.repeats} repeats after one warm-up")
    for name, times in (("baseline (group-by sum)", baseline), ("plausibility checks", checks)):
        print(f"  {name:26} median {statistics.median(times) * 1000:8.1f} ms   "
              f"best {min(times) * 1000:8.1f} ms")
    ratio = statistics.median(checks) / statistics.median(baseline)
    print(f"  checks / baseline: {ratio:.1f}x; goal: checks under {GOAL_S} s "
          f"({'met' if statistics.median(checks) < GOAL_S else 'not met'})")


if __name__ == "__main__":
    main()
