"""Customer search and account overview on the full-size CIS (100,000 customers).

A 100,000-customer template is seeded into a temporary file (or taken from
CSR_SIM_BENCH_TEMPLATE when it names an existing one, to save the two minutes), copied into
a sandbox as a trainee gets it, and then timed through the same operations the screens
call (``fake_cis.operations.run``, audit event included): ``search_customers`` by last
name, full name, account number, phone and street address for queries drawn from the data,
and ``view_account`` for random accounts. Each call is timed with ``time.perf_counter``;
p50 and p95 are reported per kind.

Targets: search p95 under 30 ms; account overview under 50 ms (p95).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from fake_cis.database import make_engine, make_sandbox
from skills_tests.capture_fidelity import percentile
from fake_cis import operations
from fake_cis.seed import seed_template

CUSTOMERS = 100_000
SAMPLES = 200
SEARCH_TARGET_MS = 30.0
OVERVIEW_TARGET_MS = 50.0



def _queries(session: Session, rng: random.Random) -> dict[str, list[dict]]:
    def sample(sql: str) -> list[tuple]:
        rows = session.execute(text(sql)).all()
        return rng.sample(rows, min(SAMPLES, len(rows)))

    people = sample("SELECT first_name, last_name, phone FROM persons WHERE last_name IS NOT NULL AND phone IS NOT NULL")
    accounts = sample("SELECT account_number FROM accounts")
    premises = sample("SELECT house_number, street_name FROM premises")
    return {
        "last name": [{"query": last, "by": "name"} for _, last, _ in people],
        "full name": [{"query": f"{first} {last}", "by": "name"} for first, last, _ in people],
        "account number": [{"query": number, "by": "account_number"} for (number,) in accounts],
        "phone": [{"query": phone, "by": "phone"} for _, _, phone in people],
        "address": [{"query": f"{house} {street}", "by": "address"} for house, street in premises],
    }


def run_benchmark() -> dict:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="cis-lookup-") as work:
        template = os.environ.get("CSR_SIM_BENCH_TEMPLATE")
        seeded_s = None
        if not template or not Path(template).exists():
            template = str(Path(work) / "template.sqlite3")
            started = time.perf_counter()
            seed_template(template, customers=CUSTOMERS, seed=1)
            seeded_s = round(time.perf_counter() - started, 1)
        sandbox = make_sandbox(template, work, "bench")
        engine = make_engine(sandbox)
        timings: dict[str, list[float]] = {}
        with Session(engine) as session:
            queries = _queries(session, rng)
            accounts = [q["query"] for q in queries["account number"]]
            for kind, arguments in queries.items():
                for args in arguments:
                    started = time.perf_counter()
                    result = operations.run(session, "search_customers", args, actor="bench")
                    timings.setdefault(f"search by {kind}", []).append((time.perf_counter() - started) * 1000)
                    assert result.ok, result.message
            for number in accounts:
                started = time.perf_counter()
                result = operations.run(session, "view_account", {"account_number": number}, actor="bench")
                timings.setdefault("account overview", []).append((time.perf_counter() - started) * 1000)
                assert result.ok, result.message
        engine.dispose()
    figures = {kind: {"calls": len(ms), "p50_ms": round(statistics.median(ms), 2),
                      "p95_ms": round(percentile(ms, 95), 2), "max_ms": round(max(ms), 2)}
               for kind, ms in timings.items()}
    summary = [f"{kind}: p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms over {f['calls']} calls (target "
               f"{OVERVIEW_TARGET_MS if kind == 'account overview' else SEARCH_TARGET_MS:g} ms at p95)"
               for kind, f in figures.items()]
    return {"customers": CUSTOMERS, "seeded_s": seeded_s, "figures": figures, "summary": summary,
            "targets_ms": {"search_p95": SEARCH_TARGET_MS, "overview_p95": OVERVIEW_TARGET_MS}}


def run() -> dict:  # the benchmark runner's entry point
    return run_benchmark()
