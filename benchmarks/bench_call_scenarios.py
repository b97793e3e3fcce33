"""Call scenarios on the full-size CIS (36,000 customers): opening a call and grading it.

A 36,000-customer template is seeded into a temporary file (or taken from
CSR_SIM_BENCH_TEMPLATE, seeded there first when that file does not exist yet). For every scenario in the library, its golden replay is run the way
a live call runs: a sandbox copy of the template, the fixture laid, each action applied,
the grade. Timed parts (``time.perf_counter``): the sandbox copy, laying the fixture and
working out the expected amounts (what a trainee waits for when the call opens), each
action, and grading.

Targets: a call opens in under 3 s on the full population; an action under 100 ms (p95);
grading under 500 ms.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from fake_cis.database import make_engine, make_sandbox
from skills_tests.capture_fidelity import percentile
from fake_cis.seed import seed_template
from scenarios.call import Call
from scenarios.grading import grade
from scenarios.loader import library_files, load_scenario
from scenarios.replay import _days, read_replay

CUSTOMERS = 36_000
OPEN_TARGET_S = 3.0
ACTION_TARGET_MS = 100.0
GRADE_TARGET_MS = 500.0



def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="call-bench-") as work:
        given = os.environ.get("CSR_SIM_BENCH_TEMPLATE")
        template = Path(given) if given else Path(work) / "template.sqlite3"
        if not template.is_file():  # a named template that does not exist yet is seeded and kept
            seed_template(template, customers=CUSTOMERS)
        size_mb = template.stat().st_size / 1e6
        opens, copies, actions, grades, totals = [], [], [], [], []
        for index, path in enumerate(library_files()):
            scenario = load_scenario(path)
            log = read_replay(path.with_suffix("") / "golden.json")
            start = time.perf_counter()
            sandbox = make_sandbox(template, work, f"run{index}")
            copied = time.perf_counter()
            engine = make_engine(sandbox)
            with Session(engine, expire_on_commit=False) as session:
                call = Call.begin(scenario, session, caller_mode=log.caller)
                opened = time.perf_counter()
                for action in log.actions:
                    before = time.perf_counter()
                    call.apply(_days(action, call))
                    actions.append((time.perf_counter() - before) * 1000)
                before = time.perf_counter()
                report = grade(call)
                grades.append((time.perf_counter() - before) * 1000)
            engine.dispose()
            sandbox.unlink()
            copies.append(copied - start)
            opens.append(opened - start)
            totals.append(float(report.total))
    result = {
        "customers": CUSTOMERS, "template_mb": round(size_mb, 1), "scenarios": len(opens),
        "all_golden_100": all(t == 100 for t in totals),
        "open_s": {"median": round(statistics.median(opens), 3), "max": round(max(opens), 3)},
        "sandbox_copy_s": {"median": round(statistics.median(copies), 3), "max": round(max(copies), 3)},
        "action_ms": {"p50": round(percentile(actions, 50), 1), "p95": round(percentile(actions, 95), 1),
                      "max": round(max(actions), 1), "n": len(actions)},
        "grade_ms": {"median": round(statistics.median(grades), 1), "max": round(max(grades), 1)},
        "targets": {"open_s": OPEN_TARGET_S, "action_p95_ms": ACTION_TARGET_MS, "grade_ms": GRADE_TARGET_MS},
    }
    result["summary"] = [
        f"{result['scenarios']} scenarios on a {CUSTOMERS:,}-customer template ({size_mb:.0f} MB)",
        f"open a call: median {result['open_s']['median']} s, max {result['open_s']['max']} s "
        f"(sandbox copy median {result['sandbox_copy_s']['median']} s; target < {OPEN_TARGET_S} s)",
        f"actions: p50 {result['action_ms']['p50']} ms, p95 {result['action_ms']['p95']} ms, max "
        f"{result['action_ms']['max']} ms over {len(actions)} (target p95 < {ACTION_TARGET_MS} ms)",
        f"grading: median {result['grade_ms']['median']} ms, max {result['grade_ms']['max']} ms "
        f"(target < {GRADE_TARGET_MS} ms); every golden replay 100: {result['all_golden_100']}",
    ]
    return result
