"""`mutasi solve` and `mutasi bench`: the rebalancing engine from the command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_options import SampleSeed
from bot.cli_text import command, fail, fail_text, t


def register(app: typer.Typer) -> None:
    """Add the `solve` and `bench` commands."""

    @command(
        app,
        "solve",
        "mutasi solve instance.json --out solution.json",
        "mutasi solve instance.json --time-limit 10",
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

    @command(
        app,
        "bench",
        "mutasi bench --sizes S,M --out results.json",
        "mutasi bench --sizes S,M,L,XL --readme README.md --out results.json",
        "mutasi bench --sizes L --postgres-url postgresql://bench@localhost/bench",
        "mutasi bench --from-json results.json --readme README.md",
    )
    def bench_command(
        sizes: Annotated[
            str, typer.Option("--sizes", help="Ukuran dipisah koma / comma-separated: S,M,L,XL.")
        ] = "S,M,L",
        seed: SampleSeed = 1,
        time_limit: Annotated[
            float,
            typer.Option("--time-limit", help="Batas waktu solver (detik). / Solver seconds."),
        ] = 60.0,
        postgres_url: Annotated[
            str | None,
            typer.Option(
                "--postgres-url",
                help="Juga di PostgreSQL ini (dikosongkan!). / Also on this PostgreSQL "
                "database (emptied!).",
            ),
        ] = None,
        reference_sizes: Annotated[
            str,
            typer.Option(
                "--reference-sizes", help="LP HiGHS biasa pada ukuran ini. / Plain LP at these."
            ),
        ] = "L",
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Tulis juga hasil sebagai JSON. / Also write JSON here."),
        ] = None,
        readme: Annotated[
            Path | None,
            typer.Option(
                "--readme", help="Tulis tabel ke berkas ini. / Write the tables into this file."
            ),
        ] = None,
        from_json: Annotated[
            Path | None,
            typer.Option(
                "--from-json", help="Tanpa mengukur: tabel dari JSON ini. / Tables from this JSON."
            ),
        ] = None,
    ) -> None:
        """Ukur langkah malam (snapshot, solve, simpan, antrean) pada agensi contoh.
        / Measure the nightly step (snapshot, solve, store, queue) on the sample agency."""
        from benchmarks.nightly import (
            SIZES,
            BenchError,
            BenchResults,
            render_tables,
            replace_block,
            run_bench,
        )

        chosen = [s.strip().upper() for s in sizes.split(",") if s.strip()]
        unknown = [s for s in chosen if s not in SIZES]
        if unknown or not chosen:
            fail("cli.bench_sizes", 2, sizes=",".join(unknown) or "-", known=",".join(SIZES))
        if time_limit <= 0:
            fail("cli.time_limit_positive", 2)
        if from_json is not None:
            try:
                results = BenchResults.from_json(from_json.read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                fail("cli.bench_results_unreadable", 2, path=str(from_json), reason=str(exc))
        else:
            # What produced the figures, without local paths or the server's address.
            command = (
                f"mutasi bench --sizes {','.join(chosen)} --seed {seed} "
                f"--time-limit {time_limit:g}" + (" --postgres-url …" if postgres_url else "")
            )
            try:
                results = run_bench(
                    chosen,
                    seed=seed,
                    time_limit=time_limit,
                    postgres_url=postgres_url,
                    reference_sizes=[s.strip().upper() for s in reference_sizes.split(",")],
                    command=command,
                    progress=lambda line: print(line, file=sys.stderr, flush=True),
                )
            except BenchError as exc:
                fail("cli.bench_failed", 1, reason=str(exc))
            if out is not None:
                out.write_text(results.to_json(), encoding="utf-8")
        tables = render_tables(results)
        print(tables)
        if readme is not None:
            try:
                text = readme.read_text(encoding="utf-8")
                readme.write_text(replace_block(text, tables), encoding="utf-8")
            except (OSError, ValueError) as exc:
                fail("cli.bench_readme", 2, path=str(readme), reason=str(exc))
