"""``python -m bench`` (``make bench``) and ``python -m bench --quick`` (``make bench-quick``).

Prints one table (measurements, then every target with PASS or MISS) and writes ``bench/results.json``.
Exit status 0 even when targets are missed -- a MISS is a finding -- and 1 only when a measurement could not be
made, so a broken benchmark is never mistaken for a slow bot.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import report
from bench.run import FULL, QUICK, RESULTS, failed, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 terms only (under 30 s): the before-commit check")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--no-roundtrip", action="store_true", help="skip the emulator round trip")
    args = parser.parse_args(argv)
    results = run(QUICK if args.quick else FULL, args.out, skip_roundtrip=args.no_roundtrip)
    print(report.table(results))
    problems = failed(results)
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
