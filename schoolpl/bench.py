"""``make bench``: generate schools of several sizes in a throw-away database and time the hot paths.

Each app adds its measurements in ``<app>/bench.py`` as ``def run(bench: Bench) -> None`` (the ``bench`` hook
of ``schoolpl.hooks``); they call ``bench.record(...)`` or time a block with ``bench.timer(...)``. The
harness creates a fresh database (PostgreSQL when DATABASE_URL is set — the figures that matter — otherwise
SQLite), runs every app's benchmarks for each size, prints a table and writes ``bench-results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import django
from django.db import connection
from django.test.utils import setup_test_environment

from .discovery import app_modules

DEFAULT_SIZES = (2000, 50000, 150000)


@dataclass
class Result:
    app: str
    name: str
    size: int
    seconds: float
    budget_seconds: float | None = None
    note: str = ""

    @property
    def within_budget(self) -> bool | None:
        return None if self.budget_seconds is None else self.seconds <= self.budget_seconds


@dataclass
class Bench:
    sizes: tuple[int, ...]
    results: list[Result] = field(default_factory=list)
    current_app: str = ""

    def record(self, name: str, size: int, seconds: float, budget_seconds: float | None = None, note: str = "") -> None:
        result = Result(self.current_app, name, size, seconds, budget_seconds, note)
        self.results.append(result)
        flag = "" if result.within_budget is None else ("  ok" if result.within_budget else "  OVER BUDGET")
        budget = f" (budget {budget_seconds:.3f}s)" if budget_seconds is not None else ""
        print(f"  {self.current_app:<13} {name:<48} {size:>7,} {seconds:>9.3f}s{budget}{flag} {note}", flush=True)

    @contextmanager
    def timer(self, name: str, size: int, budget_seconds: float | None = None, note: str = ""):
        started = time.perf_counter()
        yield
        self.record(name, size, time.perf_counter() - started, budget_seconds, note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="pupil counts, comma-separated")
    parser.add_argument("--only", default="", help="run only these apps' benchmarks (comma-separated)")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolpl.settings")
    django.setup()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    print(f"Creating a throw-away {connection.vendor} database for the benchmark…", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    bench = Bench(sizes=sizes)
    only = {a for a in args.only.split(",") if a}
    try:
        print(f"  {'app':<13} {'measurement':<48} {'pupils':>7} {'time':>10}")
        for module in app_modules("bench"):
            app = module.__name__.split(".")[0]
            if only and app not in only:
                continue
            bench.current_app = app
            module.run(bench)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    payload = {
        "database": connection.vendor,
        "sizes": sizes,
        "results": [asdict(r) | {"within_budget": r.within_budget} for r in bench.results],
    }
    (out / "latest.json").write_text(json.dumps(payload, indent=2))
    over = [r for r in bench.results if r.within_budget is False]
    print(f"\n{len(bench.results)} measurements, {len(over)} over budget; written to bench-results/latest.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


_school_serial = 0


def school_codes() -> dict[str, str]:
    """A URN, LA number and establishment number unique within this benchmark run, for generated schools."""
    global _school_serial
    _school_serial += 1
    return {"urn": f"{700000 + _school_serial:06d}", "la_code": "990", "estab": f"{_school_serial:04d}"}
