"""Rebalancing benchmark (same code as `mutasi bench`): python benchmarks/bench_rebalance.py."""

from __future__ import annotations

import argparse

from benchmarks.solvers import format_table, rows_json, run_benchmark


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="S,M,L,XL")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    rows = run_benchmark([s.strip().upper() for s in args.sizes.split(",")], seed=args.seed)
    print(format_table(rows))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(rows_json(rows, args.seed) + "\n")


if __name__ == "__main__":
    main()
