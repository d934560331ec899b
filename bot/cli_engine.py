"""`mutasi solve` and `mutasi bench`: the rebalancing engine from the command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_text import examples, fail, fail_text, t


def register(app: typer.Typer) -> None:
    """Add the `solve` and `bench` commands."""

    @app.command(
        "solve",
        epilog=examples(
            "mutasi solve instance.json --out solution.json",
            "mutasi solve instance.json --time-limit 10",
        ),
    )
    def solve_command(
        instance: Annotated[
            Path, typer.Argument(help="Berkas JSON mutasi-instance/1. / A mutasi-instance/1 file.")
        ],
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Tulis solusi ke sini. / Write the solution here."),
        ] = None,
        time_limit: Annotated[
            float, typer.Option("--time-limit", help="Batas waktu (detik). / Seconds allowed.")
        ] = 60.0,
    ) -> None:
        """Selesaikan instance penyeimbangan; JSON solusi ke --out atau stdout.
        / Solve a rebalancing instance; the solution JSON goes to --out or stdout."""
        # Imported here so the rest of the CLI never pays for numpy/OR-Tools.
        from core.rebalance import Instance, InstanceError, solve

        started = time.perf_counter()
        try:
            raw = instance.read_bytes()
        except OSError as exc:
            fail("cli.cannot_read", 2, path=str(instance), reason=exc.strerror or str(exc))
        try:
            parsed = Instance.from_json(raw)
        except InstanceError as exc:
            details = "".join(f"\n  - {problem}" for problem in exc.problems)
            fail_text(t("cli.instance_invalid", path=str(instance)) + details, 2)
        if time_limit <= 0:
            fail("cli.time_limit_positive", 2)
        solution = solve(parsed, time_limit=time_limit)
        text = solution.to_json()
        if out is None:
            sys.stdout.write(text + "\n")
        else:
            out.write_text(text + "\n", encoding="utf-8")
        share = solution.share_unrealised
        print(
            t(
                "cli.solve_summary",
                status=solution.status,
                moves=len(solution.moves),
                objective=round(solution.objective, 1),
                status_quo=round(solution.status_quo_objective, 1),
                bound=round(solution.bound, 1),
                left=round(100 * share, 4),
                not_granted=len(solution.not_granted),
                seconds=round(time.perf_counter() - started, 2),
            ),
            file=sys.stderr,
        )

    @app.command(
        "bench",
        epilog=examples(
            "mutasi bench --sizes S,M --seed 0", "mutasi bench --sizes S --out results.json"
        ),
    )
    def bench_command(
        sizes: Annotated[
            str, typer.Option("--sizes", help="Ukuran dipisah koma / comma-separated: S,M,L,XL.")
        ] = "S,M,L,XL",
        seed: Annotated[
            int, typer.Option("--seed", help="Benih pembuat instance. / Generator seed.")
        ] = 0,
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Tulis juga hasil sebagai JSON. / Also write JSON here."),
        ] = None,
    ) -> None:
        """Bandingkan pipeline dengan descent dan CP-SAT saja pada instance yang sama.
        / Compare the pipeline with single-move descent and CP-SAT alone."""
        from core.rebalance.benchmark import format_table, rows_json, run_benchmark
        from core.rebalance.generator import BENCH_SIZES

        chosen = [s.strip().upper() for s in sizes.split(",") if s.strip()]
        unknown = [s for s in chosen if s not in BENCH_SIZES]
        if unknown or not chosen:
            fail("cli.bench_sizes", 2, sizes=",".join(unknown) or "-", known=",".join(BENCH_SIZES))
        rows = run_benchmark(chosen, seed=seed)
        print(format_table(rows))
        if out is not None:
            out.write_text(rows_json(rows, seed) + "\n", encoding="utf-8")
