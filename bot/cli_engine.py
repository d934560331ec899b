"""`mutasi solve` and `mutasi bench`: the rebalancing engine from the command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the `solve` and `bench` commands."""

    @app.command("solve")
    def solve_command(
        instance: Annotated[Path, typer.Argument(help="A mutasi-instance/1 JSON file.")],
        out: Annotated[Path | None, typer.Option("--out", help="Write the solution here.")] = None,
        time_limit: Annotated[
            float, typer.Option("--time-limit", help="Seconds for the solve.")
        ] = 60.0,
    ) -> None:
        """Solve a rebalancing instance; the solution JSON goes to --out or stdout."""
        # Imported here so the rest of the CLI never pays for numpy/OR-Tools.
        from core.rebalance import Instance, InstanceError, solve

        started = time.perf_counter()
        try:
            raw = instance.read_bytes()
        except OSError as exc:
            print(f"error: cannot read {instance}: {exc.strerror}", file=sys.stderr)
            raise typer.Exit(2) from None
        try:
            parsed = Instance.from_json(raw)
        except InstanceError as exc:
            print(f"error: {instance} is not a valid mutasi-instance/1:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
            raise typer.Exit(2) from None
        if time_limit <= 0:
            print("error: --time-limit must be positive", file=sys.stderr)
            raise typer.Exit(2)
        solution = solve(parsed, time_limit=time_limit)
        text = solution.to_json()
        if out is None:
            sys.stdout.write(text + "\n")
        else:
            out.write_text(text + "\n", encoding="utf-8")
        share = solution.share_unrealised
        print(
            f"{solution.status}: {len(solution.moves)} moves, objective {solution.objective:.1f} "
            f"(status quo {solution.status_quo_objective:.1f}, bound {solution.bound:.1f}, "
            f"at most {100 * share:.4f}% of the achievable improvement left), "
            f"{len(solution.not_granted)} aspirations not granted, "
            f"{time.perf_counter() - started:.2f} s",
            file=sys.stderr,
        )

    @app.command("bench")
    def bench_command(
        sizes: Annotated[str, typer.Option("--sizes", help="Comma-separated: S, M, L, XL.")] = (
            "S,M,L,XL"
        ),
        seed: Annotated[int, typer.Option("--seed", help="Instance generator seed.")] = 0,
        out: Annotated[
            Path | None, typer.Option("--out", help="Also write the results as JSON.")
        ] = None,
    ) -> None:
        """Compare the pipeline with single-move descent and CP-SAT alone on the same instances."""
        from core.rebalance.benchmark import format_table, rows_json, run_benchmark
        from core.rebalance.generator import BENCH_SIZES

        chosen = [s.strip().upper() for s in sizes.split(",") if s.strip()]
        unknown = [s for s in chosen if s not in BENCH_SIZES]
        if unknown or not chosen:
            print(f"error: unknown sizes {unknown}; use {','.join(BENCH_SIZES)}", file=sys.stderr)
            raise typer.Exit(2)
        rows = run_benchmark(chosen, seed=seed)
        print(format_table(rows))
        if out is not None:
            out.write_text(rows_json(rows, seed) + "\n", encoding="utf-8")
