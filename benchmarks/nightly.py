"""`mutasi bench`: the nightly step measured end to end on the sample agency.

For each size (S, M, L, XL of `generate_sample_agency`) and each database (SQLite always,
PostgreSQL when a server URL is given) three processes run one after the other:

1. `load`: an empty database is migrated and filled with the sample agency (units, ASN, ABK,
   the jabatan catalogue, aspirations, role grants, a Telegram chat for the admin and the
   approver), and the optimiser's instance of that night is written for the reference LP;
2. `step`: the nightly step exactly as the bot's job runs it (`core.usecases.planning.propose_plan`
with
   the engine and the default settings: snapshot -> solve -> store -> queue), timed per phase,
   with the process's resident memory sampled every 20 ms to give each phase's peak;
3. `reference` (at the sizes asked for, L by default): a plain HiGHS LP of the whole model
   (`benchmarks.reference_lp`), so the engine is compared with simply handing the LP to HiGHS.

The whole-process peak (`ru_maxrss`) of each child is read by the parent with `wait4`. The
results are JSON (`--out`) and can be written into README.md between the markers
`<!-- mutasi-bench:begin -->` and `<!-- mutasi-bench:end -->` (`--readme`). Tests check the JSON
shape and the table rendering, never a time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: The sizes of the sample agency the bench knows (bot.sample_agency.SIZE_PROFILES).
SIZES = ("S", "M", "L", "XL")
#: The nightly step's phases as reported, in order; the engine's part of the solve comes from
#: its own `stats["phase_seconds"]` (whatever it does not account for is `instance`).
STEP_PHASES = (
    "snapshot",
    "instance",
    "candidates",
    "first_plan",
    "lp",
    "integer_plan",
    "validation",
    "explanations",
    "store",
    "queue",
)
PHASE_NAMES = {
    "snapshot": "snapshot",
    "instance": "instance",
    "candidates": "candidates",
    "first_plan": "first plan",
    "lp": "LP",
    "integer_plan": "integer plan",
    "validation": "validation",
    "explanations": "explanations",
    "store": "store",
    "queue": "queue",
}
RESULTS_FORMAT = "mutasi-bench/2"
BEGIN_MARKER = "<!-- mutasi-bench:begin -->"
END_MARKER = "<!-- mutasi-bench:end -->"
#: The night the bench plans for: 01:00 in Jakarta on a Tuesday (working hours follow).
NIGHT = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)
#: Chat ids given to the admin's and the approver's Telegram accounts.
FIRST_CHAT_ID = 700_000
SAMPLE_PERIOD_SECONDS = 0.02


class BenchError(RuntimeError):
    """The bench cannot run as asked (a database that holds other data, a child that failed)."""


# ------------------------------------------------------------------------------------ memory


def rss_mib() -> float:
    """The resident set size of this process now (MiB), from /proc; the peak where there is
    no /proc (ru_maxrss)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class RssSampler:
    """Samples this process's resident memory every PERIOD seconds in a daemon thread."""

    def __init__(self, period: float = SAMPLE_PERIOD_SECONDS) -> None:
        self.period = period
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), rss_mib()))
            self._stop.wait(self.period)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter(), rss_mib()))

    def peak(self, start: float, end: float) -> float:
        """The highest sample taken between START and END (perf_counter seconds), or the
        nearest one before START when the window is shorter than the period."""
        inside = [mib for at, mib in self.samples if start <= at <= end]
        if inside:
            return max(inside)
        before = [mib for at, mib in self.samples if at <= start]
        return before[-1] if before else (self.samples[0][1] if self.samples else 0.0)


# ------------------------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of the nightly step: wall seconds and the peak resident memory (MiB)."""

    name: str
    seconds: float
    peak_mib: float


@dataclass(frozen=True, slots=True)
class StepRun:
    """The nightly step on one size and one database."""

    size: str
    database: str
    employees: int
    units: int
    phases: tuple[Phase, ...]
    seconds: float  # the step end to end, inside the process
    process_seconds: float  # the whole child process (Python start, imports, the step)
    process_peak_mib: float
    status: str
    objective: float
    bound: float
    status_quo: float
    moves: int
    columns_allowed: int | None = None
    load_seconds: float = 0.0

    @property
    def solve_seconds(self) -> float:
        """Seconds of the solve (instance build and the engine's phases)."""
        engine = {"instance", "candidates", "first_plan", "lp", "integer_plan"}
        engine |= {"validation", "explanations", "solve"}
        return sum(p.seconds for p in self.phases if p.name in engine)


@dataclass(frozen=True, slots=True)
class ReferenceRun:
    """The plain HiGHS LP of the whole model on the same night's instance."""

    size: str
    status: str
    seconds: float | None = None
    build_seconds: float | None = None
    objective: float | None = None
    columns: int | None = None
    process_peak_mib: float | None = None


@dataclass(frozen=True, slots=True)
class BenchResults:
    """Everything one `mutasi bench` run measured, with what produced it."""

    seed: int
    time_limit: float
    cpu_count: int | None
    command: str
    runs: tuple[StepRun, ...]
    references: tuple[ReferenceRun, ...] = ()
    measured_on: str = ""
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> str:
        """The results as a `mutasi-bench/2` JSON document."""
        return json.dumps({"format": RESULTS_FORMAT, **asdict(self)}, indent=2) + "\n"

    @staticmethod
    def from_json(text: str) -> BenchResults:
        """Read results back (ValueError on another format)."""
        raw = json.loads(text)
        if raw.get("format") != RESULTS_FORMAT:
            raise ValueError(f"format: expected {RESULTS_FORMAT}, got {raw.get('format')!r}")
        runs = tuple(
            StepRun(**{**r, "phases": tuple(Phase(**p) for p in r["phases"])}) for r in raw["runs"]
        )
        return BenchResults(
            seed=int(raw["seed"]),
            time_limit=float(raw["time_limit"]),
            cpu_count=raw.get("cpu_count"),
            command=str(raw.get("command", "")),
            runs=runs,
            references=tuple(ReferenceRun(**r) for r in raw.get("references", ())),
            measured_on=str(raw.get("measured_on", "")),
            notes=tuple(raw.get("notes", ())),
        )

    def best_bound(self, size: str) -> float | None:
        """The best proven lower bound at SIZE: the engine's bounds and a solved reference LP."""
        bounds = [r.bound for r in self.runs if r.size == size]
        bounds += [
            ref.objective
            for ref in self.references
            if ref.size == size and ref.objective is not None and ref.status == "OPTIMAL"
        ]
        return max(bounds) if bounds else None


def unrealised(objective: float, bound: float | None, status_quo: float) -> float | None:
    """(objective - bound) / (status quo - bound): the share of the achievable improvement the
    plan leaves, at most (None without a bound, 0 when nothing can be improved)."""
    if bound is None:
        return None
    room = status_quo - bound
    return 0.0 if room <= 1e-9 else max(0.0, (objective - bound) / room)


# ---------------------------------------------------------------------------------- rendering


def _number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _share(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0.0:
        return "0 %"
    return f"{100 * value:.4f} %" if value < 0.001 else f"{100 * value:.2f} %"


def _seconds(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def render_tables(results: BenchResults) -> str:
    """The README block: phase times and peaks, quality against the best proven bound, and the
    plain LP beside the engine (markdown)."""
    sizes = [s for s in SIZES if any(r.size == s for r in results.runs)]
    reported = {ph.name for r in results.runs for ph in r.phases}
    present = [p for p in STEP_PHASES if p in reported]
    if "solve" in reported:
        present.insert(present.index("store") if "store" in present else len(present), "solve")
    names = {**PHASE_NAMES, "solve": "solve"}
    lines = [
        f"`{results.command}` — {results.measured_on or 'this machine'}, "
        f"{results.cpu_count or '?'} cores, seed {results.seed}, solver limit "
        f"{results.time_limit:g} s. Each cell: wall seconds · peak resident MiB during the "
        "phase (sampled every 20 ms); **step** is the whole nightly step inside the process, "
        "**process** the child process from start to exit (Python, imports) with its peak.",
        "",
        "| size (ASN / units) | database | "
        + " | ".join(names[p] for p in present)
        + " | **step** s | process s · peak MiB |",
        "|---|---|" + "---|" * len(present) + "---|---|",
    ]
    for size in sizes:
        for run in (r for r in results.runs if r.size == size):
            by_name = {p.name: p for p in run.phases}
            cells = [
                f"{_seconds(by_name[p].seconds)} · {by_name[p].peak_mib:,.0f}"
                if p in by_name
                else "–"
                for p in present
            ]
            lines.append(
                f"| {size} ({run.employees:,} / {run.units:,}) | {run.database} | "
                + " | ".join(cells)
                + f" | **{_seconds(run.seconds)}** | {_seconds(run.process_seconds)} · "
                f"{run.process_peak_mib:,.0f} |"
            )
    lines += [
        "",
        "| size | database | status | moves | objective | best proven bound | status quo "
        "| unrealised |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        best = results.best_bound(size)
        for run in (r for r in results.runs if r.size == size):
            lines.append(
                f"| {size} | {run.database} | {run.status} | {run.moves:,} | "
                f"{_number(run.objective)} | {_number(best) if best is not None else '–'} | "
                f"{_number(run.status_quo)} | "
                f"{_share(unrealised(run.objective, best, run.status_quo))} |"
            )
    if results.references:
        lines += [
            "",
            "| size | engine solve s (SQLite run) | plain HiGHS LP s (+ build s) | LP ÷ engine "
            "| LP optimum | LP columns | LP process peak MiB |",
            "|---|---|---|---|---|---|---|",
        ]
        for ref in results.references:
            first = next((r for r in results.runs if r.size == ref.size), None)
            solve = first.solve_seconds if first else None
            ratio = "–"
            if ref.seconds is not None and solve:
                # An LP stopped by its time limit took longer than that: the ratio is at least.
                at_least = "" if ref.objective is not None else "≥ "
                ratio = f"{at_least}{ref.seconds / solve:.2f}×"
            lines.append(
                f"| {ref.size} | {_seconds(solve) if solve is not None else '–'} | "
                + (
                    f"{_seconds(ref.seconds)} (+ {_seconds(ref.build_seconds or 0.0)})"
                    + ("" if ref.objective is not None else f", {ref.status}")
                    if ref.seconds is not None
                    else ref.status
                )
                + f" | {ratio} | "
                + (_number(ref.objective) if ref.objective is not None else "–")
                + f" | {f'{ref.columns:,}' if ref.columns is not None else '–'} | "
                + (f"{ref.process_peak_mib:,.0f}" if ref.process_peak_mib else "–")
                + " |"
            )
    for note in results.notes:
        lines += ["", note]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """TEXT with what lies between the bench markers replaced by BLOCK (ValueError when the
    markers are missing or out of order)."""
    begin, end = text.find(BEGIN_MARKER), text.find(END_MARKER)
    if begin < 0 or end < begin:
        raise ValueError(f"markers {BEGIN_MARKER} ... {END_MARKER} not found")
    return text[: begin + len(BEGIN_MARKER)] + "\n" + block.strip() + "\n" + text[end:]


# ----------------------------------------------------------------------- the child processes


class _FixedClock:
    def __init__(self, now: dt.datetime) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now


async def load_agency(url: str, size: str, seed: int, instance_out: Path | None) -> dict[str, Any]:
    """Migrate the database at URL (which must be empty or hold an earlier bench/demo agency)
    and fill it with the sample agency of SIZE; write that night's optimiser instance to
    INSTANCE_OUT. Returns the counts loaded."""
    from bot.composition import engine_policy, planning_rules_of
    from bot.sample_agency import DEMO_AUDIT_SUBJECT, generate_sample_agency, store_sample_people
    from bot.settings import Settings
    from core.domain import Role, TelegramAccount
    from core.usecases.engine_adapter import instance_from_snapshot
    from core.usecases.planning import consistent_snapshot, take_snapshot
    from db.engine import create_engine
    from db.migrate import downgrade_async, ensure_schema_async
    from db.uow import uow_factory

    await ensure_schema_async(url)
    engine = create_engine(url)
    try:
        factory = uow_factory(engine)
        async with factory() as uow:
            marked = bool(await uow.audit.list(DEMO_AUDIT_SUBJECT))
            holds_data = bool(await uow.units.list())
        if holds_data and not marked:
            raise BenchError(
                "the database holds data that is not a sample agency: give an empty one"
            )
    finally:
        await engine.dispose()
    if holds_data:
        await downgrade_async(url, "base")
        await ensure_schema_async(url)
    settings = Settings(database_url=url)
    today = NIGHT.astimezone(planning_rules_of(settings).approval.working_time.zone).date()
    agency = generate_sample_agency(size, seed, today, settings.wke_minutes)  # type: ignore[arg-type]
    engine = create_engine(url)
    try:
        factory = uow_factory(engine)
        async with factory() as uow:
            await uow.units.upsert_many(agency.units)
            await uow.employees.upsert_many(agency.employees)
            await uow.activities.upsert_many(agency.activities)
            await uow.jabatan.upsert_many(agency.catalogue)
            await uow.commit()
        await store_sample_people(agency, factory, now=NIGHT)
        async with factory() as uow:
            chat = FIRST_CHAT_ID
            for grant in agency.role_grants:
                if grant.role in (Role.ADMIN, Role.APPROVER):
                    await uow.accounts.save(TelegramAccount(chat, grant.nip, "id", chat))
                    chat += 1
            await uow.commit()
        if instance_out is not None:
            rules = planning_rules_of(settings)
            snapshot, _ = consistent_snapshot(
                await take_snapshot(factory, _FixedClock(NIGHT), rules.approval.working_time.zone)
            )
            instance = instance_from_snapshot(
                snapshot,
                engine_policy(settings),
                settings.wke_minutes,
                settings.tmt_months_ahead,
                settings.expiry_working_days,
            )
            instance_out.write_text(instance.to_json(), encoding="utf-8")
    finally:
        await engine.dispose()
    return {"employees": len(agency.employees), "units": len(agency.units)}


def _engine_phases(stats: Mapping[str, Any]) -> dict[str, float]:
    raw = stats.get("phase_seconds") or {}
    return {str(k): float(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}


def phases_of(
    laps: Mapping[str, float],
    engine: Mapping[str, float],
    started: float,
    peak: Callable[[float, float], float],
) -> tuple[Phase, ...]:
    """The step's phases in order from the planning laps (snapshot, solve, store, queue) and
    the engine's own phase seconds inside the solve (the rest of the solve is `instance`:
    building the optimiser's instance from the snapshot). Each phase's window is laid end to
    end from STARTED (perf_counter) and PEAK gives its highest memory sample."""
    found: list[Phase] = []
    at = started
    for name in ("snapshot", "solve", "store", "queue"):
        seconds = float(laps.get(name, 0.0))
        if name == "solve" and engine:
            inner = sum(engine.values())
            parts = [("instance", max(0.0, seconds - inner)), *engine.items()]
            for part, part_seconds in parts:
                window = round(peak(at, at + part_seconds), 1)
                found.append(Phase(part, round(part_seconds, 3), window))
                at += part_seconds
            continue
        found.append(Phase(name, round(seconds, 3), round(peak(at, at + seconds), 1)))
        at += seconds
    return tuple(found)


async def nightly_step(url: str, time_limit: float) -> dict[str, Any]:
    """Run the nightly step once on the database at URL, as the bot's job does."""
    from bot.composition import planning_rules_of, rules_of, solver_of
    from bot.settings import Settings
    from core.usecases.planning import propose_plan
    from db.engine import create_engine
    from db.uow import uow_factory

    settings = Settings(database_url=url, solver_time_limit=time_limit)
    engine = create_engine(url)
    try:
        factory = uow_factory(engine)
        rules = planning_rules_of(settings)
        solver = solver_of(rules_of(settings))
        with RssSampler() as sampler:
            started = time.perf_counter()
            outcome = await propose_plan(factory, _FixedClock(NIGHT), rules, solver)
            seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    if not outcome.created:
        raise BenchError("the step found a plan already stored for that night")
    solution = outcome.solution
    phases = phases_of(
        outcome.phase_seconds, _engine_phases(solution.stats), started, sampler.peak
    )
    return {
        "phases": [asdict(p) for p in phases],
        "seconds": round(seconds, 3),
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "status_quo": solution.status_quo_objective,
        "moves": len(outcome.proposals),
        "columns_allowed": solution.stats.get("columns_allowed"),
    }


def reference(instance_path: Path, time_limit: float) -> dict[str, Any]:
    """The plain HiGHS LP of the instance (`benchmarks.reference_lp`)."""
    from core.rebalance.model import Instance

    try:
        from benchmarks.reference_lp import solve_reference_lp
    except ImportError as error:  # not there yet: said so in the table
        return {"status": f"not available ({error.name})"}
    instance = Instance.from_json(instance_path.read_bytes())
    result = solve_reference_lp(instance, time_limit)
    return {
        "status": str(result.status),
        "seconds": float(result.seconds),
        "build_seconds": float(getattr(result, "build_seconds", 0.0)),
        "objective": None if result.objective is None else float(result.objective),
        "columns": int(result.columns),
    }


# --------------------------------------------------------------------------------- the parent


def _child(args: Sequence[str], out: Path, timeout: float) -> tuple[dict[str, Any], float, float]:
    """Run `python -m benchmarks.nightly ARGS` writing its JSON to OUT; (result, wall seconds,
    peak resident MiB of the whole child). BenchError when it fails or overruns TIMEOUT."""
    from benchmarks.solvers import run_measured

    command = [sys.executable, "-m", "benchmarks.nightly", *args, "--json-out", str(out)]
    seconds, peak_mib, code, error = run_measured(command, timeout)
    if code != 0 or not out.exists():
        tail = error.strip().splitlines()[-1:] or [f"exit {code}"]
        raise BenchError(f"{args[0]} failed (exit {code}): {tail[0]}")
    return json.loads(out.read_text(encoding="utf-8")), seconds, peak_mib


def run_bench(
    sizes: Sequence[str],
    *,
    seed: int = 1,
    time_limit: float = 60.0,
    postgres_url: str | None = None,
    reference_sizes: Sequence[str] = ("L",),
    command: str = "mutasi bench",
    progress: Callable[[str], None] = lambda _line: None,
) -> BenchResults:
    """Load, step and (at REFERENCE_SIZES) the reference LP for every size, on SQLite and, when
    POSTGRES_URL is given, on that PostgreSQL database (emptied and reloaded for each size)."""
    runs: list[StepRun] = []
    references: list[ReferenceRun] = []
    notes: list[str] = []
    budget = 3 * time_limit + 600
    with tempfile.TemporaryDirectory(prefix="mutasi-bench-") as tmp:
        work = Path(tmp)
        for size in sizes:
            databases = [("SQLite", f"sqlite+aiosqlite:///{work / f'{size}.sqlite3'}")]
            if postgres_url:
                databases.append(("PostgreSQL", postgres_url))
            instance = work / f"{size}-instance.json"
            for database, url in databases:
                progress(f"{size} {database}: loading the sample agency")
                load_args = ["load", url, size, str(seed)]
                if database == "SQLite":
                    load_args += ["--instance-out", str(instance)]
                try:
                    loaded, load_seconds, _ = _child(load_args, work / "load.json", budget)
                    progress(f"{size} {database}: the nightly step")
                    step, process_seconds, peak = _child(
                        ["step", url, str(time_limit)], work / "step.json", budget
                    )
                except BenchError as error:  # said in the results; the other sizes still run
                    notes.append(f"{size} on {database}: not measured ({error}).")
                    progress(notes[-1])
                    continue
                runs.append(
                    StepRun(
                        size=size,
                        database=database,
                        employees=int(loaded["employees"]),
                        units=int(loaded["units"]),
                        phases=tuple(Phase(**p) for p in step["phases"]),
                        seconds=float(step["seconds"]),
                        process_seconds=round(process_seconds, 2),
                        process_peak_mib=round(peak, 1),
                        status=str(step["status"]),
                        objective=float(step["objective"]),
                        bound=float(step["bound"]),
                        status_quo=float(step["status_quo"]),
                        moves=int(step["moves"]),
                        columns_allowed=step.get("columns_allowed"),
                        load_seconds=round(load_seconds, 2),
                    )
                )
                for name in ("load.json", "step.json"):
                    (work / name).unlink(missing_ok=True)
            if size in reference_sizes and instance.exists():
                progress(f"{size}: the plain HiGHS LP")
                try:
                    found, _, peak = _child(
                        ["reference", str(instance), str(time_limit * 5)],
                        work / "reference.json",
                        budget * 5,
                    )
                    references.append(
                        ReferenceRun(size=size, process_peak_mib=round(peak, 1), **found)
                    )
                except BenchError as error:
                    references.append(ReferenceRun(size=size, status=str(error)))
                (work / "reference.json").unlink(missing_ok=True)
    return BenchResults(
        seed=seed,
        time_limit=time_limit,
        cpu_count=os.cpu_count(),
        command=command,
        runs=tuple(runs),
        references=tuple(references),
        measured_on=dt.date.today().isoformat(),
        notes=tuple(notes),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The child processes' entry point (`python -m benchmarks.nightly load|step|reference`)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nightly")
    sub = parser.add_subparsers(dest="what", required=True)
    load = sub.add_parser("load")
    load.add_argument("url")
    load.add_argument("size", choices=SIZES)
    load.add_argument("seed", type=int)
    load.add_argument("--instance-out", type=Path)
    step = sub.add_parser("step")
    step.add_argument("url")
    step.add_argument("time_limit", type=float)
    ref = sub.add_parser("reference")
    ref.add_argument("instance", type=Path)
    ref.add_argument("time_limit", type=float)
    for each in (load, step, ref):
        each.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    result: dict[str, Any]
    if args.what == "load":
        result = asyncio.run(load_agency(args.url, args.size, args.seed, args.instance_out))
    elif args.what == "step":
        result = asyncio.run(nightly_step(args.url, args.time_limit))
    else:
        result = reference(args.instance, args.time_limit)
    args.json_out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
