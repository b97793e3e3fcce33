"""Seeding the simulated CIS and copying per-run sandboxes.

Each population (36,000 and 100,000 customers, 24 months of history) is seeded into a
temporary template file by ``fake_cis.seed.seed_template`` in a subprocess of its own; the
wall time is measured inside it (``time.perf_counter``), the peak memory is the child's
maximum resident set size from ``os.wait4``. Right after the 36,000-customer seed (and an
``os.sync()``, so the copies do not compete with the seed's own writes still being flushed
to disk - the steady state of a training day, when the template was seeded long before),
the template is copied into a sandbox five times with each method of
``fake_cis.database.make_sandbox`` (file copy after a checkpoint, SQLite's online backup
API), each copy deleted before the next; the medians are reported. The 36,000-customer
population's shares are reported too.

Targets: 36,000 customers in under 60 s, 100,000 in under 3 minutes, peak memory under
1 GB; a sandbox copy in under 1 s at 36,000 customers.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fake_cis.database import drop_sandbox, make_sandbox
from fake_cis.seed import population_summary

SIZES = (36_000, 100_000)
TARGETS_S = {36_000: 60.0, 100_000: 180.0}
MEMORY_TARGET_MB = 1024
COPY_TARGET_S = 1.0
COPIES = 5
SEED = 1
ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from fake_cis.seed import seed_template
started = time.perf_counter()
seed_template(sys.argv[1], customers=int(sys.argv[2]), seed=int(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def seed_in_subprocess(path: Path, customers: int) -> dict:
    process = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(customers), str(SEED)],
                               stdout=subprocess.PIPE, cwd=ROOT, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"seeding {customers} customers failed (exit {os.waitstatus_to_exitcode(status)})")
    result = json.loads(output.strip().splitlines()[-1])
    return {
        "customers": customers,
        "seconds": round(result["seconds"], 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "target_s": TARGETS_S.get(customers),
    }


def time_copies(template: Path, folder: Path, method: str) -> list[float]:
    times = []
    for number in range(COPIES):
        run_id = f"bench-{method}-{number}"
        started = time.perf_counter()
        make_sandbox(template, folder, run_id, method=method)
        times.append(time.perf_counter() - started)
        drop_sandbox(run_id, directory=folder)
        time.sleep(0.5)
    return times


def run() -> dict:
    sizes = tuple(int(s) for s in os.environ.get("CIS_BENCH_SIZES", "").split(",") if s) or SIZES
    seeds = []
    copies = {}
    population = {}
    with tempfile.TemporaryDirectory(prefix="cis-bench-") as folder:
        folder = Path(folder)
        for customers in sorted(sizes):
            path = folder / f"template-{customers}.sqlite3"
            seeds.append(seed_in_subprocess(path, customers))
            if customers == min(sizes):
                os.sync()
                for method in ("copy", "backup"):
                    times = time_copies(path, folder / "sandboxes", method)
                    copies[method] = {"median_s": round(statistics.median(times), 3),
                                      "runs_s": [round(t, 3) for t in times]}
                population = population_summary(path)
            path.unlink()

    summary = []
    for seed in seeds:
        target = seed["target_s"]
        verdict = "" if target is None else (f" (target {target:.0f} s: "
                                             f"{'met' if seed['seconds'] < target else 'MISSED'})")
        summary.append(f"seed {seed['customers']:,} customers x 24 months: {seed['seconds']:.1f} s"
                       f"{verdict}, peak RSS {seed['peak_rss_mb']:.0f} MB "
                       f"(target {MEMORY_TARGET_MB} MB), file {seed['file_mb']:.0f} MB")
    for method, result in copies.items():
        summary.append(f"sandbox copy at {min(sizes):,} ({method}): median {result['median_s']:.3f} s "
                       f"of {COPIES} (target {COPY_TARGET_S:.0f} s), runs {result['runs_s']}")
    summary.append("population at {:,}: {}".format(min(sizes), ", ".join(
        f"{key} {value}" for key, value in population.items())))
    return {
        "seed": SEED,
        "months": 24,
        "seeding": seeds,
        "sandbox_copy": copies,
        "population": population,
        "targets": {"seed_s": TARGETS_S, "peak_rss_mb": MEMORY_TARGET_MB, "copy_s": COPY_TARGET_S},
        "summary": summary,
    }
