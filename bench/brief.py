"""Benchmark: the offline brief interpreter on every evaluation brief.

    .venv/bin/python -m bench.brief [--repeat 20]

Prints the one-time cost of a process (imports, the vocabulary and places files, the English
word list) and then, per brief over ``--repeat`` warm runs, the time of ``interpret`` (reading,
resolving, and validating the edited spec with the spec model): median, 95th percentile and
maximum over the briefs. The interpreter's budget is 50 ms per brief; the exit code is 1 when
the slowest brief's median exceeds it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

BUDGET_MS = 50.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.brief", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    from agent.eval.run_eval import load_briefs
    from generators.brief import interpret

    imported = time.perf_counter()
    interpret("5,000 households in Texs")  # loads the vocabulary, places and word list
    warmed = time.perf_counter()
    print(
        f"imports {1000 * (imported - start):.0f} ms; first reading {1000 * (warmed - imported):.0f} ms"
    )

    per_brief: dict[str, float] = {}
    for brief in load_briefs():
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            interpret(brief["brief"])
            times.append(1000 * (time.perf_counter() - t))
        per_brief[brief["id"]] = statistics.median(times)
    ordered = sorted(per_brief.values())
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    slowest = max(per_brief, key=per_brief.get)
    print(
        f"{len(ordered)} briefs x {args.repeat}: median {statistics.median(ordered):.1f} ms, "
        f"p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms ({slowest}); budget {BUDGET_MS:.0f} ms"
    )
    return 0 if ordered[-1] <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
