"""``make bench`` for pupils: CSV imports of 10,000 and 50,000 pupils (read + validate, commit, re-import).

Budget (DESIGN §7): 50,000 pupils imported in under 30 s, all or nothing; re-importing changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time

from schoolpl.bench import school_codes

from . import services
from .importing import default_mapping, read_table, validate_rows
from .upn import make_upn

SIZES = (10_000, 50_000)
BUDGET_50K = 30.0
HEADER = [
    "UPN", "Legal Surname", "Legal Forename", "Preferred Forename", "DOB", "Gender", "NC Year Actual", "Reg Group",
    "Admission Date", "SEN Status", "Primary Need", "EAL", "FSM Eligible", "Pupil Premium", "In Care", "G&T",
    "Ethnicity",
]  # fmt: skip


def export_csv(size: int, seed: int = 7) -> bytes:
    """A SIMS-style export of ``size`` pupils with valid UPNs and a realistic mix of characteristics."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(",".join(HEADER) + "\n")
    for n in range(size):
        year = n % 7
        sen = "E" if rng.random() < 0.03 else "K" if rng.random() < 0.14 else "N"
        need = rng.choice(["SPLD", "MLD", "SEMH", "ASD"]) if sen != "N" else ""
        dob = dt.date(2013 + (6 - year), 9, 1) + dt.timedelta(days=rng.randrange(365))
        fsm = "Y" if rng.random() < 0.24 else "N"
        out.write(
            f"{make_upn(801, 3000 + n // 1000, 19, n % 1000)},Surname{n},Forename{n},,{dob:%d/%m/%Y},"
            f"{'F' if n % 2 else 'M'},{year or 'R'},{year or 'R'}A,01/09/2020,{sen},{need},"
            f"{'Y' if rng.random() < 0.2 else 'N'},{fsm},{fsm},N,N,WBRI\n"
        )
    return out.getvalue().encode()


def run(bench) -> None:
    from schoolpl.models import School

    for size in SIZES:
        school = School.objects.create(name=f"Bench import {size}", **school_codes())
        data = export_csv(size)
        budget = BUDGET_50K * size / 50_000
        started = time.perf_counter()
        with bench.timer("import CSV: read + validate", size):
            headers, rows = read_table(data, "export.csv")
            result = validate_rows(rows, default_mapping(headers), headers=headers, today=dt.date.today())
        assert result.ok, result.errors[:5]
        with bench.timer("import CSV: commit (create, with history)", size):
            outcome = services.pupil_import_commit(
                school=school, records=result.records, record_rows=result.record_rows
            )
        assert outcome.created == size
        bench.record("import CSV: total (read, validate, commit)", size, time.perf_counter() - started, budget)
        started = time.perf_counter()
        headers, rows = read_table(data, "export.csv")
        result = validate_rows(rows, default_mapping(headers), headers=headers, today=dt.date.today())
        outcome = services.pupil_import_commit(school=school, records=result.records, record_rows=result.record_rows)
        assert outcome.unchanged == size and outcome.created == outcome.updated == 0
        bench.record("re-import unchanged file (no writes)", size, time.perf_counter() - started, budget)
