"""The engine against single-move descent and CP-SAT alone, on the same generated instances
(`python benchmarks/bench_rebalance.py`; the nightly step itself is `mutasi bench`,
benchmarks/nightly.py).

Each method runs in its own process so wall time and peak memory are the whole process's: the
pipeline as the real `mutasi solve` command (instance read to solution written), the baselines
through `python -m benchmarks.solvers run METHOD ...` with the same time budget.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.rebalance.generator import BENCH_SIZES, generate_bench_instance

# Solve budget per size (seconds), below the whole-process wall-time targets of
# docs/optimisation.md.
TIME_LIMITS = {"S": 0.8, "M": 4.0, "L": 12.0, "XL": 100.0}
# CP-SAT alone is not even built beyond this many allowed moves (it could not load in time).
CPSAT_ALONE_MAX_COLUMNS = 3_000_000


@dataclass(frozen=True, slots=True)
class BenchRow:
    """One method on one instance."""

    size: str
    method: str
    seconds: float
    peak_mib: float
    objective: float | None
    bound: float | None
    status_quo: float
    unrealised: float | None
    moves: int | None
    status: str


def run_measured(cmd: list[str], timeout: float) -> tuple[float, float, int, str]:
    """Run a command (killed after TIMEOUT seconds); its wall seconds, peak RSS of the whole
    process (MiB, from wait4), exit code and stderr tail."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    err = proc.stderr.read() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024.0, code, err.strip()[-400:]


def _solve_command() -> list[str]:
    found = Path(sys.executable).with_name("mutasi")
    if found.exists():
        return [str(found), "solve"]
    which = shutil.which("mutasi")
    return [which, "solve"] if which else [sys.executable, "-m", __name__, "run", "pipeline"]


def run_method(method: str, instance_path: str, out_path: str, time_limit: float) -> None:
    """Solve one instance with one method and write a small result JSON (a worker process)."""
    import numpy as np

    from core.rebalance.candidates import build_columns
    from core.rebalance.compiled import compile_instance
    from core.rebalance.formulation import build_formulation, build_segments
    from core.rebalance.greedy import greedy_descent
    from core.rebalance.model import Instance
    from core.rebalance.pipeline import assignment_map, solve
    from core.rebalance.validator import validate_plan

    start = time.perf_counter()
    instance = Instance.from_json(Path(instance_path).read_bytes())
    result: dict[str, Any]
    if method == "pipeline":
        sol = solve(instance, time_limit)
        result = {
            "objective": sol.objective,
            "bound": sol.bound,
            "moves": len(sol.moves),
            "status": sol.status,
        }
    else:
        ci = compile_instance(instance)
        cols = build_columns(ci)
        deadline = start + time_limit
        if method == "greedy":
            plan = greedy_descent(ci, cols, deadline)
            status = "LOCAL-OPTIMUM" if time.perf_counter() < deadline else "TIME-LIMIT"
            bound = None
        elif cols.size > CPSAT_ALONE_MAX_COLUMNS:
            Path(out_path).write_text(json.dumps({"status": f"NOT-RUN ({cols.size} columns)"}))
            return
        else:
            from core.rebalance.cpsat import solve_cpsat

            segs = build_segments(ci, cols)
            form = build_formulation(ci, cols, segs, np.ones(cols.size, dtype=bool))
            remaining = deadline - time.perf_counter()
            out = solve_cpsat(
                ci, cols, form, remaining, hint=None, workers=os.cpu_count() or 1, seed=0
            )
            built = f"model built in {out.build_seconds:.1f} s"
            if out.assignment is None:
                Path(out_path).write_text(
                    json.dumps({"status": f"NO-PLAN ({out.status}; {built})"})
                )
                return
            plan, status, bound = out.assignment, f"{out.status} ({built})", None
        objective = validate_plan(instance, assignment_map(ci, plan))
        result = {
            "objective": objective,
            "bound": bound,
            "moves": int((plan != ci.emp_unit).sum()),
            "status": status,
        }
    Path(out_path).write_text(json.dumps(result))


def run_benchmark(
    sizes: list[str], seed: int = 0, methods: tuple[str, ...] = ("pipeline", "greedy", "cpsat")
) -> list[BenchRow]:
    """Generate each size's instance and run every method on it in its own process."""
    rows: list[BenchRow] = []
    from core.rebalance.model import Instance
    from core.rebalance.validator import validate_plan

    with tempfile.TemporaryDirectory(prefix="mutasi-bench-") as tmp:
        for size in sizes:
            size = size.upper()
            instance = generate_bench_instance(size, seed)
            path = Path(tmp) / f"{size}.json"
            path.write_text(instance.to_json())
            status_quo = validate_plan(Instance.from_json(path.read_bytes()), {})
            limit = TIME_LIMITS[size]
            found: list[tuple[str, float, float, dict[str, Any]]] = []
            for method in methods:
                out = Path(tmp) / f"{size}-{method}.json"
                if method == "pipeline":
                    cmd = [
                        *_solve_command(),
                        str(path),
                        "--out",
                        str(out),
                        "--time-limit",
                        str(limit),
                    ]
                else:
                    cmd = [
                        sys.executable,
                        "-m",
                        __name__,
                        "run",
                        method,
                        str(path),
                        str(out),
                        str(limit),
                    ]
                seconds, mib, code, err = run_measured(cmd, timeout=limit * 3 + 60)
                data: dict[str, Any]
                if code != 0 or not out.exists():
                    data = {"status": f"FAILED (exit {code}): {err}"}
                else:
                    data = json.loads(out.read_text())
                    if "moves" in data and isinstance(data["moves"], list):
                        data = {
                            "objective": data["objective"],
                            "bound": data["bound"],
                            "moves": len(data["moves"]),
                            "status": data["status"],
                        }
                found.append((method, seconds, mib, data))
            bounds = [d["bound"] for _, _, _, d in found if d.get("bound") is not None]
            best = max(bounds) if bounds else None
            for method, seconds, mib, data in found:
                obj = data.get("objective")
                share = None
                if obj is not None and best is not None and status_quo - best > 1e-9:
                    share = max(0.0, (obj - best) / (status_quo - best))
                rows.append(
                    BenchRow(
                        size,
                        method,
                        round(seconds, 2),
                        round(mib, 1),
                        obj,
                        best,
                        status_quo,
                        share,
                        data.get("moves"),
                        str(data.get("status")),
                    )
                )
    return rows


def format_table(rows: list[BenchRow]) -> str:
    """The benchmark as a plain-text table."""
    head = (
        f"{'size':<4} {'method':<9} {'wall s':>7} {'peak MiB':>9} {'objective':>12} "
        f"{'bound':>12} {'unrealised':>10} {'moves':>6}  status"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        obj = f"{r.objective:12.1f}" if r.objective is not None else f"{'-':>12}"
        bound = f"{r.bound:12.1f}" if r.bound is not None else f"{'-':>12}"
        share = f"{100 * r.unrealised:9.4f}%" if r.unrealised is not None else f"{'-':>10}"
        moves = f"{r.moves:6d}" if r.moves is not None else f"{'-':>6}"
        lines.append(
            f"{r.size:<4} {r.method:<9} {r.seconds:7.2f} {r.peak_mib:9.1f} {obj} "
            f"{bound} {share} {moves}  {r.status}"
        )
    return "\n".join(lines)


def rows_json(rows: list[BenchRow], seed: int) -> str:
    """The benchmark rows as JSON, with what produced them."""
    sizes = {r.size: asdict(BENCH_SIZES[r.size]) for r in rows}
    return json.dumps(
        {
            "seed": seed,
            "sizes": sizes,
            "cpu_count": os.cpu_count(),
            "time_limits": TIME_LIMITS,
            "rows": [asdict(r) for r in rows],
        },
        indent=2,
    )


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "run":
        run_method(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        print(
            "usage: python -m benchmarks.solvers run METHOD INSTANCE OUT SECONDS",
            file=sys.stderr,
        )
        raise SystemExit(2)
