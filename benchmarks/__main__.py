"""Run benchmarks: ``python -m benchmarks [name ...]``.

Each ``benchmarks/bench_<name>.py`` provides ``run() -> dict``. With no names, every
benchmark runs. The result, with a description of the machine, is printed and written to
``benchmarks/out/<name>.json``. A result may carry a ``"summary"`` list of lines to print;
otherwise the whole result is printed as JSON.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PREFIX = "bench_"


def available() -> list[str]:
    return sorted(path.stem[len(PREFIX) :] for path in HERE.glob(f"{PREFIX}*.py"))


def cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(available())}")
    args = parser.parse_args(argv)
    names = [name.removeprefix(PREFIX).removesuffix(".py") for name in args.names] or available()
    unknown = [name for name in names if name not in available()]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")

    OUT.mkdir(exist_ok=True)
    info = machine()
    print(f"{info['cpu_model']} x{info['cpu_count']}, {info['implementation']} {info['python']}, {info['platform']}")
    for name in names:
        module = importlib.import_module(f"benchmarks.{PREFIX}{name}")
        started = datetime.now(UTC)
        clock = time.perf_counter()
        result = module.run()
        elapsed = time.perf_counter() - clock
        report = {
            "benchmark": name,
            "started_utc": started.isoformat(timespec="seconds"),
            "elapsed_s": round(elapsed, 2),
            "machine": info,
            "result": result,
        }
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\n== {name} ({elapsed:.1f} s) -> {path.relative_to(HERE.parent)}")
        summary = result.get("summary") if isinstance(result, dict) else None
        if summary:
            for line in summary:
                print(f"  {line}")
        else:
            print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
